"""The plan against its brief: expected results per KPI and value for money, from the lenses.

The value lenses (``pricing.valuation.lenses``) turn a placement's reach into expected results
(clicks, leads, engagements) and into two values (replacement cost, outcome value at the
brand's worth per result). This module feeds them the optimiser's candidates: outcomes for the
KPI targets, and each bought line's lenses for the poor-value check
(``campaigns.planning.value``). docs/planning.md has the rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy import select

from campaigns.brief import BriefSpec, KpiKind
from campaigns.planning import (
    BriefConstraints,
    Candidate,
    LineLenses,
    Plan,
    Reason,
    ValueCheck,
    apply_constraints,
    check_line,
    judge,
)
from campaigns.planning.value import defensible
from marketplace.catalog.models import ChannelAsset
from marketplace.db import SessionLike
from marketplace.matching.records import catalog_features, plan_profile
from marketplace.valuation.services import market_frame
from pricing.valuation.lenses import lens_frame, market_position
from pricing.valuation.schema import Quantiles

#: The KPI kinds the lenses estimate, and a goal whose result is that kind (None: clicks).
RESULT_GOALS: dict[str, str | None] = {
    KpiKind.CLICKS.value: None,
    KpiKind.LEADS.value: "sales_leads",
    KpiKind.ENGAGEMENTS.value: "awareness",
}


def _rows(session: SessionLike, candidates: Sequence[Candidate], currency: str) -> pd.DataFrame:
    """The lens inputs of each candidate (its own reach, which the constraints may have cut)."""
    ids = {c.asset_id for c in candidates if c.asset_id is not None}
    assets = {
        a.id: a for a in session.scalars(select(ChannelAsset).where(ChannelAsset.id.in_(ids)))
    }
    rows: list[dict[str, Any]] = []
    for c in candidates:
        asset = assets.get(c.asset_id) if c.asset_id is not None else None
        rows.append(
            {
                "asset_id": c.asset_id,
                "platform": c.platform.value,
                "placement": c.placement.value,
                "currency": currency,
                "members": float(asset.size or 0) if asset is not None else 0.0,
                "vertical": c.audience.topics[0] if c.audience.topics else None,
                "interaction_mode": str(asset.interaction_mode)
                if asset is not None and asset.interaction_mode
                else None,
                "reach_p10": c.reach.p10,
                "reach_p50": c.reach.p50,
                "reach_p90": c.reach.p90,
                "rate_minor": float(c.rate_minor),
            }
        )
    return pd.DataFrame.from_records(rows)


def _count(value: Any) -> int:
    number = float(value)
    return 0 if math.isnan(number) else int(number + 0.5)


def with_outcomes(
    session: SessionLike, candidates: Sequence[Candidate], spec: BriefSpec
) -> list[Candidate]:
    """The candidates with their expected results for each results KPI of the brief."""
    kinds = [k.kind.value for k in spec.kpis if k.kind.value in RESULT_GOALS]
    if not kinds or not candidates:
        return list(candidates)
    frame = _rows(session, candidates, spec.currency)
    outcomes: list[dict[str, Quantiles]] = [{} for _ in candidates]
    for kind in dict.fromkeys(kinds):
        result = lens_frame(frame.assign(goal=RESULT_GOALS[kind]).drop(columns=["rate_minor"]))
        for i, row in enumerate(result.to_dict("records")):
            low, mid, high = (_count(row[f"outcome_results_{q}"]) for q in ("p10", "p50", "p90"))
            outcomes[i][kind] = Quantiles(min(low, mid), mid, max(high, mid))
    return [replace(c, outcomes=o) for c, o in zip(candidates, outcomes, strict=True)]


def _quantiles(row: dict[str, Any], lens: str) -> Quantiles | None:
    values = [row[f"{lens}_{q}_minor"] for q in ("p10", "p50", "p90")]
    if any(v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    return Quantiles(*(int(v) for v in values))


def _lenses(
    session: SessionLike, candidates: Sequence[Candidate], spec: BriefSpec
) -> list[LineLenses]:
    """Each candidate's two lenses under the brief's goal and worth per result, and its own
    media value (which judges it only where no lens can: a seat at an event)."""
    worth = float(spec.result_worth_minor) if spec.result_worth_minor else math.nan
    frame = _rows(session, candidates, spec.currency).assign(
        goal=spec.goal.value, result_value_minor=worth
    )
    platforms = {c.platform for c in candidates}
    frame = frame.join(market_position(frame, market_frame(session, platforms)))
    result = lens_frame(frame)
    return [
        LineLenses(_quantiles(row, "replacement"), _quantiles(row, "outcome"), c.value_minor)
        for c, row in zip(candidates, result.to_dict("records"), strict=True)
    ]


def value_checks(session: SessionLike, plan: Plan, spec: BriefSpec) -> list[ValueCheck]:
    """Each bought line's value for money under the brief's goal and worth per result."""
    candidates = [line.candidate for line in plan.lines]
    if not candidates:
        return []
    lenses = _lenses(session, candidates, spec)
    return [
        check_line(line.candidate.community_name, line.owner_rate_minor, lens)
        for line, lens in zip(plan.lines, lenses, strict=True)
    ]


def value_tops(
    session: SessionLike,
    candidates: Sequence[Candidate],
    spec: BriefSpec,
    constraints: BriefConstraints | None,
) -> dict[tuple[int, int, str, str], int]:
    """The most each candidate's value defends at P90 (owner rate, minor units), on the
    brief's share of its audience, as the poor-value check will read it once bought: the
    value-for-money floor of the optimiser (``campaigns.planning.floor``)."""
    allowed, _refused = apply_constraints(constraints, candidates)
    if not allowed:
        return {}
    tops = {}
    for c, lens in zip(allowed, _lenses(session, allowed, spec), strict=True):
        top = defensible(lens)
        if top is not None:
            tops[c.line_key] = top.p90
    return tops


def refused_without_rows(
    session: SessionLike,
    community_ids: Sequence[int],
    candidates: Sequence[Candidate],
    constraints: BriefConstraints | None,
) -> tuple[Reason, ...]:
    """Why the brief's rules keep out each shortlisted community that has no row to plan
    (no placement for the goal or the brief's platforms): the optimiser never sees those, yet
    staff should read that the community is outside the brief, not find it silently missing."""
    seen = {c.community_id for c in candidates}
    missing = [i for i in community_ids if i not in seen]
    if not missing or constraints is None:
        return ()
    records = {r.id: r for r in catalog_features(session).records}
    out = []
    for community_id in missing:
        record = records.get(community_id)
        if record is None:
            continue
        verdict = judge(constraints, plan_profile(record), record.name)
        if verdict.reason is not None:
            out.append(verdict.reason)
    return tuple(out)
