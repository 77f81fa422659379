"""Every yes/no read from a form or a query string: only true/false, 1/0, on/off, yes/no."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.booleans import FALSE_WORDS, TRUE_WORDS, NotABoolean, parse_bool
from marketplace.extensions import db
from tests.http.test_api import token_for

REFUSED = ["y", "n", "2", "-1", "maybe", "tru", "0.0", "active", "x" * 500]


@pytest.mark.parametrize("word", sorted(TRUE_WORDS | {w.upper() for w in TRUE_WORDS}))
def test_each_true_word_reads_as_true(word: str) -> None:
    assert parse_bool(word) is True
    assert parse_bool(f" {word} ") is True


@pytest.mark.parametrize("word", sorted(FALSE_WORDS | {w.upper() for w in FALSE_WORDS}))
def test_each_false_word_reads_as_false(word: str) -> None:
    assert parse_bool(word) is False


@pytest.mark.parametrize("word", REFUSED)
def test_any_other_word_is_a_clear_error_that_does_not_echo_unbounded_input(word: str) -> None:
    with pytest.raises(NotABoolean) as raised:
        parse_bool(word, name="active")
    assert raised.value.status_code == 400
    assert "active" in raised.value.message
    assert "1/0" in raised.value.message
    assert len(raised.value.message) < 200


def test_a_missing_value_is_the_default_only_when_one_is_given() -> None:
    assert parse_bool(None, default=False) is False
    assert parse_bool("", default=True) is True
    with pytest.raises(NotABoolean):
        parse_bool(None)


def is_active(app: Flask, user_id: int) -> bool:
    with app.app_context():
        return db.session.get_one(User, user_id).is_active


@pytest.mark.parametrize(
    ("sent", "active"),
    [*((w, True) for w in sorted(TRUE_WORDS)), *((w, False) for w in sorted(FALSE_WORDS))],
)
def test_the_admin_active_flag_reads_each_word_as_meant(
    app: Flask, client: Any, auth: Any, make_user: Any, sent: str, active: bool
) -> None:
    staff = make_user("staff")
    auth.login(make_user("admin").email)
    # Start from the opposite state, so that the request must change it.
    client.post(f"/admin/users/{staff.id}/active", data={"active": "0" if active else "1"})
    assert is_active(app, staff.id) is not active
    assert client.post(f"/admin/users/{staff.id}/active", data={"active": sent}).status_code == 302
    assert is_active(app, staff.id) is active


@pytest.mark.parametrize("sent", ["y", "maybe", ""])
def test_the_admin_active_flag_refuses_other_words_and_changes_nothing(
    app: Flask, client: Any, auth: Any, make_user: Any, sent: str
) -> None:
    staff = make_user("staff")
    auth.login(make_user("admin").email)
    response = client.post(f"/admin/users/{staff.id}/active", data={"active": sent})
    assert response.status_code == 400
    assert "1/0" in response.get_data(as_text=True)
    assert is_active(app, staff.id) is True


def test_the_users_page_enables_an_account_with_a_value_the_parser_accepts(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    auth.login(make_user("admin").email)
    client.post(f"/admin/users/{staff.id}/active", data={})  # absent: the box is unticked
    assert is_active(app, staff.id) is False
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'name="active" value="1"' in page
    client.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    assert is_active(app, staff.id) is True


def test_the_api_submit_flag_refuses_a_word_it_does_not_know(
    app: Flask, client: Any, make_user: Any
) -> None:
    secret = token_for(app, make_user("brand"))
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.post("/api/v1/briefs?submit=maybe", json={"title": "T"}, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "not_a_boolean"
    draft = client.post("/api/v1/briefs?submit=no", json={"title": "T"}, headers=headers)
    assert draft.status_code == 201
    assert draft.json["status"] == "draft"


def test_the_jobs_mine_filter_refuses_a_word_it_does_not_know(
    client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("staff").email)
    assert client.get("/jobs?mine=yes").status_code == 200
    assert client.get("/jobs?mine=0").status_code == 200
    assert client.get("/jobs?mine=maybe").status_code == 400
