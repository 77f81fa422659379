"""A brief's life: saving drafts, the status workflow and its table, compliance, comments.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from campaigns.brief import BriefSpec, Problem, clean_draft
from marketplace.auth.models import Role
from marketplace.briefs.models import (
    Brief,
    BriefComment,
    BriefEvent,
    BriefStatus,
    ComplianceStatus,
)
from marketplace.briefs.services.access import (
    BRAND_ROLES,
    STAFF_ROLES,
    Actor,
    can_edit,
    can_view,
)
from marketplace.briefs.services.checks import (
    brief_data,
    brief_spec,
    draft_problems,
    submit_problems,
)
from marketplace.db import SessionLike, utcnow
from marketplace.errors import (
    Conflict,
    EmailNotConfirmed,
    Forbidden,
    InvalidTransition,
    KesherError,
    NotFound,
)

MAX_COMMENT = 4000


class BriefValidationError(KesherError):
    """The brief cannot be saved or submitted; `problems` says which field and why."""

    code = "invalid_brief"
    status_code = 422
    default_message = _l("Some fields of the brief need your attention.")

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__()


# --- saving a brief ------------------------------------------------------------------------


def _record(
    brief: Brief, kind: str, before: str, after: str, *, actor: Actor, note: str = ""
) -> None:
    brief.events.append(
        BriefEvent(
            kind=kind,
            from_value=before,
            to_value=after,
            actor_id=actor.id,
            actor_name=actor.display_name[:200],
            note=note.strip(),
        )
    )


def _strict(brief: Brief | None) -> bool:
    return brief is not None and brief.status == BriefStatus.CHANGES_REQUESTED


def save_problems(
    session: SessionLike,
    data: Mapping[str, Any],
    *,
    brief: Brief | None = None,
    today: dt.date | None = None,
) -> list[Problem]:
    """What stops `data` from being saved into `brief` (a new draft when None).

    A draft accepts an incomplete brief; a brief sent back for changes was submitted once and
    stays complete, so it is checked as fully as a submission.
    """
    if _strict(brief):
        return submit_problems(session, data, today=today)
    return draft_problems(session, data)


def save_brief(
    session: SessionLike,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    brief: Brief | None = None,
    today: dt.date | None = None,
) -> Brief:
    """Create a draft, or replace what an editable brief says with `data` (the JSON format).

    A draft accepts an incomplete brief; a brief sent back for changes was submitted once
    and stays complete, so it is checked as fully as a submission.
    """
    if actor.role not in BRAND_ROLES or actor.organisation_id is None:
        raise Forbidden(str(_l("Briefs belong to brand organisations.")))
    if brief is not None and not can_edit(actor, brief):
        raise Conflict(str(_l("This brief can no longer be edited.")))
    sent_back = brief is not None and brief.status is not BriefStatus.DRAFT
    if sent_back and not getattr(actor, "email_verified", True):
        raise EmailNotConfirmed()  # a brief sent back for changes is the agency's work
    strict = _strict(brief)
    problems = save_problems(session, data, brief=brief, today=today)
    if problems:
        raise BriefValidationError(problems)
    values = clean_draft(data)
    if brief is None:
        brief = Brief(organisation_id=actor.organisation_id, created_by_id=actor.id)
        session.add(brief)
        _record(brief, "status", "", BriefStatus.DRAFT.value, actor=actor)
    before = set(brief.regulated or [])
    for name, value in values.items():
        setattr(brief, name, value)
    brief.updated_by_id = actor.id
    if strict and set(values["regulated"]) != before:
        # A different category is a different question for compliance.
        _set_compliance(brief, _compliance_for(values["regulated"]), actor=actor, note="")
    session.flush()
    return brief


def _compliance_for(regulated: Sequence[str]) -> ComplianceStatus:
    return ComplianceStatus.PENDING if regulated else ComplianceStatus.NOT_REQUIRED


def _set_compliance(brief: Brief, to: ComplianceStatus, *, actor: Actor, note: str) -> None:
    before = brief.compliance_status or ComplianceStatus.NOT_REQUIRED
    if before == to and not note:
        return
    brief.compliance_status = to
    brief.compliance_note = note.strip()
    _record(brief, "compliance", before.value, to.value, actor=actor, note=note)


# --- the lifecycle -------------------------------------------------------------------------

BOTH = frozenset({*BRAND_ROLES, *STAFF_ROLES})

#: (from, to) → the roles that may make the move. Anything else is an invalid transition.
TRANSITIONS: dict[tuple[BriefStatus, BriefStatus], frozenset[Role]] = {
    (BriefStatus.DRAFT, BriefStatus.SUBMITTED): BRAND_ROLES,
    (BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING): STAFF_ROLES,
    (BriefStatus.IN_PLANNING, BriefStatus.PLAN_PROPOSED): STAFF_ROLES,
    (BriefStatus.PLAN_PROPOSED, BriefStatus.IN_PLANNING): STAFF_ROLES,
    (BriefStatus.PLAN_PROPOSED, BriefStatus.APPROVED): BRAND_ROLES,
    (BriefStatus.PLAN_PROPOSED, BriefStatus.CHANGES_REQUESTED): BRAND_ROLES,
    (BriefStatus.CHANGES_REQUESTED, BriefStatus.IN_PLANNING): STAFF_ROLES,
    (BriefStatus.DRAFT, BriefStatus.CLOSED): BRAND_ROLES,
    (BriefStatus.SUBMITTED, BriefStatus.CLOSED): BOTH,
    (BriefStatus.IN_PLANNING, BriefStatus.CLOSED): BOTH,
    (BriefStatus.PLAN_PROPOSED, BriefStatus.CLOSED): BOTH,
    (BriefStatus.CHANGES_REQUESTED, BriefStatus.CLOSED): BOTH,
    (BriefStatus.APPROVED, BriefStatus.CLOSED): BOTH,
}


def _label(status: BriefStatus) -> str:
    from marketplace.briefs.vocab import STATUS_LABELS

    return str(STATUS_LABELS[status])


def may_move(actor: Actor, brief: Brief, to: BriefStatus) -> bool:
    """Whether the table lets this actor make this move now (guards aside)."""
    roles = TRANSITIONS.get((brief.status, to))
    return roles is not None and actor.role in roles and can_view(actor, brief)


def allowed_transitions(brief: Brief, actor: Actor) -> list[BriefStatus]:
    """The statuses this actor may move the brief to now."""
    return [to for (frm, to) in TRANSITIONS if frm == brief.status and may_move(actor, brief, to)]


def change_status(
    session: SessionLike,
    brief: Brief,
    to: BriefStatus,
    *,
    actor: Actor,
    note: str = "",
    today: dt.date | None = None,
    plan_sent: bool = False,
) -> None:
    """Move a brief along its lifecycle, or raise and change nothing.

    Raises InvalidTransition for a move the table does not allow (or a guard refuses), and
    BriefValidationError when a submitted brief is incomplete or a note is missing.

    A brief is "plan proposed" only when a plan was sent: the planning feature, which owns
    plans, calls this with ``plan_sent=True`` (``matching.services.propose``). Briefs know
    nothing of plans; the planning feature keeps its plans in step after calling this.
    """
    before = brief.status
    if not may_move(actor, brief, to):
        raise InvalidTransition(
            str(_l("A brief cannot go from “%(a)s” to “%(b)s”.", a=_label(before), b=_label(to)))
        )
    if to == BriefStatus.SUBMITTED:
        if not getattr(actor, "email_verified", True):
            raise EmailNotConfirmed()  # the form's "Submit" reaches the agency, like the route
        problems = submit_problems(session, brief_data(brief), today=today)
        if problems:
            raise BriefValidationError(problems)
        _set_compliance(brief, _compliance_for(brief.regulated or []), actor=actor, note="")
        brief.submitted_at = utcnow()
    elif to == BriefStatus.CHANGES_REQUESTED and not note.strip():
        raise BriefValidationError(
            [Problem("note", "note_required", str(_l("Say what should change in the plan.")))]
        )
    elif to == BriefStatus.PLAN_PROPOSED:
        if brief.is_regulated and brief.compliance_status != ComplianceStatus.APPROVED:
            raise InvalidTransition(
                str(_l("A regulated brief needs its compliance approval before a plan."))
            )
        if not plan_sent:
            raise InvalidTransition(str(_l("Build a plan and send it to propose one.")))
    if to == BriefStatus.IN_PLANNING and actor.role in STAFF_ROLES and actor.id is not None:
        brief.planner_id = brief.planner_id or actor.id
    if to == BriefStatus.CLOSED:
        brief.closed_at = utcnow()
    brief.status = to
    _record(brief, "status", before.value, to.value, actor=actor, note=note)
    session.flush()


def submit_brief(
    session: SessionLike, brief: Brief, *, actor: Actor, today: dt.date | None = None
) -> BriefSpec:
    """Submit a draft: check it completely, and ask for compliance when it is regulated."""
    change_status(session, brief, BriefStatus.SUBMITTED, actor=actor, today=today)
    return brief_spec(brief)


#: Statuses in which compliance may decide (after submission, before the plan is shown).
COMPLIANCE_OPEN = frozenset(
    {BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING, BriefStatus.CHANGES_REQUESTED}
)


def decide_compliance(
    session: SessionLike, brief: Brief, *, approved: bool, note: str, actor: Actor
) -> None:
    """Agency staff clear a regulated brief to run, or refuse it with a reason."""
    if actor.role not in STAFF_ROLES or not can_view(actor, brief):
        raise Forbidden(str(_l("Only agency staff decide on compliance.")))
    if not brief.is_regulated:
        raise Conflict(str(_l("This brief is not in a regulated category.")))
    if brief.status not in COMPLIANCE_OPEN:
        raise InvalidTransition(str(_l("Compliance is decided before a plan is proposed.")))
    if not approved and not note.strip():
        raise BriefValidationError(
            [Problem("note", "note_required", str(_l("Say why the brief cannot run.")))]
        )
    target = ComplianceStatus.APPROVED if approved else ComplianceStatus.REJECTED
    _set_compliance(brief, target, actor=actor, note=note)
    brief.compliance_by_id = actor.id
    brief.compliance_at = utcnow()
    session.flush()


# --- comments ------------------------------------------------------------------------------


def add_comment(session: SessionLike, brief: Brief, body: str, *, actor: Actor) -> BriefComment:
    """Add a message to the brief's thread (the brand and the agency)."""
    if not can_view(actor, brief):
        raise NotFound()
    text = body.strip()
    if not text or len(text) > MAX_COMMENT:
        raise BriefValidationError(
            [Problem("body", "bad_comment", str(_l("Write a comment of up to 4,000 characters.")))]
        )
    comment = BriefComment(
        author_id=actor.id,
        author_name=actor.display_name[:200],
        from_agency=actor.role in STAFF_ROLES,
        body=text,
    )
    brief.comments.append(comment)
    session.flush()
    return comment
