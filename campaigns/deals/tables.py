"""The three transition tables as markdown, so docs/deals.md shows exactly what the code does."""

from __future__ import annotations

from campaigns.deals.creative import COMPLIANCE_STEPS, CREATIVE_TRANSITIONS
from campaigns.deals.deals import DEAL_TRANSITIONS
from campaigns.deals.moves import markdown_table
from campaigns.deals.offers import OFFER_TRANSITIONS


def offer_table() -> str:
    return markdown_table(OFFER_TRANSITIONS.items())


def deal_table() -> str:
    return markdown_table(DEAL_TRANSITIONS.items())


def creative_table() -> str:
    notes: dict[tuple[str, str], str] = dict.fromkeys(
        COMPLIANCE_STEPS, "compliance reviewer, regulated briefs only"
    )
    return markdown_table(CREATIVE_TRANSITIONS.items(), notes)
