"""The bulk demo catalog: the fast loader writes the very rows the import's insert path writes."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask
from sqlalchemy import DateTime, delete, func, select, text

from marketplace.auth.models import User
from marketplace.catalog import bulk, demo, services
from marketplace.catalog.cache import catalog_version
from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    MetricSnapshot,
    RateCard,
)
from marketplace.extensions import db

TABLES = (Community, ChannelAsset, RateCard, MetricSnapshot, AudienceShare, CommunityFacet)


def snapshot(session: Any) -> dict[str, str]:
    """A hash of each catalog table's rows, ids made relative and times left out.

    Times (created, updated, listed at) are whenever the rows were written; whether a listing
    has a listed time is kept.
    """
    first_community = session.scalar(select(Community.id).order_by(Community.id).limit(1))
    first_asset = session.scalar(select(ChannelAsset.id).order_by(ChannelAsset.id).limit(1))
    relative = {"community_id": first_community, "asset_id": first_asset}
    hashes = {}
    for model in TABLES:
        table = model.__table__
        own = {Community: first_community, ChannelAsset: first_asset}.get(model)
        rows = []
        for row in session.execute(select(table)).mappings():
            values = []
            for column in table.columns:
                value = row[column.name]
                if isinstance(getattr(column.type, "impl", column.type), DateTime):
                    value = value is None
                elif column.name == "id":
                    value = None if own is None else value - own
                elif column.name in relative and value is not None:
                    value = value - relative[column.name]
                values.append(repr(value))
            rows.append("|".join(values))
        hashes[table.name] = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
        assert rows, f"{table.name} is empty"
    return hashes


def reference_load(session: Any, owners: list[User], count: int, seed: int) -> None:
    """The path seed-demo took before the fast loader: ORM objects, INSERT … RETURNING."""
    batch = []
    for n, spec in enumerate(demo.generate(count, seed=seed, history=2), start=1):
        community = spec.community
        batch.append((community, owners[n % len(owners)].id, services.compute_derived(community)))
    bulk.insert_communities(session, batch)


def test_the_bulk_demo_catalog_equals_the_insert_paths_rows(app: Flask, make_user: Any) -> None:
    owners = [make_user("owner"), make_user("owner"), make_user("owner")]
    with app.app_context():
        session = db.session
        people = [session.get(User, o.id) for o in owners]
        reference_load(session, people, 60, seed=11)
        session.commit()
        expected = snapshot(session)
        for model in reversed(TABLES):
            session.execute(delete(model))
        session.commit()

        before = catalog_version(session)
        demo.seed_bulk(session, people, 60, seed=11)
        session.commit()
        assert snapshot(session) == expected
        assert catalog_version(session) != before  # the load moved the version once


def test_the_bulk_load_leaves_the_version_triggers_working(app: Flask, make_user: Any) -> None:
    owner = make_user("owner")
    with app.app_context():
        session = db.session
        demo.seed_bulk(session, [session.get(User, owner.id)], 5)
        session.commit()
        version = catalog_version(session)
        # The sequences moved past the loaded ids, and an ordinary write moves the version.
        community = session.scalars(select(Community).limit(1)).one()
        session.add(ChannelAsset(community_id=community.id, platform=community.assets[0].platform))
        session.execute(text("UPDATE communities SET city = 'חיפה'"))
        session.commit()
        assert catalog_version(session) != version


def _indexes(session: Any) -> list[tuple[str, str]]:
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
    return sorted((str(name), str(sql)) for name, sql in session.execute(text(query)))


def test_the_bulk_load_builds_its_indexes_and_the_search_index_again(
    app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        session = db.session
        demo.seed_bulk(session, [session.get(User, owner.id)], 20, seed=3)  # some rows first
        session.commit()
        before = _indexes(session)
        demo.seed_bulk(session, [session.get(User, owner.id)], 40, seed=5)
        session.commit()
        assert _indexes(session) == before  # every index and trigger is back, as it was
        total = session.scalar(select(func.count(Community.id)))
        word = "קהילה"  # in every Hebrew demo description
        with_word = session.scalar(
            select(func.count(Community.id)).where(Community.search_text.contains(word))
        )
        if session.get_bind().dialect.name == "postgresql":
            query = (
                "SELECT count(*) FROM communities WHERE search_vector @@ to_tsquery('simple', :w)"
            )
        else:
            query = "SELECT count(*) FROM community_search WHERE community_search MATCH :w"
        assert 0 < with_word < total  # English-only ones lack it
        assert session.scalar(text(query), {"w": word}) == with_word
