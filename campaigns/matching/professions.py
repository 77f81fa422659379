# ruff: noqa: E501  (the cue table reads best one kind of work a line)
"""Professionals' groups and consumers' briefs: a dog trainers' group for pet food.

A group whose members are professionals of a trade (catalog topic ``b2b_professionals``: dog
trainers, architects, DevOps engineers, UX designers, game developers) shares its trade's topic
with every consumer brief of that trade — pets with a pet-food brand, real estate with a home
solar installer, tech with a parking app — yet its members come to talk shop, not to buy as
consumers. A broker grades them acceptable at most for a consumer brief, and ideal for a brief
that speaks to the trade ("מעצבי פנים ואדריכלים", "security engineers and DevOps teams").

A brief is for professionals when it names or finds a professional topic
(``PROFESSIONAL_TOPICS``: b2b, small business, careers, marketing) or its words name a
profession (``PROFESSION_CUES``, four languages, inflected like the topic cues). Otherwise a
professionals' group counts its topic overlap at ``components.PROFESSIONALS_SHARE`` (issue 16,
tenth round; docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from campaigns.matching.topics import CueIndex

#: The catalog topic of a group whose members are professionals of a trade.
PROFESSIONALS = "b2b_professionals"
#: A brief that carries one of these topics speaks to people at work.
PROFESSIONAL_TOPICS = frozenset({PROFESSIONALS, "small_business", "careers", "marketing"})

#: Words that name people by their work. Not "manager" alone (a community manager is anyone's),
#: not "trainer" (a dog's or a gym's client hears it too), not "students".
PROFESSION_CUES: dict[str, tuple[str, ...]] = {
    "engineering": ("מהנדסים", "מהנדסות", "מהנדסי", "מפתחים", "מפתחות", "מפתחי", "מתכנתים", "מתכנתות", "engineers", "developers", "devops", "programmers", "data scientists", "инженер", "разработчик", "программист", "مهندسين", "مطورين", "مبرمجين"),
    "design": ("מעצבים", "מעצבות", "מעצבי", "אדריכלים", "אדריכליות", "אדריכלי", "designers", "architects", "illustrators", "дизайнер", "архитектор", "مصممين", "مهندسين معماريين"),
    "education": ("מורים", "מורות", "מורי", "גננות", "מנהלי בתי ספר", "אנשי חינוך", "teachers", "educators", "school principals", "учител", "педагог", "معلمين", "معلمات", "المعلمين"),
    "health": ("רופאים", "רופאות", "רופאי", "אחיות", "אחים מוסמכים", "רוקחים", "דיאטנים", "פיזיותרפיסטים", "מטפלות", "doctors", "physicians", "nurses", "pharmacists", "dietitians", "physiotherapists", "therapists", "clinicians", "врачи", "врачей", "врачам", "медсестр", "фармацевт", "أطباء", "ممرضات", "صيادلة"),
    "law_finance": ("עורכי דין", "עורכות דין", "רואי חשבון", "רואות חשבון", "יועצי מס", "מנהלי חשבונות", "lawyers", "attorneys", "accountants", "bookkeepers", "tax advisers", "юрист", "адвокат", "бухгалтер", "محامين", "محاسبين"),
    "business": ("מנהלי שיווק", "מגייסים", "מגייסות", "אנשי מכירות", "מנהלי מוצר", "ceos", "cisos", "ctos", "recruiters", "marketers", "product managers", "hr managers", "salespeople", "маркетолог", "рекрутер", "مسوقين"),
    "trades": ("קבלנים", "שיפוצניקים", "חשמלאים", "אינסטלטורים", "נגרים", "contractors", "electricians", "plumbers", "carpenters", "подрядчик", "электрик", "сантехник", "مقاولين", "كهربائيين"),
}  # fmt: skip


@lru_cache(maxsize=1)
def _index() -> CueIndex:
    return CueIndex(PROFESSION_CUES)


@lru_cache(maxsize=4096)
def names_professions(text: str) -> bool:
    """Whether ``text`` names people by their work (``PROFESSION_CUES``)."""
    return bool(_index().detect(text))


def brief_for_professionals(brief_topics: Iterable[str], title: str, message: str) -> bool:
    """Whether a brief speaks to people at work: a professional topic, or a profession named."""
    return bool(PROFESSIONAL_TOPICS & set(brief_topics)) or names_professions(f"{title} {message}")


def professionals_off_brief(
    brief_topics: Iterable[str], title: str, message: str, community_topics: Iterable[str]
) -> bool:
    """Whether a community's overlap counts at ``PROFESSIONALS_SHARE``: it is a professionals'
    group and the brief is for consumers."""
    return PROFESSIONALS in set(community_topics) and not brief_for_professionals(
        brief_topics, title, message
    )
