"""Outgoing e-mail: queued in the database with the change that caused it, sent after commit."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, SessionLike, UTCDateTime, created_at, intpk, utcnow

log = logging.getLogger(__name__)


class OutboundEmail(Base):
    """An e-mail waiting to be sent, or the record of one that was."""

    __tablename__ = "outbound_emails"

    id: Mapped[intpk]
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


#: Line breaks and other control characters: a header holding one is refused by the e-mail
#: library (or, by a laxer one, read as the start of another header such as Bcc).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_text(value: str, *, limit: int = 255) -> str:
    """`value` as a one-line header: control characters become spaces, at most `limit` chars.

    Subjects quote names people typed (an organisation, a community, a brief), and a raw POST
    can put CR/LF in them.
    """
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def queue_email(session: SessionLike, *, to: str, subject: str, body: str) -> OutboundEmail:
    """Add an e-mail to the outbox; it leaves only if the surrounding transaction commits."""
    message = OutboundEmail(to_address=header_text(to), subject=header_text(subject), body=body)
    session.add(message)
    session.flush()
    return message


def send_pending(session: SessionLike, config: Mapping[str, Any], *, limit: int = 50) -> int:
    """Send queued e-mails over SMTP when it is configured; return how many were sent.

    Commits after each message, so a failure half-way leaves the sent ones marked as sent.
    """
    host = config.get("SMTP_HOST")
    if not host:
        return 0
    pending = session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.attempts < 5)
        .order_by(OutboundEmail.id)
        .limit(limit)
    ).all()
    sent = 0
    for message in pending:
        email = EmailMessage()
        email["From"] = config["MAIL_FROM"]
        # Rows queued before `header_text` existed must not jam the outbox either.
        email["To"] = header_text(message.to_address)
        email["Subject"] = header_text(message.subject)
        email.set_content(message.body)
        message.attempts += 1
        try:
            with smtplib.SMTP(host, int(config.get("SMTP_PORT") or 25), timeout=10) as smtp:
                if config.get("SMTP_STARTTLS"):
                    smtp.starttls()
                if config.get("SMTP_USERNAME"):
                    smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:500]
            log.warning("sending e-mail %s failed: %s", message.id, error)
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        session.commit()
    return sent
