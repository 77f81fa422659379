"""Controlled vocabularies of the catalog, with Hebrew and English labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaigns.brief import RegulatedCategory
from pricing.taxonomy import EvidenceTier, InteractionMode, MetricKind, PlacementType, Platform

#: Topics and verticals (controlled); communities may add free tags besides.
TOPICS = {
    "parenting": _l("Parenting and family"),
    "women": _l("Women"),
    "health": _l("Health and wellbeing"),
    "patients": _l("Patients and caregivers"),
    "fitness": _l("Sport and fitness"),
    "food": _l("Food and cooking"),
    "tech": _l("Technology and startups"),
    "marketing": _l("Marketing and advertising"),
    "finance": _l("Money and personal finance"),
    "real_estate": _l("Real estate and construction"),
    "education": _l("Education and learning"),
    "careers": _l("Careers and employment"),
    "alumni": _l("Alumni"),
    "local": _l("Local and neighbourhood"),
    "culture": _l("Art and culture"),
    "travel": _l("Travel"),
    "fashion": _l("Fashion and beauty"),
    "gaming": _l("Gaming"),
    "pets": _l("Pets"),
    "sustainability": _l("Sustainability and environment"),
    "consumer_deals": _l("Deals and consumer tips"),
    "dating": _l("Dating and relationships"),
    "lgbtq": _l("LGBTQ+"),
    "religion": _l("Religion and tradition"),
    "defence": _l("Defence and security"),
    "b2b_professionals": _l("Professionals (B2B)"),
    "seniors": _l("Seniors and retirees"),
    "olim": _l("New immigrants (olim)"),
    "students": _l("Students"),
    "reservists": _l("Reservists and their families"),
    "religious": _l("Religious (dati) community"),
    "haredi": _l("Haredi (ultra-Orthodox) community"),
    "design": _l("Design"),
    "volunteering": _l("Volunteering and non-profits"),
    "arab_society": _l("Arab society"),
    "disability": _l("Disability and accessibility"),
    "small_business": _l("Small business and freelancers"),
    "home_garden": _l("Home and garden"),
    "cars": _l("Cars and mobility"),
    "youth": _l("Youth and teenagers"),
    "weddings": _l("Weddings and events"),
}

LANGUAGES = {
    "he": _l("Hebrew"),
    "en": _l("English"),
    "ar": _l("Arabic"),
    "ru": _l("Russian"),
    "am": _l("Amharic"),
    "fr": _l("French"),
    "es": _l("Spanish"),
}

#: Regions of Israel (the Central Bureau of Statistics districts), plus abroad.
REGIONS = {
    "north": _l("North"),
    "haifa": _l("Haifa"),
    "center": _l("Center"),
    "tel_aviv": _l("Tel Aviv"),
    "jerusalem": _l("Jerusalem"),
    "south": _l("South"),
    "judea_samaria": _l("Judea and Samaria"),
    "nationwide": _l("All of Israel"),
    "abroad": _l("Abroad"),
}

#: Audiences a brand must treat with care; "minors" and "bereavement" exclude most campaigns.
#: Members vs subject: "minors" = its members are under 18; "about_children" = adults (parents,
#: educators) talking about children. "health" = members live with a condition; "health_interest"
#: = people interested in a health topic. Rules: campaigns/matching/components.py.
SENSITIVE_FLAGS = {
    "health": _l("Health conditions (members are patients or caregivers)"),
    "health_interest": _l("Interest in health (members are not patients)"),
    "minors": _l("Minors (members are under 18)"),
    "about_children": _l("About children (members are adults: parents, educators)"),
    "bereavement": _l("Bereavement"),
    "recovery": _l("Recovery and addiction"),
    "religious": _l("Religious audience"),
    "political": _l("Political"),
}

#: Categories whose advertising is restricted (law or platform rules); a brand in one needs a
#: compliance approval and may appear only where a community's rules allow its category.
REGULATED_CATEGORIES: dict[str, object] = {
    RegulatedCategory.PHARMA: _l("Pharma (medicines)"),
    RegulatedCategory.HEALTH: _l("Health and medical services"),
    RegulatedCategory.FINANCE: _l("Finance, credit and insurance"),
    RegulatedCategory.ALCOHOL: _l("Alcohol"),
    RegulatedCategory.GAMBLING: _l("Gambling and betting"),
    RegulatedCategory.TOBACCO: _l("Tobacco and vaping"),
    RegulatedCategory.POLITICS: _l("Politics and elections"),
}

AUDIENCE_KINDS = {"b2c": _l("Consumers (B2C)"), "b2b": _l("Businesses (B2B)"), "both": _l("Both")}

ADMISSION = {
    "open": _l("Open to all"),
    "by_request": _l("By request"),
    "selective": _l("Selective"),
}

MONETISATION = {
    "none": _l("Never worked with brands"),
    "some": _l("A few collaborations"),
    "experienced": _l("Experienced with brands"),
}

PLATFORMS = {
    Platform.FACEBOOK_GROUP: _l("Facebook group"),
    Platform.FACEBOOK_PAGE: _l("Facebook page"),
    Platform.WHATSAPP_GROUP: _l("WhatsApp group"),
    Platform.WHATSAPP_COMMUNITY: _l("WhatsApp community"),
    Platform.WHATSAPP_CHANNEL: _l("WhatsApp channel"),
    Platform.TELEGRAM_CHANNEL: _l("Telegram channel"),
    Platform.TELEGRAM_GROUP: _l("Telegram group"),
    Platform.INSTAGRAM: _l("Instagram"),
    Platform.TIKTOK: _l("TikTok"),
    Platform.LINKEDIN_GROUP: _l("LinkedIn group"),
    Platform.LINKEDIN_PAGE: _l("LinkedIn page"),
    Platform.X: _l("X (Twitter)"),
    Platform.YOUTUBE: _l("YouTube"),
    Platform.NEWSLETTER: _l("Newsletter"),
    Platform.PODCAST: _l("Podcast"),
    Platform.DISCORD: _l("Discord"),
    Platform.SLACK: _l("Slack"),
    Platform.WEBSITE: _l("Website"),
    Platform.APP: _l("App"),
    Platform.OFFLINE_EVENTS: _l("Offline events"),
}

PLACEMENTS = {
    PlacementType.POST: _l("Post"),
    PlacementType.PINNED_POST: _l("Pinned post"),
    PlacementType.STORY: _l("Story"),
    PlacementType.NEWSLETTER_SPONSORSHIP: _l("Newsletter sponsorship"),
    PlacementType.DEDICATED_SEND: _l("Dedicated send"),
    PlacementType.PODCAST_READ: _l("Podcast read"),
    PlacementType.EXPERT_SESSION: _l("Expert session / AMA"),
    PlacementType.MEETUP: _l("Meetup at the brand"),
    PlacementType.SURVEY: _l("Survey"),
    PlacementType.ROUND_TABLE: _l("Round table"),
    PlacementType.PRODUCT_PILOT: _l("Product pilot"),
}

INTERACTION_MODES = {
    InteractionMode.MANY_TO_MANY: _l("Members talk to each other"),
    InteractionMode.ONE_TO_MANY: _l("Broadcast from the manager"),
}

EVIDENCE_TIERS = {
    EvidenceTier.SELF_REPORTED: _l("Self-reported"),
    EvidenceTier.SCREENSHOT: _l("Screenshot of insights"),
    EvidenceTier.EXPORT: _l("Derived from an export"),
    EvidenceTier.VERIFIED: _l("Verified by Kesher"),
}

METRICS = {
    MetricKind.MEMBERS: _l("Members"),
    MetricKind.ACTIVE_MEMBERS: _l("Active members"),
    MetricKind.POSTS_PER_WEEK: _l("Posts per week"),
    MetricKind.COMMENTS_PER_WEEK: _l("Comments per week"),
    MetricKind.REACTIONS_PER_WEEK: _l("Reactions per week"),
    MetricKind.VIEWS_PER_POST: _l("Views per post"),
    MetricKind.OPEN_RATE: _l("Open rate"),
    MetricKind.CLICK_RATE: _l("Click rate"),
    MetricKind.EVENT_ATTENDANCE: _l("Event attendance"),
    MetricKind.HEALTH_SCORE: _l("Health score"),
}

#: Audience dimensions: fixed buckets where the world has them, free labels where it does not.
AUDIENCE_DIMENSIONS: dict[str, dict[str, object] | None] = {
    "gender": {"female": _l("Women"), "male": _l("Men"), "other": _l("Other")},
    "age": {
        "under_18": _l("Under 18"),
        "18_24": "18–24",
        "25_34": "25–34",
        "35_44": "35–44",
        "45_54": "45–54",
        "55_64": "55–64",
        "65_plus": "65+",
    },
    "region": dict(REGIONS),
    "language": dict(LANGUAGES),
    "occupation": None,
    "household": None,
}

AUDIENCE_DIMENSION_LABELS = {
    "gender": _l("Gender"),
    "age": _l("Age"),
    "region": _l("Region"),
    "language": _l("Language"),
    "occupation": _l("Occupation"),
    "household": _l("Household"),
}

#: Size bands for browsing: (slug, lowest size, highest size or None).
SIZE_BANDS = [
    ("xs", 0, 500),
    ("s", 500, 2_000),
    ("m", 2_000, 10_000),
    ("l", 10_000, 50_000),
    ("xl", 50_000, None),
]

#: Price bands (lowest rate in ILS, minor units).
PRICE_BANDS = [
    ("p1", 0, 50_000),
    ("p2", 50_000, 200_000),
    ("p3", 200_000, 1_000_000),
    ("p4", 1_000_000, None),
]

#: Estimated value bands (the best placement's P50 value in ILS, minor units).
VALUE_BANDS = [
    ("v1", 0, 20_000),
    ("v2", 20_000, 100_000),
    ("v3", 100_000, 500_000),
    ("v4", 500_000, None),
]

#: Health-score bands for browsing (the latest score from an export, 0–100).
HEALTH_BANDS = [
    ("h_low", 0, 40),
    ("h_mid", 40, 70),
    ("h_high", 70, None),
]

DEFAULT_DISCLOSURE = "שיתוף פעולה בתשלום"
