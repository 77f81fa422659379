"""An approved plan becomes one deal per community; a decline brings the next best communities."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.deals import DealStatus, TermsInvalid
from campaigns.deals.from_plan import PlanLineTerms, deals_from_plan, draft_terms, replacements
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import DISCLOSURE, T0, WEEK

POST, STORY = PlacementType.POST, PlacementType.STORY
LINES = [
    PlanLineTerms(7, 11, POST, 80_000, 100_000),
    PlanLineTerms(8, 21, STORY, 30_000, 37_500),
    PlanLineTerms(7, 12, STORY, 20_000, 25_000),
    PlanLineTerms(7, 11, POST, 80_000, 100_000),
]


def test_each_community_of_the_plan_gets_one_negotiating_deal() -> None:
    deals = deals_from_plan(LINES, brief_id=3)
    assert [(d.brief_id, d.community_id) for d in deals] == [(3, 7), (3, 8)]
    assert deals[0].placement_keys == {(11, POST), (12, STORY)}
    assert all(d.status == DealStatus.NEGOTIATING for d in deals)


def test_the_first_offer_counts_repeated_lines_and_keeps_both_prices() -> None:
    seven = [line for line in LINES if line.community_id == 7]
    terms = draft_terms(
        seven,
        currency="ILS",
        disclosure=DISCLOSURE,
        starts_on=dt.date(2026, 3, 10),
        ends_on=dt.date(2026, 3, 20),
        expires_at=T0 + WEEK,
    )
    post = next(p for p in terms.placements if p.key == (11, POST))
    assert (post.count, post.owner_payout_minor, post.brand_price_minor) == (2, 160_000, 200_000)
    assert terms.owner_payout_minor == 180_000
    assert terms.brand_price_minor == 225_000
    with pytest.raises(TermsInvalid, match="one community"):
        draft_terms(LINES, currency="ILS", disclosure=DISCLOSURE, starts_on=dt.date(2026, 3, 10),
                    ends_on=dt.date(2026, 3, 20), expires_at=T0 + WEEK)  # fmt: skip


def test_replacements_are_the_next_ranked_communities_never_the_decliner() -> None:
    ranking = [7, 8, 9, 7, 10, 11, 12]
    assert replacements(ranking, in_plan=[8, 9], declined=[7], limit=2) == [10, 11]
    assert replacements(ranking, in_plan=[], declined=[7, 8, 9, 10, 11, 12]) == []
