"""Valuation use-cases: build the engine's input from the catalog, estimate, store, present.

Estimates are recomputed whenever a listing's figures change (`catalog.services.refresh_derived`
calls :func:`refresh_estimates`) and in bulk by ``flask --app marketplace pricing recompute``
(`catalog.services.revalue`, which refreshes the value facets after each batch). The bulk
catalog import and the benchmark seeding leave them to the command: one engine call per batch
of thousands of communities is far cheaper than one per community.

The catalog calls this package, never the other way round: valuation reads the catalog's tables
(`catalog.models`) and writes the estimates and the communities' value sort keys; what the
catalog derives from them (facets, search) is the catalog's step, run after valuation.

Every function takes the session explicitly and flushes; the caller commits once. The modules:
`inputs` (the engine's input), `tables` (the benchmark tables admins edit), `calibration`
(realised reach and what it teaches), `market` (the three lenses), `estimates` (compute and
store), `presenting` (what pages and the API show).
"""

from marketplace.valuation.services.calibration import (
    ReachCoverage,
    current_calibration,
    estimate_input,
    reach_coverage,
    record_realised_reach,
)
from marketplace.valuation.services.estimates import (
    BATCH,
    ESTIMATE_FAILED,
    Computed,
    compute,
    estimate_communities,
    estimate_community,
    estimates_by_asset,
    failed,
    listed_ids,
    load_communities,
    refresh_estimates,
    store,
)
from marketplace.valuation.services.inputs import (
    DEFAULT_PLACEMENTS,
    default_placement,
    estimate_inputs,
)
from marketplace.valuation.services.market import lenses_for, market_frame
from marketplace.valuation.services.presenting import (
    estimate_json,
    members_used,
    present,
    reason_text,
)
from marketplace.valuation.services.tables import (
    MODEL_KEY,
    active_priors,
    active_version,
    create_version,
    current_texts,
    download_csv,
    make_active,
    parse_table,
    priors_from_texts,
    shipped_texts,
    table_names,
    version_priors,
)

__all__ = [
    "BATCH",
    "Computed",
    "DEFAULT_PLACEMENTS",
    "ESTIMATE_FAILED",
    "MODEL_KEY",
    "ReachCoverage",
    "active_priors",
    "active_version",
    "compute",
    "create_version",
    "current_calibration",
    "current_texts",
    "default_placement",
    "download_csv",
    "estimate_communities",
    "estimate_community",
    "estimate_input",
    "estimate_inputs",
    "estimate_json",
    "estimates_by_asset",
    "failed",
    "lenses_for",
    "listed_ids",
    "load_communities",
    "make_active",
    "market_frame",
    "members_used",
    "parse_table",
    "present",
    "priors_from_texts",
    "reach_coverage",
    "reason_text",
    "record_realised_reach",
    "refresh_estimates",
    "shipped_texts",
    "store",
    "table_names",
    "version_priors",
]
