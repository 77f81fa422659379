"""A brand's brief as the engines see it: pure data, parsed and checked without Flask.

The web form, the API and ``flask match BRIEF.json`` all build a :class:`BriefSpec` through
:func:`parse_brief`, so a brief means the same thing wherever it comes from. Problems are
collected (not raised one at a time) so a form or a JSON file can show every one of them.

Money is integer minor units (agorot for ILS). Rates and shares are basis points
(10,000 = 100%).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pricing.taxonomy import PlacementType, Platform


class Goal(enum.StrEnum):
    """The agency's goal taxonomy (seed-digest, "what a campaign is for")."""

    AWARENESS = "awareness"
    SALES_LEADS = "sales_leads"
    MARKET_EDUCATION = "market_education"
    POSITIONING = "positioning"
    EMPLOYER_BRANDING = "employer_branding"
    RECRUITMENT = "recruitment"
    PRODUCT_FEEDBACK = "product_feedback"
    PRODUCT_PILOT = "product_pilot"
    SURVEY = "survey"
    EXPERT_SESSION = "expert_session"
    EVENT = "event"


class RegulatedCategory(enum.StrEnum):
    """Categories that restrict where a brand may appear and need a compliance approval."""

    PHARMA = "pharma"
    HEALTH = "health"
    FINANCE = "finance"
    ALCOHOL = "alcohol"
    GAMBLING = "gambling"
    TOBACCO = "tobacco"
    POLITICS = "politics"


class KpiKind(enum.StrEnum):
    """What a brand can set a target for. Counts are whole numbers; rates are basis points."""

    REACH = "reach"
    IMPRESSIONS = "impressions"
    ENGAGEMENTS = "engagements"
    CLICKS = "clicks"
    LEADS = "leads"
    SALES = "sales"
    SIGNUPS = "signups"
    SURVEY_RESPONSES = "survey_responses"
    PARTICIPANTS = "participants"
    ENGAGEMENT_RATE = "engagement_rate"
    ACTIVITY_RATE = "activity_rate"


RATE_KPIS = frozenset({KpiKind.ENGAGEMENT_RATE, KpiKind.ACTIVITY_RATE})

#: Audience dimensions a brief may target (the catalog's audience dimensions).
AUDIENCE_DIMENSIONS = ("gender", "age", "region", "language", "occupation", "household")

MAX_MESSAGE = 2000

#: The largest budget a brief may ask for, in minor units of its currency: 20 million (₪, $ or
#: €). Community campaigns run to hundreds of thousands; a larger figure is a typing mistake
#: (and would not fit the budget column). Form, API and JSON files all meet it here.
MAX_BUDGET_MINOR = 2_000_000_000
#: The largest count a KPI may target (people reached, clicks, leads …): ten times Israel's
#: population. Anything larger is a typing mistake, refused rather than stored.
MAX_KPI_COUNT = 100_000_000


@dataclass(frozen=True, slots=True)
class Kpi:
    kind: KpiKind
    #: A count, or basis points for rate KPIs.
    target: int


@dataclass(frozen=True, slots=True)
class BriefSpec:
    """Everything the matching engine and the planner need to know about a brief."""

    goal: Goal
    title: str = ""
    message: str = ""
    #: Wanted buckets per audience dimension, e.g. {"gender": ("female",), "age": ("25_34",)}.
    audience: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    topics: tuple[str, ...] = ()
    avoid_topics: tuple[str, ...] = ()
    #: Community ids the brand does not want (competitors' groups, past bad experiences).
    exclude_communities: tuple[int, ...] = ()
    #: Community ids the brand insists on (the planner must include them).
    must_have_communities: tuple[int, ...] = ()
    #: Allowed channel platforms; empty means any.
    platforms: tuple[Platform, ...] = ()
    #: Languages the campaign speaks; a community must speak at least one. Empty means any.
    languages: tuple[str, ...] = ()
    #: Regions where the campaign runs; empty means anywhere.
    regions: tuple[str, ...] = ()
    budget_minor: int = 0
    currency: str = "ILS"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    kpis: tuple[Kpi, ...] = ()
    #: What one result of the goal (a click, lead or engagement) is worth to the brand, in
    #: minor units of ``currency``; None when the brand has not said (the outcome lens then
    #: prices a result at what a paid one costs).
    result_worth_minor: int | None = None
    regulated: tuple[RegulatedCategory, ...] = ()

    @property
    def is_regulated(self) -> bool:
        return bool(self.regulated)


class FieldKind(enum.Enum):
    """How a brief field is written in JSON, stored, checked and shown on the form."""

    CHOICE = "choice"  #: one value of an enum (``enum``)
    TEXT = "text"  #: free text up to ``max_length``
    AUDIENCE = "audience"  #: {dimension: [bucket, …]}
    WORDS = "words"  #: a list of words from a catalog vocabulary (``vocabulary``)
    CHOICES = "choices"  #: a list of values of an enum (``enum``)
    IDS = "ids"  #: a list of listed communities' ids
    MONEY = "money"  #: integer minor units of the brief's currency
    CURRENCY = "currency"  #: an ISO 4217 code
    DATE = "date"  #: YYYY-MM-DD or null
    KPIS = "kpis"  #: {kpi kind: target}


@dataclass(frozen=True, slots=True)
class BriefField:
    """One field of the brief: the single description that the JSON format, the JSON Schema,
    the form and the stored columns are all read from."""

    name: str
    kind: FieldKind
    #: What the field means (the JSON Schema's description; "" for none).
    description: str = ""
    #: The enum of a CHOICE or CHOICES field.
    enum: type[enum.StrEnum] | None = None
    #: The catalog vocabulary of a WORDS field ("topics", "languages", "regions").
    vocabulary: str = ""
    max_length: int | None = None
    #: A MONEY field the brief may leave out (null); a required one defaults to 0.
    optional: bool = False


#: The brief's fields, in documentation order. Adding a field to the brief is adding it here
#: and to :class:`BriefSpec` (plus its column and migration, and its place on the form): the
#: JSON format, its schema, storage and the form's conversions all read this table, and
#: ``tests/http/test_brief_shape.py`` names whatever does not cover a field.
BRIEF_FIELDS: tuple[BriefField, ...] = (
    BriefField("goal", FieldKind.CHOICE, "What the campaign is for.", enum=Goal),
    BriefField("title", FieldKind.TEXT, max_length=200),
    BriefField(
        "message", FieldKind.TEXT, "The message, in a few sentences.", max_length=MAX_MESSAGE
    ),
    BriefField(
        "audience",
        FieldKind.AUDIENCE,
        "The buckets wanted per audience dimension; a dimension left out means anyone. "
        "occupation and household are free words (professions, life stage).",
    ),
    BriefField("topics", FieldKind.WORDS, "Catalog topics to match on.", vocabulary="topics"),
    BriefField(
        "avoid_topics",
        FieldKind.WORDS,
        "Topics the brand must stay away from.",
        vocabulary="topics",
    ),
    BriefField(
        "exclude_communities",
        FieldKind.IDS,
        "Ids of listed communities the brand does not want.",
    ),
    BriefField(
        "must_have_communities", FieldKind.IDS, "Ids of listed communities the plan must include."
    ),
    BriefField("platforms", FieldKind.CHOICES, "Channels allowed; empty means any.", enum=Platform),
    BriefField(
        "languages",
        FieldKind.WORDS,
        "Languages the campaign speaks; empty means any.",
        vocabulary="languages",
    ),
    BriefField(
        "regions", FieldKind.WORDS, "Where it runs; empty means anywhere.", vocabulary="regions"
    ),
    BriefField("budget_minor", FieldKind.MONEY, "The budget in minor units of `currency`."),
    BriefField("currency", FieldKind.CURRENCY),
    BriefField("starts_on", FieldKind.DATE),
    BriefField("ends_on", FieldKind.DATE),
    BriefField(
        "kpis",
        FieldKind.KPIS,
        "Targets: counts are whole numbers, rates basis points (10,000 = 100%). "
        "Targets the goal cannot honestly promise are allowed, with a warning.",
    ),
    BriefField(
        "result_worth_minor",
        FieldKind.MONEY,
        "What one result of the goal (a click, a lead or an engagement) is worth to the brand, "
        "in minor units of `currency`; null when not said. The plan's outcome lens uses it.",
        optional=True,
    ),
    BriefField(
        "regulated",
        FieldKind.CHOICES,
        "Regulated categories of the brand or product: matching keeps to communities "
        "whose rules allow them, and the agency's compliance approval is needed.",
        enum=RegulatedCategory,
    ),
)

#: The names of the brief's fields, in documentation order.
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in BRIEF_FIELDS)


def _json_value(spec_field: BriefField, value: Any) -> Any:
    """A field's value (from a spec, a stored brief or a cleaned draft) as brief JSON."""
    kind = spec_field.kind
    if kind is FieldKind.CHOICE:
        return getattr(value, "value", value) if value not in (None, "") else None
    if kind is FieldKind.TEXT:
        return str(value or "")
    if kind is FieldKind.AUDIENCE:
        return {dim: list(buckets) for dim, buckets in (value or {}).items()}
    if kind in (FieldKind.WORDS, FieldKind.IDS):
        return list(value or [])
    if kind is FieldKind.CHOICES:
        return [getattr(v, "value", v) for v in value or []]
    if kind is FieldKind.MONEY:
        return (int(value) if value else None) if spec_field.optional else int(value or 0)
    if kind is FieldKind.CURRENCY:
        return str(value or "ILS")
    if kind is FieldKind.DATE:
        return value.isoformat() if value else None
    # KPIS: a spec holds Kpi objects; a stored or cleaned brief holds {kind: target}.
    if isinstance(value, Mapping):
        return {str(k): int(v) for k, v in value.items()}
    return {k.kind.value: k.target for k in value or ()}


def brief_json(source: Any) -> dict[str, Any]:
    """The brief JSON format of anything with the brief's fields as attributes.

    A :class:`BriefSpec`, a stored brief (its columns) or a draft: one conversion, read from
    :data:`BRIEF_FIELDS`, so every place writes the same JSON.
    """
    return {f.name: _json_value(f, getattr(source, f.name)) for f in BRIEF_FIELDS}


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _clean_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _clean_value(spec_field: BriefField, value: Any) -> Any:
    kind = spec_field.kind
    if kind is FieldKind.CHOICE:
        assert spec_field.enum is not None
        return None if _blank(value) else spec_field.enum(str(value))
    if kind is FieldKind.TEXT:
        return str(value or "").strip()
    if kind is FieldKind.AUDIENCE:
        audience = {}
        for dim, buckets in (value or {}).items():
            wanted = _clean_strings(buckets)
            if dim in AUDIENCE_DIMENSIONS and wanted:
                audience[dim] = wanted
        return audience
    if kind in (FieldKind.WORDS, FieldKind.CHOICES):
        return _clean_strings(value)
    if kind is FieldKind.IDS:
        return list(dict.fromkeys(value or []))
    if kind is FieldKind.MONEY:
        return (int(value) if value else None) if spec_field.optional else int(value or 0)
    if kind is FieldKind.CURRENCY:
        return str(value or "ILS").upper()
    if kind is FieldKind.DATE:
        if isinstance(value, dt.date):
            return value
        return None if _blank(value) else dt.date.fromisoformat(str(value))
    return {str(k): int(v) for k, v in (value or {}).items()}


def clean_draft(data: Mapping[str, Any]) -> dict[str, Any]:
    """The draft variant of a brief: every field, cleaned, but possibly incomplete.

    For values already checked for shape (a draft's problems are empty): strips and
    de-duplicates as :func:`parse_brief` does, parses dates, and keeps lists of choices as
    their string values. A goal is a :class:`Goal` or None. This is what a draft stores.
    """
    return {f.name: _clean_value(f, data.get(f.name)) for f in BRIEF_FIELDS}


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


#: Placement types that serve each goal, best first. Matching scores goal-format fit with it,
#: and the planner only buys these placements for the goal.
GOAL_PLACEMENTS: dict[Goal, tuple[PlacementType, ...]] = {
    Goal.AWARENESS: (
        PlacementType.POST,
        PlacementType.PINNED_POST,
        PlacementType.STORY,
        PlacementType.NEWSLETTER_SPONSORSHIP,
        PlacementType.PODCAST_READ,
        PlacementType.DEDICATED_SEND,
    ),
    Goal.SALES_LEADS: (
        PlacementType.DEDICATED_SEND,
        PlacementType.POST,
        PlacementType.PINNED_POST,
        PlacementType.NEWSLETTER_SPONSORSHIP,
        PlacementType.STORY,
    ),
    Goal.MARKET_EDUCATION: (
        PlacementType.EXPERT_SESSION,
        PlacementType.POST,
        PlacementType.PODCAST_READ,
        PlacementType.NEWSLETTER_SPONSORSHIP,
        PlacementType.DEDICATED_SEND,
    ),
    Goal.POSITIONING: (
        PlacementType.EXPERT_SESSION,
        PlacementType.POST,
        PlacementType.PODCAST_READ,
        PlacementType.PINNED_POST,
        PlacementType.NEWSLETTER_SPONSORSHIP,
    ),
    Goal.EMPLOYER_BRANDING: (
        PlacementType.POST,
        PlacementType.EXPERT_SESSION,
        PlacementType.MEETUP,
        PlacementType.PODCAST_READ,
        PlacementType.NEWSLETTER_SPONSORSHIP,
    ),
    Goal.RECRUITMENT: (
        PlacementType.POST,
        PlacementType.PINNED_POST,
        PlacementType.DEDICATED_SEND,
        PlacementType.MEETUP,
        PlacementType.NEWSLETTER_SPONSORSHIP,
    ),
    Goal.PRODUCT_FEEDBACK: (PlacementType.ROUND_TABLE, PlacementType.SURVEY, PlacementType.POST),
    Goal.PRODUCT_PILOT: (PlacementType.PRODUCT_PILOT, PlacementType.POST, PlacementType.SURVEY),
    Goal.SURVEY: (PlacementType.SURVEY, PlacementType.POST, PlacementType.DEDICATED_SEND),
    Goal.EXPERT_SESSION: (PlacementType.EXPERT_SESSION, PlacementType.POST),
    Goal.EVENT: (PlacementType.MEETUP, PlacementType.POST, PlacementType.PINNED_POST),
}

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


def brief_to_dict(spec: BriefSpec) -> dict[str, Any]:
    """The JSON form of a brief (what :func:`parse_brief` reads back)."""
    return brief_json(spec)
