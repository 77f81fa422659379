"""docs/deals.md shows the transition tables exactly as the code holds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.deals import tables

DOC = Path(__file__).resolve().parents[3] / "docs" / "deals.md"


@pytest.mark.parametrize("render", [tables.offer_table, tables.deal_table, tables.creative_table])
def test_the_documented_table_is_the_one_in_the_code(render: object) -> None:
    assert render() in DOC.read_text(encoding="utf-8")  # type: ignore[operator]


def test_a_table_row_names_who_may_move() -> None:
    assert "| `sent` | `accept` | `accepted` | owner |" in tables.offer_table()
