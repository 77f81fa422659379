"""What a brief is: the goal, KPI and category vocabularies, :class:`BriefSpec`, its fields.

:data:`BRIEF_FIELDS` is the one description of the brief's fields that the JSON format, its
schema, storage and the form all read. Money is integer minor units (agorot for ILS); rates and
shares are basis points (10,000 = 100%).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

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
