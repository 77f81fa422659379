"""Demo: the running campaign's delivered placements measured, picks for its report, a pulse.

Through the services, once: each placement whose posts were verified gets its figures (staff,
read from the platform's insights, so *verified*; one also with an owner's self-reported
figure), which calibrates the valuation; staff pick a highlight and a member quote; the
pulse of the measured community has enough answers to be shown.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from campaigns.delivery import PostStatus
from campaigns.results import ResultMetric
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike, utcnow
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import DealPlacement
from marketplace.delivery.models import Post
from marketplace.reports import services
from marketplace.reports.models import PlacementMetric
from pricing.taxonomy import EvidenceTier

#: The pulse answers of the measured community: (recall, sentiment, trust), twelve of them.
PULSE = [
    (True, 5, 5), (True, 4, 4), (True, 4, 5), (False, 3, 4), (True, 5, 4), (True, 4, 3),
    (True, 3, 4), (False, 4, 4), (True, 5, 5), (True, 4, 4), (True, 2, 3), (True, 4, 5),
]  # fmt: skip


def seed_results(session: SessionLike, *, now: dt.datetime | None = None) -> int:
    """Measure the desk campaign's verified placements, once; return how many figures."""
    today = (now or utcnow()).date()
    brief = session.scalar(select(Brief).where(Brief.title == DESK_TITLE))
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if brief is None or staff is None:
        return 0
    placements = list(
        session.scalars(
            select(DealPlacement)
            .join(Post, Post.deal_placement_id == DealPlacement.id)
            .where(Post.brief_id == brief.id, Post.status == PostStatus.VERIFIED)
            .distinct()
            .order_by(DealPlacement.id)
        )
    )
    if not placements or session.scalar(
        select(PlacementMetric.id).where(PlacementMetric.placement_id == placements[0].id)
    ):
        return 0
    written = 0
    for n, placement in enumerate(placements):
        members = int(placement.asset.members.value or 0)
        reach = max(1, int(members * (0.62 + 0.05 * n)))
        figures = {
            ResultMetric.REACH: reach,
            ResultMetric.VIEWS: int(reach * 1.4),
            ResultMetric.REACTIONS: max(1, reach // 12),
            ResultMetric.COMMENTS: max(1, reach // 30),
            ResultMetric.LEADS: max(1, reach // 60),
        }
        observed = min(today, placement.ends_on)
        written += len(services.record_figures(
            session, placement, figures, tier=EvidenceTier.VERIFIED, observed_on=observed,
            actor=staff, source="Insights screenshot, checked by the agency",
        ))  # fmt: skip
        owner = placement.deal.owner
        written += len(services.record_figures(
            session, placement, {ResultMetric.SHARES: max(1, reach // 40)},
            tier=EvidenceTier.SELF_REPORTED, observed_on=observed, actor=owner,
            source="The owner's count of forwards",
        ))  # fmt: skip
    services.add_pick(session, brief.id, "highlight",
                      "הקהילה ביקשה מתכונים נוספים לשבוע הבא — 40 תגובות ביום הראשון.",
                      actor=staff)  # fmt: skip
    quote = "סוף סוף ארוחת עשר שהילדים באמת אוכלים. תודה על הרעיון!"
    services.add_pick(session, brief.id, "quote", quote, actor=staff)
    surveys = services.open_pulse(session, brief.id, actor=staff)
    measured = {p.asset.community_id for p in placements}
    for survey in surveys:
        if survey.community_id in measured:
            for i, (recall, sentiment, trust) in enumerate(PULSE):
                services.answer_pulse(session, survey, visitor=f"demo-visitor-{i:02d}",
                                      recall=recall, sentiment=sentiment, trust=trust)  # fmt: skip
            break
    session.flush()
    return written
