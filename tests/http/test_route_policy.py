"""Every route × every role (anonymous included) behaves as the policy table says."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule as UrlRule

from marketplace.auth import services
from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.catalog import services as catalog
from marketplace.catalog.models import CatalogImport, ListingStatus
from marketplace.delivery.models import Post
from marketplace.extensions import db
from marketplace.health.services import preview_export
from marketplace.jobs import services as jobs
from marketplace.policy import POLICY
from marketplace.valuation import services as valuation
from tests.factories import make_deal, make_listing

#: A real chat export, so the health preview and confirmation have something to show.
CHAT = Path(__file__).resolve().parents[1] / "data" / "exports" / "whatsapp_android_he_24h.txt"

#: The principals walked over every route: anonymous, each role, and a brand non-admin.
PRINCIPALS = ["anonymous", "brand_admin", "brand_member", "owner", "staff", "finance", "admin"]


def test_every_route_has_a_policy_and_every_policy_a_route(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - POLICY.keys() == set(), "routes without an authorization decision"
    assert POLICY.keys() - endpoints == set(), "policy entries for routes that do not exist"


@dataclass
class World:
    users: dict[str, User]
    token_id: int
    token_secret: str
    target_user_id: int
    community_id: int
    asset_id: int
    snapshot_id: int
    file_id: int
    import_id: int
    pending_id: int
    pricing_version_id: int
    brief_id: int
    job_id: int
    deal_id: int
    #: The agreed deal's brief (a running campaign) and its first post.
    campaign_id: int = 0
    post_id: int = 0


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    admin = make_user("brand")
    users = {
        "brand_admin": admin,
        "brand_member": make_user("brand", organisation=admin.organisation, org_admin=False),
        "owner": make_user("owner"),
        "staff": make_user("staff"),
        "finance": make_user("finance"),
        "admin": make_user("admin"),
    }
    target = make_user("owner")
    with app.app_context():
        token, secret = services.create_api_token(
            db.session, name="walker", actor=db.session.get(User, admin.id)
        )
        listing = make_listing(db.session, db.session.get(User, users["owner"].id))
        staff = db.session.get(User, users["staff"].id)
        catalog.change_status(
            db.session, listing.community, ListingStatus.SUBMITTED, actor=listing.community.owner
        )
        catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=staff)
        upload = CatalogImport(created_by_id=staff.id, filename="c.csv", sha256="0" * 64, data=b"")
        db.session.add(upload)
        pending = preview_export(
            db.session, listing.asset, CHAT.read_bytes(), CHAT.name, actor=listing.community.owner
        )
        sources = valuation.shipped_texts()["sources"].replace("Vendor", "Walker", 1)
        version = valuation.create_version(
            db.session, table="sources", text=sources, note="walker",
            actor=db.session.get(User, users["admin"].id),
        )  # fmt: skip
        # A submitted brief of the brand organisation (so staff see it too).
        brand = db.session.get(User, admin.id)
        brief = briefs.save_brief(
            db.session,
            {"goal": "awareness", "title": "Walker", "topics": ["fitness"],
             "budget_minor": 500_000},
            actor=brand,
        )  # fmt: skip
        briefs.submit_brief(db.session, brief, actor=brand)
        # A staff member's job, queued and not run: others' requests for it answer 404.
        job = jobs.enqueue(db.session, "jobs.noop", user=staff, dispatch=False)
        # An agreed deal of the brand organisation (its offer, rounds and agreement exist).
        deal = make_deal(db.session, brand=brand, staff=staff,
                         owner=db.session.get(User, users["owner"].id), stage="agreed")  # fmt: skip
        db.session.commit()
        post_id = db.session.scalar(select(Post.id).where(Post.deal_id == deal.id))
        return World(
            users, token.id, secret, target.id, listing.community.id, listing.asset.id,
            listing.snapshot.id, listing.evidence.id, upload.id, pending.id, version.id,
            brief.id, job.id, deal.id, deal.brief_id, post_id,
        )  # fmt: skip


def sample_url(rule: UrlRule, world: World) -> str:
    values = {
        "token": "not-a-real-token",
        "token_id": world.token_id,
        "user_id": world.target_user_id,
        "filename": "kesher.css",
        "community_id": world.community_id,
        "asset_id": world.asset_id,
        "snapshot_id": world.snapshot_id,
        "file_id": world.file_id,
        "import_id": world.import_id,
        "pending_id": world.pending_id,
        "table": "sources",
        "version_id": world.pricing_version_id,
        "brief_id": world.brief_id,
        "entry_id": 1,
        "plan_id": 1,
        "job_id": world.job_id,
        "notification_id": 1,
        "invitation_id": 1,
        "deal_id": world.deal_id,
        "placement_id": 1,
        "image_id": 1,
        "post_id": world.post_id,
        "proof_id": 1,
        "link_id": 1,
        "slug": "not-a-real-slug0",
        # The agreed deal's card payment and payout (deal.agreed made them).
        "payment_id": 1,
        "payout_id": 1,
        "item_id": 1,
        "document_id": 1,  # the agreed deal's invoice
        "batch_id": 1,
        "hold_id": 1,
        "fmt": "csv",
        "organisation_id": world.users["brand_admin"].organisation_id,
    }
    missing = set(rule.arguments) - values.keys()
    assert not missing, f"add sample values for {missing} in {rule.rule}"
    return rule.build({k: values[k] for k in rule.arguments})[1]


def expected_access(endpoint: str, principal: str, world: World) -> str:
    """Read the table: 'allow', 'login' or 'forbid' (API endpoints: 'token')."""
    rule = POLICY[endpoint]
    if rule.api_token:
        return "token"
    if principal == "anonymous":
        return "allow" if rule.anonymous else "login"
    user = world.users[principal]
    if user.role not in rule.roles or (rule.org_admin and not user.is_org_admin):
        return "forbid"
    return "allow"


def sign_in(app: Flask, client: Any, user: User) -> None:
    with app.app_context():
        token = services.start_login_session(db.session, db.session.get(User, user.id))
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def routes(app: Flask) -> list[tuple[UrlRule, str]]:
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_route_answers_each_principal_as_the_table_says(
    app: Flask, world: World, principal: str
) -> None:
    checked = []
    for rule, method in routes(app):
        client = app.test_client()
        if principal != "anonymous":
            sign_in(app, client, world.users[principal])
        url = sample_url(rule, world)
        response = client.open(url, method=method)
        expected = expected_access(rule.endpoint, principal, world)
        where = f"{method} {url} as {principal}"
        assert response.status_code < 500, where
        if expected == "login":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/auth/login?next="), where
        elif expected == "forbid":
            assert response.status_code == 403, where
        elif expected == "token":
            # A browser session is never an API credential.
            assert response.status_code == 401, where
            assert response.json["error"]["code"] == "invalid_token", where
        else:
            assert response.status_code not in (401, 403), where
            assert "/auth/login?next=" not in response.headers.get("Location", ""), where
        response.close()
        checked.append(rule.endpoint)
    assert set(checked) == {rule.endpoint for rule in app.url_map.iter_rules()}


def test_api_routes_accept_their_organisations_token(app: Flask, world: World) -> None:
    client = app.test_client()
    for rule, method in routes(app):
        if not POLICY[rule.endpoint].api_token:
            continue
        response = client.open(
            sample_url(rule, world),
            method=method,
            headers={"Authorization": f"Bearer {world.token_secret}"},
        )
        if rule.endpoint == "api.brief_plan":
            # The sample brief has no proposed plan yet: a 404 that says so, not a token error.
            assert response.status_code == 404, rule.rule
            assert response.json["error"]["code"] == "not_found", rule.rule
        elif rule.endpoint == "api.campaign_posts":
            # The sample brief has no agreed deal yet: a campaign with no posts; the deal's
            # brief has its posts.
            assert (response.status_code, response.json["items"]) == (200, []), rule.rule
            running = client.get(
                f"/api/v1/campaigns/{world.campaign_id}/posts",
                headers={"Authorization": f"Bearer {world.token_secret}"},
            )
            assert running.status_code == 200, rule.rule
            assert running.json["items"], rule.rule
        elif method == "GET":
            assert response.status_code == 200, rule.rule
        else:
            # Writes without a body are refused for what they are, never for the token.
            assert response.status_code in (400, 409, 422), f"{method} {rule.rule}"
            assert response.json["error"]["code"] != "invalid_token", rule.rule


def test_a_route_missing_from_the_table_is_refused_even_to_admins(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory()
    app.add_url_rule("/unlisted", "unlisted", lambda: "secret")
    admin = make_user("admin")
    client = app.test_client()
    sign_in(app, client, admin)
    assert client.get("/unlisted").status_code == 403
    assert app.test_client().get("/unlisted").status_code == 403
