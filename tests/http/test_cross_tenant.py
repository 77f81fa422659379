"""Cross-tenant walk: another brand and another owner try every route on one tenant's objects.

The route walker (`test_route_policy`) checks each role against the policy table; this checks
what the table cannot: the objects. Tenant A (a brand organisation, its community owner) has a
running campaign with every kind of object (brief, plan, deal, placement, creative and its
image, post, proof, link, payment, payout, invoice, community, figures, health upload, job,
notification, API token). Brand B (another organisation's admin) and owner B (another
community's owner) then open every route, with every method, naming A's ids in the URL: each
answer must be 403 or 404, never the page, a file, a redirect after a write, or a form error
(which would mean the object was found), and the list pages must not name A's campaign.
The API walk does the same with organisation B's token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule as UrlRule

from marketplace.auth import services as auth
from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.creative import services as creative
from marketplace.creative.models import CreativeImage
from marketplace.deals.models import Deal
from marketplace.delivery.models import Post
from marketplace.extensions import db
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.health.services import preview_export
from marketplace.jobs import services as jobs
from marketplace.matching import services as matching
from marketplace.payments.models import CardPayment, Payout
from marketplace.policy import POLICY
from tests.factories import (
    CREATIVE_TEXT,
    PNG,
    list_community,
    make_brief,
    make_creative,
    make_deal,
    make_listing,
    make_manager_invitation,
    make_notification,
    make_offer,
    make_people,
    make_plan,
    make_proof,
    make_tracked_link,
)
from tests.http.test_route_policy import CHAT, routes, sign_in

#: Routes whose URL names no object of A's: tokens and slugs are secrets, not ids. (A's
#: community is a draft, so even the catalog, which shows listed communities to everyone,
#: must not show it.)
PUBLIC_BY_DESIGN = {
    ("links.follow", "GET"),
    ("reports.pulse_survey", "GET"),
    ("reports.pulse_survey", "POST"),
    ("auth.reset_password", "GET"),
    ("auth.reset_password", "POST"),
    ("auth.accept_invitation", "GET"),
    ("auth.accept_invitation", "POST"),
    ("auth.verify_email", "GET"),
}
#: A title no other tenant's page may show.
MARKER = "Tenant-A-secret-campaign"


@dataclass
class Tenant:
    ids: dict[str, Any]
    #: Who intrudes, by user id: brand B (another organisation's admin) and owner B.
    intruders: dict[str, int]
    token_b: str
    #: Tenant A's own people and the desk, by user id: brand, owner, staff, admin, finance.
    insiders: dict[str, int]


@pytest.fixture
def tenant(app: Flask, make_user: Any) -> Tenant:
    with app.app_context():
        people = make_people(db.session, make_user)
        brand, owner, staff = people["brand"], people["owner"], people["staff"]
        deal = make_deal(db.session, brand=brand, staff=staff, owner=owner, stage="agreed")
        db.session.get(Brief, deal.brief_id).title = MARKER
        placement = deal.placements[0]
        make_creative(db.session, placement, owner=owner, staff=staff)
        creative.save_draft(
            db.session, placement.id, text=CREATIVE_TEXT, version=1,
            images=[creative.Upload("a.png", PNG)], actor=owner,
        )  # fmt: skip
        image_id = db.session.scalar(select(CreativeImage.id).limit(1))
        post = db.session.scalars(select(Post).where(Post.deal_id == deal.id)).first()
        proof = make_proof(db.session, post, actor=owner)
        link = make_tracked_link(db.session, placement, actor=staff)
        payment = db.session.scalars(
            select(CardPayment).where(CardPayment.deal_id == deal.id)
        ).one()
        payout = db.session.scalars(select(Payout).where(Payout.deal_id == deal.id)).one()
        invoice = db.session.scalars(
            select(FinanceDocument).where(
                FinanceDocument.deal_id == deal.id,
                FinanceDocument.kind == DocumentKind.TAX_INVOICE,
            )
        ).first()
        listing = make_listing(db.session, owner)
        pending = preview_export(
            db.session, listing.asset, CHAT.read_bytes(), CHAT.name, actor=owner
        )
        job = jobs.enqueue(db.session, "jobs.noop", user=brand, dispatch=False)
        token, _secret = auth.create_api_token(db.session, name="A", actor=brand)
        brand_b = people["brand2"]
        _token_b, secret_b = auth.create_api_token(db.session, name="B", actor=brand_b)
        make_listing(db.session, people["owner2"])  # owner B has a community of their own
        notification = make_notification(db.session, brand)
        invitation = make_manager_invitation(
            db.session, listing.community, email="co-owner-a@example.com", actor=owner
        )
        db.session.commit()
        ids = {
            "brief_id": deal.brief_id,
            "plan_id": deal.plan_id,
            "deal_id": deal.id,
            "placement_id": placement.id,
            "image_id": image_id,
            "post_id": post.id,
            "proof_id": proof.id,
            "link_id": link.id,
            "payment_id": payment.id,
            "payout_id": payout.id,
            "document_id": invoice.id if invoice else 1,
            "organisation_id": brand.organisation_id,
            "community_id": listing.community.id,
            "asset_id": listing.asset.id,
            "snapshot_id": listing.snapshot.id,
            "file_id": listing.evidence.id,
            "pending_id": pending.id,
            "job_id": job.id,
            "token_id": token.id,
            "notification_id": notification.id,
            "invitation_id": invitation.id,
            "user_id": brand.id,
            "entry_id": 1,
            "import_id": 1,
            "version_id": 1,
            "item_id": 1,
            "batch_id": 1,
            "hold_id": 1,
            "table": "sources",
            "filename": "kesher.css",
            "fmt": "csv",
            "token": "not-a-real-token",
            "slug": "not-a-real-slug0",
        }
        assert image_id is not None
        assert invoice is not None
        intruders = {"brand_b": brand_b.id, "owner_b": people["owner2"].id}
        insiders = {n: people[n].id for n in ("brand", "owner", "staff", "admin", "finance")}
        return Tenant(ids, intruders, secret_b, insiders)


def _user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def _url(rule: UrlRule, ids: dict[str, Any]) -> str:
    missing = set(rule.arguments) - ids.keys()
    assert not missing, f"add tenant A's {missing} for {rule.rule}"
    return rule.build({k: ids[k] for k in rule.arguments})[1]


@pytest.mark.parametrize("intruder", ["brand_b", "owner_b"])
def test_another_tenant_never_reaches_an_object_by_its_id(
    app: Flask, tenant: Tenant, intruder: str
) -> None:
    user = _user(app, tenant.intruders[intruder])
    leaks = []
    for rule, method in routes(app):
        policy = POLICY[rule.endpoint]
        if not rule.arguments or policy.api_token or (rule.endpoint, method) in PUBLIC_BY_DESIGN:
            continue
        if rule.arguments <= {"fmt", "table", "filename"}:
            continue  # no object of A's in the URL
        client = app.test_client()
        sign_in(app, client, user)
        url = _url(rule, tenant.ids)
        response = client.open(url, method=method, data={})
        if response.status_code not in (403, 404):
            leaks.append(f"{method} {url} -> {response.status_code} {response.get_data()[:200]!r}")
        response.close()
    assert leaks == [], f"{intruder} reached tenant A's objects"


@pytest.mark.parametrize("intruder", ["brand_b", "owner_b"])
def test_another_tenants_list_pages_never_name_the_campaign(
    app: Flask, tenant: Tenant, intruder: str
) -> None:
    client = app.test_client()
    sign_in(app, client, _user(app, tenant.intruders[intruder]))
    shown = []
    for rule, method in routes(app):
        if method != "GET" or rule.arguments or POLICY[rule.endpoint].api_token:
            continue
        response = client.get(rule.rule)
        if MARKER in response.get_data(as_text=True):
            shown.append(rule.rule)
        response.close()
    assert shown == []


def test_another_organisations_token_never_reaches_an_object_by_its_id(
    app: Flask, tenant: Tenant
) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tenant.token_b}"}
    leaks = []
    for rule, method in routes(app):
        if not POLICY[rule.endpoint].api_token or not rule.arguments:
            continue
        if (rule.endpoint, method) in PUBLIC_BY_DESIGN:
            continue
        url = _url(rule, tenant.ids)
        # A body the API accepts, so only the scoping can refuse it.
        body = {"goal": "awareness", "title": "Hijack"} if method in ("PUT", "PATCH") else {}
        response = client.open(url, method=method, headers=headers, json=body)
        if response.status_code not in (403, 404):
            leaks.append(f"{method} {url} -> {response.status_code} {response.get_data()[:200]!r}")
    assert leaks == []
    for rule, method in routes(app):
        if POLICY[rule.endpoint].api_token and not rule.arguments and method == "GET":
            assert MARKER not in client.get(rule.rule, headers=headers).get_data(as_text=True)


# --- two owners in one campaign -----------------------------------------------------------


@dataclass
class SharedCampaign:
    #: Owner A's objects in the campaign both owners deliver.
    ids: dict[str, Any]
    owner_b: int
    #: Words only owner A's pages may show (A's community's names).
    a_names: tuple[str, str]


@pytest.fixture
def shared(app: Flask, make_user: Any) -> SharedCampaign:
    with app.app_context():
        people = make_people(db.session, make_user, ("brand", "owner", "owner2", "staff"))
        brand, staff = people["brand"], people["staff"]
        owner_a, owner_b = people["owner"], people["owner2"]
        listed = [
            list_community(db.session, make_listing(db.session, owner), owner=owner, staff=staff)
            for owner in (owner_a, owner_b)
        ]
        brief = make_brief(db.session, brand, status=BriefStatus.SUBMITTED, budget_minor=900_000)
        plan = make_plan(db.session, brief, staff, listed, propose=True)
        matching.decide(db.session, brief, plan, actor=brand, approve=True, comment="")
        deals = {
            d.owner_id: d for d in db.session.scalars(select(Deal).where(Deal.brief_id == brief.id))
        }
        assert set(deals) == {owner_a.id, owner_b.id}, "the plan must buy both communities"
        for owner in (owner_a, owner_b):
            make_offer(db.session, deals[owner.id], "agreed", staff=staff, owner=owner)
        deal = deals[owner_a.id]
        placement = deal.placements[0]
        make_creative(db.session, placement, owner=owner_a, staff=staff)
        creative.save_draft(
            db.session, placement.id, text=CREATIVE_TEXT, version=1,
            images=[creative.Upload("a.png", PNG)], actor=owner_a,
        )  # fmt: skip
        image_id = db.session.scalar(select(CreativeImage.id).limit(1))
        post = db.session.scalars(select(Post).where(Post.deal_id == deal.id)).first()
        proof = make_proof(db.session, post, actor=owner_a)
        link = make_tracked_link(db.session, placement, actor=staff)
        payout = db.session.scalars(select(Payout).where(Payout.deal_id == deal.id)).one()
        db.session.commit()
        ids = {
            "brief_id": brief.id, "deal_id": deal.id, "placement_id": placement.id,
            "image_id": image_id, "post_id": post.id, "proof_id": proof.id,
            "link_id": link.id, "payout_id": payout.id,
        }  # fmt: skip
        a = listed[0]
        return SharedCampaign(ids, owner_b.id, (a.name_he or "", a.name_en or ""))


def _readable(response: Any) -> bytes:
    """The answer's text as a person reads it: a PDF's or a workbook's too (their bytes are
    compressed, so a name in them is not found by looking at the bytes)."""
    import io

    body: bytes = response.get_data()
    if response.status_code != 200:
        return body
    if response.mimetype == "application/pdf":
        from pdfminer.high_level import extract_text

        text = extract_text(io.BytesIO(body))
        # pdfminer gives right-to-left lines as drawn: search both directions.
        return (text + "\n" + "\n".join(line[::-1] for line in text.splitlines())).encode()
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
        return "\n".join(cells).encode()
    return body


def test_an_owner_never_reaches_another_owners_objects_in_the_same_campaign(
    app: Flask, shared: SharedCampaign
) -> None:
    client = app.test_client()
    sign_in(app, client, _user(app, shared.owner_b))
    leaks, pages = [], 0
    for rule, method in routes(app):
        if POLICY[rule.endpoint].api_token or not rule.arguments:
            continue
        if not rule.arguments <= shared.ids.keys():
            continue
        url = rule.build({k: shared.ids[k] for k in rule.arguments})[1]
        response = client.open(url, method=method, data={})
        body = _readable(response)
        if set(rule.arguments) == {"brief_id"}:
            # The campaign is theirs too (their writes act on their own placements); its pages
            # show only their own placements.
            pages += response.status_code == 200
            shown = [n for n in shared.a_names if n.encode() in body]
            if shown:
                leaks.append(f"{url} shows {shown}")
        elif response.status_code not in (403, 404):
            leaks.append(f"{method} {url} -> {response.status_code} {body[:200]!r}")
        response.close()
    assert leaks == [], "owner B reached owner A's side of the campaign"
    assert pages >= 3  # delivery, results and links pages were really read
