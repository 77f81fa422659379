"""The API keeps the contract its OpenAPI document states: Schemathesis against a live Kesher.

Schemathesis (pinned in pyproject.toml) reads /api/v1/openapi.json from an app served on
loopback and, with a brand's API token, tests every operation the document lists (so new
operations are covered as soon as they are documented): examples, boundary (coverage) cases,
random positive and negative inputs, and stateful sequences that follow the document's links
(create a brief, then read, replace, submit, match and plan it). Its default checks fail on a
500, an undeclared status code or content type, a body that breaks its schema, an input the
schema forbids but the server accepts, or one it allows but the server refuses. Any finding
fails this test with Schemathesis's report. Seeded, so `make test` is repeatable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace.auth.models import User
from marketplace.briefs.models import BriefStatus
from marketplace.catalog.models import Community
from marketplace.extensions import db
from tests.factories import make_brief, make_deal, make_plan
from tests.http.test_api import token_for
from tests.http.test_catalog import listed
from tests.processes import seconds

#: Cases per operation and phase: enough to reach every status code, small enough that the run
#: takes well under two minutes per database on a loaded 2-core machine.
EXAMPLES = int(os.environ.get("KESHER_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """Serve the test app on a free loopback port (its database is the test's)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=seconds(5))
        server.server_close()


def _seed(app: Flask, make_user: Any) -> str:
    """A brand with a token, a listed community and briefs in several states; the token."""
    brand = make_user("brand")
    staff = make_user("staff")
    _owner, community_id = listed(app, make_user)
    deal_owner = make_user("owner")
    with app.app_context():
        author = db.session.get(User, brand.id)
        agent = db.session.get(User, staff.id)
        make_brief(db.session, author)
        planned = make_brief(db.session, author, status=BriefStatus.IN_PLANNING, staff=agent)
        community = db.session.get(Community, community_id)
        make_plan(db.session, planned, agent, [community], propose=True)
        # An agreed deal of the brand's, so the deal operations answer 200 too.
        owner = db.session.get_one(User, deal_owner.id)
        make_deal(db.session, brand=author, staff=agent, owner=owner, stage="agreed")
        db.session.commit()
    return token_for(app, brand)


def test_every_operation_keeps_the_openapi_contract(
    app: Flask, make_user: Any, live_api: str, tmp_path: Path
) -> None:
    secret = _seed(app, make_user)
    report = tmp_path / "report"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--no-color",
        "--config-file", str(Path(__file__).with_name("schemathesis.toml")),
        "run", f"{live_api}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {secret}",
        "--max-examples", str(EXAMPLES),
        "--generation-deterministic",
        "--generation-allow-x00", "false",  # NUL in JSON text: PostgreSQL refuses it (400)
        "--workers", "2",  # one waits on the database while the other generates
        "--request-timeout", "30",
        "--suppress-health-check", "all",
        "--report", "ndjson",
        "--report-dir", str(report),
    ]  # fmt: skip
    run = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, capture_output=True, text=True, timeout=seconds(600), check=False, cwd=tmp_path
    )
    summary = run.stdout
    print(summary)  # the figures (cases generated, operations tested, time) for the log
    assert run.returncode == 0, f"Schemathesis found problems:\n{summary}\n{run.stderr[-3000:]}"
    selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    assert selected, summary
    assert tested, summary
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) >= 11
    assert re.search(r"(\d+) generated, \1 passed", summary), summary
    assert "Scenarios:" in summary, summary  # the stateful phase ran


# --- what Schemathesis found, each pinned down -------------------------------------------------


def _bearer(app: Flask, make_user: Any) -> tuple[dict[str, str], int]:
    brand = make_user("brand")
    with app.app_context():
        brief = make_brief(db.session, db.session.get(User, brand.id))
        db.session.commit()
        brief_id = brief.id
    return {"Authorization": f"Bearer {token_for(app, brand)}"}, brief_id


@pytest.mark.parametrize("method", ["PUT", "PATCH", "POST"])
@pytest.mark.parametrize("brief_id", ["0", "007", "2147483648", "9999999999", "9" * 40])
def test_an_id_out_of_range_is_not_found_whatever_the_method(
    app: Flask, client: Any, make_user: Any, method: str, brief_id: str
) -> None:
    # werkzeug answered 405 ("only GET here") when the id converter refused the value on a path
    # whose GET matched, so PUT /briefs/0 contradicted the document (ids are 1 … 2^31-1).
    headers, _ = _bearer(app, make_user)
    path = f"/api/v1/briefs/{brief_id}" + ("/submit" if method == "POST" else "")
    response = client.open(path, method=method, json={"title": "x"}, headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_largest_id_still_routes(app: Flask, client: Any, make_user: Any) -> None:
    headers, brief_id = _bearer(app, make_user)
    assert client.get(f"/api/v1/briefs/{brief_id}", headers=headers).status_code == 200
    response = client.put("/api/v1/briefs/2147483647", json={"title": "x"}, headers=headers)
    assert response.status_code == 404  # routed to the view, which finds no such brief


@pytest.mark.parametrize("value", ["0", "-3", "101", "abc", "1e3", ""])
def test_page_sizes_outside_the_documented_range_are_refused(
    app: Flask, client: Any, make_user: Any, value: str
) -> None:
    # They were clamped silently (per_page=0 answered a page of 1), against the document's 1…100.
    headers, brief_id = _bearer(app, make_user)
    checks = [
        ("/api/v1/communities", "per_page", "bad_search"),
        (f"/api/v1/briefs/{brief_id}/matches", "top", "bad_parameter"),
    ]
    for path, name, code in checks:
        response = client.get(f"{path}?{name}={value}", headers=headers)
        if value == "" and name == "per_page":
            assert response.status_code == 200  # an empty value is the default, as on the web
            continue
        assert response.status_code == 400, (path, value)
        assert response.json["error"]["code"] == code


def test_page_sizes_inside_the_range_are_honoured(app: Flask, client: Any, make_user: Any) -> None:
    headers, brief_id = _bearer(app, make_user)
    listed(app, make_user)
    listed(app, make_user)
    page = client.get("/api/v1/communities?per_page=1&sort=newest", headers=headers).json
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    matches = client.get(f"/api/v1/briefs/{brief_id}/matches?top=1", headers=headers)
    assert matches.status_code == 200
    assert len(matches.json["rows"]) <= 1


def test_the_document_states_every_answer_limit_and_link(client: Any) -> None:
    from marketplace.catalog.search import MAX_QUERY_LENGTH
    from marketplace.safety import MAX_ID

    document = client.get("/api/v1/openapi.json").json
    operations = {
        op["operationId"]: op for path in document["paths"].values() for op in path.values()
    }
    for name, op in operations.items():
        assert {"400", "503"} <= set(op["responses"]), name
        if name != "getOpenApi":
            assert "401" in op["responses"], name
        for code, response in op["responses"].items():
            if code >= "400":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (name, code)
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    q = next(p for p in operations["listCommunities"]["parameters"] if p["name"] == "q")
    assert q["schema"]["maxLength"] == MAX_QUERY_LENGTH
    assert "400" in operations["listCommunities"]["responses"]  # a damaged cursor: bad_search
    created = operations["createBrief"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} >= {
        "getBrief",
        "replaceBrief",
        "updateBrief",
        "submitBrief",
        "briefMatches",
        "briefPlan",
    }
    assert all(
        link["parameters"] == {"brief_id": "$response.body#/id"} for link in created.values()
    )
    for name in ("createBrief", "replaceBrief", "updateBrief", "submitBrief"):
        assert "422" in operations[name]["responses"]
    ids = document["components"]["schemas"]["BriefInput"]["properties"]["must_have_communities"]
    assert ids["items"]["maximum"] == MAX_ID


def test_a_repeated_value_in_a_brief_list_counts_once_as_documented(
    app: Flask, client: Any, make_user: Any
) -> None:
    # The schema said uniqueItems, yet the API accepted repeats (and stored them once): the
    # document now says what the server does.
    headers, _ = _bearer(app, make_user)
    response = client.post(
        "/api/v1/briefs",
        json={
            "title": "x",
            "topics": ["fitness", "fitness"],
            "platforms": ["telegram_channel"] * 2,
        },
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json["brief"]["topics"] == ["fitness"]
    assert response.json["brief"]["platforms"] == ["telegram_channel"]
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["BriefInput"]
    assert "uniqueItems" not in json.dumps(schema)


def test_a_community_id_beyond_32_bits_in_a_brief_is_an_unknown_community(
    app: Flask, client: Any, make_user: Any
) -> None:
    # On PostgreSQL the lookup overflowed the id column (a logged 400 from the safety net).
    headers, _ = _bearer(app, make_user)
    response = client.post(
        "/api/v1/briefs",
        json={"title": "x", "must_have_communities": [2**31, 2**62], "exclude_communities": [0]},
        headers=headers,
    )
    assert response.status_code == 422
    problems = {(p["field"], p["code"]) for p in response.json["error"]["problems"]}
    assert ("must_have_communities", "unknown_community") in problems
