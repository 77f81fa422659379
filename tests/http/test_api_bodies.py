"""API bodies are read strictly, against the schema the OpenAPI document publishes.

Every class of body the document forbids gets a 422 ``invalid_body`` with each problem by
field (before, the brief endpoints read null as empty, one string as a list of one, and any
date ``date.fromisoformat`` took). The check is generic: any operation documented with a JSON
``requestBody`` gets it (see ``marketplace.api.bodies``).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from marketplace.api import bodies
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.extensions import db
from pricing.taxonomy import Platform
from tests.factories import make_brief
from tests.http.test_api import token_for

PLATFORMS = ", ".join(p.value for p in Platform)


@pytest.fixture
def api(app: Flask, client: Any, make_user: Any) -> Any:
    brand = make_user("brand")
    headers = {"Authorization": f"Bearer {token_for(app, brand)}"}
    with app.app_context():
        brief_id = make_brief(db.session, db.session.get(User, brand.id)).id
        db.session.commit()

    def call(method: str, url: str, body: Any = None, **kw: Any) -> Any:
        url = url.replace("{id}", str(brief_id))
        return client.open(url, method=method, headers=headers, json=body, **kw)

    return call


def said(app: Flask, message: Any) -> str:
    """A message as the API says it (in the default language: the token has no user's)."""
    with app.test_request_context():
        return str(message)


def invalid(app: Flask, *problems: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "error": {
            "code": "invalid_body",
            "message": said(app, bodies.INVALID_BODY),
            "problems": [{"field": f, "code": c, "message": m} for f, c, m in problems],
        }
    }


#: Each class of forbidden body, with the exact problem it earns.
CASES = [
    # a wrong type, and the lenient readings that are gone: one string for a list, null
    (
        {"title": "x", "topics": "fitness"},
        ("topics", "wrong_type", "must be an array, not a string"),
    ),
    ({"title": "x", "topics": None}, ("topics", "wrong_type", "must be an array, not null")),
    ({"goal": "awareness", "title": None}, ("title", "wrong_type", "must be a string, not null")),
    (
        {"title": "x", "budget_minor": "100"},
        ("budget_minor", "wrong_type", "must be an integer, not a string"),
    ),
    (
        {"title": "x", "budget_minor": True},
        ("budget_minor", "wrong_type", "must be an integer, not a boolean"),
    ),
    (
        {"title": "x", "kpis": {"reach": 1.5}},
        ("kpis.reach", "wrong_type", "must be an integer, not a number"),
    ),
    (
        {"title": "x", "exclude_communities": [1, "2"]},
        ("exclude_communities.1", "wrong_type", "must be an integer, not a string"),
    ),
    # unknown fields, wherever additionalProperties is false
    ({"title": "x", "colour": "red"}, ("colour", "unknown_field", "is not a known field")),
    ({"title": "x", "kpis": {"likes": 3}}, ("kpis.likes", "unknown_field", "is not a known field")),
    (
        {"title": "x", "audience": {"pets": ["cats"]}},
        ("audience.pets", "unknown_field", "is not a known field"),
    ),
    # dates: only the full-date form YYYY-MM-DD (fromisoformat took the others)
    (
        {"title": "x", "starts_on": "20270105"},
        ("starts_on", "bad_date", "'20270105' is not a date (YYYY-MM-DD)"),
    ),
    (
        {"title": "x", "starts_on": "2027-W01-1"},
        ("starts_on", "bad_date", "'2027-W01-1' is not a date (YYYY-MM-DD)"),
    ),
    (
        {"title": "x", "ends_on": "2027-02-30"},
        ("ends_on", "bad_date", "'2027-02-30' is not a date (YYYY-MM-DD)"),
    ),
    (
        {"title": "x", "ends_on": "2027-01-05T00:00"},
        ("ends_on", "bad_date", "'2027-01-05T00:00' is not a date (YYYY-MM-DD)"),
    ),
    # strings over maxLength, numbers out of range
    ({"title": "x" * 201}, ("title", "too_long", "at most 200 characters")),
    ({"title": "x", "budget_minor": -1}, ("budget_minor", "out_of_range", "must be at least 0")),
    (
        {"title": "x", "budget_minor": 2_000_000_001},
        ("budget_minor", "out_of_range", "must be at most 2000000000"),
    ),
    (
        {"title": "x", "kpis": {"engagement_rate": 10_001}},
        ("kpis.engagement_rate", "out_of_range", "must be at most 10000"),
    ),
    (
        {"title": "x", "must_have_communities": [0]},
        ("must_have_communities.0", "out_of_range", "must be at least 1"),
    ),
    # values outside an enum
    (
        {"title": "x", "platforms": ["myspace"]},
        ("platforms.0", "unknown_value", f"'myspace' is not one of: {PLATFORMS}"),
    ),
    (
        {"title": "x", "currency": "GBP"},
        ("currency", "unknown_value", "'GBP' is not one of: ILS, USD, EUR"),
    ),
    # the body itself, and the one draft rule a schema states: a title or a goal
    (["awareness"], ("body", "wrong_type", "must be an object, not an array")),
    ({"title": "   "}, ("title", "title_or_goal", "a draft needs a title or a goal")),
    (
        {"goal": None, "topics": ["fitness"]},
        ("title", "title_or_goal", "a draft needs a title or a goal"),
    ),
]


@pytest.mark.parametrize(("body", "problem"), CASES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_body_the_schema_forbids_is_a_422_with_the_problem_by_field(
    app: Flask, api: Any, method: str, body: Any, problem: tuple[str, str, str]
) -> None:
    url = "/api/v1/briefs" if method == "POST" else "/api/v1/briefs/{id}"
    with app.app_context():
        before = db.session.query(Brief).count()
        stored = api("GET", "/api/v1/briefs/{id}").json["brief"]
    response = api(method, url, body)
    assert response.status_code == 422
    assert response.json == invalid(app, problem)
    with app.app_context():
        assert db.session.query(Brief).count() == before  # nothing created …
    assert api("GET", "/api/v1/briefs/{id}").json["brief"] == stored  # … nor changed


def test_every_problem_of_a_body_is_listed_in_field_order(app: Flask, api: Any) -> None:
    response = api(
        "PATCH",
        "/api/v1/briefs/{id}",
        {"topics": None, "starts_on": "5.1.2027", "title": 7, "zzz": 1, "kpis": {"reach": 0}},
    )
    assert response.status_code == 422
    assert response.json == invalid(
        app,
        ("kpis.reach", "out_of_range", "must be at least 1"),
        ("starts_on", "bad_date", "'5.1.2027' is not a date (YYYY-MM-DD)"),
        ("title", "wrong_type", "must be a string, not an integer"),
        ("topics", "wrong_type", "must be an array, not null"),
        ("zzz", "unknown_field", "is not a known field"),
    )


def test_a_long_refused_value_is_not_echoed_whole(api: Any) -> None:
    response = api("POST", "/api/v1/briefs", {"title": "x", "starts_on": "9" * 5000})
    (problem,) = response.json["error"]["problems"]
    assert problem["message"] == f"'{'9' * 40}…' is not a date (YYYY-MM-DD)"


def test_a_body_that_is_not_json_is_a_400(app: Flask, api: Any) -> None:
    not_json = [
        ("goal=awareness", "text/plain"),
        ("", "application/json"),
        ("{", "application/json"),
        ("null x", "application/json"),
    ]
    for data, content_type in not_json:
        response = api("POST", "/api/v1/briefs", data=data, content_type=content_type)
        assert response.status_code == 400, data
        assert response.json["error"] == {
            "code": "bad_json",
            "message": said(app, bodies.NOT_JSON),
        }
    null = api("POST", "/api/v1/briefs", data="null", content_type="application/json")
    assert null.status_code == 422
    assert null.json == invalid(app, ("body", "wrong_type", "must be an object, not null"))


def test_what_the_schema_allows_is_read_as_it_says(api: Any) -> None:
    # 2.0 is the integer 2 in JSON Schema, so the server takes it as one.
    created = api(
        "POST",
        "/api/v1/briefs",
        {"title": "x", "budget_minor": 200_000.0, "kpis": {"reach": 20_000.0}, "starts_on": None},
    )
    assert created.status_code == 201
    assert created.json["brief"]["budget_minor"] == 200_000
    assert created.json["brief"]["kpis"] == {"reach": 20_000}
    # PATCH sends only what changes: no title or goal needed, the stored ones stay.
    patched = api("PATCH", f"/api/v1/briefs/{created.json['id']}", {"regions": ["center"]})
    assert patched.status_code == 200
    assert patched.json["brief"]["title"] == "x"


@pytest.mark.parametrize("value", ["Yes", "TRUE", " 1", "1 ", "", "y"])
def test_submit_takes_exactly_the_documented_words(api: Any, value: str) -> None:
    response = api("POST", f"/api/v1/briefs?submit={value}", {"title": "x"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "not_a_boolean"


def test_an_unknown_status_filter_is_a_400(api: Any) -> None:
    assert api("GET", "/api/v1/briefs?status=draft").status_code == 200
    for value in ("", "Draft", "drafts"):
        response = api("GET", f"/api/v1/briefs?status=draft&status={value}")
        assert response.status_code == 400, value
        assert response.json["error"]["code"] == "bad_parameter"


def test_every_documented_body_is_checked_by_the_route_that_serves_it(
    app: Flask, client: Any
) -> None:
    document = client.get("/api/v1/openapi.json").json
    specs = bodies.body_specs(document)
    served = {
        (bodies.documented_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    assert specs
    assert set(specs) <= served  # a documented body no route serves: a path that drifted
    for path, item in document["paths"].items():
        for operation in item.values():
            if "requestBody" in operation:
                responses = operation["responses"]
                assert responses["422"]["description"].startswith("invalid_body: "), path
                assert "bad_json" in responses["400"]["description"], path


def test_a_new_operation_gets_the_check_from_its_document_alone() -> None:
    # What a feature adds: a path with a requestBody whose schema refers to a component.
    document = {
        "paths": {"/api/v1/things/{thing_id}": {"put": {
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}},
        }}},
        "components": {"schemas": {"Thing": {
            "type": "object", "additionalProperties": False, "required": ["on"],
            "properties": {"on": {"type": "string", "format": "date"},
                           "note": {"type": ["string", "null"], "maxLength": 3}},
        }}},
    }  # fmt: skip
    spec = bodies.body_specs(document)[("/api/v1/things/{thing_id}", "PUT")]
    assert spec.required
    assert bodies.problems(spec.validator, {"on": "2027-01-05", "note": None}) == []
    assert [p.to_json() for p in bodies.problems(spec.validator, {"note": "long", "x": 1})] == [
        {"field": "note", "code": "too_long", "message": "at most 3 characters"},
        {"field": "on", "code": "missing", "message": "is required"},
        {"field": "x", "code": "unknown_field", "message": "is not a known field"},
    ]
    assert bodies.documented_path("/api/v1/things/<int:thing_id>") == "/api/v1/things/{thing_id}"
