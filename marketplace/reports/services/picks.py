"""The highlights and member quotes staff pick for the report."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.db import SessionLike
from marketplace.errors import KesherError
from marketplace.reports.models import ReportPick
from marketplace.reports.services.access import STAFF_ROLES, CampaignNotFound, get_campaign

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
