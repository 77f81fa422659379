"""Brief use-cases: drafts, submission, the status workflow, compliance, comments, who sees what.

A brief is stored in the brief JSON format of :mod:`campaigns.brief` (see ``docs/briefs.md``).
A draft may be incomplete (a title or a goal is enough) but never malformed; submitting runs
the full :func:`campaigns.brief.parse_brief`, so a submitted brief always parses into a
:class:`~campaigns.brief.BriefSpec` for matching and planning.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select

from campaigns.brief import (
    FIELD_NAMES,
    BriefInvalid,
    BriefSpec,
    Goal,
    Kpi,
    KpiKind,
    KpiWarning,
    Problem,
    brief_json,
    clean_draft,
    kpi_warnings,
    parse_brief,
)
from marketplace.auth.models import Role, User
from marketplace.briefs.models import (
    Brief,
    BriefComment,
    BriefEvent,
    BriefStatus,
    ComplianceStatus,
)
from marketplace.catalog import vocab as catalog_vocab
from marketplace.catalog.models import Community, ListingStatus, name_in, ui_language
from marketplace.db import SessionLike, utcnow
from marketplace.errors import Conflict, Forbidden, InvalidTransition, KesherError, NotFound
from marketplace.safety import MAX_ID
from pricing.money import CURRENCY_EXPONENTS

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})
BRAND_ROLES = frozenset({Role.BRAND})
TOPICS = frozenset(catalog_vocab.TOPICS)
MAX_TITLE = 200
MAX_COMMENT = 4000


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


class BriefValidationError(KesherError):
    """The brief cannot be saved or submitted; `problems` says which field and why."""

    code = "invalid_brief"
    status_code = 422
    default_message = _l("Some fields of the brief need your attention.")

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__()


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


# --- the brief JSON format -----------------------------------------------------------------

#: The fields of the brief JSON format, in documentation order (the spec's table).
FIELDS = FIELD_NAMES


def brief_data(brief: Brief) -> dict[str, Any]:
    """The stored brief in the brief JSON format (what `parse_brief` reads)."""
    return brief_json(brief)


def brief_spec(brief: Brief) -> BriefSpec:
    """The brief as the matching engine and the planner read it.

    Dates are not checked against today: a brief submitted last month is still the brief.
    Raises :class:`campaigns.brief.BriefInvalid` for a draft that is not complete yet.
    """
    return parse_brief(brief_data(brief), topics=TOPICS)


def _problems_of(data: Mapping[str, Any], *, today: dt.date | None) -> list[Problem]:
    try:
        parse_brief(data, today=today, topics=TOPICS)
    except BriefInvalid as invalid:
        return list(invalid.problems)
    return []


def _title_problems(data: Mapping[str, Any]) -> list[Problem]:
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        return [Problem("title", "not_a_string", "must be a string")]
    if len((title or "").strip()) > MAX_TITLE:
        return [Problem("title", "too_long", f"at most {MAX_TITLE} characters")]
    return []


def _vocabulary_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Values the catalog's vocabularies do not know (parse_brief leaves these to the app)."""
    problems: list[Problem] = []
    audience = data.get("audience")
    if isinstance(audience, Mapping):
        for dim, buckets in audience.items():
            known = catalog_vocab.AUDIENCE_DIMENSIONS.get(dim)
            if known is None or not isinstance(buckets, list | tuple | str):
                continue
            for bucket in [buckets] if isinstance(buckets, str) else buckets:
                if isinstance(bucket, str) and bucket.strip() and bucket.strip() not in known:
                    problems.append(
                        Problem(f"audience.{dim}", "unknown_value", f"'{bucket}' is not one of: "
                                f"{', '.join(known)}")
                    )  # fmt: skip
    for name, vocabulary in (("languages", catalog_vocab.LANGUAGES),
                             ("regions", catalog_vocab.REGIONS)):  # fmt: skip
        values = data.get(name)
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list | tuple):
            continue
        for value in values:
            if isinstance(value, str) and value.strip() and value.strip() not in vocabulary:
                problems.append(
                    Problem(name, "unknown_value", f"'{value}' is not one of: "
                            f"{', '.join(vocabulary)}")
                )  # fmt: skip
    currency = str(data.get("currency") or "ILS").upper()
    if len(currency) == 3 and currency.isalpha() and currency not in CURRENCY_EXPONENTS:
        problems.append(
            Problem("currency", "bad_currency", f"one of {', '.join(CURRENCY_EXPONENTS)}")
        )
    return problems


def _community_problems(session: SessionLike, data: Mapping[str, Any]) -> list[Problem]:
    """Community ids must name listed communities (the planner can use no others)."""
    problems = []
    for name in ("exclude_communities", "must_have_communities"):
        ids = data.get(name) or []
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            continue  # parse_brief reports the shape
        known = listed_community_names(session, ids)
        for community_id in ids:
            if community_id not in known:
                problems.append(
                    Problem(name, "unknown_community", f"no listed community has id {community_id}")
                )
    return problems


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


def _draft_tolerates(problem: Problem, data: Mapping[str, Any]) -> bool:
    """Problems a draft may keep until it is submitted: what is missing, not what is wrong."""
    if problem.code == "unknown_goal":
        return _is_blank(data.get("goal"))
    if problem.code == "not_positive":
        return data.get("budget_minor", 0) == 0
    return problem.code in {"no_target", "before_start"}


def draft_problems(session: SessionLike, data: Mapping[str, Any]) -> list[Problem]:
    """What stops `data` from being saved even as a draft (malformed values)."""
    if not isinstance(data, Mapping):
        return [Problem("brief", "not_an_object", "a brief is a JSON object")]
    problems = [p for p in _problems_of(data, today=None) if not _draft_tolerates(p, data)]
    problems += _title_problems(data) + _vocabulary_problems(data)
    problems += _community_problems(session, data)
    if _is_blank(data.get("goal")) and not str(data.get("title") or "").strip():
        problems.append(Problem("title", "title_or_goal", "a draft needs a title or a goal"))
    return problems


def submit_problems(
    session: SessionLike, data: Mapping[str, Any], *, today: dt.date | None = None
) -> list[Problem]:
    """Everything that stops `data` from being submitted (empty when it may be)."""
    if not isinstance(data, Mapping):
        return [Problem("brief", "not_an_object", "a brief is a JSON object")]
    problems = _problems_of(data, today=today or dt.date.today())
    problems += _title_problems(data) + _vocabulary_problems(data)
    problems += _community_problems(session, data)
    untargeted = not data.get("audience") and not data.get("topics")
    if untargeted and not any(p.code == "no_target" for p in problems):
        # The engine can rank on a message's words alone, but a brief the agency plans
        # needs to say whom to reach: an audience or topics.
        problems.append(
            Problem(
                "audience",
                "no_target",
                "a brief needs a target audience or topics to match communities on",
            )
        )
    return problems


_KPI_NAMES = frozenset(k.value for k in KpiKind)


def warnings_of(data: Mapping[str, Any]) -> list[KpiWarning]:
    """KPI targets the chosen goal is unlikely to meet, even for an incomplete draft."""
    try:
        goal = Goal(str(data.get("goal")))
    except ValueError:
        return []
    kpis = []
    raw = data.get("kpis") or {}
    for kind, target in raw.items() if isinstance(raw, Mapping) else ():
        if kind in _KPI_NAMES and isinstance(target, int) and target > 0:
            kpis.append(Kpi(KpiKind(kind), target))
    return kpi_warnings(BriefSpec(goal=goal, kpis=tuple(kpis)))


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


# --- communities named in a brief ----------------------------------------------------------


def listed_community_names(session: SessionLike, ids: Iterable[int]) -> dict[int, str]:
    """The display names of the listed communities among `ids` (any other id names none)."""
    # An id no id column can hold names no community: asking the database would overflow its
    # 32-bit column on PostgreSQL (a 400 from the safety net) instead of "unknown community".
    wanted = [i for i in dict.fromkeys(ids) if 1 <= i <= MAX_ID]
    if not wanted:
        return {}
    rows = session.execute(
        select(Community.id, Community.name_he, Community.name_en).where(
            Community.id.in_(wanted), Community.status == ListingStatus.LISTED
        )
    ).all()
    return {row.id: name_in(row.name_he, row.name_en, ui_language()) for row in rows}


def resolve_communities(session: SessionLike, lines: Iterable[str]) -> tuple[list[int], list[str]]:
    """Find listed communities by name ("name", or "name (#id)" when names repeat).

    Returns the ids found and a message for each line that names none or several.
    """
    import re

    ids: list[int] = []
    errors: list[str] = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        tagged = re.search(r"#(\d+)\)?\s*$", line)
        if tagged:
            found = listed_community_names(session, [int(tagged.group(1))])
            if found:
                ids.extend(found)
                continue
            errors.append(str(_l("No listed community is number %(n)s.", n=tagged.group(1))))
            continue
        name = line.lower()
        matches = list(
            session.scalars(
                select(Community.id)
                .where(
                    Community.status == ListingStatus.LISTED,
                    or_(
                        func.lower(Community.name_he) == name,
                        func.lower(Community.name_en) == name,
                    ),
                )
                .limit(5)
            )
        )
        if len(matches) == 1:
            ids.append(matches[0])
        elif not matches:
            errors.append(str(_l("No listed community is called “%(name)s”.", name=line)))
        else:
            errors.append(
                str(_l("Several listed communities are called “%(name)s”; add the number, "
                       "e.g. “%(name)s (#%(id)s)”.", name=line, id=matches[0]))
            )  # fmt: skip
    return list(dict.fromkeys(ids)), errors


def community_lines(session: SessionLike, ids: Iterable[int]) -> str:
    """The communities as the form shows them: one "name (#id)" a line."""
    names = listed_community_names(session, ids)
    return "\n".join(f"{names.get(i, '?')} (#{i})" for i in ids)
