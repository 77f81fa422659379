"""Hebrew and English words for "why this number": factor keys, reasons, statuses, verdicts."""

from __future__ import annotations

import math

from pricing.valuation.priors import Priors, default_priors
from pricing.valuation.schema import Estimate

Labels = dict[str, dict[str, str]]

#: One label per factor key, in both languages.
FACTOR_LABELS: Labels = {
    "members": {"en": "Members", "he": "חברים"},
    "views_per_post": {"en": "Views per post", "he": "צפיות לפוסט"},
    "open_rate": {"en": "Open / read rate", "he": "שיעור פתיחה / קריאה"},
    "open_rate_correction": {
        "en": "Correction for inflated opens (Apple Mail privacy)",
        "he": "תיקון לפתיחות מנופחות (הגנת הפרטיות של Apple Mail)",
    },
    # A measured share of members who post or react is shown as the share who read (x4.7).
    "active_share": {
        "en": "Share of members active (who read)",
        "he": "שיעור החברים הפעילים (שקוראים)",
    },
    "view_rate": {
        "en": "Share of active members who see an ordinary post",
        "he": "שיעור הפעילים שרואים פוסט רגיל",
    },
    "health": {"en": "Community health", "he": "בריאות הקהילה"},
    "placement": {"en": "Placement type", "he": "סוג המיקום"},
    "calibration_asset": {
        "en": "Learned from this asset's delivered placements",
        "he": "נלמד מפרסומים קודמים בנכס הזה",
    },
    "calibration_channel": {
        "en": "Learned from delivered placements on this channel and vertical",
        "he": "נלמד מפרסומים בערוץ ובתחום הזה",
    },
    "delivery_noise": {
        "en": "Variation from one placement to the next",
        "he": "שונות בין פרסום לפרסום",
    },
    "cpm": {
        "en": "Market price per 1,000 people reached",
        "he": "מחיר שוק ל-1,000 אנשים שנחשפו",
    },
    "vertical": {"en": "Vertical", "he": "תחום"},
    "region": {"en": "Region", "he": "אזור"},
    "interaction_mode": {
        "en": "Community (many-to-many) premium or audience (one-to-many) discount",
        "he": "פרמיית קהילה (רבים-לרבים) או הנחת קהל (אחד-לרבים)",
    },
    "engagement": {"en": "Engagement value", "he": "ערך המעורבות"},
    "whatsapp_floor": {
        "en": "Floor: reaching the same people one by one with paid WhatsApp business messages",
        "he": "רצפה: עלות הגעה לאותם אנשים אחד-אחד בהודעות וואטסאפ עסקיות בתשלום",
    },
}

#: One label per reason code.
REASON_LABELS: Labels = {
    "platform_unknown": {"en": "Unknown channel type", "he": "סוג ערוץ לא מוכר"},
    "placement_unknown": {"en": "Unknown placement type", "he": "סוג מיקום לא מוכר"},
    "placement_not_offered": {
        "en": "This placement does not exist on this channel",
        "he": "סוג המיקום הזה לא קיים בערוץ הזה",
    },
    "currency_unknown": {"en": "Unknown currency", "he": "מטבע לא מוכר"},
    "members_missing": {
        "en": "Size is missing (members or views per post)",
        "he": "חסר גודל (חברים או צפיות לפוסט)",
    },
    "members_invalid": {"en": "Member count is not a number", "he": "מספר החברים אינו מספר"},
    "members_zero": {"en": "Zero members", "he": "אפס חברים"},
    "members_negative": {"en": "Negative member count", "he": "מספר חברים שלילי"},
    "members_absurd": {
        "en": "Member count is implausibly large",
        "he": "מספר חברים גדול באופן לא סביר",
    },
    "members_over_platform_cap": {
        "en": "More members than the platform allows; capped at the platform's limit",
        "he": "יותר חברים ממה שהפלטפורמה מאפשרת; הוגבל למקסימום",
    },
    "members_tier_missing": {
        "en": "Member count has no evidence level; treated as self-reported",
        "he": "למספר החברים אין רמת הוכחה; נחשב כדיווח עצמי",
    },
    "members_age_missing": {
        "en": "Member count has no date; treated as a year old",
        "he": "למספר החברים אין תאריך; נחשב כבן שנה",
    },
    "members_stale": {"en": "Member count is over a year old", "he": "מספר החברים ישן מעל שנה"},
    "views_per_post_impossible": {
        "en": "Views per post is impossible; ignored",
        "he": "מספר הצפיות לפוסט אינו אפשרי; לא נלקח בחשבון",
    },
    "views_per_post_tier_missing": {
        "en": "Views per post has no evidence level; treated as self-reported",
        "he": "לצפיות לפוסט אין רמת הוכחה; נחשב כדיווח עצמי",
    },
    "views_per_post_age_missing": {
        "en": "Views per post has no date; treated as a year old",
        "he": "לצפיות לפוסט אין תאריך; נחשב כבן שנה",
    },
    "views_per_post_stale": {
        "en": "Views per post is over a year old",
        "he": "נתון הצפיות לפוסט ישן מעל שנה",
    },
    "open_rate_impossible": {
        "en": "Open rate is impossible (not between 0 and 100%); the channel benchmark is used",
        "he": "שיעור הפתיחה אינו אפשרי (לא בין 0 ל-100%); נעשה שימוש בנתון הייחוס של הערוץ",
    },
    "open_rate_tier_missing": {
        "en": "Open rate has no evidence level; treated as self-reported",
        "he": "לשיעור הפתיחה אין רמת הוכחה; נחשב כדיווח עצמי",
    },
    "open_rate_age_missing": {
        "en": "Open rate has no date; treated as a year old",
        "he": "לשיעור הפתיחה אין תאריך; נחשב כבן שנה",
    },
    "open_rate_stale": {"en": "Open rate is over a year old", "he": "שיעור הפתיחה ישן מעל שנה"},
    "active_share_impossible": {
        "en": "Share of active members is impossible; the channel benchmark is used",
        "he": "שיעור החברים הפעילים אינו אפשרי; נעשה שימוש בנתון הייחוס של הערוץ",
    },
    "active_share_tier_missing": {
        "en": "Share of active members has no evidence level; treated as self-reported",
        "he": "לשיעור הפעילים אין רמת הוכחה; נחשב כדיווח עצמי",
    },
    "active_share_age_missing": {
        "en": "Share of active members has no date; treated as a year old",
        "he": "לשיעור הפעילים אין תאריך; נחשב כבן שנה",
    },
    "active_share_stale": {
        "en": "Share of active members is over a year old",
        "he": "שיעור הפעילים ישן מעל שנה",
    },
    "engagement_rate_impossible": {
        "en": "Engagement rate is impossible; the channel benchmark is used",
        "he": "שיעור המעורבות אינו אפשרי; נעשה שימוש בנתון הייחוס של הערוץ",
    },
    "engagement_rate_tier_missing": {
        "en": "Engagement rate has no evidence level; treated as self-reported",
        "he": "לשיעור המעורבות אין רמת הוכחה; נחשב כדיווח עצמי",
    },
    "engagement_rate_age_missing": {
        "en": "Engagement rate has no date; treated as a year old",
        "he": "לשיעור המעורבות אין תאריך; נחשב כבן שנה",
    },
    "engagement_rate_stale": {
        "en": "Engagement rate is over a year old",
        "he": "שיעור המעורבות ישן מעל שנה",
    },
    "health_score_impossible": {
        "en": "Health score is not between 0 and 100; ignored",
        "he": "ציון הבריאות אינו בין 0 ל-100; לא נלקח בחשבון",
    },
    "interaction_mode_unknown": {
        "en": "Unknown interaction mode; the channel's usual mode is used",
        "he": "אופן אינטראקציה לא מוכר; נעשה שימוש באופן המקובל בערוץ",
    },
    "vertical_unknown": {
        "en": "Vertical missing or unknown; priced as general, with a wider range",
        "he": "התחום חסר או לא מוכר; תומחר ככללי, בטווח רחב יותר",
    },
    "region_unknown": {
        "en": "Region missing or unknown; a wider range",
        "he": "האזור חסר או לא מוכר; טווח רחב יותר",
    },
}

STATUS_LABELS: Labels = {
    "ok": {"en": "Estimate", "he": "אומדן"},
    "wide": {
        "en": "Wide estimate: some figures are missing or doubtful",
        "he": "אומדן רחב: חלק מהנתונים חסרים או מפוקפקים",
    },
    "refused": {"en": "No estimate", "he": "אין אומדן"},
}

VERDICT_LABELS: Labels = {
    "under_priced": {"en": "Under-priced", "he": "מתומחר בחסר"},
    "fair": {"en": "Fair price", "he": "מחיר הוגן"},
    "over_priced": {"en": "Over-priced", "he": "מתומחר ביתר"},
    "unknown": {"en": "Cannot judge", "he": "לא ניתן לקבוע"},
}

BASIS_LABELS: Labels = {
    "not_applied": {"en": "not used", "he": "לא בשימוש"},
    "self_reported": {"en": "self-reported", "he": "דיווח עצמי"},
    "screenshot": {"en": "screenshot", "he": "צילום מסך"},
    "export": {"en": "data export", "he": "ייצוא נתונים"},
    "verified": {"en": "verified by the agency", "he": "אומת על ידי הסוכנות"},
    "prior": {"en": "market benchmark", "he": "נתון ייחוס מהשוק"},
    "default": {"en": "unknown, neutral with a wide range", "he": "לא ידוע, ניטרלי בטווח רחב"},
    "missing": {"en": "missing", "he": "חסר"},
    "calibrated": {"en": "learned from results", "he": "נלמד מתוצאות"},
    "rule": {"en": "model rule", "he": "כלל של המודל"},
}

LABELS: dict[str, Labels] = {
    "factor": FACTOR_LABELS,
    "reason": REASON_LABELS,
    "status": STATUS_LABELS,
    "verdict": VERDICT_LABELS,
    "basis": BASIS_LABELS,
}


def label(kind: str, key: str, lang: str = "he") -> str:
    """The label of `key` in `lang` ("he" or "en"), falling back to English, then to the key."""
    entry = LABELS[kind].get(key, {})
    return entry.get(lang) or entry.get("en") or key


def explain(estimate: Estimate, lang: str = "he", priors: Priors | None = None) -> list[str]:
    """Render "why this number" as plain lines, one per factor, then the reasons.

    Each factor line reads: label, the figure, where it came from, how much it moved the median
    value (x multiplier) and its share of the uncertainty, then its sources. The web layer may
    render `estimate.factors` itself; this is the plain-text version.
    """
    priors = priors if priors is not None else default_priors()
    lines = [label("status", estimate.status.value, lang)]
    for factor in estimate.factors:
        if factor.key in ("members", "views_per_post"):
            figure = f"{factor.value:,.0f}"
        elif factor.key == "cpm":
            figure = f"{factor.value * 1000:,.2f} {estimate.currency}"
        elif factor.key == "whatsapp_floor":
            figure = f"{factor.value:,.4f} {estimate.currency}"
        else:
            figure = f"×{factor.value:.3g}"
        cited = ", ".join(source.url for source in priors.cite(factor.source) if source.url)
        base = factor.key in ("members", "views_per_post")
        moved = "" if base else f"; ×{math.exp(factor.effect):.3g}"
        lines.append(
            f"{label('factor', factor.key, lang)}: {figure}"
            f" ({label('basis', factor.basis.slug, lang)}{moved};"
            f" {factor.variance_share:.0%})" + (f" [{cited}]" if cited else "")
        )
    lines.extend(label("reason", reason.value, lang) for reason in estimate.reasons)
    return lines


#: Human names of the sources cited in "why this number", in both languages. Every key of
#: ``sources.csv`` has one (a test checks), so a reader never sees a raw id.
SOURCE_LABELS: Labels = {
    "stellario-reach": {"en": "Stellario: estimated reach", "he": "Stellario: חשיפה משוערת"},
    "sponsorrate": {"en": "SponsorRate methodology", "he": "שיטת התמחור של SponsorRate"},
    "untapper": {"en": "Untapper influencer benchmarks", "he": "מדדי ייחוס של Untapper"},
    "sponsorpriceiq": {
        "en": "SponsorPriceIQ: newsletter ad prices",
        "he": "SponsorPriceIQ: מחירי פרסום בניוזלטר",
    },
    "ventritools": {
        "en": "Ventri newsletter sponsorship calculator",
        "he": "מחשבון חסויות ניוזלטר של Ventri",
    },
    "paved-cpm": {"en": "Paved: pricing e-mail ads", "he": "Paved: תמחור פרסום בדוא״ל"},
    "signl-mpp": {
        "en": "Signl: Apple Mail privacy and open rates",
        "he": "Signl: הגנת הפרטיות של Apple Mail ושיעורי פתיחה",
    },
    "digitalelite-open-rates": {
        "en": "Digital Elite: newsletter open rates",
        "he": "Digital Elite: שיעורי פתיחה של ניוזלטרים",
    },
    "telagon-avg-views": {
        "en": "Telagon: average views on Telegram",
        "he": "Telagon: צפיות ממוצעות בטלגרם",
    },
    "telagon-er": {"en": "Telagon: Telegram engagement", "he": "Telagon: מעורבות בטלגרם"},
    "richautomate-wa": {
        "en": "RichAutomate: WhatsApp marketing benchmarks",
        "he": "RichAutomate: מדדי ייחוס לשיווק בוואטסאפ",
    },
    "mobiletime-wa-channels": {
        "en": "Mobile Time: WhatsApp channels",
        "he": "Mobile Time: ערוצי וואטסאפ",
    },
    "convosight": {
        "en": "Convosight: Facebook group metrics",
        "he": "Convosight: מדדי קבוצות פייסבוק",
    },
    "studio93-fb": {
        "en": "Studio93: Facebook organic reach",
        "he": "Studio93: חשיפה אורגנית בפייסבוק",
    },
    "mackman-ogilvy": {
        "en": "Mackman (citing Ogilvy): Facebook reach",
        "he": "Mackman (לפי Ogilvy): חשיפה בפייסבוק",
    },
    "castlytics-podcast": {
        "en": "Castlytics: podcast ad rates",
        "he": "Castlytics: מחירי פרסום בפודקאסט",
    },
    "adresults-podcast": {
        "en": "AdResults: podcast ad costs",
        "he": "AdResults: עלות פרסום בפודקאסט",
    },
    "dispatch-podcast": {
        "en": "Dispatch: podcast ad prices",
        "he": "Dispatch: מחירי פרסום בפודקאסט",
    },
    "inzpire-cpm": {"en": "inzpire.me: influencer prices", "he": "inzpire.me: מחירי משפיענים"},
    "influencer-hero-cpm": {
        "en": "Influencer Hero: influencer prices",
        "he": "Influencer Hero: מחירי משפיענים",
    },
    "influencerradar-cpm": {
        "en": "InfluencerRadar: price benchmarks",
        "he": "InfluencerRadar: מדדי ייחוס למחירים",
    },
    "telegram-cpm-2021": {
        "en": "Telegram's own ads (2021 launch)",
        "he": "מודעות טלגרם (השקה ב-2021)",
    },
    "forklog-telegram": {"en": "ForkLog: Telegram channels", "he": "ForkLog: ערוצי טלגרם"},
    "chamelio-wa-pricing": {
        "en": "Chamelio: WhatsApp business message prices",
        "he": "Chamelio: מחירי הודעות וואטסאפ עסקיות",
    },
    "formbeep-wa-pricing": {
        "en": "FormBeep: WhatsApp API prices",
        "he": "FormBeep: מחירי ה-API של וואטסאפ",
    },
    "sentdm-wa-pricing": {
        "en": "Sent: WhatsApp message prices",
        "he": "Sent: מחירי הודעות וואטסאפ",
    },
    "dailyscout-wa": {"en": "The Daily Scout: WhatsApp", "he": "The Daily Scout: וואטסאפ"},
    "ayzenberg-skeepers": {
        "en": "Ayzenberg earned-media values (via Skeepers)",
        "he": "ערכי מדיה של Ayzenberg (דרך Skeepers)",
    },
    "later-emv": {"en": "Later: earned media value", "he": "Later: ערך מדיה"},
    "ignyteiq-emv": {"en": "IgnyteIQ: earned media value", "he": "IgnyteIQ: ערך מדיה"},
    "modash-credibility": {"en": "Modash: audience credibility", "he": "Modash: אמינות הקהל"},
    "seed-community": {"en": "Kesher's research on communities", "he": "המחקר של קשר על קהילות"},
    "kesher-assumption": {
        "en": "Kesher's working assumption (to be replaced by results)",
        "he": "הנחת עבודה של קשר (תוחלף בתוצאות בפועל)",
    },
    "fx-rounded": {"en": "Exchange rates, rounded", "he": "שערי מטבע, מעוגלים"},
    "superads-meta-cpm": {
        "en": "Superads: Meta ads prices per 1,000 impressions",
        "he": "Superads: מחירי פרסום במטא ל-1,000 חשיפות",
    },
    "market-israel-addendum": {
        "en": "Kesher's research on Israeli prices",
        "he": "המחקר של קשר על מחירים בישראל",
    },
    "nielsen-trust-2013": {
        "en": "Nielsen: trust in advertising (2013)",
        "he": "נילסן: אמון בפרסום (2013)",
    },
    "mckinsey-wom-2010": {
        "en": "McKinsey: measuring word of mouth (2010)",
        "he": "מקינזי: מדידת המלצות מפה לאוזן (2010)",
    },
    "nielsen-social-layer-2012": {
        "en": "Nielsen: ads with a social layer (2012)",
        "he": "נילסן: מודעות עם שכבה חברתית (2012)",
    },
    "smlessons-wa-ctr": {
        "en": "SM Lessons: WhatsApp click-through rates",
        "he": "SM Lessons: שיעורי הקלקה בוואטסאפ",
    },
    "bird-wa-benchmarks": {
        "en": "Bird: WhatsApp marketing benchmarks",
        "he": "Bird: מדדי ייחוס לשיווק בוואטסאפ",
    },
    "wordstream-fb-benchmarks": {
        "en": "WordStream: Facebook ads benchmarks",
        "he": "WordStream: מדדי ייחוס לפרסום בפייסבוק",
    },
    "nngroup-participation-inequality": {
        "en": "Nielsen Norman Group: the 90-9-1 rule of participation",
        "he": "Nielsen Norman Group: כלל ההשתתפות 90-9-1",
    },
    "higherlogic-engagement-2020": {
        "en": "Higher Logic: community engagement trends 2020",
        "he": "Higher Logic: מגמות מעורבות בקהילות 2020",
    },
    "wellput-sponsorship-ctr": {
        "en": "Wellput: how many subscribers click a newsletter sponsorship",
        "he": "Wellput: כמה מנויים מקליקים על חסות בניוזלטר",
    },
    "picklerooms-ad-ctr": {
        "en": "Pickle Rooms: click-through rates of newsletter sponsored ads",
        "he": "Pickle Rooms: שיעורי הקלקה על מודעות חסות בניוזלטר",
    },
    "appeared-sponsor-ctr": {
        "en": "appeared.in: measuring a sponsorship's success",
        "he": "appeared.in: מדידת הצלחה של חסות",
    },
}
LABELS["source"] = SOURCE_LABELS

#: The step a suggested price is rounded to, in minor units (₪10).
SUGGESTION_STEP_MINOR = 1_000


def suggested_price_range(value_p10_minor: int, value_p90_minor: int) -> tuple[int, int] | None:
    """The price range to suggest to an owner: the estimate's fair band, in round figures.

    A rate inside [P10, P90] of the estimated value reads as fair, so that band is the
    suggestion, rounded inwards to whole ₪10 (so a suggested price is always judged fair);
    a band too narrow to round is returned as it is. None when even P90 is under ₪10: nobody
    sells a placement for pennies, so the owner is told it is worth too little to sell yet.
    """
    step = SUGGESTION_STEP_MINOR
    if value_p90_minor < step:
        return None
    low = -(-value_p10_minor // step) * step
    high = value_p90_minor // step * step
    if low > high or low <= 0:
        return value_p10_minor, value_p90_minor
    return low, high
