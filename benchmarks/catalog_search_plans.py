"""Benchmark: the PostgreSQL page statement of the search mix, as the server runs it.

For each search of catalog_search.py's mix (a brand's: every word × maybe a platform, a region
and a size band), the results list's statement is built as the app builds it (the plan chosen by
the planner's estimate, `listing.estimated_matches`) and run under `EXPLAIN (ANALYZE)`; prints
the server's time (execution + planning) as mean, p50, p95, p99 and max, by plan, and the
slowest searches with the estimate that chose their plan. Other processes' load inflates the
times, so compare two checkouts run back to back on the same catalog.

    .venv/bin/python benchmarks/catalog_search_plans.py --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import random
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from catalog_search import search_mix, vocabulary

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL catalog's URL")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--slowest", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from werkzeug.datastructures import MultiDict

    from marketplace.auth.models import Role, User
    from marketplace.catalog import listing, search
    from marketplace.catalog.fulltext import tsquery
    from marketplace.catalog.models import ListingStatus

    paths = search_mix(vocabulary(args.database_url), args.searches * 2 + 300)
    random.Random(5).shuffle(paths)  # the same searches as catalog_search_cpu.py's
    brand = User(role=Role.BRAND)
    engine = create_engine(args.database_url)
    timed: list[tuple[float, bool, float, str]] = []
    with Session(engine) as session:
        for path in paths[300 : 300 + args.searches]:
            query = MultiDict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
            params = search.SearchParams.from_args(query)
            words = tsquery(params.q)
            if words is None:
                continue
            facets = search.facet_tsquery(params, brand)
            values: dict[str, Any] = {"limit": params.per_page + 1, "words": words}
            values["listed"] = ListingStatus.LISTED.value
            if facets:
                values["facets"] = facets
            estimate = listing.estimated_matches(session, words, facets)
            few = estimate < search.FEW_MATCHES
            sql = listing._postgresql_sql(True, False, few, bool(facets))  # noqa: SLF001
            plan: Any = (
                session.connection()
                .exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, values)
                .scalar()
            )
            took = float(plan[0]["Execution Time"]) + float(plan[0]["Planning Time"])
            timed.append((took, few, estimate, path))
    engine.dispose()
    timed.sort()

    def summary(rows: list[tuple[float, bool, float, str]]) -> str:
        if not rows:
            return "none"
        ms = [row[0] for row in rows]

        def at(p: float) -> float:
            return ms[int(p * (len(ms) - 1))]

        return (
            f"{len(ms)} searches, mean {sum(ms) / len(ms):.2f} ms, p50 {at(0.5):.2f}, "
            f"p95 {at(0.95):.2f}, p99 {at(0.99):.2f}, max {ms[-1]:.2f}"
        )

    print("all:        ", summary(timed))
    print("few plan:   ", summary([row for row in timed if row[1]]))
    print("many plan:  ", summary([row for row in timed if not row[1]]))
    for took, few, estimate, path in timed[-args.slowest :]:
        name = "few" if few else "many"
        print(f"{took:8.1f} ms  {name:<4} est. {estimate:7.0f}  {urllib.parse.unquote(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
