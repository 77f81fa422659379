"""Figures of a post derived from a chat export: the replies and reactions it drew.

A closed group's export has no API behind it, but it shows what happened after the post: the
messages members wrote in the hours after it, and the reactions they left. Telegram exports
say which message a reply answers and carry each message's reactions (and a channel post's
views); WhatsApp's text export has neither, so there the replies are the members' messages in
the window after the post. Either way the figures are *derived from an export* (evidence tier
3), and only counts leave this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pricing.health.events import CONTENT_KINDS, EventKind

#: How long after a post its replies and reactions are counted.
WINDOW_HOURS = 48


@dataclass(frozen=True)
class ExportFigures:
    """What an export says about one post: comments (replies), reactions, views if known."""

    comments: int
    reactions: int
    views: int | None
    #: How the replies were found: ``reply_to`` (the export links them) or ``window``.
    method: str


def post_figures(
    events: pd.DataFrame, posted_at: dt.datetime, *, window_hours: int = WINDOW_HOURS
) -> ExportFigures:
    """Count the replies and reactions a post drew in the export's events table.

    The post is the first content event at or after `posted_at` (a minute's slack for clocks);
    when the export links replies (Telegram), replies are the messages answering it, else every
    member message in the window after it.
    """
    if posted_at.tzinfo is None:
        raise ValueError("posted_at must be timezone-aware")
    start = pd.Timestamp(posted_at).tz_convert("UTC") - pd.Timedelta(minutes=1)
    end = start + pd.Timedelta(hours=window_hours)
    ts = events["ts"]
    window = events[(ts >= start) & (ts < end)]
    content = window[window["kind"].isin([k.value for k in CONTENT_KINDS])]
    if content.empty:
        return ExportFigures(0, 0, None, "window")
    post = content.iloc[0]
    rest = window[window["msg_id"] != post["msg_id"]]
    replies = rest["reply_to"].notna().any() if "reply_to" in rest else False
    if replies:
        answering = rest[rest["reply_to"] == post["msg_id"]]
        comments = int(answering["kind"].isin([k.value for k in CONTENT_KINDS]).sum())
        method = "reply_to"
    else:
        comments = int(rest["kind"].isin([k.value for k in CONTENT_KINDS]).sum())
        method = "window"
    reactions = int(post["reactions"]) + int((rest["kind"] == EventKind.REACTION.value).sum())
    views = None if pd.isna(post["views"]) else int(post["views"])
    return ExportFigures(comments, reactions, views, method)
