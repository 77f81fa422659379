"""Tracked-link tables: one short link per placement, its clicks, promo codes, redemptions.

A link's target is written once, when it is created (the brand's landing page with Kesher's
UTM tags): the public redirect reads it and nothing else, so no request can steer it. Clicks
are written by one INSERT on the redirect's hot path and only ever counted; the indexes serve
the duplicate check (link, visitor, time) and the counts per link over time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime, created_at, intpk
from marketplace.deals.models import DealPlacement


class TrackedLink(Base):
    """The short link of one placement: ``/r/<slug>`` → the stored target."""

    __tablename__ = "tracked_links"

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("deal_placements.id", ondelete="RESTRICT"), unique=True
    )
    #: The placement's brief (the campaign), kept here so a campaign's clicks are one join.
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"), index=True)
    #: 96 random bits (campaigns.tracking.new_slug); the only way to reach the link publicly.
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    #: The landing page as the brand or staff gave it (http or https, validated).
    destination_url: Mapped[str] = mapped_column(Text)
    #: Where the redirect goes: the landing page with utm_* added. Never changes.
    target_url: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    placement: Mapped[DealPlacement] = relationship()


class LinkClick(Base):
    """One request of a tracked link: when, by whom (a daily pseudonym), bot or duplicate."""

    __tablename__ = "link_clicks"
    __table_args__ = (
        # The duplicate check: has this visitor clicked this link since …?
        Index("ix_link_clicks_link_visitor_at", "link_id", "visitor_hash", "at"),
        # Counts per link (and per day), answered from the index alone.
        Index("ix_link_clicks_link_at_flags", "link_id", "at", "is_bot", "is_duplicate"),
        # The distinct visitors of each link among people's clicks, for the results: read
        # from this index alone, in order (a million clicks in well under a second).
        Index(
            "ix_link_clicks_counted_visitors",
            "link_id",
            "visitor_hash",
            sqlite_where=text("is_bot = 0 AND is_duplicate = 0"),
            postgresql_where=text("NOT is_bot AND NOT is_duplicate"),
        ),
    )

    id: Mapped[intpk]
    link_id: Mapped[int] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: campaigns.tracking.visitor_hash: HMAC of IP and user agent under the day's salt.
    visitor_hash: Mapped[str] = mapped_column(String(32))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)


class PromoCode(Base):
    """A placement's promo code; no two placements of one brief share a code."""

    __tablename__ = "promo_codes"
    __table_args__ = (UniqueConstraint("brief_id", "code"),)

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("deal_placements.id", ondelete="RESTRICT"), unique=True
    )
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"))
    #: Upper case (campaigns.tracking.normalise_code).
    code: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    placement: Mapped[DealPlacement] = relationship()


class PromoUpload(Base):
    """A redemptions file a brand uploaded for a brief; the same file twice is refused."""

    __tablename__ = "promo_uploads"
    __table_args__ = (UniqueConstraint("brief_id", "sha256"),)

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class PromoRedemption(Base):
    """One order that used a promo code, as the brand's file states it."""

    __tablename__ = "promo_redemptions"
    __table_args__ = (Index("ix_promo_redemptions_code_day", "promo_code_id", "redeemed_on"),)

    id: Mapped[intpk]
    promo_code_id: Mapped[int] = mapped_column(ForeignKey("promo_codes.id", ondelete="RESTRICT"))
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("promo_uploads.id", ondelete="CASCADE"), index=True
    )
    redeemed_on: Mapped[date] = mapped_column(Date)
    #: The shop's order number, when the file has one ("" otherwise).
    order_ref: Mapped[str] = mapped_column(String(64), default="")
    #: The order's amount in minor units of the brief's currency, when the file gives it.
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
