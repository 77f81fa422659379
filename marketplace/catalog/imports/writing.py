"""Writing a checked import in one transaction: new communities in bulk, the others updated."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.catalog import bulk, services, vocab
from marketplace.catalog.columns import COMMUNITY_COLUMNS, LIST_COLUMNS
from marketplace.catalog.imports.checking import (
    ImportedAsset,
    ImportedCommunity,
    ImportPlan,
    existing_communities,
)
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    ListingStatus,
    MetricSnapshot,
    RateCard,
)
from marketplace.db import SessionLike, utcnow
from pricing.taxonomy import MetricKind

# --- applying ------------------------------------------------------------------------------


def apply_import(session: SessionLike, plan: ImportPlan, *, actor: User) -> dict[str, int]:
    """Write a problem-free plan: everything or, on any error, nothing (the caller commits)."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    owners = {
        user.email: user
        for user in session.scalars(
            select(User).where(User.email.in_({r.owner_email for r in plan.communities}))
        )
    }
    existing = existing_communities(session, [r.key for r in plan.communities])
    now = utcnow()
    new = [record for record in plan.communities if record.key not in existing]
    # New communities go in through batched INSERT ... RETURNING: the ORM's unit of work
    # costs several times more for tens of thousands of rows.
    fresh = [_new_community(record, now, actor) for record in new]
    bulk.insert_communities(
        session,
        [
            (c, owners[r.owner_email].id, services.compute_derived(cast(Community, c)))
            for c, r in zip(fresh, new, strict=True)
        ],
        created_by_id=actor.id,
    )
    touched: list[Community] = []
    # One flush at the end lets SQLAlchemy batch the updates of each table.
    with session.no_autoflush:
        for record in plan.communities:
            community = existing.get(record.key)
            if community is None:
                continue
            for column, value in record.fields.items():
                setattr(community, column, (value or None) if column.startswith("name_") else value)
            if community.status != record.status:
                community.status = record.status
                if record.status == ListingStatus.LISTED and community.listed_at is None:
                    community.listed_at = now
            assets = {a.url_key: a for a in community.assets if a.url_key}
            for item in record.assets:
                asset = assets.get(item.url_key) if item.url_key else None
                if asset is None:
                    asset = ChannelAsset(platform=item.platform)
                    community.assets.append(asset)
                _apply_asset(asset, item, actor)
            touched.append(community)
        # Derived fields before the flush, so each row is written once in its final form.
        facets = [services.compute_derived(community) for community in touched]
    session.flush()
    services.write_facets(session, touched, facets)
    return {
        "communities": len(plan.communities),
        "assets": sum(len(r.assets) for r in plan.communities),
    }


def _new_community(record: ImportedCommunity, now: Any, actor: User) -> SimpleNamespace:
    """A plain object with a new community's columns, assets, rates and first figures."""
    fields: dict[str, Any] = dict.fromkeys(COMMUNITY_COLUMNS, "")
    fields.update({column: [] for column in LIST_COLUMNS})
    fields.update(record.fields)
    for column in ("name_he", "name_en"):
        fields[column] = fields[column] or None
    fields.pop("owner_email", None)
    fields.pop("status", None)
    defaults = {"region": "nationwide", "audience_kind": "b2c", "admission": "open",
                "monetisation_experience": "none"}  # fmt: skip
    for column, default in defaults.items():
        fields[column] = fields[column] or default
    fields["disclosure_wording"] = fields["disclosure_wording"] or vocab.DEFAULT_DISCLOSURE
    listed = record.status in (ListingStatus.LISTED, ListingStatus.PAUSED)
    community = SimpleNamespace(
        external_key=record.key, status=record.status, listed_at=now if listed else None,
        audience=[], assets=[], **fields,
    )  # fmt: skip
    for item in record.assets:
        metrics = [
            SimpleNamespace(
                id=None,
                kind=kind,
                value=value,
                observed_on=item.as_of,
                tier=int(item.tier),
                source=item.source or "Catalog import",
            )  # fmt: skip
            for kind, value in [(MetricKind.MEMBERS, float(item.size)), *item.metrics.items()]
        ]
        rates = [
            SimpleNamespace(placement=placement, amount_minor=amount, currency=currency)
            for placement, (amount, currency) in item.rates.items()
        ]
        community.assets.append(
            SimpleNamespace(
                platform=item.platform,
                url=item.url,
                url_key=item.url_key,
                handle=item.handle,
                size=item.size,
                interaction_mode=item.interaction_mode,
                posts_per_week=item.posts_per_week,
                rates=rates,
                metrics=metrics,
            )  # fmt: skip
        )
    return community


def _apply_asset(asset: ChannelAsset, item: ImportedAsset, actor: User) -> None:
    asset.platform = item.platform
    asset.url, asset.url_key, asset.handle = item.url, item.url_key, item.handle
    asset.interaction_mode = item.interaction_mode
    asset.posts_per_week = item.posts_per_week
    current = {rate.placement: rate for rate in asset.rates}
    for placement, (amount, currency) in item.rates.items():
        rate = current.get(placement)
        if rate is None:
            asset.rates.append(
                RateCard(placement=placement, amount_minor=amount, currency=currency)
            )
        else:
            rate.amount_minor, rate.currency = amount, currency
    for kind, value in [(MetricKind.MEMBERS, float(item.size)), *item.metrics.items()]:
        previous = services.latest_metric(asset, kind) if asset.id else None
        if previous is not None and previous.value == value and previous.observed_on == item.as_of:
            continue  # the same figure again: history stays as it is
        asset.add_metric(  # the one writer of the member count keeps `size` in step
            MetricSnapshot(
                kind=kind,
                value=value,
                observed_on=item.as_of,
                tier=int(item.tier),
                source=item.source or "Catalog import",
                created_by_id=actor.id,
            )  # fmt: skip
        )
