"""The catalog file format: its columns (English and Hebrew headers) and its name.

Shared by the import (`marketplace.catalog.imports`) and the export
(`marketplace.catalog.exports`); documented in docs/catalog-import.md and
docs/catalog-import.schema.json.
"""

from __future__ import annotations

from marketplace.catalog import vocab
from marketplace.catalog.models import ListingStatus
from pricing.taxonomy import EvidenceTier, MetricKind

FORMAT_NAME = "kesher-catalog"
FORMAT_VERSION = 1

# --- the columns ---------------------------------------------------------------------------

#: canonical column → (English header, Hebrew header)
COLUMNS: dict[str, tuple[str, str]] = {
    "community_key": ("community_key", "מפתח קהילה"),
    "owner_email": ("owner_email", "מייל בעלים"),
    "status": ("status", "סטטוס"),
    "name_he": ("name_he", "שם בעברית"),
    "name_en": ("name_en", "שם באנגלית"),
    "description": ("description", "תיאור"),
    "founding_story": ("founding_story", "סיפור הקמה"),
    "need_answered": ("need_answered", "הצורך"),
    "dna_tone": ("tone", "טון"),
    "dna_values": ("values", "ערכים"),
    "dna_rituals": ("rituals", "טקסים"),
    "dna_language": ("shared_language", "שפה משותפת"),
    "member_type": ("member_type", "סוג חברים"),
    "common_denominator": ("common_denominator", "מכנה משותף"),
    "topics": ("topics", "נושאים"),
    "tags": ("tags", "תגיות"),
    "languages": ("languages", "שפות"),
    "region": ("region", "אזור"),
    "city": ("city", "עיר"),
    "audience_kind": ("audience_kind", "סוג קהל"),
    "admission": ("admission", "קבלה"),
    "sensitive_flags": ("sensitive", "רגישות"),
    "content_allowed": ("content_allowed", "תוכן מותר"),
    "content_forbidden": ("content_forbidden", "תוכן אסור"),
    "disclosure_wording": ("disclosure", "נוסח גילוי"),
    "monetisation_experience": ("brand_experience", "ניסיון עם מותגים"),
    "platform": ("platform", "פלטפורמה"),
    "url": ("url", "קישור"),
    "handle": ("handle", "שם בפלטפורמה"),
    "size": ("size", "גודל"),
    "interaction_mode": ("interaction_mode", "אופי אינטראקציה"),
    "posts_per_week": ("posts_per_week", "פוסטים בשבוע"),
    "currency": ("currency", "מטבע"),
    **{
        f"rate_{p.value}": (f"rate_{p.value}", f"מחיר {label_he}")
        for p, label_he in {
            vocab.PlacementType.POST: "פוסט",
            vocab.PlacementType.PINNED_POST: "פוסט נעוץ",
            vocab.PlacementType.STORY: "סטורי",
            vocab.PlacementType.NEWSLETTER_SPONSORSHIP: "חסות בניוזלטר",
            vocab.PlacementType.DEDICATED_SEND: "דיוור ייעודי",
            vocab.PlacementType.PODCAST_READ: "הקראה בפודקאסט",
            vocab.PlacementType.EXPERT_SESSION: "מפגש מומחה",
            vocab.PlacementType.MEETUP: "מפגש אצל המותג",
            vocab.PlacementType.SURVEY: "סקר",
            vocab.PlacementType.ROUND_TABLE: "שולחן עגול",
            vocab.PlacementType.PRODUCT_PILOT: "פיילוט מוצר",
        }.items()
    },
    "as_of": ("as_of", "נכון לתאריך"),
    "evidence": ("evidence", "רמת הוכחה"),
    "source": ("source", "מקור"),
    "active_members": ("active_members", "חברים פעילים"),
    "comments_per_week": ("comments_per_week", "תגובות בשבוע"),
    "reactions_per_week": ("reactions_per_week", "תגובות רגשיות בשבוע"),
    "views_per_post": ("views_per_post", "צפיות לפוסט"),
    "open_rate": ("open_rate_percent", "שיעור פתיחה באחוזים"),
    "click_rate": ("click_rate_percent", "שיעור הקלקה באחוזים"),
    "event_attendance": ("event_attendance", "משתתפים באירוע"),
}
REQUIRED = ("community_key", "owner_email", "platform", "size")
COMMUNITY_COLUMNS = [
    c for c in list(COLUMNS)[: list(COLUMNS).index("platform")] if c != "community_key"
]
LIST_COLUMNS = ("topics", "tags", "languages", "sensitive_flags")
RATE_COLUMNS = [c for c in COLUMNS if c.startswith("rate_")]
METRIC_COLUMNS = {
    "active_members": MetricKind.ACTIVE_MEMBERS,
    "comments_per_week": MetricKind.COMMENTS_PER_WEEK,
    "reactions_per_week": MetricKind.REACTIONS_PER_WEEK,
    "views_per_post": MetricKind.VIEWS_PER_POST,
    "open_rate": MetricKind.OPEN_RATE,
    "click_rate": MetricKind.CLICK_RATE,
    "event_attendance": MetricKind.EVENT_ATTENDANCE,
}
EVIDENCE_NAMES = {tier.slug: tier for tier in EvidenceTier}
IMPORTABLE_STATUSES = (ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.LISTED,
                       ListingStatus.PAUSED)  # fmt: skip


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, (english, hebrew) in COLUMNS.items():
        for name in {canonical, english, hebrew}:
            index[fold(name)] = canonical
    return index


def fold(header: str) -> str:
    """A header as compared: no BOM, underscores as spaces, case and spacing folded."""
    return " ".join(header.replace("\ufeff", "").replace("_", " ").strip().lower().split())


HEADER_INDEX = _header_index()
