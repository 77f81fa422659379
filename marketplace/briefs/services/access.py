"""Who acts on a brief and who sees what: the roles, the API's actor, the scoped queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select

from campaigns.brief import Goal
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief, BriefStatus, ComplianceStatus
from marketplace.db import SessionLike
from marketplace.errors import Conflict, Forbidden, NotFound

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})
BRAND_ROLES = frozenset({Role.BRAND})


@dataclass(frozen=True)
class ApiActor:
    """An API client acting for its brand organisation through one of its tokens."""

    organisation_id: int
    token_name: str
    id: None = None
    role: Role = Role.BRAND

    @property
    def display_name(self) -> str:
        return f"API · {self.token_name}"


#: Who acts on a brief: a signed-in user, or an organisation's API token.
Actor = User | ApiActor


# --- who sees what -------------------------------------------------------------------------


def visible_briefs(actor: Actor) -> Select[Brief]:
    """Scope a brief query to what the actor may see.

    Brand members see every brief of their organisation; agency staff see every brief that
    was submitted (never another organisation's drafts); owners and finance see none.
    """
    query = select(Brief)
    if actor.role in STAFF_ROLES:
        return query.where(Brief.status != BriefStatus.DRAFT)
    if actor.role in BRAND_ROLES and actor.organisation_id is not None:
        return query.where(Brief.organisation_id == actor.organisation_id)
    return query.where(false())


def can_view(actor: Actor, brief: Brief) -> bool:
    """Members of the brief's organisation, and agency staff once it is submitted."""
    if actor.role in STAFF_ROLES:
        return brief.status != BriefStatus.DRAFT
    return actor.role in BRAND_ROLES and actor.organisation_id == brief.organisation_id


#: Statuses in which the brand may still change what the brief says.
EDITABLE = frozenset({BriefStatus.DRAFT, BriefStatus.CHANGES_REQUESTED})


def can_edit(actor: Actor, brief: Brief) -> bool:
    """Any member of the organisation, while the brief is a draft or changes were requested."""
    return (
        actor.role in BRAND_ROLES
        and actor.organisation_id == brief.organisation_id
        and brief.status in EDITABLE
    )


def get_visible(session: SessionLike, brief_id: int, actor: Actor) -> Brief:
    """Load a brief the actor may see; NotFound otherwise (others' briefs do not exist)."""
    brief = session.scalar(visible_briefs(actor).where(Brief.id == brief_id))
    if brief is None:
        raise NotFound()
    return brief


def get_editable(session: SessionLike, brief_id: int, actor: Actor) -> Brief:
    """Load a brief the actor may edit now; a visible one that is past editing is a conflict."""
    brief = get_visible(session, brief_id, actor)
    if not can_edit(actor, brief):
        if actor.role in BRAND_ROLES:
            raise Conflict(str(_l("This brief can no longer be edited.")))
        raise NotFound()
    return brief


def list_for_org(session: SessionLike, actor: Actor) -> list[Brief]:
    """The actor's organisation's briefs, newest first."""
    return list(
        session.scalars(visible_briefs(actor).order_by(Brief.updated_at.desc(), Brief.id.desc()))
    )


#: What the staff queue shows when no status is chosen: briefs waiting for the agency.
QUEUE_DEFAULT = (BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING, BriefStatus.CHANGES_REQUESTED)


def staff_queue(
    session: SessionLike,
    actor: Actor,
    *,
    statuses: Sequence[BriefStatus] = QUEUE_DEFAULT,
    compliance: ComplianceStatus | None = None,
    goal: Goal | None = None,
    text: str = "",
    limit: int = 200,
) -> list[Brief]:
    """Submitted briefs for agency staff, oldest submission first, with filters."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden()
    query = visible_briefs(actor).where(Brief.status.in_(list(statuses)))
    if compliance is not None:
        query = query.where(Brief.compliance_status == compliance)
    if goal is not None:
        query = query.where(Brief.goal == goal)
    if text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(
            or_(func.lower(Brief.title).like(like), func.lower(Brief.message).like(like))
        )
    query = query.order_by(Brief.submitted_at, Brief.id).limit(limit)
    return list(session.scalars(query))


def count_by_status(session: SessionLike, actor: Actor) -> dict[BriefStatus, int]:
    """How many visible briefs are in each status."""
    sub = visible_briefs(actor).subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    return {BriefStatus(status): count for status, count in rows}
