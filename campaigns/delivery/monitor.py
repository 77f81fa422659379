"""Lateness and under-delivery, computed over a DataFrame of posts (one row per post).

The frame has the columns of :data:`POST_COLUMNS`: ``placement_id``, ``due_on`` (date),
``status`` (a :class:`PostStatus` value) and ``posted_at`` (a UTC timestamp, or missing).
Posts closed because their deal was cancelled or their count cut are left out by the caller:
every row is a post the placement still owes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from campaigns.delivery.posts import DELIVERED, OPEN_POSTS, PostStatus

POST_COLUMNS = ("placement_id", "due_on", "status", "posted_at")


def _check(posts: pd.DataFrame) -> None:
    missing = [c for c in POST_COLUMNS if c not in posts.columns]
    if missing:
        raise ValueError(f"the posts frame lacks the columns {missing}")


def _delivered(posts: pd.DataFrame) -> pd.Series:
    """Rows whose proof stands (a measured and closed post too; a disputed one does not)."""
    status = posts["status"].astype(str)
    closed_after_posting = (status == PostStatus.CLOSED.value) & posts["posted_at"].notna()
    return status.isin([s.value for s in DELIVERED]) | closed_after_posting


def lateness(posts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The frame with ``late`` (bool) and ``days_late`` (int) added, row for row.

    A waiting post (scheduled or due) is late once today is past its due date, by the days
    since; a missed one is late by the days since its due date too. A delivered post is late
    by the days its posting day came after the due date (0 if on time).
    """
    _check(posts)
    out = posts.copy()
    due = pd.to_datetime(out["due_on"])
    today_ts = pd.Timestamp(today)
    posted_day = pd.to_datetime(out["posted_at"], utc=True).dt.tz_localize(None).dt.normalize()
    status = out["status"].astype(str)
    waiting = status.isin([s.value for s in OPEN_POSTS] + [PostStatus.MISSED.value])
    reference = posted_day.where(~waiting & posted_day.notna(), today_ts)
    days = (reference - due).dt.days.clip(lower=0).fillna(0).astype(int)
    out["days_late"] = days
    out["late"] = (days > 0) & (waiting | _delivered(out))
    out.loc[~out["late"], "days_late"] = 0
    return out


def under_delivery(posts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """One row per placement: planned, expected by now, delivered, late, missed, shortfall.

    ``expected`` counts the posts due before today; ``delivered`` the posts with a standing
    proof; ``shortfall`` = max(0, expected − delivered); ``under`` is shortfall > 0. Indexed
    by ``placement_id``, sorted by it.
    """
    _check(posts)
    frame = lateness(posts, today)
    status = frame["status"].astype(str)
    frame["expected"] = pd.to_datetime(frame["due_on"]) < pd.Timestamp(today)
    frame["delivered"] = _delivered(frame)
    frame["missed"] = status == PostStatus.MISSED.value
    frame["waiting_late"] = frame["late"] & status.isin([s.value for s in OPEN_POSTS])
    grouped = frame.groupby("placement_id", sort=True)
    out = pd.DataFrame(
        {
            "planned": grouped.size(),
            "expected": grouped["expected"].sum(),
            "delivered": grouped["delivered"].sum(),
            "late": grouped["waiting_late"].sum(),
            "missed": grouped["missed"].sum(),
        }
    ).astype(int)
    out["shortfall"] = (out["expected"] - out["delivered"]).clip(lower=0)
    out["under"] = out["shortfall"] > 0
    return out
