"""A campaign's results: the figures placements are measured in, and the results over them.

Pure: DataFrames in, DataFrames out; the web side loads the rows and renders what comes back.
"""

from campaigns.results.compute import (
    ADDITIVE,
    BRAND_FIELDS,
    KPI_MEASURES,
    STAFF_ONLY,
    KpiResult,
    calibration_rows,
    kpi_results,
    placement_results,
    rollup,
    rollups,
    without_staff_columns,
)
from campaigns.results.figures import (
    CLOSED_REACH_FACTOR,
    METRIC_CAP_FACTORS,
    OPEN_REACH_FACTOR,
    OWNER_TIERS,
    RESULT_METRICS,
    ResultMetric,
    date_problem,
    figure_ceiling,
    figure_problem,
    reach_factor,
)
from campaigns.results.pulse import MIN_PULSE_ANSWERS, pulse_summary

__all__ = [
    "ADDITIVE",
    "BRAND_FIELDS",
    "CLOSED_REACH_FACTOR",
    "KPI_MEASURES",
    "METRIC_CAP_FACTORS",
    "MIN_PULSE_ANSWERS",
    "OPEN_REACH_FACTOR",
    "OWNER_TIERS",
    "RESULT_METRICS",
    "STAFF_ONLY",
    "KpiResult",
    "ResultMetric",
    "calibration_rows",
    "date_problem",
    "figure_ceiling",
    "figure_problem",
    "kpi_results",
    "placement_results",
    "pulse_summary",
    "reach_factor",
    "rollup",
    "rollups",
    "without_staff_columns",
]
