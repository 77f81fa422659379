"""Geometry for the small server-rendered SVG charts (no script, so the CSP stays strict)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SPARK_WIDTH, SPARK_HEIGHT = 120, 28


def sparkline(values: Sequence[float]) -> dict[str, Any] | None:
    """Points of a polyline for a value history, oldest first; None with fewer than two."""
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / (len(values) - 1)
    points = [
        (round(i * step, 1), round(SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4), 1))
        for i, v in enumerate(values)
    ]
    return {
        "points": " ".join(f"{x},{y}" for x, y in points),
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "last": points[-1],
        "rising": values[-1] >= values[0],
    }


def bars(items: Sequence[tuple[str, float]], width: int = 100) -> list[dict[str, Any]]:
    """Horizontal bars scaled to the largest value (percent of `width`)."""
    top = max((value for _label, value in items), default=0) or 1
    return [
        {"label": label, "value": value, "length": round(value / top * width, 1)}
        for label, value in items
    ]


def ranges(
    items: Sequence[tuple[str, float, float, float, float | None]], width: int = 300
) -> list[dict[str, Any]]:
    """Estimate-vs-realised rows: each (label, P10, P50, P90, realised or None) on one scale.

    Positions are in units of `width`; the realised mark says whether it fell inside P10–P90.
    """
    top = max([max(p90, realised or 0) for _l, _p10, _p50, p90, realised in items], default=0) or 1
    rows = []
    for label, p10, p50, p90, realised in items:
        rows.append(
            {
                "label": label,
                "low": round(p10 / top * width, 1),
                "mid": round(p50 / top * width, 1),
                "high": round(p90 / top * width, 1),
                "mark": None if realised is None else round(realised / top * width, 1),
                "inside": realised is not None and p10 <= realised <= p90,
                "p10": p10,
                "p50": p50,
                "p90": p90,
                "realised": realised,
            }
        )
    return rows
