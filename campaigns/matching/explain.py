"""Why a community ranks where it does, and why a list is short: structured, then in words.

Every explanation is data first (a ``code`` and JSON-safe ``params``) so the web layer can
render it its own way, plus ready English and Hebrew sentences written for a marketing manager,
not an analyst: shares as percentages, money in shekels, no raw scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from campaigns.matching.facets import FACET_LABELS
from campaigns.matching.labels import LABELS, join, label, labels  # noqa: F401 - re-exported


def _facet_names(names: Sequence[str]) -> tuple[str, str]:
    """English and Hebrew names of a vertical's facets (facets.FACET_LABELS)."""
    en = [FACET_LABELS[n][0] for n in names]
    he = [FACET_LABELS[n][1] for n in names]
    return " and ".join(en), " ו".join(he)


def _related(pairs: Sequence[Sequence[str]]) -> tuple[str, str]:
    """The related-topic clause in both languages ("home and garden, related to your brief's
    real estate (half credit)"); each pair is [the brief's topic, the related topic the
    community carries]."""
    en = "; ".join(
        f"{label('topic', other, 'en')}, related to your brief's {label('topic', t, 'en')}"
        for t, other in pairs
    )
    he = "; ".join(
        f"{label('topic', other, 'he')} — קרוב לנושא הבריף שלך, {label('topic', t, 'he')}"
        for t, other in pairs
    )
    return f"{en} (half credit)", f"{he} (חצי משקל)"


def _city_group(p: Mapping[str, Any]) -> tuple[str, str]:
    """The clause for a local brief's broad topics a general group of the city earns
    (components.city_group_topics): "as a general group of Jerusalem, it also counts for your
    brief's culture"."""
    g_en, g_he = labels("topic", p["city_group"], "en"), labels("topic", p["city_group"], "he")
    c_en = either([label("city", c, "en") for c in p["local_cities"]], "en")
    c_he = either([label("city", c, "he") for c in p["local_cities"]], "he")
    return (
        f"as a general group of {c_en}, it also counts for your brief's {g_en}",
        f"כקבוצה כללית של {c_he} היא נספרת גם ל{g_he} של הבריף שלך",
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def shekels(minor: float) -> str:
    return f"₪{round(minor / 100):,}"


def value_sentences(
    p: Mapping[str, Any], money: Callable[[int], str] | None = None
) -> tuple[str, str]:
    """The value-for-money reason in English and Hebrew; ``money`` writes an amount in minor
    units (whole shekels by default; the web passes the page's own money format). A ratio under
    0.1 is "under 0.1×": "0.0×" read as if the placement were worth nothing."""
    write = money or shekels
    en_p = label("placement", p["placement"], "en")
    he_p = label("placement", p["placement"], "he")
    value, rate = write(int(p["value_p50_minor"])), write(int(p["rate_minor"]))
    ratio = float(p["ratio"])
    en_r, he_r = (
        (f"{ratio:.1f}×", f"פי {ratio:.1f}") if ratio >= 0.05 else ("under 0.1×", "פחות מפי 0.1")
    )
    return (
        f"Estimated value is {en_r} the price of {en_p} ({value} for {rate}).",
        f"השווי המוערך הוא {he_r} ממחיר {he_p} ({value} תמורת {rate}).",
    )


def pct(share: float) -> str:
    return f"{round(share * 100)}%"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One component's reason: machine-readable ``code``/``params`` and both languages."""

    component: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    en: str = ""
    he: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "code": self.code,
            "params": dict(self.params),
            "en": self.en,
            "he": self.he,
        }


def _render(code: str, p: Mapping[str, Any]) -> tuple[str, str]:
    """English and Hebrew sentences for an explanation code and its params."""
    if code == "topic_shared":
        en_t, he_t = labels("topic", p["shared"], "en"), labels("topic", p["shared"], "he")
        if p.get("broad_only"):
            en = f"It shares only broad topics with your brief ({en_t})"
            he = f"יש לה רק נושאים כלליים משותפים עם הבריף שלך ({he_t})"
        else:
            en = f"Its members talk about {en_t} — topics of your brief"
            he = f"חברי הקהילה עוסקים ב{he_t} — נושאי הבריף שלך"
        if p.get("patients_off_topic"):
            en += ", but they come for a health condition your brief is not about (counted half)"
            he += ", אבל הם באים בגלל מצב רפואי שהבריף שלך לא עוסק בו (נספר בחצי)"
        if p.get("other_facets"):
            theirs_en, theirs_he = _facet_names(p["other_facets"])
            ours_en, ours_he = _facet_names(p["brief_facets"])
            en += (
                f", but it is about {theirs_en}, not the {ours_en} your brief names (counted half)"
            )
            he += f", אבל היא עוסקת ב{theirs_he}, לא ב{ours_he} שהבריף שלך מציין"
            he += " (נספר בחצי)"
        if p.get("no_facet"):
            nf = p["no_facet"]
            v_en, v_he = (
                labels("topic", nf["verticals"], "en"),
                labels("topic", nf["verticals"], "he"),
            )
            f_en, f_he = _facet_names(nf["brief_facets"])
            share = pct(p.get("no_facet_share", 0.75))
            en += f", but it does not say which kind of {v_en} it is about, and your brief names"
            en += f" {f_en} (counted at {share})"
            he += f", אבל היא לא אומרת באיזה תחום של {v_he} היא עוסקת, והבריף שלך מציין"
            he += f" {f_he} (נספר ב-{share})"
        if p.get("young_children"):
            en += ", but they are parents of babies and toddlers, there for their children's"
            en += " health (counted half)"
            he += ", אבל הם הורים לתינוקות ופעוטות, שבאים בשביל בריאות הילדים (נספר בחצי)"
        if p.get("parents_health_only"):
            en += ", but they are parents, there for their children's health (counted half)"
            he += ", אבל הם הורים, שבאים בשביל בריאות הילדים (נספר בחצי)"
        if p.get("professionals"):
            share = pct(p["professionals"])
            en += ", but its members are professionals of the trade and your brief is for its"
            en += f" customers (counted at {share})"
            he += f", אבל חבריה אנשי מקצוע בתחום והבריף שלך פונה ללקוחות שלו (נספר ב-{share})"
        if (focus := p.get("focus")) and focus.get("other"):
            o_en, o_he, share = (
                labels("topic", focus["other"], "en"),
                labels("topic", focus["other"], "he"),
                pct(focus["factor"]),
            )
            en += f"; it is also about {o_en}, which your brief is not (counted at {share})"
            he += f"; היא עוסקת גם ב{o_he}, שהבריף שלך לא עוסק בהם (נספר ב-{share})"
        if p.get("mentioned"):
            m_en, m_he = (
                labels("topic", p["mentioned"], "en"),
                labels("topic", p["mentioned"], "he"),
            )
            share = pct(p.get("mentioned_share", 0.75))
            en += f"; its description only mentions {m_en}, its members are not said to be"
            en += f" them (counted at {share})"
            he += f"; התיאור שלה רק מזכיר {m_he}, בלי לומר שחבריה הם כאלה (נספר ב-{share})"
        if p.get("related"):
            rel_en, rel_he = _related(p["related"])
            en, he = f"{en}; also {rel_en}", f"{he}; וגם ב{rel_he}"
        if p.get("city_group"):
            g_en, g_he = _city_group(p)
            en, he = f"{en}; {g_en}", f"{he}; {g_he}"
        if p.get("niche"):
            n = p["niche"]
            s_en, s_he = labels("topic", n["subjects"], "en"), labels("topic", n["subjects"], "he")
            b_en, b_he = labels("topic", n["broad"], "en"), labels("topic", n["broad"], "he")
            en += f", but it is about {s_en}, so your brief's {b_en} is counted half"
            he += f", אבל היא עוסקת ב{s_he}, ולכן {b_he} של הבריף שלך נספר בחצי"
        if not p.get("has_text", True):
            return en + ".", he + "."
        return (
            f"{en}; its own description is a {p['text_level']} match for your message"
            f"{_EN_TRANSLATED if p.get('translated') else ''}.",
            f"{he}; התיאור שלה עצמה {_he_level(p['text_level'])} להודעה שלך"
            f"{_HE_TRANSLATED if p.get('translated') else ''}.",
        )
    if code == "topic_text":
        en = (
            f"its own description is a {p['text_level']} match for your message"
            f"{_EN_TRANSLATED if p.get('translated') else ''}."
        )
        he = (
            f"התיאור שלה עצמה {_he_level(p['text_level'])} להודעה שלך"
            f"{_HE_TRANSLATED if p.get('translated') else ''}."
        )
        if p.get("related"):
            rel_en, rel_he = _related(p["related"])
            return f"Its members talk about {rel_en}; {en}", f"חברי הקהילה עוסקים ב{rel_he}; {he}"
        if p.get("city_group"):
            g_en, g_he = _city_group(p)
            return f"{_cap(g_en)}; {en}", f"{g_he}; {he}"
        return _cap(en), he
    if code == "topic_none":
        return (
            "Your brief has no message or topics, so topic fit counts as neutral.",
            "בבריף אין הודעה או נושאים, ולכן ההתאמה הנושאית נספרת כניטרלית.",
        )
    if code == "audience_fit":
        en_parts = [_audience_en(d) for d in p["dimensions"]]
        he_parts = [_audience_he(d) for d in p["dimensions"]]
        known = [
            d["share"]
            for d in p["dimensions"]
            if d["share"] is not None and d["dimension"] not in ("place", "stage")
        ]
        place = next((d for d in p["dimensions"] if d["dimension"] == "place"), None)
        stage = next((d for d in p["dimensions"] if d["dimension"] == "stage"), None)
        in_place = place is None or place["how"] == "city"
        in_stage = stage is None or stage["how"] == "match"
        if known and min(known) >= 0.5 and in_place and in_stage:
            tail_en, tail_he = " — your target audience.", " — קהל היעד שלך."
        elif known:
            tail_en, tail_he = " — only part of your target audience.", " — רק חלק מקהל היעד שלך."
        else:
            tail_en, tail_he = ".", "."
        return _cap("; ".join(en_parts)) + tail_en, "; ".join(he_parts) + tail_he
    if code == "second_language":
        theirs_en, ours_en = (
            label("language", p["first"], "en"),
            label("language", p["brief"], "en"),
        )
        theirs_he, ours_he = (
            label("language", p["first"], "he"),
            label("language", p["brief"], "he"),
        )
        share = pct(p["other_share"])
        return (
            f"Its first language is {theirs_en}, not your brief's {ours_en}: {share} of its"
            f" members speak another language (ranked {p['lowered']:.2f} lower).",
            f"השפה הראשונה שלה היא {theirs_he}, לא {ours_he} של הבריף שלך: {share} מהחברים"
            f" דוברים שפה אחרת (דירוג נמוך ב-{p['lowered']:.2f}).",
        )
    if code == "audience_untargeted":
        return (
            "Your brief targets no particular audience, so audience fit counts as neutral.",
            "הבריף לא מגדיר קהל יעד, ולכן התאמת הקהל נספרת כניטרלית.",
        )
    if code == "format_fit":
        en_o = labels("placement", p["offered"], "en")
        he_o = labels("placement", p["offered"], "he")
        goal_en, goal_he = label("goal", p["goal"], "en"), label("goal", p["goal"], "he")
        best = p["offered"][0] == p["best_for_goal"]
        return (
            f"Offers {en_o}"
            + (" — the best format for " if best else ", which suits ")
            + f"{goal_en} campaign.",
            f"מציעה {he_o}"
            + (" — הפורמט המתאים ביותר לקמפיין " if best else ", שמתאים לקמפיין ")
            + f"{goal_he}.",
        )
    if code == "health":
        en_h: list[str] = []
        he_h: list[str] = []
        if p.get("health_score") is not None:
            en_h.append(f"health score {round(p['health_score'])}/100")
            he_h.append(f"ציון בריאות {round(p['health_score'])}/100")
        if p.get("active_share") is not None:
            en_h.append(f"{pct(p['active_share'])} of members active each week")
            he_h.append(f"{pct(p['active_share'])} מהחברים פעילים בכל שבוע")
        if p.get("interactions") is not None:
            en_h.append(f"{p['interactions']:.1f} reactions and comments per member a week")
            he_h.append(f"{p['interactions']:.1f} תגובות ולייקים לחבר בשבוע")
        return _cap("; ".join(en_h)) + ".", "; ".join(he_h) + "."
    if code == "health_unknown":
        return (
            "No health or activity figures yet — counted as average.",
            "אין עדיין נתוני בריאות או פעילות — נספר כממוצע.",
        )
    if code == "evidence":
        en_e, he_e = _EVIDENCE[int(p["tier"])]
        return en_e, he_e
    if code == "value":
        return value_sentences(p)
    if code == "value_unknown":
        return (
            "No value estimate for its prices yet — counted as a fair price.",
            "אין עדיין הערכת שווי למחירים שלה — נספר כמחיר הוגן.",
        )
    if code == "past":
        return (
            f"Past campaigns delivered {pct(p['ratio'])} of what was promised.",
            f"קמפיינים קודמים סיפקו {pct(p['ratio'])} ממה שהובטח.",
        )
    if code == "past_unknown":
        return (
            "No past campaigns on Kesher yet — counted as neutral.",
            "עדיין אין קמפיינים קודמים בקשר — נספר כניטרלי.",
        )
    raise KeyError(code)


_EVIDENCE: dict[int, tuple[str, str]] = {
    0: ("No evidence behind its figures yet.", "אין עדיין אסמכתא לנתונים שלה."),
    1: ("Its figures are self-reported by the owner.", "הנתונים שלה מדווחים על ידי הבעלים."),
    2: ("Its figures come from screenshots of insights.", "הנתונים שלה מבוססים על צילומי מסך."),
    3: ("Its figures are derived from an export.", "הנתונים שלה מחושבים מייצוא נתונים."),
    4: ("Its figures are verified by Kesher.", "הנתונים שלה אומתו על ידי קשר."),
}

#: The text fit came from the brief's words translated by the glossary (glossary.py).
_EN_TRANSLATED = " in translation"
_HE_TRANSLATED = " בתרגום"

_HE_LEVEL = {"strong": "תואם מאוד", "moderate": "תואם במידה", "weak": "תואם מעט"}


def _he_level(level: str) -> str:
    return _HE_LEVEL[level]


def either(items: Sequence[str], lang: str) -> str:
    """ "a, b or c" / "א, ב או ג"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" or " if lang == "en" else " או ") + items[-1]


def _place_en(d: Mapping[str, Any]) -> str:
    cities = either([label("city", c, "en") for c in d["buckets"]], "en")
    regions = either([label("region", r, "en") for r in d["regions"]], "en")
    if d["how"] == "city":
        return f"it is in {cities}, the place your brief names"
    if d["how"] == "region":
        return f"it is in {regions}, not in {cities} itself"
    if d["how"] == "nationwide":
        if d["share"] is None:
            return f"it is nationwide and does not say how many members live in {regions}"
        return f"it is nationwide: {pct(d['share'])} of its members live in {regions}"
    return f"it is outside {cities} and {regions}"


def _place_he(d: Mapping[str, Any]) -> str:
    cities = either([label("city", c, "he") for c in d["buckets"]], "he")
    regions = either([label("region", r, "he") for r in d["regions"]], "he")
    if d["how"] == "city":
        return f"היא ב{cities}, המקום שהבריף שלך מציין"
    if d["how"] == "region":
        return f"היא ב{regions}, לא ב{cities} עצמה"
    if d["how"] == "nationwide":
        if d["share"] is None:
            return f"היא ארצית ואינה מציינת כמה מחבריה גרים ב{regions}"
        return f"היא ארצית: {pct(d['share'])} מחבריה גרים ב{regions}"
    return f"היא מחוץ ל{cities} ול{regions}"


def _stage_en(d: Mapping[str, Any]) -> str:
    wanted = either([label("stage", s, "en") for s in d["buckets"]], "en")
    if d["how"] == "not_parents":
        return "it is not a parents' group (the children's age counts as neutral)"
    if d["how"] == "unsaid":
        return "it does not say how old its members' children are (counted as neutral)"
    own = join([label("stage", s, "en") for s in d["own"]], "en")
    if d["how"] == "match":
        return f"it is for parents of {own}, the children your brief names"
    return f"it is for parents of {own}, not of {wanted}"


def _stage_he(d: Mapping[str, Any]) -> str:
    wanted = either([label("stage", s, "he") for s in d["buckets"]], "he")
    if d["how"] == "not_parents":
        return "היא אינה קהילת הורים (גיל הילדים נספר כניטרלי)"
    if d["how"] == "unsaid":
        return "היא אינה מציינת את גיל הילדים של חבריה (נספר כניטרלי)"
    own = join([label("stage", s, "he") for s in d["own"]], "he")
    if d["how"] == "match":
        return f"היא להורים ל{own}, הילדים שהבריף שלך מציין"
    return f"היא להורים ל{own}, לא ל{wanted}"


def _audience_en(d: Mapping[str, Any]) -> str:
    if d["dimension"] == "place":
        return _place_en(d)
    if d["dimension"] == "stage":
        return _stage_en(d)
    if d["share"] is None:
        return f"no {d['dimension']} figures (counted as neutral)"
    buckets = either([label(d["dimension"], b, "en") for b in d["buckets"]], "en")
    share = pct(d["share"])
    if d["dimension"] == "region":
        return f"{share} of its members live in {buckets}"
    if d["dimension"] == "language":
        return f"{share} of its members speak {buckets}"
    if d["dimension"] == "age":
        return f"{share} of its members are aged {buckets}"
    return f"{share} of its members are {buckets}"


_HE_DIM = {"gender": "מגדר", "age": "גיל", "region": "אזור", "language": "שפה",
           "occupation": "עיסוק", "household": "משק בית"}  # fmt: skip


def _audience_he(d: Mapping[str, Any]) -> str:
    if d["dimension"] == "place":
        return _place_he(d)
    if d["dimension"] == "stage":
        return _stage_he(d)
    if d["share"] is None:
        return f"אין נתוני {_HE_DIM.get(d['dimension'], d['dimension'])} (נספר כניטרלי)"
    buckets = either([label(d["dimension"], b, "he") for b in d["buckets"]], "he")
    share = pct(d["share"])
    if d["dimension"] == "region":
        return f"{share} מהחברים גרים ב{buckets}"
    if d["dimension"] == "language":
        return f"{share} מהחברים דוברים {buckets}"
    if d["dimension"] == "age":
        return f"{share} מהחברים בני {buckets}"
    return f"{share} מהחברים הם {buckets}"


def explanation(component: str, code: str, params: Mapping[str, Any]) -> Explanation:
    """Build an explanation and render both languages."""
    en, he = _render(code, params)
    if code in ("topic_shared", "topic_text") and params.get("local_factor") is not None:
        # A local brief's topic counts by where the community is (seventh round).
        cities_en = either([label("city", c, "en") for c in params["local_cities"]], "en")
        cities_he = either([label("city", c, "he") for c in params["local_cities"]], "he")
        share = pct(params["local_factor"])
        en = f"{en[:-1]} (counted at {share}: it is not in {cities_en}, where your brief is)."
        he = f"{he[:-1]} (נספר ב-{share}: היא לא ב{cities_he}, שם נמצא הבריף שלך)."
    return Explanation(component, code, dict(params), en, he)
