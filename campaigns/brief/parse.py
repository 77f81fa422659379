"""Reading a brief: :func:`parse_brief` builds a :class:`BriefSpec` or lists every problem.

The web form, the API and ``flask match BRIEF.json`` all build a :class:`BriefSpec` through
:func:`parse_brief`, so a brief means the same thing wherever it comes from. Problems are
collected (not raised one at a time) so a form or a JSON file can show every one of them.
KPI targets the goal cannot honestly promise are allowed, with a warning (:func:`kpi_warnings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from campaigns.brief.spec import (
    AUDIENCE_DIMENSIONS,
    FIELD_NAMES,
    MAX_BUDGET_MINOR,
    MAX_KPI_COUNT,
    MAX_MESSAGE,
    RATE_KPIS,
    BriefSpec,
    Goal,
    Kpi,
    KpiKind,
    RegulatedCategory,
)
from pricing.taxonomy import Platform


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a brief: which field, a machine code and an English message."""

    field: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class KpiWarning:
    """A brief that is allowed but probably unrealistic, and why."""

    field: str
    code: str
    message: str


class BriefInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


#: KPIs a goal cannot honestly promise, with the reason shown to the brand.
_UNREALISTIC_KPIS: dict[Goal, dict[KpiKind, str]] = {
    Goal.MARKET_EDUCATION: {
        KpiKind.SALES: "a market-education campaign builds understanding; direct sales are not "
        "what it delivers — measure reach, engagement and questions instead",
    },
    Goal.AWARENESS: {
        KpiKind.SALES: "an awareness campaign is measured by reach and recall, not direct sales",
        KpiKind.LEADS: "an awareness campaign is measured by reach and recall; leads need a "
        "sales/leads goal",
    },
    Goal.POSITIONING: {
        KpiKind.SALES: "positioning changes how the brand is seen; it does not sell directly",
    },
    Goal.EMPLOYER_BRANDING: {
        KpiKind.SALES: "employer branding speaks to future employees, not buyers",
    },
    Goal.PRODUCT_FEEDBACK: {
        KpiKind.REACH: "a round table or feedback session is deep with few people; reach is not "
        "its measure",
        KpiKind.SALES: "a feedback session learns from users; it does not sell",
    },
}

#: The highest rate a community campaign has plausibly reached (basis points), per rate KPI.
_RATE_CEILINGS_BP = {KpiKind.ENGAGEMENT_RATE: 2_000, KpiKind.ACTIVITY_RATE: 5_000}


def kpi_warnings(spec: BriefSpec) -> list[KpiWarning]:
    """Targets that the chosen goal is unlikely to meet, each with its reason."""
    warnings: list[KpiWarning] = []
    unrealistic = _UNREALISTIC_KPIS.get(spec.goal, {})
    for kpi in spec.kpis:
        if kpi.kind in unrealistic:
            warnings.append(
                KpiWarning(f"kpis.{kpi.kind}", "kpi_goal_mismatch", unrealistic[kpi.kind])
            )
        ceiling = _RATE_CEILINGS_BP.get(kpi.kind)
        if ceiling is not None and kpi.target > ceiling:
            warnings.append(
                KpiWarning(
                    f"kpis.{kpi.kind}",
                    "kpi_rate_unrealistic",
                    f"a {kpi.kind.replace('_', ' ')} of {kpi.target / 100:g}% is beyond what "
                    f"communities deliver (the best reach about {ceiling / 100:g}%)",
                )
            )
    return warnings


def _strings(value: Any, name: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(name, "not_a_list", "must be a list of strings"))
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _ints(value: Any, name: str, problems: list[Problem]) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        problems.append(Problem(name, "not_a_list", "must be a list of community ids"))
        return ()
    return tuple(dict.fromkeys(value))


def _enum_list(value: Any, name: str, kind: type[Any], problems: list[Problem]) -> tuple[Any, ...]:
    out = []
    for item in _strings(value, name, problems):
        try:
            out.append(kind(item))
        except ValueError:
            allowed = ", ".join(k.value for k in kind)
            problems.append(Problem(name, "unknown_value", f"'{item}' is not one of: {allowed}"))
    return tuple(out)


def _date(value: Any, name: str, problems: list[Problem]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(name, "bad_date", f"'{value}' is not a date (YYYY-MM-DD)"))
        return None


def parse_brief(
    data: Mapping[str, Any],
    *,
    today: dt.date | None = None,
    topics: frozenset[str] | None = None,
) -> BriefSpec:
    """Build a :class:`BriefSpec` from JSON-like data, or raise :class:`BriefInvalid`.

    ``today`` makes "dates in the past" checkable with a fixed clock; ``topics`` (the
    catalog's controlled vocabulary) makes unknown topics an error rather than free words.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise BriefInvalid([Problem("brief", "not_an_object", "a brief is a JSON object")])
    for key in data:
        if key not in FIELD_NAMES:
            problems.append(Problem(str(key), "unknown_field", "is not a brief field"))

    goal: Goal | None = None
    try:
        goal = Goal(str(data.get("goal")))
    except ValueError:
        allowed = ", ".join(g.value for g in Goal)
        problems.append(Problem("goal", "unknown_goal", f"must be one of: {allowed}"))

    message = str(data.get("message") or "").strip()
    if len(message) > MAX_MESSAGE:
        problems.append(Problem("message", "too_long", f"at most {MAX_MESSAGE} characters"))

    audience: dict[str, tuple[str, ...]] = {}
    raw_audience = data.get("audience") or {}
    if not isinstance(raw_audience, Mapping):
        problems.append(Problem("audience", "not_an_object", "must map a dimension to buckets"))
    else:
        for dim, buckets in raw_audience.items():
            if dim not in AUDIENCE_DIMENSIONS:
                problems.append(
                    Problem(
                        f"audience.{dim}",
                        "unknown_dimension",
                        f"must be one of: {', '.join(AUDIENCE_DIMENSIONS)}",
                    )
                )
                continue
            wanted = _strings(buckets, f"audience.{dim}", problems)
            if wanted:
                audience[dim] = wanted

    brief_topics = _strings(data.get("topics"), "topics", problems)
    avoid = _strings(data.get("avoid_topics"), "avoid_topics", problems)
    if topics is not None:
        for name, values in (("topics", brief_topics), ("avoid_topics", avoid)):
            for t in values:
                if t not in topics:
                    problems.append(Problem(name, "unknown_topic", f"'{t}' is not a catalog topic"))
    if not audience and not brief_topics and not message:
        problems.append(
            Problem(
                "audience",
                "no_target",
                "a brief needs a target audience, topics or a message to match communities on",
            )
        )

    budget = data.get("budget_minor", 0)
    if not isinstance(budget, int) or isinstance(budget, bool):
        problems.append(Problem("budget_minor", "not_an_integer", "minor units, a whole number"))
        budget = 0
    elif budget <= 0:
        problems.append(Problem("budget_minor", "not_positive", "the budget must be above zero"))
    elif budget > MAX_BUDGET_MINOR:
        problems.append(
            Problem(
                "budget_minor",
                "budget_too_large",
                f"at most {MAX_BUDGET_MINOR // 100:,} in the brief's currency",
            )
        )
    worth = data.get("result_worth_minor")
    if worth is not None and (not isinstance(worth, int) or isinstance(worth, bool)):
        problems.append(
            Problem("result_worth_minor", "not_an_integer", "minor units, a whole number")
        )
        worth = None
    elif worth is not None and not 0 < worth <= MAX_BUDGET_MINOR:
        problems.append(
            Problem(
                "result_worth_minor",
                "out_of_range",
                f"above zero and at most {MAX_BUDGET_MINOR // 100:,} in the brief's currency",
            )
        )
        worth = None
    currency = str(data.get("currency") or "ILS").upper()
    if len(currency) != 3 or not currency.isalpha():
        problems.append(Problem("currency", "bad_currency", "a three-letter ISO 4217 code"))

    starts = _date(data.get("starts_on"), "starts_on", problems)
    ends = _date(data.get("ends_on"), "ends_on", problems)
    if today is not None and starts is not None and starts < today:
        problems.append(Problem("starts_on", "in_the_past", "the flight cannot start in the past"))
    if starts and ends and ends < starts:
        problems.append(Problem("ends_on", "before_start", "the flight ends before it starts"))

    kpis: list[Kpi] = []
    raw_kpis = data.get("kpis") or {}
    if not isinstance(raw_kpis, Mapping):
        problems.append(Problem("kpis", "not_an_object", "must map a KPI to its target"))
    else:
        for kind, target in raw_kpis.items():
            try:
                kpi_kind = KpiKind(kind)
            except ValueError:
                allowed = ", ".join(k.value for k in KpiKind)
                problems.append(
                    Problem(f"kpis.{kind}", "unknown_kpi", f"must be one of: {allowed}")
                )
                continue
            if not isinstance(target, int) or isinstance(target, bool) or target <= 0:
                problems.append(Problem(f"kpis.{kind}", "bad_target", "a whole number above zero"))
                continue
            if kpi_kind in RATE_KPIS and target > 10_000:
                problems.append(
                    Problem(f"kpis.{kind}", "above_100_percent", "a rate cannot exceed 100%")
                )
                continue
            if kpi_kind not in RATE_KPIS and target > MAX_KPI_COUNT:
                problems.append(
                    Problem(f"kpis.{kind}", "kpi_too_large", f"at most {MAX_KPI_COUNT:,}")
                )
                continue
            kpis.append(Kpi(kpi_kind, target))

    exclude = _ints(data.get("exclude_communities"), "exclude_communities", problems)
    must_have = _ints(data.get("must_have_communities"), "must_have_communities", problems)
    platforms = _enum_list(data.get("platforms"), "platforms", Platform, problems)
    languages = _strings(data.get("languages"), "languages", problems)
    regions = _strings(data.get("regions"), "regions", problems)
    regulated = _enum_list(data.get("regulated"), "regulated", RegulatedCategory, problems)
    if clash := set(exclude) & set(must_have):
        problems.append(
            Problem(
                "must_have_communities",
                "also_excluded",
                f"communities {sorted(clash)} are both required and excluded",
            )
        )

    if problems or goal is None:
        raise BriefInvalid(problems)
    return BriefSpec(
        goal=goal,
        title=str(data.get("title") or "").strip(),
        message=message,
        audience=audience,
        topics=brief_topics,
        avoid_topics=avoid,
        exclude_communities=exclude,
        must_have_communities=must_have,
        platforms=platforms,
        languages=languages,
        regions=regions,
        budget_minor=budget,
        currency=currency,
        starts_on=starts,
        ends_on=ends,
        kpis=tuple(kpis),
        result_worth_minor=worth,
        regulated=regulated,
    )
