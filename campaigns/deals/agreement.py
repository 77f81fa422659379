"""The agreement's canonical content, its SHA-256 hash, and its text in Hebrew or English.

An agreement is between the agency and the community owner, so its content is the owner's view
of the accepted terms (:func:`campaigns.deals.terms.terms_for` with ``Party.OWNER``): the payout,
never the brand price or the margin. The hash is over a canonical JSON encoding (sorted keys,
no insignificant whitespace, UTF-8), so the same terms give the same hash on any machine, in any
language the text is read in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from campaigns.deals.common import Party
from campaigns.deals.terms import OfferTerms, ProofKind, UsageRights, terms_for
from pricing.money import Money
from pricing.taxonomy import PlacementType

#: Bumped when the document's shape changes, so old hashes stay explainable.
DOCUMENT_VERSION = 1


def agreement_document(
    terms: OfferTerms, *, brief_id: int, community_id: int, number: int
) -> dict[str, Any]:
    """The agreement as data: who, which amendment, and the owner's view of the terms."""
    view = terms_for(terms, Party.OWNER)
    view.pop("expires_at")  # the offer's deadline is not a term of the agreement
    return {
        "document_version": DOCUMENT_VERSION,
        "brief_id": brief_id,
        "community_id": community_id,
        "number": number,
        "terms": view,
    }


def canonical_json(document: dict[str, Any]) -> bytes:
    """The one byte encoding a document hashes to: sorted keys, compact, UTF-8."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(document: dict[str, Any]) -> str:
    """The SHA-256 hex digest of the document's canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


_LABELS: dict[str, dict[str, str]] = {
    "title": {"he": "סיכום הסכם", "en": "Agreement summary"},
    "amendment": {"he": "תיקון מס׳", "en": "Amendment no."},
    "brief": {"he": "בריף", "en": "Brief"},
    "community": {"he": "קהילה", "en": "Community"},
    "placements": {"he": "מיקומים", "en": "Placements"},
    "asset": {"he": "ערוץ", "en": "Channel"},
    "dates": {"he": "תאריכים", "en": "Dates"},
    "payout": {"he": "תשלום לבעלי הקהילה", "en": "Payout to the community"},
    "total": {"he": "סה״כ תשלום", "en": "Total payout"},
    "payment_terms": {"he": "תנאי תשלום (ימים)", "en": "Payment terms (days)"},
    "deliverables": {"he": "תוצרים", "en": "Deliverables"},
    "proof": {"he": "הוכחת ביצוע", "en": "Required proof"},
    "disclosure": {"he": "נוסח גילוי נדרש", "en": "Required disclosure"},
    "exclusivity": {"he": "בלעדיות", "en": "Exclusivity"},
    "days": {"he": "ימים", "en": "days"},
    "usage": {"he": "זכויות שימוש", "en": "Usage rights"},
    "none": {"he": "ללא", "en": "none"},
    "hash": {"he": "טביעת תוכן (SHA-256)", "en": "Content hash (SHA-256)"},
}


#: The words for coded values, (English, Hebrew); the catalog's wording for placement types.
_VALUES: dict[str, tuple[str, str]] = {
    PlacementType.POST: ("Post", "פוסט"),
    PlacementType.PINNED_POST: ("Pinned post", "פוסט נעוץ"),
    PlacementType.STORY: ("Story", "סטורי"),
    PlacementType.NEWSLETTER_SPONSORSHIP: ("Newsletter sponsorship", "חסות בניוזלטר"),
    PlacementType.DEDICATED_SEND: ("Dedicated send", "דיוור ייעודי"),
    PlacementType.PODCAST_READ: ("Podcast read", "הקראה בפודקאסט"),
    PlacementType.EXPERT_SESSION: ("Expert session / AMA", "מפגש מומחה / AMA"),
    PlacementType.MEETUP: ("Meetup at the brand", "מפגש אצל המותג"),
    PlacementType.SURVEY: ("Survey", "סקר"),
    PlacementType.ROUND_TABLE: ("Round table", "שולחן עגול"),
    PlacementType.PRODUCT_PILOT: ("Product pilot", "פיילוט מוצר"),
    ProofKind.SCREENSHOT: ("screenshot", "צילום מסך"),
    ProofKind.POST_LINK: ("link to the post", "קישור לפוסט"),
    ProofKind.PLATFORM_EXPORT: ("platform export", "ייצוא מהפלטפורמה"),
    ProofKind.VIEW_COUNT: ("view count", "מספר צפיות"),
    ProofKind.ATTENDANCE_LIST: ("attendance list", "רשימת משתתפים"),
    UsageRights.BRAND_CHANNELS: ("on the brand's own channels", "בערוצי המותג"),
    UsageRights.BRAND_CHANNELS_AND_ADS: (
        "on the brand's channels and in paid ads",
        "בערוצי המותג ובפרסום ממומן",
    ),
}


def _word(value: str, language: str) -> str:
    en, he = _VALUES.get(value, (value, value))
    return he if language == "he" else en


def _money(amount_minor: int, currency: str) -> str:
    return f"{Money(amount_minor, currency).as_decimal():,} {currency}"


@dataclass(frozen=True)
class Names:
    """What the reader calls the document's ids, and how their language writes money and days.

    The document (and so its hash) holds ids and ISO text; without names the text shows those.
    """

    brief: str | None = None
    community: str | None = None
    assets: Mapping[int, str] = field(default_factory=dict)
    money: Callable[[int, str], str] | None = None
    day: Callable[[str], str] | None = None


def agreement_text(document: dict[str, Any], language: str, names: Names | None = None) -> str:
    """The agreement as plain text lines in ``language`` ("he" or "en"), ending in its hash."""
    if language not in ("he", "en"):
        raise ValueError(f"no agreement text in {language!r}")
    names = names or Names()

    def t(key: str) -> str:
        return _LABELS[key][language]

    terms = document["terms"]
    cur = terms["currency"]
    money = names.money or _money
    day = names.day or str
    lines = [
        t("title")
        + (f" — {t('amendment')} {document['number'] - 1}" if document["number"] > 1 else "")
    ]
    brief = names.brief or document["brief_id"]
    community = names.community or document["community_id"]
    lines.append(f"{t('brief')}: {brief} · {t('community')}: {community}")
    lines.append(f"{t('placements')}:")
    for p in terms["placements"]:
        window = (
            day(p["starts_on"])
            if p["starts_on"] == p["ends_on"]
            else f"{day(p['starts_on'])} – {day(p['ends_on'])}"
        )
        asset = names.assets.get(p["asset_id"])
        lines.append(
            f"- {p['count']} × {_word(p['placement_type'], language)} · "
            + (f"{t('asset')}: {asset}" if asset else f"{t('asset')} {p['asset_id']}")
            + f" · {t('dates')}: {window} · "
            f"{t('payout')}: {money(p['owner_payout_minor'], cur)}"
        )
    lines.append(f"{t('total')}: {money(terms['owner_payout_minor'], cur)}")
    lines.append(f"{t('payment_terms')}: {terms['payment_terms_days']}")
    lines.append(f"{t('deliverables')}: {', '.join(terms['deliverables']) or t('none')}")
    proof = ", ".join(_word(k, language) for k in terms["required_proof"])
    lines.append(f"{t('proof')}: {proof or t('none')}")
    lines.append(f"{t('disclosure')}: {terms['disclosure']}")
    if terms["exclusivity_days"]:
        cats = ", ".join(terms["exclusivity_categories"])
        lines.append(f"{t('exclusivity')}: {cats} · {terms['exclusivity_days']} {t('days')}")
    else:
        lines.append(f"{t('exclusivity')}: {t('none')}")
    usage = terms["usage_rights"]
    if usage == "none":
        usage = t("none")
    else:
        usage = f"{_word(usage, language)} · {terms['usage_days']} {t('days')}"
    lines.append(f"{t('usage')}: {usage}")
    lines.append(f"{t('hash')}: {content_hash(document)}")
    return "\n".join(lines)
