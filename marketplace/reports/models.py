"""Result tables: figures measured per placement, metric uploads, report picks, member pulse.

Every figure is anchored on ``deal_placements.id``; the campaign is the brief whose deals they
are. Figures keep their history (a correction is a new row; the newest per placement and
metric is in force), each with its evidence tier as catalog figures have them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.results import ResultMetric
from marketplace.auth.models import User, enum_column
from marketplace.catalog.models import Community
from marketplace.db import Base, created_at, intpk
from marketplace.deals.models import DealPlacement
from pricing.taxonomy import EvidenceTier


class MetricUpload(Base):
    """A metrics file applied to a campaign; the same file twice is refused by its digest."""

    __tablename__ = "metric_uploads"
    __table_args__ = (UniqueConstraint("brief_id", "sha256"),)

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200), default="")
    figures: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class PlacementMetric(Base):
    """One figure measured on one placement, with its evidence tier and who gave it."""

    __tablename__ = "placement_metrics"
    __table_args__ = (
        Index("ix_placement_metrics_placement", "placement_id", "metric", "observed_on", "id"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("tier BETWEEN 1 AND 4", name="known_tier"),
    )

    id: Mapped[intpk]
    placement_id: Mapped[int] = mapped_column(ForeignKey("deal_placements.id", ondelete="CASCADE"))
    metric: Mapped[ResultMetric] = mapped_column(enum_column(ResultMetric, "result_metric"))
    value: Mapped[int] = mapped_column(BigInteger)
    tier: Mapped[int] = mapped_column(SmallInteger, default=int(EvidenceTier.SELF_REPORTED))
    #: The day the figure was read (never before the placement's window opens).
    observed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300), default="")
    upload_id: Mapped[int | None] = mapped_column(
        ForeignKey("metric_uploads.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    placement: Mapped[DealPlacement] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def evidence(self) -> EvidenceTier:
        return EvidenceTier(self.tier)


class ReportPick(Base):
    """A highlight or a member's quote staff picked for a campaign's report."""

    __tablename__ = "report_picks"
    __table_args__ = (CheckConstraint("kind IN ('highlight', 'quote')", name="known_kind"),)

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class PulseSurvey(Base):
    """A community's anonymous after-campaign survey: an unguessable link, its own salt."""

    __tablename__ = "pulse_surveys"
    __table_args__ = (UniqueConstraint("brief_id", "community_id"),)

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    #: Salts the visitor hash, so answers of two surveys cannot be linked.
    salt: Mapped[str] = mapped_column(String(64))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship()


class PulseAnswer(Base):
    """One visitor's answer; the visitor is a salted hash, once per survey."""

    __tablename__ = "pulse_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "visitor_hash"),
        CheckConstraint("sentiment BETWEEN 1 AND 5", name="sentiment_scale"),
        CheckConstraint("trust BETWEEN 1 AND 5", name="trust_scale"),
    )

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_surveys.id", ondelete="CASCADE"), index=True
    )
    visitor_hash: Mapped[str] = mapped_column(String(64))
    recall: Mapped[bool] = mapped_column(Boolean)
    sentiment: Mapped[int] = mapped_column(SmallInteger)
    trust: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[created_at]
