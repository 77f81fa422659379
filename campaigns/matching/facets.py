# ruff: noqa: E501  (the cue tables read best one facet a line)
"""Which kind within a vertical: a brief for runners and a yoga group, both "fitness".

A vertical topic gathers communities of different disciplines — runners, yogis and swimmers all
carry "fitness"; interior designers and UX designers both carry "design" — and a brief usually
says which one it is for in its words. :func:`brief_facets` and :func:`community_facets` read the
disciplines (Hebrew, English, Arabic and Russian, inflected); a community that names disciplines
of the brief's vertical, none of them the brief's, counts its topic overlap at
``PATIENTS_OFF_TOPIC_SHARE`` (half), like a patients' group about another condition
(conditions.py). A community that names none, or a brief that names none, is unchanged.
docs/matching.md, "Issue 16, fifth round".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from campaigns.matching.topics import AUDIENCE_TOPICS, CueIndex

#: vertical topic -> facet -> cues.
FACET_CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "fitness": {
        "running": ("ריצה", "ריצות", "רצים", "רצות", "מרתון", "חצי מרתון", "running", "runners", "marathon", "jogging", "бег", "бегуны", "марафон", "الجري", "ماراثون"),
        "yoga_pilates": ("יוגה", "פילאטיס", "yoga", "pilates", "йога", "пилатес", "يوغا", "بيلاتس"),
        "cycling": ("רכיבת אופניים", "רוכבי אופניים", "רוכבות", "cycling", "cyclists", "велоспорт", "велосипедист", "ركوب الدراجات"),
        "swimming": ("שחייה", "שוחים", "שוחות", "swimming", "swimmers", "плавание", "пловц", "السباحة"),
        "strength": ("חדר כושר", "קרוספיט", "הרמת משקולות", "crossfit", "weightlifting", "bodybuilding", "кроссфит", "тренажерн", "كمال الأجسام"),
        "ball_games": ("כדורגל", "כדורסל", "כדורעף", "טניס", "football", "soccer", "basketball", "volleyball", "tennis", "футбол", "баскетбол", "теннис", "كرة القدم", "كرة السلة"),
        "dance": ("ריקוד", "ריקודים", "זומבה", "מחול", "dance", "dancing", "zumba", "танцы", "танцев", "танцевальн", "رقص"),
        "martial_arts": ("קרב מגע", "אומנויות לחימה", "קראטה", "ג'ודו", "איגרוף", "martial arts", "karate", "judo", "boxing", "krav maga", "единоборств", "карате", "бокс", "فنون قتالية"),
        "hiking": ("טרקים", "מסלולי הליכה", "הליכות בטבע", "hiking", "trekking", "хайкинг", "походы", "المشي في الطبيعة"),
    },
    "finance": {
        "pension": ("פנסיה", "פנסיוני", "פנסיונית", "קרן השתלמות", "קרנות השתלמות", "קופת גמל", "קופות גמל", "pension", "pensions", "provident fund", "retirement savings", "пенсионн", "накопительн", "صندوق التقاعد", "المعاش التقاعدي"),
        "insurance": ("ביטוח", "ביטוחים", "ביטוחי", "insurance", "insurer", "страховк", "страхован", "تأمين", "التأمين"),
        "investing": ("השקעות", "משקיעים", "משקיעי", "מניות", "קרנות מחקות", "תיק השקעות", "קריפטו", "ביטקוין", "מסחר במניות", "investing", "investors", "investment", "stocks", "crypto", "bitcoin", "trading", "инвестиц", "инвестор", "акции", "криптовалют", "استثمار", "أسهم", "العملات الرقمية"),
        "mortgage": ("משכנתא", "משכנתאות", "mortgage", "mortgages", "ипотек", "رهن عقاري"),
        "budgeting": ("תקציב", "תקציב הבית", "חובות", "כלכלת המשפחה", "budget", "budgeting", "debts", "household budget", "семейный бюджет", "долги", "ميزانية الأسرة"),
        "banking": ("חשבון בנק", "חשבון עו\"ש", "עמלות", "בנק דיגיטלי", "bank account", "current account", "digital bank", "bank fees", "банковский счет", "банковский счёт", "حساب بنكي", "حساب جار", "بنك رقمي", "عمولات"),
        "tax_bookkeeping": ("מיסים", "מס הכנסה", "הנהלת חשבונות", "חשבוניות", "קבלות", "מע\"מ", "דוחות שנתיים", "taxes", "tax returns", "bookkeeping", "invoices", "invoicing", "vat", "налоги", "бухгалтери", "ضرائب", "الفواتير"),
    },
    "design": {
        "interior": ("עיצוב פנים", "מעצבי פנים", "מעצבות פנים", "אדריכלים", "אדריכליות", "אדריכלות", "אדריכל", "interior design", "interior designers", "architects", "architecture", "дизайн интерьера", "архитектор", "تصميم داخلي", "معماري"),
        "digital": ("ux", "ui", "עיצוב מוצר", "מעצבי מוצר", "עיצוב ממשק", "עיצוב גרפי", "מעצבים גרפיים", "מעצבות גרפיות", "גרפיקה", "מאיירים", "איור", "מושן", "product design", "product designers", "graphic design", "graphic designers", "illustration", "motion", "figma", "web design", "графический дизайн", "иллюстрац", "تصميم جرافيك"),
    },
}  # fmt: skip


#: English and Hebrew names of the facets, for the explanation.
FACET_LABELS: dict[str, tuple[str, str]] = {
    "running": ("running", "ריצה"),
    "yoga_pilates": ("yoga and pilates", "יוגה ופילאטיס"),
    "cycling": ("cycling", "רכיבה על אופניים"),
    "swimming": ("swimming", "שחייה"),
    "strength": ("gym and strength training", "חדר כושר ואימוני כוח"),
    "ball_games": ("ball games", "משחקי כדור"),
    "dance": ("dance", "ריקוד"),
    "martial_arts": ("martial arts", "אומנויות לחימה"),
    "hiking": ("hiking", "טיולים רגליים"),
    "pension": ("pensions and provident funds", "פנסיה וקופות גמל"),
    "insurance": ("insurance", "ביטוח"),
    "investing": ("investing", "השקעות"),
    "mortgage": ("mortgages", "משכנתאות"),
    "budgeting": ("household budgets and debts", "תקציב הבית וחובות"),
    "banking": ("bank accounts and fees", "חשבונות בנק ועמלות"),
    "tax_bookkeeping": ("taxes and bookkeeping", "מיסים והנהלת חשבונות"),
    "interior": ("interior design and architecture", "עיצוב פנים ואדריכלות"),
    "digital": ("digital and graphic design", "עיצוב דיגיטלי וגרפי"),
}


@lru_cache(maxsize=8)
def _index(vertical: str) -> CueIndex:
    return CueIndex(FACET_CUES[vertical])


def facets(vertical: str, text: str) -> frozenset[str]:
    """The facets of ``vertical`` that ``text`` names."""
    return _index(vertical).detect(text)


def brief_facets(
    topics: Iterable[str], title: str, message: str, free_text: Iterable[str] = ()
) -> dict[str, frozenset[str]]:
    """Per vertical among the brief's topics (named or found), the facets its words name."""
    text = " ".join((title, message, *free_text))
    present = set(topics)
    out: dict[str, frozenset[str]] = {}
    for vertical in FACET_CUES:
        if vertical in present and (named := facets(vertical, text)):
            out[vertical] = named
    return out


def community_facets(
    wanted: Mapping[str, frozenset[str]], topics: Iterable[str], own_text: str
) -> dict[str, frozenset[str]]:
    """Per vertical of ``wanted`` that the community carries, the facets its own words name."""
    carried = set(topics)
    return {v: facets(v, own_text) for v in wanted if v in carried}


def off_facet(
    wanted: Mapping[str, frozenset[str]], community: Mapping[str, frozenset[str]]
) -> bool:
    """The community names facets of one of the brief's verticals, none of them the brief's."""
    return any(bool(community.get(v)) and not (community[v] & named) for v, named in wanted.items())


def audience_shared(brief_topics: Iterable[str], community_topics: Iterable[str]) -> bool:
    """Whether the community is of the brief's audience (an ``AUDIENCE_TOPICS`` topic both
    carry: small-business owners for a self-employed pension brief). Such a group keeps its
    overlap when it names only other facets of the brief's vertical — who its members are
    matters more than which kind of the vertical they talk about (issue 16, tenth round)."""
    return bool(AUDIENCE_TOPICS & set(brief_topics) & set(community_topics))


def no_facet(wanted: Mapping[str, frozenset[str]], community: Mapping[str, frozenset[str]]) -> bool:
    """The community carries one of the brief's verticals but names none of its facets: a
    general group of the vertical (home workouts, healthy living) for a brief that names a
    discipline (running) — it counts ``components.NO_FACET_SHARE`` (issue 16, eighth round)."""
    return bool(community) and not any(community.values())


def other_facets(
    wanted: Mapping[str, frozenset[str]], community: Mapping[str, frozenset[str]]
) -> tuple[list[str], list[str]]:
    """For the explanation: the community's facets and the brief's, of the verticals where the
    community names only other facets (sorted)."""
    theirs: set[str] = set()
    ours: set[str] = set()
    for v, named in wanted.items():
        if community.get(v) and not (community[v] & named):
            theirs |= community[v]
            ours |= named
    return sorted(theirs), sorted(ours)
