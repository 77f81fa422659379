"""Insert many new communities at once: batched INSERT ... RETURNING instead of the ORM's flush.

Used by the catalog import (for communities that are new) and by the benchmark demo catalog.
The input objects only need the attributes of the models (transient ORM objects or simple
namespaces both do); ids come back from the database, so sequences stay right on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert

from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    MetricSnapshot,
    RateCard,
)
from marketplace.db import SessionLike

BATCH = 2_000


def _row(model: Any, obj: Any, fixed: dict[str, Any]) -> dict[str, Any]:
    """A complete parameter row: the object's values, else the column's Python default."""
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        key = column.key
        if key == "id":
            continue
        if key in fixed:
            row[key] = fixed[key]
            continue
        value = getattr(obj, key, None)
        if value is None and column.default is not None:
            default = column.default.arg
            value = default(None) if callable(default) else default
        row[key] = value
    return row


def _insert_returning_ids(
    session: SessionLike, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids.extend(session.scalars(statement, rows[start : start + BATCH]).all())
    return ids


def _insert(session: SessionLike, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def insert_communities(
    session: SessionLike,
    items: Sequence[tuple[Any, int, Iterable[tuple[str, str]]]],
    *,
    created_by_id: int | None = None,
) -> list[int]:
    """Insert (community, owner id, facets) triples with their assets, rates, figures, audience.

    Derived fields (totals, search text) must already be set on the communities.
    """
    community_ids = _insert_returning_ids(
        session, Community, [_row(Community, c, {"owner_id": owner}) for c, owner, _f in items]
    )
    assets = [
        (asset, community_id)
        for (community, _owner, _facets), community_id in zip(items, community_ids, strict=True)
        for asset in community.assets
    ]
    asset_ids = _insert_returning_ids(
        session, ChannelAsset, [_row(ChannelAsset, a, {"community_id": cid}) for a, cid in assets]
    )
    _insert(
        session,
        RateCard,
        [
            _row(RateCard, rate, {"asset_id": asset_id})
            for (asset, _cid), asset_id in zip(assets, asset_ids, strict=True)
            for rate in asset.rates
        ],
    )
    _insert(
        session,
        MetricSnapshot,
        [
            _row(MetricSnapshot, metric, {"asset_id": asset_id, "created_by_id": created_by_id})
            for (asset, _cid), asset_id in zip(assets, asset_ids, strict=True)
            for metric in asset.metrics
        ],
    )
    _insert(
        session,
        AudienceShare,
        [
            _row(AudienceShare, share, {"community_id": community_id})
            for (community, _o, _f), community_id in zip(items, community_ids, strict=True)
            for share in community.audience
        ],
    )
    _insert(
        session,
        CommunityFacet,
        [
            {"community_id": community_id, "facet": facet, "value": value}
            for (_c, _o, facets), community_id in zip(items, community_ids, strict=True)
            for facet, value in sorted(facets)
        ],
    )
    return community_ids
