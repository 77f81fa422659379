"""The matching feature's job kind: rebuild the ranking features when the catalog moves.

Registered by the app factory (`marketplace/features.py`). The request path asks for it
(marketplace/matching/records.py, one job per catalog version by its key); the job writes a
file artifact and nothing through its session, so a retry simply writes it again.
"""

from __future__ import annotations

import time
from typing import Any

from flask_babel import gettext as _

from campaigns.matching.store import newest_version
from marketplace.catalog.cache import catalog_version
from marketplace.jobs import JobContext, job
from marketplace.matching.records import REBUILD_KIND, features_dir, rebuild_features


@job(REBUILD_KIND, max_attempts=3)
def rebuild(ctx: JobContext) -> dict[str, Any]:
    """Build and store the features of the current catalog, unless a newer artifact exists."""
    directory = features_dir(ctx.app)
    stored = newest_version(directory)
    current = catalog_version(ctx.session)
    if stored is not None and current is not None and stored >= current:
        return {"version": stored, "skipped": True}
    ctx.progress(5, _("Reading the catalog"))
    start = time.perf_counter()
    rebuilt = rebuild_features(ctx.session, directory)
    return {
        "version": rebuilt.version,
        "communities": len(rebuilt.features),
        "recounted": rebuilt.recounted,
        "seconds": round(time.perf_counter() - start, 3),
    }
