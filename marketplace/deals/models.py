"""Deal desk tables: deals and their placements, offers and their immutable rounds, agreements.

The rules live in :mod:`campaigns.deals`; these rows only store what they decide. Two tables are
append-only and the database enforces it (triggers in the migration, on SQLite and
PostgreSQL): ``offer_versions`` (a round never changes once written) and ``agreements`` once
both sides confirmed them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.deals import DealStatus, OfferStatus
from marketplace.auth.models import Organisation, User, enum_column
from marketplace.catalog.models import ChannelAsset, Community
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow
from pricing.taxonomy import PlacementType


class OfferKind(enum.StrEnum):
    """The first negotiation of a deal, or an amendment of an agreed one."""

    OFFER = "offer"
    AMENDMENT = "amendment"


class PlacementStatus(enum.StrEnum):
    """A deal's placement: still negotiated, covered by an agreement, or dropped."""

    PENDING = "pending"
    AGREED = "agreed"
    CANCELLED = "cancelled"


class Deal(Base):
    """One community's part of an approved media plan, negotiated with its owner."""

    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("plan_id", "community_id"),
        Index("ix_deals_brief_status", "brief_id", "status"),
    )

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("media_plans.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    #: The brand organisation whose brief it is (its members see the deal, never the payout).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: The community's owner when the deal was opened (co-managers act for the community too).
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: The deal this one replaces after its owner declined, if any.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"))
    status: Mapped[DealStatus] = mapped_column(
        enum_column(DealStatus, "deal_status"), default=DealStatus.NEGOTIATING
    )
    currency: Mapped[str] = mapped_column(String(3))
    #: The ``offer_versions.id`` whose terms were accepted and wait for both confirmations
    #: (None otherwise). No foreign key: it would close a cycle deals → offers → versions.
    accepted_version_id: Mapped[int | None] = mapped_column(Integer)
    stop_reason: Mapped[str | None] = mapped_column(String(30))
    stop_text: Mapped[str] = mapped_column(Text, default="")
    #: Optimistic lock: every write to the deal bumps it (SQLAlchemy checks it on UPDATE).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    community: Mapped[Community] = relationship()
    organisation: Mapped[Organisation] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    placements: Mapped[list[DealPlacement]] = relationship(
        back_populates="deal", order_by="DealPlacement.id"
    )
    offers: Mapped[list[Offer]] = relationship(back_populates="deal", order_by="Offer.id")
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="deal", order_by="Agreement.number"
    )
    events: Mapped[list[DealEvent]] = relationship(
        back_populates="deal", order_by="(DealEvent.at, DealEvent.id)"
    )


class DealPlacement(Base):
    """One thing a deal buys on one channel asset: how many, and in which window."""

    __tablename__ = "deal_placements"
    __table_args__ = (UniqueConstraint("deal_id", "asset_id", "placement_type"),)

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("channel_assets.id", ondelete="RESTRICT"))
    placement_type: Mapped[PlacementType] = mapped_column(
        enum_column(PlacementType, "deal_placement_type")
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[PlacementStatus] = mapped_column(
        enum_column(PlacementStatus, "deal_placement_status"), default=PlacementStatus.PENDING
    )

    deal: Mapped[Deal] = relationship(back_populates="placements")
    asset: Mapped[ChannelAsset] = relationship()


class Offer(Base):
    """A negotiation with the owner: a draft, then immutable rounds (``offer_versions``).

    While a draft, the terms live here (``draft_terms``), editable: nobody answered them yet.
    Sending writes round 1; every counter writes the next round.
    """

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_status_expires", "status", "expires_at"),)

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind, "offer_kind"))
    status: Mapped[OfferStatus] = mapped_column(
        enum_column(OfferStatus, "offer_status"), default=OfferStatus.DRAFT
    )
    #: The number of the current round (1 while a draft).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    #: The current round's expiry (copied from its terms, so the scheduler finds due offers).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    draft_terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    draft_note: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(String(30))
    #: The owner's words for a decline, or staff's for a withdrawal.
    close_text: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="offers")
    versions: Mapped[list[OfferVersion]] = relationship(
        back_populates="offer", order_by="OfferVersion.number"
    )


class OfferVersion(Base):
    """One round of an offer, as sent. Immutable: the database refuses UPDATE and DELETE."""

    __tablename__ = "offer_versions"
    __table_args__ = (UniqueConstraint("offer_id", "number"),)

    id: Mapped[intpk]
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    #: ``owner`` or ``agency`` (:class:`campaigns.deals.Side`).
    author_side: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The terms as :func:`campaigns.deals.terms.terms_json` writes them (every field).
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    owner_payout_minor: Mapped[int] = mapped_column(BigInteger)
    brand_price_minor: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    offer: Mapped[Offer] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class DealEvent(Base):
    """The audit trail: who did what to a deal, when, and the state before and after."""

    __tablename__ = "deal_events"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    #: None for the scheduler (``party`` is then ``system``).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    party: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Agreement(Base):
    """An agreement text one or both sides confirmed; frozen once both did (a trigger)."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("deal_id", "number"),)

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), index=True)
    #: 1 is the original agreement, 2 and on are amendments.
    number: Mapped[int] = mapped_column(Integer)
    #: The round whose terms it records (the agreement document itself is the owner's view).
    offer_version_id: Mapped[int] = mapped_column(
        ForeignKey("offer_versions.id", ondelete="RESTRICT")
    )
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The language the first confirming reader read it in ("he" or "en").
    language: Mapped[str] = mapped_column(String(8), default="he")
    confirmed_by_owner_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    confirmed_by_agency_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[created_at]

    deal: Mapped[Deal] = relationship(back_populates="agreements")
    offer_version: Mapped[OfferVersion] = relationship()

    @property
    def complete(self) -> bool:
        """Both sides confirmed: the agreement is in force and can never change."""
        return self.confirmed_by_owner_at is not None and self.confirmed_by_agency_at is not None
