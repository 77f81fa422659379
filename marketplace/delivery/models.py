"""Delivery tables: one row per post of an agreed placement, its proofs, and the audit trail.

The rules live in :mod:`campaigns.delivery`; these rows only store what they decide. A proof's
screenshot is kept in the database, as the creative's images and the catalog's evidence are:
a database backup is then a backup of the evidence, a proof commits or rolls back together
with its post's status, and every worker reads it without a shared disk.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.delivery import PostStatus
from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow
from marketplace.deals.models import Deal, DealPlacement


class Post(Base):
    """One run of an agreed placement: its own window, where it stands, and the live link."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("deal_placement_id", "number"),
        Index("ix_posts_brief_status", "brief_id", "status"),
    )

    id: Mapped[intpk]
    deal_placement_id: Mapped[int] = mapped_column(
        ForeignKey("deal_placements.id", ondelete="RESTRICT"), index=True
    )
    #: Copied from the placement's deal so a campaign's posts are one indexed query.
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), index=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"))
    #: 1, 2 … within the placement (a placement bought 3 times has posts 1–3).
    number: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[PostStatus] = mapped_column(
        enum_column(PostStatus, "post_status"), default=PostStatus.SCHEDULED
    )
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    live_url: Mapped[str] = mapped_column(String(500), default="")
    #: Why a post was closed: ``measured``, ``missed``, ``deal_cancelled``, ``count_reduced``,
    #: ``placement_dropped`` (empty while it is not closed).
    closed_reason: Mapped[str] = mapped_column(String(30), default="")
    #: When the owner was told it is late / staff were told it is behind (alerts go out once).
    late_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missed_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[DealPlacement] = relationship()
    deal: Mapped[Deal] = relationship()
    proofs: Mapped[list[Proof]] = relationship(back_populates="post", order_by="Proof.id")
    events: Mapped[list[PostEvent]] = relationship(
        back_populates="post", order_by="(PostEvent.at, PostEvent.id)"
    )


class Proof(Base):
    """A live link and a screenshot submitted for one post, and staff's decision on it."""

    __tablename__ = "proofs"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="RESTRICT"), index=True)
    live_url: Mapped[str] = mapped_column(String(500))
    #: The post's text as published, pasted by the owner (may be empty).
    post_text: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: The 64-bit perceptual hash (imagehash.phash) as 16 hex digits.
    phash: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: ``pending``, ``verified`` or ``disputed``.
    decision: Mapped[str] = mapped_column(String(10), default="pending")
    #: A dispute's reason (:data:`campaigns.delivery.DISPUTE_REASONS`) and words.
    reason: Mapped[str] = mapped_column(String(30), default="")
    reason_text: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="proofs")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class PostEvent(Base):
    """The audit trail: who did what to a post, when, the state before and after, and why."""

    __tablename__ = "post_events"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    #: None for the scheduler and the event handlers acting for the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    party: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    post: Mapped[Post] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
