"""What an analysis returns: each period's figures, score and verdict, and the whole report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pricing.health.events import ExportFormat
from pricing.health.figures import Figures
from pricing.health.score import HealthScore, Profile
from pricing.taxonomy import InteractionMode, MetricKind, Platform


@dataclass(frozen=True)
class PeriodReport:
    """One period's figures, its health score and its interaction-mode verdict."""

    figures: Figures
    score: HealthScore
    interaction_mode: InteractionMode
    mode_reason: str

    def to_dict(self) -> dict[str, Any]:
        """Describe the period for JSON."""
        return {
            "days": self.figures.days,
            "figures": self.figures.to_dict(),
            "score": self.score.to_dict(),
            "interaction_mode": self.interaction_mode.value,
            "mode_reason": self.mode_reason,
        }


@dataclass(frozen=True)
class HealthReport:
    """What an export says about a community's health, with every component shown."""

    source: ExportFormat
    platform: Platform
    profile: Profile
    now: pd.Timestamp
    members: int | None
    members_source: str  # given, export, estimated, unknown
    admin_source: str
    replies_inferred: bool
    periods: tuple[PeriodReport, ...]
    notes: tuple[str, ...]

    @property
    def headline(self) -> PeriodReport:
        """The first (shortest) period, whose score and verdict are the community's."""
        return self.periods[0]

    @property
    def score(self) -> int:
        """The headline health score, 0–100."""
        return self.headline.score.value

    @property
    def interaction_mode(self) -> InteractionMode:
        """The headline interaction-mode verdict."""
        return self.headline.interaction_mode

    def period(self, days: int) -> PeriodReport:
        """The report of the period of `days` days."""
        for period in self.periods:
            if period.figures.days == days:
                return period
        raise KeyError(days)

    def metric_snapshot(self) -> dict[MetricKind, float]:
        """Headline figures as catalog metrics (weekly rates; unknown ones left out)."""
        f = self.headline.figures
        weekly = 7.0 / f.covered_days
        posts = (
            f.messages if self.profile is not Profile.AGGREGATE else f.messages - (f.comments or 0)
        )
        found: dict[MetricKind, float | int | None] = {
            MetricKind.MEMBERS: f.members,
            MetricKind.ACTIVE_MEMBERS: f.active_members,
            MetricKind.POSTS_PER_WEEK: posts * weekly,
            MetricKind.COMMENTS_PER_WEEK: None if f.comments is None else f.comments * weekly,
            MetricKind.REACTIONS_PER_WEEK: None if f.reactions is None else f.reactions * weekly,
            MetricKind.VIEWS_PER_POST: f.views_per_post,
            MetricKind.HEALTH_SCORE: self.score,
        }
        return {kind: round(float(v), 4) for kind, v in found.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """The whole report for JSON."""
        return {
            "source": self.source.value,
            "platform": self.platform.value,
            "profile": self.profile.value,
            "now": self.now.isoformat(),
            "members": self.members,
            "members_source": self.members_source,
            "admin_source": self.admin_source,
            "replies_inferred": self.replies_inferred,
            "score": self.score,
            "interaction_mode": self.interaction_mode.value,
            "periods": [period.to_dict() for period in self.periods],
            "notes": list(self.notes),
        }
