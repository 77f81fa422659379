"""Results use-cases: who sees which campaign, recording figures, the results, the pulse.

A campaign is a brief with agreed placements. Brands see their organisation's campaigns
without margins or payouts; owners see only their own communities' placements (their payout,
never the brand's price or the margin); agency staff, admins and finance see everything.
Every function takes the session, flushes and never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from campaigns.delivery import PostStatus
from campaigns.results import (
    KpiResult,
    ResultMetric,
    calibration_rows,
    date_problem,
    figure_problem,
    kpi_results,
    placement_results,
    pulse_summary,
    rollups,
)
from campaigns.results.export import post_figures
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.catalog import services as catalog
from marketplace.catalog import vocab
from marketplace.db import SessionLike
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.links.models import LinkClick, PromoCode, PromoRedemption, TrackedLink
from marketplace.reports.models import (
    MetricUpload,
    PlacementMetric,
    PulseAnswer,
    PulseSurvey,
    ReportPick,
)
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PlacementEstimate, RealisedReach
from pricing.health.detect import parse_export
from pricing.health.errors import ExportError
from pricing.taxonomy import EvidenceTier, PlacementType

#: Roles that see every campaign with its margin (the agency's desk and finance).
DESK_ROLES = deals.DESK_ROLES
#: Roles that enter figures: owners for their own placements, agency staff for any.
ENTER_ROLES = frozenset({Role.OWNER, Role.STAFF, Role.ADMIN})
STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    default_message = _l("No such campaign.")


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


# --- who sees what ------------------------------------------------------------------------


def audience_of(user: Any) -> str:
    """Which view of results `user` gets: ``staff`` (everything), ``brand`` or ``owner``."""
    if user.role in DESK_ROLES:
        return "staff"
    return "owner" if user.role is Role.OWNER else "brand"


@dataclass
class Campaign:
    """A brief and the agreed placements the reader may see."""

    brief: Brief
    placements: list[DealPlacement]
    audience: str


def placements_query(user: User, brief_id: int) -> Any:
    """A ``select(DealPlacement)`` of the brief's agreed placements ``user`` may see, by id."""
    return (
        deals.scoped(user, DealPlacement, Deal.brief_id == brief_id)
        .where(DealPlacement.status == PlacementStatus.AGREED)
        .order_by(DealPlacement.id)
    )


def get_campaign(
    session: SessionLike, brief_id: int, user: Any, *, allow_empty: bool = False
) -> Campaign:
    """The campaign of `brief_id` as `user` may see it, or CampaignNotFound.

    With `allow_empty`, a brief of the reader's own organisation (or any brief, for the desk)
    with nothing agreed yet is a campaign without placements (the API answers it empty).
    """
    placements = list(session.scalars(placements_query(user, brief_id)))
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise CampaignNotFound()
    if not placements:
        own = user.role in DESK_ROLES or (
            user.role is Role.BRAND and brief.organisation_id == user.organisation_id
        )
        if not (allow_empty and own):
            raise CampaignNotFound()
    return Campaign(brief, placements, audience_of(user))


def campaigns_visible_to(session: SessionLike, user: User) -> list[Brief]:
    """The briefs with agreed placements `user` may see, newest first."""
    deal_briefs = (
        deals.visible_deals_query(user)
        .join(DealPlacement, DealPlacement.deal_id == Deal.id)
        .where(DealPlacement.status == PlacementStatus.AGREED)
        .with_only_columns(Deal.brief_id)
    )
    return list(session.scalars(select(Brief).where(Brief.id.in_(deal_briefs)).order_by(
        Brief.id.desc())))  # fmt: skip


def get_placement(session: SessionLike, brief_id: int, placement_id: int, user: User) -> Any:
    """One agreed placement of the campaign that `user` may see, or CampaignNotFound."""
    agreed = (DealPlacement.status == PlacementStatus.AGREED,)
    return deals.get_visible(
        session,
        DealPlacement,
        placement_id,
        user,
        Deal.brief_id == brief_id,
        where=agreed,
        missing=CampaignNotFound,
    )


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
        clicks = clicks_frame(session, ids)
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
    labels = {
        p.id: " · ".join(
            [
                p.asset.community.display_name,
                str(vocab.PLATFORMS.get(p.asset.platform, p.asset.platform)),
                str(vocab.PLACEMENTS.get(p.placement_type, p.placement_type)),
            ]
        )
        for p in placements
    }
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
    )


# --- report picks -------------------------------------------------------------------------


def add_pick(session: SessionLike, brief_id: int, kind: str, text: str, *, actor: User) -> Any:
    """Staff pick a highlight or a member quote for the report."""
    if actor.role not in STAFF_ROLES:
        raise CampaignNotFound()
    get_campaign(session, brief_id, actor)
    text = text.strip()
    if kind not in ("highlight", "quote") or not text:
        raise KesherError(str(_l("A highlight or a quote needs its text.")))
    pick = ReportPick(brief_id=brief_id, kind=kind, text=text[:2000], created_by_id=actor.id)
    session.add(pick)
    session.flush()
    return pick


def picks(session: SessionLike, brief_id: int) -> list[ReportPick]:
    return list(
        session.scalars(
            select(ReportPick).where(ReportPick.brief_id == brief_id).order_by(ReportPick.id)
        )
    )


# --- member pulse -------------------------------------------------------------------------


class PulseClosed(NotFound):
    code = "pulse_not_found"
    default_message = _l("This survey is closed or does not exist.")


class AlreadyAnswered(Conflict):
    code = "pulse_answered"
    default_message = _l("You have already answered this survey. Thank you!")


def open_pulse(session: SessionLike, brief_id: int, *, actor: User) -> list[PulseSurvey]:
    """Open one anonymous survey per community of the campaign (staff); idempotent."""
    if actor.role not in STAFF_ROLES:
        raise CampaignNotFound()
    campaign = get_campaign(session, brief_id, actor)
    existing = {
        s.community_id: s
        for s in session.scalars(select(PulseSurvey).where(PulseSurvey.brief_id == brief_id))
    }
    for community_id in sorted({p.asset.community_id for p in campaign.placements}):
        if community_id not in existing:
            survey = PulseSurvey(
                brief_id=brief_id,
                community_id=community_id,
                slug=secrets.token_urlsafe(18),
                salt=secrets.token_hex(32),
            )
            session.add(survey)
            existing[community_id] = survey
    session.flush()
    return sorted(existing.values(), key=lambda s: s.community_id)


def surveys(session: SessionLike, brief_id: int) -> list[PulseSurvey]:
    return list(
        session.scalars(
            select(PulseSurvey)
            .where(PulseSurvey.brief_id == brief_id)
            .order_by(PulseSurvey.community_id)
        )
    )


def survey_by_slug(session: SessionLike, slug: str) -> PulseSurvey:
    survey = session.scalar(select(PulseSurvey).where(PulseSurvey.slug == slug[:40]))
    if survey is None or not survey.is_open:
        raise PulseClosed()
    return survey


def visitor_hash(survey: PulseSurvey, visitor: str) -> str:
    """The visitor's salted hash in this survey (the cookie's value never leaves the server)."""
    return hmac.new(survey.salt.encode(), visitor.encode(), hashlib.sha256).hexdigest()


def answer_pulse(
    session: SessionLike, survey: PulseSurvey, *, visitor: str, recall: bool, sentiment: int,
    trust: int,
) -> PulseAnswer:  # fmt: skip
    """Record one visitor's answer; a second answer from the same visitor is refused."""
    digest = visitor_hash(survey, visitor)
    taken = session.scalar(
        select(PulseAnswer.id).where(
            PulseAnswer.survey_id == survey.id, PulseAnswer.visitor_hash == digest
        )
    )
    if taken is not None:
        raise AlreadyAnswered()
    answer = PulseAnswer(
        survey_id=survey.id, visitor_hash=digest, recall=recall, sentiment=sentiment, trust=trust
    )
    session.add(answer)
    session.flush()
    return answer


def pulse(session: SessionLike, brief_id: int) -> pd.DataFrame:
    """The campaign's pulse per community, blank below the minimum number of answers."""
    rows = session.execute(
        select(PulseSurvey.community_id, PulseAnswer.recall, PulseAnswer.sentiment,
               PulseAnswer.trust)
        .join(PulseAnswer, PulseAnswer.survey_id == PulseSurvey.id)
        .where(PulseSurvey.brief_id == brief_id)
    ).all()  # fmt: skip
    return pulse_summary(
        pd.DataFrame(rows, columns=["community_id", "recall", "sentiment", "trust"])
    )
