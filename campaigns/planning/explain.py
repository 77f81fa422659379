"""Hebrew and English sentences for why a plan is empty or infeasible, and for its notes.

Each sentence names the rule and what to relax, with the figures of the reason's params. The
web layer may render :class:`Reason` itself; these are the engine's own words, used by the CLI
and as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from campaigns.matching.explain import LABELS as MATCHING_LABELS
from campaigns.matching.places import CITIES
from campaigns.planning.constraints import FREE_WORD_DIMENSIONS, REGION_PREFIX, place_names
from campaigns.planning.types import BP, BriefConstraints, Reason, ReasonCode
from pricing.money import CURRENCY_EXPONENTS

SYMBOLS = {"ILS": "₪", "USD": "$", "EUR": "€"}

#: Writes an amount in minor units of a currency; the web passes the locale's own formatter so
#: a note's money reads like every other amount on the page.
MoneyFormat = Callable[[int, str], str]

#: Rule families named by RULES_CONFLICT.
FAMILY_LABELS: dict[str, dict[str, str]] = {
    "locks": {"en": "the locked rows", "he": "השורות הנעולות"},
    "must_have": {"en": "the must-have communities", "he": "קהילות החובה"},
    "platform_caps": {"en": "the per-channel spend caps", "he": "תקרות ההוצאה לערוץ"},
    "platform_max": {"en": "the per-channel placement caps", "he": "תקרות מספר הפרסומים לערוץ"},
    "community_max": {
        "en": "the most placements per community",
        "he": "מספר הפרסומים המרבי לקהילה",
    },
    "min_communities": {"en": "the minimum number of communities", "he": "מספר הקהילות המזערי"},
    "min_platforms": {"en": "the minimum number of channels", "he": "מספר הערוצים המזערי"},
    "budget": {"en": "the budget", "he": "התקציב"},
}

TEMPLATES: dict[ReasonCode, dict[str, str]] = {
    ReasonCode.NO_CANDIDATES: {
        "en": "No row of the shortlist is available ({total} rows, all excluded or none): "
        "add communities to the shortlist or un-exclude rows.",
        "he": "אין ברשימה הקצרה שורה זמינה ({total} שורות, כולן מוחרגות או שאין כלל): "
        "הוסיפו קהילות לרשימה או בטלו החרגות.",
    },
    ReasonCode.BUDGET_NOT_POSITIVE: {
        "en": "The budget is {budget}: set a budget above zero.",
        "he": "התקציב הוא {budget}: הגדירו תקציב גדול מאפס.",
    },
    ReasonCode.BUDGET_BELOW_CHEAPEST: {
        "en": "The budget ({budget}) is below the cheapest placement on the shortlist "
        "({cheapest}, {community}): raise the budget by at least {shortfall} or add cheaper "
        "communities.",
        "he": "התקציב ({budget}) נמוך מהפרסום הזול ביותר ברשימה ({cheapest}, {community}): "
        "הגדילו את התקציב ב-{shortfall} לפחות או הוסיפו קהילות זולות יותר.",
    },
    ReasonCode.LOCKED_AND_EXCLUDED: {
        "en": "These rows are both locked and excluded: {lines}. Unlock or un-exclude them.",
        "he": "השורות האלה גם נעולות וגם מוחרגות: {lines}. בטלו את הנעילה או את ההחרגה.",
    },
    ReasonCode.LOCKED_OVER_BUDGET: {
        "en": "The {count} locked rows cost {locked_cost}, more than the budget of {budget}: "
        "unlock rows or raise the budget by {shortfall}.",
        "he": "{count} השורות הנעולות עולות {locked_cost}, יותר מהתקציב ({budget}): "
        "בטלו נעילות או הגדילו את התקציב ב-{shortfall}.",
    },
    ReasonCode.LOCKED_OVER_COMMUNITY_MAX: {
        "en": "More rows are locked in {communities} than the {max} placements allowed per "
        "community: unlock rows or raise the per-community maximum.",
        "he": "ב{communities} נעולות יותר שורות מ-{max} הפרסומים המותרים לקהילה: "
        "בטלו נעילות או הגדילו את המרבי לקהילה.",
    },
    ReasonCode.LOCKED_OVER_PLATFORM_CAP: {
        "en": "Locked rows on {platform} cost {locked_cost}, above its cap of {cap} "
        "({cap_share} of the budget): unlock rows or raise the cap.",
        "he": "השורות הנעולות ב-{platform} עולות {locked_cost}, מעל התקרה של {cap} "
        "({cap_share} מהתקציב): בטלו נעילות או הגדילו את התקרה.",
    },
    ReasonCode.LOCKED_OVER_PLATFORM_MAX: {
        "en": "{count} rows are locked on {platform}, above its cap of {max} placements: "
        "unlock rows or raise the cap.",
        "he": "{count} שורות נעולות ב-{platform}, מעל התקרה של {max} פרסומים: "
        "בטלו נעילות או הגדילו את התקרה.",
    },
    ReasonCode.MUST_HAVE_UNAVAILABLE: {
        "en": "Must-have communities with no available row: {communities}. Un-exclude a row "
        "or drop the must-have.",
        "he": "לקהילות החובה האלה אין שורה זמינה: {communities}. בטלו החרגה או הסירו את "
        "דרישת החובה.",
    },
    ReasonCode.MUST_HAVE_OVER_BUDGET: {
        "en": "The locked rows plus the cheapest placement of each must-have community "
        "({communities}) cost at least {needed}, above the budget of {budget}: raise the "
        "budget by {shortfall}, unlock rows or drop a must-have.",
        "he": "השורות הנעולות ועוד הפרסום הזול ביותר בכל קהילת חובה ({communities}) עולים "
        "לפחות {needed}, מעל התקציב ({budget}): הגדילו את התקציב ב-{shortfall}, בטלו נעילות "
        "או הסירו קהילת חובה.",
    },
    ReasonCode.DIVERSITY_TOO_FEW_COMMUNITIES: {
        "en": "The plan must use at least {required} communities but the shortlist has "
        "{available}: add communities or lower the minimum.",
        "he": "התוכנית חייבת לכלול לפחות {required} קהילות אבל ברשימה יש {available}: "
        "הוסיפו קהילות או הורידו את המינימום.",
    },
    ReasonCode.DIVERSITY_TOO_FEW_PLATFORMS: {
        "en": "The plan must use at least {required} channels but the shortlist has "
        "{available}: add communities on other channels or lower the minimum.",
        "he": "התוכנית חייבת לכלול לפחות {required} ערוצים אבל ברשימה יש {available}: "
        "הוסיפו קהילות בערוצים אחרים או הורידו את המינימום.",
    },
    ReasonCode.DIVERSITY_OVER_BUDGET: {
        "en": "The cheapest {required} communities cost at least {needed}, above the budget "
        "of {budget}: raise the budget by {shortfall} or lower the minimum number of "
        "communities.",
        "he": "{required} הקהילות הזולות ביותר עולות לפחות {needed}, מעל התקציב ({budget}): "
        "הגדילו את התקציב ב-{shortfall} או הורידו את מספר הקהילות המזערי.",
    },
    ReasonCode.RULES_CONFLICT: {
        "en": "No plan meets all the rules together. Relaxing any one of these would allow "
        "a plan: {relax}.",
        "he": "אין תוכנית שעומדת בכל הכללים יחד. הקלה באחד מאלה תאפשר תוכנית: {relax}.",
    },
    ReasonCode.SOLVER_FAILED: {
        "en": "The optimiser found no plan within {seconds} s ({message}): shorten the "
        "shortlist or allow more time.",
        "he": "המייעל לא מצא תוכנית בתוך {seconds} שניות ({message}): קצרו את הרשימה או "
        "אפשרו יותר זמן.",
    },
    ReasonCode.NOTHING_OF_VALUE: {
        "en": "No affordable row adds value (every estimated value is zero): check the "
        "valuations of the shortlist.",
        "he": "אין שורה במסגרת התקציב שמוסיפה ערך (כל הערכים המוערכים הם אפס): בדקו את "
        "הערכות השווי ברשימה.",
    },
    ReasonCode.DIVERSITY_RELAXED: {
        "en": "The plan uses {communities} communities and {platforms} channels, fewer than "
        "the {required_communities} communities / {required_platforms} channels asked for: "
        "the budget or the shortlist does not allow more.",
        "he": "התוכנית כוללת {communities} קהילות ו-{platforms} ערוצים, פחות מ-"
        "{required_communities} הקהילות / {required_platforms} הערוצים שהתבקשו: התקציב או "
        "הרשימה אינם מאפשרים יותר.",
    },
    ReasonCode.TIME_LIMIT: {
        "en": "The optimiser stopped at its {seconds} s limit: the plan meets every rule but "
        "may not be the best possible.",
        "he": "המייעל עצר במגבלת הזמן ({seconds} שניות): התוכנית עומדת בכל הכללים אך ייתכן "
        "שאינה הטובה ביותר.",
    },
    # Refusals: who the brief's places, languages and audience keep out, and why.
    ReasonCode.OUTSIDE_PLACES: {
        "en": "{community} is not bought: it is in {where}, and the brief names {places}.",
        "he": "{community} לא נרכשת: היא ב{where}, והבריף מציין את {places}.",
    },
    ReasonCode.PLACE_SHARE_LOW: {
        "en": "{community} is not bought: it is nationwide and only {share} of its members "
        "live in {places} (at least {least} is needed).",
        "he": "{community} לא נרכשת: היא ארצית ורק {share} מחבריה גרים ב{places} "
        "(נדרשים {least} לפחות).",
    },
    ReasonCode.PLACE_SHARE_UNKNOWN: {
        "en": "{community} is not bought: it is nationwide and does not report where its "
        "members live, so its audience in {places} is unknown.",
        "he": "{community} לא נרכשת: היא ארצית ואינה מדווחת היכן גרים חבריה, ולכן הקהל "
        "שלה ב{places} אינו ידוע.",
    },
    ReasonCode.LANGUAGE_NOT_SPOKEN: {
        "en": "{community} is not bought: it speaks {speaks}, and the campaign speaks {languages}.",
        "he": "{community} לא נרכשת: היא מדברת {speaks}, והקמפיין מדבר {languages}.",
    },
    ReasonCode.AUDIENCE_OUTSIDE: {
        "en": "{community} is not bought: only {share} of its members are {wanted} "
        "({dimension}; at least {least} is needed).",
        "he": "{community} לא נרכשת: רק {share} מחבריה הם {wanted} ({dimension}; נדרשים "
        "{least} לפחות).",
    },
    # KPI targets beside the plan.
    ReasonCode.KPI_MET: {
        "en": "{kpi}: target {target}; the plan's P50 is {p50} (P10–P90 {p10}–{p90}). Met.",
        "he": "{kpi}: יעד {target}; החציון (P50) של התוכנית {p50} (P10–P90 {p10}–{p90}). "
        "עומדת ביעד.",
    },
    ReasonCode.KPI_SHORT: {
        "en": "{kpi}: target {target}; the plan's P50 is {p50} (P10–P90 {p10}–{p90}), short "
        "by {short}. A budget of {needed} would reach it.",
        "he": "{kpi}: יעד {target}; החציון (P50) של התוכנית {p50} (P10–P90 {p10}–{p90}), "
        "חסרים {short}. תקציב של {needed} יגיע אליו.",
    },
    ReasonCode.KPI_UNREACHABLE: {
        "en": "{kpi}: target {target}; the plan's P50 is {p50} (P10–P90 {p10}–{p90}), short "
        "by {short}. No budget reaches it with the communities that fit the brief: add "
        "communities to the shortlist.",
        "he": "{kpi}: יעד {target}; החציון (P50) של התוכנית {p50} (P10–P90 {p10}–{p90}), "
        "חסרים {short}. אף תקציב לא יגיע אליו עם הקהילות שמתאימות לבריף: הוסיפו קהילות "
        "לרשימה הקצרה.",
    },
    ReasonCode.KPI_NOT_ESTIMATED: {
        "en": "{kpi}: target {target}; the plan does not estimate it.",
        "he": "{kpi}: יעד {target}; התוכנית אינה מעריכה אותו.",
    },
    # Value for money.
    ReasonCode.POOR_VALUE_LINE: {
        "en": "{community}: the owner asks {rate}, {times}× what the value lenses defend "
        "(replacement cost {replacement}, outcome value {outcome} at P50; at most {high} at "
        "P90). Negotiate toward {target_rate}.",
        "he": "{community}: הבעלים מבקשים {rate}, פי {times} ממה שעדשות הערך מצדיקות (עלות "
        "חלופית {replacement}, ערך תוצאות {outcome} בחציון; לכל היותר {high} ב-P90). "
        "נהלו משא ומתן לכיוון {target_rate}.",
    },
    ReasonCode.POOR_VALUE_PLAN: {
        "en": "Poor value for money: owners are paid {paid} for placements the value lenses "
        "put at {value} (P50, at most {high} at P90) — {share} of what is paid. Rates far "
        "above value: {poor}; negotiating them to their targets brings the payout to "
        "{target_total}.",
        "he": "תמורה נמוכה: הבעלים מקבלים {paid} על פרסומים שעדשות הערך מעריכות ב-{value} "
        "(חציון, לכל היותר {high} ב-P90) — {share} ממה שמשולם. תעריפים גבוהים בהרבה מהערך: "
        "{poor}; משא ומתן עד היעדים שלהם מוריד את התשלום ל-{target_total}.",
    },
    ReasonCode.POOR_VALUE_DROP: {
        "en": "{community}: the owner asks {rate}, and the value lenses defend at most {high} "
        "even at P90: no price an owner would take is worth it. Drop it from the plan.",
        "he": "{community}: הבעלים מבקשים {rate}, ועדשות הערך מצדיקות לכל היותר {high} גם "
        "ב-P90: אין מחיר שבעלים יסכימו לו ששווה את זה. הסירו אותה מהתוכנית.",
    },
    ReasonCode.POOR_VALUE_ESTIMATE: {
        "en": "{community}: the owner asks {rate}, {times}× the media value of the placement "
        "({value} at P50; at most {high} at P90; the value lenses price people who see a post, "
        "not seats at an event). Negotiate toward {target_rate}.",
        "he": "{community}: הבעלים מבקשים {rate}, פי {times} מערך המדיה של הפרסום ({value} "
        "בחציון; לכל היותר {high} ב-P90; עדשות הערך מתמחרות אנשים שרואים פוסט, לא מקומות "
        "באירוע). נהלו משא ומתן לכיוון {target_rate}.",
    },
    ReasonCode.SHORTLIST_USED_UP: {
        "en": "{left} of the {budget} budget is left: the shortlist, not the budget, limits this "
        "plan (everything else on it that the brief allows costs {rest} and adds little or "
        "nothing). Add communities to spend it.",
        "he": "{left} מתוך התקציב של {budget} נותרו: הרשימה הקצרה, ולא התקציב, מגבילה את "
        "התוכנית (כל השאר ברשימה שהבריף מתיר עולה {rest} ומוסיף מעט או כלום). הוסיפו קהילות "
        "כדי לנצל אותו.",
    },
    ReasonCode.VALUE_HELD_BACK: {
        "en": "Held back as poor value: {held} placement(s) whose owners ask more than their "
        "value defends even at P90 ({communities}; {asked} asked together). The brief's "
        "targets do not need them; negotiate their rates down to buy them.",
        "he": "לא נקנו בגלל תמורה נמוכה: {held} פרסומים שהבעלים מבקשים עליהם יותר ממה שהערך "
        "מצדיק גם ב-P90 ({communities}; {asked} יחד). יעדי הבריף לא צריכים אותם; הורידו את "
        "המחיר במשא ומתן כדי לקנות אותם.",
    },
    ReasonCode.VALUE_BOUGHT_FOR_TARGET: {
        "en": "Bought above value to meet the brief's targets: {bought} placement(s) "
        "({communities}) cost more than their value defends at P90, and without them the "
        "targets are not met. Negotiate each toward its target rate; held back: {held}.",
        "he": "נקנו מעל הערך כדי לעמוד ביעדי הבריף: {bought} פרסומים ({communities}) עולים "
        "יותר ממה שהערך מצדיק ב-P90, ובלעדיהם היעדים לא מושגים. נהלו משא ומתן על כל אחד "
        "לכיוון מחיר היעד שלו; לא נקנו: {held}.",
    },
    ReasonCode.VALUE_NONE_AT_VALUE: {
        "en": "Every placement the brief allows on the shortlist asks more than its value "
        "defends at P90: the {bought} here are bought as asked so the desk has something to "
        "negotiate. Open each at its target rate, or add communities priced nearer their value.",
        "he": "כל פרסום שהבריף מתיר ברשימה הקצרה מבקש יותר ממה שהערך מצדיק ב-P90: {bought} "
        "הפרסומים כאן נקנים במחיר המבוקש כדי שלדסק יהיה על מה לנהל משא ומתן. פתחו כל אחד "
        "במחיר היעד שלו, או הוסיפו קהילות שמחירן קרוב יותר לערכן.",
    },
    ReasonCode.NONE_KEEP_TO_BRIEF: {
        "en": "None of the {refused} shortlisted communities keeps to the brief's places, "
        "languages and audience (each is listed with its reason): shortlist communities that "
        "do, or widen the brief.",
        "he": "אף אחת מ-{refused} הקהילות ברשימה הקצרה לא עומדת במקומות, בשפות ובקהל של "
        "הבריף (כל אחת מופיעה עם הסיבה): הוסיפו לרשימה קהילות שעומדות בהם, או הרחיבו את "
        "הבריף.",
    },
}

_MONEY_KEYS = frozenset(
    {"budget", "cheapest", "shortfall", "locked_cost", "cap", "needed", "rate", "replacement",
     "outcome", "high", "target_rate", "paid", "value", "target_total", "step", "left",
     "rest", "asked"}
)  # fmt: skip
_COUNT_KEYS = frozenset(
    {"target", "p10", "p50", "p90", "short", "refused", "dropped", "held", "bought"}
)

AGE_LABELS = MATCHING_LABELS["age"]

#: Names of KPI kinds, audience dimensions, regions, languages and cities inside sentences.
WORDS: dict[str, dict[str, str]] = {
    "reach": {"en": "Reach", "he": "חשיפה"},
    "impressions": {"en": "Impressions", "he": "הופעות"},
    "engagements": {"en": "Engagements", "he": "מעורבויות"},
    "clicks": {"en": "Clicks", "he": "הקלקות"},
    "leads": {"en": "Leads", "he": "לידים"},
    "sales": {"en": "Sales", "he": "מכירות"},
    "signups": {"en": "Sign-ups", "he": "הרשמות"},
    "survey_responses": {"en": "Survey responses", "he": "תשובות לסקר"},
    "participants": {"en": "Participants", "he": "משתתפים"},
    "engagement_rate": {"en": "Engagement rate", "he": "שיעור מעורבות"},
    "activity_rate": {"en": "Activity rate", "he": "שיעור פעילות"},
    "gender": {"en": "gender", "he": "מגדר"},
    "age": {"en": "age", "he": "גיל"},
    "region": {"en": "region", "he": "אזור"},
    "language": {"en": "language", "he": "שפה"},
    "occupation": {"en": "occupation", "he": "עיסוק"},
    "household": {"en": "household", "he": "משק בית"},
    "nationwide": {"en": "all of Israel", "he": "כל הארץ"},
    "tel_aviv": {"en": "the Tel Aviv district", "he": "מחוז תל אביב"},
    "center": {"en": "the Center", "he": "המרכז"},
    "jerusalem": {"en": "the Jerusalem district", "he": "מחוז ירושלים"},
    "haifa": {"en": "the Haifa district", "he": "מחוז חיפה"},
    "north": {"en": "the North", "he": "הצפון"},
    "south": {"en": "the South", "he": "הדרום"},
    "judea_samaria": {"en": "Judea and Samaria", "he": "יהודה ושומרון"},
    "abroad": {"en": "abroad", "he": "חוץ לארץ"},
    "he": {"en": "Hebrew", "he": "עברית"},
    "en": {"en": "English", "he": "אנגלית"},
    "ar": {"en": "Arabic", "he": "ערבית"},
    "ru": {"en": "Russian", "he": "רוסית"},
    "female": {"en": "women", "he": "נשים"},
    "male": {"en": "men", "he": "גברים"},
    # Age buckets as matching names them ("45–54", "65+"), never "45 54".
    **{bucket: {"en": en, "he": he} for bucket, (en, he) in AGE_LABELS.items()},
}


def _word(value: str, lang: str) -> str:
    """A place, language, dimension or KPI in `lang`: cities from the gazetteer, the rest here."""
    if value.startswith(REGION_PREFIX):
        region = value.removeprefix(REGION_PREFIX)
        return WORDS.get(region, {}).get(lang, region.replace("_", " "))
    if value in CITIES:
        return CITIES[value][2] if lang == "he" else CITIES[value][1]
    return WORDS.get(value, {}).get(lang, value.replace("_", " "))


def format_money(amount_minor: int, currency: str = "ILS") -> str:
    """₪1,234.50: the amount in major units with its symbol (exact, from integers)."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 10**exponent)
    text = f"{major:,}" + (f".{minor:0{exponent}d}" if minor else "")
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{text}"


def _render(
    key: str, value: Any, lang: str, currency: str, money: MoneyFormat = format_money
) -> str:
    if key in _MONEY_KEYS and isinstance(value, int):
        return money(value, currency)
    if value is None:
        return "—"
    if key == "relax":
        names = [FAMILY_LABELS.get(v, {}).get(lang, v) for v in value]
        return ", ".join(names) if names else "—"
    if key in _COUNT_KEYS and isinstance(value, int):
        return f"{value:,}"
    if key in ("where", "places", "speaks", "languages", "wanted", "kpi", "dimension"):
        items = value if isinstance(value, tuple | list) else (value,)
        words = [_word(str(v), lang) for v in items]
        # Hebrew "and" is a prefix: "ו65+" reads wrong, so before a digit or a Latin word "ו-".
        hebrew_next = words[-1][:1] >= "\u05d0" and words[-1][:1] <= "\u05ea"
        joiner = (" ו" if hebrew_next else " ו-") if lang == "he" else " and "
        return ", ".join(words[:-1]) + joiner + words[-1] if len(words) > 1 else "".join(words)
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


#: A plan with lines to drop says so: the target total counts them at nothing.
_DROPPED = {
    "en": " Placements worth under {step} even at P90, counted as dropped: {dropped}.",
    "he": " פרסומים ששווים פחות מ-{step} גם ב-P90, שנספרים כמוסרים: {dropped}.",
}


def explain(
    reason: Reason, lang: str = "he", currency: str = "ILS", money: MoneyFormat = format_money
) -> str:
    """One sentence for a reason or a note, in Hebrew (``he``) or English (``en``).

    ``money`` writes each amount (the engine's own ``₪1,234.50`` unless the caller has one).
    """
    lang = "he" if lang == "he" else "en"
    params: Mapping[str, Any] = reason.params
    values = {k: _render(k, v, lang, currency, money) for k, v in params.items()}
    if "cap_bp" in params and params["cap_bp"] is not None:
        values["cap_share"] = f"{params['cap_bp'] * 100 / BP:g}%"
    template = TEMPLATES[reason.code][lang]
    if reason.code is ReasonCode.POOR_VALUE_PLAN and params.get("dropped"):
        template += _DROPPED[lang]
    return template.format_map(_Defaulting(values))


class _Defaulting(dict[str, str]):
    """format_map helper: a missing figure shows as a dash instead of raising."""

    def __missing__(self, key: str) -> str:
        return "—"


def describe_constraints(constraints: BriefConstraints, lang: str = "he") -> str:
    """What the plan keeps to, in one line: places, languages and audience (or "anything")."""
    lang = "he" if lang == "he" else "en"
    parts: list[str] = []
    places = place_names(constraints)
    if places:
        label = "מקומות" if lang == "he" else "places"
        parts.append(f"{label}: {_render('places', places, lang, 'ILS')}")
    if constraints.languages:
        label = "שפות" if lang == "he" else "languages"
        parts.append(f"{label}: {_render('languages', constraints.languages, lang, 'ILS')}")
    for dimension, wanted in constraints.audience.items():
        if dimension in FREE_WORD_DIMENSIONS:
            continue  # they rank, they are not rules of the plan
        parts.append(f"{_word(dimension, lang)}: {_render('wanted', wanted, lang, 'ILS')}")
    if not parts:
        return (
            "אין מגבלת מקום, שפה או קהל" if lang == "he" else "no place, language or audience rule"
        )
    return " · ".join(parts)
