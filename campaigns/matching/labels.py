"""The English and Hebrew labels of the vocabularies an explanation names, and the joining of
lists in both languages (moved out of ``explain.py``, which re-exports them)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from campaigns.matching.places import CITIES
from campaigns.matching.text import TOPIC_WORDS


def _lower_first(text: str) -> str:
    """ "Seniors and retirees" -> "seniors and retirees"; "LGBTQ+" stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


#: (English, Hebrew) labels of the vocabularies a sentence may name.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "gender": {"female": ("women", "נשים"), "male": ("men", "גברים"), "other": ("other", "אחר")},
    "age": {
        "under_18": ("under 18", "מתחת ל-18"),
        "18_24": ("18–24", "18–24"),
        "25_34": ("25–34", "25–34"),
        "35_44": ("35–44", "35–44"),
        "45_54": ("45–54", "45–54"),
        "55_64": ("55–64", "55–64"),
        "65_plus": ("65+", "65+"),
    },
    "region": {
        "north": ("the North", "הצפון"),
        "haifa": ("Haifa", "חיפה"),
        "center": ("the Center", "המרכז"),
        "tel_aviv": ("Tel Aviv", "תל אביב"),
        "jerusalem": ("Jerusalem", "ירושלים"),
        "south": ("the South", "הדרום"),
        "judea_samaria": ("Judea and Samaria", "יהודה ושומרון"),
        "nationwide": ("all of Israel", "כל הארץ"),
        "abroad": ("abroad", 'חו"ל'),
    },
    "language": {
        "he": ("Hebrew", "עברית"),
        "en": ("English", "אנגלית"),
        "ar": ("Arabic", "ערבית"),
        "ru": ("Russian", "רוסית"),
        "am": ("Amharic", "אמהרית"),
        "fr": ("French", "צרפתית"),
        "es": ("Spanish", "ספרדית"),
    },
    "stage": {
        "babies": ("babies", "תינוקות"),
        "toddlers": ("toddlers and kindergarten children", "פעוטות וילדי גן"),
        "school": ("primary-school children", "ילדי בית ספר יסודי"),
        "teens": ("teenagers", "בני נוער"),
    },
    "placement": {
        "post": ("a post", "פוסט"),
        "pinned_post": ("a pinned post", "פוסט נעוץ"),
        "story": ("a story", "סטורי"),
        "newsletter_sponsorship": ("a newsletter sponsorship", "חסות בניוזלטר"),
        "dedicated_send": ("a dedicated send", "שליחה ייעודית"),
        "podcast_read": ("a podcast read", "אזכור בפודקאסט"),
        "expert_session": ("an expert session", "מפגש מומחה"),
        "meetup": ("a meetup", "מפגש"),
        "survey": ("a survey", "סקר"),
        "round_table": ("a round table", "שולחן עגול"),
        "product_pilot": ("a product pilot", "פיילוט מוצר"),
    },
    "goal": {
        "awareness": ("an awareness", "מודעות"),
        "sales_leads": ("a sales and leads", "מכירות ולידים"),
        "market_education": ("a market-education", "חינוך שוק"),
        "positioning": ("a positioning", "מיצוב"),
        "employer_branding": ("an employer-branding", "מיתוג מעסיק"),
        "recruitment": ("a recruitment", "גיוס עובדים"),
        "product_feedback": ("a product-feedback", "משוב על מוצר"),
        "product_pilot": ("a product-pilot", "פיילוט מוצר"),
        "survey": ("a survey", "סקר"),
        "expert_session": ("an expert-session", "מפגש מומחה"),
        "event": ("an event", "אירוע"),
    },
    "regulated": {
        "pharma": ("pharma", "תרופות"),
        "health": ("health products", "מוצרי בריאות"),
        "finance": ("financial products", "מוצרים פיננסיים"),
        "alcohol": ("alcohol", "אלכוהול"),
        "gambling": ("gambling", "הימורים"),
        "tobacco": ("tobacco", "טבק"),
        "politics": ("political campaigns", "קמפיינים פוליטיים"),
    },
    "platform": {
        "facebook_group": ("Facebook groups", "קבוצות פייסבוק"),
        "facebook_page": ("Facebook pages", "עמודי פייסבוק"),
        "whatsapp_group": ("WhatsApp groups", "קבוצות וואטסאפ"),
        "whatsapp_community": ("WhatsApp communities", "קהילות וואטסאפ"),
        "whatsapp_channel": ("WhatsApp channels", "ערוצי וואטסאפ"),
        "telegram_channel": ("Telegram channels", "ערוצי טלגרם"),
        "telegram_group": ("Telegram groups", "קבוצות טלגרם"),
        "instagram": ("Instagram", "אינסטגרם"),
        "tiktok": ("TikTok", "טיקטוק"),
        "linkedin_group": ("LinkedIn groups", "קבוצות לינקדאין"),
        "linkedin_page": ("LinkedIn pages", "עמודי לינקדאין"),
        "x": ("X", "X"),
        "youtube": ("YouTube", "יוטיוב"),
        "newsletter": ("newsletters", "ניוזלטרים"),
        "podcast": ("podcasts", "פודקאסטים"),
        "discord": ("Discord", "דיסקורד"),
        "slack": ("Slack", "סלאק"),
        "website": ("websites", "אתרים"),
        "app": ("apps", "אפליקציות"),
        "offline_events": ("offline events", "אירועים פיזיים"),
    },
    "topic": {slug: (_lower_first(en), he) for slug, (en, he, _) in TOPIC_WORDS.items()},
    "city": {slug: (en, he) for slug, (_region, en, he, _other) in CITIES.items()},
    # Household and occupation buckets are free labels; the common ones are translated here,
    # so a Hebrew sentence never carries "parents young children".
    "household": {
        "parents_young_children": ("parents of young children", "הורים לילדים צעירים"),
        "parents_teens": ("parents of teenagers", "הורים לבני נוער"),
        "parents": ("parents", "הורים"),
        "homeowners": ("homeowners", "בעלי בתים"),
        "renters": ("renters", "שוכרי דירות"),
        "couples": ("couples", "זוגות"),
        "singles": ("singles", "רווקים ורווקות"),
        "pet_owners": ("pet owners", "בעלי חיות מחמד"),
        "grandparents": ("grandparents", "סבים וסבתות"),
        "reservist_families": ("families of reservists", "משפחות מילואים"),
    },
    "occupation": {
        "developers": ("developers", "מפתחים"),
        "engineers": ("engineers", "מהנדסים"),
        "security engineers": ("security engineers", "מהנדסי אבטחת מידע"),
        "qa engineers": ("QA engineers", "בודקי תוכנה"),
        "data scientists": ("data scientists", "מדעני נתונים"),
        "product managers": ("product managers", "מנהלי מוצר"),
        "designers": ("designers", "מעצבים"),
        "marketing managers": ("marketing managers", "מנהלי שיווק"),
        "social media managers": ("social media managers", "מנהלי סושיאל"),
        "copywriters": ("copywriters", "קופירייטרים"),
        "founders": ("founders", "מייסדים"),
        "business owners": ("business owners", "בעלי עסקים"),
        "managers": ("managers", "מנהלים"),
        "recruiters": ("recruiters", "מגייסים"),
        "teachers": ("teachers", "מורים"),
        "kindergarten teachers": ("kindergarten teachers", "גננות"),
        "students": ("students", "סטודנטים"),
        "job seekers": ("job seekers", "מחפשי עבודה"),
        "dog trainers": ("dog trainers", "מאלפי כלבים"),
        "doctors": ("doctors", "רופאים"),
        "nurses": ("nurses", "אחיות ואחים"),
        "lawyers": ("lawyers", "עורכי דין"),
        "accountants": ("accountants", "רואי חשבון"),
        "reservists": ("reservists", "משרתי מילואים"),
    },
}

_LATIN = re.compile("[A-Za-z]")


def label(kind: str, value: str, lang: str) -> str:
    """The English (``lang="en"``) or Hebrew label of a vocabulary value; free labels as-is."""
    table = LABELS.get(kind, {})
    pair = table.get(value) or table.get(" ".join(value.strip().lower().split()))
    if pair is None:
        free = value.replace("_", " ")
        # An untranslated free label inside a Hebrew sentence is quoted as the owner wrote it.
        return f"„{free}“" if lang != "en" and _LATIN.search(free) else free
    return pair[0] if lang == "en" else pair[1]


def join(items: Sequence[str], lang: str) -> str:
    """ "a, b and c" / "א, ב ו-ג"."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if lang == "en":
        return ", ".join(items[:-1]) + " and " + items[-1]
    return ", ".join(items[:-1]) + " ו" + ("-" if not items[-1][0].isalpha() else "") + items[-1]


def labels(kind: str, values: Sequence[str], lang: str) -> str:
    return join([label(kind, v, lang) for v in values], lang)
