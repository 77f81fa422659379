"""Children's stages: which ages of children a text names (babies, toddlers, school, teens).

A parents' community is about children of some age, and a brief for parents usually says
which (school bags for "כיתות א'–ו'", diapers for babies). The topic "parenting" cannot tell
them apart; the words can. ``detect_stages`` finds the stages a text names in Hebrew (with its
one- and two-letter prefixes), English, Arabic and Russian; the audience fit then compares the
brief's stages with a parents' community's (docs/matching.md, "Children's stages").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from campaigns.brief import BriefSpec
from campaigns.matching.records import CommunityRecord
from campaigns.matching.text import TextConfig, normalise, unprefixed

#: The stages in age order; neighbours in this order are "adjacent".
STAGES: tuple[str, ...] = ("babies", "toddlers", "school", "teens")

#: stage -> the words and phrases that name it (normalised as the text is).
STAGE_NAMES: dict[str, tuple[str, ...]] = {
    "babies": (
        "תינוק", "תינוקות", "תינוקת", "יילוד", "יילודים", "אחרי לידה", "הנקה", "טיפות חלב",
        "baby", "babies", "infant", "infants", "newborn", "newborns", "breastfeeding",
        "رضيع", "رضع", "الرضع", "الرضاعة", "младенец", "младенцы", "младенцев", "грудничок",
    ),
    "toddlers": (
        "פעוט", "פעוטות", "ילדי גן", "גן ילדים", "גנים", "גיל הרך", "מעון יום",
        "toddler", "toddlers", "preschool", "preschooler", "preschoolers", "kindergarten",
        "daycare", "playgroup", "playgroups", "gan",
        "حضانة", "الحضانات", "حضانات", "روضة", "садик", "садики", "детский сад", "малыш",
        "малыши", "малышей",
    ),
    "school": (
        "בית ספר", "בתי ספר", "יסודי", "יסודית", "כיתות א", "כיתה א", "school age",
        "school kids", "schoolchildren", "primary school", "elementary school", "grade school",
        "schools", "مدرسة", "المدرسة", "المدارس", "школа", "школы", "школьник", "школьники",
        "школьников",
    ),
    "teens": (
        "נוער", "בני נוער", "מתבגר", "מתבגרים", "מתבגרות", "תיכון", "חטיבת ביניים", "בגרות",
        "בגרויות", "teen", "teens", "teenager", "teenagers", "adolescent", "adolescents",
        "high school", "middle school", "مراهق", "مراهقين", "المراهقين", "подросток",
        "подростки", "подростков",
    ),
}  # fmt: skip

_PLAIN = TextConfig(strip_prefixes=False)


@lru_cache(maxsize=1)
def _names() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for stage, names in STAGE_NAMES.items():
        for name in names:
            words = normalise(name, _PLAIN).split()
            if words:
                first.setdefault(words[0], []).append((stage, tuple(words[1:])))
    return first


#: Ages in years each stage covers, [from, to): an age range a text gives ("גילאי 1–8",
#: "ages 3-6", "עד גיל 6") names every stage it overlaps.
STAGE_AGES: dict[str, tuple[int, int]] = {
    "babies": (0, 1),
    "toddlers": (1, 6),
    "school": (6, 12),
    "teens": (12, 18),
}
_RANGE = re.compile(
    r"(?:גילאי|גיל|בני|בנות|ages?|aged)\s*(\d{1,2})\s*(?:[-–—−]|to|עד)\s*(\d{1,2})", re.IGNORECASE
)
_UP_TO = re.compile(r"(?:עד\s+גיל|up\s+to\s+age|under)\s*(\d{1,2})", re.IGNORECASE)


def _age_stages(text: str) -> set[str]:
    spans = [(int(a), int(b)) for a, b in _RANGE.findall(text)]
    spans += [(0, int(b)) for b in _UP_TO.findall(text)]
    return {
        stage
        for low, high in spans
        if low <= high <= 18
        for stage, (start, end) in STAGE_AGES.items()
        if low < end and high > start
    }


def detect_stages(text: str) -> frozenset[str]:
    """The children's stages a text names: words and phrases (Hebrew prefixes allowed) and
    age ranges."""
    words = normalise(text, _PLAIN).split()
    names = _names()
    found: set[str] = _age_stages(text)
    for i, word in enumerate(words):
        for form in unprefixed(word):
            for stage, rest in names.get(form, ()):
                if tuple(words[i + 1 : i + 1 + len(rest)]) == rest:
                    found.add(stage)
    return frozenset(found)


#: Stage fit of a parents' community for a brief that names stages: it names one of them (1);
#: only a neighbouring stage (``STAGE_ADJACENT``: kindergarten parents for school bags are
#: next year's buyers, so no penalty, as if it named none); only others (``STAGE_OTHER``:
#: babies for a teenagers' brief). A community that names none, or is not a parents' group,
#: counts as neutral (``NEUTRAL`` 0.5, like any unknown audience figure).
STAGE_ADJACENT = 0.5
STAGE_OTHER = 0.1
STAGE_NEUTRAL = 0.5


def stage_fit(brief: frozenset[str], community: frozenset[str]) -> tuple[float, str]:
    """The stage factor of a parents' community for a brief's stages, and how it was reached
    ("match", "adjacent", "other", or "unsaid" when either names no stage)."""
    if not brief or not community:
        return STAGE_NEUTRAL, "unsaid"
    if brief & community:
        return 1.0, "match"
    near = {STAGES[j] for s in brief for j in (STAGES.index(s) - 1, STAGES.index(s) + 1)
            if 0 <= j < len(STAGES)}  # fmt: skip
    return (STAGE_ADJACENT, "adjacent") if near & community else (STAGE_OTHER, "other")


#: The topic whose communities are about children of some age.
PARENTING = "parenting"


def brief_stages(brief: BriefSpec, topics: Iterable[str]) -> frozenset[str]:
    """The children's stages a brief for parents names in its title, message and topics
    (empty when ``topics``, the brief's named and found topics, lack "parenting")."""
    if PARENTING not in topics:
        return frozenset()
    return detect_stages(" ".join([brief.title, brief.message, *brief.topics]))


def community_stage(
    wanted: frozenset[str], record: CommunityRecord, topics: Iterable[str]
) -> tuple[float, str, frozenset[str]]:
    """A community's stage factor for the brief's ``wanted`` stages, how it was reached ("not
    parents" for a community without "parenting" among its ``topics``) and its own stages."""
    if PARENTING not in topics:
        return STAGE_NEUTRAL, "not_parents", frozenset()
    own = community_stages(record)
    fit, how = stage_fit(wanted, own)
    return fit, how, own


def community_stages(record: CommunityRecord) -> frozenset[str]:
    """The children's stages a community names in its name, member type and description."""
    return _community_stages(" ".join([record.name, record.member_type, record.description]))


@lru_cache(maxsize=65_536)
def _community_stages(text: str) -> frozenset[str]:
    return detect_stages(text)
