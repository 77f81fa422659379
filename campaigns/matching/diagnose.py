"""Why the list is empty (or nearly), and which single change to the brief would reopen it.

Each candidate relaxation is a modified brief whose gates are recomputed over the whole
catalog, so "adding Hebrew would give 12" is a count, not a guess. It runs only when fewer
than DIAGNOSE_BELOW communities survive, so its cost never touches an ordinary ranking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from campaigns.brief import BriefSpec, Goal
from campaigns.matching.components import DIAGNOSE_BELOW, NATIONWIDE, Gate
from campaigns.matching.explain import Explanation, label, labels, shekels
from campaigns.matching.features import PLATFORMS, Bool, CatalogFeatures
from campaigns.matching.result import Diagnosis, GateCount, Suggestion
from campaigns.matching.scoring import ScoreTable, budget_applies, gate_masks


def _eligible(gates: Mapping[Gate, Bool]) -> Bool:
    out = np.ones(len(next(iter(gates.values()))), dtype=bool)
    for mask in gates.values():
        out &= mask
    return out


def _gate_params(gate: Gate, brief: BriefSpec) -> dict[str, Any]:
    """What a gate's phrase names of the brief: the figures it is written from."""
    if gate is Gate.AVOID_TOPICS:
        return {"topics": list(brief.avoid_topics)}
    if gate is Gate.LANGUAGE:
        return {"languages": list(brief.languages)}
    if gate is Gate.REGION:
        return {"regions": list(brief.regions)}
    if gate is Gate.PLATFORM:
        return {"platforms": [p.value for p in brief.platforms]}
    if gate is Gate.REGULATED:
        return {"categories": [c.value for c in brief.regulated]}
    if gate is Gate.GOAL_FORMAT:
        return {"goal": brief.goal.value}
    if gate is Gate.BUDGET:
        return {"budget_minor": brief.budget_minor}
    return {}


def _gate_phrase(gate: Gate, p: Mapping[str, Any], money: Callable[[int], str]) -> tuple[str, str]:
    """What passing ``gate`` means for the brief whose figures are ``p`` (`_gate_params`), as
    "<count> of <n> ..." completions."""
    if gate is Gate.STATUS:
        return "are listed", "פעילות בקטלוג"
    if gate is Gate.EXCLUDED:
        return "are not on your exclusion list", "אינן ברשימת ההחרגה שלך"
    if gate is Gate.AVOID_TOPICS:
        t = p["topics"]
        return (
            f"are not about {labels('topic', t, 'en')}",
            f"אינן עוסקות ב{labels('topic', t, 'he')}",
        )
    if gate is Gate.LANGUAGE:
        x = p["languages"]
        return f"speak {labels('language', x, 'en')}", f"דוברות {labels('language', x, 'he')}"
    if gate is Gate.REGION:
        x = p["regions"]
        return f"are in {labels('region', x, 'en')}", f"נמצאות ב{labels('region', x, 'he')}"
    if gate is Gate.PLATFORM:
        xs = p["platforms"]
        return f"are on {labels('platform', xs, 'en')}", f"פועלות ב{labels('platform', xs, 'he')}"
    if gate is Gate.REGULATED:
        rs = p["categories"]
        return f"allow {labels('regulated', rs, 'en')}", f"מתירות {labels('regulated', rs, 'he')}"
    if gate is Gate.SENSITIVE:
        return (
            "have no sensitive audience closed to this kind of campaign",
            "ללא קהל רגיש שסגור לקמפיין מסוג זה",
        )
    if gate is Gate.GOAL_FORMAT:
        g = p["goal"]
        return (
            f"offer a format for {label('goal', g, 'en')} campaign",
            f"מציעות פורמט לקמפיין {label('goal', g, 'he')}",
        )
    b = money(int(p["budget_minor"]))
    return f"cost no more than your budget of {b}", f"עולות לא יותר מהתקציב שלך, {b}"


def diagnosis_sentences(
    parts: Mapping[str, Any],
    suggestions: Sequence[Suggestion],
    money: Callable[[int], str] = shekels,
) -> tuple[str, str]:
    """Why the list emptied, in English and Hebrew, written from a diagnosis's parts (the
    counts, and the strictest gates with what each names of the brief, as :func:`diagnose`
    keeps them in ``Diagnosis.parts``) and its suggestions, the first of which is the advice.

    ``money`` writes an amount in minor units (whole shekels by default; the web page, the API
    and ``flask match`` pass the reader's own money format). Parts this version cannot write
    raise KeyError or ValueError, so a caller can keep the sentences it has.
    """
    eligible, total = int(parts["eligible"]), int(parts["total"])
    if eligible == 0:
        head_en = "No community passes every constraint of this brief."
        head_he = "אף קהילה לא עומדת בכל הדרישות של הבריף."
    else:
        head_en = f"Only {eligible} of {total} communities pass every constraint of this brief."
        head_he = f"רק {eligible} מתוך {total} קהילות עומדות בכל הדרישות של הבריף."
    strict = list(parts["strict"])
    parts_en, parts_he = [], []
    for c in strict:
        en, he = _gate_phrase(Gate(c["gate"]), c["params"], money)
        parts_en.append(f"{c['passing']} of {c['listed']} listed communities {en}")
        parts_he.append(f"{c['passing']} מתוך {c['listed']} הקהילות בקטלוג {he}")
    body_en = "; ".join(parts_en)
    body_he = "; ".join(parts_he)
    if len(strict) == 2 and eligible == 0:
        body_en += " — none does both along with the rest of the brief"
        body_he += " — ואף אחת לא עומדת בשתיהן יחד עם שאר הבריף"
    if suggestions:
        best = suggestions[0]
        advice_en, advice_he = suggestion_sentences(best.code, best.params, money)
    else:
        advice_en = (
            "No single change reopens a community: each is closed by more than one constraint, "
            "so review the brief with your account manager."
        )
        advice_he = (
            "אין שינוי יחיד שיפתח קהילה: כל אחת נסגרת ביותר מדרישה אחת, "
            "כדאי לעבור על הבריף עם מנהל/ת הלקוח."
        )
    en = " ".join(x for x in (head_en, body_en + "." if body_en else "", advice_en) if x)
    he = " ".join(x for x in (head_he, body_he + "." if body_he else "", advice_he) if x)
    return en, he


def suggestion_sentences(
    code: str, p: Mapping[str, Any], money: Callable[[int], str] = shekels
) -> tuple[str, str]:
    """A suggestion in English and Hebrew; ``money`` writes an amount in minor units (whole
    shekels by default; the web passes the page's own money format)."""
    n = p["eligible_after"]
    if code == "add_language":
        x = p["language"]
        return (
            f"Adding {label('language', x, 'en')} to the campaign's languages would give "
            f"{n} communities.",
            f"הוספת {label('language', x, 'he')} לשפות הקמפיין תיתן {n} קהילות.",
        )
    if code == "any_language":
        return (
            f"Dropping the language requirement would give {n} communities.",
            f"ויתור על דרישת השפה ייתן {n} קהילות.",
        )
    if code == "add_region":
        x = p["region"]
        return (
            f"Adding {label('region', x, 'en')} to the campaign's regions would give "
            f"{n} communities.",
            f"הוספת {label('region', x, 'he')} לאזורי הקמפיין תיתן {n} קהילות.",
        )
    if code == "any_region":
        return (
            f"Running in every region would give {n} communities.",
            f"הרצה בכל האזורים תיתן {n} קהילות.",
        )
    if code == "add_platform":
        x = p["platform"]
        return (
            f"Allowing {label('platform', x, 'en')} too would give {n} communities.",
            f"הוספת {label('platform', x, 'he')} לערוצים המותרים תיתן {n} קהילות.",
        )
    if code == "any_platform":
        return (
            f"Allowing every channel type would give {n} communities.",
            f"התרת כל סוגי הערוצים תיתן {n} קהילות.",
        )
    if code == "drop_regulated":
        x = p["category"]
        return (
            f"Only communities whose rules allow {label('regulated', x, 'en')} can take this "
            f"campaign; without that flag {n} would be open — check whether the product really "
            "falls under it.",
            f"רק קהילות שהכללים שלהן מתירים {label('regulated', x, 'he')} יכולות לקבל את הקמפיין; "
            f"בלי הסימון הזה היו פתוחות {n} — כדאי לבדוק אם המוצר באמת שייך לקטגוריה.",
        )
    if code == "drop_avoid_topic":
        x = p["topic"]
        return (
            f"Allowing communities about {label('topic', x, 'en')} would give {n} communities.",
            f"התרת קהילות שעוסקות ב{label('topic', x, 'he')} תיתן {n} קהילות.",
        )
    if code == "drop_exclusions":
        return (
            f"Clearing your list of excluded communities would give {n} communities.",
            f"ריקון רשימת הקהילות המוחרגות ייתן {n} קהילות.",
        )
    if code == "change_goal":
        x = p["goal"]
        return (
            f"As {label('goal', x, 'en')} campaign, {n} communities would be open.",
            f"כקמפיין {label('goal', x, 'he')} היו פתוחות {n} קהילות.",
        )
    if code == "raise_budget":
        return (
            f"Raising the budget to {money(p['budget_minor'])} would give {n} communities.",
            f"הגדלת התקציב ל-{money(p['budget_minor'])} תיתן {n} קהילות.",
        )
    raise KeyError(code)


def _widenings(
    gate: Gate,
    name: str,
    chosen: tuple[Any, ...],
    options: Mapping[Any, str],
    rebuild: Callable[[tuple[Any, ...]], BriefSpec],
) -> list[tuple[Gate, str, dict[str, Any], BriefSpec]]:
    """For a brief that limits a field to ``chosen``: add each option left out, then no limit.

    ``options`` maps each value the field may hold to how a suggestion names it; ``rebuild``
    is the brief with the field set to other values. The codes are ``add_<name>`` and
    ``any_<name>``.
    """
    if not chosen:
        return []
    out = [
        (gate, f"add_{name}", {name: named}, rebuild((*chosen, option)))
        for option, named in options.items()
        if option not in chosen
    ]
    out.append((gate, f"any_{name}", {}, rebuild(())))
    return out


def _candidates(
    brief: BriefSpec, features: CatalogFeatures
) -> list[tuple[Gate, str, dict[str, Any], BriefSpec]]:
    """Single changes to the brief worth counting, specific ones before sweeping ones."""
    r = dataclasses.replace
    out: list[tuple[Gate, str, dict[str, Any], BriefSpec]] = [
        *_widenings(Gate.LANGUAGE, "language", brief.languages,
                    {lang: lang for lang in features.language_index},
                    lambda v: r(brief, languages=v)),
        *_widenings(Gate.REGION, "region", brief.regions,
                    {region: region for region in features.region_index if region != NATIONWIDE},
                    lambda v: r(brief, regions=v)),
        *_widenings(Gate.PLATFORM, "platform", brief.platforms,
                    {platform: platform.value for platform in PLATFORMS},
                    lambda v: r(brief, platforms=v)),
    ]  # fmt: skip
    for category in brief.regulated:
        rest = tuple(c for c in brief.regulated if c is not category)
        out.append(
            (Gate.REGULATED, "drop_regulated", {"category": category.value},
             r(brief, regulated=rest))
        )  # fmt: skip
    for topic in brief.avoid_topics:
        rest_t = tuple(t for t in brief.avoid_topics if t != topic)
        out.append(
            (Gate.AVOID_TOPICS, "drop_avoid_topic", {"topic": topic}, r(brief, avoid_topics=rest_t))
        )
    if brief.exclude_communities:
        out.append((Gate.EXCLUDED, "drop_exclusions", {}, r(brief, exclude_communities=())))
    for goal in Goal:
        if goal is not brief.goal:
            out.append((Gate.GOAL_FORMAT, "change_goal", {"goal": goal.value}, r(brief, goal=goal)))
    return out


def _budget_suggestion(
    brief: BriefSpec, features: CatalogFeatures, gates: Mapping[Gate, Bool], eligible: int
) -> tuple[dict[str, Any], int] | None:
    if not budget_applies(brief):
        return None
    others = np.ones(len(features), dtype=bool)
    for gate, mask in gates.items():
        if gate is not Gate.BUDGET:
            others &= mask
    blocked = others & ~gates[Gate.BUDGET]
    if not blocked.any():
        return None
    prices = np.sort(features.goal[brief.goal].cheapest[blocked])
    need = max(1, DIAGNOSE_BELOW - eligible)
    budget = int(np.ceil(prices[min(need, len(prices)) - 1]))
    return {"budget_minor": budget}, eligible + int((prices <= budget).sum())


def diagnose(
    brief: BriefSpec,
    features: CatalogFeatures,
    table: ScoreTable,
    counts: Sequence[GateCount],
) -> Diagnosis | None:
    """A diagnosis when fewer than DIAGNOSE_BELOW communities pass; None otherwise."""
    n = len(features)
    eligible = int(table.eligible.sum())
    if eligible >= DIAGNOSE_BELOW:
        return None

    found: list[Suggestion] = []
    for gate, code, params, changed in _candidates(brief, features):
        after = int(_eligible(gate_masks(changed, features)).sum())
        if after > eligible:
            p = {**params, "eligible_after": after}
            en, he = suggestion_sentences(code, p)
            found.append(Suggestion(gate.value, code, p, after, en, he))
    budget = _budget_suggestion(brief, features, table.gates, eligible)
    if budget is not None:
        params, after = budget
        p = {**params, "eligible_after": after}
        en, he = suggestion_sentences("raise_budget", p)
        found.append(Suggestion(Gate.BUDGET.value, "raise_budget", p, after, en, he))
    # The biggest reopening first; among equals, the order above (specific before sweeping).
    order = sorted(range(len(found)), key=lambda i: (-found[i].eligible_after, i))
    suggestions = tuple(found[i] for i in order[:3])

    strict = sorted(
        (c for c in counts if c.removed > 0 and c.gate != Gate.STATUS.value),
        key=lambda c: -c.removed,
    )[:2]
    listed = int(table.gates[Gate.STATUS].sum())
    parts = {
        "total": n,
        "eligible": eligible,
        "strict": [
            {
                "gate": c.gate,
                "passing": int((table.gates[Gate(c.gate)] & table.gates[Gate.STATUS]).sum()),
                "listed": listed,
                "params": _gate_params(Gate(c.gate), brief),
            }
            for c in strict
        ],
    }
    en, he = diagnosis_sentences(parts, suggestions)
    return Diagnosis(n, eligible, tuple(counts), suggestions, en, he, parts)


def notes_for(
    brief: BriefSpec, features: CatalogFeatures, table: ScoreTable
) -> tuple[Explanation, ...]:
    """Remarks on the brief as a whole: what could not be compared, must-haves that are closed."""
    notes: list[Explanation] = []
    if brief.budget_minor > 0 and brief.currency != "ILS":
        notes.append(
            Explanation(
                "brief",
                "budget_not_compared",
                {"currency": brief.currency},
                f"Rates are in shekels and the budget is in {brief.currency}, so prices were not "
                "compared with the budget.",
                f"המחירים בשקלים והתקציב ב-{brief.currency}, ולכן המחירים לא הושוו לתקציב.",
            )
        )
    if not brief.audience and not brief.topics:
        notes.append(
            Explanation(
                "brief",
                "no_target",
                {},
                "The brief names no audience and no topics, so the ranking leans on the message "
                "alone.",
                "הבריף לא מגדיר קהל יעד או נושאים, ולכן הדירוג נשען על ההודעה בלבד.",
            )
        )
    for cid in brief.must_have_communities:
        i = features.index_of.get(cid)
        if i is None:
            notes.append(
                Explanation(
                    "brief",
                    "must_have_unknown",
                    {"community_id": cid},
                    f"Community {cid}, which you require, is not in the catalog.",
                    f"קהילה {cid}, שביקשת, אינה בקטלוג.",
                )
            )
            continue
        closed = [g.value for g, mask in table.gates.items() if not mask[i]]
        if closed:
            name = features.records[i].name
            notes.append(
                Explanation(
                    "brief",
                    "must_have_closed",
                    {"community_id": cid, "gates": closed},
                    f"{name}, which you require, fails: {', '.join(closed)}.",
                    f"{name}, שביקשת, לא עומדת בדרישות: {', '.join(closed)}.",
                )
            )
    return tuple(notes)
