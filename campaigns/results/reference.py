"""The row-by-row twin of :mod:`campaigns.results.compute`, for tests and the benchmark.

It walks the clicks and figures one record at a time, as a first version would; the
vectorised functions must agree with it, and the benchmark reports how much faster they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from campaigns.results.figures import ENGAGEMENT_METRICS, RESULT_METRICS


def _round_div(num: float, den: float) -> float:
    return math.floor(num / den + 0.5) if den > 0 and not math.isnan(num) else math.nan


def _add(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    return a if math.isnan(b) else a + b


def placement_rows(
    placements: Iterable[Mapping[str, Any]],
    metrics: Iterable[Mapping[str, Any]],
    clicks: Iterable[Mapping[str, Any]] | None,
) -> dict[int, dict[str, float]]:
    """Per placement id: figures, clicks, unique clicks, cost per click, in-range flag."""
    rows: dict[int, dict[str, float]] = {}
    for p in placements:
        row = {m.value: math.nan for m in RESULT_METRICS}
        row.update(
            planned=float(p["count"]),
            cost_minor=float(p["brand_price_minor"]),
            clicks=math.nan if clicks is None else 0.0,
            est_reach_p10=float(p["reach_p10"]) * p["count"],
            est_reach_p90=float(p["reach_p90"]) * p["count"],
        )
        rows[int(p["placement_id"])] = row
    for m in metrics:
        if int(m["placement_id"]) in rows:
            rows[int(m["placement_id"])][str(m["metric"])] = float(m["value"])
    visitors: dict[int, set[Any]] = {pid: set() for pid in rows}
    if clicks is not None:
        for click in clicks:
            pid = int(click["placement_id"])
            if pid in rows and not click["flagged"]:
                rows[pid]["clicks"] += 1
                visitors[pid].add(click["visitor"])
    for pid, row in rows.items():
        row["unique_clicks"] = float(len(visitors[pid])) if clicks is not None else math.nan
        engagements = math.nan
        for metric in ENGAGEMENT_METRICS:
            engagements = _add(engagements, row[metric.value])
        row["engagements"] = engagements
        row["cost_per_click_minor"] = _round_div(row["cost_minor"], row["clicks"])
        reach = row["reach"]
        if math.isnan(reach) or math.isnan(row["est_reach_p10"]):
            row["in_range"] = math.nan
        else:
            row["in_range"] = float(row["est_reach_p10"] <= reach <= row["est_reach_p90"])
    return rows


def campaign_totals(rows: Mapping[int, Mapping[str, float]]) -> dict[str, float]:
    """The campaign's sums over :func:`placement_rows`, and its cost per click."""
    totals: dict[str, float] = {}
    for row in rows.values():
        for key in ("planned", "cost_minor", "clicks", "reach", "engagements"):
            totals[key] = _add(totals.get(key, math.nan), row[key])
    totals["cost_per_click_minor"] = _round_div(
        totals.get("cost_minor", math.nan), totals.get("clicks", math.nan)
    )
    return totals
