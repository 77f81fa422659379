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
