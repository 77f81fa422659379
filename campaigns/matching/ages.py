# ruff: noqa: E501  (the age patterns read best one a line)
"""Adults' ages a brief's words name: "בנות 50 עד 74", "over 70", "60 פלוס", "старше 65".

A brief for a mammogram reminder, a hearing aid or a career change after 40 says whose age it
is for in its message more often than in the audience form. The audience's age shares are
known for most communities, so an age the words name is a target like a region the brief
names (``components.audience_targets``): a 45–60 women's group outranks a home-workout group
of women in their twenties for "women aged 50 to 74". Children's ages ("ילדים בני 9", "16.5 and
up") are not read here: they are the children's stages (stages.py), and a range that starts
below 18 covers every adult anyway. docs/matching.md, "Issue 16, tenth round".
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

#: The audience's age buckets (``CommunityRecord.audience["age"]``), as year ranges; the last
#: is read as 65-84 for the overlap.
AGE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("18_24", 18, 25),
    ("25_34", 25, 35),
    ("35_44", 35, 45),
    ("45_54", 45, 55),
    ("55_64", 55, 65),
    ("65_plus", 65, 85),
)
#: Ages named below this are children's: stages.py reads them, this module does not.
ADULT_FROM = 18
#: A bucket is wanted when the named range covers at least this share of its years.
BUCKET_COVER = 0.5

#: Words before an age that say it is one: "בני 50", "גיל 40", "aged 50", "старше 65", "سن 60".
_AGE_WORDS = (
    r"בני|בנות|לבני|לבנות|מבני|גיל|בגיל|מגיל|לגיל|מעל גיל|אחרי גיל|"
    r"aged|ages|age|older than|"
    r"старше|в возрасте|"
    r"سن|عمر|بعمر"
)
#: Words before a number that may be an age or a quantity ("over 70", "over 50 employees"):
#: an age only when nothing but an end follows it (``_END``).
_QUANTITY_WORDS = r"over|above|מעל|от|فوق"
#: Words after an age that leave it open: "50 ומעלה", "60+", "over 70", "65 and over".
_OPEN = r"ומעלה|פלוס|\+|plus|and over|and up|and older|и старше|وما فوق|فما فوق"
#: Words between the two ends of a range: "50 עד 74", "50-74", "50 to 74", "от 50 до 74".
_TO = r"עד|-|–|to|до|إلى|الى"
#: What may follow an age after a quantity word: the end of a phrase, "and", "years".
_END = r"s?(?=\s*(?:$|[.,;:!?)\n–—]|and\b|or\b|ו|years|שנה|лет|عام|سنة))"
_NUMBER = r"(\d{2}(?:\.\d)?)"
_START = r"(?:^|[\s(,])"
#: Not an age: a number followed by a currency or a percent.
_NOT_MONEY = r"(?![\d.]*\d)(?!\s*(?:₪|ש\"ח|ש״ח|שקל|nis|ils|%))"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    flags = re.IGNORECASE
    return (
        re.compile(
            rf"{_START}(?:{_AGE_WORDS})\s*-?\s*{_NUMBER}\s*(?:{_TO})\s*{_NUMBER}{_NOT_MONEY}", flags
        ),
        re.compile(
            rf"{_START}(?:{_QUANTITY_WORDS})\s*{_NUMBER}\s*(?:{_TO})\s*{_NUMBER}{_END}", flags
        ),
        re.compile(
            rf"{_START}(?:{_AGE_WORDS})\s*-?\s*{_NUMBER}(?:\s*(?:{_OPEN}))?{_NOT_MONEY}", flags
        ),
        re.compile(rf"{_START}(?:{_QUANTITY_WORDS})\s*{_NUMBER}(?:\s*(?:{_OPEN}))?{_END}", flags),
        re.compile(rf"{_START}{_NUMBER}\s*(?:{_OPEN}){_NOT_MONEY}", flags),
    )


def named_age_range(text: str) -> tuple[float, float] | None:
    """The adults' age range ``text`` names (``hi`` is ``inf`` when open), or None.

    A range ("50 עד 74") wins over a single age; a single age reads as "and older" ("over 70",
    "בני 65 ומעלה"; "גיל 40" in "אחרי גיל 40" too). Ages below ``ADULT_FROM`` and numbers above
    99 (prices, counts) are not ages here.
    """
    patterns = _patterns()
    for pattern in patterns[:2]:
        for m in pattern.finditer(text):
            lo, hi = float(m.group(1)), float(m.group(2))
            if ADULT_FROM <= lo < hi <= 99:
                return lo, hi + 1
    for pattern in patterns[2:]:
        for m in pattern.finditer(text):
            lo = float(m.group(1))
            if ADULT_FROM <= lo <= 99:
                return lo, math.inf
    return None


def age_buckets(lo: float, hi: float) -> tuple[str, ...]:
    """The audience age buckets the range [lo, hi) covers at least ``BUCKET_COVER`` of."""
    out = []
    for name, start, end in AGE_BUCKETS:
        covered = max(0.0, min(end, hi) - max(start, lo))
        if covered >= BUCKET_COVER * (end - start):
            out.append(name)
    return tuple(out)


def brief_age_buckets(title: str, message: str) -> tuple[str, ...]:
    """The age buckets a brief's words name, or () when they name no adult age or every
    bucket (which would prefer nobody)."""
    found = named_age_range(f"{title}\n{message}")
    if found is None:
        return ()
    buckets = age_buckets(*found)
    return () if len(buckets) == len(AGE_BUCKETS) else buckets
