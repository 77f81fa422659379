"""Admins edit the pricing benchmark tables as data: download, edit, upload, activate."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.catalog.models import Community
from marketplace.extensions import db
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PlacementEstimate, PricingTableVersion
from tests.factories import make_listing


def _listing(app: Flask, make_user: Any) -> int:
    owner = make_user("owner")
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        return int(listing.community.id)


def _estimate(app: Flask, community_id: int) -> tuple[int | None, str, int | None]:
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community is not None
        estimate = db.session.scalars(
            select(PlacementEstimate).where(
                PlacementEstimate.asset_id.in_([a.id for a in community.assets])
            )
        ).one()
        return estimate.value_p50_minor, estimate.model_version, community.value_p50_ils


def _versions(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(PricingTableVersion)) or 0)


def _edit(text: str, column: str, value: str, *, rename: str | None = None) -> bytes:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["platform"] == "whatsapp_group" and row["placement"] == "post":
            row[column] = value
    fields = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([rename if rename and f == column else f for f in fields])
    writer.writerows([[row[f] for f in fields] for row in rows])
    return out.getvalue().encode("utf-8")


def _upload(client: Any, body: bytes, table: str = "channel_priors") -> Any:
    return client.post(
        "/admin/pricing",
        data={"table": table, "note": "CPM review", "file": (io.BytesIO(body), f"{table}.csv")},
        content_type="multipart/form-data",
    )


def test_an_admin_edits_a_cpm_and_activating_it_moves_the_stored_estimates(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    community_id = _listing(app, make_user)
    before_value, before_version, before_sort = _estimate(app, community_id)
    with app.app_context():
        assert before_version == valuation.active_priors(db.session).model_version
    auth.login(make_user("admin", locale="en").email)

    download = client.get("/admin/pricing/tables/channel_priors.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    table = download.get_data(as_text=True)
    assert "whatsapp_group,post" in table
    # The sources are with the data, downloadable too.
    assert "stellario-reach" in client.get("/admin/pricing/tables/sources.csv").get_data(
        as_text=True
    )

    response = _upload(client, _edit(table, "cpm_ils", "555.00"))
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalars(select(PricingTableVersion)).one()
        assert not version.is_active
        assert version.model_version != before_version
        assert set(version.tables) >= set(valuation.table_names())
        version_id, new_version = version.id, version.model_version
    # Stored, not active yet: nothing moved.
    assert _estimate(app, community_id) == (before_value, before_version, before_sort)
    page = client.get("/admin/pricing").get_data(as_text=True)
    assert new_version in page

    response = client.post(f"/admin/pricing/{version_id}/activate", follow_redirects=True)
    assert response.status_code == 200
    assert "re-estimated" in response.get_data(as_text=True)
    after_value, after_version, after_sort = _estimate(app, community_id)
    assert after_version == new_version
    assert after_value is not None
    assert before_value is not None
    assert after_value > before_value
    assert after_sort != before_sort

    # A save after activation (per-save recompute) also uses the active tables.
    other = _listing(app, make_user)
    assert _estimate(app, other)[1] == new_version
    # The download now gives the active version's table.
    edited = client.get("/admin/pricing/tables/channel_priors.csv").get_data(as_text=True)
    assert "555.00" in edited


@pytest.mark.parametrize(
    ("column", "value", "rename", "message"),
    [
        ("cpm_ils", "111.00", "cpm_nis", "channel_priors.csv lacks columns ['cpm_ils']"),
        ("cpm_ils", "lots", None, "column 'cpm_ils' is not a number: 'lots'"),
        ("cpm_log_sd", "-0.5", None, "column 'cpm_log_sd' = -0.5 is outside its range"),
        ("source_cpm", "nobody-said-so", None, "cites unknown sources ['nobody-said-so']"),
    ],
)
def test_a_malformed_table_is_refused_with_its_reason_and_nothing_is_stored(
    app: Flask,
    client: Any,
    auth: Any,
    make_user: Any,
    column: str,
    value: str,
    rename: str | None,
    message: str,
) -> None:
    auth.login(make_user("admin", locale="en").email)
    table = client.get("/admin/pricing/tables/channel_priors.csv").get_data(as_text=True)
    response = _upload(client, _edit(table, column, value, rename=rename))
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    assert _versions(app) == 0


def test_an_unreadable_or_unchanged_upload_is_refused(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("admin", locale="en").email)
    assert _upload(client, b"\xff\xfe\x00garbage").status_code == 422
    assert _upload(client, b"").status_code == 422
    table = client.get("/admin/pricing/tables/channel_priors.csv").get_data()
    response = _upload(client, table)
    assert response.status_code == 422
    assert "nothing changed" in response.get_data(as_text=True)
    assert _versions(app) == 0


def test_downloads_neutralise_formulas_and_uploads_undo_it(app: Flask, make_user: Any) -> None:
    admin = make_user("admin")
    with app.app_context():
        sources = valuation.shipped_texts()["sources"].replace("Vendor", "=HYPERLINK(1)", 1)
        version = valuation.create_version(
            db.session, table="sources", text=sources, note="", actor=db.session.get(User, admin.id)
        )
        download = valuation.download_csv(version.tables["sources"])
        assert "'=HYPERLINK(1)" in download
        for unsafe in ("\n=", ",=", '"='):
            assert unsafe not in download
        db.session.rollback()
        again = valuation.create_version(
            db.session, table="sources", text=download, note="", actor=None
        )
        assert again.model_version == version.model_version


@pytest.mark.parametrize("role", ["staff", "brand", "owner", "finance"])
def test_only_admins_reach_the_pricing_pages(
    app: Flask, client: Any, auth: Any, make_user: Any, role: str
) -> None:
    auth.login(make_user(role).email)
    assert client.get("/admin/pricing").status_code == 403
    assert client.get("/admin/pricing/tables/sources.csv").status_code == 403
    assert _upload(client, b"key\n").status_code == 403
    assert client.post("/admin/pricing/1/activate").status_code == 403
    assert _versions(app) == 0
