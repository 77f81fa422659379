"""The scoring components, their constants and the hard gates: one place both engines read.

Every component is a number in [0, 1]; the total is relevance scaled by quality (``combine``).
Unknown inputs score a neutral 0.5 and raise a flag, so a community is never punished (or
rewarded) for a figure nobody measured. docs/matching.md gives each formula with a worked number.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaigns.brief import GOAL_PLACEMENTS, BriefSpec, Goal, RegulatedCategory
from campaigns.matching.ages import brief_age_buckets
from campaigns.matching.places import brief_cities, city_region, says_nationwide
from campaigns.matching.topics import GENERIC_TOPICS, LOCAL, SUBJECT_TOPICS
from pricing.taxonomy import PlacementType


class Component(enum.StrEnum):
    TOPIC = "topic"
    AUDIENCE = "audience"
    GOAL_FORMAT = "goal_format"
    HEALTH = "health"
    EVIDENCE = "evidence"
    VALUE = "value"
    PAST = "past"


COMPONENTS: tuple[Component, ...] = tuple(Component)

#: Default weights, each within its group (``combine``: relevance = topic, audience, format;
#: quality = the rest; a group's weights need not sum to 1). Topic and audience are what a
#: broker looks at first; format is mostly a gate already; health, value and evidence separate
#: good candidates; past performance is neutral for everyone until campaigns exist.
DEFAULT_WEIGHTS: Mapping[Component, float] = {
    Component.TOPIC: 0.50,
    Component.AUDIENCE: 0.25,
    Component.GOAL_FORMAT: 0.10,
    Component.HEALTH: 0.10,
    Component.EVIDENCE: 0.05,
    Component.VALUE: 0.07,
    Component.PAST: 0.03,
}

#: Relevance: does the community fit the brief — its topic, its audience and place, and the
#: formats its goal needs (a round table for product feedback, a meetup for an event). The
#: other components say how good a buy a relevant community is (health, evidence, value,
#: past), and may only scale relevance, never stand in for it (``combine``).
RELEVANCE: tuple[Component, ...] = (Component.TOPIC, Component.AUDIENCE, Component.GOAL_FORMAT)
QUALITY: tuple[Component, ...] = tuple(c for c in Component if c not in RELEVANCE)
#: The share of the total that quality can move: a community of the worst quality keeps
#: ``1 - QUALITY_SHARE`` of its relevance, one of the best keeps all of it. Chosen by 2-fold
#: and leave-one-out cross-validation over the judged set's briefs (docs/matching.md,
#: "Relevance dominates").
QUALITY_SHARE = 0.1

#: The neutral score of a component whose input is unknown.
NEUTRAL = 0.5
#: Text cosine (TF-IDF, char n-grams) at which text similarity counts as full.
TEXT_COS_FULL = 0.50
#: The brief's words in the catalog's other languages (``glossary.translate``) are a second
#: query; its cosine counts at this share, and the text fit takes the larger of the two.
TRANSLATED_WEIGHT = 0.8
#: The translation reads only n-grams found in at most this share of the communities (once
#: that is over ``TextConfig.max_df_floor`` communities): a speed bound for large catalogs.
TRANSLATED_MAX_DF = 0.01
#: Share of topic fit that comes from the controlled topics when the brief names topics.
TOPIC_OVERLAP_SHARE = 0.7
#: Controlled topics in common that make the overlap full (a brief may list many).
TOPIC_OVERLAP_FULL = 2
#: Goal-format fit: weight of the best offered placement vs the coverage of the goal's list.
FORMAT_BEST_SHARE = 0.75
#: Share of weekly-active members that counts as full engagement.
ACTIVE_FULL = 0.5
#: Interactions per member per week that count as full engagement.
INTERACTIONS_FULL = 1.0
#: Delivered / promised that counts as a perfect track record.
PAST_FULL = 1.25
#: Evidence tiers run 1-4; tier / 4 is the score (0: no evidence at all).
EVIDENCE_TOP = 4


def combine(components: Mapping[Component, Any], weights: Mapping[Component, float]) -> Any:
    """The total: relevance scaled by quality, ``R · (1 − QUALITY_SHARE + QUALITY_SHARE · Q)``.

    ``R`` is the weighted mean of the relevance components and ``Q`` of the quality ones, each
    with its own weights; components are floats (reference engine) or arrays (vectorised).
    An off-topic community therefore scores near 0 however large, cheap or healthy it is, and
    quality reorders communities only in proportion to their relevance. A group whose weights
    are all 0 is left out (``R`` or the quality factor is then 1).
    """
    rel_w = sum(weights[c] for c in RELEVANCE)
    qual_w = sum(weights[c] for c in QUALITY)
    relevance = sum(weights[c] * components[c] for c in RELEVANCE) / rel_w if rel_w > 0 else 1.0
    if qual_w <= 0:
        return relevance  # not 0: normalise_weights refuses all-zero weights
    quality = sum(weights[c] * components[c] for c in QUALITY) / qual_w
    return relevance * (1.0 - QUALITY_SHARE + QUALITY_SHARE * quality)


def goal_placement_weights(goal: Goal) -> dict[PlacementType, float]:
    """Weights of the goal's placements in rank order: 1, then down linearly to 1/k."""
    order = GOAL_PLACEMENTS[goal]
    k = len(order)
    return {p: (k - i) / k for i, p in enumerate(order)}


def text_score(cosine: float) -> float:
    return min(1.0, max(0.0, cosine) / TEXT_COS_FULL)


def overlap_norm(brief_weights: Sequence[float]) -> float:
    """What a full topic overlap is worth: the brief's ``TOPIC_OVERLAP_FULL`` heaviest topics."""
    return sum(sorted(brief_weights, reverse=True)[:TOPIC_OVERLAP_FULL])


def topic_overlap_score(shared_weight: float, norm: float) -> float:
    """Weighted shared topics over the brief's two heaviest: 1 when they are shared."""
    return min(1.0, shared_weight / norm) if norm > 0 else 0.0


def value_score(ratio: float) -> float:
    """Estimated value (P50) per shekel of rate, squashed: 1x is fair (0.5), 3x scores 0.75."""
    return ratio / (ratio + 1.0)


def past_score(delivered_ratio: float) -> float:
    return min(1.0, max(0.0, delivered_ratio) / PAST_FULL)


class Gate(enum.StrEnum):
    """Hard constraints, in the order the diagnosis reports them."""

    STATUS = "status"
    EXCLUDED = "excluded"
    AVOID_TOPICS = "avoid_topics"
    LANGUAGE = "language"
    REGION = "region"
    PLATFORM = "platform"
    REGULATED = "regulated"
    SENSITIVE = "sensitive"
    GOAL_FORMAT = "goal_format"
    BUDGET = "budget"


GATES: tuple[Gate, ...] = tuple(Gate)

#: Goals that sell or promote; education and expert sessions are the rest.
COMMERCIAL_GOALS = frozenset(GOAL_PLACEMENTS) - {Goal.MARKET_EDUCATION, Goal.EXPERT_SESSION}
ALL_REGULATED = frozenset(RegulatedCategory)


@dataclass(frozen=True, slots=True)
class SensitiveRule:
    """When a community with a sensitive-audience flag is closed to a brief.

    ``closed_goals``: goals never matched to it. ``closed_regulated``: regulated categories never
    matched to it, even if its rules allow them. ``only_regulated``: if set, the community is
    open only to briefs flagged with one of these categories.
    """

    closed_goals: frozenset[Goal] = frozenset()
    closed_regulated: frozenset[RegulatedCategory] = frozenset()
    only_regulated: frozenset[RegulatedCategory] | None = None
    why: str = ""


_R = RegulatedCategory
#: The sensitive-audience rule table (docs/matching.md repeats it). Pharma and health briefs
#: reach health communities only where the community's rules allow them: the regulated gate.
SENSITIVE_RULES: Mapping[str, SensitiveRule] = {
    "minors": SensitiveRule(
        closed_goals=COMMERCIAL_GOALS,
        closed_regulated=ALL_REGULATED,
        why="its members are minors: they are not sold to; only educational content, never a "
        "regulated category",
    ),
    "about_children": SensitiveRule(
        closed_regulated=frozenset({_R.GAMBLING, _R.TOBACCO}),
        why="its members are adults (parents, educators) and its subject is children: every goal "
        "and children's products are fine; gambling and tobacco never; alcohol, pharma, "
        "finance only where its rules allow (the regulated gate)",
    ),
    "bereavement": SensitiveRule(
        closed_goals=COMMERCIAL_GOALS,
        closed_regulated=ALL_REGULATED - {_R.HEALTH, _R.PHARMA},
        why="grieving members get supportive, educational content only",
    ),
    "recovery": SensitiveRule(
        closed_regulated=frozenset({_R.ALCOHOL, _R.GAMBLING, _R.TOBACCO}),
        why="people recovering from addiction never see alcohol, gambling or tobacco",
    ),
    "health": SensitiveRule(
        closed_regulated=frozenset({_R.ALCOHOL, _R.GAMBLING, _R.TOBACCO}),
        why="its members live with a condition (patients, caregivers): never alcohol, gambling "
        "or tobacco; pharma and health need the community's explicit permission",
    ),
    "health_interest": SensitiveRule(
        closed_regulated=frozenset({_R.TOBACCO}),
        why="people interested in a health topic (nutrition, fitness, sleep) are not patients: "
        "every goal is fine; tobacco never; the rest only where its rules allow",
    ),
    "religious": SensitiveRule(
        why="no extra rule: the community's own list of allowed categories decides",
    ),
    "political": SensitiveRule(
        only_regulated=frozenset({_R.POLITICS}),
        why="brands stay out of political communities; only political campaigns they allow",
    ),
}


#: A patients' community (effective flag "health": its members live with a condition) often
#: shares a broad topic with a brief that is not about health — "parenting" for school bags,
#: with a group of parents of children with diabetes — but what its members come for is the
#: condition. Its topic overlap counts at this share unless the brief is about health.
PATIENTS_OFF_TOPIC_SHARE = 0.5
#: A brief is about health when one of these topics is among its topics (named or found in its
#: words), it is flagged with one of these regulated categories, or it names a health condition
#: (conditions.py: "ADHD" in a parents' brief filed under parenting and education).
HEALTH_TOPICS = frozenset({"health", "patients"})
HEALTH_REGULATED = frozenset({RegulatedCategory.HEALTH, RegulatedCategory.PHARMA})


def brief_about_health(
    topics: Iterable[str],
    regulated: Iterable[RegulatedCategory],
    conditions: Iterable[str] = (),
) -> bool:
    """Whether a brief (its topic slugs, regulated flags and named conditions) is about health."""
    return (
        bool(HEALTH_TOPICS & set(topics))
        or bool(HEALTH_REGULATED & set(regulated))
        or any(True for _ in conditions)
    )


#: The stages of young children (stages.STAGES): a parents' group that names one is about
#: the care of babies and toddlers.
YOUNG_STAGES = frozenset({"babies", "toddlers"})


def parents_off_topic(about_health: bool, brief_topics: Iterable[str],
                      community_stages: Iterable[str]) -> bool:  # fmt: skip
    """Whether a parents' group of young children (it names a ``YOUNG_STAGES`` stage) counts
    its overlap at ``PATIENTS_OFF_TOPIC_SHARE`` for a brief about adults' health: its members
    come for their babies' health, not their own. A brief that names or finds "parenting"
    (about children) keeps them whole (issue 16, sixth round)."""
    return (
        about_health
        and "parenting" not in brief_topics
        and bool(YOUNG_STAGES & set(community_stages))
    )


def parents_health_only(about_health: bool, brief_topics: Iterable[str],
                        community_topics: Iterable[str]) -> bool:  # fmt: skip
    """Whether a parents' group of any children's age counts its overlap at
    ``PATIENTS_OFF_TOPIC_SHARE`` for a brief about adults' health (issue 16, seventh round):
    it carries "parenting" and shares no brief topic but "health" (not even through a related
    topic) — its members talk about their children's health. A parents' group that also shares
    what the brief is about (food for a probiotic brief) keeps its overlap; a brief that names
    or finds "parenting" keeps every parents' group whole."""
    from campaigns.matching.topics import topic_credit  # noqa: PLC0415 - topics imports text only

    brief = set(brief_topics)
    own = set(community_topics)
    if not about_health or "parenting" in brief or "parenting" not in own:
        return False
    return not any(o in own for t in brief - {"health"} for o, _part in topic_credit(t))


def patients_off_topic(about_health: bool, brief_conditions: frozenset[str],
                       community_conditions: frozenset[str]) -> bool:  # fmt: skip
    """Whether a patients' community's topic overlap counts at ``PATIENTS_OFF_TOPIC_SHARE``: the
    brief is not about health, or it names conditions and the community names only others."""
    return not about_health or (
        bool(brief_conditions)
        and bool(community_conditions)
        and not (brief_conditions & community_conditions)
    )


#: Content goals are read wherever their readers live: a city such a brief names is where the
#: brand is ("a fintech company in Tel Aviv"), not where its audience must be.
CONTENT_GOALS = frozenset(
    {Goal.MARKET_EDUCATION, Goal.POSITIONING, Goal.EMPLOYER_BRANDING, Goal.EXPERT_SESSION}
)
#: A topic a community carries only because its description mentions it
#: (``features.mentioned_topics``) earns this share of the topic's credit: its members talk
#: about that audience, they are not it (issue 16, sixth round; picked from 0.5, 0.75 and 0.9
#: inside each cross-validation fold, docs/matching.md).
MENTIONED_SHARE = 0.75

#: A group of a brief's vertical that names none of its disciplines, for a brief that names
#: one (a healthy-living group for a runners' physiotherapist), earns this share of its topic
#: overlap; one that names only other disciplines earns PATIENTS_OFF_TOPIC_SHARE (facets.py;
#: issue 16, eighth round; picked from 0.5 and 0.75 by cross-validation, docs/matching.md).
NO_FACET_SHARE = 0.75

#: A professionals' group (dog trainers, architects, DevOps engineers) meets a consumers' brief
#: of its trade at this share of its topic overlap (professions.py; issue 16, tenth round).
PROFESSIONALS_SHARE = 0.5
#: Topic focus: a community whose own specific topics are mostly other subjects than the
#: brief's keeps ``1 - FOCUS_SHARE · (1 - focus)`` of its overlap (``topic_focus``; issue 16,
#: tenth round; 0.2 picked by cross-validation among 0.2 and 0.3, docs/matching.md).
FOCUS_SHARE = 0.2
#: Topics the focus does not read: broad ones (a group about running that also carries
#: "health" is still about running) and "local" (where a group is, is the place fit's).
FOCUS_IGNORED = GENERIC_TOPICS | {LOCAL}


def topic_focus(community_topics: Iterable[str], credited: Iterable[str],
                specificity: Callable[[str], float]) -> float:  # fmt: skip
    """The share of a community's specific topics (by specificity) that the brief credits —
    its own topics or their related ones: 1 for a runners' group and a runners' brief, about a
    half for a group about running and travel. A community with no specific topic: 1."""
    own = [t for t in dict.fromkeys(community_topics) if t not in FOCUS_IGNORED]
    total = sum(specificity(t) for t in own)
    if total <= 0:
        return 1.0
    wanted = set(credited)
    return sum(specificity(t) for t in own if t in wanted) / total


def focus_factor(focus: Any) -> Any:
    """What a community's topic overlap is multiplied by for its ``topic_focus`` (a float for
    the reference engine, an array for the vectorised one)."""
    return 1.0 - FOCUS_SHARE * (1.0 - focus)


#: A local brief's place counts as its "local" topic: a community in the named city earns it
#: whole, one elsewhere in the city's region this share, any other none (whatever its tags).
LOCAL_REGION_CREDIT = 0.5


def target_cities(brief: BriefSpec, free_topics: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The cities a brief's audience must be in: those its title, message or free-text topics
    name — none for a content goal, whose city is where the brand is, not its audience, and
    none for a brief that says its audience is the whole country ("delivered anywhere in
    Israel", ``places.says_nationwide``; issue 16, ninth round)."""
    if brief.goal in CONTENT_GOALS or says_nationwide(f"{brief.title} {brief.message}"):
        return ()
    return brief_cities(brief.title, brief.message, free_topics)


#: A brief for neighbouring cities of one region (Kfar Saba and Ra'anana, Tel Aviv and
#: Givatayim) is local when it names at most this many (issue 16, tenth round).
LOCAL_MAX_CITIES = 3


def is_local_brief(brief: BriefSpec, cities: Sequence[str]) -> bool:
    """A brief for one place: it names exactly one city, lists no regions of its own, and its
    goal brings people somewhere (not a content goal). Since the ninth round of issue 16 a brief
    that lists only that city's own region is one too (a Beersheba bike shop tagged "south"),
    unless it also names the "local" topic itself: then it asks for the region's local groups
    by their tag, and its region stands as a region (Beersheba call-centre jobs, "careers,
    local" in the South)."""
    if not cities or brief.goal in CONTENT_GOALS:
        return False
    regions = {city_region(c) for c in cities}
    if len(cities) > 1 and (len(regions) != 1 or len(cities) > LOCAL_MAX_CITIES):
        return False
    if not brief.regions:
        return True
    return set(brief.regions) <= regions and LOCAL not in brief.topics


def city_group_topics(brief_topics: Iterable[str], own: Iterable[str], how: str) -> list[str]:
    """For a local brief (``is_local_brief``): the brief's broad topics (``GENERIC_TOPICS``)
    that a general group of the named city earns in full without carrying them (issue 16,
    eighth round). A general group is one in the city (``how`` is "city") that carries
    "local" and no subject (``SUBJECT_TOPICS``: a city's dog owners or food lovers are a niche
    of it): its residents, a neighbourhood, the city's parents, seniors or women's
    recommendations — the city's people ask there about every broad subject (a doctor, an
    event, a deal), so a clinic or a bookshop opening in the city is news to them. Specific
    topics (pets, fitness) are not earned: a residents' group is not a group of dog owners.
    Empty for any other community."""
    mine = set(own)
    if how != "city" or LOCAL not in mine or mine & SUBJECT_TOPICS:
        return []
    return [t for t in brief_topics if t != LOCAL and t in GENERIC_TOPICS and t not in mine]


#: For a local brief, the share of a broad topic's credit that a community about a subject the
#: brief does not name earns (a pilates studio sharing "health" with a dental clinic; eighth
#: round). Not tuned: the share of the related topics and the off-topic patients' groups.
NICHE_BROAD_SHARE = 0.5


def niche_subjects(brief_topics: Iterable[str], own: Iterable[str]) -> list[str]:
    """For a local brief: the subjects (``SUBJECT_TOPICS``) a community is about that the brief
    does not name — a group of its city about pilates, dogs or food is a niche of the city, and
    a broad topic it shares with the brief (health, culture) counts ``NICHE_BROAD_SHARE``
    (issue 16, eighth round). Empty when it is about none of them (the city's general groups,
    or a group about the brief's own subject)."""
    named = set(brief_topics)
    return sorted(set(own) & SUBJECT_TOPICS - named)


#: For a local brief, the share of a community's topic fit that depends on where it is: its
#: topic counts ``1 - LOCAL_TOPIC_PLACE_SHARE + LOCAL_TOPIC_PLACE_SHARE x place factor``
#: (issue 16, seventh round). A nationwide group on the brief's topic talks about it to members
#: who mostly cannot come; 0.2 picked on the judged set (0.4 and 0.6 lost the wine festival).
LOCAL_TOPIC_PLACE_SHARE = 0.35


def local_topic_factor(place: float) -> float:
    """What a local brief's topic fit is multiplied by for a community of place factor
    ``place`` (places.place_fit): 1 in the named city, 0.82 elsewhere."""
    return 1.0 - LOCAL_TOPIC_PLACE_SHARE + LOCAL_TOPIC_PLACE_SHARE * place


def local_credit(how: str) -> float:
    """The "local" topic credit of a community placed ``how`` (places.place_fit) for a local
    brief: 1 in the city, ``LOCAL_REGION_CREDIT`` in its region, else 0."""
    return 1.0 if how == "city" else LOCAL_REGION_CREDIT if how == "region" else 0.0


#: A reported share of members under 18 at or above this makes a community one of minors,
#: whatever its flags say; a legacy "minors" flag on a community whose reported ages put
#: fewer than ``ADULTS_ONLY_BELOW`` of its members under 18 means a community about children.
MINORS_FROM = 0.2
ADULTS_ONLY_BELOW = 0.05


def effective_sensitive_flags(
    flags: Sequence[str], audience: Mapping[str, Mapping[str, int]]
) -> tuple[str, ...]:
    """The flags the gates apply, after reading stored flags against the reported ages.

    Until issue 16 one flag, "minors", covered both teenagers' groups and parents' groups.
    Stored data keeps it; it is read as "about_children" only where that is unambiguous — the
    community reports its ages and under 5% of its members are under 18. Any community that
    reports 20% or more members under 18 is treated as one of minors, flagged or not.
    """
    out = list(dict.fromkeys(flags))
    age = audience.get("age") or {}
    if age:
        under = age.get("under_18", 0) / 10_000
        if "minors" in out and under < ADULTS_ONLY_BELOW:
            out[out.index("minors")] = "about_children"
            out = list(dict.fromkeys(out))
        if under >= MINORS_FROM and "minors" not in out:
            out.append("minors")
    return tuple(out)


def sensitive_closed(flag: str, brief: BriefSpec) -> bool:
    """Whether a community with ``flag`` is closed to ``brief`` (unknown flags close nothing)."""
    rule = SENSITIVE_RULES.get(flag)
    if rule is None:
        return False
    if brief.goal in rule.closed_goals:
        return True
    if any(c in rule.closed_regulated for c in brief.regulated):
        return True
    return rule.only_regulated is not None and not any(
        c in rule.only_regulated for c in brief.regulated
    )


#: Gate diagnosis runs its "what if" suggestions when fewer communities than this survive.
DIAGNOSE_BELOW = 5

NATIONWIDE = "nationwide"
#: The market's common language: a brief for Hebrew speakers alone implies no language target
#: (nearly every community speaks it, so its share says nothing).
MARKET_LANGUAGE = "he"
ABROAD = "abroad"


#: A community whose first language is not the one language of a brief loses this much of its
#: total, times the share of its members who do not speak the brief's language (issue 16,
#: seventh round). A margin, not a factor: it orders a second-language group below a
#: first-language group of about the same fit, and leaves it above clearly weaker ones.
SECOND_LANGUAGE_MARGIN = 0.05
#: The share of other-language members assumed when a community lists no language shares.
SECOND_LANGUAGE_UNKNOWN_SHARE = 0.5


def brief_first_language(brief: BriefSpec) -> str | None:
    """The one language of a brief that names exactly one (None otherwise)."""
    return brief.languages[0] if len(brief.languages) == 1 else None


def other_language_share(
    language: str, languages: Sequence[str], language_shares: Mapping[str, int] | None
) -> float:
    """The share of a community's members who do not speak ``language`` when it is not the
    community's first listed language (``language_shares`` in basis points; unknown:
    ``SECOND_LANGUAGE_UNKNOWN_SHARE``); 0 when it is its first, or it lists no language."""
    if not languages or languages[0] == language:
        return 0.0
    if language_shares:
        return 1.0 - min(1.0, language_shares.get(language, 0) / 10_000)
    return SECOND_LANGUAGE_UNKNOWN_SHARE


def second_language_penalty(
    brief: BriefSpec, languages: Sequence[str], language_shares: Mapping[str, int] | None
) -> float:
    """What a community's total loses when the brief's one language is not its first:
    ``SECOND_LANGUAGE_MARGIN`` times :func:`other_language_share`; 0 for a brief that names no
    language or several."""
    first = brief_first_language(brief)
    if first is None:
        return 0.0
    return SECOND_LANGUAGE_MARGIN * other_language_share(first, languages, language_shares)


def region_open(community_region: str, brief_regions: tuple[str, ...]) -> bool:
    """Whether a community's region serves a brief's regions.

    Empty brief regions mean anywhere. A nationwide community serves every Israeli region; a
    nationwide brief takes a community in any Israeli region; "abroad" only matches itself.
    """
    if not brief_regions or community_region in brief_regions:
        return True
    if community_region == NATIONWIDE:
        return any(r != ABROAD for r in brief_regions)
    return NATIONWIDE in brief_regions and community_region != ABROAD


def audience_targets(
    brief: BriefSpec, *, implied_region: bool = True
) -> list[tuple[str, tuple[str, ...]]]:
    """The audience dimensions a brief targets, with their wanted buckets.

    A brief for speakers of one language other than Hebrew gets the language dimension
    implied (the share of members who speak it). A brief that runs in particular regions but
    does not target the region dimension of the audience gets it implied: a Beersheba
    campaign prefers communities whose members live in the South, not just nationwide ones
    that include it. When the brief names a city the place
    fit (places.py) takes that role instead (``implied_region=False``), so the region does not
    count twice. Adults' ages the brief's words name imply the age dimension the same way
    (ages.py; issue 16, tenth round).
    """
    targets = [(dim, tuple(buckets)) for dim, buckets in brief.audience.items() if buckets]
    regions = tuple(r for r in brief.regions if r != NATIONWIDE)
    if implied_region and regions and "region" not in brief.audience:
        targets.append(("region", regions))
    if "age" not in brief.audience and (ages := brief_age_buckets(brief.title, brief.message)):
        # Adults' ages the brief's words name ("בנות 50 עד 74", "over 70"): ages.py.
        targets.append(("age", ages))
    if (
        len(brief.languages) == 1
        and brief.languages[0] != MARKET_LANGUAGE
        and "language" not in brief.audience
    ):
        # A brief for one language community (Arabic or Russian speakers, Anglos) prefers the
        # communities whose members mostly speak it, not bilingual ones where a few do.
        targets.append(("language", tuple(brief.languages)))
    return targets
