"""Health check, and errors answered as HTML or JSON by what the client accepts."""

from __future__ import annotations

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
