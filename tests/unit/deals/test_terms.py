"""Offer terms: what makes them valid, the field-by-field diff, and what each party may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from campaigns.deals import (
    Change,
    Exclusivity,
    OfferTerms,
    Party,
    TermsInvalid,
    diff,
    diff_for,
    terms_for,
)
from campaigns.deals.terms import margin_bp
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import keys_anywhere, placement, repriced, terms

POST, PINNED, STORY = PlacementType.POST, PlacementType.PINNED_POST, PlacementType.STORY


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: terms(placements=()), "at least one placement"),
        (lambda: terms(placement(), placement()), "share"),
        (lambda: terms(currency="GBP"), "currency"),
        (lambda: terms(disclosure="  "), "disclosure"),
        (lambda: terms(payment_terms_days=-1), "payment_terms_days"),
        (lambda: terms(exclusivity=Exclusivity((), 14)), "category"),
        (lambda: placement(payout=-1), "owner_payout_minor"),
        (lambda: placement(price=10.5), "brand_price_minor"),  # type: ignore[arg-type]
        (lambda: placement(count=0), "count"),
        (lambda: replace(placement(), ends_on=dt.date(2026, 3, 1)), "ends before"),
    ],
)
def test_terms_that_cannot_be_offered_are_refused(build: object, message: str) -> None:
    with pytest.raises(TermsInvalid, match=message):
        build()  # type: ignore[operator]


def test_totals_and_margin_are_sums_over_the_placements() -> None:
    t = terms(placement(payout=80_000, price=100_000), placement(12, PINNED, payout=1, price=3))
    assert t.owner_payout_minor == 80_001
    assert t.brand_price_minor == 100_003
    assert t.margin_minor == 20_002


@pytest.mark.parametrize(
    ("price", "payout", "bp"),
    [(100_000, 80_000, 2_000), (3, 2, 3_333), (3, 1, 6_667), (100, 150, -5_000), (0, 5, None)],
)
def test_margin_percent_rounds_half_up_in_basis_points(
    price: int, payout: int, bp: int | None
) -> None:
    assert margin_bp(price, payout) == bp


def test_the_diff_names_each_changed_field_and_each_placement() -> None:
    before = terms(placement(11, POST, count=1), placement(12, PINNED))
    after = terms(
        placement(11, POST, count=2, payout=85_000),
        placement(13, STORY),
        disclosure="#ad",
        payment_terms_days=45,
    )
    changes = diff(before, after)
    fields = [c.field for c in changes]
    assert fields == [
        "disclosure",
        "payment_terms_days",
        "placements[11:post].count",
        "placements[11:post].owner_payout_minor",
        "placements[11:post].margin_minor",
        "placements[11:post].margin_bp",
        "placements[12:pinned_post]",
        "placements[13:story]",
    ]
    assert changes[0] == Change("disclosure", "שיתוף פעולה בתשלום", "#ad")
    assert changes[2] == Change("placements[11:post].count", 1, 2)
    removed, added = changes[6], changes[7]
    assert removed.before["placement_type"] == "pinned_post"
    assert removed.after is None
    assert added.before is None
    assert added.after["asset_id"] == 13


def test_identical_terms_have_no_diff_whatever_the_placement_order() -> None:
    a = terms(placement(11), placement(12, PINNED))
    b = terms(placement(12, PINNED), placement(11))
    assert diff(a, b) == []


def test_the_diff_sees_a_moved_window_and_a_new_exclusivity() -> None:
    before = terms()
    after = terms(
        replace(placement(), ends_on=dt.date(2026, 3, 12)),
        placement(12, PINNED),
        exclusivity=Exclusivity(("bank", "insurance"), 30),
    )
    assert diff(before, after) == [
        Change("exclusivity_categories", ["bank"], ["bank", "insurance"]),
        Change("exclusivity_days", 14, 30),
        Change("placements[11:post].ends_on", "2026-03-10", "2026-03-12"),
    ]


@pytest.mark.parametrize("party", list(Party))
def test_each_party_sees_only_its_own_price(party: Party) -> None:
    view = terms_for(terms(), party)
    seen = keys_anywhere(view)
    sees_price = "brand_price_minor" in seen
    sees_payout = "owner_payout_minor" in seen
    sees_margin = bool({"margin_minor", "margin_bp"} & seen)
    expected = {
        Party.OWNER: (False, True, False),
        Party.BRAND: (True, False, False),
        Party.STAFF: (True, True, True),
        Party.ADMIN: (True, True, True),
        Party.FINANCE: (True, True, True),
        Party.SYSTEM: (True, True, True),
    }[party]
    assert (sees_price, sees_payout, sees_margin) == expected
    assert view["disclosure"] == "שיתוף פעולה בתשלום", "everyone sees the shared terms"
    assert len(view["placements"]) == 2


def test_an_owner_never_sees_the_brand_price_in_a_diff_even_inside_a_new_placement() -> None:
    before = terms()
    after = terms(placement(price=140_000), placement(13, STORY, price=55_000))
    owner = diff_for(diff(before, after), Party.OWNER)
    assert "brand_price_minor" not in keys_anywhere(
        [c.before for c in owner] + [c.after for c in owner]
    )
    assert not any(
        c.field.endswith(("brand_price_minor", "margin_minor", "margin_bp")) for c in owner
    )
    assert [c.field for c in owner] == ["placements[12:pinned_post]", "placements[13:story]"]
    brand = diff_for(diff(before, repriced(before, payout_delta=500)), Party.BRAND)
    assert brand == [], "a payout-only change is invisible to the brand"
    staff = diff_for(diff(before, after), Party.STAFF)
    assert "placements[11:post].brand_price_minor" in [c.field for c in staff]


def test_terms_are_immutable() -> None:
    t = terms()
    with pytest.raises(AttributeError):
        t.currency = "USD"  # type: ignore[misc]
    assert isinstance(t.placements, tuple)
    assert isinstance(OfferTerms(list(t.placements), "ILS", "x", t.expires_at).placements, tuple)  # type: ignore[arg-type]
