"""Demo: briefs in planning get a shortlist of their best matches and a first plan, proposed."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.db import SessionLike
from marketplace.matching import services
from marketplace.matching.models import ShortlistEntry

SHORTLIST = 6


def seed_plans(session: SessionLike) -> int:
    """Shortlist, plan and propose each demo brief in planning without a shortlist; count them."""
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if staff is None:
        return 0
    planned = 0
    for brief in session.scalars(select(Brief).where(Brief.status == BriefStatus.IN_PLANNING)):
        if session.scalar(select(ShortlistEntry.id).where(ShortlistEntry.brief_id == brief.id)):
            continue
        result = services.ranked(session, brief, top=SHORTLIST)
        for row in result.rows:
            services.add_to_shortlist(
                session, brief, row.community_id, actor=staff, note="מתאים לקהל היעד"
            )
        if result.rows:
            plan = services.make_plan(session, brief, actor=staff)
            # Sent to the brand, so whoever logs in as the README's brand has a plan to
            # approve or send back (the desk brief's plan is already approved).
            if plan.result.get("lines"):
                services.propose(session, brief, plan, actor=staff)
            planned += 1
    session.flush()
    return planned
