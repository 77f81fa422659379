"""Tracked-link use-cases: create a placement's link and promo code, record a click, count them.

Who sees what follows the deal desk (:func:`marketplace.deals.services.scoped`):
a brand its organisation's placements, an owner their communities', staff, admins and
finance all. Brands and agency staff create links and codes; owners share them.

The redirect's hot path is two statements and no ORM objects: :func:`find_target` reads the
stored target by slug, :func:`record_click` writes the click with one ``INSERT … SELECT`` that
also decides, in the database, whether it repeats the visitor's last click (on PostgreSQL
after an advisory lock on the link × visitor pair, so simultaneous clicks count once).

Redemption files (CSV/XLSX) are checked and written by :mod:`marketplace.links.redemptions`;
what they add up to is read here (:func:`redemption_totals`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaigns import tracking
from campaigns.deals import DealStatus
from campaigns.tracking import ClickCounts
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike, UTCDateTime
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.deals.services import DESK_ROLES, get_visible, scoped
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.links.models import (
    LinkClick,
    PromoCode,
    PromoRedemption,
    TrackedLink,
)
from marketplace.safety import public_url

#: Roles that create links and promo codes (a brand only for its own organisation's deals).
MANAGE_ROLES = frozenset({Role.BRAND, Role.STAFF, Role.ADMIN})


class PlacementNotFound(NotFound):
    code = "placement_not_found"
    default_message = _l("No such placement.")


class CampaignNotFound(NotFound):
    code = "not_found"
    default_message = _l("No such campaign.")


class LinkNotFound(NotFound):
    code = "link_not_found"
    default_message = _l("This link does not exist. Check that it was copied whole.")


class NotAllowed(KesherError):
    status_code = 403
    code = "forbidden"
    default_message = _l("Only the brand and the agency create links and promo codes.")


class PlacementNotAgreed(Conflict):
    code = "placement_not_agreed"
    default_message = _l("Links and promo codes are made for agreed placements only.")


class LinkExists(Conflict):
    code = "link_exists"
    default_message = _l("This placement already has its link.")


class InvalidDestination(KesherError):
    status_code = 422
    code = "invalid_destination"
    default_message = _l("The landing page must be an http or https address.")


class InvalidPromoCode(KesherError):
    status_code = 422
    code = "invalid_promo_code"
    default_message = _l(
        "A promo code has 3 to 32 letters (A-Z), digits, dashes or underscores, "
        "starting with a letter or digit."
    )


class PromoCodeTaken(Conflict):
    code = "promo_code_taken"
    default_message = _l("Another placement of this campaign already uses this code.")


class PromoCodeExists(Conflict):
    code = "promo_code_exists"
    default_message = _l("This placement already has its promo code.")


# --- who sees what ------------------------------------------------------------------------------


def get_placement(session: SessionLike, placement_id: int, user: Any) -> DealPlacement:
    """A placement ``user`` may see, or PlacementNotFound (others' do not exist for them)."""
    return get_visible(session, DealPlacement, placement_id, user, missing=PlacementNotFound)


def get_campaign(session: SessionLike, brief_id: int, user: Any) -> Brief:
    """A brief whose campaign ``user`` may see, or CampaignNotFound.

    Staff, admins and finance: any brief; a brand: its organisation's; an owner: a brief one of
    whose deals is with their community.
    """
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise CampaignNotFound()
    if user.role in DESK_ROLES:
        return brief
    if user.role is Role.BRAND and brief.organisation_id == user.organisation_id:
        return brief
    if user.role is Role.OWNER:
        deals = scoped(user, Deal, Deal.brief_id == brief_id).with_only_columns(Deal.id)
        if session.scalar(select(exists(deals))):
            return brief
    raise CampaignNotFound()


def can_manage(user: Any) -> bool:
    """Whether ``user`` may create links and promo codes (on placements they see)."""
    return getattr(user, "role", None) in MANAGE_ROLES


def campaigns_of(session: SessionLike, user: Any) -> list[tuple[Brief, int, int]]:
    """The campaigns ``user`` sees placements of: (brief, placements, links), newest first."""
    placements = scoped(user, DealPlacement).subquery()
    rows = session.execute(
        select(
            Deal.brief_id,
            func.count(placements.c.id),
            func.count(TrackedLink.id),
        )
        .join(placements, placements.c.deal_id == Deal.id)
        .outerjoin(TrackedLink, TrackedLink.placement_id == placements.c.id)
        .group_by(Deal.brief_id)
        .order_by(Deal.brief_id.desc())
    ).all()
    briefs = {
        b.id: b for b in session.scalars(select(Brief).where(Brief.id.in_([r[0] for r in rows])))
    }
    return [(briefs[r[0]], int(r[1]), int(r[2])) for r in rows if r[0] in briefs]


def _manageable(session: SessionLike, placement_id: int, actor: User) -> DealPlacement:
    placement = get_placement(session, placement_id, actor)
    if not can_manage(actor):
        raise NotAllowed()
    # A cancelled deal keeps its placements' AGREED status as a record of what was agreed, so
    # the deal's own status says whether a link may still be made for it.
    if (
        placement.status is not PlacementStatus.AGREED
        or placement.deal.status is DealStatus.CANCELLED
    ):
        raise PlacementNotAgreed()
    return placement


# --- links ------------------------------------------------------------------------------------


def short_url(slug: str) -> str:
    """The link as it is shared: on the configured public address, never the request's Host."""
    return public_url("links.follow", slug=slug)


def link_of(session: SessionLike, placement_id: int) -> TrackedLink | None:
    return session.scalar(select(TrackedLink).where(TrackedLink.placement_id == placement_id))


def create_link(
    session: SessionLike, placement_id: int, destination: str, *, actor: User
) -> TrackedLink:
    """The placement's short link to ``destination`` (validated) with Kesher's UTM tags."""
    placement = _manageable(session, placement_id, actor)
    try:
        landing = tracking.validate_destination(destination)
    except tracking.BadDestination as error:
        raise InvalidDestination(_translated_destination_error(str(error))) from None
    if link_of(session, placement.id) is not None:
        raise LinkExists()
    brief_id = placement.deal.brief_id
    link = TrackedLink(
        placement_id=placement.id,
        brief_id=brief_id,
        slug=tracking.new_slug(),
        destination_url=landing,
        target_url=tracking.add_utm(
            landing,
            campaign=tracking.campaign_tag(brief_id),
            content=tracking.content_tag(placement.id),
        ),
        created_by_id=actor.id,
    )
    session.add(link)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise LinkExists() from None  # another request made it first
    return link


def create_links_for_campaign(
    session: SessionLike, brief_id: int, destination: str, *, actor: User
) -> list[TrackedLink]:
    """A link to ``destination`` for every agreed placement of the brief that has none yet."""
    brief = get_campaign(session, brief_id, actor)
    if not can_manage(actor):
        raise NotAllowed()
    placements = session.scalars(
        scoped(actor, DealPlacement)
        .join(Deal, Deal.id == DealPlacement.deal_id)
        .where(Deal.brief_id == brief.id, DealPlacement.status == PlacementStatus.AGREED)
        .where(Deal.status != DealStatus.CANCELLED)
        .where(~exists().where(TrackedLink.placement_id == DealPlacement.id))
        .order_by(DealPlacement.id)
    ).all()
    return [create_link(session, p.id, destination, actor=actor) for p in placements]


def _translated_destination_error(message: str) -> str:
    """The pure rule's reason, in the reader's language."""
    reasons = {
        "The landing page is empty.": _("The landing page is empty."),
        "The landing page must start with http:// or https://.": _(
            "The landing page must start with http:// or https://."
        ),
        "The landing page must not carry a user name or password.": _(
            "The landing page must not carry a user name or password."
        ),
        "The landing page has no valid host name.": _("The landing page has no valid host name."),
        "The landing page contains spaces, backslashes or control characters.": _(
            "The landing page contains spaces, backslashes or control characters."
        ),
        "The landing page is not a valid address.": _("The landing page is not a valid address."),
    }
    if message in reasons:
        return reasons[message]
    return _("The landing page is longer than %(n)s characters.", n=tracking.MAX_URL_CHARS)


# --- the redirect's hot path ---------------------------------------------------------------------


#: The redirect's two statements, built once (SQLAlchemy caches their compiled form): the
#: link by slug, and the click with its duplicate flag decided in the same INSERT.
_FIND_TARGET = select(TrackedLink.id, TrackedLink.target_url).where(
    TrackedLink.slug == bindparam("slug", type_=String)
)
_EARLIER_CLICK = (
    select(LinkClick.id)
    .where(
        LinkClick.link_id == bindparam("link_id", type_=Integer),
        LinkClick.visitor_hash == bindparam("visitor", type_=String),
        LinkClick.at >= bindparam("since", type_=UTCDateTime()),
        LinkClick.at <= bindparam("at", type_=UTCDateTime()),
    )
    .exists()
)
_RECORD_CLICK = insert(LinkClick).from_select(
    ["link_id", "at", "visitor_hash", "is_bot", "is_duplicate"],
    select(
        bindparam("link_id", type_=Integer),
        bindparam("at", type_=UTCDateTime()),
        bindparam("visitor", type_=String),
        bindparam("bot", type_=Boolean),
        _EARLIER_CLICK,
    ),
)


_CLICK_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def click_lock_key(link_id: int, visitor: str) -> int:
    """The advisory lock key of one visitor on one link (64 bits; other locks rarely share it)."""
    digest = hashlib.blake2b(f"link-click:{link_id}:{visitor}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def find_target(session: SessionLike, slug: str) -> tuple[int, str] | None:
    """(link id, target URL) of the link with ``slug``, or None: one indexed SELECT, no objects."""
    row = session.connection().execute(_FIND_TARGET, {"slug": slug}).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def record_click(
    session: SessionLike | Connection,
    link_id: int,
    *,
    at: dt.datetime,
    visitor: str,
    bot: bool,
    window: dt.timedelta = tracking.DUPLICATE_WINDOW,
) -> None:
    """Write one click with one INSERT; the database flags it a duplicate when the same
    visitor clicked the same link within ``window`` before (campaigns.tracking.is_duplicate).

    Runs on the session's connection, not through the ORM: no object is made or tracked.
    On PostgreSQL the INSERT first waits for any other transaction recording the same
    visitor on the same link (a transaction-scoped advisory lock on the pair): without it
    two simultaneous clicks would each miss the other's uncommitted row and both count as
    unique. The lock is taken by its own statement because a READ COMMITTED statement reads
    the snapshot of its start; the INSERT after it sees the first click once that commits.
    SQLite lets one writer in at a time already.
    """
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CLICK_LOCK, {"key": click_lock_key(link_id, visitor)})
    connection.execute(
        _RECORD_CLICK,
        {
            "link_id": link_id,
            "at": at,
            "visitor": visitor,
            "bot": bot,
            "since": tracking.duplicate_since(at, window),
        },
    )


# --- counting -----------------------------------------------------------------------------------


def click_counts(session: SessionLike, link_ids: Iterable[int]) -> dict[int, ClickCounts]:
    """Per link: people's clicks (bots excluded), the unique ones (no duplicates), and bots."""
    ids = sorted(set(link_ids))
    counts: dict[int, ClickCounts] = {}
    human = LinkClick.is_bot == false()
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                LinkClick.link_id,
                func.sum(case((human, 1), else_=0)),
                func.sum(case((and_(human, LinkClick.is_duplicate == false()), 1), else_=0)),
                func.sum(case((LinkClick.is_bot, 1), else_=0)),
            )
            .where(LinkClick.link_id.in_(ids[start : start + 500]))
            .group_by(LinkClick.link_id)
        ).all()
        for link_id, total, unique, bots in rows:
            counts[int(link_id)] = ClickCounts(int(total or 0), int(unique or 0), int(bots or 0))
    return counts


def clicks_by_day(
    session: SessionLike, link_ids: Iterable[int]
) -> dict[tuple[int, dt.date], ClickCounts]:
    """Per link and UTC day, the same counts as :func:`click_counts` (for charts over time)."""
    ids = sorted(set(link_ids))
    human = LinkClick.is_bot == false()
    # PostgreSQL would take the day in the session's time zone; the day is UTC's.
    postgres = session.get_bind().dialect.name == "postgresql"
    day = func.date(func.timezone("UTC", LinkClick.at) if postgres else LinkClick.at)
    found: dict[tuple[int, dt.date], ClickCounts] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                LinkClick.link_id,
                day,
                func.sum(case((human, 1), else_=0)),
                func.sum(case((and_(human, LinkClick.is_duplicate == false()), 1), else_=0)),
                func.sum(case((LinkClick.is_bot, 1), else_=0)),
            )
            .where(LinkClick.link_id.in_(ids[start : start + 500]))
            .group_by(LinkClick.link_id, day)
        ).all()
        for link_id, on, total, unique, bots in rows:
            # SQLite's date() is text, PostgreSQL's a date.
            when = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
            found[(int(link_id), when)] = ClickCounts(
                int(total or 0), int(unique or 0), int(bots or 0)
            )
    return found


@dataclass
class Redemptions:
    """What a promo code brought: orders, and the sum of the amounts the file gave."""

    count: int = 0
    amount_minor: int = 0


def redemption_totals(session: SessionLike, code_ids: Iterable[int]) -> dict[int, Redemptions]:
    ids = sorted(set(code_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            PromoRedemption.promo_code_id,
            func.count(PromoRedemption.id),
            func.coalesce(func.sum(PromoRedemption.amount_minor), 0),
        )
        .where(PromoRedemption.promo_code_id.in_(ids))
        .group_by(PromoRedemption.promo_code_id)
    ).all()
    return {int(r[0]): Redemptions(int(r[1]), int(r[2] or 0)) for r in rows}


@dataclass
class PlacementLinks:
    """One placement of a campaign with its link, code and what they counted."""

    placement: DealPlacement
    link: TrackedLink | None
    code: PromoCode | None
    clicks: ClickCounts
    redemptions: Redemptions


@dataclass
class CampaignLinks:
    """A campaign's placements as ``user`` sees them, and the campaign's totals."""

    brief: Brief
    rows: list[PlacementLinks]
    totals: ClickCounts
    redemptions: Redemptions
    currency: str


def campaign_links(session: SessionLike, brief_id: int, user: Any) -> CampaignLinks:
    """Every placement of the brief ``user`` sees, with links, codes, clicks and redemptions."""
    brief = get_campaign(session, brief_id, user)
    placements = list(
        session.scalars(
            scoped(user, DealPlacement)
            .join(Deal, Deal.id == DealPlacement.deal_id)
            .where(Deal.brief_id == brief.id)
            .order_by(DealPlacement.deal_id, DealPlacement.id)
            .options(
                selectinload(DealPlacement.deal).selectinload(Deal.community),
                selectinload(DealPlacement.asset),
            )
        )
    )
    return _assemble(session, brief, placements)


def placement_links(session: SessionLike, placement_id: int, user: Any) -> PlacementLinks:
    """One placement ``user`` sees, with its link, code, clicks and redemptions."""
    placement = get_placement(session, placement_id, user)
    brief = session.get(Brief, placement.deal.brief_id)
    assert brief is not None
    return _assemble(session, brief, [placement]).rows[0]


def _assemble(session: SessionLike, brief: Brief, placements: list[DealPlacement]) -> CampaignLinks:
    ids = [p.id for p in placements]
    links = {
        link.placement_id: link
        for link in session.scalars(select(TrackedLink).where(TrackedLink.placement_id.in_(ids)))
    }
    codes = {
        code.placement_id: code
        for code in session.scalars(select(PromoCode).where(PromoCode.placement_id.in_(ids)))
    }
    clicks = click_counts(session, [link.id for link in links.values()])
    redeemed = redemption_totals(session, [code.id for code in codes.values()])
    rows = []
    for placement in placements:
        link, code = links.get(placement.id), codes.get(placement.id)
        rows.append(
            PlacementLinks(
                placement,
                link,
                code,
                clicks.get(link.id, ClickCounts()) if link else ClickCounts(),
                redeemed.get(code.id, Redemptions()) if code else Redemptions(),
            )
        )
    totals = sum((row.clicks for row in rows), ClickCounts())
    redemptions = Redemptions(
        sum(r.redemptions.count for r in rows), sum(r.redemptions.amount_minor for r in rows)
    )
    return CampaignLinks(brief, rows, totals, redemptions, brief.currency)


def get_link(session: SessionLike, link_id: int, user: Any) -> TrackedLink:
    """A link of a placement ``user`` sees, or LinkNotFound."""
    via = (TrackedLink.placement_id, DealPlacement.deal_id)
    return get_visible(session, TrackedLink, link_id, user, via=via, missing=LinkNotFound)


# --- promo codes ------------------------------------------------------------------------------


def add_promo_code(session: SessionLike, placement_id: int, code: str, *, actor: User) -> PromoCode:
    """Give an agreed placement its promo code, unique within the brief."""
    placement = _manageable(session, placement_id, actor)
    text = tracking.normalise_code(code)
    if not tracking.is_code(text):
        raise InvalidPromoCode()
    brief_id = placement.deal.brief_id
    if session.scalar(select(PromoCode.id).where(PromoCode.placement_id == placement.id)):
        raise PromoCodeExists()
    taken = select(PromoCode.id).where(PromoCode.brief_id == brief_id, PromoCode.code == text)
    if session.scalar(taken) is not None:
        raise PromoCodeTaken()
    promo = PromoCode(
        placement_id=placement.id, brief_id=brief_id, code=text, created_by_id=actor.id
    )
    session.add(promo)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise PromoCodeTaken() from None
    return promo
