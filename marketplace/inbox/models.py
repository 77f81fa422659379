"""Notifications kept per recipient, and how each user wants to hear about them by e-mail."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from marketplace.auth.models import enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk


class EmailMode(enum.StrEnum):
    """When a user gets e-mail about what waits for them."""

    #: One e-mail for each step, queued with the change that caused it.
    IMMEDIATE = "immediate"
    #: One e-mail a day listing the unread notifications not yet e-mailed.
    DIGEST = "digest"
    #: No e-mail; the inbox only.
    NONE = "none"


def check_link(link: str) -> str:
    """Return `link` when it is a path inside Kesher; raise ValueError for anything else."""
    if (
        not link.startswith("/")
        or link.startswith("//")
        or "\\" in link
        or any(ord(c) < 32 or ord(c) == 127 for c in link)
        or len(link) > 500
    ):
        raise ValueError(f"a notification links to a path inside Kesher, not {link!r}")
    return link


class Notification(Base):
    """One thing a user should know about or act on, rendered in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the inbox page both start from the recipient.
        Index("ix_notifications_recipient_read", "recipient_id", "read_at"),
        Index("ix_notifications_recipient_newest", "recipient_id", "id"),
    )

    id: Mapped[intpk]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: A key of `marketplace.inbox.services.KINDS`.
    kind: Mapped[str] = mapped_column(String(40))
    #: The English msgid of the line shown in the inbox, translated when it is read.
    message: Mapped[str] = mapped_column(String(255))
    #: The msgid's placeholders (names of things, never translated text).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: A path inside Kesher ("/deals/7"), never an address elsewhere.
    link: Mapped[str] = mapped_column(String(500))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When an e-mail (immediate or digest) about it was queued; None: not yet, or never.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @validates("link")
    def _internal_link_only(self, _key: str, link: str) -> str:
        return check_link(link)


class NotificationPreference(Base):
    """A user's choice of e-mail; users without a row get every step immediately."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_mode: Mapped[EmailMode] = mapped_column(
        enum_column(EmailMode, "email_mode"), default=EmailMode.IMMEDIATE
    )
    #: The local day of the last digest, so a second run on the same day sends nothing.
    last_digest_on: Mapped[date | None] = mapped_column(Date())
