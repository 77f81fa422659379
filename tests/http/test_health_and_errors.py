"""Health check, and errors answered as HTML or JSON by what the client accepts."""

from __future__ import annotations

import re
from typing import Any


def test_healthz_reports_the_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_says_when_the_database_is_unreachable(app_factory: Any) -> None:
    app = app_factory(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/kesher.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}


def test_errors_are_html_for_browsers_and_json_for_json_clients(client: Any) -> None:
    html = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert html.status_code == 404
    assert html.mimetype == "text/html"
    json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert json.status_code == 404
    assert json.json["error"]["code"] == "not_found"


def test_a_wrong_method_is_405_with_allow(client: Any) -> None:
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_every_page_names_its_icon_so_browsers_log_no_missing_favicon(client: Any) -> None:
    """Without a declared icon a browser asks /favicon.ico on every page: a 404 in its console."""
    page = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert match is not None
    icon = client.get(match.group(1))
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
