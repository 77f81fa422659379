"""The results endpoints of /api/v1: a campaign's figures per placement, and its results.

An API token acts as its brand organisation (``views._api_user``), so answers come from the
results feature's own scoping (:func:`marketplace.reports.services.get_campaign`): another
organisation's brief does not exist for the token (404), and a brand never reads the agency's
margin or the owners' payouts. Unknown figures are null, never zero.
"""

from __future__ import annotations

import math
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from campaigns.results import BRAND_FIELDS
from marketplace.api.views import _api_user, bp
from marketplace.extensions import db
from marketplace.reports import services
from pricing.taxonomy import EvidenceTier

#: The figures of a results row, in the order the document lists them (brand view).
RESULT_FIELDS = BRAND_FIELDS


def number(value: Any) -> float | int | None:
    """A figure for JSON: whole numbers as integers, unknown as null."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number


def _row(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: number(row.get(key)) for key in RESULT_FIELDS}
    out["self_reported"] = bool(row.get("self_reported", False))
    out["clicks_suspect"] = bool(row.get("clicks_suspect", False))
    return out


def results_json(
    campaign: services.Campaign, results: services.CampaignResults | None
) -> dict[str, Any]:
    """A campaign's results as the API returns them (None: nothing agreed yet)."""
    brief = campaign.brief
    if results is None:
        empty = dict.fromkeys(RESULT_FIELDS)
        return {"brief_id": brief.id, "currency": brief.currency, "placements_count": 0,
                "coverage": None, "kpis": [],
                "totals": {**empty, "self_reported": False, "clicks_suspect": False},
                "communities": [], "channels": [], "placements": []}  # fmt: skip
    totals = results.totals
    return {
        "brief_id": brief.id,
        "currency": brief.currency,
        "placements_count": int(totals["placements"]),
        "coverage": number(totals.get("coverage")),
        "totals": _row(totals),
        "kpis": [
            {"kind": k.kind.value, "target": k.target, "actual": number(k.actual), "met": k.met}
            for k in results.kpis
        ],  # fmt: skip
        "communities": [
            {"community_id": int(r["community_id"]), **_row(r)}
            for r in results.by_community.to_dict("records")
        ],
        "channels": [
            {"platform": str(r["platform"]), **_row(r)}
            for r in results.by_channel.to_dict("records")
        ],
        "placements": [
            {
                "placement_id": int(r["placement_id"]),
                "community_id": int(r["community_id"]),
                "platform": str(r["platform"]),
                "est_reach_p10": number(r["est_reach_p10"]),
                "est_reach_p90": number(r["est_reach_p90"]),
                "in_range": None if number(r["in_range"]) is None else bool(r["in_range"]),
                **_row(r),
            }
            for r in results.per_placement.to_dict("records")
        ],
    }


@bp.get("/briefs/<int:brief_id>/results")
def brief_results(brief_id: int) -> ResponseReturnValue:
    """A campaign's results: totals, each KPI, per community, channel and placement."""
    session = db.session
    campaign = services.get_campaign(session, brief_id, _api_user(), allow_empty=True)
    results = services.campaign_results(session, campaign) if campaign.placements else None
    return jsonify(results_json(campaign, results))


@bp.get("/briefs/<int:brief_id>/metrics")
def brief_metrics(brief_id: int) -> ResponseReturnValue:
    """Every figure recorded on the campaign's placements, newest first, with its tier."""
    session = db.session
    campaign = services.get_campaign(session, brief_id, _api_user(), allow_empty=True)
    items = [
        {
            "id": m.id,
            "placement_id": m.placement_id,
            "metric": m.metric.value,
            "value": m.value,
            "evidence": EvidenceTier(m.tier).slug,
            "self_reported": m.tier == int(EvidenceTier.SELF_REPORTED),
            "observed_on": m.observed_on.isoformat(),
            "source": m.source,
        }
        for placement in campaign.placements
        for m in services.figure_history(session, placement)
    ]
    return jsonify(brief_id=campaign.brief.id, items=items)
