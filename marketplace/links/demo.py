"""Demo: the desk brief's agreed placements get their short links, promo codes and clicks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from campaigns import tracking
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike, utcnow
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.links import services
from marketplace.links.models import TrackedLink

#: The brand's landing page in the demo (an address of the reserved .example domain).
LANDING = "https://shorashim-foods.example/winter-snacks?ref=community"
#: People's clicks per demo link, in order (a few repeats and bots come on top).
CLICKS = (40, 25, 12, 6, 3)


def seed_links(session: SessionLike, *, now: dt.datetime | None = None) -> int:
    """Links, codes and a few days of clicks for the desk brief's agreed placements, once."""
    brief = session.scalar(select(Brief).where(Brief.title == DESK_TITLE))
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if brief is None or staff is None:
        return 0
    placements = session.scalars(
        select(DealPlacement)
        .join(Deal, Deal.id == DealPlacement.deal_id)
        .where(Deal.brief_id == brief.id, DealPlacement.status == PlacementStatus.AGREED)
        .order_by(DealPlacement.id)
    ).all()
    done = set(session.scalars(select(TrackedLink.placement_id)))
    now = now or utcnow()
    made = 0
    for index, placement in enumerate(placements):
        if placement.id in done:
            continue
        link = services.create_link(session, placement.id, LANDING, actor=staff)
        services.add_promo_code(session, placement.id, f"KESHER{placement.id}", actor=staff)
        salt = tracking.daily_salt("demo", now.date())
        people = CLICKS[index] if index < len(CLICKS) else 1
        for n in range(people):
            at = now - dt.timedelta(hours=3 * n + 1)
            visitor = tracking.visitor_hash(f"198.51.100.{n % 250}", "demo", salt)
            services.record_click(session, link.id, at=at, visitor=visitor, bot=False)
            if n % 5 == 0:  # a repeat a minute later, and a link preview
                later = at + dt.timedelta(minutes=1)
                services.record_click(session, link.id, at=later, visitor=visitor, bot=False)
                services.record_click(session, link.id, at=at, visitor="0" * 32, bot=True)
        made += 1
    session.flush()
    return made
