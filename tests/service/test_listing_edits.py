"""Which edits of a live listing go back to staff review, and which go live (#11 item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from campaigns.brief import RegulatedCategory
from marketplace.auth.models import User
from marketplace.catalog import rules
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, ListingStatus, PausedBy
from marketplace.errors import NotFound
from marketplace.extensions import db
from pricing.taxonomy import PlacementType, Platform
from tests.factories import make_listing

#: A new value for every field the review covers.
REVIEWED_EDITS: dict[str, Any] = {
    "name_he": "שם אחר לגמרי",
    "name_en": "Another name",
    "description": "תיאור חדש",
    "founding_story": "סיפור חדש",
    "need_answered": "צורך חדש",
    "dna_tone": "טון חדש",
    "dna_values": "ערכים חדשים",
    "dna_rituals": "טקסים חדשים",
    "dna_language": "שפה חדשה",
    "member_type": "הורים",
    "common_denominator": "מכנה משותף חדש",
    "content_allowed": "הכל",
    "content_forbidden": "כלום",
    "disclosure_wording": "פרסומת, בתיאום עם הקהילה",
    "sensitive_flags": ["health"],
    "regulated_allowed": [RegulatedCategory.ALCOHOL.value],
    "topics": ["parenting"],
    "tags": ["חדש"],
    "languages": ["en"],
    "audience_kind": "b2b",
}
LIVE_EDITS: dict[str, Any] = {
    "city": "חיפה",
    "region": "haifa",
    "admission": "by_request",
    "monetisation_experience": "some",
    "contact_email": "new@example.com",
    "contact_phone": "050-7654321",
}


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.test_request_context(), force_locale("en"):
        yield db.session


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    return {r: ctx.get(User, make_user(r).id) for r in ("owner", "staff", "brand")}


def live_listing(ctx: Any, people: dict[str, User], *, paused_by: str | None = None) -> Any:
    listing = make_listing(ctx, people["owner"])
    catalog.change_status(ctx, listing.community, ListingStatus.SUBMITTED, actor=people["owner"])
    catalog.change_status(ctx, listing.community, ListingStatus.LISTED, actor=people["staff"])
    if paused_by:
        catalog.change_status(ctx, listing.community, ListingStatus.PAUSED, actor=people[paused_by])
    return listing


def test_every_community_field_is_classified() -> None:
    assert set(REVIEWED_EDITS) == rules.REVIEWED_COMMUNITY_FIELDS
    every = {*catalog.COMMUNITY_TEXT_FIELDS, *catalog.COMMUNITY_CHOICE_FIELDS,
             *catalog.COMMUNITY_LIST_FIELDS}  # fmt: skip
    assert every == set(REVIEWED_EDITS) | set(LIVE_EDITS)


@pytest.mark.parametrize("field", sorted(REVIEWED_EDITS))
@pytest.mark.parametrize("paused_by", [None, "owner"])
def test_an_owners_edit_of_a_reviewed_field_sends_a_live_listing_back_to_review(
    ctx: Any, people: dict[str, User], field: str, paused_by: str | None
) -> None:
    community = live_listing(ctx, people, paused_by=paused_by).community
    catalog.save_community(
        ctx, {field: REVIEWED_EDITS[field]}, actor=people["owner"], community=community
    )
    assert community.status is ListingStatus.SUBMITTED
    assert community.paused_by is None
    with pytest.raises(NotFound):  # brands no longer see it
        catalog.get_visible(ctx, community.id, people["brand"])
    assert ListingStatus.LISTED in catalog.allowed_transitions(community, people["staff"])


@pytest.mark.parametrize("field", sorted(LIVE_EDITS))
def test_an_owners_edit_of_another_field_goes_live(
    ctx: Any, people: dict[str, User], field: str
) -> None:
    community = live_listing(ctx, people).community
    catalog.save_community(
        ctx, {field: LIVE_EDITS[field]}, actor=people["owner"], community=community
    )
    assert community.status is ListingStatus.LISTED
    assert catalog.get_visible(ctx, community.id, people["brand"]) is community


def test_saving_a_reviewed_field_unchanged_keeps_the_listing_live(
    ctx: Any, people: dict[str, User]
) -> None:
    community = live_listing(ctx, people).community
    same = {"name_he": community.name_he, "topics": list(community.topics)}
    catalog.save_community(ctx, same, actor=people["owner"], community=community)
    assert community.status is ListingStatus.LISTED


def test_staff_edits_go_live_and_a_staff_pause_stays_after_an_owners_edit(
    ctx: Any, people: dict[str, User]
) -> None:
    community = live_listing(ctx, people).community
    catalog.save_community(ctx, {"name_he": "תיקון"}, actor=people["staff"], community=community)
    assert community.status is ListingStatus.LISTED
    paused: Community = live_listing(ctx, people, paused_by="staff").community
    catalog.save_community(ctx, {"name_he": "עוד שם"}, actor=people["owner"], community=paused)
    assert (paused.status, paused.paused_by) == (ListingStatus.PAUSED, PausedBy.STAFF)


def test_a_new_channel_or_a_new_address_goes_back_to_review(
    ctx: Any, people: dict[str, User]
) -> None:
    owner = people["owner"]
    listing = live_listing(ctx, people)
    catalog.save_asset(
        ctx, listing.community,
        {"platform": Platform.TELEGRAM_CHANNEL, "url": "https://t.me/runners_new", "size": 90},
        actor=owner,
    )  # fmt: skip
    assert listing.community.status is ListingStatus.SUBMITTED

    listing = live_listing(ctx, people)
    catalog.save_asset(
        ctx, listing.community, {"url": "https://chat.whatsapp.com/Elsewhere1x"},
        actor=owner, asset=listing.asset,
    )  # fmt: skip
    assert listing.community.status is ListingStatus.SUBMITTED


def test_a_channels_size_activity_and_rate_card_change_live(
    ctx: Any, people: dict[str, User]
) -> None:
    owner = people["owner"]
    listing = live_listing(ctx, people)
    catalog.save_asset(
        ctx, listing.community,
        {"size": 700, "posts_per_week": 3, "activity_hours": "ערב"},
        actor=owner, asset=listing.asset,
    )  # fmt: skip
    catalog.set_rates(ctx, listing.asset, {PlacementType.POST: (40_000, "ILS")}, actor=owner)
    assert listing.community.status is ListingStatus.LISTED
    assert listing.community.total_size == 700
