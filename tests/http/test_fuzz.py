"""Never a 500: every route × every role with hostile ids, query parameters, forms and JSON.

A sweep first visits every route once per principal with hostile query and form values; then
Hypothesis draws routes, principals, path values (huge, negative, text), parameters (huge
numbers, empty values, FTS operators, redirect targets, damaged cursors) and JSON bodies.
The web's search and filter pages get their own property-based test over the parameters each
view reads (issue #18 item 4), as the API gets Schemathesis. The examples are derandomised so
`make test` is repeatable; KESHER_FUZZ_EXAMPLES=2000 explores further on a developer's machine.
With PROPAGATE_EXCEPTIONS on (testing), an unhandled exception fails the test with its
traceback, and a handled 5xx fails it too.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import os
import pkgutil
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule as UrlRule
from wtforms.fields.core import UnboundField

import marketplace
from marketplace.auth.models import User
from marketplace.catalog import fulltext, search
from marketplace.extensions import db
from tests.http.test_malformed_input import HOSTILE_JSON
from tests.http.test_route_policy import (  # noqa: F401  (world: the fixture)
    PRINCIPALS,
    World,
    expected_access,
    routes,
    sign_in,
    world,
)
from tests.http.test_security import EVIL_TARGETS

EXAMPLES = int(os.environ.get("KESHER_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HUGE = [
    "2147483648",
    "9223372036854775808",
    str(10**30),
    "65628290693944994096840966144",
    "9" * 400,
]
#: Values no form or query should choke on.
HOSTILE_VALUES = [
    "", " ", "0", "-1", "-9223372036854775809", *HUGE, "1e309", "nan", "inf", "1.5", "½", "٣",
    '"', "*", "(", ")", "()", "OR", "AND", "NOT", "-", "NEAR", "NEAR(a b)", "a OR b", '"a"*',
    "^", ":", "'", "\\", "a:*", "!", "&", "|", "<->", "a & !b", "%", "_", "{}", "[]", "null",
    "\u200f", "\u0301", "ﷺ", "😀", "ריצה", "x" * 300, *EVIL_TARGETS,
    _cursor("[" * 200), _cursor("[1e999]"), _cursor('[{"a": 1}, 2]'), _cursor("[true, 1]"),
    _cursor(json.dumps([10**30, 1])), _cursor('["\\u0000", 1]'), "!!!", "AAAA",
]  # fmt: skip


def form_field_names() -> set[str]:
    """Every field name of every form class in marketplace/*/forms.py."""
    names: set[str] = set()
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".forms"):
            for _name, form in inspect.getmembers(importlib.import_module(module.name)):
                if inspect.isclass(form):
                    names.update(
                        field
                        for klass in form.__mro__
                        for field, value in vars(klass).items()
                        if isinstance(value, UnboundField)
                    )
    return names


#: Parameter names the views read, plus fields of their forms.
PARAMETERS = sorted(
    form_field_names()
    | {
        *search.FACET_PARAMS, "q", "sort", "cursor", "evidence", "per_page", "status", "page",
        "top", "before", "next", "back", "submit", "as", "lang", "action", "comment",
        "community_id", "decision", "format", "goal", "kind", "mine", "note", "state",
        "what_if", "channel_cap_pct", "min_communities", "to", "body", "email", "password",
        "confirm", "name", "display_name", "size", "value", "tier", "members", "budget",
        "reason", "role", "active", "locked", "excluded", "currency", "headers", "compliance",
        "amount_minor",
        "amount", "reference", "refund", "number", "legal_name", "vat_number", "address",
        "country",
    }
)  # fmt: skip
HOSTILE_PATH_VALUES = [*HUGE, "0", "-1", "1.0", "abc", "%00", "\x00", "a\x00b", "..", "ריצה"]


def real_values(state: World) -> dict[str, str]:
    return {
        "token": "not-a-real-token",
        "token_id": str(state.token_id),
        "user_id": str(state.target_user_id),
        "filename": "kesher.css",
        "community_id": str(state.community_id),
        "asset_id": str(state.asset_id),
        "snapshot_id": str(state.snapshot_id),
        "file_id": str(state.file_id),
        "import_id": str(state.import_id),
        "pending_id": str(state.pending_id),
        "table": "sources",
        "version_id": str(state.pricing_version_id),
        "brief_id": str(state.brief_id),
        "entry_id": "1",
        "plan_id": "1",
        "job_id": str(state.job_id),
        "deal_id": "1",
        "notification_id": "1",
        "invitation_id": "1",
        "placement_id": "1",
        "image_id": "1",
        "post_id": "1",
        "proof_id": "1",
        "link_id": "1",
        "slug": "not-a-real-slug0",
        "payment_id": "1",
        "payout_id": "1",
        "item_id": "1",
        "document_id": "1",
        "batch_id": "1",
        "hold_id": "1",
        "fmt": "csv",
        "organisation_id": str(state.users["brand_admin"].organisation_id),
    }


_ARGUMENT = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>")


def build_path(rule: UrlRule, values: dict[str, str]) -> str:
    """The rule's path with raw (quoted) values, so that values no converter accepts are sent."""
    return _ARGUMENT.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)


def request_as(
    app: Flask,
    state: World,
    principal: str,
    method: str,
    path: str,
    params: dict[str, list[str]],
    body: str | None = None,
) -> int:
    """Send one request as `principal` and return its status; any exception propagates."""
    client = app.test_client()
    headers = {}
    if principal != "anonymous":
        sign_in(app, client, state.users[principal])
        if principal.startswith("brand"):
            headers["Authorization"] = f"Bearer {state.token_secret}"
    query = urlencode(params, doseq=True)
    url = f"{path}?{query}" if query else path
    if method == "GET" or method == "DELETE":
        response = client.open(url, method=method, headers=headers)
    elif path.startswith("/api/"):
        response = client.open(
            url, method=method, data=body if body is not None else "{}",
            headers={**headers, "Content-Type": "application/json"},
        )  # fmt: skip
    else:
        response = client.open(path, method=method, data=params, headers=headers)
    status = response.status_code
    response.close()
    return status


def test_every_route_for_every_role_survives_hostile_parameters(app: Flask, world: World) -> None:  # noqa: F811
    real = real_values(world)
    hostile = {name: HOSTILE_VALUES[i % len(HOSTILE_VALUES)] for i, name in enumerate(PARAMETERS)}
    checked = set()
    for principal in PRINCIPALS:
        for rule, method in routes(app):
            params = {name: [value, ""] for name, value in hostile.items()}
            status = request_as(
                app, world, principal, method, build_path(rule, real), params,
                body=HOSTILE_JSON["deep"],
            )  # fmt: skip
            assert status < 500, f"{method} {rule.rule} as {principal}: {status}"
            checked.add(rule.endpoint)
    assert checked == {rule.endpoint for rule in app.url_map.iter_rules()}


def test_hypothesis_finds_no_500_on_any_route(app: Flask, world: World) -> None:  # noqa: F811
    real = real_values(world)
    # Requests the policy refuses never reach a view: draw the routes each principal may use.
    reachable = {
        principal: [
            (rule, method)
            for rule, method in routes(app)
            if expected_access(rule.endpoint, principal, world) == "allow"
            or (expected_access(rule.endpoint, principal, world) == "token"
                and principal.startswith("brand"))
        ]
        for principal in PRINCIPALS
    }  # fmt: skip
    value = st.one_of(
        st.sampled_from(HOSTILE_VALUES),
        st.text(max_size=40),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
    )
    path_value = st.one_of(
        st.sampled_from(HOSTILE_PATH_VALUES),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.text(min_size=1, max_size=12),
    )
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
    body = st.one_of(
        st.sampled_from(sorted(HOSTILE_JSON)),  # by name: a failure's report stays short
        st.dictionaries(st.sampled_from(PARAMETERS), json_value, max_size=6).map(json.dumps),
    )

    @FUZZ
    @given(
        target=st.sampled_from(PRINCIPALS).flatmap(
            lambda p: st.tuples(st.just(p), st.sampled_from(reachable[p]))
        ),
        data=st.data(),
        params=st.dictionaries(
            st.sampled_from(PARAMETERS) | st.text(min_size=1, max_size=8),
            st.lists(value, min_size=1, max_size=3),
            max_size=6,
        ),
        body=body,
    )
    def probe(
        target: tuple[str, tuple[UrlRule, str]],
        data: Any,
        params: dict[str, list[str]],
        body: str,
    ) -> None:
        principal, (rule, method) = target
        values = {
            name: data.draw(st.sampled_from([real[name]]) | path_value, label=name)
            for name in rule.arguments
        }
        path = build_path(rule, values)
        body = HOSTILE_JSON.get(body, body)
        status = request_as(app, world, principal, method, path, params, body=body)
        assert status < 500, f"{method} {path} as {principal}: {status}"

    probe()


# --- the search-query builder on both databases (issue #18) ----------------------------------

SEARCH_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(['"', "*", "(", ")", "OR", "AND", "NOT", "-", "NEAR", ":", "^", "&", "|",
                         "!", "<->", "'", "a", "ריצה", " ", "_", "\u0301", "ﷺ", "1", ""]),
        max_size=12,
    ).map(" ".join),
)  # fmt: skip


def test_the_search_builder_never_fails_for_any_text_or_facet(
    app: Flask,
    world: World,  # noqa: F811
) -> None:
    principals = ["brand_admin", "owner", "staff"]

    @FUZZ
    @given(
        principal=st.sampled_from(principals),
        q=SEARCH_TEXT,
        facets=st.dictionaries(
            st.sampled_from(sorted(search.FACET_PARAMS)),
            st.lists(st.sampled_from(["", " ", "fitness", "whatsapp_group"]) | SEARCH_TEXT,
                     max_size=3),
            max_size=3,
        ),
        sort=st.sampled_from(search.SORTS),
        evidence=st.integers(min_value=0, max_value=search.MAX_EVIDENCE),
    )  # fmt: skip
    def run(principal: str, q: str, facets: dict[str, list[str]], sort: str, evidence: int) -> None:
        from werkzeug.datastructures import MultiDict

        args = MultiDict([("q", q), ("sort", sort), ("evidence", str(evidence))])
        for name, values in facets.items():
            for facet_value in values:
                args.add(name, facet_value)
        try:
            params = search.SearchParams.from_args(args)
        except search.BadSearch:
            sent = [q, *(v for values in facets.values() for v in values)]
            assert any("\x00" in v for v in sent) or len(q.strip()) > search.MAX_QUERY_LENGTH
            return
        with app.test_request_context():
            user = db.session.get(User, world.users[principal].id)
            page = search.search(db.session, params, user)
            if page.next_cursor:
                search.search(db.session, search.with_cursor(params, page.next_cursor), user)
            db.session.rollback()

    run()


@pytest.mark.parametrize("text", ["", "   ", '"', "*", "()", "-^:", "_", "\u0301", '"_"*'])
def test_a_query_without_words_builds_no_expression(text: str) -> None:
    assert fulltext.fts5_query(text) is None
    assert fulltext.tsquery(text) is None


# --- the web's search and filter pages: their own parameters, never a 500 (issue #18) --------


#: Text a full-text query builder must survive: operators, quotes, brackets, prefixes, words.
FTS_TEXT = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(alphabet="ab אבג\"'*()-:!&|^~<>{}[].,;", max_size=20),
    st.lists(st.sampled_from(["a", "OR", "AND", "NOT", "NEAR", '"', "(", ")", "*", "-", "ריצה",
                              "ה", "run", ":", "^", "!", "&", "|"]), max_size=6).map(" ".join),
)  # fmt: skip
NUMBER = st.integers(min_value=0, max_value=120).map(str)


def _vocabulary() -> list[str]:
    from marketplace.catalog import vocab
    from pricing.taxonomy import Platform

    return sorted({*vocab.TOPICS, *vocab.LANGUAGES, *vocab.REGIONS, *search.SORTS,
                   *(p.value for p in Platform), "csv", "xlsx", "he", "asc", "desc", "draft",
                   "submitted", "in_planning", "pending", "approved", "failed", "queued",
                   "awareness", "b2c", "b2b", "1", "2", "4", "20", "true", "run",
                   "תל אביב"})  # fmt: skip


#: Any value: real ones (so filters match and combine), hostile ones, any text, huge numbers.
PAGE_VALUE = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.sampled_from(_vocabulary()),
    st.text(max_size=30),
    st.text(alphabet="אבגדהוזחטיכלמנסעפצקרשת \"'*()-:!&|", max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def mostly(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values three times in four, so refusals (400) do not hide the page behind them."""
    return st.one_of(valid, valid, valid, PAGE_VALUE)


def _fields(*forms: type) -> list[str]:
    return sorted(
        name
        for form in forms
        for klass in form.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField)
    )


def search_pages() -> dict[str, dict[str, st.SearchStrategy[str]]]:
    """Each search or filter page of the web, the query parameters its view reads, and how to
    draw each (any value by default; mostly valid ones where a view refuses the others)."""
    from marketplace.briefs.forms import BriefForm
    from marketplace.deals.forms import BoardFilterForm

    catalog = {
        **dict.fromkeys(search.FACET_PARAMS, PAGE_VALUE), "q": FTS_TEXT,
        "sort": mostly(st.sampled_from(search.SORTS)), "evidence": mostly(NUMBER),
        "per_page": mostly(NUMBER), "cursor": PAGE_VALUE,
        "status": mostly(st.sampled_from(["listed", "paused", "submitted", "draft"])),
    }  # fmt: skip
    return {
        "catalog.browse": {**catalog, "goal": PAGE_VALUE, "worth": PAGE_VALUE},
        "catalog.export": {**catalog, "format": mostly(st.sampled_from(["csv", "xlsx"])),
                           "headers": PAGE_VALUE},
        "catalog.mine": {"before": PAGE_VALUE},
        "briefs.queue": {
            "status": mostly(st.sampled_from(["submitted", "in_planning", "draft", "approved"])),
            "compliance": mostly(st.sampled_from(["pending", "approved", "not_required"])),
            "goal": mostly(st.sampled_from(["awareness", "sales", "signups"])), "q": FTS_TEXT,
        },
        "briefs.kpi_warnings": dict.fromkeys(_fields(BriefForm), PAGE_VALUE),
        "matching.matches": {
            "top": mostly(NUMBER), "sort": PAGE_VALUE,
            "dir": mostly(st.sampled_from(["asc", "desc"])), "c": mostly(NUMBER),
        },
        "deals.index": {"brief": PAGE_VALUE},
        "deals.board": dict.fromkeys(_fields(BoardFilterForm), PAGE_VALUE),
        "jobs.index": {
            "mine": mostly(st.sampled_from(["1", "0", "yes", "no"])), "status": PAGE_VALUE,
            "kind": PAGE_VALUE,
        },
        "inbox.index": {"page": mostly(NUMBER)},
        "admin.users": {"page": mostly(NUMBER)},
    }  # fmt: skip


def test_search_and_filter_pages_never_answer_500(app: Flask, world: World) -> None:  # noqa: F811
    """Every search or filter page, as everyone who may use it, never answers 500.

    Each page is first visited once per principal with every parameter hostile; then
    Hypothesis draws pages, principals and parameters (each repeated, empty or hostile, and
    real values so that filters match and the full-text path behind them runs), and each page
    must have been rendered (200) by a drawn request, not only refused.
    """
    real = real_values(world)
    pages = search_pages()
    rules = {rule.endpoint: rule for rule, method in routes(app) if method == "GET"}
    assert set(pages) <= set(rules), set(pages) - set(rules)  # a page renamed: update the table
    targets = [
        (endpoint, principal)
        for endpoint in sorted(pages)
        for principal in PRINCIPALS
        if expected_access(endpoint, principal, world) == "allow"
    ]
    assert {endpoint for endpoint, _ in targets} == set(pages)  # someone may use each page
    clients = {}
    for principal in {principal for _endpoint, principal in targets}:
        clients[principal] = app.test_client()
        if principal != "anonymous":
            sign_in(app, clients[principal], world.users[principal])

    def status_of(endpoint: str, principal: str, params: list[tuple[str, str]]) -> int:
        path = build_path(rules[endpoint], real)
        url = f"{path}?{urlencode(params)}" if params else path
        response = clients[principal].get(url)
        response.close()
        assert response.status_code < 500, f"GET {url} as {principal}: {response.status_code}"
        return response.status_code

    for number, (endpoint, principal) in enumerate(targets):
        hostile = [
            (name, value)
            for i, name in enumerate(pages[endpoint])
            for value in (HOSTILE_VALUES[(number + i) % len(HOSTILE_VALUES)], "")
        ]
        status_of(endpoint, principal, hostile)

    rendered: set[str] = set()

    @FUZZ
    @given(target=st.sampled_from(targets), data=st.data())
    def probe(target: tuple[str, str], data: Any) -> None:
        endpoint, principal = target
        strategies = pages[endpoint]  # the page's own: other names only reach the view's end
        names = data.draw(st.lists(st.sampled_from(sorted(strategies)), unique=True), "names")
        params = [
            (name, value)
            for name in names
            for value in data.draw(st.lists(strategies[name], min_size=1, max_size=3), name)
        ]
        if status_of(endpoint, principal, params) == 200:
            rendered.add(endpoint)

    probe()
    assert rendered == set(pages), f"never rendered: {sorted(set(pages) - rendered)}"
