"""Health services: the kept rows round-trip exactly, salts, expiry, and search by health."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from marketplace.auth.models import User
from marketplace.catalog import search
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.health import services as health
from marketplace.health.models import HealthSalt, PendingHealthUpload
from pricing.health import analyse, parse_export, what_is_kept
from pricing.taxonomy import MetricKind, Platform
from tests.factories import make_listing

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
GOOD = [
    "whatsapp_android_he_24h.txt",
    "whatsapp_ios_he.txt",
    "whatsapp_android_en.zip",
    "telegram_group.json",
    "telegram_channel.json",
    "facebook_insights.csv",
    "facebook_insights.xlsx",
]


@pytest.mark.parametrize("filename", GOOD)
def test_the_kept_rows_give_exactly_the_report_and_the_preview_of_the_file(filename: str) -> None:
    data = (EXPORTS / filename).read_bytes()
    parsed = parse_export(data, filename, salt=secrets.token_bytes(32), admin_names=["דנה לוי"])
    kept = health.unpack_export(health.pack_export(parsed))
    assert analyse(kept, members=50).to_dict() == analyse(parsed, members=50).to_dict()
    assert what_is_kept(kept) == what_is_kept(parsed)
    assert kept.to_dict() == parsed.to_dict()
    assert kept.admins == parsed.admins


def chat(name: str = "whatsapp_android_he_24h.txt") -> bytes:
    return (EXPORTS / name).read_bytes()


def owner_listing(owner: Any) -> tuple[User, Any]:
    """A listing of `owner` (made beforehand: make_user opens its own session)."""
    me = db.session.get(User, owner.id)
    return me, make_listing(db.session, me)


def test_a_community_keeps_one_salt_so_members_hash_alike_across_uploads(
    app: Flask, make_user: Any
) -> None:
    owner, other_owner = make_user("owner"), make_user("owner")
    with app.app_context():
        me, listing = owner_listing(owner)
        first = health.preview_export(db.session, listing.asset, chat(), "a.txt", actor=me)
        second = health.preview_export(db.session, listing.asset, chat(), "b.txt", actor=me)
        other_me, other = owner_listing(other_owner)
        third = health.preview_export(db.session, other.asset, chat(), "c.txt", actor=other_me)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(HealthSalt)) == 2
        salt = db.session.get(HealthSalt, listing.community.id).salt
        assert len(salt) == 32
        assert db.session.get(HealthSalt, other.community.id).salt != salt

        def authors(pending: PendingHealthUpload) -> set[str]:
            return set(health.unpack_export(pending.data).events["author"].dropna())

        assert authors(first) == authors(second)
        assert authors(first).isdisjoint(authors(third))


def test_an_unconfirmed_upload_expires_after_an_hour_and_is_purged(
    app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        me, listing = owner_listing(owner)
        now = utcnow()
        pending = health.preview_export(
            db.session, listing.asset, chat(), "a.txt", actor=me, now=now
        )
        db.session.commit()
        assert pending.expires_at == now + timedelta(hours=1)
        assert health.get_pending(db.session, pending.id, me, now=now) is pending
        later = now + timedelta(hours=1, seconds=1)
        with pytest.raises(health.UploadGone):
            health.get_pending(db.session, pending.id, me, now=later)
        with pytest.raises(health.UploadGone):
            health.confirm_export(db.session, pending, actor=me, now=later)
        assert health.purge_expired(db.session, now=now) == 0
        assert health.purge_expired(db.session, now=later) == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PendingHealthUpload)) == 0


def test_the_purge_command_deletes_expired_uploads(app: Flask, make_user: Any, runner: Any) -> None:
    owner = make_user("owner")
    with app.app_context():
        me, listing = owner_listing(owner)
        health.preview_export(db.session, listing.asset, chat(), "a.txt", actor=me)
        # Each upload purges the expired ones first, so the stale one comes last here.
        health.preview_export(
            db.session, listing.asset, chat(), "b.txt", actor=me, now=utcnow() - timedelta(hours=2)
        )
        db.session.commit()
    result = runner.invoke(args=["health", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired upload(s)." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingHealthUpload)) == 1


def test_only_the_uploader_confirms_and_a_facebook_export_proves_its_member_count(
    app: Flask, make_user: Any
) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me = db.session.get(User, owner.id)
        community = catalog.save_community(db.session, {"name_en": "Parents"}, actor=me)
        asset = catalog.save_asset(
            db.session, community,
            {"platform": Platform.FACEBOOK_GROUP,
             "url": "https://facebook.com/groups/parents", "size": 1100},
            actor=me, observed_on=date(2024, 1, 1),
        )  # fmt: skip
        pending = health.preview_export(
            db.session, asset, chat("facebook_insights.csv"), "insights.csv", actor=me
        )
        staff = db.session.get(User, agency.id)
        with pytest.raises(health.UploadGone):
            health.confirm_export(db.session, pending, actor=staff)
        stored = health.confirm_export(db.session, pending, actor=me)
        db.session.commit()
        assert stored.report["members_source"] == "export"
        members = catalog.latest_metric(asset, MetricKind.MEMBERS)
        assert members is not None
        assert members.value == 1191
        assert members.tier == 3
        assert asset.size == 1191  # the export's count is the newest evidence of the size


def test_search_filters_and_sorts_by_the_latest_health_score(app: Flask, make_user: Any) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me = db.session.get(User, owner.id)
        staff = db.session.get(User, agency.id)
        ids = {}
        for name, score in (("healthy", 80.0), ("weak", 30.0), ("unknown", None)):
            listing = make_listing(db.session, me, name_en=name)
            if score is not None:
                catalog.record_metric(
                    db.session, listing.asset, MetricKind.HEALTH_SCORE, score, actor=me,
                    observed_on=date(2026, 11, 1),
                )  # fmt: skip
            ids[name] = listing.community.id
        # A newer figure replaces an older one, however far it moves (a score is bounded).
        weak = db.session.get(Community, ids["weak"])
        catalog.record_metric(
            db.session, weak.assets[0], MetricKind.HEALTH_SCORE, 1.0, actor=me,
            observed_on=date(2026, 10, 1),
        )  # fmt: skip
        catalog.record_metric(
            db.session, weak.assets[0], MetricKind.HEALTH_SCORE, 55.0, actor=me,
            observed_on=date(2026, 11, 2),
        )  # fmt: skip
        db.session.commit()

        def found(**args: Any) -> list[int]:
            params = search.SearchParams.from_args(MultiDict(args))
            return [c.id for c in search.search(db.session, params, staff).items]

        assert found(health="h_high") == [ids["healthy"]]
        assert found(health="h_mid") == [ids["weak"]]
        assert found(health=["h_mid", "h_low"]) == [ids["weak"]]
        assert found(q="healthy", health="h_high") == [ids["healthy"]]
        assert found(q="healthy", health="h_low") == []
        assert found(sort="healthiest") == [ids["healthy"], ids["weak"], ids["unknown"]]
        # Page by page, the cursor carries the score.
        pages, cursor = [], None
        while True:
            args: dict[str, Any] = {"sort": "healthiest", "per_page": "1"}
            if cursor:
                args["cursor"] = cursor
            page = search.search(db.session, search.SearchParams.from_args(MultiDict(args)), staff)
            pages.extend(c.id for c in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert pages == [ids["healthy"], ids["weak"], ids["unknown"]]
