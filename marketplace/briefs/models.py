"""Brief tables: the brief itself, its history of status changes, and its comment thread.

The brief's fields are those of :class:`campaigns.brief.BriefSpec`; lists and maps are JSON
columns (as ``Community.topics`` is), so the stored brief reads back as the brief JSON format.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.brief import Goal
from marketplace.auth.models import Organisation, User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow


class BriefStatus(enum.StrEnum):
    """Where a brief is on its way from the brand's draft to a closed campaign."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_PLANNING = "in_planning"
    PLAN_PROPOSED = "plan_proposed"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    CLOSED = "closed"


class ComplianceStatus(enum.StrEnum):
    """Whether a regulated brief (pharma, finance, alcohol …) has been cleared to run."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Brief(Base):
    """A brand organisation's brief; any member of the organisation may edit its draft."""

    __tablename__ = "briefs"
    __table_args__ = (
        Index("ix_briefs_organisation_status", "organisation_id", "status", "id"),
        Index("ix_briefs_status_submitted", "status", "submitted_at", "id"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    #: None only while a draft: a draft needs a title or a goal, not both.
    goal: Mapped[Goal | None] = mapped_column(enum_column(Goal, "brief_goal"))
    title: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    #: {dimension: [bucket, …]} — the buckets wanted per audience dimension.
    audience: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    avoid_topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclude_communities: Mapped[list[int]] = mapped_column(JSON, default=list)
    must_have_communities: Mapped[list[int]] = mapped_column(JSON, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Integer minor units of `currency` (agorot for ILS); 0 while a draft has no budget.
    budget_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="ILS")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: {kpi kind: target}; counts are whole numbers, rates basis points (10,000 = 100%).
    kpis: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: What one result of the goal is worth to the brand (minor units of `currency`), if said.
    result_worth_minor: Mapped[int | None] = mapped_column(Integer)
    #: RegulatedCategory values; non-empty makes the brief need a compliance approval.
    regulated: Mapped[list[str]] = mapped_column(JSON, default=list)

    status: Mapped[BriefStatus] = mapped_column(
        enum_column(BriefStatus, "brief_status"), default=BriefStatus.DRAFT
    )
    compliance_status: Mapped[ComplianceStatus] = mapped_column(
        enum_column(ComplianceStatus, "compliance_status"), default=ComplianceStatus.NOT_REQUIRED
    )
    compliance_note: Mapped[str] = mapped_column(Text, default="")
    compliance_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    compliance_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The agency staff member who took the brief into planning.
    planner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    planner: Mapped[User | None] = relationship(foreign_keys=[planner_id])
    events: Mapped[list[BriefEvent]] = relationship(
        back_populates="brief",
        cascade="all, delete-orphan",
        order_by="(BriefEvent.created_at, BriefEvent.id)",
    )
    comments: Mapped[list[BriefComment]] = relationship(
        back_populates="brief",
        cascade="all, delete-orphan",
        order_by="(BriefComment.created_at, BriefComment.id)",
    )

    @property
    def is_regulated(self) -> bool:
        return bool(self.regulated)

    @property
    def display_title(self) -> str:
        return self.title or ""


class BriefEvent(Base):
    """One entry of a brief's history: a status change or a compliance decision, with who."""

    __tablename__ = "brief_events"

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    #: "status" (a lifecycle move) or "compliance" (a compliance decision).
    kind: Mapped[str] = mapped_column(String(20), default="status")
    #: The state before ("" when the brief was created) and after.
    from_value: Mapped[str] = mapped_column(String(30), default="")
    to_value: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Who did it, as shown at the time (a person's name, or the API token's name).
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    brief: Mapped[Brief] = relationship(back_populates="events")


class BriefComment(Base):
    """A message in a brief's thread between the brand and the agency."""

    __tablename__ = "brief_comments"

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    #: Whether the author spoke for the agency (shown as such to the brand).
    from_agency: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    brief: Mapped[Brief] = relationship(back_populates="comments")
