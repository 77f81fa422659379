"""The results' part of the OpenAPI document: a campaign's figures and results, no margin."""

from __future__ import annotations

from typing import Any

from campaigns.brief import KpiKind
from campaigns.results import BRAND_FIELDS, RESULT_METRICS
from marketplace.api.spec.common import BRIEF_ID, NO_BRIEF, ok, responses
from pricing.taxonomy import EvidenceTier, Platform


def schemas() -> dict[str, Any]:
    """Schemas of the results endpoints (the field list is the endpoint's own)."""
    figure = {"type": ["number", "null"],
              "description": "Unknown (nothing recorded it) is null, never 0."}  # fmt: skip
    row_properties = {
        **dict.fromkeys(BRAND_FIELDS, figure),
        "self_reported": {"type": "boolean",
                          "description": "Some figure of the row is the owner's own word."},
        "clicks_suspect": {"type": "boolean",
                           "description": "More unique visitors on a link than the group's "
                           "members can account for (members × 1.5 in closed groups, × 10 on "
                           "open channels): check for forwarding or bots."},
    }  # fmt: skip
    required = [*BRAND_FIELDS, "self_reported", "clicks_suspect"]

    def row(extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [*extra, *required],
            "properties": {**extra, **row_properties},
        }

    return {
        "ResultFigures": row({}),
        "CommunityResults": row({"community_id": {"type": "integer"}}),
        "ChannelResults": row({"platform": {"enum": [p.value for p in Platform]}}),
        "PlacementResults": row({
            "placement_id": {"type": "integer"},
            "community_id": {"type": "integer"},
            "platform": {"enum": [p.value for p in Platform]},
            "est_reach_p10": figure,
            "est_reach_p90": figure,
            "in_range": {"type": ["boolean", "null"],
                         "description": "Whether the reach recorded fell inside the estimate's "
                                        "P10–P90 range (null: not both known)."},
        }),
        "CampaignResults": {
            "type": "object",
            "additionalProperties": False,
            "required": ["brief_id", "currency", "placements_count", "coverage", "totals", "kpis",
                         "communities", "channels", "placements"],
            "properties": {
                "brief_id": {"type": "integer"},
                "currency": {"type": "string"},
                "placements_count": {"type": "integer", "minimum": 0},
                "coverage": {"type": ["number", "null"],
                             "description": "Share of measured placements whose reach was "
                                            "inside the estimate's P10–P90 range."},
                "totals": {"$ref": "#/components/schemas/ResultFigures"},
                "kpis": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["kind", "target", "actual", "met"],
                    "properties": {
                        "kind": {"enum": [k.value for k in KpiKind]},
                        "target": {"type": "integer"},
                        "actual": figure,
                        "met": {"type": ["boolean", "null"]},
                    },
                }},
                "communities": {"type": "array",
                                "items": {"$ref": "#/components/schemas/CommunityResults"}},
                "channels": {"type": "array",
                             "items": {"$ref": "#/components/schemas/ChannelResults"}},
                "placements": {"type": "array",
                               "items": {"$ref": "#/components/schemas/PlacementResults"}},
            },
        },
        "CampaignMetrics": {
            "type": "object",
            "additionalProperties": False,
            "required": ["brief_id", "items"],
            "properties": {
                "brief_id": {"type": "integer"},
                "items": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "placement_id", "metric", "value", "evidence",
                                 "self_reported", "observed_on", "source"],
                    "properties": {
                        "id": {"type": "integer"},
                        "placement_id": {"type": "integer"},
                        "metric": {"enum": [m.value for m in RESULT_METRICS]},
                        "value": {"type": "integer", "minimum": 0},
                        "evidence": {"enum": [t.slug for t in EvidenceTier]},
                        "self_reported": {"type": "boolean"},
                        "observed_on": {"type": "string", "format": "date"},
                        "source": {"type": "string"},
                    },
                }},
            },
        },
    }  # fmt: skip


def paths() -> dict[str, Any]:
    """GET /briefs/{id}/results and /briefs/{id}/metrics."""

    return {
        "/api/v1/briefs/{brief_id}/results": {"get": {
            "operationId": "getBriefResults",
            "summary": "A campaign's results: totals, each KPI of the brief against its target, "
                       "and results per community, channel and placement (no margin, no payouts).",
            "parameters": BRIEF_ID,
            "responses": responses({"200": ok("The campaign's results.", "CampaignResults")},
                                    s404=NO_BRIEF),
        }},
        "/api/v1/briefs/{brief_id}/metrics": {"get": {
            "operationId": "getBriefMetrics",
            "summary": "Every figure recorded on the campaign's placements, newest first, each "
                       "with its evidence tier (self-reported figures are marked).",
            "parameters": BRIEF_ID,
            "responses": responses({"200": ok("The campaign's figures.", "CampaignMetrics")},
                                    s404=NO_BRIEF),
        }},
    }  # fmt: skip
