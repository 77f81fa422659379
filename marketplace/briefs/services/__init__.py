"""Brief use-cases: drafts, submission, the status workflow, compliance, comments, who sees what.

A brief is stored in the brief JSON format of :mod:`campaigns.brief` (see ``docs/briefs.md``).
A draft may be incomplete (a title or a goal is enough) but never malformed; submitting runs
the full :func:`campaigns.brief.parse_brief`, so a submitted brief always parses into a
:class:`~campaigns.brief.BriefSpec` for matching and planning.

The modules, lowest first: ``communities`` (the communities a brief names), ``access`` (who
acts on a brief and who sees what), ``checks`` (the brief JSON format and what stops a brief
from being saved or submitted) and ``workflow`` (saving, the status table, compliance,
comments).

Every function takes the session explicitly and flushes; the caller commits once. This package
is the briefs feature's public surface: callers import it, not its modules.
"""

from marketplace.briefs.services.access import (
    BRAND_ROLES,
    EDITABLE,
    QUEUE_DEFAULT,
    STAFF_ROLES,
    Actor,
    ApiActor,
    can_edit,
    can_view,
    count_by_status,
    get_editable,
    get_visible,
    list_for_org,
    staff_queue,
    visible_briefs,
)
from marketplace.briefs.services.checks import (
    FIELDS,
    MAX_TITLE,
    TOPICS,
    brief_data,
    brief_spec,
    draft_problems,
    submit_problems,
    warnings_of,
)
from marketplace.briefs.services.communities import (
    community_lines,
    listed_community_names,
    resolve_communities,
)
from marketplace.briefs.services.workflow import (
    BOTH,
    COMPLIANCE_OPEN,
    MAX_COMMENT,
    TRANSITIONS,
    BriefValidationError,
    add_comment,
    allowed_transitions,
    change_status,
    decide_compliance,
    may_move,
    save_brief,
    save_problems,
    submit_brief,
)

__all__ = [
    "BOTH",
    "BRAND_ROLES",
    "COMPLIANCE_OPEN",
    "EDITABLE",
    "FIELDS",
    "MAX_COMMENT",
    "MAX_TITLE",
    "QUEUE_DEFAULT",
    "STAFF_ROLES",
    "TOPICS",
    "TRANSITIONS",
    "Actor",
    "ApiActor",
    "BriefValidationError",
    "add_comment",
    "allowed_transitions",
    "brief_data",
    "brief_spec",
    "can_edit",
    "can_view",
    "change_status",
    "community_lines",
    "count_by_status",
    "decide_compliance",
    "draft_problems",
    "get_editable",
    "get_visible",
    "list_for_org",
    "listed_community_names",
    "may_move",
    "resolve_communities",
    "save_brief",
    "save_problems",
    "staff_queue",
    "submit_brief",
    "submit_problems",
    "visible_briefs",
    "warnings_of",
]
