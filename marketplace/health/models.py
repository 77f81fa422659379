"""Health tables: stored reports, uploads awaiting confirmation, per-community salts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import ChannelAsset
from marketplace.db import Base, UTCDateTime, created_at, intpk


class HealthReport(Base):
    """What one confirmed export said about a channel: figures and score components only.

    `report` is `pricing.health.HealthReport.to_dict()`: periods, figures, components,
    anomalies and notes. It names no one and holds no message text.
    """

    __tablename__ = "health_reports"
    __table_args__ = (Index("ix_health_reports_asset_latest", "asset_id", "period_end", "id"),)

    id: Mapped[intpk]
    asset_id: Mapped[int] = mapped_column(ForeignKey("channel_assets.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    #: The headline period the score describes (days, inclusive).
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: pricing.health.ExportFormat: whatsapp_android, telegram_json, facebook_csv …
    source_format: Mapped[str] = mapped_column(String(30))
    score: Mapped[float | None] = mapped_column(Float)
    #: pricing.taxonomy.InteractionMode as the export shows it (the owner's own field is kept).
    interaction_mode: Mapped[str | None] = mapped_column(String(20))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    asset: Mapped[ChannelAsset] = relationship()


class PendingHealthUpload(Base):
    """An export between its preview and its confirmation: only its anonymised rows.

    The uploaded file itself is never written anywhere. `data` holds the parsed events (salted
    hashes of people, timestamps, kinds and counts; no text, no names), compressed. The row is
    deleted when the owner confirms or discards it, and once `expires_at` has passed.
    """

    __tablename__ = "health_pending_uploads"

    id: Mapped[intpk]
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("channel_assets.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    source_format: Mapped[str] = mapped_column(String(30))
    #: The member count the owner gave (None: the export's own count or estimate).
    members: Mapped[int | None] = mapped_column(Integer)
    #: `what_is_kept(parsed)`, shown to the owner before they confirm.
    kept: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The report the confirmation will store, shown as the score preview.
    preview: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The anonymised events (or daily totals) as zlib-compressed JSON.
    data: Mapped[bytes] = mapped_column(LargeBinary)

    asset: Mapped[ChannelAsset] = relationship()


class HealthSalt(Base):
    """The secret that keys the hashes of one community's members.

    One per community, so a member hashes the same in every upload of that community and
    differently in any other; created on the community's first upload.
    """

    __tablename__ = "health_salts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]
