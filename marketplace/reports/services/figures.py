"""Recording a placement's figures: who may give which, what is impossible, and what they feed.

Every function takes the session, flushes and never commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from campaigns.delivery import PostStatus
from campaigns.results import (
    ResultMetric,
    calibration_rows,
    date_problem,
    figure_problem,
    placement_results,
)
from campaigns.results.export import post_figures
from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.db import SessionLike
from marketplace.deals import services as deals
from marketplace.deals.models import DealPlacement
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post
from marketplace.errors import Conflict, KesherError
from marketplace.reports.models import MetricUpload, PlacementMetric
from marketplace.reports.services.access import ENTER_ROLES, STAFF_ROLES
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PlacementEstimate, RealisedReach
from pricing.health.detect import parse_export
from pricing.health.errors import ExportError
from pricing.taxonomy import EvidenceTier, PlacementType


class FiguresRefused(KesherError):
    """Figures that cannot be true or may not be given; nothing was written."""

    code = "figures_refused"
    default_message = _l("The figures were refused; nothing was saved.")

    def __init__(self, problems: Sequence[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{c}: {m}" if c else m for c, m in problems))
        self.problems = list(problems)


class DuplicateUpload(Conflict):
    code = "duplicate_upload"
    default_message = _l("This file was already uploaded to this campaign; nothing was saved.")


# --- figures ------------------------------------------------------------------------------


def source_key(placement: DealPlacement) -> str:
    return f"deal_placement:{placement.id}"


def allowed_tiers(user: User) -> tuple[EvidenceTier, ...]:
    """The evidence tiers `user` may give a figure: owners their word, staff any tier."""
    if user.role in STAFF_ROLES:
        return tuple(EvidenceTier)
    return (EvidenceTier.SELF_REPORTED,)


def figure_problems(
    placement: DealPlacement,
    figures: Mapping[ResultMetric, int],
    *,
    tier: EvidenceTier,
    observed_on: dt.date,
    actor: User,
    today: dt.date | None = None,
    derived: bool = False,
) -> list[tuple[str | None, str]]:
    """Every reason these figures cannot be recorded on `placement` (empty: they can).

    `derived`: Kesher itself read them from an export, so they are tier 3 whoever uploaded it.
    """
    today = today or dt.date.today()
    problems: list[tuple[str | None, str]] = []
    if actor.role not in ENTER_ROLES:
        problems.append((None, "Only the community's owner or agency staff enter figures."))
    if derived:
        if tier is not EvidenceTier.EXPORT:
            problems.append(("evidence", "Figures read from an export are tier 3."))
    elif tier not in allowed_tiers(actor):
        problems.append(
            ("evidence", "Owners enter figures as self-reported; staff raise their tier.")
        )
    if not figures:
        problems.append((None, "Give at least one figure."))
    why = date_problem(observed_on, starts_on=placement.starts_on, today=today)
    if why:
        problems.append(("observed_on", why))
    members = int(placement.asset.members.value or 0)
    for metric, value in figures.items():
        why = figure_problem(metric, value, platform=placement.asset.platform, members=members)
        if why:
            problems.append((metric.value, why))
    return problems


def record_figures(
    session: SessionLike,
    placement: DealPlacement,
    figures: Mapping[ResultMetric, int],
    *,
    tier: EvidenceTier,
    observed_on: dt.date,
    actor: User,
    source: str = "",
    upload: MetricUpload | None = None,
    today: dt.date | None = None,
    recalibrate: bool = True,
    derived: bool = False,
) -> list[PlacementMetric]:
    """Record figures on one placement (all or none), then let the valuation learn its reach."""
    problems = figure_problems(
        placement, figures, tier=tier, observed_on=observed_on, actor=actor, today=today,
        derived=derived,
    )  # fmt: skip
    if problems:
        raise FiguresRefused(problems)
    rows = [
        PlacementMetric(
            placement_id=placement.id,
            metric=metric,
            value=int(value),
            tier=int(tier),
            observed_on=observed_on,
            source=source[:300],
            upload_id=upload.id if upload is not None else None,
            created_by_id=actor.id,
        )
        for metric, value in figures.items()
    ]
    session.add_all(rows)
    session.flush()
    # The placement's verified posts now have their figures: delivery marks them measured.
    for post_id in session.scalars(
        select(Post.id).where(
            Post.deal_placement_id == placement.id, Post.status == PostStatus.VERIFIED
        )
    ).all():
        delivery.measure_post(session, post_id, actor=None)
    if recalibrate and ResultMetric.REACH in figures:
        feed_calibration(session, [placement])
    return rows


def feed_calibration(session: SessionLike, placements: Sequence[DealPlacement]) -> None:
    """Give the valuation each placement's realised reach per post, then re-estimate them.

    The calibration is by channel × vertical and by asset, so the next estimate of these
    assets moves at once; other communities of the same channel move at their next estimate
    (any save, or ``flask pricing recompute``).
    """
    if not placements:
        return
    frame = placement_results(
        placements_frame(session, placements), metrics_frame(session, placements)
    )
    by_id = {p.id: p for p in placements}
    for row in calibration_rows(frame).itertuples(index=False):
        placement = by_id[int(row.placement_id)]
        valuation.record_realised_reach(
            session,
            source_key=source_key(placement),
            asset=placement.asset,
            placement=PlacementType(placement.placement_type),
            realised_reach=round(float(row.realised_reach)),
        )
    # Not catalog.revalue: its batches empty the session, and the request still needs it.
    communities = list({p.asset.community_id: p.asset.community for p in placements}.values())
    valuation.estimate_communities(session, communities)
    catalog.refresh_facets(session, communities)
    session.flush()


def figures_from_export(
    session: SessionLike,
    placement: DealPlacement,
    data: bytes,
    filename: str,
    *,
    actor: User,
    today: dt.date | None = None,
) -> list[PlacementMetric]:
    """Read a chat export uploaded after the post: its replies and reactions, tier 3.

    The post's time is its delivery record (the owner's proof); the export is parsed by the
    health analyser with a throwaway salt (nobody's hash is kept) and only the counts stay.
    """
    posted_at = session.scalar(
        select(func.min(Post.posted_at)).where(Post.deal_placement_id == placement.id)
    )
    if posted_at is None:
        raise FiguresRefused(
            [(None, "The post has no publication time yet: submit its proof of posting first.")]
        )
    try:
        parsed = parse_export(data, filename, salt=secrets.token_bytes(32))
    except ExportError as error:
        raise FiguresRefused([(None, error.message)]) from error
    found = post_figures(parsed.events, posted_at)
    if parsed.events["ts"].max() < pd.Timestamp(posted_at):
        raise FiguresRefused([(None, "The export ends before the post: export the chat again.")])
    figures = {ResultMetric.COMMENTS: found.comments, ResultMetric.REACTIONS: found.reactions}
    if found.views is not None:
        figures[ResultMetric.VIEWS] = found.views
    return record_figures(
        session, placement, figures, tier=EvidenceTier.EXPORT,
        observed_on=today or dt.date.today(),
        actor=actor, source=f"Derived from an export: {filename}"[:300], today=today,
        derived=True,
    )  # fmt: skip


def metrics_frame(session: SessionLike, placements: Sequence[DealPlacement]) -> pd.DataFrame:
    """The figures of these placements, oldest first (the last per metric is in force)."""
    ids = [p.id for p in placements]
    rows = session.execute(
        select(PlacementMetric.placement_id, PlacementMetric.metric, PlacementMetric.value,
               PlacementMetric.tier)
        .where(PlacementMetric.placement_id.in_(ids))
        .order_by(PlacementMetric.observed_on, PlacementMetric.id)
    ).all()  # fmt: skip
    frame = pd.DataFrame(rows, columns=["placement_id", "metric", "value", "tier"])
    frame["metric"] = frame["metric"].map(lambda m: ResultMetric(m).value)
    return frame


def figure_history(session: SessionLike, placement: DealPlacement) -> list[PlacementMetric]:
    """Every figure recorded on a placement, newest first."""
    return list(
        session.scalars(
            select(PlacementMetric)
            .where(PlacementMetric.placement_id == placement.id)
            .order_by(PlacementMetric.observed_on.desc(), PlacementMetric.id.desc())
        )
    )


def placements_frame(session: SessionLike, placements: Sequence[DealPlacement]) -> pd.DataFrame:
    """The placements as the pure results read them: prices, members, the estimate of a post.

    The estimate is the one recorded before the first reach figure came in (so the range is
    judged on what was said before anything was known), else the current one.
    """
    keys = {source_key(p): p.id for p in placements}
    snapshots = {
        keys[r.source_key]: r
        for r in session.scalars(
            select(RealisedReach).where(RealisedReach.source_key.in_(list(keys)))
        )
    }
    estimates = valuation.estimates_by_asset(session, {p.asset_id for p in placements})
    terms_by_deal: dict[int, Any] = {}
    records = []
    for p in placements:
        if p.deal_id not in terms_by_deal:
            terms_by_deal[p.deal_id] = deals.deal_terms(p.deal)
        terms = terms_by_deal[p.deal_id]
        line = next(
            (t for t in terms.placements if t.key == (p.asset_id, p.placement_type)), None
        ) if terms is not None else None  # fmt: skip
        estimate: PlacementEstimate | None = estimates.get(p.asset_id, {}).get(
            PlacementType(p.placement_type)
        )
        snapshot = snapshots.get(p.id)
        source: Any = snapshot if snapshot is not None else estimate
        records.append(
            {
                "placement_id": p.id,
                "community_id": p.asset.community_id,
                "platform": str(p.asset.platform),
                "asset_id": p.asset_id,
                "count": p.count,
                "members": int(p.asset.members.value or 0),
                "brand_price_minor": line.brand_price_minor if line else 0,
                "owner_payout_minor": line.owner_payout_minor if line else 0,
                "reach_p10": _num(source.reach_p10 if source else None),
                "reach_p50": _num(source.reach_p50 if source else None),
                "reach_p90": _num(source.reach_p90 if source else None),
                "value_p50_minor": _num(
                    estimate.value_p50_minor
                    if estimate is not None and estimate.currency == p.deal.currency
                    else None
                ),
            }
        )
    return pd.DataFrame.from_records(records)


def _num(value: int | None) -> float:
    return float("nan") if value is None else float(value)
