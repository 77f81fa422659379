"""Tracked-link use-cases: create a placement's link and promo code, record a click, count them.

Who sees what follows the deal desk (:func:`marketplace.deals.services.visible_deals_query`):
a brand its organisation's placements, an owner their communities', staff, admins and
finance all. Brands and agency staff create links and codes; owners share them.

The redirect's hot path is two statements and no ORM objects: :func:`find_target` reads the
stored target by slug, :func:`record_click` writes the click with one ``INSERT … SELECT`` that
also decides, in the database, whether it repeats the visitor's last click.

Redemption files (CSV/XLSX) are planned first, checked completely (every problem with its
row and column) and written only when the plan has none, as the catalog import is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaigns import tracking
from campaigns.tracking import ClickCounts
from marketplace import spreadsheet
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.catalog.imports import ImportProblem
from marketplace.db import SessionLike, UTCDateTime
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.deals.services import DESK_ROLES, visible_deals_query
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.links.models import (
    LinkClick,
    PromoCode,
    PromoRedemption,
    PromoUpload,
    TrackedLink,
)
from marketplace.safety import public_url
from marketplace.spreadsheet import shorten
from pricing.money import CURRENCY_EXPONENTS, Money

#: Roles that create links and promo codes (a brand only for its own organisation's deals).
MANAGE_ROLES = frozenset({Role.BRAND, Role.STAFF, Role.ADMIN})
#: The largest redemptions file, and the most rows it may hold.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_REDEMPTION_ROWS = 50_000
#: Stop listing problems after this many: the file needs fixing anyway.
MAX_PROBLEMS = 200
#: The columns of a redemptions file, by every title they may carry (case and blanks ignored).
REDEMPTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "promo code", "coupon", "קוד", "קוד קופון", "קופון"),
    "date": ("date", "redeemed on", "order date", "תאריך", "תאריך הזמנה"),
    "amount": ("amount", "order amount", "total", "סכום", "סכום הזמנה"),
    "order": ("order", "order id", "order number", "הזמנה", "מספר הזמנה"),
}
REQUIRED_COLUMNS = ("code", "date")


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


class RedemptionsRefused(KesherError):
    """A redemptions file with problems: ``plan.problems`` says each, by row and column."""

    status_code = 422
    code = "redemptions_refused"
    default_message = _l("The file was not recorded: fix the problems listed and upload it again.")

    def __init__(self, plan: RedemptionPlan) -> None:
        super().__init__()
        self.plan = plan


# --- who sees what ------------------------------------------------------------------------------


def visible_placements(user: Any) -> Select[DealPlacement]:
    """A ``select(DealPlacement)`` of the placements of deals ``user`` may see."""
    deals = visible_deals_query(user).with_only_columns(Deal.id)
    return select(DealPlacement).where(DealPlacement.deal_id.in_(deals))


def get_placement(session: SessionLike, placement_id: int, user: Any) -> DealPlacement:
    """A placement ``user`` may see, or PlacementNotFound (others' do not exist for them)."""
    placement = session.scalar(visible_placements(user).where(DealPlacement.id == placement_id))
    if placement is None:
        raise PlacementNotFound()
    return placement


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
        deals = (
            visible_deals_query(user).where(Deal.brief_id == brief_id).with_only_columns(Deal.id)
        )
        if session.scalar(select(exists(deals))):
            return brief
    raise CampaignNotFound()


def can_manage(user: Any) -> bool:
    """Whether ``user`` may create links and promo codes (on placements they see)."""
    return getattr(user, "role", None) in MANAGE_ROLES


def campaigns_of(session: SessionLike, user: Any) -> list[tuple[Brief, int, int]]:
    """The campaigns ``user`` sees placements of: (brief, placements, links), newest first."""
    placements = visible_placements(user).subquery()
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
    if placement.status is not PlacementStatus.AGREED:
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
        visible_placements(actor)
        .join(Deal, Deal.id == DealPlacement.deal_id)
        .where(Deal.brief_id == brief.id, DealPlacement.status == PlacementStatus.AGREED)
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
    """
    connection = session if isinstance(session, Connection) else session.connection()
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
            visible_placements(user)
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
    link = session.get(TrackedLink, link_id)
    if link is None:
        raise LinkNotFound()
    try:
        get_placement(session, link.placement_id, user)
    except PlacementNotFound:
        raise LinkNotFound() from None
    return link


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


# --- redemption uploads -------------------------------------------------------------------------


@dataclass(frozen=True)
class RedemptionRow:
    """One checked row of a redemptions file."""

    row: int
    code_id: int
    redeemed_on: dt.date
    order_ref: str
    amount_minor: int | None


@dataclass
class RedemptionPlan:
    """What an upload would write, or the problems that stop it (then nothing is written)."""

    brief_id: int
    filename: str
    sha256: str
    currency: str
    problems: list[ImportProblem] = field(default_factory=list)
    rows: list[RedemptionRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fold(title: str) -> str:
    return " ".join(title.replace("_", " ").split()).casefold()


_TITLES = {_fold(t): column for column, titles in REDEMPTION_COLUMNS.items() for t in titles}


def plan_redemptions(
    session: SessionLike,
    brief_id: int,
    data: bytes,
    filename: str,
    *,
    actor: User,
    today: dt.date | None = None,
) -> RedemptionPlan:
    """Check a redemptions file completely against the campaign's codes; write nothing."""
    brief = get_campaign(session, brief_id, actor)
    if not can_manage(actor):
        raise NotAllowed()
    digest = hashlib.sha256(data).hexdigest()
    plan = RedemptionPlan(brief.id, filename[:200], digest, brief.currency)

    def problem(row: int | None, column: str | None, message: str) -> None:
        if len(plan.problems) < MAX_PROBLEMS:
            plan.problems.append(ImportProblem(row, column, message))

    if len(data) > MAX_UPLOAD_BYTES:
        problem(None, None, _("The file is larger than %(n)s MB.", n=MAX_UPLOAD_BYTES // 2**20))
        return plan
    earlier = session.scalar(
        select(PromoUpload).where(PromoUpload.brief_id == brief.id, PromoUpload.sha256 == digest)
    )
    if earlier is not None:
        problem(None, None, _("This file was already uploaded for this campaign."))
        return plan
    try:
        sheet = spreadsheet.read_table(data, filename)
    except spreadsheet.SpreadsheetError as error:
        problem(error.row, error.column, error.message)
        return plan
    columns: dict[str, int] = {}
    for position, title in enumerate(sheet.header):
        column = _TITLES.get(_fold(title))
        where = shorten(title) or spreadsheet.column_letter(position + 1)
        if column is None:
            problem(1, where, _("Unknown column: use code, date, amount and order."))
        elif column in columns:
            problem(1, where, _("This column appears twice."))
        else:
            columns[column] = position
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problem(1, column, _("The required column is missing."))
    if plan.problems:
        return plan
    if not sheet.rows:
        problem(None, None, _("The file has a header but no rows."))
        return plan
    if len(sheet.rows) > MAX_REDEMPTION_ROWS:
        problem(None, None, _("The file has more than %(n)s rows.", n=MAX_REDEMPTION_ROWS))
        return plan
    codes = {
        code: code_id
        for code_id, code in session.execute(
            select(PromoCode.id, PromoCode.code).where(PromoCode.brief_id == brief.id)
        )
    }
    stored = _stored_keys(session, list(codes.values()))
    seen: dict[tuple[Any, ...], int] = {}
    today = today or dt.date.today()
    labels = {c: sheet.header[i] for c, i in columns.items()}

    def cell(record: list[str], column: str) -> str:
        position = columns.get(column)
        if position is None or position >= len(record):
            return ""
        return spreadsheet.unescape_cell(record[position].strip())

    for number, record in sheet.rows:
        before = len(plan.problems)
        if any(cell.strip() for cell in record[len(sheet.header) :]):
            problem(
                number,
                None,
                _("The row has %(n)s cells but the header has %(m)s.",
                  n=len(record), m=len(sheet.header)),
            )  # fmt: skip
            continue
        raw_code = cell(record, "code")
        code_id = codes.get(tracking.normalise_code(raw_code))
        if not raw_code:
            problem(number, labels["code"], _("The code is empty."))
        elif code_id is None:
            problem(
                number,
                labels["code"],
                _("“%(code)s” is not a promo code of this campaign.", code=shorten(raw_code, 40)),
            )
        day = _parse_day(cell(record, "date"))
        if day is None:
            problem(
                number,
                labels["date"],
                _("“%(value)s” is not a date; use YYYY-MM-DD or DD/MM/YYYY.",
                  value=shorten(cell(record, "date"), 40)),
            )  # fmt: skip
        elif day > today:
            problem(number, labels["date"], _("The date is in the future."))
        amount = None
        raw_amount = cell(record, "amount")
        if raw_amount:
            amount = _parse_amount(raw_amount, brief.currency)
            if amount is None:
                problem(
                    number,
                    labels["amount"],
                    _("“%(value)s” is not an amount (a number, at most two decimals, not "
                      "negative).", value=shorten(raw_amount, 40)),
                )  # fmt: skip
        order_ref = cell(record, "order")
        if len(order_ref) > 64:
            problem(
                number, labels.get("order"), _("The order number is longer than 64 characters.")
            )
        if len(plan.problems) > before or code_id is None or day is None:
            continue
        key = _key(code_id, day, order_ref, amount)
        if key in seen:
            problem(
                number, labels["code"], _("This redemption repeats row %(row)s.", row=seen[key])
            )
            continue
        if key in stored:
            problem(number, labels["code"], _("This redemption was already uploaded."))
            continue
        seen[key] = number
        plan.rows.append(RedemptionRow(number, code_id, day, order_ref, amount))
    if plan.problems:
        plan.rows = []
    return plan


def _key(code_id: int, day: dt.date, order_ref: str, amount: int | None) -> tuple[Any, ...]:
    """What tells two redemptions apart: the order number when there is one, else the day and
    the amount (two same-day orders of the same amount need order numbers to count twice)."""
    return (code_id, "order", order_ref) if order_ref else (code_id, "day", day, amount)


def _stored_keys(session: SessionLike, code_ids: list[int]) -> set[tuple[Any, ...]]:
    if not code_ids:
        return set()
    rows = session.execute(
        select(
            PromoRedemption.promo_code_id,
            PromoRedemption.redeemed_on,
            PromoRedemption.order_ref,
            PromoRedemption.amount_minor,
        ).where(PromoRedemption.promo_code_id.in_(code_ids))
    )
    return {_key(int(c), d, o, a) for c, d, o, a in rows}


def _parse_day(raw: str) -> dt.date | None:
    text = raw.strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace(".", "/").replace("-", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    year += 2000 if year < 100 else 0
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_amount(raw: str, currency: str) -> int | None:
    """An amount in major units ("149.90", "₪1,234") as minor units of ``currency``."""
    text = raw.replace(",", "").replace("₪", "").replace("$", "").replace("€", "").strip()
    if not text or len(text) > 20:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    if currency not in CURRENCY_EXPONENTS:
        return None
    try:
        return Money.from_major(value, currency).amount_minor
    except ValueError:
        return None


def apply_redemptions(session: SessionLike, plan: RedemptionPlan, *, actor: User) -> PromoUpload:
    """Write a problem-free plan: the upload and every row, or nothing (the caller commits)."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    upload = PromoUpload(
        brief_id=plan.brief_id,
        filename=plan.filename,
        sha256=plan.sha256,
        rows=len(plan.rows),
        created_by_id=actor.id,
    )
    session.add(upload)
    session.flush()
    if plan.rows:
        session.execute(
            insert(PromoRedemption),
            [
                {
                    "promo_code_id": r.code_id,
                    "upload_id": upload.id,
                    "redeemed_on": r.redeemed_on,
                    "order_ref": r.order_ref,
                    "amount_minor": r.amount_minor,
                    "currency": plan.currency,
                }
                for r in plan.rows
            ],
        )
    return upload


def upload_redemptions(
    session: SessionLike, brief_id: int, data: bytes, filename: str, *, actor: User
) -> RedemptionPlan:
    """Check the file and write it all, or raise RedemptionsRefused with every problem."""
    plan = plan_redemptions(session, brief_id, data, filename, actor=actor)
    if not plan.ok:
        raise RedemptionsRefused(plan)
    apply_redemptions(session, plan, actor=actor)
    return plan
