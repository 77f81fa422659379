"""The delivery part of the OpenAPI document: a brand's view of its campaigns' posts and proofs.

No money appears in it.
"""

from __future__ import annotations

from typing import Any

from campaigns.delivery import PostStatus
from marketplace.api.spec.common import ID, NO_BRIEF, error, responses
from pricing.taxonomy import PlacementType

_DATE = {"type": "string", "format": "date"}
_MOMENT = {"type": ["string", "null"], "format": "date-time"}

#: A post of a campaign, as a brand token reads it.
_POST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "deal_id", "placement_id", "community_id", "community_name", "asset_id",
                 "placement_type", "number", "count", "opens_on", "due_on", "status",
                 "posted_at", "live_url", "links"],
    "properties": {
        "id": {"type": "integer"}, "deal_id": {"type": "integer"},
        "placement_id": {"type": "integer"}, "community_id": {"type": "integer"},
        "community_name": {"type": "string"}, "asset_id": {"type": "integer"},
        "placement_type": {"enum": [p.value for p in PlacementType]},
        "number": {"type": "integer", "minimum": 1,
                   "description": "This post's number among the placement's runs."},
        "count": {"type": "integer", "minimum": 1,
                  "description": "How many runs the placement bought."},
        "opens_on": {**_DATE, "description": "The post's own slot opens on this day."},
        "due_on": {**_DATE, "description": "The post is due by this day (the slot's last)."},
        "status": {"enum": [s.value for s in PostStatus]},
        "posted_at": _MOMENT,
        "live_url": {"type": ["string", "null"]},
        "links": {"type": "object", "required": ["proofs"], "additionalProperties": False,
                  "properties": {"proofs": {"type": "string"}}},
    },
}  # fmt: skip

#: A proof of posting, without its screenshot's bytes.
_PROOF = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "submitted_at", "live_url", "content_type", "width", "height", "sha256",
                 "phash", "decision", "reason", "reason_text", "decided_at", "disclosure_ok",
                 "same_as_creative"],
    "properties": {
        "id": {"type": "integer"},
        "submitted_at": {"type": "string", "format": "date-time"},
        "live_url": {"type": "string"},
        "content_type": {"enum": ["image/png", "image/jpeg", "image/webp"]},
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "phash": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                  "description": "64-bit perceptual hash (imagehash.phash) of the screenshot."},
        "decision": {"enum": ["pending", "verified", "disputed"]},
        "reason": {"type": ["string", "null"]},
        "reason_text": {"type": ["string", "null"]},
        "decided_at": _MOMENT,
        "disclosure_ok": {"type": ["boolean", "null"],
                          "description": "Whether the pasted post text carries the agreed "
                                         "disclosure wording (null: no text was pasted)."},
        "same_as_creative": {"type": ["boolean", "null"],
                             "description": "Whether the pasted text is the approved post "
                                            "(null: no text was pasted)."},
    },
}  # fmt: skip


def paths() -> dict[str, Any]:
    """GET /campaigns/{brief_id}/posts and /posts/{post_id}/proofs."""

    def path_id(name: str) -> list[dict[str, Any]]:
        return [{"name": name, "in": "path", "required": True, "schema": ID}]

    return {
        "/api/v1/campaigns/{brief_id}/posts": {"get": {
            "operationId": "getCampaignPosts",
            "summary": "Every post of the campaign of one of the organisation's briefs, by due "
                       "date: its window, status and live link (none until a deal is agreed).",
            "parameters": path_id("brief_id"),
            "responses": responses({"200": {
                "description": "The campaign's posts.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["brief_id", "items"],
                    "properties": {"brief_id": {"type": "integer"},
                                   "items": {"type": "array", "items": _POST}}}}},
                "links": {"GetFirstPostProofs": {
                    "operationId": "getPostProofs",
                    "parameters": {"post_id": "$response.body#/items/0/id"}}},
            }}, s404=NO_BRIEF),
        }},
        "/api/v1/posts/{post_id}/proofs": {"get": {
            "operationId": "getPostProofs",
            "summary": "Every proof of posting of one post, oldest first: the live link, the "
                       "screenshot's hashes, the text checks and staff's decision.",
            "parameters": path_id("post_id"),
            "responses": responses({"200": {
                "description": "The post's proofs.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["post_id", "status", "items"],
                    "properties": {"post_id": {"type": "integer"},
                                   "status": {"enum": [s.value for s in PostStatus]},
                                   "items": {"type": "array", "items": _PROOF}}}}},
            }}, s404=error("No post of this organisation has this id (post_not_found).")),
        }},
    }  # fmt: skip
