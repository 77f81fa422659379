# ruff: noqa: E501  (the cue table reads best one condition a line)
"""Which health condition: a brief about one condition and patients' groups about others.

"Patients" is one topic for people living with diabetes, cancer or anxiety, yet a dietitian's
session on type 2 diabetes is for the diabetes groups, not for a fibromyalgia or a breast-cancer
support group — every patients' group shares the brief's "health" and "patients" topics, so the
overlap alone cannot tell them apart. A brief usually names its condition in its words, and a
patients' group names its members' condition in its own. :func:`detect_conditions` reads both
(Hebrew, English, Arabic and Russian, inflected: ``text.word_forms``). The rule
(``components.patients_off_topic``): a patients' community that names conditions, none of
them the brief's, counts its topic overlap at ``PATIENTS_OFF_TOPIC_SHARE`` — as a patients'
group does for a brief that is not about health at all. A group that names no condition, or a
brief that names none, is unchanged. docs/matching.md, "Issue 16, fifth round".
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from campaigns.matching.topics import CueIndex

#: Words that name a condition unambiguously, in four languages (a cue of five letters or more
#: also matches the words it starts; several words match in sequence). Not "stroke" (a swimming
#: stroke), not "recovery" (from surgery too), not "ADD" (the English verb).
CONDITION_CUES: dict[str, tuple[str, ...]] = {
    "diabetes": ("סוכרת", "סכרת", "סוכרתיים", "diabetes", "diabetic", "prediabetes", "pre diabetes", "السكري", "سكري", "диабет", "диабетик"),
    "cancer": ("סרטן", "אונקולוגי", "אונקולוגיה", "כימותרפיה", "מחלימות מסרטן", "cancer", "oncology", "chemotherapy", "tumour", "tumor", "السرطان", "سرطان", "онколог", "рак груди", "химиотерап"),
    "adhd": ("הפרעת קשב", "קשב וריכוז", "adhd", "attention deficit", "сдвг", "дефицит внимания", "فرط الحركة", "تشتت الانتباه"),
    "autism": ("אוטיזם", "אוטיסטי", "על הרצף", "הרצף האוטיסטי", "autism", "autistic", "asperger", "аутизм", "аутист", "التوحد", "توحد"),
    "ibd": ("קרוהן", "קוליטיס", "מחלות מעי דלקתיות", "crohn", "colitis", "ibd", "inflammatory bowel", "болезнь крона", "колит", "كرون", "القولون التقرحي"),
    "chronic_pain": ("פיברומיאלגיה", "כאב כרוני", "כאבים כרוניים", "fibromyalgia", "chronic pain", "фибромиалг", "хроническая боль", "الألم المزمن", "الفيبروميالغيا"),
    "anxiety": ("חרדה", "חרדות", "התקפי חרדה", "התקפי פאניקה", "anxiety", "panic attacks", "тревожност", "панические атаки", "القلق", "نوبات الهلع"),
    "depression": ("דיכאון", "depression", "депресси", "الاكتئاب", "اكتئاب"),
    "dementia": ("דמנציה", "אלצהיימר", "שיטיון", "dementia", "alzheimer", "alzheimers", "деменци", "альцгеймер", "الخرف", "الزهايمر"),
    "addiction": ("התמכרות", "התמכרויות", "גמילה מסמים", "גמילה מאלכוהול", "addiction", "addicts", "substance abuse", "зависимост", "наркомани", "алкоголизм", "الإدمان", "ادمان"),
    "celiac": ("צליאק", "צליאקים", "celiac", "coeliac", "целиаки", "السيلياك", "الداء البطني"),
    "heart": ("מחלות לב", "אי ספיקת לב", "heart disease", "heart failure", "cardiac patients", "сердечная недостаточность", "болезни сердца", "أمراض القلب"),
    "kidney": ("דיאליזה", "מחלות כליה", "אי ספיקת כליות", "kidney disease", "dialysis", "диализ", "غسيل الكلى"),
    "multiple_sclerosis": ("טרשת נפוצה", "multiple sclerosis", "рассеянный склероз", "التصلب المتعدد"),
    "parkinsons": ("פרקינסון", "parkinson", "parkinsons", "паркинсон", "باركنسون"),
    "epilepsy": ("אפילפסיה", "epilepsy", "эпилепси", "الصرع"),
    "asthma": ("אסתמה", "asthma", "астма", "الربو"),
    "eating_disorders": ("הפרעות אכילה", "אנורקסיה", "בולימיה", "eating disorder", "eating disorders", "anorexia", "bulimia", "анорекси", "булими", "فقدان الشهية"),
    "infertility": ("טיפולי פוריות", "הפריה חוץ גופית", "infertility", "ivf", "бесплодие", "эко", "العقم", "أطفال الأنابيب"),
    "ptsd": ("פוסט טראומה", "פוסט טראומטי", "הלם קרב", "ptsd", "post traumatic", "птср", "اضطراب ما بعد الصدمة"),
    "arthritis": ("דלקת פרקים", "arthritis", "артрит", "التهاب المفاصل"),
    "hearing_loss": ("כבדי שמיעה", "ליקוי שמיעה", "hearing loss", "hard of hearing", "тугоухост", "ضعف السمع"),
}  # fmt: skip


@lru_cache(maxsize=1)
def _index() -> CueIndex:
    return CueIndex(CONDITION_CUES)


def detect_conditions(text: str) -> frozenset[str]:
    """The conditions ``text`` names (keys of :data:`CONDITION_CUES`)."""
    return _index().detect(text)


def brief_conditions(title: str, message: str, topics: Iterable[str] = ()) -> frozenset[str]:
    """The conditions a brief names in its title, message or topics."""
    return detect_conditions(" ".join((title, message, *topics)))
