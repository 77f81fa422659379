"""Catalog services on a real database: ownership, lifecycle, validation, history, search text."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.auth.models import Role, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    EvidenceFile,
    ListingStatus,
    MetricSnapshot,
    PausedBy,
    ReviewStatus,
)
from marketplace.catalog.search import SearchParams, search
from marketplace.errors import Forbidden, InvalidTransition, NotFound
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType, Platform
from tests.factories import add_co_manager, make_listing


@pytest.fixture
def ctx(app: Flask) -> Any:
    # Messages are asserted in English here; the Hebrew UI is tested in the HTTP tier.
    with app.test_request_context(), force_locale("en"):
        yield db.session


def person(session: Any, make_user: Any, role: str, **kw: Any) -> User:
    return session.get(User, make_user(role, **kw).id)


def count(session: Any, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_listing_is_a_draft_with_derived_search_fields(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    community = listing.community
    assert community.status == ListingStatus.DRAFT
    assert community.total_size == 640
    assert community.min_rate_ils == 35_000
    assert community.best_evidence == EvidenceTier.SELF_REPORTED
    # Hebrew words are indexed with and without their one-letter prefix: "בתל" → "תל".
    assert "בתל" in community.search_text.split()
    assert "תל" in community.search_text.split()
    facets = set(ctx.execute(select(CommunityFacet.facet, CommunityFacet.value)).all())
    assert {("platform", "whatsapp_group"), ("topic", "fitness"), ("size", "s"),
            ("audience", "gender:female"), ("price", "p1")} <= facets  # fmt: skip


def test_owners_see_and_edit_only_their_own_listings(ctx: Any, make_user: Any) -> None:
    alice = person(ctx, make_user, "owner")
    bob = person(ctx, make_user, "owner")
    listing = make_listing(ctx, alice)
    ctx.commit()
    assert catalog.get_manageable(ctx, listing.community.id, alice) is listing.community
    with pytest.raises(NotFound):
        catalog.get_visible(ctx, listing.community.id, bob)
    with pytest.raises(NotFound):
        catalog.get_asset(ctx, listing.asset.id, bob)
    with pytest.raises(NotFound):
        catalog.save_community(ctx, {"name_he": "נחטף"}, actor=bob, community=listing.community)
    ctx.rollback()
    assert ctx.get(Community, listing.community.id).name_he.startswith("רצים")


def test_brands_see_only_listed_communities(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    brand = person(ctx, make_user, "brand")
    listing = make_listing(ctx, owner)
    with pytest.raises(NotFound):
        catalog.get_visible(ctx, listing.community.id, brand)
    catalog.change_status(ctx, listing.community, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(ctx, listing.community, ListingStatus.LISTED, actor=staff)
    assert catalog.get_visible(ctx, listing.community.id, brand) is listing.community
    assert not catalog.can_see_private(brand, listing.community)
    assert catalog.can_see_private(staff, listing.community)


def test_a_co_manager_may_edit_once_they_accept_the_owner_s_invitation(
    ctx: Any, make_user: Any
) -> None:
    owner = person(ctx, make_user, "owner")
    helper = person(ctx, make_user, "owner")
    brand = person(ctx, make_user, "brand")
    listing = make_listing(ctx, owner)
    community = listing.community
    assert not catalog.can_manage(helper, community)
    with pytest.raises(Forbidden):
        catalog.invite_manager(ctx, community, email=helper.email, actor=helper)
    # A brand's e-mail, an unknown one and a real owner's are all taken in the same way; only
    # the owner account is mailed.
    earlier = set(ctx.scalars(select(OutboundEmail.id)))
    catalog.invite_manager(ctx, community, email=brand.email, actor=owner)
    catalog.invite_manager(ctx, community, email="nobody@example.com", actor=owner)
    catalog.invite_manager(ctx, community, email=helper.email.upper(), actor=owner)
    mailed = [m.to_address for m in ctx.scalars(select(OutboundEmail)) if m.id not in earlier]
    assert mailed == [helper.email]
    assert not catalog.can_manage(helper, community)  # not before they accept
    assert catalog.manager_invitations(ctx, brand) == []  # a brand cannot co-manage
    [invitation] = catalog.manager_invitations(ctx, helper)
    with pytest.raises(NotFound):  # addressed to someone else
        catalog.answer_manager_invitation(ctx, invitation.id, owner, accept=True)
    catalog.answer_manager_invitation(ctx, invitation.id, helper, accept=True)
    assert catalog.can_manage(helper, community)
    assert catalog.manager_invitations(ctx, helper) == []
    catalog.leave_listing(ctx, community, helper)
    assert not catalog.can_manage(helper, community)
    catalog.leave_listing(ctx, community, owner)  # the owner stays the owner
    assert catalog.can_manage(owner, community)


def test_a_declined_invitation_adds_no_one(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    helper = person(ctx, make_user, "owner")
    community = make_listing(ctx, owner).community
    catalog.invite_manager(ctx, community, email=helper.email, actor=owner)
    [invitation] = catalog.manager_invitations(ctx, helper)
    catalog.answer_manager_invitation(ctx, invitation.id, helper, accept=False)
    assert not catalog.can_manage(helper, community)
    assert catalog.manager_invitations(ctx, helper) == []


ROLES = {
    "owner": Role.OWNER,
    "staff": Role.STAFF,
    "admin": Role.ADMIN,
    "brand": Role.BRAND,
    "finance": Role.FINANCE,
}
STATES: list[catalog.State] = [
    ListingStatus.DRAFT,
    ListingStatus.SUBMITTED,
    ListingStatus.LISTED,
    catalog.OWNER_PAUSE,
    catalog.STAFF_PAUSE,
    ListingStatus.REJECTED,
]


def put_in(community: Community, state: catalog.State) -> None:
    status, paused_by = state if isinstance(state, tuple) else (state, None)
    community.status, community.paused_by = status, paused_by


@pytest.mark.parametrize(
    ("start", "to", "role"),
    list(itertools.product(STATES, ListingStatus, ROLES)),
    ids=str,
)
def test_only_the_transition_table_moves_a_listing(
    ctx: Any, make_user: Any, start: catalog.State, to: ListingStatus, role: str
) -> None:
    owner = person(ctx, make_user, "owner")
    actor = owner if role == "owner" else person(ctx, make_user, role)
    community = make_listing(ctx, owner).community
    put_in(community, start)
    ctx.flush()
    allowed = ROLES[role] in catalog.TRANSITIONS.get((start, to), frozenset())
    if allowed and role not in {"brand", "finance"}:
        catalog.change_status(ctx, community, to, actor=actor, reason="לא מתאים")
        assert community.status == to
    else:
        with pytest.raises(InvalidTransition):
            catalog.change_status(ctx, community, to, actor=actor, reason="לא מתאים")
        assert catalog.lifecycle_state(community) == start


def test_no_role_outside_the_managers_moves_a_listing_at_all() -> None:
    movers = set().union(*catalog.TRANSITIONS.values())
    assert movers == {Role.OWNER, Role.STAFF, Role.ADMIN}


@pytest.mark.parametrize(
    ("pauser", "resumer", "resumes"),
    [
        ("owner", "owner", True),
        ("owner", "co-manager", True),
        ("owner", "staff", True),
        ("owner", "admin", True),
        ("staff", "owner", False),
        ("staff", "co-manager", False),
        ("staff", "staff", True),
        ("staff", "admin", True),
        ("admin", "owner", False),
        ("admin", "staff", True),
        ("owner", "brand", False),
        ("owner", "finance", False),
        ("owner", "other owner", False),
    ],
)
def test_a_pause_records_who_made_it_and_a_staff_pause_sticks(
    ctx: Any, make_user: Any, pauser: str, resumer: str, resumes: bool
) -> None:
    owner = person(ctx, make_user, "owner")
    helper = person(ctx, make_user, "owner")
    people = {
        "owner": owner,
        "co-manager": helper,
        "other owner": person(ctx, make_user, "owner"),
        **{r: person(ctx, make_user, r) for r in ("staff", "admin", "brand", "finance")},
    }
    community = make_listing(ctx, owner).community
    add_co_manager(ctx, community, email=helper.email, actor=owner)
    catalog.change_status(ctx, community, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(ctx, community, ListingStatus.LISTED, actor=people["staff"])
    catalog.change_status(ctx, community, ListingStatus.PAUSED, actor=people[pauser])
    assert community.paused_by == (PausedBy.OWNER if pauser == "owner" else PausedBy.STAFF)
    actor = people[resumer]
    offered = ListingStatus.LISTED in catalog.allowed_transitions(community, actor)
    assert offered is resumes
    if resumes:
        catalog.change_status(ctx, community, ListingStatus.LISTED, actor=actor)
        assert (community.status, community.paused_by) == (ListingStatus.LISTED, None)
    else:
        with pytest.raises(InvalidTransition) as refused:
            catalog.change_status(ctx, community, ListingStatus.LISTED, actor=actor)
        assert community.status == ListingStatus.PAUSED
        if pauser != "owner" and resumer in {"owner", "co-manager"}:
            assert "only the agency can resume it" in refused.value.message


def test_submitting_needs_a_channel_and_rejecting_needs_a_reason(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    empty = catalog.save_community(ctx, {"name_en": "Empty"}, actor=owner)
    with pytest.raises(catalog.CatalogValidationError, match="channel"):
        catalog.change_status(ctx, empty, ListingStatus.SUBMITTED, actor=owner)
    community = make_listing(ctx, owner).community
    catalog.change_status(ctx, community, ListingStatus.SUBMITTED, actor=owner)
    with pytest.raises(catalog.CatalogValidationError):
        catalog.change_status(ctx, community, ListingStatus.REJECTED, actor=staff, reason=" ")
    catalog.change_status(ctx, community, ListingStatus.REJECTED, actor=staff, reason="חסר מידע")
    assert community.rejection_reason == "חסר מידע"


@pytest.mark.parametrize(
    ("platform", "url", "size", "message"),
    [
        (Platform.WHATSAPP_GROUP, "https://www.facebook.com/groups/runners", 100, "not a"),
        (Platform.WHATSAPP_GROUP, "https://chat.whatsapp.com/Abc", 5000, "at most"),
        (Platform.TELEGRAM_CHANNEL, "https://t.me/kesher", -1, "negative"),
        (Platform.NEWSLETTER, "https://news.example.com", 900_000_000, "plausible"),
    ],
)
def test_an_impossible_asset_is_refused_and_nothing_is_written(
    ctx: Any, make_user: Any, platform: Platform, url: str, size: int, message: str
) -> None:
    owner = person(ctx, make_user, "owner")
    community = catalog.save_community(ctx, {"name_en": "X"}, actor=owner)
    ctx.commit()
    with pytest.raises(catalog.CatalogValidationError, match=message):
        catalog.save_asset(
            ctx, community, {"platform": platform, "url": url, "size": size}, actor=owner
        )
    ctx.rollback()
    assert count(ctx, ChannelAsset) == 0


def test_the_same_address_cannot_be_listed_twice(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    other = catalog.save_community(ctx, {"name_en": "Copycat"}, actor=owner)
    url = "HTTPS://chat.whatsapp.com/" + listing.asset.url.rsplit("/", 1)[1] + "/?x=1"
    with pytest.raises(catalog.CatalogValidationError, match="already listed"):
        catalog.save_asset(
            ctx, other, {"platform": Platform.WHATSAPP_GROUP, "url": url, "size": 10}, actor=owner
        )


def test_a_rate_needs_a_known_currency_and_a_positive_amount(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    for amount, currency in [(1000, None), (1000, "GBP"), (0, "ILS")]:
        with pytest.raises(catalog.CatalogValidationError):
            catalog.set_rates(
                ctx, listing.asset, {PlacementType.STORY: (amount, currency)}, actor=owner
            )
    assert [(r.placement, r.amount_minor) for r in listing.asset.rates] == [
        (PlacementType.POST, 35_000)
    ]


@pytest.mark.parametrize(
    ("dimension", "shares"),
    [
        ("gender", {"female": 6000, "male": 3000}),
        ("gender", {"female": 6000, "male": 5000}),
        ("age", {"25_34": 5000, "twenties": 5000}),
        ("shoe_size", {"42": 10_000}),
    ],
)
def test_audience_shares_must_sum_to_100_percent(
    ctx: Any, make_user: Any, dimension: str, shares: dict[str, int]
) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    before = count(ctx, AudienceShare)
    with pytest.raises(catalog.CatalogValidationError):
        catalog.set_audience(ctx, listing.community, dimension, shares, actor=owner)
    assert count(ctx, AudienceShare) == before


def test_figures_keep_their_history_and_refuse_impossible_values(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    asset = listing.asset
    catalog.record_metric(
        ctx, asset, MetricKind.MEMBERS, 700, actor=owner, observed_on=date(2026, 11, 10)
    )
    assert asset.size == 700
    members = [m.value for m in asset.metrics if m.kind == MetricKind.MEMBERS]
    assert members == [640, 700]  # the old figure is still there
    bad = [
        (MetricKind.OPEN_RATE, 1.2, date(2026, 11, 1), "between 0% and 100%"),
        (MetricKind.MEMBERS, 700 * 60, date(2026, 11, 12), "moved"),
        (MetricKind.MEMBERS, 1, date(2026, 11, 12), "moved"),
        (MetricKind.POSTS_PER_WEEK, 3, date.today() + timedelta(days=3), "future"),
    ]
    for kind, value, when, message in bad:
        with pytest.raises(catalog.CatalogValidationError, match=message):
            catalog.record_metric(ctx, asset, kind, value, actor=owner, observed_on=when)
    assert asset.size == 700


def test_only_staff_verify_and_verifying_adds_a_verified_snapshot(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    listing = make_listing(ctx, owner)
    with pytest.raises(Forbidden):
        catalog.record_metric(
            ctx, listing.asset, MetricKind.MEMBERS, 650, actor=owner,
            observed_on=date(2026, 11, 2), tier=EvidenceTier.VERIFIED,
        )  # fmt: skip
    with pytest.raises(Forbidden):
        catalog.review_metric(ctx, listing.snapshot, verified=True, note="", actor=owner)
    confirmed = catalog.review_metric(ctx, listing.snapshot, verified=True, note="ok", actor=staff)
    assert confirmed is not None
    assert confirmed.tier == EvidenceTier.VERIFIED
    assert confirmed.value == listing.snapshot.value
    assert listing.snapshot.review_status == ReviewStatus.VERIFIED
    assert listing.snapshot.tier == EvidenceTier.SCREENSHOT  # the original is not rewritten
    assert count(ctx, MetricSnapshot) == 3


def test_questioning_a_figure_needs_a_note(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    listing = make_listing(ctx, owner)
    with pytest.raises(catalog.CatalogValidationError):
        catalog.review_metric(ctx, listing.snapshot, verified=False, note="", actor=staff)
    catalog.review_metric(ctx, listing.snapshot, verified=False, note="קפיצה חשודה", actor=staff)
    assert listing.snapshot.review_status == ReviewStatus.QUESTIONED
    assert listing.snapshot.review_note == "קפיצה חשודה"


def test_a_file_that_is_not_an_image_is_refused(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    listing = make_listing(ctx, owner)
    before = count(ctx, EvidenceFile)
    for fake in (b"%PDF-1.4 not an image", b"<svg onload=alert(1)>", b"GIF8"):
        with pytest.raises(catalog.CatalogValidationError, match="not an image"):
            catalog.store_evidence(ctx, listing.community, filename="x.png", data=fake, actor=owner)
    assert count(ctx, EvidenceFile) == before


def test_search_finds_hebrew_words_with_or_without_prefixes(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    runners = make_listing(ctx, owner).community
    knitting = {"name_he": "סורגות בירושלים", "description": "מפגשי סריגה", "topics": ["culture"]}
    knitters = catalog.save_community(ctx, knitting, actor=owner)
    ctx.commit()

    def found(**kw: Any) -> list[int]:
        return [c.id for c in search(ctx, SearchParams(**kw), staff).items]

    assert found(q="ריצה") == [runners.id]
    assert runners.id not in found(q="סריגה")
    assert found(q="הירקון") == [runners.id]
    assert found(q="ירקון") == [runners.id]  # "בפארק הירקון" indexed as ירקון too
    assert found(q="הירקון", sort="relevance") == [runners.id]
    teachers = {"name_he": "מורים מחדשים", "description": "מורים ומורות"}
    catalog.save_community(ctx, teachers, actor=owner)
    parents = {"name_he": "הורים צעירים", "description": "הורים לפעוטות"}
    parents_id = catalog.save_community(ctx, parents, actor=owner).id
    ctx.commit()
    # "הורים" (parents) must not find "מורים" (teachers), though both end in "ורים".
    assert found(q="הורים") == [parents_id]
    assert found(q="סריגה") == [knitters.id]
    assert found(q="runners") == [runners.id]
    assert found(q="")[-2:] == [knitters.id, runners.id]  # newest first
    assert found(filters={"topic": ("culture",)}) == [knitters.id]
    assert found(q="ירקון", filters={"topic": ("culture",)}) == []
