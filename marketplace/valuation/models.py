"""Valuation tables: one stored estimate per (asset, placement type)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User, enum_column
from marketplace.catalog.models import ChannelAsset
from marketplace.db import Base, UTCDateTime, intpk, utcnow
from pricing.taxonomy import PlacementType


class PlacementEstimate(Base):
    """What the valuation engine said about one placement on one asset, when and by which model.

    `reasons` are reason codes and `factors` are keys and numbers only (key, value, basis,
    effect, variance share, source keys): labels are rendered in the reader's language from
    `pricing.valuation.LABELS`, so nothing here is written in one language.
    """

    __tablename__ = "placement_estimates"
    __table_args__ = (UniqueConstraint("asset_id", "placement"),)

    id: Mapped[intpk]
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("channel_assets.id", ondelete="CASCADE"), index=True
    )
    placement: Mapped[PlacementType] = mapped_column(enum_column(PlacementType, "placement"))
    currency: Mapped[str] = mapped_column(String(3))
    #: pricing.valuation.Status: "ok", "wide" or "refused".
    status: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    reach_p10: Mapped[int | None] = mapped_column(Integer)
    reach_p50: Mapped[int | None] = mapped_column(Integer)
    reach_p90: Mapped[int | None] = mapped_column(Integer)
    #: Integer minor units of `currency`.
    value_p10_minor: Mapped[int | None] = mapped_column(Integer)
    value_p50_minor: Mapped[int | None] = mapped_column(Integer)
    value_p90_minor: Mapped[int | None] = mapped_column(Integer)
    #: The owner's rate card for this placement (None: no rate, the platform's default placement).
    rate_minor: Mapped[int | None] = mapped_column(Integer)
    #: pricing.valuation.Verdict; for owners and agency staff only, never for brands.
    price_verdict: Mapped[str | None] = mapped_column(String(20))
    effective_cpm_minor: Mapped[int | None] = mapped_column(Integer)
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asset: Mapped[ChannelAsset] = relationship()


class PricingTableVersion(Base):
    """A set of benchmark tables an admin edited: the data the model ran on, with its sources.

    `tables` maps each table name of ``pricing.valuation.priors.TABLE_COLUMNS`` (``sources``
    included, so citations stay with the figures) to that table's CSV text, and ``model`` to the
    text of ``model.json`` as it was when the version was made. At most one version is active;
    none active means the shipped files in ``pricing/data``.
    """

    __tablename__ = "pricing_table_versions"

    id: Mapped[intpk]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(80), unique=True)
    tables: Mapped[dict[str, str]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    created_by: Mapped[User | None] = relationship()


class RealisedReach(Base):
    """What one delivered placement reached, beside what the estimate said before it ran.

    The valuation's delivery history: calibration learns from every row (batch, each time),
    and the pricing page reports how often past P10–P90 ranges held. ``inputs`` is the
    estimate's input row when the figure came in, so calibration sees what the estimate saw.
    ``source_key`` names the delivery (``deal_placement:12``); a new figure for it replaces
    the row.
    """

    __tablename__ = "realised_reach"

    id: Mapped[intpk]
    source_key: Mapped[str] = mapped_column(String(60), unique=True)
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("channel_assets.id", ondelete="CASCADE"), index=True
    )
    placement: Mapped[PlacementType] = mapped_column(
        enum_column(PlacementType, "realised_placement")
    )
    platform: Mapped[str] = mapped_column(String(30))
    #: People one post reached.
    realised_reach: Mapped[int] = mapped_column(Integer)
    reach_p10: Mapped[int | None] = mapped_column(Integer)
    reach_p50: Mapped[int | None] = mapped_column(Integer)
    reach_p90: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
