"""The agreement's canonical text and hash, and the desk's margin, CPM and plan totals."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.deals import (
    MarginCheck,
    NeedsAdmin,
    Party,
    agreement_document,
    agreement_text,
    canonical_json,
    check_margin,
    content_hash,
    desk_figures,
    effective_cpm_minor,
    plan_totals,
    require_margin_allowed,
)
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import HOUR, keys_anywhere, placement, repriced, terms

POST, PINNED = PlacementType.POST, PlacementType.PINNED_POST


def document(t: object = None, number: int = 1) -> dict[str, object]:
    return agreement_document(t or terms(), brief_id=3, community_id=7, number=number)  # type: ignore[arg-type]


def test_the_same_terms_always_give_the_same_hash() -> None:
    a = terms(placement(11), placement(12, PINNED))
    b = terms(placement(12, PINNED), placement(11))
    assert content_hash(document(a)) == content_hash(document(b))
    # Pinned: a change to the encoding would orphan every stored agreement's hash.
    assert content_hash(document(a)) == PINNED_HASH


def test_any_term_changes_the_hash_but_the_offer_deadline_and_brand_price_do_not() -> None:
    base = content_hash(document())
    assert content_hash(document(terms(payment_terms_days=60))) != base
    assert content_hash(document(repriced(terms(), payout_delta=1))) != base
    assert content_hash(document(number=2)) != base
    assert content_hash(document(terms(expires_at=terms().expires_at + HOUR))) == base
    assert content_hash(document(repriced(terms(), price_delta=1))) == base


def test_the_agreement_holds_the_owners_view_never_the_brand_price() -> None:
    doc = document()
    assert not keys_anywhere(doc) & {"brand_price_minor", "margin_minor", "margin_bp"}
    assert doc["terms"]["owner_payout_minor"] == 160_000  # type: ignore[index]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    raw = canonical_json({"b": 1, "a": "שלום"})
    assert raw == '{"a":"שלום","b":1}'.encode()
    assert json.loads(canonical_json(document())) == document()


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        ("he", ["סיכום הסכם", "תשלום לבעלי הקהילה: 800.00 ILS", "סה״כ תשלום: 1,600.00 ILS",
                "נוסח גילוי נדרש: שיתוף פעולה בתשלום", "בלעדיות: bank · 14 ימים"]),
        ("en", ["Agreement summary", "Total payout: 1,600.00 ILS", "Payment terms (days): 30",
                "Required disclosure: שיתוף פעולה בתשלום", "2026-03-10"]),
    ],
)  # fmt: skip
def test_the_agreement_reads_in_hebrew_or_english_and_ends_with_its_hash(
    language: str, phrases: list[str]
) -> None:
    text = agreement_text(document(), language)
    for phrase in phrases:
        assert phrase in text
    assert text.endswith(content_hash(document()))
    assert "1,000.00" not in text, "the brand price is not in the owner's agreement"


def test_an_amendment_says_so_and_other_languages_are_refused() -> None:
    assert "תיקון מס׳ 1" in agreement_text(document(number=2), "he")
    with pytest.raises(ValueError, match="fr"):
        agreement_text(document(), "fr")


def test_the_desk_shows_margin_and_cpm_per_placement_and_in_total() -> None:
    t = terms(
        placement(11, payout=80_000, price=100_000, count=2),
        placement(12, PINNED, payout=30_000, price=30_000),
    )
    figures = desk_figures(t, {(11, POST): 10_000}, floor_bp=2_500)
    post, pinned = figures.placements
    assert (post.margin_minor, post.margin_bp, post.reach_p50, post.cpm_minor) == (
        20_000,
        2_000,
        20_000,
        5_000,
    )
    assert (pinned.reach_p50, pinned.cpm_minor, pinned.margin_bp) == (0, None, 0)
    assert (figures.brand_price_minor, figures.owner_payout_minor, figures.margin_minor) == (
        130_000,
        110_000,
        20_000,
    )
    assert figures.margin_bp == 1_538
    assert figures.cpm_minor == 6_500
    assert figures.check == MarginCheck.BELOW_FLOOR


@pytest.mark.parametrize(
    ("price", "payout", "floor", "check"),
    [
        (100, 75, 2_500, MarginCheck.OK),
        (100, 76, 2_500, MarginCheck.BELOW_FLOOR),
        (100, 100, 0, MarginCheck.OK),
        (100, 101, 0, MarginCheck.BELOW_ZERO),
        (0, 0, 2_500, MarginCheck.OK),
    ],
)
def test_the_margin_floor_warns_and_below_zero_needs_an_admin(
    price: int, payout: int, floor: int, check: MarginCheck
) -> None:
    assert check_margin(price, payout, floor_bp=floor) == check
    if check == MarginCheck.BELOW_ZERO:
        with pytest.raises(NeedsAdmin):
            require_margin_allowed(check, Party.STAFF)
        require_margin_allowed(check, Party.ADMIN)
    else:
        require_margin_allowed(check, Party.STAFF)


@pytest.mark.parametrize(
    ("price", "reach", "cpm"), [(100_000, 20_000, 5_000), (1, 3, 333), (1, 2_000, 1), (5, 0, None)]
)
def test_effective_cpm_rounds_half_up_and_needs_reach(
    price: int, reach: int, cpm: int | None
) -> None:
    assert effective_cpm_minor(price, reach) == cpm


money = st.integers(min_value=0, max_value=10**9)


@settings(database=None)  # no example database written into the checkout
@given(st.lists(st.tuples(money, money), min_size=0, max_size=8))
def test_plan_totals_equal_the_sum_of_their_deals(amounts: list[tuple[int, int]]) -> None:
    deals = [terms(placement(payout=payout, price=price)) for payout, price in amounts]
    totals = plan_totals(deals, "ILS")
    assert totals.brand_price_minor == sum(t.brand_price_minor for t in deals)
    assert totals.owner_payout_minor == sum(t.owner_payout_minor for t in deals)
    assert totals.margin_minor == sum(t.margin_minor for t in deals)


def test_plan_totals_refuse_mixed_currencies() -> None:
    with pytest.raises(ValueError, match="USD"):
        plan_totals([terms(), replace(terms(), currency="USD")], "ILS")


PINNED_HASH = "4fe8e8c91bde4cff847b80243dc698f48fb421fb646826c2ac6d75a383c02f6b"
