"""Poor value for money in a plan: owner rates far above what the value lenses say, and the
negotiating target the deal desk opens from.

The value lenses (``pricing.valuation.lenses``) give each placement a replacement cost (what
the same reach would cost as paid ads) and an outcome value (the brief's results times what a
result is worth). A brand can defend paying up to the more generous lens: per quantile, the
higher of the two. A line is **poor value** when the owner's rate is above even that lens's
P90; its **target** is that P90 rounded down to a round ₪10 (the fair-price meter's suggested
top), the owner rate the desk negotiates toward. A line defensible at under ₪10 even at P90 has
no target: no owner takes that, so the advice is to drop it. A placement the lenses cannot price
(a seat at an event: ``pricing.valuation.lenses.priced_by_lenses``) is judged by its own media
value estimate instead. The plan is poor value when the owners' rates together are above the
lines' defensible P90s together. docs/planning.md works an example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.planning.types import Reason, ReasonCode
from pricing.valuation.schema import Quantiles

#: Targets are rounded down to this step (₪10), as the fair-price meter's suggested range.
TARGET_STEP_MINOR = 1_000


@dataclass(frozen=True, slots=True)
class LineLenses:
    """The two value lenses of one plan line (None where a lens could not be computed), and the
    line's media value estimate, which defends its price only when neither lens can."""

    replacement: Quantiles | None
    outcome: Quantiles | None
    estimate: Quantiles | None = None


def defensible(lenses: LineLenses) -> Quantiles | None:
    """Per quantile, the higher of the two lenses: what a brand can defend paying."""
    present = [q for q in (lenses.replacement, lenses.outcome) if q is not None]
    if not present:
        return lenses.estimate
    return Quantiles(*(max(getattr(q, k) for q in present) for k in ("p10", "p50", "p90")))


def target_rate(high_minor: int) -> int:
    """The negotiating target for a defensible top: rounded down to ₪10 when it is that much."""
    if high_minor >= TARGET_STEP_MINOR:
        return high_minor // TARGET_STEP_MINOR * TARGET_STEP_MINOR
    return high_minor


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """One line's value for money: poor or not, the defensible range, the target and why."""

    poor: bool
    defensible: Quantiles | None
    target_rate_minor: int | None
    reason: Reason | None
    #: The two lenses the check read (shown beside the line).
    lenses: LineLenses | None = None


def check_line(community: str, rate_minor: int, lenses: LineLenses) -> ValueCheck:
    """Whether an owner's rate is far above value (above the more generous lens's P90)."""
    top = defensible(lenses)
    if top is None or rate_minor <= top.p90:
        return ValueCheck(False, top, None, None, lenses)
    if top.p90 < TARGET_STEP_MINOR:
        # Worth under ₪10 even at P90: no owner takes that, so there is nothing to negotiate.
        params = {"community": community, "rate": rate_minor, "high": top.p90}
        return ValueCheck(True, top, None, Reason(ReasonCode.POOR_VALUE_DROP, params), lenses)
    target = target_rate(top.p90)
    times = rate_minor * 10 // max(top.p50, 1)  # tenths, rounded down
    by_lenses = lenses.replacement is not None or lenses.outcome is not None
    reason = Reason(
        ReasonCode.POOR_VALUE_LINE if by_lenses else ReasonCode.POOR_VALUE_ESTIMATE,
        {
            "community": community,
            "rate": rate_minor,
            "replacement": lenses.replacement.p50 if lenses.replacement else None,
            "outcome": lenses.outcome.p50 if lenses.outcome else None,
            "value": top.p50,
            "high": top.p90,
            "times": f"{times // 10}.{times % 10}",
            "target_rate": target,
        },
    )
    return ValueCheck(True, top, target, reason, lenses)


def check_plan(rates_minor: Sequence[int], checks: Sequence[ValueCheck]) -> Reason | None:
    """The plan is poor value when its owner rates together exceed the lines' defensible P90s
    together (lines nothing could value count at their rate). Its target total counts each
    poor line at its target, and a line to drop at nothing."""
    paid = sum(rates_minor)
    p50 = p90 = 0
    for rate, check in zip(rates_minor, checks, strict=True):
        top = check.defensible
        p50 += rate if top is None else top.p50
        p90 += rate if top is None else top.p90
    if not rates_minor or paid <= p90:
        return None
    return Reason(
        ReasonCode.POOR_VALUE_PLAN,
        {
            "paid": paid,
            "value": p50,
            "high": p90,
            "share": f"{p50 * 100 // max(paid, 1)}%",
            "poor": sum(1 for c in checks if c.poor),
            "dropped": sum(1 for c in checks if c.poor and c.target_rate_minor is None),
            "step": TARGET_STEP_MINOR,
            "target_total": sum(
                (c.target_rate_minor or 0) if c.poor else r
                for r, c in zip(rates_minor, checks, strict=True)
            ),
        },
    )
