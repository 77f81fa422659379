"""A brand's brief as the engines see it: pure data, parsed and checked without Flask.

The web form, the API and ``flask match BRIEF.json`` all build a :class:`BriefSpec` through
:func:`parse_brief`, so a brief means the same thing wherever it comes from. Problems are
collected (not raised one at a time) so a form or a JSON file can show every one of them.

The modules: ``spec`` (the vocabularies, :class:`BriefSpec` and the fields table), ``draft``
(the brief as JSON and as a cleaned draft) and ``parse`` (:func:`parse_brief`, problems and KPI
warnings). Callers import this package, not its modules.

Money is integer minor units (agorot for ILS). Rates and shares are basis points
(10,000 = 100%).
"""

from campaigns.brief.draft import (
    brief_json,
    brief_to_dict,
    clean_draft,
)
from campaigns.brief.parse import (
    BriefInvalid,
    KpiWarning,
    Problem,
    kpi_warnings,
    parse_brief,
)
from campaigns.brief.spec import (
    AUDIENCE_DIMENSIONS,
    BRIEF_FIELDS,
    FIELD_NAMES,
    GOAL_PLACEMENTS,
    MAX_BUDGET_MINOR,
    MAX_KPI_COUNT,
    MAX_MESSAGE,
    RATE_KPIS,
    BriefField,
    BriefSpec,
    FieldKind,
    Goal,
    Kpi,
    KpiKind,
    RegulatedCategory,
)

__all__ = [
    "AUDIENCE_DIMENSIONS",
    "BRIEF_FIELDS",
    "FIELD_NAMES",
    "GOAL_PLACEMENTS",
    "MAX_BUDGET_MINOR",
    "MAX_KPI_COUNT",
    "MAX_MESSAGE",
    "RATE_KPIS",
    "BriefField",
    "BriefInvalid",
    "BriefSpec",
    "FieldKind",
    "Goal",
    "Kpi",
    "KpiKind",
    "KpiWarning",
    "Problem",
    "RegulatedCategory",
    "brief_json",
    "brief_to_dict",
    "clean_draft",
    "kpi_warnings",
    "parse_brief",
]
