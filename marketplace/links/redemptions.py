"""Redemption uploads: the brand's file of orders that used a campaign's promo codes.

A file (CSV or XLSX, read by :mod:`marketplace.spreadsheet`) is planned first: checked
completely against the campaign's codes and the redemptions already stored, every problem
named by its row and column, and written only when the plan has none — all rows in one
transaction, or nothing (as the catalog import is, :mod:`marketplace.catalog.imports`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from campaigns import tracking
from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.catalog.imports import ImportProblem
from marketplace.db import SessionLike
from marketplace.errors import KesherError
from marketplace.forms_common import MAX_MONEY_MAJOR
from marketplace.links.models import PromoCode, PromoRedemption, PromoUpload
from marketplace.links.services import NotAllowed, can_manage, get_campaign
from marketplace.spreadsheet import shorten
from pricing.money import CURRENCY_EXPONENTS, Money

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


class RedemptionsRefused(KesherError):
    """A redemptions file with problems: ``plan.problems`` says each, by row and column."""

    status_code = 422
    code = "redemptions_refused"
    default_message = _l("The file was not recorded: fix the problems listed and upload it again.")

    def __init__(self, plan: RedemptionPlan) -> None:
        super().__init__()
        self.plan = plan


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
            elif amount > Money.from_major(MAX_MONEY_MAJOR, brief.currency).amount_minor:
                # "1e30" is a number, but no order: it would not fit the column either.
                problem(
                    number,
                    labels["amount"],
                    _("An order amount can be at most %(most)s.", most=f"{MAX_MONEY_MAJOR:,}"),
                )
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
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
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
