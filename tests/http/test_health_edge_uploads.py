"""Exports real owners upload by mistake or from phones in other languages, through the web."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.health.models import PendingHealthUpload
from tests.http.test_health_upload import owned_asset, stored_counts
from tests.unit.health.test_archives import CYCLISTS, RUNNERS, zipped
from tests.unit.health.test_languages import ANDROID, DUTCH_ANDROID, android
from tests.unit.health.test_private_chats import HEBREW_PRIVATE


def post_bytes(client: Any, asset_id: int, data: bytes, filename: str) -> Any:
    return client.post(
        f"/catalog/assets/{asset_id}/health",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_private_whatsapp_chat_is_refused_and_nothing_is_kept(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, HEBREW_PRIVATE.encode(), "WhatsApp Chat with Avi.txt")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-code="not_a_community"' in page
    assert "private chat, not a group" in page
    assert "Nothing from this file was kept." in page
    assert "דנה לוי" not in page
    assert stored_counts(app) == before


def test_an_export_in_a_language_kesher_does_not_read_is_measured_and_says_so(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, android(DUTCH_ANDROID), "WhatsApp Chat met Lopers.txt")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    preview = client.get(location).get_data(as_text=True)
    assert "joins and leaves could not be counted" in preview
    assert "Hallo allemaal" not in preview
    with app.app_context():
        pending = db.session.scalars(select(PendingHealthUpload)).one()
        headline = pending.preview["report"]["periods"][0]["figures"]
        assert headline["joins"] is None
        assert headline["growth_rate"] is None
        assert headline["messages"] == 3


def test_a_french_export_reaches_the_preview_with_its_joins(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, android(ANDROID["fr"]), "WhatsApp Chat avec X.txt")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not be counted" not in preview
    assert "Bonjour" not in preview


def test_a_zip_of_two_chats_is_refused_and_nothing_is_kept(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    data = zipped(("Runners/_chat.txt", RUNNERS), ("Cyclists/_chat.txt", CYCLISTS))
    response = post_bytes(client, asset_id, data, "both.zip")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-code="unknown_layout"' in page
    assert "holds 2 files that are each a WhatsApp chat" in page
    assert "Runners/_chat.txt" in page
    assert "Cyclists/_chat.txt" in page
    assert "Nothing from this file was kept." in page
    assert stored_counts(app) == before


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


@pytest.mark.parametrize(
    ("data", "filename", "code", "says"),
    [
        (b"", "WhatsApp Chat with Runners.txt", "empty_export", "The file is empty"),
        (b"\xef\xbb\xbf\r\n", "_chat.txt", "empty_export", "The file is empty"),
        (PDF, "WhatsApp Chat with Runners.txt", "not_an_export", "not a chat export"),
        (PNG, "_chat.txt", "not_an_export", "binary file"),
        (PNG, "chat.zip", "not_an_export", "named .zip but is not one"),
    ],
)
def test_empty_and_wrong_type_files_are_refused_with_a_reason_and_nothing_is_kept(
    app: Flask,
    client: Any,
    auth: Any,
    make_user: Any,
    data: bytes,
    filename: str,
    code: str,
    says: str,
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, data, filename)
    assert response.status_code == 422, response.get_data(as_text=True)[:1500]
    page = response.get_data(as_text=True)
    assert f'data-code="{code}"' in page
    assert says in page
    assert stored_counts(app) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_hebrew_export_saved_as_utf16_or_with_a_bom_and_crlf_is_read(
    app: Flask, client: Any, auth: Any, make_user: Any, encoding: str
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    text = '15.01.2024, 21:04 - דנה לוי יצר/ה את הקבוצה "ריצת בוקר"\n' + HEBREW_PRIVATE
    data = text.replace("\n", "\r\n").encode(encoding)
    response = post_bytes(client, asset_id, data, "WhatsApp Chat with ריצת בוקר.txt")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (
            b'01/03/2024, 10:00 - Dana created group "R"\n01/03/2024, 10:01 - Dana: hi\n'
            b"01/01/9999, 10:02 - Avi: hello\n",
            "WhatsApp Chat with R.txt",
            "line 3",
        ),
        (
            b'{"name": "G", "type": "private_supergroup", "id": 1, "messages": [{"id": 1, '
            b'"type": "message", "date_unixtime": "999999999999999", "from": "A", '
            b'"from_id": "user1", "text": "x"}]}',
            "result.json",
            "message #1 has an impossible time",
        ),
    ],
)
def test_an_impossible_date_is_refused_with_its_place_instead_of_an_error_page(
    app: Flask,
    client: Any,
    auth: Any,
    make_user: Any,
    data: bytes,
    filename: str,
    says: str,
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-code="bad_value"' in page
    assert says in page
    assert stored_counts(app) == before


def test_a_damaged_zip_is_refused_as_a_bad_archive_instead_of_an_error_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    data = bytearray(zipped(("WhatsApp Chat with Runners.txt", RUNNERS * 20)))
    start = 30 + len("WhatsApp Chat with Runners.txt")
    data[start : start + 40] = bytes(range(7, 247, 6))
    response = post_bytes(client, asset_id, bytes(data), "WhatsApp Chat with Runners.zip")
    assert response.status_code == 422
    assert 'data-code="bad_archive"' in response.get_data(as_text=True)
    assert stored_counts(app) == before


def test_a_private_chat_refusal_is_explained_in_hebrew(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="he")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    response = post_bytes(client, asset_id, HEBREW_PRIVATE.encode(), "WhatsApp Chat with אבי.txt")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "זה צ׳אט אישי או צ׳אט עם בוט, לא קהילה" in page
    assert "private chat, not a group" in page  # the engine's own detail
