"""A believable demo catalog: invented communities across every platform, Hebrew and English.

The same generator feeds `seed-demo` (about 200 communities, through the ORM) and the
benchmark catalog (`seed-demo --communities 100000`, through batched core inserts).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, text

from marketplace.auth.models import User
from marketplace.catalog import bulk, services
from marketplace.catalog.demo_prices import rate_card
from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    ListingStatus,
    MetricSnapshot,
    RateCard,
)
from marketplace.db import SessionLike, utcnow
from marketplace.valuation import services as valuation
from pricing.taxonomy import EvidenceTier, InteractionMode, MetricKind, Platform
from pricing.valuation.priors import offered_placements

#: The English of every Hebrew name stem: a group named in both languages says the same in each.
ENGLISH_STEM = {
    "הורים צעירים": "Young Parents", "אמהות מניקות": "Breastfeeding Mums",
    "אבות בשטח": "Dads on Duty", "הורים לתאומים": "Twin Parents",
    "הורים לילדים עם ADHD": "Parents of Kids with ADHD",
    "רצים": "Runners", "רוכבי שטח": "Trail Riders", "יוגה בפארק": "Yoga in the Park",
    "שוחים במים פתוחים": "Open Water Swimmers", "מתאמנות בבית": "Women Training at Home",
    "אוהבי אוכל": "Foodies", "מבשלים טבעוני": "Vegan Cooks", "אופים מחמצת": "Sourdough Bakers",
    "ציידי מסעדות": "Restaurant Hunters", "בשלנים ביתיים": "Home Cooks",
    "מפתחים": "Developers", "מנהלי מוצר": "Product Managers", "נשים בהייטק": "Women in Tech",
    "יזמים בתחילת הדרך": "Early Founders", "אנשי דאטה": "Data People",
    "מנהלי שיווק": "Marketing Managers", "קופירייטרים": "Copywriters",
    "אנשי תוכן": "Content People", "מקדמי אתרים": "SEO People",
    "משקיעים מתחילים": "First-time Investors", "חוסכים חכם": "Smart Savers",
    "כלכלת המשפחה": "Family Finances", "נדל\"ן להשקעה": "Property Investors",
    "חיים עם סוכרת": "Living with Diabetes", "תזונה נכונה": "Healthy Eating",
    "בריאות האישה": "Women's Health", "שינה טובה": "Good Sleep",
    "מורים מחדשים": "Innovative Teachers", "גננות יוצרות": "Creative Kindergarten Teachers",
    "סטודנטים לתואר שני": "Grad Students", "לומדים אנגלית": "English Learners",
    "שכנים": "Neighbours", "הורים בשכונה": "Neighbourhood Parents",
    "קהילת הרובע": "Quarter Community", "עסקים קטנים": "Local Businesses",
    "אוהבי ספרים": "Book Lovers", "חובבי תיאטרון": "Theatre Lovers",
    "אספני אמנות": "Art Collectors", "צלמי רחוב": "Street Photographers",
    "מטיילים בארץ": "Israel Hikers", "תרמילאים": "Backpackers",
    "משפחות מטיילות": "Family Travellers", "טיולי ג'יפים": "Jeep Trips",
    "בעלי כלבים": "Dog Owners", "אוהבי חתולים": "Cat People", "מאמצים בעלי חיים": "Pet Adopters",
    "גיימרים": "Gamers", "שחקני לוח": "Board Game Nights", "מפתחי משחקים": "Game Developers",
    "מחפשי עבודה": "Job Seekers", "בוגרי צבא לקריירה": "Veterans into Careers",
    "מגייסים": "Recruiters", "עובדים מהבית": "Remote Workers",
    "חיים ירוקים": "Green Living", "מחזור ושימוש חוזר": "Recycle and Reuse",
    "גינון קהילתי": "Community Gardens",
    "בוגרי האוניברסיטה": "University Alumni", "בוגרי התוכנית": "Program Graduates",
    "בוגרות המכינה": "Pre-Army Academy Alumnae",
}  # fmt: skip

#: The share of women of a name stem that says who its members are, over its theme's share.
WOMEN_BY_NAME = {
    "אבות בשטח": 0.1,
    "Dads on Duty": 0.1,
    "אמהות מניקות": 0.98,
    "נשים בהייטק": 0.95,
    "Women in Tech": 0.95,
    "בריאות האישה": 0.95,
    "Women's Health": 0.95,
    "מתאמנות בבית": 0.9,
    "גננות יוצרות": 0.95,
    "בוגרות המכינה": 0.9,
}

#: (topic, Hebrew name stems, English name stems, what members share, tags, likely platforms,
#:  share of women)
THEMES: list[tuple[str, list[str], list[str], str, list[str], list[Platform], float]] = [
    ("parenting", ["הורים צעירים", "אמהות מניקות", "אבות בשטח", "הורים לתאומים", "הורים לילדים עם ADHD"],
     ["Young Parents", "Twin Parents", "Dads on Duty"], "הורות לילדים קטנים",
     ["הורות", "שינה", "גני ילדים"], [Platform.WHATSAPP_GROUP, Platform.FACEBOOK_GROUP, Platform.WHATSAPP_COMMUNITY], 0.8),
    ("fitness", ["רצים", "רוכבי שטח", "יוגה בפארק", "שוחים במים פתוחים", "מתאמנות בבית"],
     ["Runners", "Trail Riders", "Open Water Swimmers"], "אהבה לספורט ולאימון משותף",
     ["ריצה", "אימונים", "מרתון"], [Platform.WHATSAPP_GROUP, Platform.INSTAGRAM, Platform.OFFLINE_EVENTS], 0.5),
    ("food", ["אוהבי אוכל", "מבשלים טבעוני", "אופים מחמצת", "ציידי מסעדות", "בשלנים ביתיים"],
     ["Foodies", "Sourdough Bakers", "Vegan Cooks"], "אוכל טוב ובישול ביתי",
     ["מתכונים", "מסעדות", "טבעוני"], [Platform.FACEBOOK_GROUP, Platform.INSTAGRAM, Platform.TIKTOK], 0.65),
    ("tech", ["מפתחים", "מנהלי מוצר", "נשים בהייטק", "יזמים בתחילת הדרך", "אנשי דאטה"],
     ["Product Managers", "Women in Tech", "Data People", "Early Founders"], "עבודה בהייטק",
     ["סטארטאפים", "קריירה", "AI"], [Platform.SLACK, Platform.LINKEDIN_GROUP, Platform.NEWSLETTER, Platform.DISCORD], 0.4),
    ("marketing", ["מנהלי שיווק", "קופירייטרים", "אנשי תוכן", "מקדמי אתרים"],
     ["Marketing Managers", "Content People", "Growth Marketers"], "שיווק ופרסום",
     ["שיווק", "קמפיינים", "תוכן"], [Platform.FACEBOOK_GROUP, Platform.WHATSAPP_COMMUNITY, Platform.PODCAST], 0.55),
    ("finance", ["משקיעים מתחילים", "חוסכים חכם", "כלכלת המשפחה", "נדל\"ן להשקעה"],
     ["Smart Savers", "First-time Investors"], "כסף וחיסכון",
     ["השקעות", "חיסכון", "פנסיה"], [Platform.TELEGRAM_CHANNEL, Platform.NEWSLETTER, Platform.FACEBOOK_GROUP, Platform.YOUTUBE], 0.35),
    ("health", ["חיים עם סוכרת", "תזונה נכונה", "בריאות האישה", "שינה טובה"],
     ["Living with Diabetes", "Women's Health"], "התמודדות ובריאות",
     ["בריאות", "תזונה", "רפואה"], [Platform.FACEBOOK_GROUP, Platform.WHATSAPP_GROUP, Platform.NEWSLETTER], 0.75),
    ("education", ["מורים מחדשים", "גננות יוצרות", "סטודנטים לתואר שני", "לומדים אנגלית"],
     ["Innovative Teachers", "Grad Students"], "חינוך והוראה",
     ["הוראה", "פדגוגיה", "כיתה"], [Platform.WHATSAPP_COMMUNITY, Platform.FACEBOOK_GROUP, Platform.TELEGRAM_GROUP], 0.7),
    ("local", ["שכנים", "הורים בשכונה", "קהילת הרובע", "עסקים קטנים"],
     ["Neighbours", "Local Businesses"], "מגורים באותה שכונה",
     ["שכונה", "המלצות", "אירועים"], [Platform.FACEBOOK_GROUP, Platform.WHATSAPP_GROUP], 0.6),
    ("culture", ["אוהבי ספרים", "חובבי תיאטרון", "אספני אמנות", "צלמי רחוב"],
     ["Book Lovers", "Street Photographers"], "אהבה לתרבות",
     ["ספרים", "אמנות", "צילום"], [Platform.INSTAGRAM, Platform.FACEBOOK_GROUP, Platform.PODCAST, Platform.OFFLINE_EVENTS], 0.6),
    ("travel", ["מטיילים בארץ", "תרמילאים", "משפחות מטיילות", "טיולי ג'יפים"],
     ["Backpackers", "Family Travellers"], "טיולים",
     ["טיולים", "מסלולים", "חו\"ל"], [Platform.FACEBOOK_GROUP, Platform.INSTAGRAM, Platform.TELEGRAM_CHANNEL], 0.5),
    ("pets", ["בעלי כלבים", "אוהבי חתולים", "מאמצים בעלי חיים"],
     ["Dog Owners", "Cat People"], "חיות מחמד",
     ["כלבים", "וטרינר", "אימוץ"], [Platform.FACEBOOK_GROUP, Platform.WHATSAPP_GROUP, Platform.INSTAGRAM], 0.65),
    ("gaming", ["גיימרים", "שחקני לוח", "מפתחי משחקים"],
     ["Gamers", "Board Game Nights"], "משחקים",
     ["גיימינג", "קונסולות", "אי-ספורט"], [Platform.DISCORD, Platform.TIKTOK, Platform.YOUTUBE], 0.25),
    ("careers", ["מחפשי עבודה", "בוגרי צבא לקריירה", "מגייסים", "עובדים מהבית"],
     ["Job Seekers", "Remote Workers"], "קריירה ותעסוקה",
     ["משרות", "קורות חיים", "ראיונות"], [Platform.LINKEDIN_GROUP, Platform.TELEGRAM_CHANNEL, Platform.WHATSAPP_COMMUNITY], 0.5),
    ("sustainability", ["חיים ירוקים", "מחזור ושימוש חוזר", "גינון קהילתי"],
     ["Green Living", "Community Gardens"], "סביבה וקיימות",
     ["קיימות", "מחזור", "גינון"], [Platform.FACEBOOK_GROUP, Platform.NEWSLETTER, Platform.OFFLINE_EVENTS], 0.65),
    ("alumni", ["בוגרי האוניברסיטה", "בוגרי התוכנית", "בוגרות המכינה"],
     ["Alumni Network", "Program Graduates"], "לימודים משותפים",
     ["בוגרים", "נטוורקינג", "מפגשים"], [Platform.LINKEDIN_GROUP, Platform.NEWSLETTER, Platform.WHATSAPP_COMMUNITY], 0.5),
]  # fmt: skip

#: How an English name calls the people of each theme ("Haifa Runners").
TOPIC_PEOPLE = {
    "parenting": "Parents", "fitness": "Runners & Riders", "food": "Foodies", "tech": "Tech People",
    "marketing": "Marketers", "finance": "Savers & Investors", "health": "Health Circle",
    "education": "Educators", "local": "Neighbours", "culture": "Culture Lovers",
    "travel": "Travellers", "pets": "Pet Owners", "gaming": "Gamers", "careers": "Careers Network",
    "sustainability": "Green Living", "alumni": "Alumni",
}  # fmt: skip

PLACES = [
    ("תל אביב", "Tel Aviv", "tel_aviv"), ("ירושלים", "Jerusalem", "jerusalem"),
    ("חיפה", "Haifa", "haifa"), ("באר שבע", "Be'er Sheva", "south"),
    ("רמת גן", "Ramat Gan", "tel_aviv"), ("ראשון לציון", "Rishon LeZion", "center"),
    ("פתח תקווה", "Petah Tikva", "center"), ("מודיעין", "Modi'in", "center"),
    ("הרצליה", "Herzliya", "tel_aviv"), ("נתניה", "Netanya", "center"),
    ("כפר סבא", "Kfar Saba", "center"), ("אשדוד", "Ashdod", "south"),
    ("עכו", "Akko", "north"), ("נצרת", "Nazareth", "north"), ("כרמיאל", "Karmiel", "north"),
    ("הגליל", "the Galilee", "north"), ("השרון", "the Sharon", "center"),
    ("", "Israel", "nationwide"),
]  # fmt: skip

TONES = [
    "חם, מפרגן ובגובה העיניים", "ענייני, מקצועי ומבוסס ידע", "הומוריסטי ולא לוקח את עצמו ברצינות",
    "שקט ותומך, בלי שיפוטיות", "אנרגטי, מלא מוטיבציה ותחרותי",
]  # fmt: skip
VALUES = ["שיתוף ידע בלי אגו", "עזרה הדדית", "כבוד לכל שאלה", "שקיפות מלאה", "אחריות אישית"]
RITUALS = [
    "שרשור היכרות כל יום ראשון", "מפגש חודשי פנים אל פנים", "שאלת השבוע ביום רביעי",
    "חגיגה לכל חבר שמגיע ליעד", "סיכום שבועי של המנהלת ביום שישי",
]  # fmt: skip
FORBIDDEN = [
    "אין פרסום של הימורים, אלכוהול או הלוואות.", "בלי קופונים אגרסיביים ובלי ספאם.",
    "תוכן פוליטי אסור.", "אין פרסום ללא אישור מראש של המנהלת.",
]  # fmt: skip

SIZE_RANGES: dict[Platform, tuple[int, int]] = {
    Platform.WHATSAPP_GROUP: (60, 1024),
    Platform.WHATSAPP_COMMUNITY: (300, 9000),
    Platform.WHATSAPP_CHANNEL: (500, 40_000),
    Platform.FACEBOOK_GROUP: (400, 120_000),
    Platform.FACEBOOK_PAGE: (800, 60_000),
    Platform.TELEGRAM_CHANNEL: (300, 60_000),
    Platform.TELEGRAM_GROUP: (100, 12_000),
    Platform.INSTAGRAM: (1_000, 90_000),
    Platform.TIKTOK: (2_000, 150_000),
    Platform.LINKEDIN_GROUP: (500, 25_000),
    Platform.YOUTUBE: (800, 50_000),
    Platform.NEWSLETTER: (500, 45_000),
    Platform.PODCAST: (300, 20_000),
    Platform.DISCORD: (150, 18_000),
    Platform.SLACK: (100, 6_000),
    Platform.OFFLINE_EVENTS: (20, 700),
}


def _url(platform: Platform, slug: str) -> str:
    return {
        Platform.WHATSAPP_GROUP: f"https://chat.whatsapp.com/{slug}",
        Platform.WHATSAPP_COMMUNITY: f"https://chat.whatsapp.com/c{slug}",
        Platform.WHATSAPP_CHANNEL: f"https://whatsapp.com/channel/{slug}",
        Platform.FACEBOOK_GROUP: f"https://www.facebook.com/groups/{slug}",
        Platform.FACEBOOK_PAGE: f"https://www.facebook.com/{slug}",
        Platform.TELEGRAM_CHANNEL: f"https://t.me/{slug}",
        Platform.TELEGRAM_GROUP: f"https://t.me/g{slug}",
        Platform.INSTAGRAM: f"https://www.instagram.com/{slug}",
        Platform.TIKTOK: f"https://www.tiktok.com/@{slug}",
        Platform.LINKEDIN_GROUP: f"https://www.linkedin.com/groups/{slug}",
        Platform.YOUTUBE: f"https://www.youtube.com/@{slug}",
        Platform.NEWSLETTER: f"https://{slug}.substack.example.com",
        Platform.PODCAST: f"https://podcasts.example.com/{slug}",
        Platform.DISCORD: f"https://discord.gg/{slug}",
        Platform.SLACK: f"https://{slug}.slack.com",
        Platform.OFFLINE_EVENTS: f"https://events.example.com/{slug}",
    }[platform]


#: (topic, share of its communities that allow a regulated category, the categories): a
#: believable minority, e.g. savings groups that take bank and insurance campaigns, and
#: sports and food groups that take supplements with a disclosure (without them a health
#: brief such as the demo's vitamin D one found a single community it could use).
REGULATED_RULES: list[tuple[str, float, list[str]]] = [
    ("finance", 0.45, ["finance"]),
    ("health", 0.30, ["health"]),
    ("health", 0.12, ["health", "pharma"]),
    ("fitness", 0.30, ["health"]),
    ("food", 0.12, ["alcohol"]),
    ("food", 0.20, ["health"]),
    ("tech", 0.10, ["finance"]),
    ("careers", 0.10, ["finance"]),
    ("parenting", 0.08, ["health"]),
    ("*", 0.03, ["finance"]),
]


def regulated_allowed(topic: str, sensitive_flags: list[str], rng: random.Random) -> list[str]:
    """The regulated categories a demo community's rules allow (never where minors are)."""
    if "minors" in sensitive_flags:
        return []
    draw = rng.random()
    rules = [r for r in REGULATED_RULES if r[0] == topic] or [
        r for r in REGULATED_RULES if r[0] == "*"
    ]
    for _topic, share, categories in rules:
        if draw < share:
            return list(categories)
        draw -= share
    return []


@dataclass
class Spec:
    """A generated community, before it meets the database."""

    community: Community
    audience: list[AudienceShare] = field(default_factory=list)


class Record(SimpleNamespace):
    """A plain stand-in for a model instance: attributes only, unset ones read as None.

    Building a few million ORM instances (instrumented attributes, collection events) took
    about half of a 100,000-community seed; the bulk loader needs only the values.
    """

    def __getattr__(self, name: str) -> Any:
        return None


def _plain(**children: list[Any]) -> Any:
    def make(**values: Any) -> Record:
        return Record(**{name: [] for name in children}, **values)

    return make


#: What an English-only community of each theme shares, in English (its description is English).
SHARED_EN = {
    "parenting": "raising young children",
    "fitness": "sport and training together",
    "food": "good food and home cooking",
    "tech": "working in tech",
    "marketing": "marketing and advertising",
    "finance": "money and saving",
    "health": "coping and health",
    "education": "education and teaching",
    "local": "living in the same neighbourhood",
    "culture": "a love of culture",
    "travel": "travel",
    "pets": "pets",
    "gaming": "games",
    "careers": "careers and jobs",
    "sustainability": "the environment and sustainability",
}

#: The kinds of object `generate` builds: ORM models, or plain records for the bulk loader.
ORM_KINDS = (Community, ChannelAsset, RateCard, MetricSnapshot, AudienceShare)
PLAIN_KINDS = (
    _plain(assets=[], audience=[]),
    _plain(rates=[], metrics=[]),
    Record,
    Record,
    Record,
)


def generate(
    count: int,
    *,
    seed: int = 7,
    today: date | None = None,
    history: int = 3,
    plain: bool = False,
) -> Iterator[Spec]:
    """Yield `count` transient communities (not in any session), deterministic for a seed.

    ``plain`` yields :class:`Record` objects with the same values instead of model instances.
    """
    rng = random.Random(seed)
    today = today or date.today()
    kinds: tuple[Any, ...] = PLAIN_KINDS if plain else ORM_KINDS
    Community, ChannelAsset, RateCard, MetricSnapshot, AudienceShare = kinds  # noqa: N806
    offered = offered_placements()  # one table for every platform; built on each call
    for n in range(1, count + 1):
        topic, stems_he, stems_en, shared, tags, platforms, women = rng.choice(THEMES)
        city_he, city_en, region = rng.choice(PLACES)
        stem = rng.choice(stems_he)
        english_only = rng.random() < 0.12
        # "ב" absorbs a place's article: "בגליל", never "בהגליל".
        where_he = f"ב{city_he.removeprefix('ה')}" if city_he else "בישראל"
        name_he = None if english_only else f"{stem} {where_he}"
        stem_en = rng.choice(stems_en) if (english_only or rng.random() < 0.4) else None
        if stem_en is not None and not english_only:
            # A bilingual group's English name says what its Hebrew name says (the draw above
            # stays, so the rest of the catalog is drawn as before).
            stem_en = ENGLISH_STEM[stem]
        name_en = f"{stem_en} {city_en}" if stem_en else None
        # A group that names its members' gender ("fathers", "women in tech") has that audience,
        # whatever its theme's usual share.
        women = WOMEN_BY_NAME.get((stem_en if english_only else stem) or "", women)
        status = rng.choices(
            [
                ListingStatus.LISTED,
                ListingStatus.SUBMITTED,
                ListingStatus.DRAFT,
                ListingStatus.PAUSED,
            ],
            weights=[82, 8, 6, 4],
        )[0]
        community = Community(
            external_key=f"demo-{seed}-{n}",
            name_he=name_he,
            name_en=name_en,
            description=(
                f"קהילה של {stem} {where_he if city_he else 'מכל הארץ'}: שואלים, משתפים "
                f"וממליצים. מה שמחבר אותנו: {shared}."
                if not english_only
                else f"A community of {name_en}: questions, tips and meetups around "
                f"{SHARED_EN.get(topic, topic)}."
            ),
            founding_story=rng.choice(
                [
                    "נולדה מצורך אישי שלא מצאתי לו מענה.",
                    "התחלנו כקבוצת חברים וגדלנו מפה לאוזן.",
                    "הוקמה אחרי מפגש אחד שהיה טוב מדי כדי להיגמר.",
                ]
            ),  # fmt: skip
            need_answered=f"מקום בטוח לשאול ולהתייעץ על {shared}",
            dna_tone=rng.choice(TONES),
            dna_values=", ".join(rng.sample(VALUES, 2)),
            dna_rituals=rng.choice(RITUALS),
            dna_language=rng.choice(
                ["סלנג פנימי ואימוג'י של הקהילה", "עברית פשוטה, בלי ז'רגון", ""]
            ),
            member_type=stem,
            common_denominator=shared,
            admission=rng.choices(["open", "by_request", "selective"], weights=[5, 4, 1])[0],
            topics=[topic, *(["local"] if region != "nationwide" and rng.random() < 0.3 else [])],
            tags=rng.sample(tags, 2),
            languages=["en"] if english_only else (["he", "en"] if rng.random() < 0.15 else ["he"]),
            region=region,
            city=city_he or "",
            audience_kind="b2b"
            if topic in ("tech", "marketing", "careers") and rng.random() < 0.6
            else "b2c",
            sensitive_flags=["health"] if topic == "health" else [],
            content_allowed="המלצות על מוצרים שמועילים לחברים, עם גילוי נאות.",
            content_forbidden=rng.choice(FORBIDDEN),
            disclosure_wording="שיתוף פעולה בתשלום",
            monetisation_experience=rng.choice(["none", "some", "experienced"]),
            contact_phone=f"05{rng.randint(0, 9)}-{rng.randint(1000000, 9999999)}",
            status=status,
            listed_at=utcnow() if status in (ListingStatus.LISTED, ListingStatus.PAUSED) else None,
        )
        # Its own random stream, so adding the rule left every other generated value as it was.
        community.regulated_allowed = regulated_allowed(
            topic, community.sensitive_flags, random.Random(f"{seed}-{n}-regulated")
        )
        chosen = rng.sample(platforms, k=min(len(platforms), rng.choice([1, 1, 2, 2, 3])))
        verified = rng.random() < 0.25
        for i, platform in enumerate(chosen):
            low, high = SIZE_RANGES.get(platform, (100, 10_000))
            size = int(min(high, max(low, rng.lognormvariate(0, 1) * (low + high) / 6)))
            mode = InteractionMode.ONE_TO_MANY if platform in (
                Platform.NEWSLETTER, Platform.PODCAST, Platform.TELEGRAM_CHANNEL,
                Platform.WHATSAPP_CHANNEL, Platform.YOUTUBE, Platform.INSTAGRAM, Platform.TIKTOK,
            ) else InteractionMode.MANY_TO_MANY  # fmt: skip
            asset = ChannelAsset(
                platform=platform,
                url=_url(platform, f"k{seed}x{n}x{i}"),
                handle=name_he or name_en or "",
                interaction_mode=mode,
                posts_per_week=round(rng.uniform(1, 40), 1),
                size=size,
            )
            asset.url_key = asset.url.split("://", 1)[1].removeprefix("www.").lower()
            draw = rng.uniform(0.8, 2.5)  # where the owner's price sits (demo_prices)
            grown = size
            for step in range(history):
                days_ago = 5 + (history - 1 - step) * 45
                value = (
                    grown if step == history - 1 else int(size * (1 - 0.04 * (history - 1 - step)))
                )
                asset.metrics.append(
                    MetricSnapshot(
                        kind=MetricKind.MEMBERS,
                        value=float(value),
                        observed_on=today - timedelta(days=days_ago),
                        source="דיווח המנהלת" if not verified else "אומת מול הפלטפורמה",
                        tier=int(
                            EvidenceTier.VERIFIED
                            if verified and step == history - 1
                            else EvidenceTier.SELF_REPORTED
                        ),
                    )  # fmt: skip
                )
            active = (
                rng.uniform(0.05, 0.6)
                if mode == InteractionMode.MANY_TO_MANY
                else rng.uniform(0.02, 0.2)
            )
            asset.metrics.append(
                MetricSnapshot(
                    kind=MetricKind.ACTIVE_MEMBERS,
                    value=float(int(size * active)),
                    observed_on=today - timedelta(days=5),
                    source="דיווח המנהלת",
                    tier=int(EvidenceTier.SELF_REPORTED),
                )  # fmt: skip
            )
            if platform == Platform.NEWSLETTER:
                asset.metrics.append(
                    MetricSnapshot(
                        kind=MetricKind.OPEN_RATE,
                        value=round(rng.uniform(0.25, 0.65), 3),
                        observed_on=today - timedelta(days=5),
                        source="Mailchimp",
                        tier=int(EvidenceTier.SELF_REPORTED),
                    )  # fmt: skip
                )
            opens = asset.metrics[-1].value if platform == Platform.NEWSLETTER else 0.0
            for placement, amount in rate_card(platform, size, draw, offered[platform], opens):
                asset.rates.append(
                    RateCard(placement=placement, amount_minor=amount, currency="ILS")
                )
            community.assets.append(asset)
        female = min(10_000, max(0, int(rng.gauss(women, 0.08) * 10_000)))
        audience = [
            AudienceShare(dimension="gender", bucket="female", share_bp=female),
            AudienceShare(dimension="gender", bucket="male", share_bp=10_000 - female),
        ]
        ages = ["18_24", "25_34", "35_44", "45_54"]
        cut = sorted(rng.sample(range(1, 100), 3))
        parts = [cut[0], cut[1] - cut[0], cut[2] - cut[1], 100 - cut[2]]
        audience += [
            AudienceShare(dimension="age", bucket=a, share_bp=p * 100)
            for a, p in zip(ages, parts, strict=True)
        ]
        for share in audience:
            community.audience.append(share)
        yield Spec(community, audience)


def seed_small(session: SessionLike, owners: list[User], count: int = 200) -> int:
    """Add the demo catalog through the ORM, skipping communities that already exist."""
    existing = set(
        session.scalars(
            select(Community.external_key).where(Community.external_key.like("demo-7-%"))
        )
    )
    added: list[Community] = []
    for n, spec in enumerate(generate(count)):
        community = spec.community
        if community.external_key in existing:
            continue
        community.owner = owners[n % len(owners)]
        session.add(community)
        session.flush()
        services.refresh_derived(session, community, estimate=False)
        added.append(community)
    # One engine call for the whole demo catalog, then the value facets it fills.
    valuation.estimate_communities(session, added)
    services.refresh_facets(session, added)
    return len(added)


def seed_bulk(session: SessionLike, owners: list[User], count: int, *, seed: int = 11) -> int:
    """Insert a large catalog quickly (for benchmarks): COPY / executemany, ids numbered here.

    The rows are those that :func:`bulk.insert_communities` writes for the same generator (a
    test compares them); only the way they reach the database differs. The catalog version
    moves once for the whole load instead of once per row.
    """
    community_id = bulk.next_ids(session, Community)
    asset_id = bulk.next_ids(session, ChannelAsset)
    if session.get_bind().dialect.name == "postgresql":
        # Ids are numbered here, so nobody else may insert meanwhile.
        session.execute(text("LOCK TABLE communities, channel_assets IN EXCLUSIVE MODE"))
    rows: dict[Any, list[dict[str, Any]]] = {
        model: [] for model in (Community, ChannelAsset, RateCard, MetricSnapshot, AudienceShare)
    }
    facets: list[dict[str, Any]] = []

    def flush() -> None:
        for model, pending in rows.items():
            bulk.load(session, model, pending)
            pending.clear()
        bulk.load(session, CommunityFacet, facets)
        facets.clear()

    with (
        bulk.collector_paused(),
        bulk.sqlite_bulk_settings(session),
        bulk.version_triggers_paused(session),
        bulk.indexes_deferred(session, bulk.VERSIONED, first_id=community_id),
    ):
        for n, spec in enumerate(generate(count, seed=seed, history=2, plain=True), start=1):
            community = spec.community
            pairs = services.compute_derived(community)
            values = vars(community)
            rows[Community].append(
                {**values, "id": community_id, "owner_id": owners[n % len(owners)].id}
            )
            for asset in community.assets:
                rows[ChannelAsset].append(
                    {**vars(asset), "id": asset_id, "community_id": community_id}
                )
                rows[RateCard].extend({**vars(r), "asset_id": asset_id} for r in asset.rates)
                rows[MetricSnapshot].extend(
                    {**vars(m), "asset_id": asset_id} for m in asset.metrics
                )
                asset_id += 1
            rows[AudienceShare].extend(
                {**vars(a), "community_id": community_id} for a in community.audience
            )
            facets.extend(
                {"community_id": community_id, "facet": facet, "value": value}
                for facet, value in sorted(pairs)
            )
            community_id += 1
            if n % 5_000 == 0:
                flush()
        flush()
    bulk.reset_sequences(
        session, (Community, ChannelAsset, RateCard, MetricSnapshot, AudienceShare)
    )
    return count
