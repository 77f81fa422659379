"""The media-plan optimiser: from a curated shortlist and a budget to an optimal plan.

Pure: numpy and scipy (``scipy.optimize.milp``, the HiGHS solver). The web layer calls:

- :func:`optimise` with a :class:`PlanInput` (the :class:`Candidate` rows, the budget in
  brand-price minor units, :class:`PlanSettings`) and gets a :class:`Plan`: the lines, cost,
  owner payout, agency margin, deduplicated reach and value P10/P50/P90, and, when nothing can
  be bought, ``reasons`` that name the rule and what to relax (:func:`explain` renders them);
- :func:`what_if` to re-solve at another budget ("20% more") and compare;
- :func:`estimate_overlap` to show how much two communities are thought to share.

The formulation, the overlap estimate and the defaults are in docs/planning.md.
"""

from campaigns.planning.explain import explain, format_money
from campaigns.planning.formulation import fit_weight, margin_minor
from campaigns.planning.optimise import optimise, scaled_budget, what_if
from campaigns.planning.overlap import estimate_overlap
from campaigns.planning.types import (
    DEFAULT_MARGIN_BP,
    NOTE_CODES,
    AudienceProfile,
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
from pricing.valuation.schema import Quantiles

__all__ = [
    "DEFAULT_MARGIN_BP",
    "NOTE_CODES",
    "AudienceProfile",
    "Candidate",
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
    "WhatIf",
    "estimate_overlap",
    "explain",
    "fit_weight",
    "format_money",
    "margin_minor",
    "optimise",
    "scaled_budget",
    "what_if",
]
