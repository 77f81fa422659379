"""Health from a chat export, through the web and the command line: upload, preview, confirm."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ChannelAsset, ListingStatus, MetricSnapshot
from marketplace.extensions import db
from marketplace.health.models import HealthReport, HealthSalt, PendingHealthUpload
from pricing.taxonomy import EvidenceTier, MetricKind
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_listing

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
HEBREW_CHAT = EXPORTS / "whatsapp_android_he_24h.txt"
#: People and message words of the Hebrew chat: none may reach a page or the database.
NAMES = ["דנה לוי", "Yossi Cohen", "מיכל אברהם", "52-555-0101", "972525550101", "רון ברק", "Shira"]
TEXT = ["6am", "second line of the message", "bring water", "beach"]


def owned_asset(app: Flask, owner: Any) -> tuple[int, int]:
    """A WhatsApp group listed by `owner` (640 members, 310 active on a screenshot)."""
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        return listing.community.id, listing.asset.id


def upload(client: Any, asset_id: int, path: Path, **fields: str) -> Any:
    return client.post(
        f"/catalog/assets/{asset_id}/health",
        data={"file": (io.BytesIO(path.read_bytes()), path.name), **fields},
        content_type="multipart/form-data",
    )


def stored_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (PendingHealthUpload, HealthReport, HealthSalt, MetricSnapshot)
        }


def test_an_owner_uploads_a_hebrew_whatsapp_export_sees_what_is_kept_and_confirms_it(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    listing = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert f'href="/catalog/assets/{asset_id}/health"' in listing
    assert "Upload a chat export" in listing
    assert client.get(f"/catalog/assets/{asset_id}/health").status_code == 200

    response = upload(client, asset_id, HEBREW_CHAT, admin_names="דנה לוי")
    assert response.status_code == 302
    pending_id = int(re.search(r"/catalog/health/(\d+)$", response.headers["Location"]).group(1))

    preview = client.get(f"/catalog/health/{pending_id}")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Message text was never read into storage." in page
    assert "Exactly what is kept" in page
    assert "A salted hash of the person" in page
    assert ">250<" in page  # the rows kept
    assert re.search(r"Health \d+/100", page)
    for secret in NAMES + TEXT:
        assert secret not in page, secret

    with app.app_context():
        pending = db.session.get(PendingHealthUpload, pending_id)
        stored = zlib.decompress(pending.data).decode()
        everything = stored + json.dumps(pending.kept, ensure_ascii=False)
        everything += json.dumps(pending.preview, ensure_ascii=False)
        for secret in NAMES + TEXT:
            assert secret not in everything, secret
        assert pending.kept["rows"] == 250
        assert pending.kept["admins"] == 1  # the admin named, as a hash

    confirmed = client.post(f"/catalog/health/{pending_id}/confirm")
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith(f"/catalog/{community_id}#asset-{asset_id}")

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingHealthUpload)) == 0
        report = db.session.scalars(select(HealthReport)).one()
        assert report.asset_id == asset_id
        assert report.created_by_id == owner.id
        assert (report.period_start, report.period_end) == (date(2024, 3, 10), date(2024, 4, 9))
        assert report.source_format == "whatsapp_android"
        assert report.score == report.report["score"]
        for secret in NAMES + TEXT:
            assert secret not in json.dumps(report.report, ensure_ascii=False), secret
        figures = db.session.scalars(
            select(MetricSnapshot).where(MetricSnapshot.tier == int(EvidenceTier.EXPORT))
        ).all()
        assert {m.kind for m in figures} == {
            MetricKind.ACTIVE_MEMBERS,
            MetricKind.POSTS_PER_WEEK,
            MetricKind.HEALTH_SCORE,
        }
        for snapshot in figures:
            assert snapshot.observed_on == date(2024, 4, 9)
            assert (snapshot.period_start, snapshot.period_end) == (
                date(2024, 3, 10),
                date(2024, 4, 9),
            )
            assert snapshot.source == "Derived from a WhatsApp export"
            assert snapshot.created_by_id == owner.id
        health = next(m for m in figures if m.kind == MetricKind.HEALTH_SCORE)
        assert health.value == report.score
        # The owner's member count was used, not recorded as export evidence.
        assert report.report["members"] == 640
        assert db.session.get(ChannelAsset, asset_id).size == 640
        score = int(report.score)

    assert client.get(f"/catalog/health/{pending_id}").status_code == 404  # the rows are gone
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert f"Health {score}/100" in page
    assert "Community health" in page
    assert "Conversation between members" in page
    assert "Derived from an export" in page


def test_the_owner_may_discard_an_upload_and_nothing_is_kept(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    location = upload(client, asset_id, EXPORTS / "whatsapp_android_en.zip").headers["Location"]
    pending_id = int(location.rsplit("/", 1)[1])
    assert client.post(f"/catalog/health/{pending_id}/discard").status_code == 302
    after = stored_counts(app)
    assert after["PendingHealthUpload"] == 0
    assert after["HealthReport"] == before["HealthReport"] == 0
    assert after["MetricSnapshot"] == before["MetricSnapshot"]


@pytest.mark.parametrize(
    ("filename", "code", "message"),
    [
        ("bad_random.txt", "not_an_export", "This file is not a chat export."),
        ("bad_truncated.json", "truncated_file", "The file ends in the middle"),
        ("bad_zip_bomb.zip", "zip_bomb", "This archive would expand far beyond its size"),
        ("bad_empty_chat.txt", "empty_export", "The export is empty: it holds no messages."),
        ("bad_wrong_columns.csv", "wrong_columns", "a Facebook group insights export"),
        ("bad_unknown_layout.txt", "unknown_layout", "not in a layout Kesher reads"),
        ("telegram_channel.json", "wrong_platform", "but this channel is a WhatsApp group"),
    ],
)
def test_a_bad_file_is_refused_with_what_was_expected_and_nothing_is_stored(
    app: Flask, client: Any, auth: Any, make_user: Any, filename: str, code: str, message: str
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    before = stored_counts(app)
    auth.login(owner.email)
    response = upload(client, asset_id, EXPORTS / filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'data-code="{code}"' in page
    assert message in page
    assert "Nothing from this file was kept." in page
    assert stored_counts(app) == before
    assert before["HealthSalt"] == 0  # not even the community's salt


def test_a_zip_of_two_chats_is_refused_naming_both_and_nothing_is_stored(
    app: Flask, client: Any, auth: Any, make_user: Any, tmp_path: Path
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    chat = HEBREW_CHAT.read_bytes()
    path = tmp_path / "chats.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Runners.txt", chat)
        archive.writestr("Cyclists.txt", chat)
    before = stored_counts(app)
    auth.login(owner.email)
    response = upload(client, asset_id, path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-code="unknown_layout"' in page
    assert "This file holds the exports of more than one chat" in page
    assert (
        "2 files that are each a WhatsApp chat (&#39;Cyclists.txt&#39;, &#39;Runners.txt&#39;)"
        in page
    )
    assert stored_counts(app) == before


def test_a_refusal_is_explained_in_hebrew_too(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="he")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    page = upload(client, asset_id, EXPORTS / "bad_truncated.json").get_data(as_text=True)
    assert 'data-code="truncated_file"' in page
    assert "הקובץ נגמר באמצע" in page
    assert "line 299" in page  # the engine's precise detail, in its own words


def test_a_file_over_the_size_cap_is_refused_on_the_form(app_factory: Any, make_user: Any) -> None:
    small = app_factory(MAX_CONTENT_LENGTH=4096)
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(small, owner)
    before = stored_counts(small)
    client = small.test_client()
    client.post("/auth/login", data={"email": owner.email, "password": DEMO_PASSWORD})
    response = upload(client, asset_id, HEBREW_CHAT)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'data-code="file_too_large"' in page
    assert "the most Kesher accepts" in page
    assert stored_counts(small) == before


def test_a_figure_far_from_the_last_one_is_held_back_and_the_report_still_stored(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    # A short export of a big group: 9 people wrote, the channel listed 1,000 active members.
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    with app.app_context():
        asset = db.session.get(ChannelAsset, asset_id)
        me = db.session.get(User, owner.id)
        catalog.record_metric(
            db.session, asset, MetricKind.ACTIVE_MEMBERS, 1000, actor=me,
            observed_on=date(2026, 11, 2), source="typo",
        )  # fmt: skip
        db.session.commit()
    auth.login(owner.email)
    pending_id = int(upload(client, asset_id, HEBREW_CHAT).headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/catalog/health/{pending_id}").get_data(as_text=True)
    held = (
        "Active members: 9 is 111× the channel&#39;s last figure (1,000), more than one export "
        "may move it, so it is not added to the history. Upload an export that covers at least "
        "the last 30 days, or ask agency staff to check the last figure."
    )
    assert "data-held-back" in page
    assert held in page
    before = stored_counts(app)
    response = client.post(f"/catalog/health/{pending_id}/confirm", follow_redirects=True)
    assert response.status_code == 200
    assert held in response.get_data(as_text=True)  # said again once stored
    after = stored_counts(app)
    assert after["HealthReport"] == before["HealthReport"] + 1
    assert after["PendingHealthUpload"] == before["PendingHealthUpload"] - 1
    with app.app_context():
        asset = db.session.get(ChannelAsset, asset_id)
        active = catalog.latest_metric(asset, MetricKind.ACTIVE_MEMBERS)
        assert active is not None
        assert active.value == 1000
        posts = catalog.latest_metric(asset, MetricKind.POSTS_PER_WEEK)
        assert posts is not None
        assert posts.tier == EvidenceTier.EXPORT
        stored = db.session.scalars(select(HealthReport)).one()
        assert stored.report["held_back"] == {
            "active_members": {"value": 9.0, "previous": 1000.0, "times": pytest.approx(1000 / 9)}
        }


def test_an_inflated_figure_is_held_back_too_never_recorded(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    first = int(upload(client, asset_id, HEBREW_CHAT).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        posts = db.session.get(PendingHealthUpload, first).preview["figures"]["posts_per_week"]
        asset = db.session.get(ChannelAsset, asset_id)
        catalog.record_metric(
            db.session, asset, MetricKind.POSTS_PER_WEEK, posts / 60,
            actor=db.session.get(User, owner.id), observed_on=date(2026, 11, 2),
        )  # fmt: skip
        db.session.commit()
    pending_id = int(upload(client, asset_id, HEBREW_CHAT).headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/catalog/health/{pending_id}/confirm").status_code == 302
    with app.app_context():
        asset = db.session.get(ChannelAsset, asset_id)
        latest = catalog.latest_metric(asset, MetricKind.POSTS_PER_WEEK)
        assert latest is not None
        assert latest.value == pytest.approx(posts / 60)


def test_another_owner_can_neither_upload_nor_see_nor_confirm_an_upload(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    pending_id = int(upload(client, asset_id, HEBREW_CHAT).headers["Location"].rsplit("/", 1)[1])
    auth.logout()

    auth.login(make_user("owner").email)
    assert client.get(f"/catalog/assets/{asset_id}/health").status_code == 404
    assert upload(client, asset_id, HEBREW_CHAT).status_code == 404
    assert client.get(f"/catalog/health/{pending_id}").status_code == 404
    assert client.post(f"/catalog/health/{pending_id}/confirm").status_code == 404
    assert client.post(f"/catalog/health/{pending_id}/discard").status_code == 404
    counts = stored_counts(app)
    assert counts["PendingHealthUpload"] == 1
    assert counts["HealthReport"] == 0


def test_a_brand_may_not_upload_but_sees_the_score_on_a_listed_community(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner"), make_user("staff")
    community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    pending_id = int(upload(client, asset_id, HEBREW_CHAT).headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/catalog/health/{pending_id}/confirm").status_code == 302
    auth.logout()
    with app.app_context():
        community = db.session.get(ChannelAsset, asset_id).community
        me, agency = db.session.get(User, owner.id), db.session.get(User, staff.id)
        catalog.change_status(db.session, community, ListingStatus.SUBMITTED, actor=me)
        catalog.change_status(db.session, community, ListingStatus.LISTED, actor=agency)
        db.session.commit()
        score = int(db.session.scalars(select(HealthReport)).one().score)
    auth.login(make_user("brand", locale="en").email)
    assert client.get(f"/catalog/assets/{asset_id}/health").status_code == 403
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert f"Health {score}/100" in page
    assert "Upload a chat export" not in page


# --- the command line ----------------------------------------------------------------------


def test_the_command_prints_the_report_as_json(runner: Any) -> None:
    result = runner.invoke(
        args=["health", "analyze", str(HEBREW_CHAT), "--json", "--members", "12",
              "--admin", "דנה לוי"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"] == "whatsapp_android"
    assert report["members"] == 12
    assert report["admin_source"] == "named"
    assert 0 <= report["score"] <= 100
    assert report["periods"][0]["score"]["value"] == report["score"]
    for secret in NAMES + TEXT:
        assert secret not in result.stdout, secret


def test_the_command_refuses_a_bad_file_cleanly(runner: Any) -> None:
    result = runner.invoke(args=["health", "analyze", str(EXPORTS / "bad_truncated.json")])
    assert result.exit_code == 1
    assert "ends in the middle" in result.output
    assert "[truncated_file]" in result.output
    assert "Traceback" not in result.output


def test_an_iphone_chat_txt_starting_with_a_bracket_is_read_as_whatsapp(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    text = (EXPORTS / "whatsapp_ios_he.txt").read_text("utf-8")
    bare = "\n".join(line.removeprefix("\u200e") for line in text.split("\n")).encode()
    assert bare.startswith(b"[")
    response = client.post(
        f"/catalog/assets/{asset_id}/health",
        data={"file": (io.BytesIO(bare), "_chat.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "WhatsApp (iPhone)" in preview


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        ("real/android_he_media.zip", "WhatsApp (Android)"),
        ("real/ios_en_us_nnbsp.txt", "WhatsApp (iPhone)"),
        ("real/android_ar_digits.txt", "WhatsApp (Android)"),
    ],
)
def test_exports_as_real_phones_write_them_reach_the_preview_without_names(
    app: Flask, client: Any, auth: Any, make_user: Any, filename: str, label: str
) -> None:
    owner = make_user("owner", locale="en")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    response = upload(client, asset_id, EXPORTS / filename)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert label in preview
    for secret in ["דנה לוי", "Dana Levi", "دانا", "Maple St", "הורי כיתה"]:
        assert secret not in preview


def test_the_preview_names_the_kinds_of_events_in_the_owner_s_language(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """A Hebrew owner read "message: 8 · media: 1 · join: 3 · system: 2": the stored codes."""
    owner = make_user("owner")
    _community_id, asset_id = owned_asset(app, owner)
    auth.login(owner.email)
    response = upload(client, asset_id, HEBREW_CHAT)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    kinds = re.search(r"<dd[^>]*data-event-kinds[^>]*>(.*?)</dd>", page, re.S)
    assert kinds is not None
    assert "הודעות: " in kinds.group(1)
    assert "הצטרפויות: " in kinds.group(1)
    for code in ("message:", "join:", "system:", "media:"):
        assert code not in kinds.group(1)
