"""The five worked examples of docs/pricing.md, computed by hand there, to the unit."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from pricing.valuation import Priors, Status, estimate_at, estimate_frame, estimate_row, explain

from .conftest import WORKED_EXAMPLES


@pytest.mark.parametrize("name", list(WORKED_EXAMPLES))
def test_the_per_row_engine_reproduces_the_hand_computed_example(name: str) -> None:
    example = WORKED_EXAMPLES[name]
    estimate = estimate_row(example["row"])
    assert estimate.status is Status.OK
    assert estimate.reasons == ()
    assert estimate.reach is not None
    assert estimate.value_minor is not None
    assert (estimate.reach.p10, estimate.reach.p50, estimate.reach.p90) == example["reach"]
    value = estimate.value_minor
    assert (value.p10, value.p50, value.p90) == example["value_minor"]


def test_the_vectorised_engine_reproduces_every_hand_computed_example() -> None:
    frame = pd.DataFrame([example["row"] for example in WORKED_EXAMPLES.values()])
    result = estimate_frame(frame)
    for position, example in enumerate(WORKED_EXAMPLES.values()):
        row = result.iloc[position]
        assert (row["reach_p10"], row["reach_p50"], row["reach_p90"]) == example["reach"]
        assert (
            row["value_p10_minor"],
            row["value_p50_minor"],
            row["value_p90_minor"],
        ) == example["value_minor"]


def test_each_example_records_the_model_version_that_produced_it(priors: Priors) -> None:
    frame = pd.DataFrame([example["row"] for example in WORKED_EXAMPLES.values()])
    result = estimate_frame(frame)
    assert set(result["model_version"]) == {priors.model_version}
    assert estimate_row(WORKED_EXAMPLES["podcast"]["row"]).model_version == priors.model_version
    assert priors.model_version.startswith("1.0.0+")


@pytest.mark.parametrize("name", list(WORKED_EXAMPLES))
def test_the_factors_add_up_to_the_median_value(name: str) -> None:
    estimate = estimate_row(WORKED_EXAMPLES[name]["row"])
    assert estimate.value_minor is not None
    total = sum(factor.effect for factor in estimate.factors)
    # Effects are in major units; the median value is rounded to the agora / cent.
    assert math.exp(total) * 100 == pytest.approx(estimate.value_minor.p50, abs=0.5)
    assert sum(f.variance_share for f in estimate.factors) == pytest.approx(1.0)
    assert all(factor.source or factor.key == "placement" for factor in estimate.factors)


def test_the_newsletter_uses_the_measured_open_rate_corrected_for_apple_privacy() -> None:
    factors = {f.key: f for f in estimate_row(WORKED_EXAMPLES["newsletter"]["row"]).factors}
    assert factors["open_rate"].value == pytest.approx(0.40)
    assert factors["open_rate_correction"].value == pytest.approx(0.8)
    assert "signl-mpp" in factors["open_rate_correction"].source
    assert "active_share" not in factors
    assert "health" not in factors


def test_the_whatsapp_group_is_held_up_by_the_business_message_floor() -> None:
    estimate = estimate_row(WORKED_EXAMPLES["whatsapp_group"]["row"])
    factors = {f.key: f for f in estimate.factors}
    assert factors["whatsapp_floor"].effect > 0
    assert estimate.floor_per_person == pytest.approx(0.0427 * 3.7)
    assert estimate.reach is not None
    assert estimate.value_minor is not None
    assert estimate.value_minor.p50 == round(367.32 * 0.0427 * 3.7 * 100)


def test_the_telegram_channel_counts_public_views_not_subscribers() -> None:
    factors = {f.key: f for f in estimate_row(WORKED_EXAMPLES["telegram_channel"]["row"]).factors}
    assert "members" not in factors
    assert factors["views_per_post"].value == pytest.approx(5400)


def test_the_explanation_reads_in_hebrew_and_english() -> None:
    estimate = estimate_row(WORKED_EXAMPLES["facebook_group"]["row"])
    hebrew = explain(estimate, "he")
    english = explain(estimate, "en")
    assert len(hebrew) == len(english) == 1 + len(estimate.factors)
    assert any("חברים" in line for line in hebrew)
    assert any(line.startswith("Members: 36,000") for line in english)
    assert any("https://convosight.com" in line for line in english)


def test_an_explained_row_of_the_vectorised_output_matches_the_per_row_estimate() -> None:
    rows = [example["row"] for example in WORKED_EXAMPLES.values()]
    result = estimate_frame(pd.DataFrame(rows))
    for position, row in enumerate(rows):
        from_frame = estimate_at(result, position)
        direct = estimate_row(row)
        assert from_frame.reach == direct.reach
        assert from_frame.value_minor == direct.value_minor
        assert [f.key for f in from_frame.factors] == [f.key for f in direct.factors]
        for a, b in zip(from_frame.factors, direct.factors, strict=True):
            assert a.basis == b.basis
            assert a.source == b.source
            assert a.effect == pytest.approx(b.effect, rel=1e-9, abs=1e-12)
            assert a.variance_share == pytest.approx(b.variance_share, rel=1e-9, abs=1e-12)


DOC_EXAMPLE = (
    r"<!-- example (?P<name>\w+): reach (?P<reach>[\d ]+); value_minor (?P<value>[\d ]+) -->"
)


def test_the_documentation_states_the_same_numbers_as_the_tests() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "pricing.md").read_text("utf-8")
    found = {
        m["name"]: (
            tuple(int(x) for x in m["reach"].split()),
            tuple(int(x) for x in m["value"].split()),
        )
        for m in re.finditer(DOC_EXAMPLE, text)
    }
    assert found == {
        name: (example["reach"], example["value_minor"])
        for name, example in WORKED_EXAMPLES.items()
    }
