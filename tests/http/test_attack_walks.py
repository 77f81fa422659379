"""Walks for classes of bug a new route could bring back, run as every insider of one tenant.

Tenant A's campaign (every kind of object, from `test_cross_tenant`) is read by its own brand,
owner, staff, finance and admin, and anonymously, on every route:

- every answer carries the security headers (a CSP that forbids framing, `nosniff`, a
  Referrer-Policy): a view returning its own `Response` must not slip past them;
- a file a route hands back (anything but a page, JSON, CSS or script) says how to show it
  (`Content-Disposition`), and is never of a type a browser runs (HTML, SVG, XML) unless it is a
  download: an upload shown inline as HTML would run in Kesher's origin;
- a GET writes nothing but the visitor's own session bookkeeping, the tracked-link click and
  the sync-from-provider returns listed below (a GET is followed by links, previews and
  prefetchers, with no CSRF token).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.matching.records import REBUILD_KIND
from tests.http import test_cross_tenant
from tests.http.test_cross_tenant import Tenant, _url, _user
from tests.http.test_route_policy import routes, sign_in
from tests.queries import counted_queries

#: Types a browser shows as they are: pages, data and the site's own assets.
PAGE_TYPES = (
    "text/html",
    "application/json",
    "text/css",
    "text/javascript",
    "application/javascript",
)
#: Types a browser runs script in: never served inline from a route.
ACTIVE_TYPES = (
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
)
#: GET routes that write by design: the click of a tracked link, a mailed confirmation link,
#: and the returns from Stripe that read the object's state there (idempotent, the provider's
#: state is the truth).
WRITING_GETS = {
    "links.follow",
    "auth.verify_email",
    "payments.payment_return",
    "payments.onboard_return",
}
#: The session's own bookkeeping, written on any request of a signed-in browser, and the
#: ranking's debounced rebuild job, queued by the pages that read the ranking and run by the
#: embedded worker (the jobs queued are checked apart: rebuilds only).
BOOKKEEPING = re.compile(
    r"^\s*(UPDATE login_sessions|INSERT INTO jobs|UPDATE jobs)\b", re.IGNORECASE
)
tenant = test_cross_tenant.tenant  # the fixture

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _visitors(tenant: Tenant) -> list[str]:
    return ["anonymous", *tenant.insiders]


def _client(app: Flask, tenant: Tenant, who: str) -> Any:
    client = app.test_client()
    if who != "anonymous":
        sign_in(app, client, _user(app, tenant.insiders[who]))
    return client


def test_every_answer_carries_the_security_headers_and_files_say_how_to_show_them(
    app: Flask, tenant: Tenant
) -> None:
    problems = []
    for who in _visitors(tenant):
        for rule, method in routes(app):
            url = _url(rule, tenant.ids)
            response = _client(app, tenant, who).open(url, method=method, data={})
            headers = response.headers
            where = f"{who} {method} {url} -> {response.status_code}"
            if "frame-ancestors 'none'" not in headers.get("Content-Security-Policy", ""):
                problems.append(f"{where}: no CSP forbidding framing")
            if headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{where}: no nosniff")
            if not headers.get("Referrer-Policy"):
                problems.append(f"{where}: no Referrer-Policy")
            kind = (response.mimetype or "").lower()
            if response.status_code == 200 and not kind.startswith(PAGE_TYPES):
                disposition = headers.get("Content-Disposition", "")
                if not disposition:
                    problems.append(f"{where}: a {kind} file without Content-Disposition")
                if kind.startswith(ACTIVE_TYPES) and not disposition.startswith("attachment"):
                    problems.append(f"{where}: {kind} shown inline")
            response.close()
    assert problems == []


def test_a_get_writes_nothing_but_what_it_exists_for(app: Flask, tenant: Tenant) -> None:
    with app.app_context():
        jobs_before = set(db.session.scalars(select(Job.id)))
    writes = []
    for who in _visitors(tenant):
        client = _client(app, tenant, who)
        for rule, method in routes(app):
            if method != "GET" or rule.endpoint in WRITING_GETS:
                continue
            url = _url(rule, tenant.ids)
            with counted_queries(app) as statements:
                client.get(url).close()
            found = [s for s in statements if WRITE.match(s) and not BOOKKEEPING.search(s)]
            if found:
                writes.append(f"{who} GET {url}: {found[0][:120]}")
    assert writes == []
    with app.app_context():
        queued = db.session.scalars(select(Job).where(Job.id.not_in(jobs_before))).all()
        assert {job.kind for job in queued} <= {REBUILD_KIND}
