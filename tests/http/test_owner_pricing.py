"""Owners read their valuation in plain words, with a suggested price (issue 11, item 13)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.extensions import db
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType
from pricing.valuation.explain import SOURCE_LABELS, suggested_price_range
from pricing.valuation.priors import default_priors
from tests.factories import make_listing

ANALYST_WORDS = ("P10", "P50", "P90", "CPM", "Over-priced", "Under-priced", "verdict-")
RAW_IDS = ("kesher-assumption", "richautomate-wa", "ayzenberg-skeepers")


def test_every_source_has_a_human_name_in_both_languages() -> None:
    assert set(default_priors().sources) <= set(SOURCE_LABELS)
    assert all(names["he"] and names["en"] for names in SOURCE_LABELS.values())


@pytest.mark.parametrize(
    ("p10", "p90", "suggested"),
    [
        (12_345, 56_789, (13_000, 56_000)),  # rounded inwards to whole ₪10
        (20_000, 30_000, (20_000, 30_000)),
        (12_100, 12_900, (12_100, 12_900)),  # too narrow to round: as it is
        (300, 1_200, (1_000, 1_000)),
    ],
)
def test_the_suggested_price_is_the_fair_band_in_round_figures(
    p10: int, p90: int, suggested: tuple[int, int]
) -> None:
    assert suggested_price_range(p10, p90) == suggested
    low, high = suggested
    assert p10 <= low <= high <= p90


@pytest.fixture
def overpriced(app: Flask, make_user: Any) -> tuple[Any, int, int]:
    """An owner whose WhatsApp group asks ₪50,000 a post; they typed 850 members, an export
    then counted 765."""
    owner = make_user("owner", locale="en")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        asset = listing.asset
        catalog.record_metric(
            db.session, asset, MetricKind.MEMBERS, 850, actor=me, observed_on=date(2026, 10, 5),
            source="typed by the owner", tier=EvidenceTier.SELF_REPORTED,
        )  # fmt: skip
        catalog.record_metric(
            db.session, asset, MetricKind.MEMBERS, 765, actor=me, observed_on=date.today(),
            source="WhatsApp chat export", tier=EvidenceTier.EXPORT,
        )  # fmt: skip
        catalog.set_rates(db.session, asset, {PlacementType.POST: (5_000_000, "ILS")}, actor=me)
        db.session.commit()
        return owner, listing.community.id, asset.id


def test_an_owner_reads_a_sentence_and_a_suggested_price_not_analyst_terms(
    client: Any, auth: Any, overpriced: tuple[Any, int, int]
) -> None:
    owner, community_id, _asset_id = overpriced
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "is above what we estimate this placement is worth" in page
    assert "Suggested price" in page
    for word in (*ANALYST_WORDS, *RAW_IDS):
        assert word not in page, word
    assert "working assumption (to be replaced by results)" in page  # kesher-assumption, named


def test_the_owner_is_told_which_member_count_was_used_and_why(
    client: Any, auth: Any, overpriced: tuple[Any, int, int]
) -> None:
    owner, community_id, _asset_id = overpriced
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "Based on 765 members: data export," in page
    assert "The 850 members recorded on" in page
    assert "is older, so the newer figure is used" in page


def test_a_figure_from_today_reads_today_not_zero_days_ago(
    app: Flask, client: Any, auth: Any, overpriced: tuple[Any, int, int]
) -> None:
    owner, community_id, _asset_id = overpriced
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "· today" in page
    assert "0 days" not in page
    client.post("/auth/language", data={"language": "he"})
    with app.app_context():
        me = db.session.get(User, owner.id)
        me.locale = "he"
        db.session.commit()
    hebrew = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "היום" in hebrew
    assert "לפני 0 ימים" not in hebrew


@pytest.mark.parametrize(
    ("days", "en", "he"),
    [(0, "today", "היום"), (1, "yesterday", "אתמול"), (2, "2 days ago", "לפני יומיים"),
     (9, "9 days ago", "לפני 9 ימים")],
)  # fmt: skip
def test_ages_read_as_words_in_both_languages(app: Flask, days: int, en: str, he: str) -> None:
    from flask_babel import force_locale

    from marketplace.catalog.context import days_ago

    with app.test_request_context():
        with force_locale("en"):
            assert days_ago(days) == en
        with force_locale("he"):
            assert days_ago(days) == he


def test_staff_keep_the_detail_with_named_sources(
    client: Any, auth: Any, make_user: Any, overpriced: tuple[Any, int, int]
) -> None:
    _owner, community_id, _asset_id = overpriced
    auth.login(make_user("staff", locale="en").email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "P10 – P50 – P90" in page
    assert "Over-priced" in page
    assert "Effective CPM" in page
    assert "Suggested price" in page
    assert ">kesher-assumption<" not in page  # named, the id only in the tooltip


def test_a_brand_sees_a_plain_range_without_verdict_or_raw_ids(
    client: Any, auth: Any, make_user: Any, overpriced: tuple[Any, int, int], app: Flask
) -> None:
    from marketplace.catalog.models import Community, ListingStatus

    _owner, community_id, _asset_id = overpriced
    with app.test_request_context():
        community = db.session.get(Community, community_id)
        staff = make_user("staff")
        owner = db.session.get(User, community.owner_id)
        catalog.change_status(db.session, community, ListingStatus.SUBMITTED, actor=owner)
        catalog.change_status(
            db.session, community, ListingStatus.LISTED, actor=db.session.get(User, staff.id)
        )
        db.session.commit()
    auth.login(make_user("brand", locale="en").email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "Estimated value" in page
    assert "most likely" in page
    for word in (*ANALYST_WORDS, *RAW_IDS, "Suggested price", "Your price"):
        assert word not in page, word


def test_a_band_under_ten_shekels_suggests_no_price() -> None:
    # Nobody sells a post for ₪3 to ₪9: the owner is told it is worth too little to sell yet.
    assert suggested_price_range(300, 900) is None
    assert suggested_price_range(300, 999) is None
    assert suggested_price_range(300, 1_000) == (1_000, 1_000)


def test_an_owner_of_a_group_worth_pennies_is_told_so_not_offered_a_3_shekel_price(
    app: Flask, client: Any, auth: Any, overpriced: tuple[Any, int, int]
) -> None:
    from marketplace.valuation.models import PlacementEstimate

    owner, community_id, asset_id = overpriced
    with app.app_context():
        # A group whose posts reach 1 to 9 people: every lens and the estimate under ₪10.
        estimate = db.session.query(PlacementEstimate).filter_by(asset_id=asset_id).one()
        estimate.reach_p10, estimate.reach_p50, estimate.reach_p90 = 1, 3, 9
        estimate.value_p10_minor, estimate.value_p50_minor, estimate.value_p90_minor = 20, 60, 180
        db.session.commit()
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "worth under ₪10.00 to a brand, even at best" in page
    assert "so we suggest no price" in page
    assert "Suggested price" not in page
