"""The API keeps the contract its OpenAPI document states: Schemathesis against a live Kesher.

Schemathesis (pinned in pyproject.toml) reads /api/v1/openapi.json from an app served on
loopback and, with a brand's API token, tests every operation the document lists (so new
operations are covered as soon as they are documented): examples, boundary (coverage) cases,
random positive and negative inputs, and stateful sequences that follow the document's links
(create a brief, then read, replace, submit, match and plan it). Its default checks fail on a
500, an undeclared status code or content type, a body that breaks its schema, an input the
schema forbids but the server accepts, or one it allows but the server refuses. Any finding
fails this test with Schemathesis's report. Seeded, so `make test` is repeatable.

The single-operation phases and the stateful phase run one after the other, and a recorder in
front of the app counts the answers of each: every documented operation must be called, and the
walks must reach create, read, replace, update, match, plan and the deal operations with a 2xx
(the figures are printed: run with -s, or read figures.txt in the test's tmp_path).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
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


class Recorder:
    """WSGI middleware that notes each API request's operation (as documented) and status."""

    def __init__(self, wsgi_app: Any, document: dict[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.patterns = [
            (re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in document["paths"]
        ]

    def operation(self, method: str, path: str) -> str:
        for pattern, documented in self.patterns:
            if pattern.match(path):
                return f"{method} {documented}"
        return f"{method} (undocumented)"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        label = self.operation(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))

        def record(status: str, headers: Any, *rest: Any) -> Any:
            with self.lock:
                self.calls.append((label, int(status.split(" ", 1)[0])))
            return start_response(status, headers, *rest)

        return self.wsgi_app(environ, record)

    def taken(self) -> list[tuple[str, int]]:
        with self.lock:
            calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def live_api(app: Flask) -> Iterator[tuple[str, Recorder]]:
    """Serve the test app on a free loopback port (its database is the test's), recorded."""
    with app.test_request_context():
        from marketplace.api import openapi

        recorder = Recorder(app.wsgi_app, openapi.document())
    server = make_server("127.0.0.1", 0, recorder, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", recorder
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


def _schemathesis(live: str, secret: str, report: Path, phases: str) -> str:
    """Run Schemathesis's `phases` against the live app; its summary (failing on any finding)."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--no-color",
        "--config-file", str(Path(__file__).with_name("schemathesis.toml")),
        "run", f"{live}/api/v1/openapi.json",
        "--phases", phases,
        "--header", f"Authorization: Bearer {secret}",
        "--max-examples", str(EXAMPLES),
        "--generation-deterministic",
        "--generation-allow-x00", "false",  # NUL in JSON text: PostgreSQL refuses it (400)
        # One worker: with two, Hypothesis describes lambdas from two threads at once and
        # Python 3.11's ast module fails ("AST constructor recursion depth mismatch").
        "--workers", "1",
        "--request-timeout", "30",
        "--suppress-health-check", "all",
        "--report", "ndjson",
        "--report-dir", str(report),
    ]  # fmt: skip
    run = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        capture_output=True,
        text=True,
        timeout=seconds(600),
        check=False,
        cwd=report.parent,
    )
    summary = run.stdout
    assert run.returncode == 0, f"Schemathesis found problems:\n{summary}\n{run.stderr[-3000:]}"
    assert "Warnings:" not in summary, summary  # e.g. an operation refusing most valid data
    return summary


def _successes(calls: list[tuple[str, int]]) -> Counter[str]:
    return Counter(label for label, status in calls if 200 <= status < 300)


#: What the stateful phase must reach with a 2xx answer, following the document's links from a
#: created or listed brief or a deal: a brief's life as a client walks it.
STATEFUL_SUCCESSES = (
    "POST /api/v1/briefs",
    "GET /api/v1/briefs/{brief_id}",
    "PUT /api/v1/briefs/{brief_id}",
    "PATCH /api/v1/briefs/{brief_id}",
    "GET /api/v1/briefs/{brief_id}/matches",
    "GET /api/v1/briefs/{brief_id}/plan",
)
#: A deal's operations, reached from the deal list's links. The walks pick among more links as
#: operations are added, so each one must answer 2xx in some phase, and at least one of them
#: through a link in the stateful phase (a walk from the list to a real deal).
DEAL_SUCCESSES = (
    "GET /api/v1/deals/{deal_id}",
    "GET /api/v1/deals/{deal_id}/offers",
    "GET /api/v1/deals/{deal_id}/agreement",
    "GET /api/v1/deals/{deal_id}/creative",
)


def test_every_operation_keeps_the_openapi_contract(
    app: Flask, make_user: Any, live_api: tuple[str, Recorder], tmp_path: Path
) -> None:
    live, recorder = live_api
    secret = _seed(app, make_user)
    document = app.test_client().get("/api/v1/openapi.json").json
    documented = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    # Schemathesis leaves out the operation that serves the document it reads (getOpenApi);
    # test_the_document_states_every_answer_limit_and_link covers that one.
    expected = len(documented) - 1
    started = time.monotonic()
    single = _schemathesis(live, secret, tmp_path / "single", "examples,coverage,fuzzing")
    single_calls = recorder.taken()
    stateful = _schemathesis(live, secret, tmp_path / "stateful", "stateful")
    stateful_calls = recorder.taken()
    elapsed = time.monotonic() - started

    for summary in (single, stateful):
        selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", summary)
        assert selected, summary
        assert int(selected.group(1)) == int(selected.group(2)) == expected, summary
    tested = re.search(r"Tested: (\d+)", single)
    assert tested, single
    assert int(tested.group(1)) == expected, single
    cases = [re.search(r"(\d+) generated, \1 passed", s) for s in (single, stateful)]
    assert all(cases), (single, stateful)
    scenarios = re.search(r"Scenarios:\s+(\d+)", stateful)
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", stateful)
    assert scenarios, stateful
    assert links, stateful

    # Every documented operation but the document itself was called, whatever it answered.
    called = {label for label, _ in single_calls}
    assert called >= documented - {"GET /api/v1/openapi.json"}, documented - called
    # The stateful phase really walks a brief's life: each step answered 2xx at least once.
    reached = _successes(stateful_calls)
    missing = [label for label in STATEFUL_SUCCESSES if not reached[label]]
    assert not missing, (
        f"the stateful phase never reached these with a 2xx: {missing}; it got "
        f"{sorted(Counter(stateful_calls).items())}"
    )
    anywhere = reached + _successes(single_calls)
    assert [label for label in DEAL_SUCCESSES if not anywhere[label]] == [], anywhere
    assert any(reached[label] for label in DEAL_SUCCESSES), sorted(Counter(stateful_calls).items())
    # Submitting needs a complete brief (a goal, a budget, a target, flights from today on),
    # which random data rarely is: the walks must reach it on real briefs (200, 409 or 422,
    # not only 404); test_briefs_api walks create → submit with a complete one.
    submit = "POST /api/v1/briefs/{brief_id}/submit"
    assert any(label == submit and code != 404 for label, code in stateful_calls)
    submitted = _successes(single_calls)[submit] + reached[submit]

    figures = (
        f"Schemathesis: {sum(int(c.group(1)) for c in cases if c)} cases generated "
        f"({cases[0].group(1) if cases[0] else '?'} single-operation, "
        f"{cases[1].group(1) if cases[1] else '?'} stateful), {expected} of "
        f"{len(documented)} operations tested (Schemathesis skips the document's own), "
        f"{scenarios.group(1)} stateful scenarios, {links.group(1)}/{links.group(2)} links "
        f"covered, {len(single_calls) + len(stateful_calls)} requests, 0 failures, "
        f"{elapsed:.0f} s; briefs submitted with a 2xx: {submitted}.\n"
        "Stateful 2xx by operation: "
        + ", ".join(f"{label} ×{reached[label]}" for label in sorted(reached))
    )
    print(figures)  # for the log: quoted in the closing note
    (tmp_path / "figures.txt").write_text(figures + "\n", encoding="utf-8")


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
    assert response.json["error"]["code"] == "invalid_body"  # the schema's 1 … 2^31-1
    assert {(p["field"], p["code"]) for p in response.json["error"]["problems"]} == {
        ("must_have_communities.0", "out_of_range"),
        ("must_have_communities.1", "out_of_range"),
        ("exclude_communities.0", "out_of_range"),
    }
    # Past the API (forms, JSON files), the rule still looks them up without overflowing.
    from marketplace.briefs import services as briefs

    with app.app_context():
        problems = briefs.draft_problems(db.session, {"title": "x", "exclude_communities": [2**62]})
    assert [(p.field, p.code) for p in problems] == [("exclude_communities", "unknown_community")]
