"""Deal desk use-cases: open deals from an approved plan, negotiate offers, agree, amend, stop.

Every action is ``verb_noun(session, …, *, actor)``: it locks the deal row
(``SELECT … FOR UPDATE``), loads the rows into the pure values of :mod:`campaigns.deals`, lets
them decide, stores what they return, writes one ``deal_events`` row per change, and flushes.
The caller commits once. Refusals are the pure domain's named errors (``StaleVersion``,
``NotYourTurn``, ``OfferExpired``, ``IllegalTransition`` …; ``marketplace.errors`` maps them
to HTTP codes, conflicts to 409) or ``NotFound`` for a deal the actor may not see.

Races: each action names the round it answers (``version``) and may name the deal's
``deal_version`` it was shown. The row lock serialises writers on PostgreSQL; the second
writer then reads the first one's result and its stale round or closed offer raises, so
exactly one outcome wins and nothing is half-written.

Views and the API read deals only through :func:`deals_visible_to` / :func:`get_deal` and the
projections (:func:`deal_view`, :func:`offer_view`): owners never get the brand price or the
margin, brands never the owner payout.
"""

from __future__ import annotations

# Callers read these row helpers through the services too.
from marketplace.deals.records import pending_agreement, pure_offer, terms_from_json
from marketplace.deals.services.agreements import (
    amend_deal,
    cancel_deal,
    confirm_agreement,
    pause_brief_deals,
    pending_agreement_document,
    redraft_offer,
    resume_deal,
)
from marketplace.deals.services.offers import (
    DEFAULT_OFFER_DAYS,
    accept_offer,
    counter_offer,
    decline_offer,
    edit_offer,
    expire_due_offers,
    send_offer,
    withdraw_offer,
)
from marketplace.deals.services.opening import (
    DEFAULT_DISCLOSURE,
    on_plan_approved,
    open_deals_for_plan,
    register_event_handlers,
)
from marketplace.deals.services.queries import (
    DESK_ROLES,
    DealNotFound,
    agreement_in_force,
    channel_names,
    current_offer,
    deal_events,
    deal_terms,
    deal_view,
    deals_visible_to,
    desk_figures,
    get_deal,
    get_visible,
    margin_floor_bp,
    offer_view,
    party_of,
    plan_lines,
    plan_targets,
    plan_totals,
    pure_deal_of,
    reach_p50,
    scoped,
    visible_deals_query,
)
from marketplace.deals.services.replacements import (
    ReplacementRefused,
    offer_replacement,
    replacement_candidates,
)

__all__ = [
    "DEFAULT_DISCLOSURE",
    "DEFAULT_OFFER_DAYS",
    "DESK_ROLES",
    "DealNotFound",
    "ReplacementRefused",
    "accept_offer",
    "agreement_in_force",
    "amend_deal",
    "cancel_deal",
    "channel_names",
    "confirm_agreement",
    "counter_offer",
    "current_offer",
    "deal_events",
    "deal_terms",
    "deal_view",
    "deals_visible_to",
    "decline_offer",
    "desk_figures",
    "edit_offer",
    "expire_due_offers",
    "get_deal",
    "get_visible",
    "margin_floor_bp",
    "offer_replacement",
    "offer_view",
    "on_plan_approved",
    "open_deals_for_plan",
    "party_of",
    "pause_brief_deals",
    "pending_agreement",
    "pending_agreement_document",
    "plan_lines",
    "plan_targets",
    "plan_totals",
    "pure_deal_of",
    "pure_offer",
    "reach_p50",
    "redraft_offer",
    "register_event_handlers",
    "replacement_candidates",
    "resume_deal",
    "scoped",
    "send_offer",
    "terms_from_json",
    "visible_deals_query",
    "withdraw_offer",
]
