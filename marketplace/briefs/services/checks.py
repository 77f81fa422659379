"""The brief JSON format, and what stops a brief from being saved as a draft or submitted.

A draft may be incomplete (a title or a goal is enough) but never malformed; submitting runs
the full :func:`campaigns.brief.parse_brief`, plus the rules only the app can check (the
catalog's vocabularies, listed communities).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

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
    kpi_warnings,
    parse_brief,
)
from marketplace.briefs.models import Brief
from marketplace.briefs.services.communities import listed_community_names
from marketplace.catalog import vocab as catalog_vocab
from marketplace.db import SessionLike
from pricing.money import CURRENCY_EXPONENTS

TOPICS = frozenset(catalog_vocab.TOPICS)
MAX_TITLE = 200


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
