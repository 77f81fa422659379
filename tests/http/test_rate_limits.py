"""The costly routes are rate limited per account (marketplace/ratelimits.py), with a clear 429.

Uploads read in memory (chat exports apart from the rest), documents rendered on request, API
tokens made: beyond each limit the answer is 429 in the reader's language, as a page or as
JSON, with a Retry-After header, and nothing of the refused request is kept. Another account
from the same address keeps its own count.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import ApiToken
from marketplace.extensions import db
from marketplace.health.models import PendingHealthUpload
from tests.conftest import DEMO_PASSWORD
from tests.http.test_health_upload import HEBREW_CHAT, owned_asset, upload

JSON = {"Accept": "application/json"}


def _signed_in(app: Flask, user: Any) -> Any:
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_chat_export_uploads_are_limited_per_account_with_a_clear_429(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, HEALTH_UPLOAD_RATE_LIMIT="2 per hour")
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    client = _signed_in(app, owner)
    assert [upload(client, asset_id, HEBREW_CHAT).status_code for _ in range(2)] == [302, 302]
    assert _count(app, PendingHealthUpload) == 2

    refused = client.post(
        f"/catalog/assets/{asset_id}/health",
        data={"file": (HEBREW_CHAT.open("rb"), HEBREW_CHAT.name)},
        headers=JSON,
    )
    assert refused.status_code == 429
    assert refused.get_json()["error"] == {
        "code": "rate_limited",
        "message": "Too many uploads in a short time. Wait a while and try again; nothing was "
        "kept.",
    }
    assert int(refused.headers["Retry-After"]) > 0
    assert _count(app, PendingHealthUpload) == 2  # the refused file was not read

    page = client.get(f"/catalog/assets/{asset_id}/health")  # reading the form is not counted
    assert page.status_code == 200

    # A Hebrew reader gets the page in Hebrew.
    hebrew = make_user("owner", locale="he")
    _c, hebrew_asset = owned_asset(app, hebrew)
    other = _signed_in(app, hebrew)
    assert upload(other, hebrew_asset, HEBREW_CHAT).status_code == 302  # its own count
    assert upload(other, hebrew_asset, HEBREW_CHAT).status_code == 302
    blocked = upload(other, hebrew_asset, HEBREW_CHAT)
    assert blocked.status_code == 429
    assert "יותר מדי העלאות בזמן קצר" in blocked.get_data(as_text=True)


def test_documents_share_one_count_across_routes(app_factory: Any, make_user: Any) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, DOCUMENT_RATE_LIMIT="2 per minute")
    finance = make_user("finance", locale="en")
    client = _signed_in(app, finance)
    assert client.get("/finance/journal.csv").status_code == 200
    assert client.get("/finance/documents.xlsx").status_code == 200
    refused = client.get("/finance/journal.xlsx", headers=JSON)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["message"] == (
        "Too many files were asked for in a short time. Wait a minute and try again."
    )
    assert client.get("/finance/journal").status_code == 200  # pages are not documents
    # Another account of the same address has its own count.
    assert _signed_in(app, make_user("finance")).get("/finance/journal.csv").status_code == 200


def test_making_api_tokens_is_limited_per_account(app_factory: Any, make_user: Any) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, API_TOKEN_RATE_LIMIT="2 per day")
    admin = make_user("brand", locale="en")
    client = _signed_in(app, admin)
    made = [client.post("/brand/api-tokens", data={"name": f"ci {n}"}) for n in range(3)]
    assert [response.status_code for response in made] == [200, 200, 429]
    assert _count(app, ApiToken) == 2
    assert client.get("/brand/api-tokens").status_code == 200  # the list is not counted
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).first()
    assert client.post(f"/brand/api-tokens/{token_id}/rotate").status_code == 429  # shared


def test_other_uploads_share_one_count(app_factory: Any, make_user: Any) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="1 per hour")
    staff = make_user("staff", locale="en")
    client = _signed_in(app, staff)
    first = client.post("/catalog/import", data={})  # no file: refused by the form, counted
    assert first.status_code == 400
    assert client.post("/catalog/import", data={}).status_code == 429
    assert client.post("/catalog/assets/1/metrics/new", data={}).status_code == 429
    assert client.get("/catalog/import").status_code == 200


def test_reset_and_invitation_links_limit_their_posts_by_address(app_factory: Any) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    data = {"password": "a new passphrase!", "confirm": "a new passphrase!"}
    resets = [client.post("/auth/reset/forged", data=data).status_code for _ in range(3)]
    assert resets == [400, 400, 429]
    joins = [client.post("/auth/invitation/forged", data=data).status_code for _ in range(3)]
    assert joins == [400, 400, 429]
    assert client.get("/auth/reset/forged").status_code == 400  # reading is not counted


def test_probing_e_mails_as_co_managers_is_limited_per_account(
    app_factory: Any, make_user: Any
) -> None:
    # Each invitation may mail an owner account: one account sends only so many.
    app = app_factory(RATELIMIT_ENABLED=True, CO_MANAGER_RATE_LIMIT="2 per day")
    owner = make_user("owner", locale="en")
    community_id, _asset_id = owned_asset(app, owner)
    client = _signed_in(app, owner)
    url = f"/catalog/{community_id}/managers"
    first = client.post(url, data={"email": make_user("owner").email})
    assert first.status_code == 302
    assert client.post(url, data={"email": "nobody@example.com"}).status_code == 302
    refused = client.post(url, data={"email": make_user("owner").email}, headers=JSON)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["message"] == (
        "Too many co-managers were added today. Try again tomorrow."
    )


def test_the_upload_count_is_shared_by_workers_through_redis(
    app_factory: Any, make_user: Any, redis_url: str
) -> None:
    # Two apps on one Redis stand for two gunicorn workers: one account's count spans both.
    overrides = {"REDIS_URL": redis_url, "RATELIMIT_ENABLED": True,
                 "HEALTH_UPLOAD_RATE_LIMIT": "2 per hour"}  # fmt: skip
    workers = [app_factory(**overrides), app_factory(**overrides)]
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(workers[0], owner)
    clients = [_signed_in(worker, owner) for worker in workers]
    statuses = [upload(clients[n % 2], asset_id, HEBREW_CHAT).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
