"""Media value of a placement: reach and value as P10 / P50 / P90, explained, learning from results.

Pure: numpy and pandas only. The web layer calls:

- :func:`estimate_frame` for many rows at once (a DataFrame, one row per asset x placement type,
  columns as in :class:`InputRow`), and :func:`estimate_at` to explain one row of its output;
- :func:`estimate_row` for one asset's placement (a mapping with the same keys);
- :func:`fair_price` to judge a rate card against an estimate;
- :func:`explain` / :data:`LABELS` for "why this number" in Hebrew and English;
- :func:`calibrate` with delivered results, then pass the state to the estimate functions;
- :func:`load_priors` / :func:`priors_from_tables` for the benchmark tables an admin edits.
"""

from pricing.valuation.calibration import (
    CalibrationReport,
    calibrate,
    calibration_report,
    group_table,
    state_from_frames,
    state_to_frames,
)
from pricing.valuation.explain import LABELS, explain, label
from pricing.valuation.fair_price import FairPrice, Verdict, fair_price
from pricing.valuation.model import estimate_at, estimate_frame
from pricing.valuation.priors import (
    DATA_DIR,
    Priors,
    PriorsError,
    default_priors,
    load_priors,
    priors_from_tables,
    read_tables,
)
from pricing.valuation.reference import estimate_reference, estimate_row
from pricing.valuation.schema import (
    FACTOR_KEYS,
    INPUT_COLUMNS,
    NO_CALIBRATION,
    AssetAdjustment,
    Basis,
    CalibrationState,
    Estimate,
    Factor,
    GroupAdjustment,
    InputRow,
    Quantiles,
    Reason,
    Status,
    to_minor_units,
)

__all__ = [
    "DATA_DIR",
    "FACTOR_KEYS",
    "INPUT_COLUMNS",
    "LABELS",
    "NO_CALIBRATION",
    "AssetAdjustment",
    "Basis",
    "CalibrationReport",
    "CalibrationState",
    "Estimate",
    "Factor",
    "FairPrice",
    "GroupAdjustment",
    "InputRow",
    "Priors",
    "PriorsError",
    "Quantiles",
    "Reason",
    "Status",
    "Verdict",
    "calibrate",
    "calibration_report",
    "default_priors",
    "estimate_at",
    "estimate_frame",
    "estimate_reference",
    "estimate_row",
    "explain",
    "fair_price",
    "group_table",
    "label",
    "load_priors",
    "priors_from_tables",
    "read_tables",
    "state_from_frames",
    "state_to_frames",
    "to_minor_units",
]
