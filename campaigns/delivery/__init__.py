"""Delivery's pure rules: posts and their lifecycle, due windows, lateness, the playbook, text.

No Flask, no database: the web layer (``marketplace/delivery``) loads rows into these values
and frames, calls a function, and stores what comes back. The post lifecycle is an enum plus
one transition table (:data:`POST_TRANSITIONS`); an illegal move raises a named
:class:`DeliveryError`. docs/delivery.md renders the table and explains each rule.
"""

from campaigns.delivery.monitor import POST_COLUMNS, lateness, under_delivery
from campaigns.delivery.playbook import (
    AssetCandidate,
    CommunityCandidate,
    Suggestion,
    SuggestionKind,
    suggest,
)
from campaigns.delivery.posts import (
    DELIVERED,
    DISPUTE_REASONS,
    OPEN_POSTS,
    POST_TRANSITIONS,
    DeliveryError,
    DisputeReasonRequired,
    IllegalPostMove,
    PostAction,
    PostStatus,
    ScheduleInvalid,
    dispute_next,
    post_next,
)
from campaigns.delivery.schedule import (
    GRACE_DAYS,
    ExistingPost,
    Resync,
    Slot,
    resync,
    slots,
    status_on,
)
from campaigns.delivery.text import TextCheck, check_text, normalise, word_diff

__all__ = [
    "DELIVERED",
    "DISPUTE_REASONS",
    "GRACE_DAYS",
    "OPEN_POSTS",
    "POST_COLUMNS",
    "POST_TRANSITIONS",
    "AssetCandidate",
    "CommunityCandidate",
    "DeliveryError",
    "DisputeReasonRequired",
    "ExistingPost",
    "IllegalPostMove",
    "PostAction",
    "PostStatus",
    "Resync",
    "ScheduleInvalid",
    "Slot",
    "Suggestion",
    "SuggestionKind",
    "TextCheck",
    "check_text",
    "dispute_next",
    "lateness",
    "normalise",
    "post_next",
    "resync",
    "slots",
    "status_on",
    "suggest",
    "under_delivery",
    "word_diff",
]
