"""The health score (0–100) of one period, with every component shown, and the interaction mode.

Each component maps one figure to 0–100 by a fixed rule; the score is the weighted mean of the
components the export can measure (weights renormalised over those), minus anomaly penalties.
`docs/health.md` states the same table; a test keeps the two in step.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pricing.health.figures import Figures
from pricing.taxonomy import InteractionMode


class Profile(enum.StrEnum):
    """Which score table applies: a chat with authors, a broadcast channel, or daily totals."""

    GROUP = "group"
    CHANNEL = "channel"
    AGGREGATE = "aggregate"


#: Component weights per profile (each row sums to 100).
WEIGHTS: dict[Profile, dict[str, int]] = {
    Profile.GROUP: {
        "active_share": 20,
        "member_content": 20,
        "conversation": 15,
        "activity": 10,
        "responsiveness": 10,
        "breadth": 10,
        "retention": 10,
        "growth": 5,
    },
    Profile.CHANNEL: {"read_rate": 40, "reactions_per_view": 30, "activity": 20, "growth": 10},
    Profile.AGGREGATE: {
        "active_share": 35,
        "comments_per_post": 25,
        "activity": 20,
        "reactions_per_post": 10,
        "growth": 10,
    },
}

#: The figure at which a "linear" component reaches 100.
TARGETS: dict[str, float] = {
    "active_share": 0.30,  # 30% of members active in the period
    "member_content": 0.80,  # 80% of messages by members, not admins (seed 000:102)
    "conversation": 0.50,  # half of the replies are between members
    "retention": 0.60,  # 60% of last period's actives active again (seed 000:540)
    "read_rate": 0.40,  # views per post / members; 20–40% is healthy on Telegram
    "reactions_per_view": 0.05,
    "comments_per_post": 3.0,
    "reactions_per_post": 10.0,
}
#: Messages per day at which "activity" reaches 100 (log scale, 0 at none).
ACTIVITY_FULL = 50.0
#: Response time (minutes) at or under which answers count in full, and at which they count 0.
FAST_ANSWER_MINUTES = 15.0
SLOW_ANSWER_MINUTES = 1440.0
#: Gini at or under which "breadth" is 100, and at or over which it is 0.
GINI_BROAD, GINI_NARROW = 0.50, 0.95
#: Net growth per 30 days that maps to 100 (and its negative to 0); no change maps to 50.
GROWTH_FULL = 0.05

#: Points taken off per anomaly, and the most each kind (and all together) may take.
PENALTIES: dict[str, tuple[int, int]] = {
    "join_burst": (10, 20),
    "bot_like": (5, 10),
    "dominant_author": (5, 5),  # only when the dominant author is not an admin
}
MAX_PENALTY = 30

#: Interaction mode: many-to-many needs all three, in a chat with authors.
MANY_MIN_POSTING_MEMBERS = 3
MANY_MIN_MEMBER_CONTENT = 0.5
MANY_MIN_MEMBER_REPLIES = 0.25
#: For daily totals: comments per post at or above this reads as many-to-many.
MANY_MIN_COMMENTS_PER_POST = 1.0


@dataclass(frozen=True)
class Component:
    """One part of the score: the figure it reads, its 0–100 mark and what it adds."""

    name: str
    weight: int
    value: float | None  # the figure measured (None: the export cannot tell)
    score: float | None  # 0–100
    points: float  # weight share of the available components × score
    rule: str

    def to_dict(self) -> dict[str, Any]:
        """Describe the component for JSON."""
        return {
            "name": self.name,
            "weight": self.weight,
            "value": None if self.value is None else round(self.value, 4),
            "score": None if self.score is None else round(self.score, 2),
            "points": round(self.points, 2),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Penalty:
    """Points taken off for an anomaly."""

    kind: str
    points: int
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Describe the penalty for JSON."""
        return {"kind": self.kind, "points": self.points, "count": self.count}


@dataclass(frozen=True)
class HealthScore:
    """A period's health score and how it was reached."""

    value: int
    profile: Profile
    base: float
    components: tuple[Component, ...]
    penalties: tuple[Penalty, ...]

    def component(self, name: str) -> Component:
        """The component called `name`."""
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Describe the score for JSON."""
        return {
            "value": self.value,
            "profile": self.profile.value,
            "base": round(self.base, 2),
            "components": [c.to_dict() for c in self.components],
            "penalties": [p.to_dict() for p in self.penalties],
        }


def linear(value: float | None, target: float) -> float | None:
    """0 at zero, 100 at `target` and above."""
    if value is None:
        return None
    return 100.0 * min(1.0, max(0.0, value) / target)


def activity_score(per_day: float) -> float:
    """Messages per day on a log scale: 0 → 0, 1 → 17.6, 10 → 61, 50 or more → 100."""
    return 100.0 * min(1.0, math.log10(1.0 + max(0.0, per_day)) / math.log10(1.0 + ACTIVITY_FULL))


def responsiveness_score(answered: float | None, median_minutes: float | None) -> float | None:
    """Share of openers answered within a day, times how fast (1 up to 15 min, 0 at a day)."""
    if answered is None:
        return None
    if median_minutes is None:
        return 0.0
    if median_minutes <= FAST_ANSWER_MINUTES:
        speed = 1.0
    else:
        span = math.log(SLOW_ANSWER_MINUTES / FAST_ANSWER_MINUTES)
        speed = max(0.0, 1.0 - math.log(median_minutes / FAST_ANSWER_MINUTES) / span)
    return 100.0 * answered * speed


def breadth_score(gini: float | None) -> float | None:
    """100 when messages are spread (Gini ≤ 0.5), 0 when one voice holds them (Gini ≥ 0.95)."""
    if gini is None:
        return None
    return 100.0 * min(1.0, max(0.0, (GINI_NARROW - gini) / (GINI_NARROW - GINI_BROAD)))


def growth_score(growth_rate: float | None, covered_days: float) -> float | None:
    """50 when flat; net growth per 30 days of +5% or more → 100, −5% or less → 0."""
    if growth_rate is None:
        return None
    monthly = growth_rate * 30.0 / covered_days
    return 50.0 + 50.0 * max(-1.0, min(1.0, monthly / GROWTH_FULL))


_RULES: dict[str, tuple[str, Callable[[Figures], tuple[float | None, float | None]]]] = {
    "active_share": (
        "active members / members; 30% → 100",
        lambda f: (f.active_share, linear(f.active_share, TARGETS["active_share"])),
    ),
    "member_content": (
        "messages by non-admins / messages; 80% → 100",
        lambda f: (
            f.member_content_share,
            linear(f.member_content_share, TARGETS["member_content"]),
        ),
    ),
    "conversation": (
        "replies between members / replies between different people; 50% → 100",
        lambda f: (
            f.member_to_member_share,
            linear(f.member_to_member_share, TARGETS["conversation"]),
        ),
    ),
    "activity": (
        "messages per day, log scale; 50 a day → 100",
        lambda f: (f.messages_per_day, activity_score(f.messages_per_day)),
    ),
    "responsiveness": (
        "openers answered within 24 h × speed (full up to 15 min, none at 24 h)",
        lambda f: (
            f.answered_share,
            responsiveness_score(f.answered_share, f.median_response_minutes),
        ),
    ),
    "breadth": (
        "1 − concentration: Gini of messages per author; ≤ 0.5 → 100, ≥ 0.95 → 0",
        lambda f: (f.gini, breadth_score(f.gini)),
    ),
    "retention": (
        "previous period's active members active again; 60% → 100",
        lambda f: (f.retention, linear(f.retention, TARGETS["retention"])),
    ),
    "growth": (
        "net growth per 30 days; −5% → 0, flat → 50, +5% → 100",
        lambda f: (f.growth_rate, growth_score(f.growth_rate, f.covered_days)),
    ),
    "read_rate": (
        "views per post / members; 40% → 100",
        lambda f: (f.read_rate, linear(f.read_rate, TARGETS["read_rate"])),
    ),
    "reactions_per_view": (
        "reactions / views; 5% → 100",
        lambda f: (
            f.reactions_per_view,
            linear(f.reactions_per_view, TARGETS["reactions_per_view"]),
        ),
    ),
    "comments_per_post": (
        "comments / posts; 3 → 100",
        lambda f: (f.comments_per_post, linear(f.comments_per_post, TARGETS["comments_per_post"])),
    ),
    "reactions_per_post": (
        "reactions / posts; 10 → 100",
        lambda f: (
            f.reactions_per_post,
            linear(f.reactions_per_post, TARGETS["reactions_per_post"]),
        ),
    ),
}


def score_figures(figures: Figures, profile: Profile) -> HealthScore:
    """Score one period's figures under `profile`'s table."""
    measured = {name: _RULES[name][1](figures) for name in WEIGHTS[profile]}
    weights = WEIGHTS[profile]
    available = sum(weights[name] for name, (_, mark) in measured.items() if mark is not None)
    components = []
    base = 0.0
    for name, (value, mark) in measured.items():
        points = weights[name] * mark / available if mark is not None and available else 0.0
        base += points
        components.append(Component(name, weights[name], value, mark, points, _RULES[name][0]))
    penalties = _penalties(figures)
    taken = min(MAX_PENALTY, sum(p.points for p in penalties))
    value = int(math.floor(max(0.0, min(100.0, base - taken)) + 0.5))
    return HealthScore(value, profile, base, tuple(components), tuple(penalties))


def _penalties(figures: Figures) -> list[Penalty]:
    counts: dict[str, int] = {}
    for anomaly in figures.anomalies:
        if anomaly.kind == "dominant_author" and anomaly.is_admin:
            continue  # an admin who does all the talking already lowers member_content
        counts[anomaly.kind] = counts.get(anomaly.kind, 0) + 1
    penalties = []
    for kind, count in counts.items():
        each, cap = PENALTIES[kind]
        penalties.append(Penalty(kind, min(cap, each * count), count))
    return penalties


def interaction_mode(figures: Figures, profile: Profile) -> tuple[InteractionMode, str]:
    """Decide many-to-many or one-to-many, and say why."""
    if profile is Profile.CHANNEL:
        return InteractionMode.ONE_TO_MANY, "a broadcast channel: only the channel posts"
    if profile is Profile.AGGREGATE:
        per_post = figures.comments_per_post
        if per_post is not None and per_post >= MANY_MIN_COMMENTS_PER_POST:
            return InteractionMode.MANY_TO_MANY, f"{per_post:.2f} comments per post"
        shown = "unknown" if per_post is None else f"{per_post:.2f}"
        return InteractionMode.ONE_TO_MANY, f"{shown} comments per post (needs 1.00)"
    posting = figures.posting_non_admins or 0
    content = figures.member_content_share or 0.0
    replies = figures.member_to_member_share or 0.0
    shortfalls = []
    if posting < MANY_MIN_POSTING_MEMBERS:
        shortfalls.append(f"{posting} members posted (needs {MANY_MIN_POSTING_MEMBERS})")
    if content < MANY_MIN_MEMBER_CONTENT:
        shortfalls.append(f"{content:.0%} of messages by members (needs 50%)")
    if replies < MANY_MIN_MEMBER_REPLIES:
        shortfalls.append(f"{replies:.0%} of replies between members (needs 25%)")
    if shortfalls:
        return InteractionMode.ONE_TO_MANY, "; ".join(shortfalls)
    return (
        InteractionMode.MANY_TO_MANY,
        f"{posting} members posted, {content:.0%} of messages by members, "
        f"{replies:.0%} of replies between members",
    )
