"""A post's replies and reactions read from a chat export's events, counted by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from campaigns.results.export import post_figures
from pricing.health.events import events_frame

POSTED = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)


def _at(minutes: int) -> pd.Timestamp:
    return pd.Timestamp(POSTED) + pd.Timedelta(minutes=minutes)


def test_whatsapp_replies_are_the_members_messages_in_the_window() -> None:
    events = events_frame(
        author=["x", "owner", "a", "b", "a", "c"],
        ts=pd.DatetimeIndex([_at(-60), _at(0), _at(5), _at(30), _at(60 * 47), _at(60 * 49)]),
        kind=["message", "message", "message", "reaction", "media", "message"],
        reactions=[0, 3, 0, 0, 0, 0],
    )
    figures = post_figures(events, POSTED)
    # Before the post and after 48 hours: not counted. Two messages (one a photo) and one
    # reaction event answer it, beside the three reactions on the post itself.
    assert (figures.comments, figures.reactions, figures.views) == (2, 4, None)
    assert figures.method == "window"


def test_telegram_replies_are_those_that_answer_the_post() -> None:
    events = events_frame(
        msg_id=[10, 11, 12, 13],
        author=["channel", "a", "b", "c"],
        ts=pd.DatetimeIndex([_at(0), _at(3), _at(4), _at(9)]),
        kind=["channel_post", "message", "message", "message"],
        reply_to=[None, 10, 11, 10],
        reactions=[7, 1, 0, 0],
        views=[1200, None, None, None],
    )
    figures = post_figures(events, POSTED)
    assert (figures.comments, figures.reactions, figures.views) == (2, 7, 1200)
    assert figures.method == "reply_to"
