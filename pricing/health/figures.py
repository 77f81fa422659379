"""The measured figures of one period, shared by the analysis that computes them and the score.

Kept apart so that `analysis` (which computes figures and scores them) and `score` (which
reads them) both import it, and neither imports the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Anomaly:
    """Something in a period that a broker should look at before trusting the figures."""

    kind: str  # join_burst, dominant_author, bot_like
    value: float  # joins that day, share of messages, or coefficient of variation
    detail: str
    is_admin: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Describe the anomaly for JSON."""
        return {
            "kind": self.kind,
            "value": round4(self.value),
            "detail": self.detail,
            "is_admin": self.is_admin,
        }


@dataclass(frozen=True)
class Figures:
    """The measured figures of one period; None where the export cannot tell."""

    days: int
    start: pd.Timestamp
    end: pd.Timestamp
    covered_days: float
    messages: int
    messages_per_day: float
    deleted: int
    reactions: int | None
    members: int | None
    active_members: int | None
    active_share: float | None
    posting_members: int | None
    posting_non_admins: int | None
    member_content_share: float | None
    top1_share: float | None
    top10_share: float | None
    gini: float | None
    replies: int | None
    member_to_member_replies: int | None
    member_to_admin_replies: int | None
    admin_to_member_replies: int | None
    member_to_member_share: float | None
    threads: int | None
    mean_thread_depth: float | None
    max_thread_depth: int | None
    openers: int | None
    answered_share: float | None
    median_response_minutes: float | None
    retention: float | None
    joins: int | None
    leaves: int | None
    growth_rate: float | None
    churn_rate: float | None
    views_per_post: float | None
    read_rate: float | None
    reactions_per_view: float | None
    comments: int | None
    comments_per_post: float | None
    reactions_per_post: float | None
    anomalies: tuple[Anomaly, ...]

    def to_dict(self) -> dict[str, Any]:
        """The figures for JSON (floats rounded to 4 places, times in ISO 8601)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "anomalies":
                out[item.name] = [anomaly.to_dict() for anomaly in value]
            else:
                out[item.name] = jsonable(value)
        return out


def round4(value: float) -> float:
    """A figure rounded to 4 places, as reports store it."""
    return round(float(value), 4)


def jsonable(value: Any) -> Any:
    """A figure as JSON holds it: ISO times, rounded floats (NaN as null), plain ints."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round4(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value
