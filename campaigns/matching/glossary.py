"""The brief's words in the catalog's other languages, for the text fit across languages.

Text fit compares the brief's words with the community's own words, so an English brief for
home solar shares no word with a Hebrew group of homeowners ("בעלי בתים", "סולארית"). No
multilingual model can be installed here, so a small hand-written glossary of the market's common
product and audience words (``glossary.csv``: English, Hebrew, Arabic, Russian, one concept a
row) translates the brief: each brief word the glossary knows brings the concept's forms in the
other languages. The translation is a second query over the same community rows; it counts at
``TRANSLATED_WEIGHT`` (scoring.py), and never adds a word to a community's text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from campaigns.matching.text import form_keys, form_matches, normalise, word_forms

GLOSSARY_PATH = Path(__file__).with_name("glossary.csv")
LANGUAGES = ("en", "he", "ar", "ru")
#: Forms shorter than this match whole words only; longer ones also match words they start.
PREFIX_MATCH_FROM = 5


@dataclass(frozen=True, slots=True)
class Concept:
    """One glossary row: the forms of a concept in each language, and the catalog topic whose
    audience it names, if any (``topic`` column: babies -> parenting, dogs -> pets)."""

    forms: dict[str, tuple[str, ...]]
    topic: str | None = None


def _key(form: str) -> tuple[str, ...]:
    # normalise() inserts prefix-stripped copies of Hebrew words; keep the words as written.
    words = normalise(form.replace("-", " ")).split()
    out: list[str] = []
    for w in words:
        if out and out[-1][1:] == w and len(out[-1]) >= 5:
            continue
        out.append(w)
    return tuple(out)


@lru_cache(maxsize=1)
def load_glossary(path: Path = GLOSSARY_PATH) -> tuple[Concept, ...]:
    """The glossary's concepts (comment lines start with "#")."""
    with path.open(encoding="utf-8") as handle:
        rows = [line for line in handle if line.strip() and not line.startswith("#")]
    concepts: list[Concept] = []
    for row in csv.DictReader(rows):
        forms = {
            lang: tuple(f.strip() for f in (row.get(lang) or "").split("|") if f.strip())
            for lang in LANGUAGES
        }
        concepts.append(Concept(forms, (row.get("topic") or "").strip() or None))
    return tuple(concepts)


@dataclass(frozen=True, slots=True)
class _Index:
    #: first word of a form -> (concept number, language, rest of the form's words)
    exact: dict[str, list[tuple[int, str, tuple[str, ...]]]]
    prefix: dict[str, list[tuple[int, str, tuple[str, ...]]]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    exact: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
    prefix: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
    for n, concept in enumerate(load_glossary()):
        for lang, forms in concept.forms.items():
            for form in forms:
                words = _key(form)
                if not words:
                    continue
                for key, is_prefix in form_keys(words[0], PREFIX_MATCH_FROM):
                    table = prefix if is_prefix else exact
                    table.setdefault(key, []).append((n, lang, words[1:]))
    return _Index(exact, prefix)


def _matches(form: str, word: str) -> bool:
    return form_matches(form, word, PREFIX_MATCH_FROM)


def _spans(words: list[str]) -> list[tuple[int, str, int, int]]:
    """Every glossary form in ``words`` (normalised): (concept, language, first, last word)."""
    index = _index()
    out: list[tuple[int, str, int, int]] = []
    for i, word in enumerate(words):
        # The word or an inflection of it (text.word_forms, text.form_key).
        hits: list[tuple[int, str, tuple[str, ...]]] = []
        for form in word_forms(word):
            hits.extend(index.exact.get(form, ()))
            for n in range(PREFIX_MATCH_FROM, len(form) + 1):
                hits.extend(index.prefix.get(form[:n], ()))
        for concept, lang, rest in dict.fromkeys(hits):
            # the rest of a form's words, each within the next 2 x len(rest) words
            window = range(i + 1, min(len(words), i + 1 + 2 * len(rest)))
            at = [next((j for j in window if _matches(r, words[j])), None) for r in rest]
            if all(j is not None for j in at):
                out.append((concept, lang, i, max([i, *(j for j in at if j is not None)])))
    return out


def found_concepts(text: str) -> dict[int, set[str]]:
    """Glossary concepts whose forms appear in ``text``: concept number -> languages seen."""
    found: dict[int, set[str]] = {}
    for concept, lang, _first, _last in _spans(normalise(text).split()):
        found.setdefault(concept, set()).add(lang)
    return found


def concept_topics(words: list[str]) -> tuple[frozenset[str], frozenset[int]]:
    """The catalog topics of the glossary concepts named in ``words`` (normalised), and the
    positions of the words that a concept of several words covers. The longer phrase wins:
    "car seats" names parenting and its "car" is no word about cars; "אובדן כושר עבודה"
    (disability insurance) names finance and its "כושר" is no fitness
    (topics.split_brief_topics)."""
    concepts = load_glossary()
    spans = _spans(words)
    topics: set[str] = set()
    covered: set[int] = set()
    for concept, _lang, first, last in spans:
        inside = any(
            other != concept and start <= first and last <= end and end - start > last - first
            for other, _, start, end in spans
        )
        topic = concepts[concept].topic
        if inside or topic is None:
            continue
        topics.add(topic)
        if last > first:
            covered.update(range(first, last + 1))
    return frozenset(topics), frozenset(covered)


def translate(text: str) -> str:
    """The forms, in the other languages, of every glossary concept ``text`` names ("" if none).

    "children's shoes" gives "ילדים ילדי … أطفال … дети … נעליים נעלי …"; a Hebrew text gives the
    English, Arabic and Russian forms. A concept named in several languages brings the rest.
    """
    concepts = load_glossary()
    parts: list[str] = []
    for number, langs in sorted(found_concepts(text).items()):
        for lang in LANGUAGES:
            if lang not in langs:
                parts.extend(concepts[number].forms[lang])
    return " ".join(parts)
