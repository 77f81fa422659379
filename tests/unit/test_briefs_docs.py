"""The documented brief JSON format: the schema, the examples and parse_brief agree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from campaigns.brief import BriefInvalid, brief_to_dict, parse_brief
from marketplace.briefs.schema import brief_schema, draft_schema, schema_text
from marketplace.catalog.vocab import TOPICS

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("brief*.json"))
#: The examples' flights start in 2027; the check runs as if it were before then.
BEFORE_THE_FLIGHTS = date(2026, 12, 1)


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_documented_schema_is_the_one_the_code_builds() -> None:
    assert (DOCS / "brief.schema.json").read_text(encoding="utf-8") == schema_text()


def test_there_are_english_and_hebrew_examples() -> None:
    assert [p.name for p in EXAMPLES] == ["brief.he.json", "brief.json"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_passes_the_schema_and_parse_brief(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(validator(brief_schema()).iter_errors(data)) == []
    spec = parse_brief(data, today=BEFORE_THE_FLIGHTS, topics=frozenset(TOPICS))
    # What parse_brief reads back out is itself a valid brief, field for field.
    written = brief_to_dict(spec)
    assert list(validator(brief_schema()).iter_errors(written)) == []
    assert {k: v for k, v in written.items() if k in data} == data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"goal": "virality"}, "goal"),
        ({"topics": ["astrology"]}, "topics"),
        ({"budget_minor": 0}, "budget_minor"),
        ({"budget_minor": 9_999_999_999_999_900}, "budget_minor"),
        ({"kpis": {"engagement_rate": 12_000}}, "kpis.engagement_rate"),
        ({"colour": "red"}, "colour"),
        ({"starts_on": "next week"}, "starts_on"),
    ],
)
def test_schema_and_parser_refuse_the_same_mistakes(change: dict[str, Any], field: str) -> None:
    data = {**json.loads((DOCS / "examples" / "brief.json").read_text(encoding="utf-8")), **change}
    assert list(validator(brief_schema()).iter_errors(data)) != []
    with pytest.raises(BriefInvalid) as invalid:
        parse_brief(data, today=BEFORE_THE_FLIGHTS, topics=frozenset(TOPICS))
    assert field in {p.field for p in invalid.value.problems}


def test_a_draft_may_be_incomplete_but_not_malformed() -> None:
    draft = validator(draft_schema())
    assert list(draft.iter_errors({"title": "רעיון", "goal": None, "budget_minor": 0})) == []
    assert list(draft.iter_errors({"title": "x", "platforms": ["myspace"]})) != []
    assert list(validator(brief_schema()).iter_errors({"title": "רעיון"})) != []
