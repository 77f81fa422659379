"""Every factor, reason, status and verdict has a Hebrew and an English label."""

from __future__ import annotations

import re

import pytest

from pricing.valuation import FACTOR_KEYS, LABELS, Basis, Reason, Status, Verdict, label

HEBREW = re.compile(r"[\u0590-\u05FF]")

EXPECTED = {
    "factor": set(FACTOR_KEYS),
    "reason": {r.value for r in Reason},
    "status": {s.value for s in Status},
    "verdict": {v.value for v in Verdict},
    "basis": {b.slug for b in Basis},
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_key_has_a_label_in_hebrew_and_english(kind: str) -> None:
    labels = LABELS[kind]
    assert set(labels) == EXPECTED[kind]
    for key, text in labels.items():
        assert text["en"].strip(), key
        assert HEBREW.search(text["he"]), key
        assert not HEBREW.search(text["en"]), key


def test_a_label_falls_back_to_english_then_to_the_key() -> None:
    assert label("factor", "members", "he") == "חברים"
    assert label("factor", "members", "fr") == "Members"
    assert label("factor", "no_such_factor") == "no_such_factor"
