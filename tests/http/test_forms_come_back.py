"""A form submitted with a mistake comes back: the error next to its field, the input kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, ListingStatus, MetricSnapshot
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan, PlanStatus, ShortlistEntry
from tests.factories import brief_data, make_listing


def error_next_to(html: str, field_id: str) -> str:
    """The text of the error tied to a field (aria-describedby), or '' when there is none."""
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"the form lost its field {field_id}"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described, f"no error is tied to {field_id}"
    for ref in described.group(1).split():
        found = re.search(rf'id="{re.escape(ref)}"[^>]*>([^<]*)<', html)
        if found and "error" in ref:
            return found.group(1)
    return ""


@pytest.fixture
def submitted(app: Flask, make_user: Any) -> dict[str, Any]:
    """An owner's submitted listing with a figure, and an English-speaking staff reviewer."""
    owner = make_user("owner", locale="en")
    staff = make_user("staff", locale="en")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
        db.session.commit()
        snapshot = db.session.query(MetricSnapshot).first()
        assert snapshot is not None
        return {
            "owner": owner,
            "staff": staff,
            "community_id": listing.community.id,
            "snapshot_id": snapshot.id,
        }


def test_rejecting_a_listing_without_a_reason_brings_the_form_back(
    app: Flask, client: Any, auth: Any, submitted: dict[str, Any]
) -> None:
    auth.login(submitted["staff"].email)
    community_id = submitted["community_id"]
    response = client.post(
        f"/catalog/{community_id}/status", data={"to": "rejected", "reason": "   "}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'name="to" value="rejected"' in html, "the reject form is on the page again"
    field = re.search(r'id="(reason-\d+)"', html)
    assert field, "the reason field is on the page again"
    assert "Say why the listing is rejected." in error_next_to(html, field.group(1))
    with app.app_context():
        assert db.session.get(Community, community_id).status is ListingStatus.SUBMITTED  # type: ignore[union-attr]


def test_a_too_long_rejection_reason_comes_back_with_the_text_kept(
    client: Any, auth: Any, submitted: dict[str, Any]
) -> None:
    auth.login(submitted["staff"].email)
    reason = "ממש לא " * 200
    response = client.post(
        f"/catalog/{submitted['community_id']}/status", data={"to": "rejected", "reason": reason}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{reason}"' in html
    assert "1,000" in html or "1000" in html


def test_a_co_manager_with_a_bad_address_brings_the_form_back(
    client: Any, auth: Any, submitted: dict[str, Any]
) -> None:
    auth.login(submitted["owner"].email)
    response = client.post(
        f"/catalog/{submitted['community_id']}/managers", data={"email": "not-an-address"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="not-an-address"' in html
    assert error_next_to(html, "manager-email")


def test_a_figure_review_without_a_verdict_brings_the_note_back(
    client: Any, auth: Any, submitted: dict[str, Any]
) -> None:
    auth.login(submitted["staff"].email)
    snapshot_id = submitted["snapshot_id"]
    response = client.post(f"/catalog/metrics/{snapshot_id}/review", data={"note": "צילום מטושטש"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="צילום מטושטש"' in html
    assert "Choose verify or question." in html


@pytest.fixture
def planning(app: Flask, make_user: Any) -> dict[str, Any]:
    """A submitted brief with two listed communities on its shortlist, staff and the brand."""
    brand = make_user("brand", locale="en")
    staff = make_user("staff", locale="en")
    owner = make_user("owner")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        agent = db.session.get(User, staff.id)
        for n in range(2):
            listing = make_listing(db.session, me, name_he=f"רצים בפארק {n}")
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
        author = db.session.get(User, brand.id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=author)
        db.session.commit()
        ids = [c.id for c in db.session.query(Community).all()]
        return {"brand": brand, "staff": staff, "brief_id": brief.id, "communities": ids}


def test_a_negative_channel_cap_brings_the_plan_settings_back(
    app: Flask, client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    auth.login(planning["staff"].email)
    brief_id = planning["brief_id"]
    for community_id in planning["communities"]:
        client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": community_id})
    response = client.post(
        f"/briefs/{brief_id}/plans", data={"channel_cap_pct": "-5", "min_communities": "2"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="channel_cap_pct"[^>]*value="-5"', html)
    assert re.search(r'id="min_communities"[^>]*value="2"', html)
    assert "Enter a number from 1 to 100." in error_next_to(html, "channel_cap_pct")
    with app.app_context():
        assert db.session.query(MediaPlan).filter_by(brief_id=brief_id).count() == 0


def test_asking_for_changes_without_a_comment_brings_the_decision_form_back(
    app: Flask, client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    brief_id = planning["brief_id"]
    auth.login(planning["staff"].email)
    for community_id in planning["communities"]:
        client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": community_id})
    plan_url = client.post(f"/briefs/{brief_id}/plans").headers["Location"]
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()

    auth.login(planning["brand"].email)
    response = client.post(f"{plan_url}/decision", data={"decision": "changes", "comment": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'name="decision" value="changes"' in html
    assert "Say what should change in the plan." in error_next_to(html, "comment")
    assert "brief" not in error_next_to(html, "comment").lower()
    long_comment = "x" * 4001
    response = client.post(
        f"{plan_url}/decision", data={"decision": "changes", "comment": long_comment}
    )
    assert response.status_code == 422
    assert long_comment in response.get_data(as_text=True), "the comment is kept"
    with app.app_context():
        plan_id = int(plan_url.rsplit("/", 1)[1])
        assert db.session.get(MediaPlan, plan_id).status is PlanStatus.PROPOSED  # type: ignore[union-attr]


def test_a_comment_too_long_comes_back_with_its_text(
    client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    auth.login(planning["brand"].email)
    body = "מה עם קהילות בצפון? " * 250
    response = client.post(f"/briefs/{planning['brief_id']}/comments", data={"body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert body.strip() in html
    assert "Write a comment of up to 4,000 characters." in error_next_to(html, "comment-body")


def test_asking_for_changes_on_the_brief_page_without_saying_what_brings_the_note_back(
    app: Flask, client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    brief_id = planning["brief_id"]
    auth.login(planning["staff"].email)
    for community_id in planning["communities"]:
        client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": community_id})
    plan_url = client.post(f"/briefs/{brief_id}/plans").headers["Location"]
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()

    auth.login(planning["brand"].email)
    response = client.post(
        f"/briefs/{brief_id}/status", data={"to": "changes_requested", "note": "  "}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say what should change in the plan." in error_next_to(html, "note-changes_requested")
    too_long = "פחות וואטסאפ " * 200
    response = client.post(
        f"/briefs/{brief_id}/status", data={"to": "changes_requested", "note": too_long}
    )
    assert response.status_code == 422
    assert too_long.strip() in response.get_data(as_text=True)
    with app.app_context():
        plan_id = int(plan_url.rsplit("/", 1)[1])
        assert db.session.get(MediaPlan, plan_id).status is PlanStatus.PROPOSED  # type: ignore[union-attr]


def test_a_too_long_shortlist_note_comes_back_with_its_text(
    app: Flask, client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    brief_id = planning["brief_id"]
    auth.login(planning["staff"].email)
    client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": planning["communities"][0]})
    with app.app_context():
        entry = db.session.query(ShortlistEntry).filter_by(brief_id=brief_id).one()
        entry_id = entry.id
    note = "הבעלים מכיר את המותג. " * 30
    response = client.post(
        f"/briefs/{brief_id}/shortlist/{entry_id}", data={"note": note, "state": "locked"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{note}"' in html
    assert "At most 500 characters." in error_next_to(html, f"note-{entry_id}")
    with app.app_context():
        assert db.session.get(ShortlistEntry, entry_id).locked is False  # type: ignore[union-attr]
