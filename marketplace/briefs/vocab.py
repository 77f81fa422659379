"""Labels of the brief vocabulary, and the brief engine's problems and warnings in the UI language.

`campaigns.brief` is pure and speaks English; the web pages show its problems and KPI
warnings through these translatable texts (falling back to the engine's English when a code
is new), so a Hebrew-speaking brand reads why, in Hebrew.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from campaigns.brief import Goal, KpiKind, KpiWarning, Problem
from marketplace.briefs.models import BriefStatus, ComplianceStatus
from marketplace.catalog import vocab as catalog_vocab

GOALS = {
    Goal.AWARENESS: _l("Awareness"),
    Goal.SALES_LEADS: _l("Sales and leads"),
    Goal.MARKET_EDUCATION: _l("Market education"),
    Goal.POSITIONING: _l("Positioning"),
    Goal.EMPLOYER_BRANDING: _l("Employer branding"),
    Goal.RECRUITMENT: _l("Recruitment"),
    Goal.PRODUCT_FEEDBACK: _l("Product feedback / round table"),
    Goal.PRODUCT_PILOT: _l("Product pilot / beta users"),
    Goal.SURVEY: _l("Survey"),
    Goal.EXPERT_SESSION: _l("Expert session"),
    Goal.EVENT: _l("Event"),
}

KPIS = {
    KpiKind.REACH: _l("Reach (people)"),
    KpiKind.IMPRESSIONS: _l("Impressions"),
    KpiKind.ENGAGEMENTS: _l("Engagements"),
    KpiKind.CLICKS: _l("Clicks"),
    KpiKind.LEADS: _l("Leads"),
    KpiKind.SALES: _l("Sales"),
    KpiKind.SIGNUPS: _l("Sign-ups"),
    KpiKind.SURVEY_RESPONSES: _l("Survey responses"),
    KpiKind.PARTICIPANTS: _l("Participants"),
    KpiKind.ENGAGEMENT_RATE: _l("Engagement rate (%)"),
    KpiKind.ACTIVITY_RATE: _l("Activity rate (%)"),
}

STATUS_LABELS = {
    BriefStatus.DRAFT: _l("Draft"),
    BriefStatus.SUBMITTED: _l("Submitted"),
    BriefStatus.IN_PLANNING: _l("In planning"),
    BriefStatus.PLAN_PROPOSED: _l("Plan proposed"),
    BriefStatus.CHANGES_REQUESTED: _l("Changes requested"),
    BriefStatus.APPROVED: _l("Approved"),
    BriefStatus.CLOSED: _l("Closed"),
}

#: The button that makes each move, from the mover's point of view.
ACTION_LABELS = {
    BriefStatus.SUBMITTED: _l("Submit brief"),
    BriefStatus.IN_PLANNING: _l("Take into planning"),
    BriefStatus.PLAN_PROPOSED: _l("Propose the plan"),
    BriefStatus.CHANGES_REQUESTED: _l("Ask for changes"),
    BriefStatus.APPROVED: _l("Approve the plan"),
    BriefStatus.CLOSED: _l("Close the brief"),
}

COMPLIANCE_LABELS = {
    ComplianceStatus.NOT_REQUIRED: _l("Not required"),
    ComplianceStatus.PENDING: _l("Waiting for compliance approval"),
    ComplianceStatus.APPROVED: _l("Compliance approved"),
    ComplianceStatus.REJECTED: _l("Compliance rejected"),
}

#: The web's wording of the engine's problem codes; codes not listed show the engine's text.
PROBLEM_MESSAGES = {
    "unknown_goal": _l("Choose the campaign’s goal."),
    "too_long": _l("This text is too long."),
    "no_target": _l(
        "Say whom to reach: choose an audience or topics, so we can match communities."
    ),
    "not_positive": _l("Enter a budget above zero."),
    "budget_too_large": _l("A budget is at most 20,000,000; check the number of zeros."),
    "not_an_integer": _l("Enter a whole number."),
    "bad_currency": _l("Choose ILS, USD or EUR."),
    "bad_date": _l("Enter a date."),
    "in_the_past": _l("The campaign cannot start in the past."),
    "before_start": _l("The campaign ends before it starts."),
    "bad_target": _l("A target is a whole number above zero."),
    "above_100_percent": _l("A rate cannot exceed 100%."),
    "kpi_too_large": _l("A target is at most 100,000,000; check the number of zeros."),
    "also_excluded": _l("A community cannot be both required and excluded."),
    "title_or_goal": _l("Give the draft at least a title or a goal."),
    "unknown_topic": _l("Choose topics from the list."),
    "unknown_value": _l("Choose from the list."),
}

#: Why each goal cannot honestly promise a KPI (mirrors the engine's reasons, translatable).
KPI_GOAL_REASONS = {
    (Goal.MARKET_EDUCATION, KpiKind.SALES): _l(
        "A market-education campaign builds understanding; direct sales are not what it "
        "delivers. Measure reach, engagement and questions instead."
    ),
    (Goal.AWARENESS, KpiKind.SALES): _l(
        "An awareness campaign is measured by reach and recall, not direct sales."
    ),
    (Goal.AWARENESS, KpiKind.LEADS): _l(
        "An awareness campaign is measured by reach and recall; leads need a sales/leads goal."
    ),
    (Goal.POSITIONING, KpiKind.SALES): _l(
        "Positioning changes how the brand is seen; it does not sell directly."
    ),
    (Goal.EMPLOYER_BRANDING, KpiKind.SALES): _l(
        "Employer branding speaks to future employees, not buyers."
    ),
    (Goal.PRODUCT_FEEDBACK, KpiKind.REACH): _l(
        "A round table or feedback session is deep with few people; reach is not its measure."
    ),
    (Goal.PRODUCT_FEEDBACK, KpiKind.SALES): _l(
        "A feedback session learns from users; it does not sell."
    ),
}

_CEILING = re.compile(r"about ([\d.]+)%")


def problem_message(problem: Problem) -> str:
    """The problem in the UI language (the engine's English when the code is not known here)."""
    known = PROBLEM_MESSAGES.get(problem.code)
    return str(known) if known is not None else problem.message


def warning_message(warning: KpiWarning, goal: Goal | None, targets: dict[str, int]) -> str:
    """A KPI warning with its reason, in the UI language."""
    kind_name = warning.field.removeprefix("kpis.")
    try:
        kind = KpiKind(kind_name)
    except ValueError:
        return warning.message
    if warning.code == "kpi_goal_mismatch" and goal is not None:
        reason = KPI_GOAL_REASONS.get((goal, kind))
        return str(reason) if reason is not None else warning.message
    if warning.code == "kpi_rate_unrealistic" and (found := _CEILING.search(warning.message)):
        return str(
            _l(
                "%(kpi)s of %(target)s%% is beyond what communities deliver (the best reach "
                "about %(ceiling)s%%).",
                kpi=KPIS[kind],
                target=f"{targets.get(kind_name, 0) / 100:g}",
                ceiling=found.group(1),
            )
        )
    return warning.message


_RESOLVED: dict[str, dict[str, Any]] = {}


def _resolve(mapping: dict[Any, Any]) -> dict[str, str]:
    return {str(getattr(key, "value", key)): str(value) for key, value in mapping.items()}


def labels() -> dict[str, Any]:
    """The brief labels in the current language, as plain strings keyed by value."""
    language = str(get_locale() or "he")
    if language not in _RESOLVED:
        _RESOLVED[language] = {
            "goal_labels": _resolve(GOALS),
            "kpi_labels": _resolve(KPIS),
            "brief_status_labels": _resolve(STATUS_LABELS),
            "brief_action_labels": _resolve(ACTION_LABELS),
            "compliance_labels": _resolve(COMPLIANCE_LABELS),
            "regulated_labels": _resolve(catalog_vocab.REGULATED_CATEGORIES),
        }
    return _RESOLVED[language]
