"""Export the catalog as CSV, XLSX or JSON, in the columns the import reads back unchanged."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import selectinload

from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.catalog import services
from marketplace.catalog.columns import (
    COLUMNS,
    COMMUNITY_COLUMNS,
    FORMAT_NAME,
    FORMAT_VERSION,
    LIST_COLUMNS,
    METRIC_COLUMNS,
    RATE_COLUMNS,
)
from marketplace.catalog.models import ChannelAsset, Community
from marketplace.db import SessionLike
from pricing.money import Money
from pricing.taxonomy import RATE_METRICS, EvidenceTier, MetricKind


def export_rows(session: SessionLike, *, actor: User) -> list[dict[str, Any]]:
    """Every visible community's assets as flat rows of canonical columns (latest figures)."""
    query = (
        services.visible_communities(actor)
        .order_by(Community.id)
        .options(
            selectinload(Community.owner),
            selectinload(Community.assets).selectinload(ChannelAsset.rates),
            selectinload(Community.assets).selectinload(ChannelAsset.metrics),
        )
    )
    rows: list[dict[str, Any]] = []
    for community in session.scalars(query):
        rows.extend(community_rows(community, community.owner.email))
    return rows


def community_rows(community: Community, owner_email: str) -> list[dict[str, Any]]:
    """One community as flat rows, one per asset, in canonical columns."""
    base: dict[str, Any] = {
        "community_key": community.external_key or f"kesher-{community.id}",
        "owner_email": owner_email,
        "status": community.status.value,
    }
    for column in COMMUNITY_COLUMNS:
        if column in ("owner_email", "status"):
            continue
        value = getattr(community, column)
        base[column] = ", ".join(value or []) if column in LIST_COLUMNS else (value or "")
    rows = []
    for asset in community.assets:
        row = dict(base)
        members = services.latest_metric(asset, MetricKind.MEMBERS)
        row.update(
            platform=asset.platform.value, url=asset.url, handle=asset.handle, size=asset.size,
            interaction_mode=asset.interaction_mode.value,
            posts_per_week=asset.posts_per_week if asset.posts_per_week is not None else "",
            as_of=(members.observed_on if members else date.today()).isoformat(),
            evidence=EvidenceTier(members.tier).slug if members else "self_reported",
            source=members.source if members else "",
        )  # fmt: skip
        currencies = {rate.currency for rate in asset.rates}
        row["currency"] = currencies.pop() if len(currencies) == 1 else ""
        for rate in asset.rates:
            amount = Money(rate.amount_minor, rate.currency).as_decimal()
            row[f"rate_{rate.placement.value}"] = str(amount)
        for column, kind in METRIC_COLUMNS.items():
            latest = services.latest_metric(asset, kind)
            if latest is not None:
                value = latest.value * 100 if kind in RATE_METRICS else latest.value
                row[column] = int(value) if float(value).is_integer() else round(value, 4)
        rows.append(row)
    return rows


def export_file(rows: list[dict[str, Any]], fmt: str, *, hebrew_headers: bool = False) -> bytes:
    """Write rows as CSV (UTF-8 with BOM, for Excel), XLSX or JSON (formula-like cells escaped)."""
    columns = list(COLUMNS)
    header = [COLUMNS[c][1 if hebrew_headers else 0] for c in columns]
    if fmt == "json":
        return json.dumps(_nest(rows), ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        return spreadsheet.write_csv(header, ([row.get(c, "") for c in columns] for row in rows))
    if fmt == "xlsx":
        return spreadsheet.write_xlsx(
            header, ([row.get(c, "") for c in columns] for row in rows), title="Kesher catalog"
        )
    raise ValueError(f"unknown export format {fmt!r}")


def _nest(rows: list[dict[str, Any]]) -> dict[str, Any]:
    communities: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["community_key"]
        if key not in communities:
            entry: dict[str, Any] = {"community_key": key}
            for column in COMMUNITY_COLUMNS:
                value = row.get(column, "")
                if column in LIST_COLUMNS:
                    value = [v.strip() for v in str(value).split(",") if v.strip()]
                entry[column] = value
            entry["assets"] = []
            communities[key] = entry
        asset: dict[str, Any] = {
            "platform": row["platform"], "url": row["url"], "handle": row["handle"],
            "size": row["size"], "interaction_mode": row["interaction_mode"],
            "posts_per_week": row.get("posts_per_week") or None,
            "currency": row.get("currency") or None,
            "as_of": row["as_of"], "evidence": row["evidence"], "source": row.get("source", ""),
            "rates": {c.removeprefix("rate_"): row[c] for c in RATE_COLUMNS if row.get(c)},
            "metrics": {c: row[c] for c in METRIC_COLUMNS if row.get(c) not in (None, "")},
        }  # fmt: skip
        communities[key]["assets"].append(asset)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "communities": list(communities.values()),
    }
