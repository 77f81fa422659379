"""The catalog as the matching engine sees it: one CommunityRecord per listed community.

Read in a handful of set-based queries (never one per community). The features built from
them are stored by a job (``matching.rebuild_features``) under the catalog's version (see
marketplace.catalog.cache) and only loaded on the request path (:class:`FeatureCache`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask, current_app
from sqlalchemy import Text, select, text, type_coerce
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from campaigns.brief import RegulatedCategory
from campaigns.matching import CatalogFeatures, CommunityRecord, PlacementOffer, build_features
from campaigns.matching.features import build_catalog
from campaigns.matching.places import community_cities
from campaigns.matching.store import load_features, load_rows, newest_version, save_features
from campaigns.planning import AudienceProfile
from marketplace.catalog import prices
from marketplace.catalog.bulk import collector_paused
from marketplace.catalog.cache import catalog_version
from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    ListingStatus,
    MetricSnapshot,
    RateCard,
    name_in,
    ui_language,
)
from marketplace.db import SessionLike
from marketplace.extensions import db
from marketplace.valuation.models import PlacementEstimate
from pricing.margin import brand_price
from pricing.taxonomy import MetricKind, PlacementType

#: The engagement figures read from the history. A channel's size is not among them: it is
#: the current member count, `ChannelAsset.size`, which valuation reads too.
_LATEST_KINDS = (
    MetricKind.ACTIVE_MEMBERS,
    MetricKind.COMMENTS_PER_WEEK,
    MetricKind.REACTIONS_PER_WEEK,
    MetricKind.HEALTH_SCORE,
)


def _latest_metrics(
    session: SessionLike, asset_ids: Collection[int]
) -> dict[int, dict[str, float]]:
    """The latest value of each engagement figure per asset (later dates win, then later ids)."""
    rows = session.execute(
        select(MetricSnapshot.asset_id, MetricSnapshot.kind, MetricSnapshot.value)
        .where(MetricSnapshot.kind.in_(_LATEST_KINDS))
        .order_by(MetricSnapshot.observed_on, MetricSnapshot.id)
    )
    latest: dict[int, dict[str, float]] = defaultdict(dict)
    for asset_id, kind, value in rows:
        if asset_id in asset_ids:
            latest[asset_id][MetricKind(kind).value] = float(value)
    return latest


# The figures' keys, read once per asset of every community (an enum's .value is a lookup).
_ACTIVE = MetricKind.ACTIVE_MEMBERS.value
_COMMENTS = MetricKind.COMMENTS_PER_WEEK.value
_REACTIONS = MetricKind.REACTIONS_PER_WEEK.value
_HEALTH = MetricKind.HEALTH_SCORE.value


def _json_list(value: Any, memo: dict[str, tuple[Any, ...]]) -> tuple[Any, ...]:
    """A JSON list column as a tuple; SQLite hands over its text (decoded once per distinct
    value: catalogs repeat the same few lists), PostgreSQL's driver the list itself."""
    if value is None:
        return ()
    if isinstance(value, str):
        found = memo.get(value)
        if found is None:
            found = memo[value] = tuple(json.loads(value))
        return found
    return tuple(value)


def load_records(session: SessionLike, *, margin_bp: int | None = None) -> list[CommunityRecord]:
    """Every listed community, with its offers, audience and engagement, as engine records.

    See :func:`_load_records`; read with the garbage collector paused (hundreds of thousands
    of rows and records, no cycles).
    """
    with collector_paused():
        return _load_records(session, margin_bp=margin_bp)


def _load_records(session: SessionLike, *, margin_bp: int | None) -> list[CommunityRecord]:
    """Every listed community, with its offers, audience and engagement, as engine records.

    An offer's price is what a brand pays (the owner's rate plus the agency margin, as plans
    compute it): value for money, the budget gate and "raise the budget to …" are the brand's,
    and the matches a brand reads through the API never reveal an owner's rate.

    Read as plain rows of the columns the engine needs (no ORM objects, JSON lists decoded
    once per distinct text): the rebuild job reads the whole catalog each time.
    """
    margin = prices.agency_margin_bp() if margin_bp is None else margin_bp
    c = Community
    json_lists = (c.tags, c.topics, c.languages, c.sensitive_flags, c.regulated_allowed)
    lists = [type_coerce(col, Text) for col in json_lists]
    communities = session.execute(
        select(
            c.id, c.name_he, c.name_en, c.description, c.dna_tone, c.dna_values, c.dna_rituals,
            c.member_type, c.common_denominator, c.country, c.region, c.city, c.audience_kind,
            c.total_size, c.best_evidence, *lists,
        )
        .where(c.status == ListingStatus.LISTED)
        .order_by(c.id)
    ).all()  # fmt: skip
    listed = {row[0] for row in communities}
    assets: dict[int, list[tuple[int, Any, int]]] = defaultdict(list)
    asset_community: dict[int, int] = {}
    for asset_id, community_id, platform, size in session.execute(
        select(
            ChannelAsset.id, ChannelAsset.community_id, ChannelAsset.platform, ChannelAsset.size
        ).order_by(ChannelAsset.id)
    ):
        if community_id in listed:
            assets[community_id].append((asset_id, platform, size))
            asset_community[asset_id] = community_id

    # The cheapest ILS rate per community and placement, and the estimate of that channel.
    cheapest: dict[tuple[int, PlacementType], tuple[int, int]] = {}
    for asset_id, placement, amount in session.execute(
        select(RateCard.asset_id, RateCard.placement, RateCard.amount_minor)
        .where(RateCard.currency == "ILS")
        .order_by(RateCard.id)
    ):
        owner = asset_community.get(asset_id)
        if owner is None:
            continue
        key = (owner, placement)
        if key not in cheapest or amount < cheapest[key][0]:
            cheapest[key] = (int(amount), asset_id)
    e = PlacementEstimate
    estimates: dict[tuple[int, PlacementType], tuple[Any, ...]] = {
        (asset_id, placement): tuple(figures)
        for asset_id, placement, *figures in session.execute(
            select(e.asset_id, e.placement, e.value_p10_minor, e.value_p50_minor,
                   e.value_p90_minor, e.reach_p50)
            .where(e.currency == "ILS")
            .order_by(e.id)
        )
        if asset_id in asset_community
    }  # fmt: skip
    audience: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for community_id, dimension, bucket, share in session.execute(
        select(AudienceShare.community_id, AudienceShare.dimension, AudienceShare.bucket,
               AudienceShare.share_bp)
        .order_by(AudienceShare.id)
    ):  # fmt: skip
        if community_id in listed:
            audience[community_id][dimension][bucket] = int(share)
    metrics = _latest_metrics(session, asset_community.keys())

    offers_of: dict[int, list[PlacementOffer]] = defaultdict(list)
    for (community_id, placement), (rate, asset_id) in sorted(
        cheapest.items(), key=lambda item: (item[0][0], item[0][1].value)
    ):
        estimate = estimates.get((asset_id, placement))
        p10, p50, p90, reach = estimate if estimate is not None else (None, None, None, None)
        offers_of[community_id].append(
            PlacementOffer(
                placement=placement,
                rate_minor=brand_price(rate, margin),
                value_p10_minor=p10,
                value_p50_minor=p50,
                value_p90_minor=p90,
                reach_p50=reach,
            )
        )
    language = ui_language()
    memo: dict[str, tuple[Any, ...]] = {}
    return [
        _record(row, language, memo, assets[row[0]], offers_of[row[0]], audience, metrics)
        for row in communities
    ]


_REGULATED = {r.value: r for r in RegulatedCategory}


def _record(
    row: Any,
    language: str,
    memo: dict[str, tuple[Any, ...]],
    assets: list[tuple[int, Any, int]],
    offers: list[PlacementOffer],
    audience: dict[int, dict[str, dict[str, int]]],
    metrics: dict[int, dict[str, float]],
) -> CommunityRecord:
    (cid, name_he, name_en, description, dna_tone, dna_values, dna_rituals, member_type,
     common_denominator, country, region, city, audience_kind, total_size, best_evidence,
     tags, topics, languages, sensitive_flags, regulated) = row  # fmt: skip
    members = active = interactions = 0.0
    health: float | None = None
    for asset_id, _platform, size in assets:
        figures = metrics.get(asset_id, {})
        base = float(size or 0)  # the current member count (ChannelAsset.members)
        if _ACTIVE in figures and base > 0:
            members += base
            active += figures[_ACTIVE]
        interactions += figures.get(_COMMENTS, 0.0)
        interactions += figures.get(_REACTIONS, 0.0)
        if _HEALTH in figures:
            health = max(health or 0.0, figures[_HEALTH])
    total = float(total_size or 0)
    allowed = tuple(_REGULATED[c] for c in _json_list(regulated, memo) if c in _REGULATED)
    return CommunityRecord(
        id=cid,
        name=name_in(name_he, name_en, language),
        description=description or "",
        dna_tone=dna_tone or "",
        dna_values=dna_values or "",
        dna_rituals=dna_rituals or "",
        member_type=member_type or "",
        common_denominator=common_denominator or "",
        tags=_json_list(tags, memo),
        topics=_json_list(topics, memo),
        languages=_json_list(languages, memo),
        country=country or "IL",
        region=region or "nationwide",
        city=city or "",
        audience_kind=audience_kind or "b2c",
        sensitive_flags=_json_list(sensitive_flags, memo),
        regulated_allowed=allowed,
        status=ListingStatus.LISTED.value,
        audience={dim: dict(shares) for dim, shares in audience.get(cid, {}).items()},
        platforms=tuple(dict.fromkeys(platform for _id, platform, _size in assets)),
        offers=tuple(offers),
        total_size=int(total),
        health_score=health,
        active_share=min(1.0, active / members) if members > 0 else None,
        interactions_per_member_week=interactions / total if total > 0 and interactions else None,
        best_evidence=int(best_evidence or 0),
        past_performance=None,  # no delivered campaigns yet (the delivery issue records them)
    )


log = logging.getLogger(__name__)

#: The job kind that builds the features off the request path (marketplace/matching/tasks.py).
REBUILD_KIND = "matching.rebuild_features"


def features_dir(app: Flask | None = None) -> Path:
    """Where this database's feature artifacts live (``KESHER_MATCHING_FEATURES_DIR``).

    One subfolder per database URL, so two databases (or two test sessions) sharing a
    folder never read each other's artifacts: a version number means something only in the
    database that counted it.
    """
    app = app or current_app
    base = app.config.get("MATCHING_FEATURES_DIR") or os.path.join(
        app.instance_path, "matching-features"
    )
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    return Path(base) / hashlib.sha256(url.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild stored: the catalog version, the features, and how much it redid."""

    version: int | None
    features: CatalogFeatures
    #: Communities whose text was counted again (all of them in a full rebuild).
    recounted: int
    incremental: bool


def rebuild_features(session: SessionLike, directory: Path, *, full: bool = False) -> Rebuilt:
    """Build the catalog's features from the database and store them as an artifact.

    The version is read before the records, so an artifact is never labelled newer than
    what it holds (a change during the build leaves it one version behind: the next request
    asks for another rebuild). Incremental unless ``full``: the costly per-community work
    (n-gram counts, topics and cities of its own words) is redone only for communities that
    are new or whose words changed since the newest stored artifact, read from its row
    state; withdrawn ones drop out; the n-grams kept and their idf are derived again from
    every community's counts, so the features equal those of a full rebuild.
    """
    version = catalog_version(session)
    previous = None if full else load_rows(directory)
    features, rows = build_catalog(load_records(session), previous=previous)
    if version is not None:
        save_features(features, directory, version, rows=rows)
    return Rebuilt(version, features, rows.recounted, previous is not None)


class FeatureCache:
    """The engine's features of the catalog, loaded (never built) on the request path.

    In order: this worker's copy if it is of the current catalog version; else the newest
    stored artifact (written by the ``matching.rebuild_features`` job), asking for a rebuild
    when it is older than the catalog; only when no artifact exists at all (a fresh install
    before its first job) is the catalog built inline, once per worker. A transaction that
    itself changed the catalog and ranks before committing (the demo seed) builds from what
    it sees, as before, without keeping it.

    Staleness: between a catalog change and the end of its rebuild job (seconds; see
    benchmarks/README.md) a brief is ranked on the catalog as the artifact saw it, less the
    communities no longer listed (one query of listed ids, kept per version): a community
    withdrawn or deleted in that window is never ranked; one listed in it (or one whose text,
    rates or audience changed) is ranked as the artifact knew it, from when the job has run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._features: CatalogFeatures | None = None
        #: True while this worker holds an artifact older than the catalog.
        self.stale = False
        self._masked: tuple[int | None, CatalogFeatures, CatalogFeatures] | None = None

    def get(self, session: SessionLike) -> CatalogFeatures:
        version = catalog_version(session)
        if version is not None and _wrote_communities(session):
            # PostgreSQL counts a catalog change at commit (a deferred trigger), so its
            # version does not move inside the transaction that makes it (the demo seed).
            return _own_features(session, version)
        with self._lock:
            if version is not None and version == self._version and self._features is not None:
                return self._features
        directory = features_dir()
        stored = newest_version(directory)
        if version is not None and stored != version:
            committed = request_rebuild(version)
            if committed is not None and committed != version:
                # This very transaction changed the catalog (a seed, an import writing then
                # ranking): no stored artifact can show what it sees, so it builds its own,
                # kept by this transaction only (its version number is not real until it
                # commits) for its next rankings while it changes the catalog no further.
                return _own_features(session, version)
            stored = newest_version(directory)  # an eager queue (tests) has just built it
        with self._lock:
            held = self._features if stored is not None and stored == self._version else None
        features = held
        if features is None and stored is not None:
            features = load_features(directory, stored)
            if features is not None:
                with self._lock:
                    self._version, self._features = stored, features
        if features is not None:
            self.stale = stored != version
            return self._still_listed(session, version, features) if self.stale else features
        features = build_features(load_records(session))  # no artifact yet: the only inline build
        with self._lock:
            self._version, self._features, self.stale = version, features, False
        return features

    def _still_listed(
        self, session: SessionLike, version: int | None, features: CatalogFeatures
    ) -> CatalogFeatures:
        """Stale features that rank only communities listed now (one query of ids).

        A community withdrawn or deleted since the artifact is never ranked; one listed
        since waits for the rebuild.
        """
        with self._lock:
            found = self._masked
        if found is not None and found[0] == version and found[1] is features:
            return found[2]
        listed_ids = np.fromiter(
            session.scalars(select(Community.id).where(Community.status == ListingStatus.LISTED)),
            dtype=np.int64,
        )
        masked = replace(features, listed=features.listed & np.isin(features.ids, listed_ids))
        with self._lock:
            self._masked = (version, features, masked)
        return masked


_OWN = "kesher_matching_own_features"


#: Whether this PostgreSQL transaction has written a community row (its own xid is the row's
#: xmin). Only a transaction that has written anything pays the scan.
_WROTE_COMMUNITIES = text(
    "SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN false ELSE EXISTS ("
    "SELECT 1 FROM communities WHERE xmin::text::bigint = txid_current_if_assigned() % 4294967296"
    ") END"
)


def _wrote_communities(session: SessionLike) -> bool:
    """True when this uncommitted PostgreSQL transaction has added or changed a community.

    On SQLite the version moves inside the writing transaction (its triggers are immediate),
    and the check in :meth:`FeatureCache.get` against the committed version sees it. Rows
    written inside a savepoint carry the savepoint's own xid and are not seen here.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.scalar(_WROTE_COMMUNITIES))


def _own_features(session: SessionLike, version: int) -> CatalogFeatures:
    """Features of what this uncommitted transaction sees, built once per its catalog version.

    The demo seed ranks and shortlists a few dozen times after writing its catalog; each
    used to build the whole catalog's features again (at 10,000 communities, two thirds of
    the seed's time).
    """
    own = session if isinstance(session, Session) else session()
    transaction = own.get_transaction()
    found = own.info.get(_OWN)
    if found is not None and found[0] is transaction and found[1] == version:
        return found[2]
    features = build_features(load_records(session))
    own.info[_OWN] = (transaction, version, features)
    return features


def request_rebuild(version: int) -> int | None:
    """Queue one rebuild for catalog ``version`` (the job key debounces the requests).

    Returns the committed catalog version, as another connection sees it, or None when the
    database could not say; a ``version`` above it belongs to the caller's own uncommitted
    changes, and nothing is queued for it. The job is queued in its own short transaction,
    so a GET request (which commits nothing) still sends it. On SQLite it never waits for
    the write lock: while someone is writing, asking is skipped and a later request asks.
    """
    from marketplace import jobs  # the jobs feature sits above the catalog readers

    try:
        with Session(db.engine) as own:
            committed = catalog_version(own)
            if committed != version:
                return committed
            sqlite = own.get_bind().dialect.name == "sqlite"
            if sqlite:
                own.execute(text("PRAGMA busy_timeout=0"))
            try:
                jobs.enqueue(
                    own, REBUILD_KIND, {"version": version}, key=f"{REBUILD_KIND}:{version}"
                )
                own.commit()
            finally:
                if sqlite:
                    own.rollback()
                    wait = int(current_app.config.get("SQLITE_BUSY_TIMEOUT", 5000))
                    own.execute(text(f"PRAGMA busy_timeout={wait}"))
            return committed
    except OperationalError as error:
        log.info("matching features: rebuild of version %s not queued now (%s)", version, error)
        return None


def catalog_features(session: SessionLike) -> CatalogFeatures:
    """The current catalog's features (loaded per app and process, see :class:`FeatureCache`)."""
    cache: FeatureCache = current_app.extensions.setdefault("kesher_matching", FeatureCache())
    return cache.get(session)


def plan_profile(record: CommunityRecord) -> AudienceProfile:
    """What the plan's rules read of a catalog record: where it is, what it speaks, who."""
    return AudienceProfile(
        region=record.region,
        topics=tuple(record.topics),
        shares={d: dict(b) for d, b in record.audience.items()},
        cities=tuple(sorted(community_cities(record.city, record.name))),
        languages=tuple(record.languages),
        total_size=record.total_size,
    )
