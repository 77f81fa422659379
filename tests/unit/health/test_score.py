"""The health score: each component's mapping, the weights, penalties and the mode rule."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pricing.health.figures import Anomaly, Figures
from pricing.health.score import (
    MAX_PENALTY,
    WEIGHTS,
    Profile,
    activity_score,
    breadth_score,
    growth_score,
    interaction_mode,
    linear,
    responsiveness_score,
    score_figures,
)
from pricing.taxonomy import InteractionMode

DOCS = Path(__file__).resolve().parents[3] / "docs" / "health.md"


def figures(**values: Any) -> Figures:
    """Figures of a 30-day period with nothing measured but `values`."""
    empty = {field.name: None for field in dataclasses.fields(Figures)}
    empty.update(
        days=30,
        start=pd.Timestamp("2024-03-01", tz="UTC"),
        end=pd.Timestamp("2024-03-31", tz="UTC"),
        covered_days=30.0,
        messages=0,
        messages_per_day=0.0,
        deleted=0,
        anomalies=(),
    )
    empty.update(values)
    return Figures(**empty)


# A group whose every component is worked out by hand (score in brackets):
# active 15% (50), members wrote 80% (100), 25% member-to-member replies (50), 10 messages a day
# (100·log10(11)/log10(51) = 60.99), half the openers answered in 15 min (50), Gini 0.725 (50),
# retention 30% (50), no growth (50).
HAND = {
    "active_share": 0.15,
    "member_content_share": 0.8,
    "member_to_member_share": 0.25,
    "messages_per_day": 10.0,
    "answered_share": 0.5,
    "median_response_minutes": 15.0,
    "gini": 0.725,
    "retention": 0.3,
    "growth_rate": 0.0,
}


def test_every_profile_weighs_its_components_to_100() -> None:
    assert {profile: sum(weights.values()) for profile, weights in WEIGHTS.items()} == {
        Profile.GROUP: 100,
        Profile.CHANNEL: 100,
        Profile.AGGREGATE: 100,
    }


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [(None, 0.3, None), (0.0, 0.3, 0.0), (0.15, 0.3, 50.0), (0.3, 0.3, 100.0), (0.9, 0.3, 100.0)],
)
def test_linear_components_reach_100_at_their_target(
    value: float | None, target: float, expected: float | None
) -> None:
    assert linear(value, target) == expected


@pytest.mark.parametrize(
    ("per_day", "expected"),
    [(0.0, 0.0), (1.0, 100 * math.log10(2) / math.log10(51)), (50.0, 100.0), (500.0, 100.0)],
)
def test_activity_is_a_log_scale_of_messages_per_day(per_day: float, expected: float) -> None:
    assert activity_score(per_day) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("answered", "median", "expected"),
    [
        (None, None, None),
        (0.5, None, 0.0),
        (1.0, 15.0, 100.0),
        (1.0, 5.0, 100.0),
        (0.8, 120.0, 80 * (1 - math.log(8) / math.log(96))),
        (1.0, 1440.0, 0.0),
    ],
)
def test_responsiveness_weighs_answered_share_by_speed(
    answered: float | None, median: float | None, expected: float | None
) -> None:
    assert responsiveness_score(answered, median) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("gini", "expected"), [(None, None), (0.3, 100.0), (0.5, 100.0), (0.725, 50.0), (0.99, 0.0)]
)
def test_breadth_falls_as_the_gini_rises(gini: float | None, expected: float | None) -> None:
    assert breadth_score(gini) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("rate", "days", "expected"),
    [
        (None, 30.0, None),
        (0.0, 30.0, 50.0),
        (0.05, 30.0, 100.0),
        (-0.025, 30.0, 25.0),
        (0.05, 90.0, 50 + 50 / 3),
        (-0.5, 30.0, 0.0),
    ],
)
def test_growth_maps_monthly_net_growth_around_50(
    rate: float | None, days: float, expected: float | None
) -> None:
    assert growth_score(rate, days) == pytest.approx(expected)


def test_a_hand_scored_group_gets_the_weighted_mean_of_its_components() -> None:
    score = score_figures(figures(**HAND), Profile.GROUP)
    activity = 100 * math.log10(11) / math.log10(51)
    base = 20 * 50 + 20 * 100 + 15 * 50 + 10 * activity + 10 * 50 + 10 * 50 + 10 * 50 + 5 * 50
    assert score.base == pytest.approx(base / 100)
    assert score.value == 61
    assert score.component("member_content").points == pytest.approx(20.0)


def test_components_the_export_cannot_measure_drop_out_and_the_rest_are_reweighted() -> None:
    score = score_figures(
        figures(**{**HAND, "retention": None, "growth_rate": None}), Profile.GROUP
    )
    activity = 100 * math.log10(11) / math.log10(51)
    known = 20 * 50 + 20 * 100 + 15 * 50 + 10 * activity + 10 * 50 + 10 * 50
    assert score.base == pytest.approx(known / 85)
    assert score.value == 63
    assert score.component("retention").score is None
    assert score.component("retention").points == 0.0


def test_anomaly_penalties_are_capped_per_kind_and_in_total() -> None:
    anomalies = (
        [Anomaly("join_burst", 40, "")] * 3  # 3 × 10, capped at 20
        + [Anomaly("bot_like", 0.0, "")] * 3  # 3 × 5, capped at 10
        + [Anomaly("dominant_author", 0.7, "", is_admin=False)]  # 5
        + [Anomaly("dominant_author", 0.9, "", is_admin=True)]  # an admin: no penalty
    )
    score = score_figures(figures(**HAND, anomalies=tuple(anomalies)), Profile.GROUP)
    assert {p.kind: p.points for p in score.penalties} == {
        "join_burst": 20,
        "bot_like": 10,
        "dominant_author": 5,
    }
    assert score.value == round(score.base) - MAX_PENALTY  # 35 points capped at 30


def test_a_channel_is_scored_on_reach_and_reactions() -> None:
    score = score_figures(
        figures(read_rate=0.2, reactions_per_view=0.05, messages_per_day=1.0), Profile.CHANNEL
    )
    # read rate 50 (×40), reactions 100 (×30), activity 17.63 (×20); growth unknown → /90.
    activity = 100 * math.log10(2) / math.log10(51)
    assert score.base == pytest.approx((40 * 50 + 30 * 100 + 20 * activity) / 90)


@pytest.mark.parametrize(
    ("values", "mode"),
    [
        (
            {"posting_non_admins": 3, "member_content_share": 0.5, "member_to_member_share": 0.25},
            InteractionMode.MANY_TO_MANY,
        ),
        (
            {"posting_non_admins": 2, "member_content_share": 0.9, "member_to_member_share": 0.9},
            InteractionMode.ONE_TO_MANY,
        ),
        (
            {"posting_non_admins": 9, "member_content_share": 0.49, "member_to_member_share": 0.9},
            InteractionMode.ONE_TO_MANY,
        ),
        (
            {"posting_non_admins": 9, "member_content_share": 0.9, "member_to_member_share": 0.24},
            InteractionMode.ONE_TO_MANY,
        ),
        (
            {"posting_non_admins": 9, "member_content_share": 0.9, "member_to_member_share": None},
            InteractionMode.ONE_TO_MANY,
        ),
    ],
)
def test_the_interaction_mode_rule_for_groups(
    values: dict[str, Any], mode: InteractionMode
) -> None:
    assert interaction_mode(figures(**values), Profile.GROUP)[0] is mode


def test_the_interaction_mode_rule_for_channels_and_daily_totals() -> None:
    assert interaction_mode(figures(), Profile.CHANNEL)[0] is InteractionMode.ONE_TO_MANY
    many = interaction_mode(figures(comments_per_post=1.0), Profile.AGGREGATE)
    few = interaction_mode(figures(comments_per_post=0.99), Profile.AGGREGATE)
    assert (many[0], few[0]) == (InteractionMode.MANY_TO_MANY, InteractionMode.ONE_TO_MANY)


def test_the_documented_weights_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (\S+) \| (\S+) \| (\S+) \|", DOCS.read_text(), re.M)
    documented = {
        profile: {name: int(w) for name, *ws in rows if (w := ws[i]) != "–"}
        for i, profile in enumerate([Profile.GROUP, Profile.CHANNEL, Profile.AGGREGATE])
    }
    assert documented == WEIGHTS
