"""Creative use-cases: start a post for an agreed placement, revise it, comment, approve.

Every action loads the rows into :class:`campaigns.deals.creative.Creative`, lets the pure rules
decide (the chain owner → agency → brand → compliance, the disclosure check, a revision voiding
the approvals, the compliance reviewer being someone other than the agency approver) and stores
what they return; it flushes, the caller commits once. Who sees a creative follows the deals:
:func:`marketplace.deals.services.scoped`. Each step notifies the next approver.
"""

from __future__ import annotations

from marketplace.creative.services.actions import (
    AUDIT_ACTIONS,
    CreativeDisclosureMissing,
    CreativeExists,
    DealNotAgreed,
    add_comment,
    approve_creative,
    request_changes,
    save_draft,
    start_creative,
)
from marketplace.creative.services.images import (
    IMAGE_SIGNATURES,
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    ImageRefused,
    check_image,
    sniff_image,
)
from marketplace.creative.services.notices import allowed_actions, placement_link, waiting_for
from marketplace.creative.services.preview import preview_style, text_direction, word_diff
from marketplace.creative.services.queries import (
    CreativeClosed,
    CreativeImageNotFound,
    PlacementNotFound,
    brief_of,
    creative_of,
    current_approvals,
    current_version,
    disclosure_of,
    get_image,
    get_placement,
    pure_creative,
)
from marketplace.uploads import Upload

__all__ = [
    "AUDIT_ACTIONS",
    "CreativeClosed",
    "CreativeDisclosureMissing",
    "CreativeExists",
    "CreativeImageNotFound",
    "DealNotAgreed",
    "IMAGE_SIGNATURES",
    "ImageRefused",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "PlacementNotFound",
    "Upload",
    "add_comment",
    "allowed_actions",
    "approve_creative",
    "brief_of",
    "check_image",
    "creative_of",
    "current_approvals",
    "current_version",
    "disclosure_of",
    "get_image",
    "get_placement",
    "placement_link",
    "preview_style",
    "pure_creative",
    "request_changes",
    "save_draft",
    "sniff_image",
    "start_creative",
    "text_direction",
    "waiting_for",
    "word_diff",
]
