"""Results use-cases: who sees which campaign, recording figures, the results, the pulse.

The feature's public surface: views, the API, jobs, the demo and tests import these names
from here (``from marketplace.reports import services``); each lives in its module.
"""

from marketplace.reports.services.access import (
    DESK_ROLES,
    ENTER_ROLES,
    STAFF_ROLES,
    Campaign,
    CampaignNotFound,
    audience_of,
    campaigns_visible_to,
    get_campaign,
    get_placement,
    placements_query,
)
from marketplace.reports.services.figures import (
    DuplicateUpload,
    FiguresRefused,
    allowed_tiers,
    feed_calibration,
    figure_history,
    figure_problems,
    figures_from_export,
    metrics_frame,
    placements_frame,
    record_figures,
    source_key,
)
from marketplace.reports.services.picks import add_pick, picks
from marketplace.reports.services.pulse import (
    AlreadyAnswered,
    PulseClosed,
    answer_pulse,
    open_pulse,
    pulse,
    survey_by_slug,
    surveys,
    visitor_hash,
)
from marketplace.reports.services.results import (
    DELIVERED_STATES,
    HIDDEN,
    CampaignResults,
    campaign_results,
    click_counts_frame,
    clicks_frame,
    delivered_frame,
    redemptions_frame,
)

__all__ = [
    "DELIVERED_STATES",
    "DESK_ROLES",
    "ENTER_ROLES",
    "HIDDEN",
    "STAFF_ROLES",
    "AlreadyAnswered",
    "Campaign",
    "CampaignNotFound",
    "CampaignResults",
    "DuplicateUpload",
    "FiguresRefused",
    "PulseClosed",
    "add_pick",
    "allowed_tiers",
    "answer_pulse",
    "audience_of",
    "campaign_results",
    "campaigns_visible_to",
    "click_counts_frame",
    "clicks_frame",
    "delivered_frame",
    "feed_calibration",
    "figure_history",
    "figure_problems",
    "figures_from_export",
    "get_campaign",
    "get_placement",
    "metrics_frame",
    "open_pulse",
    "picks",
    "placements_frame",
    "placements_query",
    "pulse",
    "record_figures",
    "redemptions_frame",
    "source_key",
    "survey_by_slug",
    "surveys",
    "visitor_hash",
]
