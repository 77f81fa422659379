"""A campaign's results as one reader may see them: loads the rows, the pure results compute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import case, false, func, select

from campaigns.delivery import PostStatus
from campaigns.results import KpiResult, kpi_results, placement_results, rollups
from marketplace.catalog import vocab
from marketplace.db import SessionLike
from marketplace.delivery.models import Post
from marketplace.links.models import LinkClick, PromoCode, PromoRedemption, TrackedLink
from marketplace.reports.services.access import Campaign
from marketplace.reports.services.figures import metrics_frame, placements_frame

# --- what the other features recorded -----------------------------------------------------

#: Post states that count as delivered: checked by staff (closed posts count when they ran).
DELIVERED_STATES = (PostStatus.VERIFIED, PostStatus.MEASURED, PostStatus.CLOSED)


def clicks_frame(session: SessionLike, placement_ids: Sequence[int]) -> pd.DataFrame:
    """Every click on these placements' tracked links: visitor pseudonym, bot or repeat."""
    rows = session.execute(
        select(TrackedLink.placement_id, LinkClick.visitor_hash,
               LinkClick.is_bot | LinkClick.is_duplicate)
        .join(LinkClick, LinkClick.link_id == TrackedLink.id)
        .where(TrackedLink.placement_id.in_(list(placement_ids)))
    ).all()  # fmt: skip
    frame = pd.DataFrame(rows, columns=["placement_id", "visitor", "flagged"])
    frame["flagged"] = frame["flagged"].astype(bool)
    return frame


def click_counts_frame(session: SessionLike, placement_ids: Sequence[int]) -> pd.DataFrame:
    """Per placement, counted by the database: people's clicks, flagged ones, distinct visitors.

    One row per placement with a link; what :func:`clicks_frame` reads click by click. Two
    aggregate queries, each answered from an index of ``link_clicks`` alone: the counts by
    flag, and the distinct visitors among people's clicks (a partial index on link × visitor).
    """
    links = dict(
        session.execute(
            select(TrackedLink.id, TrackedLink.placement_id).where(
                TrackedLink.placement_id.in_(list(placement_ids))
            )
        ).all()
    )
    counts = {link_id: [0, 0, 0] for link_id in links}
    flagged = case((LinkClick.is_bot | LinkClick.is_duplicate, 1), else_=0)
    # Grouped by the link alone, in the index's order: no sort of the clicks.
    for link_id, every, n_flagged in session.execute(
        select(LinkClick.link_id, func.count(), func.sum(flagged))
        .where(LinkClick.link_id.in_(list(links)))
        .group_by(LinkClick.link_id)
    ):
        counts[link_id][0] = int(every) - int(n_flagged or 0)
        counts[link_id][1] = int(n_flagged or 0)
    # The same terms as the partial index's WHERE, so the database reads the index alone.
    people = (
        select(LinkClick.link_id, LinkClick.visitor_hash)
        .where(
            LinkClick.link_id.in_(list(links)),
            LinkClick.is_bot == false(),
            LinkClick.is_duplicate == false(),
        )
        .distinct()
        .subquery()
    )
    for link_id, n in session.execute(
        select(people.c.link_id, func.count()).group_by(people.c.link_id)
    ):
        counts[link_id][2] = int(n)
    return pd.DataFrame(
        [(links[link_id], *values) for link_id, values in counts.items()],
        columns=["placement_id", "clicks", "flagged_clicks", "unique_clicks"],
    ).astype("int64")


def delivered_frame(session: SessionLike, placement_ids: Sequence[int]) -> pd.DataFrame:
    """Posts delivered per placement (verified by staff), with the day each ran."""
    rows = session.execute(
        select(Post.deal_placement_id, Post.status, Post.posted_at).where(
            Post.deal_placement_id.in_(list(placement_ids))
        )
    ).all()
    counted = [
        (pid, posted_at)
        for pid, status, posted_at in rows
        if PostStatus(status) in DELIVERED_STATES
        and (PostStatus(status) is not PostStatus.CLOSED or posted_at is not None)
    ]
    frame = pd.DataFrame(counted, columns=["placement_id", "posted_at"])
    delivered = frame.groupby("placement_id").size().rename("delivered")
    # Placements with posts but none delivered count 0; without any post, unknown.
    scheduled = {pid for pid, _s, _p in rows}
    out = delivered.reindex(sorted(scheduled), fill_value=0).reset_index()
    out.columns = ["placement_id", "delivered"]
    out.attrs["posted_at"] = [p for _pid, p in counted if p is not None]
    return out


def redemptions_frame(session: SessionLike, placement_ids: Sequence[int]) -> pd.DataFrame:
    """Promo-code redemptions per placement, from the brand's uploaded files."""
    rows = session.execute(
        select(PromoCode.placement_id, func.count(PromoRedemption.id))
        .join(PromoRedemption, PromoRedemption.promo_code_id == PromoCode.id)
        .where(PromoCode.placement_id.in_(list(placement_ids)))
        .group_by(PromoCode.placement_id)
    ).all()
    return pd.DataFrame(rows, columns=["placement_id", "redemptions"])


# --- results ------------------------------------------------------------------------------


@dataclass
class CampaignResults:
    """A campaign's results as one reader may see them."""

    campaign: Campaign
    per_placement: pd.DataFrame
    by_community: pd.DataFrame
    by_channel: pd.DataFrame
    totals: dict[str, Any]
    kpis: list[KpiResult]
    labels: dict[int, str] = field(default_factory=dict)
    community_names: dict[int, str] = field(default_factory=dict)
    #: The days posts ran (delivered ones), for the delivery-over-time chart.
    posted_at: list[Any] = field(default_factory=list)
    #: Each label's two parts, the community's name and "platform · placement", for pages that
    #: isolate the name (a Hebrew name first turned an English label right to left).
    label_parts: dict[int, tuple[str, str]] = field(default_factory=dict)


#: What each audience may not see.
HIDDEN: dict[str, tuple[str, ...]] = {
    "staff": (),
    "brand": ("owner_payout_minor", "margin_minor", "realised_margin_minor"),
    # An owner sees their payout; the brand's price and the margin would tell the agency's cut.
    "owner": ("cost_minor", "margin_minor", "realised_margin_minor", "cost_per_click_minor",
              "cost_per_result_minor", "cost_per_thousand_reached_minor"),
}  # fmt: skip


def campaign_results(
    session: SessionLike,
    campaign: Campaign,
    *,
    clicks: pd.DataFrame | None = None,
    delivered: pd.DataFrame | None = None,
    redemptions: pd.DataFrame | None = None,
) -> CampaignResults:
    """Results per placement, community, channel and campaign, and each KPI of the brief.

    Clicks (tracked links), delivered posts (delivery) and promo redemptions are read from the
    features that record them unless given; a placement without a link or scheduled posts keeps
    them unknown (never zero).
    """
    placements = campaign.placements
    ids = [p.id for p in placements]
    if clicks is None and session.scalar(
        select(func.count(TrackedLink.id)).where(TrackedLink.placement_id.in_(ids))
    ):
        # Counted in the database: a million clicks are a few hundred rows here, not a million.
        clicks = click_counts_frame(session, ids)
    if delivered is None:
        delivered = delivered_frame(session, ids)
    if redemptions is None:
        redemptions = redemptions_frame(session, ids)
    per = placement_results(
        placements_frame(session, placements),
        metrics_frame(session, placements),
        clicks=clicks,
        delivered=delivered,
        redemptions=redemptions,
    )
    hidden = list(HIDDEN[campaign.audience])
    by_community, by_channel, campaign_row = rollups(
        per, [["community_id"], ["platform"], []], clicks=clicks
    )
    totals = campaign_row.iloc[0].to_dict()
    kpis = kpi_results(totals, campaign.brief.kpis or {})
    for key in hidden:
        totals.pop(key, None)
    parts = {
        p.id: (
            p.asset.community.display_name,
            f"{vocab.PLATFORMS.get(p.asset.platform, p.asset.platform)} · "
            f"{vocab.PLACEMENTS.get(p.placement_type, p.placement_type)}",
        )
        for p in placements
    }
    labels = {pid: f"{name} · {kind}" for pid, (name, kind) in parts.items()}
    names = {p.asset.community_id: p.asset.community.display_name for p in placements}
    return CampaignResults(
        campaign,
        per.drop(columns=[c for c in hidden if c in per.columns]),
        by_community.drop(columns=[c for c in hidden if c in by_community.columns]),
        by_channel.drop(columns=[c for c in hidden if c in by_channel.columns]),
        totals,
        kpis,
        labels,
        names,
        list(delivered.attrs.get("posted_at", [])),
        parts,
    )
