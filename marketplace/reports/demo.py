"""Demo: the running campaign's delivered placements measured, and a finished campaign.

Through the services, once: each placement whose posts were verified gets its figures (staff,
read from the platform's insights, so *verified*; one also with an owner's self-reported
figure), which calibrates the valuation; staff pick a highlight and a member quote; the
pulse of the measured community has enough answers to be shown.

:func:`seed_finished` adds a second campaign of the same brand that has ended: its deals
agreed, every post proved, verified, measured and closed, with clicks on its short links,
picks and a pulse from each community, and the brief closed, so its report is complete.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from campaigns import tracking
from campaigns.deals import DealStatus
from campaigns.delivery import PostStatus
from campaigns.results import ResultMetric
from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.db import SessionLike, utcnow
from marketplace.deals.demo import DESK_TITLE, seed_deals
from marketplace.deals.models import Deal, DealPlacement
from marketplace.delivery import services as delivery
from marketplace.delivery.demo import POSTED_TEXT, demo_screenshot
from marketplace.delivery.models import Post
from marketplace.links import services as links
from marketplace.links.demo import LANDING
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
            actor=staff, source="צילום מסך של התובנות, נבדק בסוכנות",
        ))  # fmt: skip
        owner = placement.deal.owner
        written += len(services.record_figures(
            session, placement, {ResultMetric.SHARES: max(1, reach // 40)},
            tier=EvidenceTier.SELF_REPORTED, observed_on=observed, actor=owner,
            source="ספירת ההעברות של בעלי הקהילה",
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


#: The finished campaign's brief (the same brand's autumn campaign, before the winter one).
FINISHED_TITLE = "ארוחות עשר בריאות — קמפיין סתיו"
#: Its agreed deals' windows as days from today (start, end): all over weeks ago.
FINISHED_WINDOWS: tuple[tuple[int, int], ...] = ((-60, -50), (-56, -46), (-52, -42))


def seed_finished(session: SessionLike, *, now: dt.datetime | None = None) -> int:
    """Add the brand's finished campaign, once (its title is the key); return its posts.

    Like the running campaign (marketplace/delivery/demo.py), its agreed placements' windows
    are moved to the past (demo data only), then everything goes through the services.
    """
    now = now or utcnow()
    today = now.date()
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if staff is None or session.scalar(select(Brief.id).where(Brief.title == FINISHED_TITLE)):
        return 0
    if not seed_deals(session, today=today, title=FINISHED_TITLE,
                      stages=("agreed",) * len(FINISHED_WINDOWS)):  # fmt: skip
        return 0
    brief = session.scalars(select(Brief).where(Brief.title == FINISHED_TITLE)).one()
    deals = list(
        session.scalars(
            select(Deal)
            .where(Deal.brief_id == brief.id, Deal.status == DealStatus.AGREED)
            .order_by(Deal.id)
        )
    )
    posts: list[Post] = []
    for deal, (start, end) in zip(deals, FINISHED_WINDOWS, strict=False):
        for placement in deal.placements:
            placement.starts_on = today + dt.timedelta(days=start)
            placement.ends_on = today + dt.timedelta(days=end)
        session.flush()
        delivery.schedule_deal(session, deal, now=now)
        for post in session.scalars(select(Post).where(Post.deal_id == deal.id).order_by(Post.id)):
            posted = dt.datetime.combine(max(post.opens_on, post.due_on - dt.timedelta(days=1)),
                                         dt.time(8, 15), dt.UTC)  # fmt: skip
            proof = delivery.submit_proof(
                session, post.id, live_url=f"https://chat.whatsapp.com/demo/{post.id}",
                screenshot=delivery.Upload(f"post-{post.id}.png", demo_screenshot(post.id)),
                post_text=f"{POSTED_TEXT} שיתוף פעולה בתשלום", actor=deal.owner, now=posted,
            )  # fmt: skip
            delivery.decide_proof(session, proof.id, verify=True, actor=staff,
                                  now=posted + dt.timedelta(hours=2))  # fmt: skip
            posts.append(post)
    placements = [p for deal in deals for p in deal.placements]
    salt = tracking.daily_salt("demo-finished", today)
    for n, placement in enumerate(placements):
        members = int(placement.asset.members.value or 0)
        reach = max(1, int(members * (0.55 + 0.08 * n)))
        figures = {
            ResultMetric.REACH: reach,
            ResultMetric.VIEWS: int(reach * 1.3),
            ResultMetric.REACTIONS: max(1, reach // 10),
            ResultMetric.COMMENTS: max(1, reach // 25),
            ResultMetric.SHARES: max(1, reach // 45),
            ResultMetric.LEADS: max(1, reach // 50),
        }
        services.record_figures(
            session, placement, figures, tier=EvidenceTier.VERIFIED,
            observed_on=placement.ends_on, actor=staff, today=today,
            source="צילום מסך של התובנות, נבדק בסוכנות",
        )  # fmt: skip
        link = links.create_link(session, placement.id, LANDING, actor=staff)
        clicked = dt.datetime.combine(placement.starts_on, dt.time(9), dt.UTC)
        for person in range(max(3, reach // 40)):
            visitor = tracking.visitor_hash(f"203.0.113.{person % 250}", f"demo-{person}", salt)
            at = clicked + dt.timedelta(minutes=17 * person)
            links.record_click(session, link.id, at=at, visitor=visitor, bot=False)
    for post in posts:
        delivery.close_post(session, post.id, actor=staff, now=now - dt.timedelta(days=30))
    services.add_pick(session, brief.id, "highlight",
                      "שלוש קהילות, כל הפוסטים עלו בזמן ואומתו; ההורים ביקשו עוד מתכונים.",
                      actor=staff)  # fmt: skip
    services.add_pick(session, brief.id, "quote", "הכנו את הכריך מהמתכון כל הבוקר, הילדים אהבו.",
                      actor=staff)  # fmt: skip
    for index, survey in enumerate(services.open_pulse(session, brief.id, actor=staff)):
        for i, (recall, sentiment, trust) in enumerate(PULSE[index % 2 :] + PULSE[: index % 2]):
            services.answer_pulse(session, survey, visitor=f"demo-finished-{i:02d}",
                                  recall=recall, sentiment=sentiment, trust=trust)  # fmt: skip
    briefs.change_status(session, brief, BriefStatus.CLOSED, actor=staff)
    session.flush()
    return len(posts)
