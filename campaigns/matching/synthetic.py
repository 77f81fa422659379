"""Seeded synthetic catalogs and briefs for the benchmark and the agreement tests.

The mix follows the demo catalog: mostly Hebrew, some Arabic, Russian and English; regions in
proportion to Israel's population; sizes log-normal by platform; audience shares drawn around
each theme's typical profile; rate cards near 2.5 agorot a member; value estimates missing for
one community in seven. Nothing here is meant to be true, only plausible and reproducible.
"""

from __future__ import annotations

import math
import random

from campaigns.brief import BriefSpec, Goal, RegulatedCategory
from campaigns.matching.records import SENSITIVE_FLAGS, CommunityRecord, PlacementOffer
from campaigns.matching.text import TOPIC_WORDS
from pricing.taxonomy import PlacementType, Platform

#: Words communities use about themselves, per topic (Hebrew first, a few English).
_WORDS: dict[str, list[str]] = {
    "parenting": ["הורים", "תינוקות", "גן", "שינה", "הנקה", "ילדים", "חוגים", "moms", "toddlers"],
    "fitness": ["ריצה", "אימון", "מרתון", "כושר", "אופניים", "יוגה", "running", "gym"],
    "food": ["מתכונים", "בישול", "אפייה", "מסעדות", "טבעוני", "מחמצת", "recipes", "foodies"],
    "tech": ["מפתחים", "סטארטאפ", "קוד", "דאטה", "ענן", "סייבר", "developers", "cloud"],
    "finance": ["השקעות", "חיסכון", "פנסיה", "משכנתא", "מניות", "investing", "savings"],
    "health": ["בריאות", "תזונה", "סוכרת", "שינה", "רופאה", "טיפול", "health", "nutrition"],
    "careers": ["משרות", "גיוס", "קורות", "ראיון", "קריירה", "jobs", "hiring"],
    "local": ["שכונה", "תושבים", "המלצות", "אירועים", "עירייה", "neighbours"],
    "culture": ["ספרים", "תיאטרון", "מוזיקה", "צילום", "אמנות", "books", "music"],
    "travel": ["טיולים", "מסלולים", "טיסות", "צימרים", "שביל", "trips", "hiking"],
    "pets": ["כלבים", "חתולים", "וטרינר", "אימוץ", "אילוף", "dogs", "cats"],
    "education": ["מורים", "סטודנטים", "כיתה", "בגרות", "למידה", "teachers"],
    "marketing": ["שיווק", "קמפיינים", "תוכן", "סושיאל", "מותגים", "marketing"],
    "sustainability": ["קיימות", "מחזור", "סולארי", "גינה", "ירוק", "green"],
    "gaming": ["גיימינג", "קונסולות", "משחקים", "טורנירים", "gamers"],
    "fashion": ["אופנה", "איפור", "בגדים", "וינטג", "fashion"],
}
_THEMES = list(_WORDS)
_LANGS = [
    ("he",),
    ("he", "en"),
    ("ar", "he"),
    ("ar",),
    ("ru", "he"),
    ("ru",),
    ("en",),
    ("en", "he"),
]
_LANG_P = [0.62, 0.12, 0.06, 0.04, 0.06, 0.03, 0.04, 0.03]
_REGIONS = [
    "nationwide",
    "center",
    "tel_aviv",
    "haifa",
    "north",
    "jerusalem",
    "south",
    "judea_samaria",
]
_REGION_P = [0.35, 0.17, 0.13, 0.08, 0.09, 0.09, 0.07, 0.02]
_PLATFORMS = list(Platform)
_AGE_BUCKETS = ["under_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"]
_PLACEMENTS = list(PlacementType)
_OCCUPATIONS = ["developers", "teachers", "nurses", "students", "business owners", "designers"]
_RATE_PER_MEMBER = dict.fromkeys(PlacementType, 2.5) | {
    PlacementType.DEDICATED_SEND: 8.0,
    PlacementType.EXPERT_SESSION: 4.0,
    PlacementType.MEETUP: 5.0,
    PlacementType.ROUND_TABLE: 3.0,
    PlacementType.PRODUCT_PILOT: 4.0,
}


def _shares(rng: random.Random, buckets: list[str], peak: int, spread: float) -> dict[str, int]:
    """Basis points over ``buckets`` peaking at index ``peak``, summing to exactly 10,000."""
    raw = [
        math.exp(-(((i - peak) / spread) ** 2)) * rng.uniform(0.5, 1.5) for i in range(len(buckets))
    ]
    total = sum(raw)
    bp = [int(10_000 * r / total) for r in raw]
    bp[peak] += 10_000 - sum(bp)
    return {b: v for b, v in zip(buckets, bp, strict=True) if v > 0}


def synthetic_records(n: int, *, seed: int = 0) -> list[CommunityRecord]:
    """``n`` plausible communities, ids 1..n, reproducible for a given seed."""
    rng = random.Random(seed)
    out: list[CommunityRecord] = []
    for cid in range(1, n + 1):
        theme = rng.choice(_THEMES)
        topics = [theme] + rng.sample(
            [t for t in TOPIC_WORDS if t != theme], rng.choice((0, 1, 1, 2))
        )
        langs = rng.choices(_LANGS, _LANG_P)[0]
        region = rng.choices(_REGIONS, _REGION_P)[0]
        words = rng.sample(_WORDS[theme], 4) + rng.sample(_WORDS[rng.choice(_THEMES)], 2)
        platforms = rng.sample(_PLATFORMS, rng.choice((1, 1, 2, 2, 3)))
        size = max(20, int(math.exp(rng.gauss(math.log(3000), 1.3))))
        placements = {PlacementType.POST} if rng.random() < 0.85 else set()
        placements |= set(rng.sample(_PLACEMENTS, rng.choice((0, 1, 2, 3))))
        if not placements:
            placements = {rng.choice(_PLACEMENTS)}
        price = math.exp(rng.gauss(math.log(1.3), 0.45))
        has_values = rng.random() > 1 / 7
        offers = []
        for p in sorted(placements):
            rate = max(10_000, round(size * _RATE_PER_MEMBER[p] * math.exp(rng.gauss(0, 0.4)), -2))
            value = int(round(rate * price, -2)) if has_values else None
            offers.append(
                PlacementOffer(
                    placement=p,
                    rate_minor=int(rate),
                    value_p10_minor=None if value is None else value // 2,
                    value_p50_minor=value,
                    value_p90_minor=None if value is None else value * 2,
                    reach_p50=None if value is None else size // 3,
                )
            )
        audience: dict[str, dict[str, int]] = {}
        if rng.random() < 0.8:
            women = int(rng.betavariate(3, 3) * 10_000)
            audience["gender"] = {"female": women, "male": 10_000 - women}
        if rng.random() < 0.7:
            audience["age"] = _shares(rng, _AGE_BUCKETS, rng.randint(1, 5), rng.uniform(0.8, 2.0))
        if rng.random() < 0.6:
            audience["region"] = _shares(rng, _REGIONS[1:], rng.randrange(7), 1.2)
        audience["language"] = (
            {langs[0]: 10_000} if len(langs) == 1 else {langs[0]: 7000, langs[1]: 3000}
        )
        if rng.random() < 0.2:
            audience["occupation"] = {rng.choice(_OCCUPATIONS): rng.randint(3000, 9000)}
        active = rng.uniform(0.05, 0.7) if rng.random() < 0.4 else None
        out.append(
            CommunityRecord(
                id=cid,
                name=f"{words[0]} {words[1]} {cid}",
                description=" ".join(words) + " " + " ".join(rng.sample(_WORDS[theme], 3)),
                member_type=words[2],
                tags=tuple(words[3:5]),
                topics=tuple(topics),
                languages=langs,
                region=region,
                audience_kind=rng.choice(("b2c", "b2c", "b2c", "b2b", "both")),
                sensitive_flags=tuple(rng.sample(SENSITIVE_FLAGS, 1))
                if rng.random() < 0.06
                else (),
                regulated_allowed=tuple(
                    rng.sample(list(RegulatedCategory), rng.randint(1, 3))
                    if rng.random() < 0.15
                    else ()
                ),
                status="listed" if rng.random() < 0.93 else rng.choice(("paused", "draft")),
                audience=audience,
                platforms=tuple(platforms),
                offers=tuple(offers),
                total_size=size,
                health_score=round(rng.uniform(20, 95), 1) if rng.random() < 0.6 else None,
                active_share=active,
                interactions_per_member_week=None
                if active is None
                else round(active * rng.uniform(0.5, 3), 2),
                best_evidence=rng.choice((0, 1, 1, 2, 2, 3, 4)),
                past_performance=round(rng.uniform(0.4, 1.4), 2) if rng.random() < 0.1 else None,
            )
        )
    return out


def synthetic_briefs(count: int, *, seed: int = 0) -> list[BriefSpec]:
    """Varied briefs: every goal, some targeting, some regions, languages and regulation."""
    rng = random.Random(seed)
    goals = list(Goal)
    out: list[BriefSpec] = []
    for i in range(count):
        theme = rng.choice(_THEMES)
        audience: dict[str, tuple[str, ...]] = {}
        if rng.random() < 0.6:
            audience["gender"] = (rng.choice(("female", "male")),)
        if rng.random() < 0.6:
            start = rng.randint(1, 4)
            audience["age"] = tuple(_AGE_BUCKETS[start : start + 2])
        if rng.random() < 0.15:
            audience["occupation"] = (rng.choice(_OCCUPATIONS),)
        goal = goals[i % len(goals)]
        out.append(
            BriefSpec(
                goal=goal,
                title=" ".join(rng.sample(_WORDS[theme], 2)),
                message=" ".join(
                    rng.sample(_WORDS[theme], 4) + rng.sample(_WORDS[rng.choice(_THEMES)], 2)
                ),
                audience=audience,
                topics=(theme,) if rng.random() < 0.7 else (),
                avoid_topics=(rng.choice(_THEMES),) if rng.random() < 0.2 else (),
                exclude_communities=tuple(rng.sample(range(1, 200), 3))
                if rng.random() < 0.3
                else (),
                platforms=tuple(rng.sample(_PLATFORMS, 4)) if rng.random() < 0.3 else (),
                languages=rng.choice(((), ("he",), ("he", "en"), ("ar",), ("ru",))),
                regions=rng.choice(
                    ((), (), ("center", "tel_aviv"), ("south",), ("haifa", "north"))
                ),
                budget_minor=rng.choice((500_000, 2_000_000, 10_000_000)),
                regulated=(rng.choice(list(RegulatedCategory)),) if rng.random() < 0.15 else (),
            )
        )
    return out
