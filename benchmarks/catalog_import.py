"""Benchmark: import 10,000 communities (with their channels, rates and figures) from a CSV file.

Builds the file from the demo generator (about 19,000 channel rows), then times, on a fresh
migrated SQLite database, the whole import as staff run it: decode, parse, check every row
against the rules and the database, write everything in one transaction. The baseline in the
same run is the floor of merely reading the same file with the standard csv module. Exits 1
when the goal (10,000 communities in <= 30 s) is missed.

    .venv/bin/python benchmarks/catalog_import.py [--communities 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=10_000)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from marketplace import create_app
    from marketplace.auth.models import Role, User
    from marketplace.catalog import demo, exports, imports
    from marketplace.catalog.models import ChannelAsset, Community, MetricSnapshot
    from marketplace.extensions import db

    owners = [f"owner{n}@community.example.com" for n in range(50)]
    rows = []
    for n, spec in enumerate(demo.generate(args.communities, seed=23, history=1)):
        rows.extend(exports.community_rows(spec.community, owners[n % len(owners)]))
    data = exports.export_file(rows, "csv", hebrew_headers=True)
    print(f"file: {len(rows):,} channel rows of {args.communities:,} communities, "
          f"{len(data) / 1024 / 1024:.1f} MB, Hebrew headers, UTF-8 with BOM")  # fmt: skip

    started = time.perf_counter()
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    baseline = time.perf_counter() - started
    assert len(parsed) == len(rows) + 1

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'import.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARGON2_MEMORY_COST": 8,
                          "ARGON2_TIME_COST": 1})  # fmt: skip
        with app.app_context(), app.test_request_context():
            upgrade()
            staff = User(email="staff@kesher.example.com", display_name="Staff", role=Role.STAFF,
                         password_hash="x")  # noqa: S106  # fmt: skip
            db.session.add(staff)
            db.session.add_all(
                User(email=e, display_name=e, role=Role.OWNER, password_hash="-")  # noqa: S106
                for e in owners
            )
            db.session.commit()

            started = time.perf_counter()
            plan = imports.plan_import(db.session, data, "catalog.csv", actor=staff)
            checked = time.perf_counter() - started
            assert plan.ok, plan.problems[:5]
            imports.apply_import(db.session, plan, actor=staff)
            db.session.commit()
            total = time.perf_counter() - started

            counts = {
                model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Community, ChannelAsset, MetricSnapshot)
            }
            again = imports.plan_import(db.session, data, "catalog.csv", actor=staff)
            assert again.summary["new_communities"] == 0
            assert again.summary["new_figures"] == 0
            db.session.rollback()
            db.engine.dispose()

    print(f"imported: {counts}")
    print(f"{'read the CSV (baseline)':<32}{baseline:>8.2f} s")
    print(f"{'decode + parse + check':<32}{checked:>8.2f} s")
    print(f"{'whole import (check + write)':<32}{total:>8.2f} s   {total / baseline:.0f}x baseline")
    ok = total <= 30 * args.communities / 10_000
    print(f"goal: 10,000 communities in <= 30 s: {'MET' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
