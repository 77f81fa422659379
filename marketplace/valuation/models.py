"""Valuation tables: one stored estimate per (asset, placement type)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import enum_column
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
