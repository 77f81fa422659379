"""The job record: what a user sees of a piece of background work, and what workers claim."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk


class JobStatus(enum.StrEnum):
    """queued → running → succeeded | failed | cancelled (running → queued again on a retry)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class Job(Base):
    """One piece of background work and its visible state.

    A job is claimed by flipping `queued` to `running` with a fresh `lease` in one conditional
    UPDATE, so two workers never run the same attempt; the final transaction that records
    success checks the lease again, so a worker that was presumed dead cannot apply its effect
    after another attempt took over.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(80), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    #: 0–100, and a short line saying what the job is doing.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    progress_message: Mapped[str | None] = mapped_column(String(200))
    #: How many attempts started; a retry or a recovery re-queues the job for another one.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    #: Not before this time (a retry's backoff, or a scheduled start); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the current attempt was handed to the queue; None while it waits for one (Redis
    #: down, or a backoff not yet over), which the workers' sweep picks up.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The current attempt's claim; the success transaction must still hold it.
    lease: Mapped[str | None] = mapped_column(String(32))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A message safe to show to the user; the traceback goes to the logs only.
    error: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result_url: Mapped[str | None] = mapped_column(String(500))
    #: Enqueuing work with the same key returns the existing job instead of a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    created_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
