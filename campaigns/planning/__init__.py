"""The media-plan optimiser: from a curated shortlist and a budget to an optimal plan.

Pure: numpy and scipy (``scipy.optimize.milp``, the HiGHS solver). The web layer calls:

- :func:`optimise` with a :class:`PlanInput` (the :class:`Candidate` rows, the budget in
  brand-price minor units, :class:`PlanSettings`) and gets a :class:`Plan`: the lines, cost,
  owner payout, agency margin, deduplicated reach and value P10/P50/P90, and, when nothing can
  be bought, ``reasons`` that name the rule and what to relax (:func:`explain` renders them);
- :func:`what_if` to re-solve at another budget ("20% more") and compare;
- :func:`estimate_overlap` to show how much two communities are thought to share;
- :func:`constraints_of` for the brief's places, languages and audience as plan rules
  (``PlanInput.constraints``; :func:`judge` per community), :func:`kpi_outlook` for the KPI
  targets beside the plan and the budget that would meet them, :func:`check_line` /
  :func:`check_plan` for poor value for money and the negotiating target.

The formulation, the overlap estimate and the defaults are in docs/planning.md.
"""

from campaigns.planning.constraints import apply_constraints, constraints_of, judge
from campaigns.planning.explain import describe_constraints, explain, format_money
from campaigns.planning.floor import Floored, within_value
from campaigns.planning.formulation import fit_weight, margin_minor
from campaigns.planning.kpis import KpiOutlook, budget_for, kpi_outlook, unspent_note
from campaigns.planning.optimise import optimise, scaled_budget, what_if
from campaigns.planning.overlap import estimate_overlap
from campaigns.planning.types import (
    DEFAULT_MARGIN_BP,
    NOTE_CODES,
    AudienceProfile,
    BriefConstraints,
    Candidate,
    ModelSize,
    OverlapSettings,
    Plan,
    PlanInput,
    PlanInputError,
    PlanLine,
    PlanSettings,
    PlanStatus,
    Reason,
    ReasonCode,
    WhatIf,
)
from campaigns.planning.value import LineLenses, ValueCheck, check_line, check_plan
from pricing.valuation.schema import Quantiles

__all__ = [
    "DEFAULT_MARGIN_BP",
    "Floored",
    "NOTE_CODES",
    "AudienceProfile",
    "BriefConstraints",
    "Candidate",
    "KpiOutlook",
    "LineLenses",
    "ModelSize",
    "OverlapSettings",
    "Plan",
    "PlanInput",
    "PlanInputError",
    "PlanLine",
    "PlanSettings",
    "PlanStatus",
    "Quantiles",
    "Reason",
    "ReasonCode",
    "ValueCheck",
    "WhatIf",
    "apply_constraints",
    "budget_for",
    "check_line",
    "check_plan",
    "constraints_of",
    "describe_constraints",
    "estimate_overlap",
    "explain",
    "fit_weight",
    "format_money",
    "judge",
    "kpi_outlook",
    "unspent_note",
    "margin_minor",
    "optimise",
    "scaled_budget",
    "what_if",
    "within_value",
]
