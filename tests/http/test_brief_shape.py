"""One brief shape: the spec's field table is what the JSON, the schema, the form and the
stored columns are all built from, so a field added to the brief is covered everywhere or
this test names where it is missing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from campaigns.brief import (
    BRIEF_FIELDS,
    FIELD_NAMES,
    BriefSpec,
    Goal,
    Kpi,
    KpiKind,
    brief_json,
    brief_to_dict,
    clean_draft,
    parse_brief,
)
from marketplace.briefs import services
from marketplace.briefs.forms import BriefForm, form_field_names
from marketplace.briefs.models import Brief
from marketplace.briefs.schema import brief_schema, draft_schema, schema_text
from marketplace.briefs.views import _PAGE_ORDER
from pricing.taxonomy import Platform

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIELD_IDS = [f.name for f in BRIEF_FIELDS]


def test_the_field_table_is_the_spec_s_fields_in_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(BriefSpec)) == FIELD_NAMES
    assert len(set(FIELD_NAMES)) == len(FIELD_NAMES)
    assert services.FIELDS == FIELD_NAMES


@pytest.mark.parametrize("spec_field", BRIEF_FIELDS, ids=FIELD_IDS)
def test_every_brief_field_is_in_the_schema_the_form_and_the_table(spec_field: Any) -> None:
    name = spec_field.name
    assert name in brief_schema()["properties"], f"{name}: not in the JSON Schema"
    assert name in draft_schema()["properties"], f"{name}: not in the API's draft schema"
    assert name in Brief.__table__.columns, f"{name}: no column on briefs (and a migration)"
    for form_name in form_field_names(spec_field):
        assert hasattr(BriefForm, form_name), f"{name}: the form has no field {form_name}"
        assert form_name in {n for n, _kind in _PAGE_ORDER}, f"{form_name}: not in the summary"


def test_the_documented_schema_is_generated_from_the_field_table() -> None:
    assert (DOCS / "brief.schema.json").read_text(encoding="utf-8") == schema_text()
    assert list(brief_schema()["properties"]) == list(FIELD_NAMES)


def test_spec_storage_and_draft_write_the_same_json() -> None:
    spec = BriefSpec(
        goal=Goal.AWARENESS,
        title="Spring",
        message="Run more",
        audience={"gender": ("female",)},
        topics=("fitness",),
        exclude_communities=(3,),
        platforms=(Platform.WHATSAPP_GROUP,),
        budget_minor=100_000,
        starts_on=dt.date(2027, 1, 2),
        kpis=(Kpi(KpiKind.REACH, 5_000),),
    )
    written = brief_to_dict(spec)
    assert list(written) == list(FIELD_NAMES)
    assert parse_brief(written) == spec
    stored = Brief(**clean_draft(written))
    assert brief_json(stored) == written
    assert services.brief_data(stored) == written


def test_the_form_page_shows_every_field(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("brand").email)
    page = client.get("/briefs/new").get_data(as_text=True)
    missing = [
        form_name
        for spec_field in BRIEF_FIELDS
        for form_name in form_field_names(spec_field)
        if f'name="{form_name}"' not in page
    ]
    assert missing == []


def test_worth_per_result_is_optional_money_kept_in_minor_units(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """The brief's "what one result is worth" (issue 16): one field-table row, its column and
    migration, and the form reads it like the budget (shekels in, agorot stored, null if not
    said)."""
    from tests.http.test_briefs import brief_id_of, form, stored, text

    assert (
        parse_brief({"goal": "awareness", "message": "x", "budget_minor": 1}).result_worth_minor
        is None
    )
    spec = parse_brief(
        {"goal": "awareness", "message": "x", "budget_minor": 1, "result_worth_minor": 250}
    )
    assert spec.result_worth_minor == 250
    assert brief_to_dict(spec)["result_worth_minor"] == 250
    for bad in (0, -5, "250", 2.5):
        with pytest.raises(Exception, match="result_worth_minor"):
            parse_brief(
                {"goal": "awareness", "message": "x", "budget_minor": 1, "result_worth_minor": bad}
            )
    auth.login(make_user("brand", locale="en").email)
    said = stored(app, brief_id_of(client.post("/briefs/new", data=form(result_worth="2.50"))))
    assert said.result_worth_minor == 250
    assert 'value="2.50"' in text(client.get(f"/briefs/{said.id}/edit"))
    silent = stored(app, brief_id_of(client.post("/briefs/new", data=form())))
    assert silent.result_worth_minor is None
    assert services.brief_data(silent)["result_worth_minor"] is None
    too_fine = client.post(f"/briefs/{said.id}/edit", data=form(result_worth="1.001"))
    assert too_fine.status_code == 400
