"""Catalog tables: communities, their channel assets, rate cards, audiences and metric history."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow
from pricing.taxonomy import EvidenceTier, InteractionMode, MetricKind, PlacementType, Platform


class ListingStatus(enum.StrEnum):
    """Where a listing is in its review lifecycle."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    LISTED = "listed"
    PAUSED = "paused"
    REJECTED = "rejected"


class PausedBy(enum.StrEnum):
    """Who paused a listing: an owner's pause is theirs to lift, the agency's pause sticks."""

    OWNER = "owner"
    STAFF = "staff"


class ReviewStatus(enum.StrEnum):
    """What agency staff said about a figure."""

    NONE = "none"
    VERIFIED = "verified"
    QUESTIONED = "questioned"


class Community(Base):
    """A community listed by its owner: who it is, what it allows, and how it is reached."""

    __tablename__ = "communities"
    __table_args__ = (
        CheckConstraint("name_he IS NOT NULL OR name_en IS NOT NULL", name="has_a_name"),
        Index("ix_communities_status_size", "status", "total_size", "id"),
        Index("ix_communities_status_created", "status", "created_at", "id"),
        Index("ix_communities_status_updated", "status", "updated_at"),
    )

    id: Mapped[intpk]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: A stable key chosen by the agency for spreadsheet round trips (unique when set).
    external_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    name_he: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    founding_story: Mapped[str] = mapped_column(Text, default="")
    need_answered: Mapped[str] = mapped_column(Text, default="")
    #: The community's DNA, in its own words.
    dna_tone: Mapped[str] = mapped_column(Text, default="")
    dna_values: Mapped[str] = mapped_column(Text, default="")
    dna_rituals: Mapped[str] = mapped_column(Text, default="")
    dna_language: Mapped[str] = mapped_column(Text, default="")
    member_type: Mapped[str] = mapped_column(String(300), default="")
    common_denominator: Mapped[str] = mapped_column(String(300), default="")
    admission: Mapped[str] = mapped_column(String(20), default="open")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(2), default="IL")
    region: Mapped[str] = mapped_column(String(30), default="nationwide")
    city: Mapped[str] = mapped_column(String(100), default="")
    audience_kind: Mapped[str] = mapped_column(String(10), default="b2c")
    sensitive_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_allowed: Mapped[str] = mapped_column(Text, default="")
    content_forbidden: Mapped[str] = mapped_column(Text, default="")
    #: Regulated categories (campaigns.brief.RegulatedCategory values) whose brands the
    #: community's rules accept; empty means no regulated brand may appear here.
    regulated_allowed: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    disclosure_wording: Mapped[str] = mapped_column(String(200), default="")
    monetisation_experience: Mapped[str] = mapped_column(String(20), default="none")
    #: Private: only the owner, co-managers and agency staff see these.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    #: Who paused the listing (None unless paused; a pause from before this was recorded counts
    #: as the owner's). Staff pauses stick: only staff resume them.
    paused_by: Mapped[PausedBy | None] = mapped_column(enum_column(PausedBy, "paused_by"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Derived on every save, so browsing sorts and filters without joins.
    #: Sum of the assets' latest sizes.
    total_size: Mapped[int] = mapped_column(Integer, default=0)
    #: Lowest rate-card price in ILS minor units (None: no ILS rate).
    min_rate_ils: Mapped[int | None] = mapped_column(Integer)
    #: The best P50 value among the placements' estimates, ILS minor units (None: no estimate).
    value_p50_ils: Mapped[int | None] = mapped_column(Integer)
    #: The best estimated value per shekel of ILS rate card, in basis points (10,000 = 1:1).
    value_per_shekel_bp: Mapped[int | None] = mapped_column(Integer)
    #: The best evidence tier among the latest size figures.
    best_evidence: Mapped[int] = mapped_column(Integer, default=0)
    #: Names, description, DNA and tags as one text, indexed for full-text search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: The facets (and status) as words, so full-text search filters inside its own index.
    facet_text: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    assets: Mapped[list[ChannelAsset]] = relationship(
        back_populates="community", cascade="all, delete-orphan", order_by="ChannelAsset.id"
    )
    audience: Mapped[list[AudienceShare]] = relationship(
        back_populates="community", cascade="all, delete-orphan"
    )
    managers: Mapped[list[CommunityManager]] = relationship(
        back_populates="community", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """The name in the UI's language, else the other one (English UI: the English name)."""
        return name_in(self.name_he, self.name_en, ui_language())

    @property
    def other_name(self) -> tuple[str, str] | None:
        """The name in the other language, and that language, when the community has both."""
        return other_name_in(self.name_he, self.name_en, ui_language())


def ui_language() -> str:
    """The language of the page being rendered ("he" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else "he"


def name_in(name_he: str | None, name_en: str | None, language: str) -> str:
    """A community's name in `language`, falling back to the other language's name."""
    first, second = (name_en, name_he) if language == "en" else (name_he, name_en)
    return first or second or ""


def other_name_in(
    name_he: str | None, name_en: str | None, language: str
) -> tuple[str, str] | None:
    """The name in the language other than `language`, and that language, when both exist."""
    if not (name_he and name_en) or name_he == name_en:
        return None
    return (name_he, "he") if language == "en" else (name_en, "en")


class CommunityManager(Base):
    """A co-manager an owner invited to help run a listing."""

    __tablename__ = "community_managers"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship(back_populates="managers")
    user: Mapped[User] = relationship()


class CommunityManagerInvitation(Base):
    """An owner's offer to let another account co-manage a listing, until that account accepts.

    Kept for any e-mail typed (an account or not), so the owner's page tells nothing about
    who has an account; only a community-owner account with this e-mail can accept it.
    """

    __tablename__ = "community_manager_invitations"
    __table_args__ = (UniqueConstraint("community_id", "email"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship()


class CatalogState(Base):
    """One row whose version grows with every change to communities or their channels.

    Database triggers (see the migration) keep it, so every write path is covered; the search
    cache keys its entries by it.
    """

    __tablename__ = "catalog_state"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(BigInteger)


class CommunityFacet(Base):
    """One searchable attribute value of a community (topic, language, platform …).

    A derived index, rebuilt whenever the community is saved: filters become index look-ups
    on (facet, value) instead of scans of JSON columns.
    """

    __tablename__ = "community_facets"
    __table_args__ = (Index("ix_community_facets_lookup", "facet", "value", "community_id"),)

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(60), primary_key=True)


class ChannelAsset(Base):
    """One channel of a community: a group, a channel, a newsletter, a podcast …"""

    __tablename__ = "channel_assets"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"))
    url: Mapped[str] = mapped_column(String(500), default="")
    #: The URL normalised (no scheme, www, query or trailing slash): the stable import key.
    url_key: Mapped[str | None] = mapped_column(String(500), unique=True)
    handle: Mapped[str] = mapped_column(String(200), default="")
    #: The current member count (members, followers, subscribers): the newest MEMBERS
    #: figure of the history, kept by :meth:`add_metric` and read through :attr:`members`.
    size: Mapped[int] = mapped_column(Integer, default=0)
    interaction_mode: Mapped[InteractionMode] = mapped_column(
        enum_column(InteractionMode, "interaction_mode"), default=InteractionMode.MANY_TO_MANY
    )
    posts_per_week: Mapped[float | None] = mapped_column(Float)
    activity_hours: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship(back_populates="assets")
    rates: Mapped[list[RateCard]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="RateCard.placement"
    )
    metrics: Mapped[list[MetricSnapshot]] = relationship(
        back_populates="asset",
        cascade="all, delete-orphan",
        order_by="(MetricSnapshot.observed_on, MetricSnapshot.id)",
    )

    def add_metric(self, snapshot: MetricSnapshot) -> MetricSnapshot:
        """Add a figure to the history; a MEMBERS figure that is now the newest sets `size`.

        The one writer of the member count: the history keeps every figure, and `size` holds
        the value of the newest one by :func:`newest_metric`'s rule (a later day wins; on the
        same day the later entry wins, as a staff verification entered after the owner's
        figure does). A back-dated figure joins the history and changes nothing current.
        """
        previous = newest_metric(self.metrics, snapshot.kind)
        self.metrics.append(snapshot)
        if snapshot.kind == MetricKind.MEMBERS and (
            previous is None or snapshot.observed_on >= previous.observed_on
        ):
            self.size = int(snapshot.value)
        return snapshot

    @property
    def members(self) -> MemberCount:
        """The current member count with the figure it comes from: what every reader uses."""
        return MemberCount(self.size or 0, newest_metric(self.metrics, MetricKind.MEMBERS))


def newest_metric(metrics: Iterable[Any], kind: MetricKind) -> Any:
    """The newest figure of a kind: by the day it describes, then by entry (the later id).

    Unsaved figures (no id yet) count as entered before the saved ones of the same day.
    """
    return max(
        (m for m in metrics if m.kind == kind),
        key=lambda m: (m.observed_on, m.id or 0),
        default=None,
    )


@dataclass(frozen=True)
class MemberCount:
    """A channel's current size and the history entry it was read from.

    `value` is `ChannelAsset.size`, the column browsing, totals, valuation and matching all
    read (matching reads it in bulk with one query); `snapshot`, when the history has one,
    gives the figure's evidence tier and the day it describes.
    """

    value: int
    snapshot: MetricSnapshot | None

    @property
    def tier(self) -> int | None:
        return None if self.snapshot is None else int(self.snapshot.tier)

    @property
    def observed_on(self) -> date | None:
        return None if self.snapshot is None else self.snapshot.observed_on


class RateCard(Base):
    """The owner's asking price for one placement type on one asset."""

    __tablename__ = "rate_cards"
    __table_args__ = (
        UniqueConstraint("asset_id", "placement"),
        CheckConstraint("amount_minor > 0", name="positive_amount"),
        CheckConstraint("currency IN ('ILS', 'USD', 'EUR')", name="known_currency"),
    )

    id: Mapped[intpk]
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("channel_assets.id", ondelete="CASCADE"), index=True
    )
    placement: Mapped[PlacementType] = mapped_column(enum_column(PlacementType, "placement"))
    #: Integer minor units (agorot, cents).
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))

    asset: Mapped[ChannelAsset] = relationship(back_populates="rates")


class AudienceShare(Base):
    """One bucket of an audience distribution, in basis points (a dimension sums to 10,000)."""

    __tablename__ = "audience_shares"
    __table_args__ = (
        UniqueConstraint("community_id", "dimension", "bucket"),
        CheckConstraint("share_bp >= 0 AND share_bp <= 10000", name="share_in_range"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[str] = mapped_column(String(80))
    share_bp: Mapped[int] = mapped_column(Integer)

    community: Mapped[Community] = relationship(back_populates="audience")


class EvidenceFile(Base):
    """An uploaded screenshot of native insights, kept with the figure it proves."""

    __tablename__ = "evidence_files"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class MetricSnapshot(Base):
    """A dated figure with its source and evidence tier; history is kept, never overwritten."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        Index("ix_metric_snapshots_asset_kind", "asset_id", "kind", "observed_on", "id"),
        # The staff review queue: screenshots not yet reviewed, and questioned figures.
        Index("ix_metric_snapshots_review_tier", "review_status", "tier", "created_at"),
        Index("ix_metric_snapshots_review_at", "review_status", "reviewed_at"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("tier BETWEEN 1 AND 4", name="known_tier"),
    )

    id: Mapped[intpk]
    asset_id: Mapped[int] = mapped_column(ForeignKey("channel_assets.id", ondelete="CASCADE"))
    kind: Mapped[MetricKind] = mapped_column(enum_column(MetricKind, "metric_kind"))
    value: Mapped[float] = mapped_column(Float)
    #: The day the figure describes.
    observed_on: Mapped[date] = mapped_column(Date)
    #: For figures over a period (an export's 30 days, say).
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300), default="")
    tier: Mapped[int] = mapped_column(Integer, default=int(EvidenceTier.SELF_REPORTED))
    evidence_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_files.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    review_status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.NONE
    )
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    asset: Mapped[ChannelAsset] = relationship(back_populates="metrics")
    evidence_file: Mapped[EvidenceFile | None] = relationship()

    @property
    def evidence(self) -> EvidenceTier:
        return EvidenceTier(self.tier)


class CatalogImport(Base):
    """An uploaded catalog file between its preview and its confirmation."""

    __tablename__ = "catalog_imports"

    id: Mapped[intpk]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: "previewed", "applied" or "failed".
    state: Mapped[str] = mapped_column(String(20), default="previewed")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
