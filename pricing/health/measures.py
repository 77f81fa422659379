"""Measures shared by chat exports and daily totals: growth and churn, join bursts, the clock."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.health.figures import Anomaly

#: A day with at least this many joins, and JOIN_BURST_FACTOR times the period's median, is a burst.
JOIN_BURST_MIN = 20
JOIN_BURST_FACTOR = 5
#: A day in nanoseconds, the unit of every timestamp the analysis reads.
DAY_NS = 86_400 * 10**9


def growth_and_churn(
    members: int | None, joins: int, leaves: int
) -> tuple[float | None, float | None]:
    """Net growth and churn over the period, as shares of the members at its start."""
    if members is None:
        return None, None
    at_start = members - joins + leaves
    if at_start <= 0:
        return None, None
    return (joins - leaves) / at_start, leaves / at_start


def join_bursts(join_ts: npt.NDArray[np.int64], start: int, days: int) -> list[Anomaly]:
    """Days whose joins are far above the period's usual day (bought or botted members)."""
    if not len(join_ts):
        return []
    per_day = np.bincount((join_ts - start - 1) // DAY_NS, minlength=days)[:days]
    threshold = max(JOIN_BURST_MIN, JOIN_BURST_FACTOR * float(np.median(per_day)))
    bursts = []
    for offset in np.flatnonzero(per_day >= threshold):
        day = pd.Timestamp(start + int(offset) * DAY_NS + 1, tz="UTC").date().isoformat()
        bursts.append(
            Anomaly(
                "join_burst",
                float(per_day[offset]),
                f"{per_day[offset]} joins in the 24 hours from {day}",
            )
        )
    return bursts


def as_now(now: pd.Timestamp | None, default: pd.Timestamp) -> pd.Timestamp:
    """Where the periods end: `now` in UTC (it must be timezone-aware), else `default`."""
    if now is None:
        return default
    stamp = pd.Timestamp(now)
    if stamp.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return stamp.tz_convert("UTC")
