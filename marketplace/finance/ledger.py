"""The ledger service: store postings, reverse entries, read balances at any date.

Other features (invoices here, Stripe payments and payouts in :mod:`marketplace.finance`) build
:class:`pricing.ledger.Posting` values with the pure rules and hand them to :func:`post`. Like
every service it flushes and never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.errors import Conflict, NotFound
from marketplace.finance.models import JournalEntry, JournalLine
from pricing.ledger import (
    Account,
    Line,
    Parties,
    Posting,
    reversal,
)

PARTY_FIELDS = ("organisation_id", "owner_id", "brief_id", "deal_id")


class EntryNotFound(NotFound):
    """No journal entry by that id."""


class PostingConflict(Conflict):
    """A key already posted with other lines, or an entry reversed twice."""


def _line_tuple(line: Line) -> tuple[Any, ...]:
    return (line.account, line.amount_minor, *(getattr(line.parties, f) for f in PARTY_FIELDS))


def posting_of(entry: JournalEntry) -> Posting:
    """The pure posting a stored entry holds (to compare, or to reverse it)."""
    return Posting(
        kind=entry.kind,
        currency=entry.currency,
        lines=tuple(
            Line(
                Account(row.account),
                row.amount_minor,
                Parties(row.organisation_id, row.owner_id, row.brief_id, row.deal_id),
            )
            for row in entry.lines
        ),
        memo=entry.memo,
        key=entry.key,
        link=entry.link,
        reverses=entry.reverses_id,
    )


def _same(entry: JournalEntry, posting: Posting) -> bool:
    stored = posting_of(entry)
    return (stored.kind, stored.currency, sorted(map(_line_tuple, stored.lines), key=repr)) == (
        posting.kind,
        posting.currency,
        sorted(map(_line_tuple, posting.lines), key=repr),
    )


def _lock_deals(session: SessionLike, posting: Posting) -> None:
    """Serialise postings that take from a deal's owner payable (two payouts of one balance)."""
    deal_ids = sorted(
        {
            line.parties.deal_id
            for line in posting.lines
            if line.account is Account.OWNER_PAYABLE
            and line.amount_minor > 0
            and line.parties.deal_id is not None
        }
    )
    for deal_id in deal_ids:
        session.execute(select(Deal.id).where(Deal.id == deal_id).with_for_update())


def post(
    session: SessionLike,
    postings: Iterable[Posting],
    *,
    on: dt.date | None = None,
    actor: User | None = None,
) -> list[JournalEntry]:
    """Store each posting as one journal entry; a key already posted returns its entry.

    Refuses (and writes nothing more) a key posted before with other lines, a second reversal
    of an entry, and a posting that would leave an owner's payable for a deal below zero.
    """
    effective_on = on or utcnow().date()
    stored: list[JournalEntry] = []
    for posting in postings:
        if posting.key is not None:
            existing = session.scalars(
                select(JournalEntry).where(JournalEntry.key == posting.key)
            ).one_or_none()
            if existing is not None:
                if not _same(existing, posting):
                    raise PostingConflict(f"{posting.key} was posted with other amounts")
                stored.append(existing)
                continue
        if posting.reverses is not None:
            already = session.scalar(
                select(JournalEntry.id).where(JournalEntry.reverses_id == posting.reverses)
            )
            if already is not None:
                raise PostingConflict(f"entry {posting.reverses} is already reversed")
        _lock_deals(session, posting)
        entry = JournalEntry(
            kind=posting.kind,
            currency=posting.currency,
            effective_on=effective_on,
            memo=posting.memo,
            key=posting.key,
            link=posting.link,
            reverses_id=posting.reverses,
            actor_id=actor.id if actor is not None else None,
        )
        entry.lines = [
            JournalLine(
                account=line.account,
                amount_minor=line.amount_minor,
                **{f: getattr(line.parties, f) for f in PARTY_FIELDS},
            )
            for line in posting.lines
        ]
        session.add(entry)
        session.flush()
        for line in posting.lines:
            deal_id = line.parties.deal_id
            if line.account is Account.OWNER_PAYABLE and line.amount_minor > 0 and deal_id:
                left = balance(session, Account.OWNER_PAYABLE, posting.currency, deal_id=deal_id)
                if left < 0:
                    raise PostingConflict(f"the owner payable of deal {deal_id} would be {left}")
        stored.append(entry)
    return stored


def get_entry(session: SessionLike, entry_id: int) -> JournalEntry:
    """An entry by id."""
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        raise EntryNotFound(f"no journal entry {entry_id}")
    return entry


def reverse(
    session: SessionLike,
    entry_id: int,
    *,
    actor: User | None = None,
    memo: str = "",
    on: dt.date | None = None,
) -> JournalEntry:
    """Post the mirror of an entry (the only way to correct one)."""
    original = get_entry(session, entry_id)
    [entry] = post(session, [reversal(entry_id, posting_of(original), memo=memo)],
                   on=on, actor=actor)  # fmt: skip
    return entry


def _filtered(statement: Any, on: dt.date | None, parties: dict[str, int | None]) -> Any:
    if on is not None:
        statement = statement.where(JournalEntry.effective_on <= on)
    for name, value in parties.items():
        if name not in PARTY_FIELDS:
            raise TypeError(f"no party {name!r}")
        if value is not None:
            statement = statement.where(getattr(JournalLine, name) == value)
    return statement


def balance(
    session: SessionLike,
    account: Account,
    currency: str,
    *,
    on: dt.date | None = None,
    **parties: int | None,
) -> int:
    """The natural balance of an account in a currency at the end of ``on`` (today if None).

    Narrowed to a brand (``organisation_id``), owner, campaign (``brief_id``) or deal.
    """
    statement = (
        select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .where(JournalLine.account == account, JournalEntry.currency == currency)
    )
    signed = session.scalar(_filtered(statement, on, parties)) or 0
    return int(signed) * account.normal_sign


def balances(
    session: SessionLike,
    *,
    on: dt.date | None = None,
    by: str | None = None,
    **parties: int | None,
) -> dict[tuple[Any, ...], int]:
    """Natural balances keyed by (account, currency) or, with ``by``, (account, currency, party).

    ``by`` is one of ``organisation_id``, ``owner_id``, ``brief_id``, ``deal_id``.
    """
    columns: list[Any] = [JournalLine.account, JournalEntry.currency]
    if by is not None:
        if by not in PARTY_FIELDS:
            raise TypeError(f"no party {by!r}")
        columns.append(getattr(JournalLine, by))
    statement = (
        select(*columns, func.sum(JournalLine.amount_minor))
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .group_by(*columns)
    )
    out: dict[tuple[Any, ...], int] = {}
    for row in session.execute(_filtered(statement, on, parties)):
        *key, signed = row
        account = Account(key[0])
        out[(account, *key[1:])] = int(signed) * account.normal_sign
    return out


def entries(
    session: SessionLike, *, since: dt.date | None = None, until: dt.date | None = None
) -> Sequence[JournalEntry]:
    """Journal entries in order (for the journal page and the accountant's export)."""
    statement = select(JournalEntry).order_by(JournalEntry.effective_on, JournalEntry.id)
    if since is not None:
        statement = statement.where(JournalEntry.effective_on >= since)
    if until is not None:
        statement = statement.where(JournalEntry.effective_on <= until)
    return session.scalars(statement).all()
