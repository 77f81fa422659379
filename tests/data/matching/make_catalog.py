"""Writes catalog.json: 188 invented Israeli communities for the matching judged set.

Each community is one hand-written line (name, languages, region, topics, channels, formats,
share of women, age profile, size, health, evidence, flags, description); audience shares, rate
cards and value estimates are derived from it with a fixed seed, so the file is reproducible:

    .venv/bin/python tests/data/matching/make_catalog.py

The judgments in briefs.json were written by reading these lines, not by running the engine.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from campaigns.brief import RegulatedCategory
from campaigns.matching.records import CommunityRecord, PlacementOffer, records_to_json
from pricing.taxonomy import PlacementType, Platform

HERE = Path(__file__).resolve().parent

PLATFORM_CODES = {
    "fg": Platform.FACEBOOK_GROUP, "fp": Platform.FACEBOOK_PAGE, "wg": Platform.WHATSAPP_GROUP,
    "wc": Platform.WHATSAPP_COMMUNITY, "wch": Platform.WHATSAPP_CHANNEL,
    "tc": Platform.TELEGRAM_CHANNEL, "tg": Platform.TELEGRAM_GROUP, "ig": Platform.INSTAGRAM,
    "tt": Platform.TIKTOK, "lg": Platform.LINKEDIN_GROUP, "lp": Platform.LINKEDIN_PAGE,
    "yt": Platform.YOUTUBE, "nl": Platform.NEWSLETTER, "pod": Platform.PODCAST,
    "dc": Platform.DISCORD, "sl": Platform.SLACK, "ev": Platform.OFFLINE_EVENTS,
}  # fmt: skip

PLACEMENT_CODES = {
    "p": PlacementType.POST, "pp": PlacementType.PINNED_POST, "st": PlacementType.STORY,
    "nl": PlacementType.NEWSLETTER_SPONSORSHIP, "ds": PlacementType.DEDICATED_SEND,
    "pr": PlacementType.PODCAST_READ, "es": PlacementType.EXPERT_SESSION,
    "mu": PlacementType.MEETUP, "sv": PlacementType.SURVEY, "rt": PlacementType.ROUND_TABLE,
    "pi": PlacementType.PRODUCT_PILOT,
}  # fmt: skip

AGES = {
    "teen": {"under_18": 8000, "18_24": 2000},
    "student": {"18_24": 5500, "25_34": 3500, "35_44": 1000},
    "young": {"18_24": 2000, "25_34": 5000, "35_44": 2000, "45_54": 1000},
    "parents": {"18_24": 500, "25_34": 4500, "35_44": 4000, "45_54": 1000},
    "parents_teens": {"35_44": 3500, "45_54": 5000, "55_64": 1500},
    "mid": {"25_34": 2000, "35_44": 3000, "45_54": 3000, "55_64": 2000},
    "broad": {"18_24": 1200, "25_34": 2200, "35_44": 2200, "45_54": 1800, "55_64": 1500, "65_plus": 1100},
    "senior": {"45_54": 1000, "55_64": 4000, "65_plus": 5000},
    "menopause": {"35_44": 1000, "45_54": 5500, "55_64": 3500},
}  # fmt: skip

NATIONAL = {"center": 2500, "tel_aviv": 1600, "haifa": 1200, "north": 1500, "jerusalem": 1300,
            "south": 1400, "judea_samaria": 500}  # fmt: skip

#: Cheapest rate per member (agorot) and floor (agorot) by placement, before a random factor.
RATE_RULES = {
    PlacementType.POST: (2.5, 15_000), PlacementType.PINNED_POST: (3.5, 20_000),
    PlacementType.STORY: (2.0, 10_000), PlacementType.NEWSLETTER_SPONSORSHIP: (3.0, 30_000),
    PlacementType.DEDICATED_SEND: (8.0, 60_000), PlacementType.PODCAST_READ: (6.0, 80_000),
    PlacementType.EXPERT_SESSION: (4.0, 150_000), PlacementType.MEETUP: (5.0, 300_000),
    PlacementType.SURVEY: (1.5, 50_000), PlacementType.ROUND_TABLE: (3.0, 400_000),
    PlacementType.PRODUCT_PILOT: (4.0, 500_000),
}  # fmt: skip


@dataclass
class C:
    """One community as written by hand; the rest is derived in :func:`build`."""

    id: int
    name: str
    langs: str
    region: str
    topics: str
    platforms: str
    offers: str
    women: int | None
    ages: str | None
    size: int
    health: float | None
    evidence: int
    description: str
    member_type: str = ""
    tags: str = ""
    flags: str = ""
    allowed: str = ""
    kind: str = "b2c"
    city: str = ""
    active: float | None = None
    status: str = "listed"
    occupation: dict[str, int] = field(default_factory=dict)
    household: dict[str, int] = field(default_factory=dict)
    tone: str = ""
    values: str = ""
    rituals: str = ""


ROWS: list[C] = [
    # --- parenting -------------------------------------------------------------------------
    C(1, "אמהות טריות בחיפה", "he", "haifa", "parenting women", "wc wg", "p pp sv rt mu", 9600, "parents", 1400, 84, 3,
      "קהילה של אמהות אחרי לידה בחיפה והקריות: הנקה, שינה, חזרה לעבודה ומפגשי בוקר עם התינוקות.",
      "אמהות לתינוקות עד גיל שנה", "הנקה שינה תינוקות לידה", city="חיפה", active=0.45,
      household={"parents_young_children": 9000}, tone="חמה ותומכת", rituals="מפגש בוקר שבועי בגן הבהאים"),
    C(2, "הורים לפעוטות – גבעתיים ורמת גן", "he", "tel_aviv", "parenting local", "fg wg", "p pp sv", 7800, "parents", 6200, 71, 2,
      "הורים לילדים בגילאי 1–4 בגבעתיים ורמת גן ממליצים על גנים, חוגים, רופאים ומוצרים לתינוקות.",
      "הורים לפעוטות", "גני ילדים חוגים המלצות פעוטות", city="גבעתיים", active=0.3,
      household={"parents_young_children": 8500}),
    C(3, "Anglo Moms Jerusalem", "en he", "jerusalem", "parenting women", "fg wg", "p pp mu sv", 9400, "parents", 5200, 78, 3,
      "English-speaking mothers in Jerusalem: babies, toddlers, schools, playdates and navigating Israeli bureaucracy.",
      "English-speaking mothers", "olim playdates babies schools", city="Jerusalem", active=0.35,
      household={"parents_young_children": 7000}),
    C(4, "אבות בשטח", "he", "nationwide", "parenting", "fg pod", "p pr es", 900, "parents", 18000, 62, 2,
      "קהילת אבות שמדברת על אבהות מעורבת, חופשת לידה לאבות, כדורגל עם הילדים וזוגיות אחרי ילדים.",
      "אבות לילדים קטנים", "אבהות אבא ילדים", active=0.2, household={"parents_young_children": 7000}),
    C(5, "הורים לילדים עם ADHD", "he", "nationwide", "parenting health education", "fg", "p es sv rt", 8200, "parents_teens", 24000, 74, 3,
      "הורים לילדים עם הפרעת קשב וריכוז: טיפול, בית ספר, הדרכת הורים, שיתוף חוויות ותמיכה.",
      "הורים לילדים עם קשב וריכוז", "ADHD קשב ריכוז ריטלין", flags="health", allowed="health", active=0.25),
    C(6, "הנקה ושינה – תמיכה לאמהות", "he", "nationwide", "parenting health women", "fg ig", "p pp st es", 9700, "parents", 42000, 80, 3,
      "יועצות הנקה ויועצות שינה עונות לאמהות: הנקה, שאיבה, בקבוקים, שגרת שינה לתינוקות ובכי לילי.",
      "אמהות מניקות", "הנקה שאיבה שינה תינוקות בקבוק", allowed="health", active=0.3,
      household={"parents_young_children": 9500}),
    C(7, "מאמי בבאר שבע", "he", "south", "parenting local women", "wc", "p pp mu", 9500, "parents", 2600, 66, 2,
      "אמהות בבאר שבע והסביבה: גנים, קניות יד שנייה לתינוקות, פעילויות לילדים והמלצות על רופאות.",
      "אמהות בבאר שבע", "יד שנייה פעילויות ילדים", city="באר שבע", active=0.4,
      household={"parents_young_children": 7500}),
    C(8, "Русские мамы Израиля", "ru he", "nationwide", "parenting women", "tc tg", "p pp ds", 9300, "parents", 16000, 70, 2,
      "Сообщество русскоязычных мам в Израиле: дети, садики, врачи, декрет, покупки для малышей.",
      "русскоязычные мамы", "мамы дети садик", active=0.25, household={"parents_young_children": 7000}),
    C(9, "أمهات الناصرة والجليل", "ar he", "north", "parenting women local", "fg wg", "p pp sv", 9500, "parents", 8800, 72, 2,
      "مجموعة أمهات من الناصرة والجليل: تربية الأطفال، الرضاعة، الحضانات، ونصائح يومية للأمهات.",
      "أمهات لأطفال صغار", "أمهات أطفال رضاعة حضانة", city="נצרת", active=0.35,
      household={"parents_young_children": 7500}),
    C(10, "הורים לתאומים", "he", "nationwide", "parenting", "fg", "p sv", 7500, "parents", 5400, 68, 2,
      "הורים לתאומים ושלישיות: ציוד כפול, שינה, הנקה של שניים, עגלות תאומים ועזרה הדדית.",
      "הורים לתאומים", "תאומים עגלה כפולה", household={"parents_young_children": 8000}),
    C(11, "חינוך ביתי בישראל", "he", "nationwide", "parenting education", "fg wg", "p es mu", 7000, "parents", 3100, 76, 1,
      "משפחות שבוחרות בחינוך ביתי: תכנים, ספרים, מפגשים בטבע ולמידה עצמית.",
      "הורים בחינוך ביתי", "חינוך ביתי למידה", household={"parents_young_children": 6000}),
    C(12, "הורים למתבגרים", "he", "nationwide", "parenting education", "fg nl", "p nl es", 7200, "parents_teens", 21000, 69, 2,
      "הורים לבני נוער: מסכים, בגרויות, גבולות, צבא, שיחות קשות ומה עושים עם מתבגר בבית.",
      "הורים לבני 12–18", "מתבגרים נוער מסכים בגרות", household={"parents_teens": 8500}),
    C(13, "הורים בארנונה ובקעה", "he en", "jerusalem", "parenting local", "wg", "p", 8000, "parents", 900, None, 1,
      "קבוצת הורים שכונתית בירושלים: גנים, שמרטפיות, מסירות ציוד ואירועי שכונה.",
      "הורים בשכונה", "שכונה שמרטפית מסירות", city="ירושלים"),
    C(14, "צעדים קטנים – ניוזלטר להורים", "he", "nationwide", "parenting", "nl", "nl ds", 8300, "parents", 38000, 77, 4,
      "ניוזלטר שבועי להורים לילדים עד גיל 6: התפתחות, שינה, תזונה, פעילויות לסופ\"ש ומוצרים שנבדקו.",
      "הורים לילדים צעירים", "התפתחות ילדים תזונה פעילויות", active=0.42, household={"parents_young_children": 9000}),
    C(15, "הורות בלי פילטר – פודקאסט", "he", "nationwide", "parenting", "pod ig", "pr st", 7000, "parents", 12000, 73, 3,
      "פודקאסט הורות כנה: זוגיות אחרי ילדים, עייפות, קריירה והורות, ראיונות עם מומחים.",
      "הורים צעירים", "פודקאסט הורות זוגיות", household={"parents_young_children": 7000}),
    C(16, "משפחה ואמונה – הורים דתיים", "he", "judea_samaria", "parenting religion", "wc", "p pp", 7800, "parents", 4800, 75, 2,
      "קהילת הורים דתיים ביהודה ושומרון: חינוך לאמונה, משפחות גדולות, בישול לשבת וחגים.",
      "הורים דתיים למשפחות גדולות", "משפחה דתית שבת חגים", flags="religious", household={"parents_young_children": 6500}),
    # --- fitness -------------------------------------------------------------------------------
    C(17, "רצים תל אביב", "he en", "tel_aviv", "fitness local", "wg ev ig", "p pp mu st", 4600, "young", 3200, 88, 4,
      "מועדון ריצה קהילתי בתל אביב: ריצות בוקר בפארק הירקון, אימוני אינטרוולים ומרתון תל אביב.",
      "רצים חובבים", "ריצה מרתון אימונים נעלי ריצה", city="תל אביב", active=0.55, rituals="ריצת שבת בשש בבוקר בנמל"),
    C(18, "Haifa Trail Runners", "en he", "haifa", "fitness travel", "wg ev", "p mu", 3800, "young", 700, 85, 3,
      "Trail running in the Carmel: weekly group runs, race trips and gear talk for runners in Haifa.",
      "trail runners", "trail running carmel races shoes", city="Haifa", active=0.6),
    C(19, "רוכבי שטח הגליל", "he", "north", "fitness travel", "fg wg", "p mu", 1500, "mid", 4100, 79, 2,
      "רוכבי אופני שטח בגליל ובגולן: מסלולים, טיולי רכיבה, ציוד ותיקונים.",
      "רוכבי אופני הרים", "אופניים רכיבה מסלולים", active=0.3),
    C(20, "יוגה בפארק", "he", "tel_aviv", "fitness health women", "ig ev", "st p mu", 8500, "young", 9800, 81, 3,
      "שיעורי יוגה בפארק הירקון ובחוף, נשימה ומדיטציה, קהילת מתרגלות ומתרגלים בתל אביב.",
      "מתרגלי יוגה", "יוגה מדיטציה נשימה", city="תל אביב", active=0.3),
    C(21, "מתאמנות בבית", "he", "nationwide", "fitness women health", "ig tt fg", "p st pp", 9300, "young", 56000, 70, 2,
      "אימוני כושר ביתיים לנשים: תוכניות אימון, תזונה, לפני ואחרי ועידוד הדדי.",
      "נשים שמתאמנות בבית", "אימון ביתי כושר תזונה", active=0.2),
    C(22, "שוחים במים פתוחים", "he", "nationwide", "fitness", "fg wg ev", "p mu", 4200, "mid", 5200, 83, 3,
      "שחייה במים פתוחים: אימוני ים, צליחת הכנרת, ציוד שחייה ובטיחות.", "שחיינים", "שחייה ים כנרת"),
    C(23, "טריאתלון ישראל", "he en", "nationwide", "fitness", "fg nl", "p nl ds", 3000, "mid", 14000, 77, 3,
      "קהילת הטריאתלון הישראלית: ריצה, רכיבה ושחייה, תחרויות, תוכניות אימון וציוד.",
      "טריאתלטים", "טריאתלון ריצה רכיבה שחייה תחרויות", active=0.25),
    C(24, "Jerusalem CrossFit Crew", "en", "jerusalem", "fitness", "wg ig", "p st mu", 4000, "young", 600, 86, 2,
      "CrossFit athletes in Jerusalem: workouts, competitions, nutrition and weekend WODs in the park.",
      "CrossFit athletes", "crossfit workout gym", city="Jerusalem", active=0.55),
    C(25, "כדורגל שכונתי באר שבע", "he", "south", "fitness local", "wg", "p", 300, "young", 450, None, 1,
      "משחקי כדורגל שכונתיים בבאר שבע פעמיים בשבוע, תיאום שחקנים ומגרשים.", "שחקני כדורגל חובבים", "כדורגל",
      city="באר שבע"),
    C(26, "רצות למתחילות", "he", "center", "fitness women", "wg fg ev", "p pp mu", 9800, "young", 2400, 82, 3,
      "קבוצת ריצה לנשים שמתחילות לרוץ: מ-0 ל-5 ק\"מ, אימונים משותפים בפתח תקווה ובראשון לציון, נעליים וציוד.",
      "נשים מתחילות לרוץ", "ריצה מתחילות נעלי ריצה", active=0.5),
    C(27, "Спорт и бег в Ашдоде", "ru he", "south", "fitness local", "tg", "p", 4500, "mid", 1800, 60, 1,
      "Русскоязычные любители бега и фитнеса в Ашдоде: пробежки у моря, тренировки, соревнования.",
      "бегуны", "бег фитнес тренировки", city="אשדוד"),
    C(28, "טניס רעננה", "he", "center", "fitness local", "wg", "p mu", 4000, "mid", 350, 75, 1,
      "שחקני טניס חובבים ברעננה: שותפים למשחק, טורנירים קהילתיים ומאמנים.", "שחקני טניס", "טניס", city="רעננה"),
    # --- food ----------------------------------------------------------------------------------
    C(29, "אופים מחמצת", "he", "nationwide", "food", "fg", "p pp sv pi", 6800, "broad", 33000, 79, 3,
      "אופים ביתיים של לחם מחמצת: קמחים, תנורים, הזנת מחמצת ותמונות של כיכרות.",
      "אופים ביתיים", "מחמצת לחם קמח אפייה", active=0.2),
    C(30, "מבשלים טבעוני", "he", "nationwide", "food sustainability health", "fg ig", "p st pp sv pi", 7200, "young", 47000, 76, 3,
      "מתכונים טבעוניים, תחליפי בשר וחלב, מסעדות טבעוניות ומוצרים חדשים על המדף.",
      "טבעונים וצמחונים", "טבעוני תחליפי בשר צמחוני מתכונים", active=0.22),
    C(31, "ציידי מסעדות תל אביב", "he", "tel_aviv", "food culture", "ig fg", "p st", 5800, "young", 64000, 68, 2,
      "ביקורות מסעדות, פתיחות חדשות, אוכל רחוב ובארים בתל אביב.", "חובבי מסעדות", "מסעדות ביקורות אוכל רחוב",
      allowed="alcohol", city="תל אביב", active=0.12),
    C(32, "מתכונים לשבת", "he", "nationwide", "food religion", "fg wch", "p pp", 8200, "mid", 52000, 65, 2,
      "מתכונים לשבת ולחגים: חלות, תבשילים, קינוחים ותפריטים למשפחה גדולה.", "מבשלות לשבת", "שבת חלה תבשיל חגים",
      active=0.15),
    C(33, "Foodies Jerusalem", "en he", "jerusalem", "food culture", "fg", "p", 6000, "broad", 9500, 70, 2,
      "Where to eat in Jerusalem: restaurant tips, kosher spots, markets and home cooking for English speakers.",
      "food lovers", "restaurants kosher market shuk", city="Jerusalem"),
    C(34, "طبخ بيتي – מטבח ערבי ביתי", "ar he", "north", "food", "fg ig", "p st sv", 8000, "broad", 21000, 74, 2,
      "وصفات من المطبخ العربي البيتي: محاشي، مقلوبة، حلويات، ونصائح للطبخ اليومي للعائلة.",
      "طباخات وطباخين", "وصفات طبخ حلويات", active=0.25),
    C(35, "חובבי יין", "he", "center", "food culture", "fg wg ev", "p mu es", 4500, "mid", 7200, 78, 3,
      "טעימות יין, יקבים בוטיק בישראל, התאמות יין ואוכל וסיורי יקבים.", "חובבי יין", "יין יקבים טעימות",
      allowed="alcohol", active=0.2),
    C(36, "מבשלי בירה ביתית", "he", "nationwide", "food", "fg dc", "p es mu pi", 800, "young", 3600, 80, 3,
      "מבשלים בירה בבית: מתכונים, ציוד, שמרים, כשות ותחרויות בירה ביתית.", "מבשלי בירה", "בירה כשות בישול",
      allowed="alcohol", active=0.35),
    C(37, "אוכל בריא לילדים", "he", "nationwide", "food parenting health", "fg ig", "p st sv", 9000, "parents", 28000, 72, 2,
      "רעיונות לארוחות בריאות לילדים: קופסאות אוכל לגן, ירקות בהסוואה, חטיפים בריאים.",
      "הורים שמבשלים לילדים", "תזונה ילדים ארוחות בריאות", allowed="health", household={"parents_young_children": 8000}),
    C(38, "BBQ ומנגל ישראל", "he en", "nationwide", "food", "fg yt", "p", 1200, "mid", 26000, 66, 2,
      "על האש: נתחים, מעשנות, גרילים, מתכונים למנגל ואירועי בשר.", "חובבי מנגל", "מנגל בשר מעשנה גריל",
      allowed="alcohol"),
    # --- tech ----------------------------------------------------------------------------------
    C(39, "מפתחי פייתון ישראל", "he en", "nationwide", "tech b2b_professionals", "sl ev", "p es mu", 1600, "young", 5200, 82, 3,
      "קהילת מפתחי Python בישראל: שאלות קוד, דאטה, Django, משרות ומיטאפים חודשיים.", "מפתחות ומפתחי תוכנה",
      "פייתון קוד מפתחים דאטה", kind="b2b", active=0.3, occupation={"developers": 8500}),
    C(40, "נשים בהייטק", "he", "nationwide", "tech women careers", "lg wc ev", "p es mu pp", 9500, "young", 15000, 84, 3,
      "קהילת נשים בתעשיית ההייטק: מפתחות, מנהלות מוצר ומהנדסות, מנטורינג, קידום קריירה ומשרות.",
      "נשים בהייטק", "מפתחות מהנדסות מנטורינג קריירה", kind="both", active=0.3,
      occupation={"developers": 4500, "product managers": 2000, "engineers": 2000}),
    C(41, "Product Managers Israel", "en he", "nationwide", "tech b2b_professionals careers", "lg sl", "p es rt sv", 5000, "young", 11000, 79, 3,
      "Israeli product managers share frameworks, roadmaps, interviews and tools; monthly round tables.",
      "product managers", "product roadmap discovery tools", kind="b2b", occupation={"product managers": 8500}),
    C(42, "יזמים בתחילת הדרך", "he", "nationwide", "tech b2b_professionals", "fg wc", "p es rt", 3000, "young", 19000, 71, 2,
      "יזמים ויזמות בשלב הרעיון וה-Pre-seed: גיוס הון, מציאת שותפים, מוצר ראשון ושיווק.",
      "יזמים", "סטארטאפ גיוס הון יזמות", kind="b2b", occupation={"founders": 7000}),
    C(43, "אנשי דאטה", "he en", "nationwide", "tech b2b_professionals", "sl dc", "p es", 3500, "young", 6800, 80, 3,
      "דאטה סיינטיסטים, אנליסטים ומהנדסי נתונים: SQL, למידת מכונה, כלים ומשרות.", "אנשי דאטה",
      "דאטה SQL למידת מכונה AI", kind="b2b", occupation={"data scientists": 6000, "developers": 2500}),
    C(44, "DevOps TLV Meetup", "en he", "tel_aviv", "tech b2b_professionals", "ev sl", "mu es p", 1500, "young", 2900, 83, 4,
      "Monthly DevOps and cloud meetup in Tel Aviv: Kubernetes, CI/CD, observability talks and networking.",
      "DevOps engineers", "devops cloud kubernetes", kind="b2b", city="Tel Aviv", occupation={"developers": 8000}),
    C(45, "סייבר ישראל", "he en", "nationwide", "tech defence b2b_professionals", "tc dc", "p es ds", 1200, "young", 12000, 76, 3,
      "חוקרי אבטחה, אנשי SOC ומנהלי אבטחת מידע: חולשות, תקיפות, כלים ואירועי סייבר.",
      "אנשי אבטחת מידע", "סייבר אבטחת מידע האקרים CISO", kind="b2b", occupation={"security engineers": 7500}),
    C(46, "AI Builders – ניוזלטר", "he en", "nationwide", "tech", "nl", "nl ds", 2500, "young", 22000, 81, 4,
      "ניוזלטר שבועי על בינה מלאכותית: מודלים, כלים, מוצרים ישראליים ומה באמת עובד.", "מפתחים ומנהלים",
      "בינה מלאכותית AI מודלים", kind="both", active=0.45, occupation={"developers": 5000, "managers": 3000}),
    C(47, "מעצבי UX ישראל", "he", "nationwide", "tech culture b2b_professionals", "fg", "p es sv", 6500, "young", 17000, 73, 2,
      "מעצבות ומעצבי חוויית משתמש: תיקי עבודות, ביקורות עיצוב, כלים ומשרות.", "מעצבי UX/UI",
      "עיצוב UX UI פיגמה", kind="b2b", occupation={"designers": 8000}),
    C(48, "Haifa Tech Hub", "en he", "haifa", "tech careers", "lg ev wc", "p mu es", 3000, "young", 2600, 80, 3,
      "Haifa's tech community: engineers from Matam, Technion students and startups; meetups and job posts.",
      "engineers in Haifa", "technion matam engineers haifa jobs", kind="both", city="Haifa",
      occupation={"developers": 5500, "students": 2500}),
    C(49, "יזמי הנגב", "he", "south", "tech b2b_professionals local", "wc ev", "p mu es", 2800, "young", 1100, 77, 2,
      "יזמים ואנשי הייטק בבאר שבע ובנגב: גב-ים, אוניברסיטת בן גוריון ומיטאפים.", "יזמים בנגב",
      "באר שבע הייטק יזמות", kind="b2b", city="באר שבע", occupation={"founders": 4000, "developers": 4000}),
    C(50, "QA ובדיקות תוכנה", "he", "nationwide", "tech careers", "fg", "p", 5500, "young", 14000, 60, 2,
      "בודקות ובודקי תוכנה: אוטומציה, ראיונות, קורסים ומשרות QA.", "אנשי QA", "בדיקות אוטומציה QA",
      kind="b2b", occupation={"qa engineers": 8000}),
    C(51, "מתחת לקוד – פודקאסט", "he", "nationwide", "tech", "pod", "pr", 2000, "young", 9000, 75, 3,
      "פודקאסט שבועי על הנדסת תוכנה, ארכיטקטורה ותרבות פיתוח בחברות ישראליות.", "מהנדסי תוכנה",
      "פודקאסט הנדסה תוכנה", kind="b2b", occupation={"developers": 8000}),
    C(52, "משרות בסטארטאפים", "he en", "nationwide", "careers tech", "tc", "p pp ds", 4000, "young", 31000, 58, 2,
      "ערוץ משרות בהייטק ובסטארטאפים: פיתוח, מוצר, שיווק ומכירות, כל יום משרות חדשות.", "מחפשי עבודה בהייטק",
      "משרות הייטק גיוס", kind="both", occupation={"developers": 4000, "job seekers": 4000}),
    # --- marketing -----------------------------------------------------------------------------
    C(53, "מנהלי שיווק בישראל", "he", "nationwide", "marketing b2b_professionals", "fg lg", "p es rt sv", 5800, "mid", 27000, 72, 3,
      "מנהלות ומנהלי שיווק: תקציבים, סוכנויות, מדידה, קמפיינים ומשרות שיווק בכירות.", "מנהלי שיווק",
      "שיווק קמפיינים מיתוג סוכנויות", kind="b2b", occupation={"marketing managers": 7500}),
    C(54, "קופירייטרים", "he", "nationwide", "marketing culture", "fg", "p", 6500, "young", 11000, 65, 2,
      "כותבות וכותבי תוכן ופרסום: סלוגנים, תמחור עבודות, פרילנס ולקוחות.", "קופירייטרים", "כתיבה פרסום פרילנס",
      kind="b2b", occupation={"copywriters": 8000}),
    C(55, "Growth Marketers IL", "en he", "tel_aviv", "marketing tech b2b_professionals", "sl ev", "p es mu", 4500, "young", 3300, 79, 3,
      "Growth, performance and product marketers in Israeli startups: experiments, paid acquisition, tooling.",
      "growth marketers", "growth performance acquisition saas", kind="b2b", occupation={"marketing managers": 7000}),
    C(56, "אנשי תוכן וסושיאל", "he", "nationwide", "marketing", "wc", "p pp", 7000, "young", 4200, 70, 2,
      "מנהלות סושיאל ויוצרי תוכן: טרנדים, אלגוריתמים, כלים ושיתופי פעולה.", "מנהלי סושיאל",
      "סושיאל תוכן אינסטגרם טיקטוק", kind="b2b", occupation={"social media managers": 7000}),
    C(57, "שיווק בקטנה – ניוזלטר", "he", "nationwide", "marketing b2b_professionals", "nl", "nl ds", 6000, "mid", 16000, 74, 4,
      "ניוזלטר שבועי לבעלי עסקים קטנים: שיווק דיגיטלי, כלים זולים וסיפורי הצלחה.", "בעלי עסקים קטנים",
      "עסקים קטנים שיווק דיגיטלי", kind="b2b", occupation={"business owners": 7000}),
    C(58, "בעלי עסקים קטנים", "he", "nationwide", "b2b_professionals marketing finance", "fg", "p es sv", 5200, "mid", 61000, 63, 2,
      "בעלי עסקים קטנים ועצמאים: מיסים, שיווק, גבייה, ספקים ועזרה הדדית.", "עצמאים ובעלי עסקים",
      "עצמאים מיסים ספקים", kind="b2b", occupation={"business owners": 8000}),
    # --- finance -------------------------------------------------------------------------------
    C(59, "משקיעים מתחילים", "he", "nationwide", "finance", "tc fg", "p pp ds es", 3000, "young", 45000, 67, 2,
      "השקעות למתחילים: קרנות מחקות, תיק השקעות ראשון, ריבית דריבית ושאלות בלי בושה.", "משקיעים מתחילים",
      "השקעות מניות מדד קרנות", allowed="finance", active=0.18),
    C(60, "חוסכים חכם", "he", "nationwide", "finance consumer_deals", "fg", "p es", 5500, "mid", 38000, 71, 3,
      "חיסכון משפחתי: תקציב, חובות, ביטוחים, קרנות השתלמות ופנסיה בשפה פשוטה.", "משפחות שחוסכות",
      "חיסכון תקציב משפחתי ביטוח פנסיה", allowed="finance"),
    C(61, "כלכלת המשפחה", "he", "nationwide", "finance parenting consumer_deals", "fg", "p", 7500, "parents", 29000, 64, 2,
      "ניהול תקציב בית, קניות חכמות, הוצאות גן וחוגים וחיסכון לילדים.", "הורים שמנהלים תקציב",
      "תקציב בית חיסכון ילדים", household={"parents_young_children": 6000}),
    C(62, "פורשים בראש שקט", "he", "nationwide", "finance health", "fg nl", "p nl es", 5000, "senior", 13000, 73, 3,
      "לקראת פרישה ואחריה: פנסיה, קצבאות, ניהול כספים בגיל השלישי ובריאות.", "בני 55 ומעלה",
      "פנסיה פרישה קצבה גיל שלישי", allowed="finance health"),
    C(63, "Инвестиции в Израиле", "ru", "nationwide", "finance", "tc", "p ds", 3500, "mid", 19000, 69, 2,
      "Канал о личных финансах и инвестициях для русскоязычных израильтян: пенсия, налоги, фондовый рынок.",
      "русскоязычные инвесторы", "инвестиции пенсия налоги", allowed="finance"),
    C(64, "נדל\"ן להשקעה", "he", "nationwide", "real_estate finance", "fg wc", "p es mu", 3000, "mid", 35000, 66, 2,
      "משקיעי נדל\"ן: דירות להשקעה, משכנתאות, התחדשות עירונית ועסקאות בחו\"ל.", "משקיעי נדלן",
      "נדלן משכנתא דירות השקעה", allowed="finance"),
    C(65, "קריפטו ישראל", "he en", "nationwide", "finance tech", "tg tc", "p", 1500, "young", 22000, 52, 1,
      "ביטקוין, אתריום, DeFi ומסחר: חדשות, ניתוחים ודיונים.", "משקיעי קריפטו", "קריפטו ביטקוין מסחר",
      allowed="finance gambling"),
    C(66, "כסף חכם – ניוזלטר", "he", "nationwide", "finance", "nl", "nl ds", 4500, "mid", 41000, 79, 4,
      "ניוזלטר כלכלה אישית: ריבית, משכנתא, השקעות ופנסיה בשפה פשוטה כל יום חמישי.", "חוסכים ומשקיעים",
      "כלכלה אישית ריבית פנסיה", allowed="finance", active=0.4),
    # --- health & patients -----------------------------------------------------------------------
    C(67, "חיים עם סוכרת סוג 2", "he", "nationwide", "health patients", "fg wc", "p es sv rt", 5200, "senior", 16000, 78, 3,
      "תמיכה ומידע לחולי סוכרת סוג 2: תזונה, מדידות סוכר, תרופות, פעילות גופנית ושיחות עם דיאטניות.",
      "אנשים עם סוכרת", "סוכרת סוכר תזונה אינסולין", flags="health", allowed="health pharma", active=0.3),
    C(68, "הורים לילדים עם סוכרת נעורים", "he", "nationwide", "health patients parenting", "wc", "p es", 8000, "parents", 2100, 85, 3,
      "הורים לילדים עם סוכרת סוג 1: משאבות, חיישנים, בית ספר, טיולים ותמיכה.", "הורים לילדים עם סוכרת",
      "סוכרת נעורים משאבה חיישן", flags="health minors", allowed="health"),
    C(69, "ורודות – מתמודדות עם סרטן השד", "he", "nationwide", "health patients women", "fg wg", "p es", 9900, "mid", 7400, 88, 3,
      "קהילת תמיכה לנשים שמתמודדות עם סרטן השד: טיפולים, תופעות לוואי, חזרה לשגרה וכוח נשי.",
      "נשים עם סרטן השד", "סרטן השד כימותרפיה תמיכה", flags="health", allowed="health"),
    C(70, "גיל המעבר – בריאות האישה", "he", "nationwide", "health women", "fg ig", "p es st", 9800, "menopause", 23000, 76, 3,
      "נשים בגיל המעבר: גלי חום, שינה, הורמונים, תזונה ורופאות נשים שעונות לשאלות.",
      "נשים בגיל המעבר", "גיל המעבר הורמונים גלי חום", allowed="health pharma", active=0.25),
    C(71, "תזונה נכונה", "he", "nationwide", "health food", "fg ig", "p st es", 7400, "broad", 51000, 69, 2,
      "דיאטניות עונות על שאלות תזונה: ירידה במשקל, חלבון, צום לסירוגין ומיתוסים.", "מתעניינים בתזונה",
      "תזונה דיאטה משקל", allowed="health", active=0.15),
    C(72, "שינה טובה", "he", "nationwide", "health", "fg", "p es", 6800, "mid", 14000, 71, 2,
      "קהילה על נדודי שינה, הרגלי שינה, מזרנים, דום נשימה וטיפים לשינה טובה.", "אנשים שלא ישנים טוב",
      "שינה נדודי שינה מזרן", allowed="health"),
    C(73, "קרוהן וקוליטיס – תמיכה", "he", "nationwide", "health patients", "fg", "p es sv", 6000, "young", 6200, 80, 3,
      "אנשים עם מחלות מעי דלקתיות: טיפולים ביולוגיים, תזונה, זכויות ותמיכה הדדית.", "חולי קרוהן וקוליטיס",
      "קרוהן קוליטיס מעי", flags="health", allowed="health pharma"),
    C(74, "הורים לילדים על הרצף", "he", "nationwide", "parenting patients education", "fg wc", "p es rt", 8500, "parents", 11000, 83, 3,
      "הורים לילדים על הרצף האוטיסטי: אבחון, טיפולים, חינוך מיוחד, זכויות ותמיכה.", "הורים לילדים עם אוטיזם",
      "אוטיזם רצף חינוך מיוחד", flags="health"),
    C(75, "Fibromyalgia Support Israel", "en he", "nationwide", "health patients", "fg", "p es", 8800, "mid", 1800, 74, 2,
      "Support group for people living with fibromyalgia and chronic pain in Israel, in English and Hebrew.",
      "people with chronic pain", "fibromyalgia chronic pain support", flags="health", allowed="health"),
    C(76, "מטפלים בהורים מזדקנים", "he", "nationwide", "patients health", "fg", "p es sv", 7500, "mid", 8700, 75, 2,
      "בני משפחה שמטפלים בהורים מבוגרים: מטפלים זרים, בתי אבות, זכויות, דמנציה ועייפות מטפלים.",
      "מטפלים משפחתיים", "הורים מבוגרים דמנציה מטפלת", allowed="health"),
    # --- education -----------------------------------------------------------------------------
    C(77, "מורים מחדשים", "he", "nationwide", "education b2b_professionals", "wc fg", "p es sv rt", 8200, "mid", 9300, 81, 3,
      "מורות ומורים שמשתפים שיעורים, כלים דיגיטליים, בינה מלאכותית בכיתה ורעיונות פדגוגיים.", "מורים",
      "הוראה כיתה פדגוגיה כלים דיגיטליים", kind="b2b", occupation={"teachers": 9000}),
    C(78, "גננות יוצרות", "he", "nationwide", "education parenting", "fg", "p sv", 9800, "mid", 13000, 74, 2,
      "גננות וסייעות משתפות יצירות, שירים, חגים ופעילויות לגיל הרך.", "גננות", "גן ילדים יצירה חגים",
      kind="b2b", occupation={"kindergarten teachers": 9000}),
    C(79, "סטודנטים לתואר שני", "he", "nationwide", "education careers", "fg tg", "p sv", 5800, "student", 8100, 66, 2,
      "סטודנטים לתואר שני: מלגות, עבודה סמינריונית, תזה ושילוב עבודה ולימודים.", "סטודנטים",
      "סטודנטים מלגות תזה", occupation={"students": 9000}),
    C(80, "לומדים אנגלית", "he", "nationwide", "education", "fg yt", "p", 6500, "broad", 30000, 60, 2,
      "תרגול אנגלית: אוצר מילים, שיחה, הכנה לפסיכומטרי ולראיונות עבודה באנגלית.", "לומדי אנגלית", "אנגלית שיחה פסיכומטרי"),
    C(81, "נוער מתכנת", "he", "nationwide", "education tech", "dc", "p es", 2500, "teen", 3400, 79, 2,
      "בני נוער שלומדים לתכנת: פרויקטים, תחרויות, האקתונים ועזרה בבעיות קוד.", "בני נוער מתכנתים",
      "תכנות נוער האקתון", flags="minors"),
    C(82, "בגרות במתמטיקה", "he", "nationwide", "education", "tg wch", "p", 5000, "teen", 26000, 55, 1,
      "תלמידי תיכון מתכוננים לבגרות במתמטיקה: פתרונות, סרטונים ושאלות.", "תלמידי תיכון", "בגרות מתמטיקה תיכון",
      flags="minors"),
    C(83, "معلمو العربية – מורים לערבית", "ar he", "north", "education b2b_professionals", "fg wg", "p es sv", 7000, "mid", 3900, 72, 2,
      "معلمات ومعلمون للغة العربية في المدارس: مواد تعليمية، امتحانات، وتبادل خبرات.", "معلمون",
      "معلمين مدارس تعليم", kind="b2b", occupation={"teachers": 9000}),
    C(84, "Ulpan Friends – Olim Learning Hebrew", "en ru fr he", "nationwide", "education", "fg wg", "p mu", 6000, "young", 7600, 77, 2,
      "New immigrants practising Hebrew together: ulpan tips, conversation meetups and help with daily life in Israel.",
      "new immigrants", "olim ulpan hebrew aliyah", active=0.3),
    # --- local ---------------------------------------------------------------------------------
    C(85, "שכנים בפלורנטין", "he en", "tel_aviv", "local", "fg wg", "p pp", 5600, "young", 14000, 67, 2,
      "תושבי פלורנטין ודרום תל אביב: המלצות, דירות להשכרה, אירועים ומסירות.", "תושבי השכונה",
      "פלורנטין דרום תל אביב", city="תל אביב", active=0.2),
    C(86, "קהילת מודיעין", "he", "center", "local parenting", "fg", "p pp", 6400, "parents", 38000, 70, 2,
      "תושבי מודיעין: בעלי מקצוע, חוגים, בתי ספר, אירועים בעיר.", "תושבי מודיעין", "מודיעין המלצות",
      city="מודיעין", household={"parents_young_children": 5500}),
    C(87, "כפר סבא ממליצה", "he", "center", "local consumer_deals", "fg", "p pp", 6200, "mid", 29000, 64, 2,
      "המלצות על בעלי מקצוע, מסעדות ועסקים בכפר סבא.", "תושבי כפר סבא", "כפר סבא המלצות", city="כפר סבא"),
    C(88, "באר שבע שלנו", "he", "south", "local", "fg wch", "p pp", 5500, "broad", 47000, 62, 2,
      "תושבי באר שבע: חדשות העיר, עבודה, אירועים, המלצות ולוח יד שנייה.", "תושבי באר שבע",
      "באר שבע נגב עבודה", city="באר שבע", active=0.15),
    C(89, "חיפה – הדר והכרמל", "he ar ru", "haifa", "local culture", "fg", "p pp", 5300, "broad", 21000, 69, 2,
      "שכונות הדר, הכרמל ומרכז הכרמל בחיפה: אירועים, המלצות ודיונים על העיר.", "תושבי חיפה", "חיפה הדר כרמל",
      city="חיפה"),
    C(90, "ירושלים – בקעה והמושבה הגרמנית", "he en", "jerusalem", "local", "fg", "p pp", 6000, "broad", 17000, 71, 2,
      "תושבי בקעה, המושבה הגרמנית וקטמון: המלצות, אירועים ותרבות בשכונה.", "תושבי השכונות",
      "בקעה מושבה גרמנית", city="ירושלים"),
    C(91, "תושבי אילת", "he", "south", "local travel", "fg", "p", 5000, "broad", 19000, 58, 1,
      "קבוצת תושבי אילת: עבודה, השכרות, אירועים ומידע לתושבים.", "תושבי אילת", "אילת", city="אילת"),
    C(92, "קריית שמונה והגליל העליון", "he", "north", "local", "fg wg", "p", 5400, "broad", 9800, 63, 1,
      "תושבי קריית שמונה והגליל העליון: עדכונים, עסקים מקומיים ואירועים.", "תושבי הגליל",
      "קריית שמונה גליל", city="קריית שמונה"),
    C(93, "אריאל – תושבים", "he ru", "judea_samaria", "local", "fg", "p", 5200, "broad", 6100, 60, 1,
      "תושבי אריאל: עדכונים מהעירייה, עסקים, אוניברסיטה ואירועים.", "תושבי אריאל", "אריאל", city="אריאל"),
    C(94, "Русский Нацрат-Илит", "ru he", "north", "local", "tg fg", "p", 5200, "mid", 7300, 61, 1,
      "Русскоязычные жители Ноф-ха-Галиль (Нацрат-Илит): новости города, работа, объявления.",
      "жители города", "город новости работа", city="נוף הגליל"),
    # --- culture -------------------------------------------------------------------------------
    C(95, "תולעי ספרים", "he", "nationwide", "culture", "fg ig", "p st", 7600, "broad", 34000, 75, 2,
      "המלצות ספרים, מועדוני קריאה, ספרות עברית ותרגום, שבוע הספר.", "קוראים", "ספרים קריאה ספרות"),
    C(96, "חובבי תיאטרון", "he", "center", "culture", "fg", "p mu", 7000, "senior", 6500, 72, 2,
      "הצגות, ביקורות, כרטיסים מוזלים ופסטיבלים לאוהבי תיאטרון.", "חובבי תיאטרון", "תיאטרון הצגות"),
    C(97, "צלמי רחוב", "he en", "nationwide", "culture", "ig fg", "p st mu", 3500, "young", 11000, 78, 2,
      "צילום רחוב בישראל: תערוכות, סיורי צילום, מצלמות ועדשות.", "צלמים", "צילום מצלמה רחוב"),
    C(98, "ג'אז בירושלים", "he en", "jerusalem", "culture", "wg ev", "p mu", 5000, "mid", 800, 80, 2,
      "הופעות ג'אז בירושלים, ג'אם סשנים ונגנים חובבים.", "חובבי ג'אז", "ג'אז הופעות", city="ירושלים"),
    C(99, "ثقافة وفن – תרבות ערבית", "ar", "haifa", "culture", "fg ig", "p st mu", 6000, "young", 12000, 70, 2,
      "فعاليات ثقافية وفنية في حيفا والجليل: مسرح، موسيقى، معارض وأدب عربي.", "محبو الثقافة",
      "مسرح موسيقى معارض", city="חיפה"),
    C(100, "קהילת אמנים יוצרים", "he", "nationwide", "culture", "fg ig", "p sv", 6800, "broad", 15000, 66, 2,
      "אמנים ואמניות: תערוכות, קולות קוראים, חומרים ומכירת עבודות.", "אמנים", "אמנות ציור תערוכות"),
    C(101, "סיפורים מהמקום – פודקאסט תרבות", "he", "nationwide", "culture travel", "pod", "pr", 5500, "mid", 7000, 74, 3,
      "פודקאסט על תרבות, היסטוריה ומקומות בישראל.", "מאזינים סקרנים", "פודקאסט היסטוריה תרבות"),
    # --- travel --------------------------------------------------------------------------------
    C(102, "תרמילאים", "he", "nationwide", "travel", "fg", "p pp", 5500, "student", 88000, 65, 2,
      "טיולים אחרי צבא: דרום אמריקה, המזרח, ציוד, ביטוח נסיעות ושותפים לטיול.", "תרמילאים", "טיול אחרי צבא תרמיל",
      active=0.12),
    C(103, "משפחות מטיילות", "he", "nationwide", "travel parenting", "fg ig", "p st", 7500, "parents", 41000, 72, 2,
      "טיולים עם ילדים בארץ ובחו\"ל: מסלולים, צימרים, מלונות ידידותיים למשפחות.", "משפחות מטיילות",
      "טיול משפחות ילדים צימר", household={"parents_young_children": 6500}),
    C(104, "טיולי ג'יפים", "he", "nationwide", "travel", "fg wg", "p mu", 1500, "mid", 12000, 70, 2,
      "טיולי שטח ב-4x4: מסלולים בנגב ובגליל, ציוד לרכב ויציאות משותפות.", "נהגי שטח", "ג'יפים שטח"),
    C(105, "שביל ישראל", "he en", "nationwide", "travel fitness", "fg", "p", 5000, "young", 36000, 77, 3,
      "הולכים את שביל ישראל: מקטעים, מלאכי שביל, ציוד וטיפים.", "מטיילים ברגל", "שביל ישראל הליכה"),
    C(106, "דילים לחו\"ל", "he", "nationwide", "travel consumer_deals", "tc wch", "p ds", 5500, "broad", 120000, 55, 2,
      "טיסות וחבילות בזול: דילים יומיים לחו\"ל, מלונות וטיפים.", "ציידי דילים", "טיסות דילים מלונות"),
    C(107, "Israel Travel Tips for Olim", "en fr", "nationwide", "travel", "fg", "p", 5500, "mid", 9000, 70, 2,
      "English and French speakers exploring Israel: day trips, national parks, hotels and weekend ideas.",
      "olim and expats", "day trips national parks weekend"),
    # --- pets ----------------------------------------------------------------------------------
    C(108, "כלבים בתל אביב", "he", "tel_aviv", "pets local", "fg wg", "p pp sv", 7000, "young", 16000, 74, 2,
      "בעלי כלבים בתל אביב: גינות כלבים, וטרינרים, מאלפים, פנסיונים ואוכל לכלבים.", "בעלי כלבים",
      "כלבים וטרינר אילוף גינת כלבים", city="תל אביב", active=0.25),
    C(109, "אוהבי חתולים", "he", "nationwide", "pets", "fg ig", "p st sv", 8200, "broad", 43000, 70, 2,
      "חתולים: תזונה, חול, וטרינרים, אימוץ חתולי רחוב ותמונות חמודות.", "בעלי חתולים", "חתולים אוכל לחתולים",
      active=0.18),
    C(110, "אמץ אותי – אימוץ בעלי חיים", "he", "nationwide", "pets", "fg ig", "p st", 7800, "broad", 52000, 68, 2,
      "אימוץ כלבים וחתולים מעמותות, אומנה והתנדבות.", "מאמצים ומתנדבים", "אימוץ כלבים חתולים עמותה"),
    C(111, "מאלפי כלבים מקצועיים", "he", "nationwide", "pets b2b_professionals", "wc", "p es sv", 4500, "mid", 900, 82, 3,
      "מאלפי כלבים ומטפלים בבעלי חיים: שיטות אילוף, לקוחות ומוצרים.", "מאלפי כלבים",
      "אילוף כלבים מקצוענים", kind="b2b", occupation={"dog trainers": 9000}),
    C(112, "כלבים בחיפה והקריות", "he", "haifa", "pets local", "fg wg", "p sv", 6800, "broad", 6400, 71, 2,
      "בעלי כלבים בחיפה: מסלולי הליכה בכרמל, וטרינרים ואוכל לכלבים.", "בעלי כלבים", "כלבים חיפה", city="חיפה"),
    # --- gaming --------------------------------------------------------------------------------
    C(113, "גיימרים ישראל", "he", "nationwide", "gaming", "dc yt", "p st es", 1500, "student", 24000, 73, 2,
      "גיימרים ישראלים: PC וקונסולות, משחקים חדשים, טורנירים ושידורים.", "גיימרים", "גיימינג קונסולות טורנירים"),
    C(114, "ערבי משחקי לוח", "he en", "tel_aviv", "gaming culture", "wg ev", "p mu pi sv", 4500, "young", 2200, 87, 3,
      "ערבי משחקי קופסה בתל אביב ובמרכז: משחקים חדשים, השקות ופסטיבל משחקים.", "חובבי משחקי לוח",
      "משחקי קופסה משחקי לוח", city="תל אביב", active=0.5),
    C(115, "מפתחי משחקים", "he en", "nationwide", "gaming tech b2b_professionals", "dc ev", "p es mu", 2000, "young", 2700, 80, 3,
      "מפתחי משחקים אינדי וסטודיואים: Unity, Unreal, ג'אמים והשקות.", "מפתחי משחקים", "פיתוח משחקים unity",
      kind="b2b", occupation={"developers": 7000}),
    C(116, "גיימרים צעירים", "he", "nationwide", "gaming", "dc tt", "p st", 2000, "teen", 31000, 65, 1,
      "בני נוער משחקים יחד: פורטנייט, מיינקראפט ורובלוקס.", "בני נוער", "פורטנייט מיינקראפט", flags="minors"),
    # --- careers -------------------------------------------------------------------------------
    C(117, "מחפשי עבודה בישראל", "he", "nationwide", "careers", "fg tc", "p pp ds", 5500, "broad", 98000, 56, 2,
      "משרות בכל התחומים, טיפים לקורות חיים וראיונות עבודה.", "מחפשי עבודה", "משרות קורות חיים ראיונות",
      occupation={"job seekers": 8000}),
    C(118, "משחררים – קריירה אחרי צבא", "he", "nationwide", "careers education", "ig tc", "p st ds", 5000, "student", 27000, 72, 2,
      "חיילים משוחררים: עבודה ראשונה, פיקדון, לימודים ופסיכומטרי.", "חיילים משוחררים", "שחרור פיקדון עבודה ראשונה",
      occupation={"job seekers": 5000, "students": 3000}),
    C(119, "מגייסות ומגייסים", "he", "nationwide", "careers b2b_professionals", "lg wc", "p es rt", 7500, "mid", 6400, 75, 3,
      "מגייסים ואנשי HR: כלים, שוק העבודה, משרות קשות לאיוש ותנאים.", "אנשי גיוס ומשאבי אנוש",
      "גיוס HR משאבי אנוש", kind="b2b", occupation={"recruiters": 8500}),
    C(120, "עובדים מהבית", "he en", "nationwide", "careers tech", "fg", "p", 6000, "young", 15000, 64, 2,
      "עבודה מהבית: משרות ריימוט, פרילנס, ציוד לעבודה ופרודוקטיביות.", "עובדים מרחוק", "ריימוט פרילנס"),
    C(121, "אמהות חוזרות לעבודה", "he", "nationwide", "careers women parenting", "fg wc", "p es mu", 9800, "parents", 12500, 80, 3,
      "אמהות שחוזרות לשוק העבודה אחרי חופשת לידה או הפסקה: הסבה, משרות גמישות וליווי.", "אמהות מחפשות עבודה",
      "משרות גמישות חזרה לעבודה הסבה", occupation={"job seekers": 7000}, household={"parents_young_children": 8000}),
    C(122, "وظائف في الشمال – דרושים בצפון", "ar he", "north", "careers local", "fg tc", "p pp ds", 4500, "young", 33000, 60, 2,
      "وظائف في الشمال والجليل: مطاعم، مصانع، تجارة، هايتك، ونصائح للمقابلات.", "باحثون عن عمل",
      "وظائف عمل الشمال", occupation={"job seekers": 8000}),
    C(123, "קריירה אחרי 50", "he", "nationwide", "careers", "fg", "p es", 6000, "senior", 9500, 70, 2,
      "מחפשי עבודה מעל גיל 50: הסבה מקצועית, גילנות, ראיונות ומשרות.", "מחפשי עבודה מבוגרים",
      "קריירה 50 פלוס הסבה", occupation={"job seekers": 7500}),
    # --- sustainability ------------------------------------------------------------------------
    C(124, "חיים ירוקים", "he", "nationwide", "sustainability", "fg ig", "p st sv pi", 7500, "young", 26000, 72, 2,
      "חיים בקיימות: צמצום פסולת, אנרגיה סולארית, מוצרים ירוקים ותחבורה.", "ירוקים",
      "קיימות אנרגיה סולארית פסולת"),
    C(125, "מחזור ושימוש חוזר", "he", "nationwide", "sustainability consumer_deals", "fg", "p", 7000, "broad", 57000, 60, 2,
      "מסירות, החלפות ותיקונים במקום לזרוק: רהיטים, בגדים ומכשירים.", "ממחזרים", "מסירות יד שנייה תיקונים"),
    C(126, "גינון קהילתי", "he", "center", "sustainability local", "wg ev", "p mu", 6500, "mid", 1300, 83, 3,
      "גינות קהילתיות במרכז: שתילה, קומפוסט, סדנאות וימי עבודה.", "גננים עירוניים", "גינה קומפוסט שתילה"),
    C(127, "בית חכם ואנרגיה סולארית", "he", "nationwide", "sustainability real_estate tech", "fg yt", "p es", 2000, "mid", 18000, 74, 3,
      "בעלי בתים שמתקינים פאנלים סולאריים, סוללות ביתיות ובית חכם: מחירים, התקנה וחיסכון בחשמל.",
      "בעלי בתים פרטיים", "פאנלים סולאריים אנרגיה חשמל סוללה", household={"homeowners": 8500}),
    # --- alumni --------------------------------------------------------------------------------
    C(128, "בוגרי הטכניון", "he en", "nationwide", "alumni tech careers", "lg nl", "p nl es", 3500, "mid", 27000, 76, 4,
      "רשת בוגרי הטכניון: מפגשים, משרות, הרצאות ותרומה לקהילה.", "בוגרי טכניון", "טכניון בוגרים מהנדסים",
      kind="both", occupation={"engineers": 6000}),
    C(129, "בוגרות המכינה", "he", "nationwide", "alumni education", "wc", "p", 9000, "student", 1500, 70, 2,
      "בוגרות מכינה קדם-צבאית: מפגשים, התנדבות ותמיכה הדדית.", "בוגרות", "מכינה בוגרות"),
    C(130, "בוגרי יחידות טכנולוגיות", "he", "nationwide", "alumni tech defence", "lg wc", "p es rt", 2500, "young", 8800, 79, 3,
      "בוגרי יחידות טכנולוגיות בצה\"ל: קריירה בהייטק, יזמות ומפגשי נטוורקינג.", "בוגרי יחידות",
      "יחידות טכנולוגיות הייטק יזמות", kind="both", occupation={"developers": 5000, "founders": 2000}),
    # --- deals ---------------------------------------------------------------------------------
    C(131, "דילים ומבצעים", "he", "nationwide", "consumer_deals", "tc wch", "p ds", 6500, "broad", 150000, 52, 2,
      "מבצעים יומיים בסופר, אלקטרוניקה ואופנה, קופונים והנחות.", "ציידי מבצעים", "מבצעים קופונים הנחות"),
    C(132, "צרכנות נבונה", "he", "nationwide", "consumer_deals finance", "fg", "p", 6500, "mid", 74000, 66, 2,
      "השוואות מחירים, זכויות צרכן, תלונות ותשובות על ספקי תקשורת, חשמל וביטוח.", "צרכנים",
      "זכויות צרכן השוואת מחירים ספקים"),
    C(133, "Скидки и акции в Израиле", "ru", "nationwide", "consumer_deals", "tc", "p ds", 6500, "mid", 46000, 58, 2,
      "Скидки, акции и купоны в израильских магазинах, интернет и мобильная связь, советы по экономии.",
      "русскоязычные покупатели", "скидки акции интернет связь"),
    C(134, "עסקאות טכנולוגיה", "he", "nationwide", "consumer_deals tech", "tc", "p ds", 2500, "young", 68000, 60, 2,
      "מבצעים על מחשבים, טלפונים, גאדג'טים ואינטרנט ביתי.", "קונים טכנולוגיה", "גאדג'טים טלפונים מחשבים אינטרנט"),
    # --- dating, lgbtq, religion ---------------------------------------------------------------
    C(135, "רווקים ורווקות 30+", "he", "nationwide", "dating", "fg wg ev", "p mu", 5500, "young", 21000, 67, 2,
      "היכרויות לרווקים ורווקות מעל 30: אירועים, טיפים לדייטים ושיחות כנות.", "רווקים", "היכרויות דייטים רווקים"),
    C(136, "שידוכים ברוח טובה", "he", "jerusalem", "dating religion", "wg", "p", 5000, "young", 2400, 70, 2,
      "היכרויות לציבור הדתי: שדכניות, אירועים וטיפים.", "רווקים דתיים", "שידוכים דתיים", flags="religious"),
    C(137, "גאווה תל אביב", "he en", "tel_aviv", "lgbtq culture", "ig fg ev", "p st mu", 3500, "young", 18000, 76, 2,
      "הקהילה הגאה בתל אביב: מסיבות, אירועי תרבות, בריאות ותמיכה.", "הקהילה הגאה",
      "גאווה להט\"ב מסיבות", allowed="alcohol", city="תל אביב"),
    C(138, "משפחות גאות", "he", "nationwide", "lgbtq parenting", "fg wc", "p es", 6000, "parents", 3900, 81, 3,
      "הורים גאים ומשפחות חד-מיניות: פונדקאות, אימוץ, גנים ובתי ספר.", "הורים גאים", "פונדקאות הורות גאה",
      household={"parents_young_children": 7000}),
    C(139, "לימוד תורה יומי", "he", "nationwide", "religion education", "wch tc", "p", 3000, "broad", 40000, 70, 2,
      "דף יומי, הלכה יומית ושיעורי תורה קצרים.", "לומדי תורה", "דף יומי הלכה תורה", flags="religious"),
    C(140, "נשים דתיות – העצמה ויזמות", "he", "judea_samaria", "religion women careers", "wc", "p es mu", 9900, "young", 5600, 78, 3,
      "נשים דתיות יזמיות ועובדות: עסקים מהבית, קריירה ומשפחה, אופנה צנועה.", "נשים דתיות",
      "יזמות נשים דתיות אופנה צנועה", flags="religious", active=0.3),
    C(141, "الجماعة المسيحية في حيفا", "ar", "haifa", "religion local culture", "fg", "p", 5500, "broad", 4300, 72, 2,
      "أخبار الكنائس والنشاطات الاجتماعية والثقافية للجماعة المسيحية في حيفا.", "أبناء الجماعة",
      "كنيسة نشاطات حيفا", flags="religious", allowed="alcohol", city="חיפה"),
    # --- defence -------------------------------------------------------------------------------
    C(142, "משרתי מילואים", "he", "nationwide", "defence", "fg wc", "p es sv", 2000, "young", 34000, 73, 2,
      "משרתי ומשרתות מילואים: זכויות, ציוד, פרנסה ומשפחה בזמן מילואים.", "אנשי מילואים", "מילואים זכויות ציוד",
      active=0.2),
    C(143, "משפחות שכולות – יחד", "he", "nationwide", "defence", "fg", "p es", 6500, "senior", 5200, 80, 3,
      "משפחות שכולות תומכות זו בזו: זיכרון, זכויות ואירועי הנצחה.", "משפחות שכולות", "שכול זיכרון הנצחה",
      flags="bereavement"),
    # --- fashion -------------------------------------------------------------------------------
    C(144, "אופנה יד שנייה", "he", "nationwide", "fashion sustainability consumer_deals", "fg ig", "p st", 9000, "young", 67000, 66, 2,
      "קנייה ומכירה של בגדים יד שנייה, וינטג' ואופנה מקיימת.", "קונות יד שנייה", "יד שנייה וינטג' בגדים"),
    C(145, "איפור וטיפוח", "he", "nationwide", "fashion women", "ig tt fg", "p st", 9500, "young", 82000, 63, 2,
      "איפור, טיפוח עור, המלצות מוצרים וטרנדים.", "חובבות איפור", "איפור טיפוח קוסמטיקה"),
    C(146, "מידות גדולות – אופנה", "he", "nationwide", "fashion women", "fg ig", "p st sv", 9800, "mid", 23000, 75, 2,
      "אופנה במידות גדולות: חנויות, המלצות, בגדי ים ודימוי גוף.", "נשים במידות גדולות", "מידות גדולות אופנה"),
    C(147, "אופנה צנועה", "he", "nationwide", "fashion religion women", "ig wc", "p st pp", 9900, "young", 31000, 77, 3,
      "אופנה צנועה לנשים דתיות: שמלות, חצאיות, כיסויי ראש ומעצבות ישראליות.", "נשים דתיות",
      "אופנה צנועה כיסוי ראש שמלות", flags="religious", active=0.25),
    # --- recovery, politics --------------------------------------------------------------------
    C(148, "צעד אחר צעד – החלמה מהתמכרות", "he", "nationwide", "health patients", "wg", "p es", 4000, "mid", 1200, 84, 2,
      "קבוצת תמיכה להחלמה מהתמכרות לאלכוהול וסמים: שיתוף, תמיכה ומפגשים.", "מחלימים",
      "החלמה התמכרות תמיכה", flags="recovery health"),
    C(149, "יוצאים מהמשחק – התמכרות להימורים", "he", "nationwide", "patients finance", "wg", "p", 2500, "mid", 600, 80, 2,
      "תמיכה באנשים שמתמודדים עם התמכרות להימורים ובני משפחותיהם.", "מתמודדים עם הימורים",
      "הימורים התמכרות חובות", flags="recovery"),
    C(150, "דיון פוליטי פתוח", "he", "nationwide", "culture", "fg", "p", 5000, "broad", 45000, 45, 1,
      "דיונים פוליטיים על בחירות, מפלגות וחדשות.", "מתעניינים בפוליטיקה", "פוליטיקה בחירות מפלגות",
      flags="political", allowed="politics"),
    # --- odds and ends -------------------------------------------------------------------------
    C(151, "הורים לתינוקות – ראשון לציון", "he", "center", "parenting local", "fg wg", "p pp sv", 9000, "parents", 8200, 86, 3,
      "הורים לתינוקות בראשון לציון: טיפות חלב, גנים, המלצות ומוצרי תינוקות.", "הורים טריים",
      "תינוקות טיפת חלב גנים", city="ראשון לציון", status="paused", household={"parents_young_children": 9000}),
    C(152, "Parents of Toddlers – Ra'anana", "en he", "center", "parenting local", "wg", "p", 8500, "parents", 1600, None, 0,
      "English-speaking parents of toddlers in Ra'anana: playgroups, gan registration and baby gear swaps.",
      "anglo parents", "toddlers playgroups gan", city="Raanana", status="draft"),
    C(153, "גיל הזהב פעיל", "he", "nationwide", "health culture", "fg wg ev", "p mu es", 6000, "senior", 11000, 74, 2,
      "פנסיונרים פעילים: טיולים, הרצאות, טכנולוגיה לגיל השלישי ובריאות.", "בני 65 ומעלה",
      "פנסיונרים גיל שלישי טיולים", allowed="health"),
    C(154, "ביתא ישראל – קהילה", "am he", "center", "culture local", "fg wg", "p mu", 5500, "broad", 6300, 71, 2,
      "קהילת יוצאי אתיופיה: תרבות, מסורת הסיגד, הישגים צעירים ואירועים.", "יוצאי אתיופיה",
      "אתיופיה סיגד תרבות"),
    C(155, "Francophones de Netanya", "fr he", "center", "local culture", "fg wg", "p mu", 5500, "senior", 7800, 73, 2,
      "Communauté francophone de Netanya: événements, conseils administratifs, bonnes adresses et alyah.",
      "olim francophones", "netanya alyah francophones", city="נתניה"),
    C(156, "Hispanohablantes en Israel", "es he", "nationwide", "culture local", "fg", "p", 5500, "mid", 5100, 68, 1,
      "Comunidad de hispanohablantes en Israel: eventos, trámites, trabajo y cultura latina.",
      "hispanohablantes", "comunidad latina olim"),
    C(157, "פוקר חובבים", "he", "nationwide", "gaming", "tg wg", "p", 500, "young", 5200, 62, 1,
      "משחקי פוקר חובבים, טורנירים ביתיים ואסטרטגיה.", "שחקני פוקר", "פוקר טורנירים קלפים",
      allowed="gambling alcohol tobacco"),
    C(158, "סיגרים וויסקי", "he", "center", "food culture", "wg ev", "p mu es", 500, "mid", 900, 79, 2,
      "טעימות ויסקי וסיגרים, ערבי חברים ומזקקות.", "חובבי ויסקי", "ויסקי סיגרים טעימות",
      allowed="alcohol tobacco"),
    C(159, "Whisky & Wine Club Israel", "en he", "nationwide", "food culture", "fg nl ev", "p nl mu", 3000, "mid", 6400, 75, 3,
      "English-speaking wine and whisky lovers in Israel: tastings, distillery visits and bottle reviews.",
      "wine and whisky lovers", "whisky wine tastings distillery", allowed="alcohol"),
    C(160, "קוקטיילים בבית", "he", "nationwide", "food", "ig fg", "p st", 6000, "young", 19000, 70, 2,
      "מתכוני קוקטיילים, בר ביתי, ג'ין וטוניק ואירוח.", "מארחים בבית", "קוקטיילים בר ביתי ג'ין",
      allowed="alcohol"),
    # --- grown for issue 16 (sensitive audiences, Israeli audiences, generic distractors) ----
    C(161, "הורים לילדי גן – מודיעין", "he", "center", "parenting local", "wg fg", "p pp sv", 8200, "parents", 3800, 80, 3,
      "הורים לילדים בגילאי 3–6 במודיעין: גנים, חוגים, ימי הולדת, נעליים וביגוד לילדים והמלצות.",
      "הורים לילדי גן", "גן חוגים ימי-הולדת", flags="about_children", city="מודיעין", active=0.35,
      household={"parents_young_children": 9000}),
    # A stored legacy "minors" flag on a group of adults (its age data says so).
    C(162, "Parents of Little Ones – Tel Aviv", "en he", "tel_aviv", "parenting", "fg wg", "p pp mu", 8800, "parents", 4600, 77, 2,
      "English-speaking parents of babies and toddlers in Tel Aviv: daycare, kids' gear, shoes, clothes, playgrounds and weekend activities.",
      "parents of babies and toddlers", "toddlers daycare playgrounds kids", flags="minors", city="Tel Aviv", active=0.3,
      household={"parents_young_children": 8500}),
    C(163, "ליגת כדורסל נוער – השרון", "he", "center", "fitness", "wg ig", "p st", 3500, "teen", 2600, 70, 2,
      "שחקני ושחקניות כדורסל בני 13–17 בליגות הנוער בשרון: משחקים, אימונים ותוצאות.",
      "בני נוער שחקני כדורסל", "כדורסל נוער ליגה", flags="minors"),
    C(164, "Teen Makers Haifa", "en he", "haifa", "tech education", "dc ig", "p es", 3000, "teen", 1800, 76, 2,
      "High-school students building robots, apps and drones after school in Haifa.",
      "high-school makers", "robotics teens makers", flags="minors", city="Haifa"),
    C(165, "הורים לבני נוער – שיחות אמיתיות", "he", "nationwide", "parenting education", "fg wc", "p es sv", 7600, "parents_teens", 15000, 79, 3,
      "הורים למתבגרים בני 12–18: מסכים, לימודים, בגרויות, כסף ראשון ושיחות קשות.",
      "הורים למתבגרים", "מתבגרים בגרויות מסכים", flags="about_children", active=0.25,
      household={"parents_teens": 8000}),
    C(166, "צעצועים ובגדים לילדים – המלצות הורים", "he", "nationwide", "parenting consumer_deals", "fg ig", "p st pp", 8000, "parents", 22000, 72, 2,
      "הורים ממליצים על צעצועים, משחקי קופסה, ספרים, נעליים ובגדים לילדים בגילאי 0–10, מבצעים והשוואות.",
      "הורים לילדים צעירים", "צעצועים ספרי-ילדים בגדי-ילדים", flags="about_children",
      household={"parents_young_children": 8000}),
    C(167, "אוכלים בריא – תזונה ואורח חיים", "he", "nationwide", "health food", "ig fg", "p st es", 7000, "young", 28000, 74, 2,
      "מתעניינים בתזונה בריאה, ספורט ואורח חיים מאוזן: מתכונים, מיתוסים בתזונה וטיפים מדיאטניות.",
      "מתעניינים בבריאות", "תזונה-בריאה דיאטנית אורח-חיים", flags="health_interest", active=0.2),
    C(168, "Living with Anxiety – Support Israel", "en he", "nationwide", "health patients", "fg", "p es", 7000, "young", 5200, 82, 3,
      "A peer-support group for people living with anxiety and panic attacks: coping tools, therapists and stories.",
      "people living with anxiety", "anxiety panic therapy", flags="health", allowed="health"),
    C(169, "עולים חדשים בחיפה – עבודה וקליטה", "ru he", "haifa", "careers local", "tg fg", "p pp", 5500, "mid", 7200, 75, 2,
      "Новые репатрианты в Хайфе: работа, ульпан, квартиры и документы. עולים חדשים בחיפה: עבודה, אולפן ודירות.",
      "новые репатрианты", "репатрианты работа ульпан עולים", city="חיפה", occupation={"job seekers": 6000}),
    C(170, "Olim in Tech", "en he ru", "nationwide", "tech careers", "lg fg sl", "p es mu", 3500, "young", 9800, 80, 3,
      "New immigrants building a career in Israeli tech: CVs in Hebrew, interviews, referrals and the first job after aliyah.",
      "olim engineers and job seekers", "olim aliyah jobs referrals", occupation={"developers": 5000, "job seekers": 4000}),
    C(171, "Русскоязычные программисты Израиля", "ru", "nationwide", "tech", "tg", "p", 2000, "mid", 14000, 70, 2,
      "Русскоязычные разработчики в Израиле: вакансии, зарплаты, технологии и жизнь репатриантов в хайтеке.",
      "разработчики", "разработчики вакансии хайтек", occupation={"developers": 8000}),
    C(172, "גמלאים פעילים – ראשון לציון", "he", "center", "local culture", "wg fg ev", "p mu", 6200, "senior", 3100, 83, 3,
      "גמלאים וגמלאיות בני 65 ומעלה בראשון לציון: הרצאות, טיולים, התעמלות בוקר, נכדים וזכויות פנסיונרים.",
      "גמלאים", "גמלאים פנסיונרים הרצאות טיולים", city="ראשון לציון", active=0.4),
    C(173, "Seniors Online Israel", "en he", "nationwide", "education tech", "fg nl", "p nl", 5800, "senior", 6000, 76, 2,
      "Retirees and grandparents learning smartphones, video calls with grandchildren, online banking and staying safe from scams.",
      "retirees", "seniors retirees grandparents smartphones"),
    C(174, "סטודנטים בבן גוריון – באר שבע", "he", "south", "education local", "fg wg ig", "p pp st", 5500, "student", 12000, 72, 2,
      "סטודנטים וסטודנטיות באוניברסיטת בן גוריון: דירות, שותפים, מלגות, סיכומים, עבודות סטודנטים ומסיבות.",
      "סטודנטים", "סטודנטים מלגות דירות סיכומים", city="באר שבע", occupation={"students": 9000}),
    C(175, "TAU Students – Jobs & Internships", "en he", "tel_aviv", "careers education", "fg lg", "p pp", 5000, "student", 8500, 71, 2,
      "Tel Aviv University students looking for student jobs, internships and their first junior role.",
      "university students", "students internships junior", city="Tel Aviv", occupation={"students": 8500}),
    C(176, "נשות המילואים – יחד", "he", "nationwide", "women parenting", "wc fg", "p es sv", 9600, "parents", 16000, 86, 3,
      "בנות זוג של משרתי מילואים: ניהול הבית והילדים כשהוא במילואים, זכויות, מענקים, עזרה הדדית וסדנאות.",
      "בנות זוג של מילואימניקים", "מילואים בנות-זוג מענקים עזרה", active=0.4,
      household={"parents_young_children": 7000}),
    C(177, "מילואימניקים – עסקים וקריירה", "he", "nationwide", "careers b2b_professionals", "fg lg wg", "p es mu", 1500, "young", 9000, 78, 2,
      "משרתי מילואים עצמאים ושכירים: חזרה לעבודה אחרי סבב, זכויות, מענקים לעסקים ונטוורקינג.",
      "משרתי מילואים", "מילואים עצמאים מענקים זכויות"),
    C(178, "חרדים בהייטק", "he", "nationwide", "tech careers", "wg lg", "p es mu", 4000, "young", 5400, 80, 3,
      "גברים ונשים מהציבור החרדי שמשתלבים בהייטק: הכשרות, מסלולי תכנות, משרות מותאמות ומנטורים.",
      "חרדים בהייטק", "חרדים הכשרה תכנות משרות", flags="religious",
      occupation={"developers": 5000, "job seekers": 4000}),
    C(179, "אמהות בבני ברק", "he", "center", "parenting religion local", "wg", "p", 9900, "parents", 7800, 74, 2,
      "אמהות מהציבור החרדי בבני ברק: מבצעים, המלצות לילדים, נעליים ובגדים לחגים, מתכונים לשבת.",
      "אמהות חרדיות", "חרדיות בני-ברק מבצעים", flags="religious", city="בני ברק",
      household={"parents_young_children": 8500}),
    C(180, "דתיים לאומיים – גוש עציון", "he", "judea_samaria", "religion local", "wc", "p pp", 5200, "broad", 4200, 77, 2,
      "קהילת הציונות הדתית בגוש עציון: שיעורים, אירועים, התנדבות ומשפחות.",
      "משפחות דתיות", "ציונות-דתית שיעורים", flags="religious"),
    C(181, "מעצבים גרפיים ישראל", "he", "nationwide", "culture b2b_professionals", "fg ig", "p es sv rt", 6000, "young", 18000, 75, 2,
      "מעצבות ומעצבים גרפיים: טיפוגרפיה, מיתוג, פונטים בעברית, תיקי עבודות ופרילנס.",
      "מעצבים גרפיים", "עיצוב-גרפי טיפוגרפיה פונטים", occupation={"designers": 8500}),
    C(182, "Product Designers Israel", "en he", "tel_aviv", "tech b2b_professionals", "sl lg", "p es rt sv", 5500, "young", 4300, 81, 3,
      "Product and UX/UI designers in Israel: Figma, design systems, research, critiques and portfolio reviews.",
      "product designers", "figma design-systems ux research", occupation={"designers": 8000}),
    C(183, "מתנדבים לקשישים בודדים", "he", "nationwide", "local", "wg fg", "p mu", 7000, "broad", 8300, 84, 3,
      "מתנדבות ומתנדבים שמבקרים קשישים בודדים, מחלקים סלי מזון בחגים ומלווים ניצולי שואה.",
      "מתנדבים", "התנדבות קשישים ניצולי-שואה", active=0.35),
    C(184, "Volunteer Israel", "en he", "nationwide", "sustainability local", "fg ig", "p st", 6000, "young", 7600, 73, 2,
      "Find volunteering opportunities across Israel: farms, food banks, beach clean-ups and helping families of reservists.",
      "volunteers", "volunteering volunteers food-bank"),
    C(185, "גאדג'טים וטכנולוגיה", "he", "nationwide", "tech consumer_deals", "fg tg", "p st", 2500, "young", 60000, 60, 1,
      "ביקורות גאדג'טים, סמארטפונים, מחשבים וטכנולוגיה צרכנית.", "חובבי גאדג'טים", "גאדג'טים סמארטפונים"),
    C(186, "דרושים – כל המשרות", "he", "nationwide", "careers", "fg tg", "p pp ds", 5000, "broad", 90000, 55, 1,
      "משרות בכל התחומים: מכירות, שירות לקוחות, הייטק, לוגיסטיקה ומשרות סטודנטים.", "מחפשי עבודה", "משרות דרושים"),
    C(187, "Tech Jobs Israel", "en he", "nationwide", "tech careers", "lg fg", "p pp ds", 3000, "young", 45000, 62, 1,
      "Tech job listings in Israel: developers, QA, product and data roles.", "tech job seekers", "jobs developers hiring"),
    C(188, "ערבי יין להורים – רמת השרון", "he", "center", "food parenting local", "wg ev", "p mu", 7000, "parents", 900, 80, 2,
      "הורים לילדים צעירים שנפגשים לערבי טעימות יין ואוכל בלי הילדים.", "הורים", "יין טעימות ערב-הורים",
      flags="about_children", allowed="alcohol", city="רמת השרון", household={"parents_young_children": 8000}),
]  # fmt: skip


def _regions(region: str) -> dict[str, int]:
    if region == "nationwide":
        return dict(NATIONAL)
    if region == "abroad":
        return {"abroad": 8000, "center": 2000}
    rest = {k: v for k, v in NATIONAL.items() if k != region}
    total = sum(rest.values())
    out = {region: 7500}
    for k, v in rest.items():
        out[k] = round(2500 * v / total)
    out[region] += 10_000 - sum(out.values())
    return out


def _languages(langs: list[str]) -> dict[str, int]:
    if len(langs) == 1:
        return {langs[0]: 10_000}
    first = 6000
    each = (10_000 - first) // (len(langs) - 1)
    out = {langs[0]: first} | dict.fromkeys(langs[1:], each)
    out[langs[0]] += 10_000 - sum(out.values())
    return out


def build(row: C, rng: random.Random) -> CommunityRecord:
    langs = row.langs.split()
    audience: dict[str, dict[str, int]] = {}
    if row.women is not None and row.id % 11 != 0:  # every 11th community never reported gender
        audience["gender"] = {"female": row.women, "male": 10_000 - row.women}
    if row.ages is not None and row.id % 13 != 0:  # and every 13th, age
        audience["age"] = dict(AGES[row.ages])
    audience["region"] = _regions(row.region)
    audience["language"] = _languages(langs)
    if row.occupation:
        audience["occupation"] = dict(row.occupation)
    if row.household:
        audience["household"] = dict(row.household)

    price = math.exp(rng.gauss(math.log(1.3), 0.45))  # value P50 / rate: cheap to pricey
    has_values = rng.random() > 0.15
    offers = []
    for code in row.offers.split():
        placement = PLACEMENT_CODES[code]
        per_member, floor = RATE_RULES[placement]
        rate = max(floor, round(row.size * per_member * math.exp(rng.gauss(0, 0.3)), -2))
        value = round(rate * price * math.exp(rng.gauss(0, 0.15)), -2) if has_values else None
        offers.append(
            PlacementOffer(
                placement=placement,
                rate_minor=int(rate),
                value_p10_minor=None if value is None else int(round(value * 0.5, -2)),
                value_p50_minor=value,
                value_p90_minor=None if value is None else int(round(value * 1.9, -2)),
                reach_p50=None if value is None else int(row.size * 0.3),
            )
        )
    active = row.active
    return CommunityRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        dna_tone=row.tone,
        dna_values=row.values,
        dna_rituals=row.rituals,
        member_type=row.member_type,
        common_denominator=row.member_type,
        tags=tuple(row.tags.split()),
        topics=tuple(row.topics.split()),
        languages=tuple(langs),
        region=row.region,
        city=row.city,
        audience_kind=row.kind,
        sensitive_flags=tuple(row.flags.split()),
        regulated_allowed=tuple(RegulatedCategory(c) for c in row.allowed.split()),
        status=row.status,
        audience=audience,
        platforms=tuple(PLATFORM_CODES[p] for p in row.platforms.split()),
        offers=tuple(offers),
        total_size=row.size,
        health_score=row.health,
        active_share=active,
        interactions_per_member_week=None if active is None else round(active * 1.6, 2),
        best_evidence=row.evidence,
        past_performance=None,
    )


def main() -> None:
    rng = random.Random(7)
    ids = [row.id for row in ROWS]
    assert ids == list(range(1, len(ROWS) + 1)), "ids run 1..n in order"
    records = [build(row, rng) for row in ROWS]
    records_to_json(records, HERE / "catalog.json")
    print(f"wrote {len(records)} communities to {HERE / 'catalog.json'}")


if __name__ == "__main__":
    main()
