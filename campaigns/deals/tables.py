"""The three transition tables as markdown, so docs/deals.md shows exactly what the code does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from campaigns.deals.common import Party
from campaigns.deals.creative import COMPLIANCE_STEPS, CREATIVE_TRANSITIONS
from campaigns.deals.deals import DEAL_TRANSITIONS
from campaigns.deals.offers import OFFER_TRANSITIONS


class _Move(Protocol):
    @property
    def to(self) -> str: ...

    @property
    def parties(self) -> frozenset[Party]: ...


_ORDER = list(Party)


def _who(parties: Iterable[Party]) -> str:
    return ", ".join(p.value for p in sorted(parties, key=_ORDER.index))


def markdown_table(
    rows_in: Iterable[tuple[tuple[str, str], _Move]],
    notes: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """One row per move: from, action, to, who may (in table order); pass ``TABLE.items()``."""
    rows = ["| from | action | to | who may |", "| --- | --- | --- | --- |"]
    for (frm, action), move in rows_in:
        note = (notes or {}).get((frm, action), "")
        who = _who(move.parties) + (f" ({note})" if note else "")
        rows.append(f"| `{frm}` | `{action}` | `{move.to}` | {who} |")
    return "\n".join(rows)


def offer_table() -> str:
    return markdown_table(OFFER_TRANSITIONS.items())


def deal_table() -> str:
    return markdown_table(DEAL_TRANSITIONS.items())


def creative_table() -> str:
    notes: dict[tuple[str, str], str] = dict.fromkeys(
        COMPLIANCE_STEPS, "compliance reviewer, regulated briefs only"
    )
    return markdown_table(CREATIVE_TRANSITIONS.items(), notes)
