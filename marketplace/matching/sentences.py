"""A plan's reasons and notes, and a ranking's diagnosis, as sentences with the reader's money
format.

A stored plan keeps each reason's sentence in both languages as the engine wrote it
("₪9,149"), and its code and figures. The pages write the sentence again from the figures with
the locale's money formatter, so a note's amount reads like every other amount on the page
("‏9,149.00 ₪"); a reason this version cannot write (an old code) keeps its stored sentence.
A ranking's diagnosis (why the list emptied), its suggestions and each row's value-for-money
reason are written the same way from their parts, for the page, the API and `flask match` alike
(`diagnosed`, `why`, `result_dict`). Each sentence takes the money format of the language it is
written in (`money_formatter(lang)`), so a JSON answer's "he" and "en" each read as their own
page does, whatever the request's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaigns.matching.diagnose import diagnosis_sentences, suggestion_sentences
from campaigns.matching.explain import Explanation, value_sentences
from campaigns.matching.result import Diagnosis, MatchResult, Suggestion
from campaigns.planning import Reason, ReasonCode, explain
from marketplace.i18n import money_formatter


def say(reason: Mapping[str, Any], currency: str, lang: str) -> str:
    """The reason's sentence in ``lang``, its amounts in that language's money format."""
    lang = "he" if lang == "he" else "en"
    try:
        code = ReasonCode(str(reason.get("code", "")))
    except ValueError:
        return str(reason.get(lang, ""))
    params = dict(reason.get("params") or {})
    return explain(Reason(code, params), lang, currency, money_formatter(lang))


def refusal(reason: Reason, currency: str, lang: str) -> str:
    """A plan rule's refusal of a ranked community (`flask match`) in ``lang``, its amounts in
    that language's money format."""
    lang = "he" if lang == "he" else "en"
    return explain(reason, lang, currency, money_formatter(lang))


def why(explanation: Explanation, currency: str, lang: str) -> str:
    """A ranking reason in ``lang``; the value-for-money one with that language's money
    format (a reason whose figures this version cannot read keeps its stored sentence)."""
    lang = "he" if lang == "he" else "en"
    if explanation.code != "value":
        return explanation.he if lang == "he" else explanation.en
    write = money_formatter(lang)
    try:
        en, he = value_sentences(explanation.params, lambda minor: write(minor, currency))
    except (KeyError, ValueError, TypeError):
        return explanation.he if lang == "he" else explanation.en
    return he if lang == "he" else en


def advise(suggestion: Suggestion, currency: str, lang: str) -> str:
    """A suggestion of an emptied list in ``lang``, its amounts in that language's money format."""
    write = money_formatter("he" if lang == "he" else "en")
    try:
        en, he = suggestion_sentences(
            suggestion.code, suggestion.params, lambda minor: write(minor, currency)
        )
    except KeyError:  # a code (or figure) this version cannot write: the stored sentence
        return suggestion.he if lang == "he" else suggestion.en
    return he if lang == "he" else en


def diagnosed(diagnosis: Diagnosis, currency: str, lang: str) -> str:
    """Why the list emptied, in ``lang``, written from its parts with that language's money
    format; a diagnosis without parts this version can write keeps its stored sentence."""
    write = money_formatter("he" if lang == "he" else "en")
    try:
        en, he = diagnosis_sentences(
            diagnosis.parts, diagnosis.suggestions, lambda minor: write(minor, currency)
        )
    except (KeyError, ValueError, TypeError):  # no parts (an older diagnosis), or unknown ones
        return diagnosis.he if lang == "he" else diagnosis.en
    return he if lang == "he" else en


def diagnosis_dict(diagnosis: Diagnosis, currency: str) -> dict[str, Any]:
    """The diagnosis as the API and `flask match --json` give it: its English and Hebrew
    sentences, and its suggestions', each with its own language's money format."""
    data = diagnosis.to_dict()
    data["en"], data["he"] = (
        diagnosed(diagnosis, currency, "en"),
        diagnosed(diagnosis, currency, "he"),
    )
    for suggestion, out in zip(diagnosis.suggestions, data["suggestions"], strict=True):
        out["en"], out["he"] = (
            advise(suggestion, currency, "en"),
            advise(suggestion, currency, "he"),
        )
    return data


def result_dict(result: MatchResult, currency: str) -> dict[str, Any]:
    """A ranking as JSON (`MatchResult.to_dict`): each row's reasons written by `why` in both
    languages, its diagnosis by `diagnosis_dict`."""
    data = result.to_dict()
    for row, out_row in zip(result.rows, data["rows"], strict=True):
        for explanation, out in zip(row.explanations, out_row["explanations"], strict=True):
            out["en"], out["he"] = (
                why(explanation, currency, "en"),
                why(explanation, currency, "he"),
            )
    if result.diagnosis is not None:
        data["diagnosis"] = diagnosis_dict(result.diagnosis, currency)
    return data
