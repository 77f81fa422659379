"""Delivery use-cases: schedule an agreed deal's posts, prove them, check them, chase them.

Every action is ``verb_noun(session, …, *, actor)``: it locks the post row, asks the pure rules
of :mod:`campaigns.delivery` (the one transition table, the due windows, the text check),
stores what they return with one ``post_events`` row, and flushes; the caller commits once.

Who sees what follows the deal desk: a post is visible to whoever may see its deal
(:func:`marketplace.deals.services.scoped`: staff, admins and finance every deal;
a brand its organisation's; an owner its communities'). Delivery shows no money, so a brand
never sees a payout here. Another user's post or proof does not exist (404).
"""

from __future__ import annotations

from marketplace.delivery.services.monitor import (
    DROPPED,
    SUGGESTION_KINDS,
    MonitorRun,
    asset_name,
    monitor,
    placement_progress,
    suggestion_for,
)
from marketplace.delivery.services.moves import post_link
from marketplace.delivery.services.proofs import (
    MAX_PROOF_BYTES,
    MAX_PROOF_PIXELS,
    MAX_PROOF_SIDE,
    MIN_PROOF_SIDE,
    PHASH_THRESHOLD,
    PROOF_FORMATS,
    PROOF_LOCK_KEY,
    DuplicateScreenshot,
    ProofAlreadyDecided,
    ProofCheck,
    ProofRefused,
    Screenshot,
    check_live_url,
    check_screenshot,
    close_post,
    decide_proof,
    duplicate_of,
    hamming,
    latest_proof,
    measure_post,
    proof_check,
    submit_proof,
)
from marketplace.delivery.services.queries import (
    CampaignNotFound,
    CampaignSummary,
    PostNotFound,
    ProofNotFound,
    campaign_posts,
    campaigns_visible_to,
    community_of,
    get_campaign,
    get_post,
    get_proof,
    is_writer,
    may_decide,
    may_prove,
)
from marketplace.delivery.services.scheduling import (
    on_deal_agreed,
    on_deal_cancelled,
    register_event_handlers,
    schedule_deal,
)
from marketplace.uploads import Upload

__all__ = [
    "CampaignNotFound",
    "CampaignSummary",
    "DROPPED",
    "DuplicateScreenshot",
    "MAX_PROOF_BYTES",
    "MAX_PROOF_PIXELS",
    "MAX_PROOF_SIDE",
    "MIN_PROOF_SIDE",
    "MonitorRun",
    "PHASH_THRESHOLD",
    "PROOF_FORMATS",
    "PROOF_LOCK_KEY",
    "PostNotFound",
    "ProofAlreadyDecided",
    "ProofCheck",
    "ProofNotFound",
    "ProofRefused",
    "SUGGESTION_KINDS",
    "Screenshot",
    "Upload",
    "asset_name",
    "campaign_posts",
    "campaigns_visible_to",
    "check_live_url",
    "check_screenshot",
    "close_post",
    "community_of",
    "decide_proof",
    "duplicate_of",
    "get_campaign",
    "get_post",
    "get_proof",
    "hamming",
    "is_writer",
    "latest_proof",
    "may_decide",
    "may_prove",
    "measure_post",
    "monitor",
    "on_deal_agreed",
    "on_deal_cancelled",
    "placement_progress",
    "post_link",
    "proof_check",
    "register_event_handlers",
    "schedule_deal",
    "submit_proof",
    "suggestion_for",
]
