"""The admin's edit of an account: name, e-mail, language, role, active; and its refusals."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.admin.models import UserChange
from marketplace.auth.models import LoginSession, Role, User
from marketplace.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_listing, make_user_change


def form_of(user: Any, **changes: Any) -> dict[str, str]:
    """The edit form as the page fills it for `user`, with `changes` typed over it."""
    data = {
        "display_name": user.display_name,
        "email": user.email,
        "locale": user.locale or "he",
        "role": user.role.value,
        "active": "1" if user.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def reload(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def signed_in_client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def sessions_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count())
                .select_from(LoginSession)
                .where(LoginSession.user_id == user_id)
            )
            or 0
        )


@pytest.fixture
def admin(auth: Any, make_user: Any) -> Any:
    user = make_user("admin")
    auth.login(user.email)
    return user


def test_the_edit_page_shows_the_user_and_the_list_links_to_it(
    client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff", locale="en")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{staff.id}"' in listing
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert staff.email in page
    assert '<option selected value="en">' in page
    assert '<option selected value="staff">' in page


def test_admin_edits_name_and_language_without_signing_the_user_out(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    staff_client = signed_in_client(app, staff)
    response = client.post(
        f"/admin/users/{staff.id}",
        data=form_of(staff, display_name="  נועה לוי ", locale="en"),
    )
    assert response.status_code == 302
    after = reload(app, staff.id)
    assert (after.display_name, after.locale) == ("נועה לוי", "en")
    assert staff_client.get("/agency/").status_code == 200


def test_a_new_e_mail_is_stored_normalised_and_signs_the_user_out(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    staff_client = signed_in_client(app, staff)
    response = client.post(
        f"/admin/users/{staff.id}", data=form_of(staff, email="Noa.New@Example.COM")
    )
    assert response.status_code == 302
    assert reload(app, staff.id).email == "noa.new@example.com"
    assert sessions_of(app, staff.id) == 0
    assert staff_client.get("/agency/").status_code == 302


def test_a_duplicate_e_mail_is_refused_on_its_field_and_nothing_changes(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    make_user("finance", email="taken@example.com")
    staff = make_user("staff")
    response = client.post(
        f"/admin/users/{staff.id}",
        data=form_of(staff, email="TAKEN@example.com", display_name="Changed"),
    )
    assert response.status_code == 409
    assert "כבר קיים" in response.get_data(as_text=True)  # "already exists"
    after = reload(app, staff.id)
    assert (after.email, after.display_name) == (staff.email, staff.display_name)


def test_a_role_change_applies_and_ends_every_session_of_the_user(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    staff_client = signed_in_client(app, staff)
    assert staff_client.get("/agency/").status_code == 200
    response = client.post(f"/admin/users/{staff.id}", data=form_of(staff, role="finance"))
    assert response.status_code == 302
    assert reload(app, staff.id).role is Role.FINANCE
    assert sessions_of(app, staff.id) == 0
    signed_out = staff_client.get("/agency/")
    assert signed_out.status_code == 302
    assert "/auth/login" in signed_out.headers["Location"]


def test_a_user_is_deactivated_and_reactivated_from_the_edit_page(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    staff_client = signed_in_client(app, staff)
    assert (
        client.post(f"/admin/users/{staff.id}", data=form_of(staff, active="")).status_code == 302
    )
    assert reload(app, staff.id).is_active is False
    assert staff_client.get("/agency/").status_code == 302
    disabled = reload(app, staff.id)
    assert (
        client.post(f"/admin/users/{staff.id}", data=form_of(disabled, active="1")).status_code
        == 302
    )
    assert reload(app, staff.id).is_active is True
    signed_in_client(app, staff)


def test_every_change_is_written_to_the_admin_audit_log(
    app: Flask, client: Any, admin: Any, make_user: Any, caplog: Any
) -> None:
    staff = make_user("staff")
    with caplog.at_level(logging.INFO, logger="kesher.audit.admin"):
        client.post(f"/admin/users/{staff.id}", data=form_of(staff, role="finance", locale="en"))
    (record,) = [r for r in caplog.records if r.name == "kesher.audit.admin"]
    assert (record.actor_id, record.user_id) == (admin.id, staff.id)
    assert record.fields == ["locale", "role"]


def test_an_admin_cannot_demote_or_disable_themself(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    make_user("admin")  # another active admin: the refusal is about oneself, not the last admin
    demote = client.post(f"/admin/users/{admin.id}", data=form_of(admin, role="staff"))
    assert demote.status_code == 409
    assert "אי אפשר לשנות את התפקיד של עצמך" in demote.get_data(as_text=True)
    disable = client.post(f"/admin/users/{admin.id}", data=form_of(admin, active=""))
    assert disable.status_code == 409
    after = reload(app, admin.id)
    assert (after.role, after.is_active) == (Role.ADMIN, True)
    assert sessions_of(app, admin.id) == 1
    assert client.get("/admin/users").status_code == 200


def test_the_last_active_admin_cannot_be_demoted_and_nothing_is_written(
    app: Flask, client: Any, admin: Any
) -> None:
    response = client.post(
        f"/admin/users/{admin.id}", data=form_of(admin, role="staff", display_name="Renamed")
    )
    assert response.status_code == 409
    assert "מנהל המערכת הפעיל האחרון" in response.get_data(as_text=True)
    after = reload(app, admin.id)
    assert (after.role, after.display_name) == (Role.ADMIN, admin.display_name)


def test_the_last_active_admin_is_refused_by_the_service_whoever_asks(
    app: Flask, make_user: Any
) -> None:
    from marketplace.admin.services import UserChanges, UserEditRefused, update_user

    admin = make_user("admin")
    other = make_user("admin")
    with app.app_context():
        target = db.session.get(User, admin.id)
        actor = db.session.get(User, other.id)
        assert target is not None
        assert actor is not None
        actor.is_active = False  # an actor who no longer counts, so the target is the last one
        db.session.flush()
        with pytest.raises(UserEditRefused) as refused:
            update_user(
                db.session,
                target,
                UserChanges(target.display_name, target.email, "he", Role.STAFF, True),
                actor=actor,
            )
        assert refused.value.field == "role"
        db.session.rollback()


def test_a_role_that_needs_an_organisation_is_refused_without_one(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    response = client.post(f"/admin/users/{owner.id}", data=form_of(owner, role="brand"))
    assert response.status_code == 409
    assert "חייב/ת להשתייך לארגון" in response.get_data(as_text=True)
    assert reload(app, owner.id).role is Role.OWNER


def test_a_brand_member_keeps_their_role_while_in_an_organisation(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    brand = make_user("brand")
    response = client.post(f"/admin/users/{brand.id}", data=form_of(brand, role="staff"))
    assert response.status_code == 409
    after = reload(app, brand.id)
    assert (after.role, after.organisation_id) == (Role.BRAND, brand.organisation_id)


@pytest.mark.parametrize(
    ("field", "value"), [("role", "superuser"), ("locale", "fr"), ("email", "not-an-email")]
)
def test_bad_values_are_refused_on_the_form(
    app: Flask, client: Any, admin: Any, make_user: Any, field: str, value: str
) -> None:
    staff = make_user("staff")
    response = client.post(f"/admin/users/{staff.id}", data=form_of(staff, **{field: value}))
    assert response.status_code == 400
    after = reload(app, staff.id)
    assert (after.role, after.email, after.locale) == (staff.role, staff.email, staff.locale)


@pytest.mark.parametrize("role", ["brand", "owner", "staff", "finance"])
def test_only_admins_reach_the_edit_page(
    app: Flask, client: Any, auth: Any, make_user: Any, role: str
) -> None:
    target = make_user("staff")
    auth.login(make_user(role).email)
    assert client.get(f"/admin/users/{target.id}").status_code in (403, 404)
    posted = client.post(f"/admin/users/{target.id}", data=form_of(target, role="admin"))
    assert posted.status_code in (403, 404)
    assert reload(app, target.id).role is Role.STAFF


def test_the_edit_needs_this_sessions_csrf_token(app_factory: Any, make_user: Any) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    admin = make_user("admin")
    staff = make_user("staff")
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = {"email": admin.email, "password": DEMO_PASSWORD, "csrf_token": token}
    assert client.post("/auth/login", data=login).status_code == 302
    edit = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    token = edit.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/admin/users/{staff.id}", data=form_of(staff, role="finance"))
    assert response.status_code == 400
    assert reload(app, staff.id).role is Role.STAFF
    with_token = {**form_of(staff, role="finance"), "csrf_token": token}
    assert client.post(f"/admin/users/{staff.id}", data=with_token).status_code == 302
    assert reload(app, staff.id).role is Role.FINANCE


def test_the_lists_disable_and_enable_buttons_are_audited_too(
    client: Any, admin: Any, make_user: Any, caplog: Any
) -> None:
    staff = make_user("staff")
    with caplog.at_level(logging.INFO, logger="kesher.audit.admin"):
        client.post(f"/admin/users/{staff.id}/active", data={})
        client.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    records = [r for r in caplog.records if r.name == "kesher.audit.admin"]
    assert [(r.actor_id, r.user_id, r.active) for r in records] == [
        (admin.id, staff.id, False),
        (admin.id, staff.id, True),
    ]


def history_of(app: Flask, user_id: int) -> list[tuple[int, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.scalars(
            select(UserChange).where(UserChange.user_id == user_id).order_by(UserChange.id)
        )
        return [(row.actor_id, row.changes) for row in rows]


def test_every_change_is_kept_in_the_trail_with_its_values_before_and_after(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    staff = make_user("staff", locale="he")
    client.post(f"/admin/users/{staff.id}", data=form_of(staff, role="finance", locale="en"))
    client.post(f"/admin/users/{staff.id}/active", data={})
    client.post(f"/admin/users/{staff.id}", data=form_of(reload(app, staff.id)))  # no change
    assert history_of(app, staff.id) == [
        (admin.id, {"locale": ["he", "en"], "role": ["staff", "finance"]}),
        (admin.id, {"active": [True, False]}),
    ]
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    trail = page.split("שינויים שעשו מנהלי מערכת", 1)[1]
    # The newest first, each field by its form label and each value in words.
    assert trail.index("פעיל: היה פעיל, עכשיו") < trail.index(
        "תפקיד: היה צוות הסוכנות, עכשיו כספים"
    )


def test_a_refused_edit_leaves_no_trail(app: Flask, client: Any, admin: Any) -> None:
    response = client.post(f"/admin/users/{admin.id}", data=form_of(admin, role="staff"))
    assert response.status_code == 409
    assert history_of(app, admin.id) == []
    assert "אף מנהל מערכת עוד לא שינה את החשבון הזה." in response.get_data(as_text=True)


def test_an_owner_who_lists_a_community_keeps_the_owner_role(
    app: Flask, client: Any, admin: Any, make_user: Any
) -> None:
    owner, idle = make_user("owner"), make_user("owner")
    with app.app_context():
        make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
    refused = client.post(f"/admin/users/{owner.id}", data=form_of(owner, role="staff"))
    assert refused.status_code == 409
    assert "בעל הקהילה הזה מפרסם או מנהל במשותף קהילות" in refused.get_data(as_text=True)
    assert reload(app, owner.id).role is Role.OWNER
    # An owner with no community may still become staff.
    assert (
        client.post(f"/admin/users/{idle.id}", data=form_of(idle, role="staff")).status_code == 302
    )
    assert reload(app, idle.id).role is Role.STAFF


def test_the_trail_factory_keeps_a_row(app: Flask, make_user: Any) -> None:
    with app.app_context():
        user, actor = (db.session.get(User, make_user(r).id) for r in ("staff", "admin"))
        row = make_user_change(db.session, user, actor=actor)
        assert (row.user_id, row.actor_id, row.changes) == (
            user.id,
            actor.id,
            {"locale": ["he", "en"]},
        )


def test_after_saving_the_admin_stays_on_the_user_and_reads_the_change_in_its_trail(
    client: Any, admin: Any, make_user: Any
) -> None:
    """Saving led back to the list of users: the trail of the change just made, kept on the
    user's own page, was one more click away, and a newcomer did not know it existed."""
    staff = make_user("staff")
    response = client.post(f"/admin/users/{staff.id}", data=form_of(staff, display_name="נועה ב"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{staff.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    trail = page.split('<table class="table">')[-1].split("</table>")[0]
    assert "נועה ב" in trail
    assert staff.display_name in trail  # the name before the change, beside the new one
    assert "נשמר" in page
