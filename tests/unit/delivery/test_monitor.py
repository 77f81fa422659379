"""Lateness and under-delivery over a small frame of posts, computed by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from campaigns.delivery import lateness, under_delivery

TODAY = dt.date(2026, 12, 10)


def frame() -> pd.DataFrame:
    rows = [
        # placement 1: three posts; one on time, one posted 2 days late, one waiting 4 days late
        (1, dt.date(2026, 12, 2), "verified", pd.Timestamp("2026-12-01 09:00", tz="UTC")),
        (1, dt.date(2026, 12, 4), "posted", pd.Timestamp("2026-12-06 20:00", tz="UTC")),
        (1, dt.date(2026, 12, 6), "due", pd.NaT),
        # placement 2: one missed (due 5th), one scheduled in the future
        (2, dt.date(2026, 12, 5), "missed", pd.NaT),
        (2, dt.date(2026, 12, 20), "scheduled", pd.NaT),
        # placement 3: disputed (not delivered), due yesterday
        (3, dt.date(2026, 12, 9), "disputed", pd.Timestamp("2026-12-08 10:00", tz="UTC")),
        # placement 4: due today, not late yet
        (4, dt.date(2026, 12, 10), "due", pd.NaT),
    ]
    return pd.DataFrame(rows, columns=["placement_id", "due_on", "status", "posted_at"])


def test_lateness_counts_days_past_due_for_waiting_missed_and_late_delivered_posts() -> None:
    out = lateness(frame(), TODAY)
    assert out["days_late"].tolist() == [0, 2, 4, 5, 0, 0, 0]
    assert out["late"].tolist() == [False, True, True, True, False, False, False]


def test_under_delivery_sums_each_placement_by_hand() -> None:
    out = under_delivery(frame(), TODAY)
    assert out.loc[1].to_dict() == {
        "planned": 3, "expected": 3, "delivered": 2, "late": 1, "missed": 0,
        "shortfall": 1, "under": True,
    }  # fmt: skip
    assert out.loc[2, "expected"] == 1
    assert out.loc[2, "delivered"] == 0
    assert out.loc[2, "missed"] == 1
    assert bool(out.loc[2, "under"])
    assert out.loc[3, "shortfall"] == 1  # a disputed proof does not deliver
    assert out.loc[4, "expected"] == 0
    assert not bool(out.loc[4, "under"])
    assert out.index.tolist() == [1, 2, 3, 4]


def test_a_closed_post_that_ran_counts_as_delivered() -> None:
    posts = pd.DataFrame(
        [(9, dt.date(2026, 12, 1), "closed", pd.Timestamp("2026-12-01", tz="UTC"))],
        columns=["placement_id", "due_on", "status", "posted_at"],
    )
    assert under_delivery(posts, TODAY).loc[9, "delivered"] == 1


def test_a_frame_without_the_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="posted_at"):
        lateness(pd.DataFrame({"placement_id": [1], "due_on": [TODAY], "status": ["due"]}), TODAY)
