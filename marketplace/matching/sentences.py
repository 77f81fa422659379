"""A plan's reasons and notes as sentences with the page's money format.

A stored plan keeps each reason's sentence in both languages as the engine wrote it
("₪9,149"), and its code and figures. The pages write the sentence again from the figures with
the locale's money formatter, so a note's amount reads like every other amount on the page
("‏9,149.00 ₪"); a reason this version cannot write (an old code) keeps its stored sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaigns.matching.diagnose import suggestion_sentences
from campaigns.matching.explain import Explanation, shekels, value_sentences
from campaigns.matching.result import Diagnosis, Suggestion
from campaigns.planning import Reason, ReasonCode, explain
from marketplace.i18n import money_formatter


def say(reason: Mapping[str, Any], currency: str, lang: str) -> str:
    """The reason's sentence in ``lang``, its amounts in the page's money format."""
    lang = "he" if lang == "he" else "en"
    try:
        code = ReasonCode(str(reason.get("code", "")))
    except ValueError:
        return str(reason.get(lang, ""))
    params = dict(reason.get("params") or {})
    return explain(Reason(code, params), lang, currency, money_formatter())


def why(explanation: Explanation, currency: str, lang: str) -> str:
    """A ranking reason in ``lang``; the value-for-money one with the page's money format."""
    lang = "he" if lang == "he" else "en"
    if explanation.code != "value":
        return explanation.he if lang == "he" else explanation.en
    write = money_formatter()
    en, he = value_sentences(explanation.params, lambda minor: write(minor, currency))
    return he if lang == "he" else en


def advise(suggestion: Suggestion, currency: str, lang: str) -> str:
    """A suggestion of an emptied list in ``lang``, its amounts in the page's money format."""
    write = money_formatter()
    try:
        en, he = suggestion_sentences(
            suggestion.code, suggestion.params, lambda minor: write(minor, currency)
        )
    except KeyError:  # a code (or figure) this version cannot write: the stored sentence
        return suggestion.he if lang == "he" else suggestion.en
    return he if lang == "he" else en


def diagnosed(diagnosis: Diagnosis, budget_minor: int, currency: str, lang: str) -> str:
    """Why the list emptied, in ``lang``, the budgets it names in the page's money format."""
    write = money_formatter()
    text = diagnosis.he if lang == "he" else diagnosis.en
    budgets = {budget_minor} | {
        int(s.params["budget_minor"]) for s in diagnosis.suggestions if "budget_minor" in s.params
    }
    for minor in sorted(budgets, reverse=True):
        if minor > 0:
            text = text.replace(shekels(minor), write(minor, currency))
    return text
