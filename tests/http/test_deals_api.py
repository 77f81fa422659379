"""The deal endpoints of /api/v1: a brand token reads its organisation's deals at brand prices.

What the token may never see: the owner's payout, the agency margin, or the hash of the owner's
agreement document (it states the payout, so its hash would give it away).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from campaigns.deals.agreement import canonical_json
from marketplace.auth.models import Role, User
from marketplace.deals import services as deals
from marketplace.deals.models import Deal
from marketplace.extensions import db
from tests.factories import CREATIVE_TEXT, make_creative, make_deal
from tests.http.test_api import token_for
from tests.http.test_inbox import counted_queries


@dataclass
class Setting:
    """Two brand organisations with tokens; ``mine`` are deals of the first one's briefs."""

    client: Any
    secret: str
    other_secret: str
    mine: dict[str, int]
    other_deal: int
    #: Every owner payout and margin amount of the first organisation's deals, and the
    #: stored agreement hashes: none of them may appear in any response to its token.
    secrets: set[str]
    brand_prices: dict[int, int]

    def get(self, url: str, secret: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {secret or self.secret}"}
        return self.client.get(url, headers=headers)


def _hidden_amounts(deal: Deal) -> set[str]:
    """The payouts and margins of every round and agreement of a deal, as digit strings."""
    found: set[int] = set()
    for offer in deal.offers:
        for version in offer.versions:
            terms = deals.terms_from_json(version.terms)
            found |= {terms.owner_payout_minor, terms.margin_minor}
            for p in terms.placements:
                found |= {p.owner_payout_minor, p.brand_price_minor - p.owner_payout_minor}
    return {str(n) for n in found if n > 100}


@pytest.fixture
def setting(app: Flask, client: Any, make_user: Any) -> Setting:
    brand, other = make_user("brand"), make_user("brand")
    owner, staff = make_user("owner"), make_user("staff")
    with app.test_request_context():
        session = db.session
        brand_u, other_u = session.get(User, brand.id), session.get(User, other.id)
        staff_u, owner_u = session.get(User, staff.id), session.get(User, owner.id)
        mine = {
            stage: make_deal(session, brand=brand_u, staff=staff_u, owner=owner_u, stage=stage)
            for stage in ("sent", "countered", "agreed")
        }
        theirs = make_deal(session, brand=other_u, staff=staff_u, owner=owner_u, stage="agreed")
        session.commit()
        secrets: set[str] = set()
        for deal in mine.values():
            secrets |= _hidden_amounts(deal)
            secrets |= {a.content_hash for a in deal.agreements}
        prices = {}
        for deal in mine.values():
            terms = deals.deal_terms(deal)
            assert terms is not None
            prices[deal.id] = terms.brand_price_minor
        # The payouts differ from every brand price, so scanning for them means something.
        assert secrets.isdisjoint({str(p) for p in prices.values()})
        ids = {stage: deal.id for stage, deal in mine.items()}
        other_id = theirs.id
    return Setting(client, token_for(app, brand), token_for(app, other), ids, other_id,
                   secrets, prices)  # fmt: skip


def _leaks(setting: Setting, text: str) -> set[str]:
    return {s for s in setting.secrets if re.search(rf"(?<![0-9a-f]){s}(?![0-9a-f])", text)} | {
        word for word in ("owner_payout", "payout_minor", "margin") if word in text
    }


def test_a_brand_token_lists_its_deals_at_brand_prices(setting: Setting) -> None:
    response = setting.get("/api/v1/deals")
    assert response.status_code == 200
    items = response.json["items"]
    assert [d["id"] for d in items] == sorted(setting.mine.values(), reverse=True)
    assert response.json["next_cursor"] is None
    for item in items:
        assert item["offer"]["brand_price_minor"] == setting.brand_prices[item["id"]]
        assert item["links"] == {
            "self": f"/api/v1/deals/{item['id']}",
            "offers": f"/api/v1/deals/{item['id']}/offers",
            "agreement": f"/api/v1/deals/{item['id']}/agreement",
        }
    by_id = {d["id"]: d for d in items}
    assert by_id[setting.mine["agreed"]]["status"] == "agreed"
    assert by_id[setting.mine["sent"]]["offer"]["status"] == "sent"
    assert by_id[setting.mine["countered"]]["offer"]["status"] == "countered"


def test_one_deal_shows_placements_status_and_the_brand_price_of_every_round(
    setting: Setting,
) -> None:
    deal_id = setting.mine["countered"]
    deal = setting.get(f"/api/v1/deals/{deal_id}").json
    assert deal["status"] == "negotiating"
    assert [(p["placement_type"], p["count"], p["status"]) for p in deal["placements"]] == [
        ("post", 1, "pending")
    ]
    offer = deal["offer"]
    assert offer["terms"]["brand_price_minor"] == setting.brand_prices[deal_id]
    assert [p["brand_price_minor"] for p in offer["terms"]["placements"]] == [
        setting.brand_prices[deal_id]
    ]
    assert [r["author"] for r in offer["rounds"]] == ["agency", "owner"]
    # The owner asked for more payout and nothing else: the brand sees no change at all.
    assert offer["rounds"][1]["changes"] == []
    assert "desk" not in deal
    offers = setting.get(f"/api/v1/deals/{deal_id}/offers").json
    assert offers["deal_id"] == deal_id
    assert [o["id"] for o in offers["items"]] == [offer["id"]]
    assert offers["items"][0]["rounds"] == offer["rounds"]


def test_the_agreement_gives_the_agreed_terms_at_brand_prices_and_a_hash_of_that_view(
    setting: Setting,
) -> None:
    deal_id = setting.mine["agreed"]
    agreement = setting.get(f"/api/v1/deals/{deal_id}/agreement").json
    assert agreement["number"] == 1
    assert agreement["kind"] == "agreement"
    assert agreement["confirmed_by_owner_at"]
    assert agreement["confirmed_by_agency_at"]
    assert agreement["terms"]["brand_price_minor"] == setting.brand_prices[deal_id]
    assert "expires_at" not in agreement["terms"]
    deal = setting.get(f"/api/v1/deals/{deal_id}").json
    document = {
        "document_version": 1,
        "brief_id": deal["brief_id"],
        "community_id": deal["community_id"],
        "number": 1,
        "terms": agreement["terms"],
    }
    assert agreement["terms_hash"] == hashlib.sha256(canonical_json(document)).hexdigest()
    assert [(a["number"], a["language"]) for a in deal["agreements"]] == [(1, "he")]
    # Not agreed yet: a 404 in the API's error shape.
    response = setting.get(f"/api/v1/deals/{setting.mine['sent']}/agreement")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_no_response_ever_carries_the_owner_payout_the_margin_or_the_owner_document_hash(
    setting: Setting,
) -> None:
    urls = ["/api/v1/deals", "/api/v1/deals?per_page=1", "/api/v1/deals?status=agreed"]
    for deal_id in setting.mine.values():
        urls += [f"/api/v1/deals/{deal_id}", f"/api/v1/deals/{deal_id}/offers",
                 f"/api/v1/deals/{deal_id}/agreement",
                 f"/api/v1/deals/{deal_id}/creative"]  # fmt: skip
    for url in urls:
        response = setting.get(url)
        assert response.status_code in (200, 404), url
        assert _leaks(setting, response.get_data(as_text=True)) == set(), url


def test_the_scan_finds_a_payout_or_a_hash_where_there_is_one(setting: Setting) -> None:
    payout = min(s for s in setting.secrets if len(s) < 64)
    digest = max(s for s in setting.secrets if len(s) == 64)
    assert _leaks(setting, json.dumps({"total": int(payout)})) == {payout}
    assert _leaks(setting, json.dumps({"x": digest})) == {digest}
    assert _leaks(setting, json.dumps({"total": int(payout) * 10})) == set()
    assert _leaks(setting, '{"owner_payout_minor": 1}') == {"owner_payout", "payout_minor"}


def test_another_organisations_deal_does_not_exist_for_the_token(setting: Setting) -> None:
    for suffix in ("", "/offers", "/agreement", "/creative"):
        response = setting.get(f"/api/v1/deals/{setting.other_deal}{suffix}")
        assert response.status_code == 404, suffix
        assert response.json["error"]["code"] == "deal_not_found", suffix
        assert set(response.json["error"]) >= {"code", "message"}
    assert setting.other_deal not in [d["id"] for d in setting.get("/api/v1/deals").json["items"]]
    # ... while its own organisation's token reads it, and only it.
    theirs = setting.get("/api/v1/deals", setting.other_secret).json["items"]
    assert [d["id"] for d in theirs] == [setting.other_deal]
    for deal_id in (2**31 - 1, 2**31, 10**30):
        assert setting.get(f"/api/v1/deals/{deal_id}").status_code == 404


def test_pages_follow_the_cursor_to_the_end(setting: Setting) -> None:
    first = setting.get("/api/v1/deals?per_page=2").json
    assert len(first["items"]) == 2
    assert first["next_cursor"] == str(first["items"][-1]["id"])
    second = setting.get(f"/api/v1/deals?per_page=2&cursor={first['next_cursor']}").json
    assert second["next_cursor"] is None
    seen = [d["id"] for d in first["items"] + second["items"]]
    assert seen == sorted(setting.mine.values(), reverse=True)


def test_a_cursor_past_every_id_starts_from_the_newest(setting: Setting) -> None:
    page = setting.get("/api/v1/deals?cursor=9999999999").json
    assert [d["id"] for d in page["items"]] == sorted(setting.mine.values(), reverse=True)


def test_a_page_costs_the_same_queries_for_one_deal_as_for_many(
    app: Flask, setting: Setting
) -> None:
    counts = []
    for per_page in (1, 3):
        with counted_queries(app) as statements:
            assert len(setting.get(f"/api/v1/deals?per_page={per_page}").json["items"]) == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_filters_by_brief_and_status(setting: Setting) -> None:
    agreed = setting.get(f"/api/v1/deals/{setting.mine['agreed']}").json
    by_brief = setting.get(f"/api/v1/deals?brief_id={agreed['brief_id']}").json["items"]
    assert [d["id"] for d in by_brief] == [setting.mine["agreed"]]
    negotiating = setting.get("/api/v1/deals?status=negotiating").json["items"]
    assert {d["id"] for d in negotiating} == {setting.mine["sent"], setting.mine["countered"]}
    both = setting.get("/api/v1/deals?status=negotiating&status=agreed").json["items"]
    assert len(both) == 3
    assert setting.get("/api/v1/deals?status=paused").json["items"] == []


@pytest.mark.parametrize(
    "query",
    ["status=won", "per_page=0", "per_page=101", "per_page=x", "per_page=%D9%A1", "brief_id=0",
     "brief_id=2147483648", "cursor=0", "cursor=01", "cursor=1.5", "cursor=-1",
     "cursor=99999999999"],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_that_says_which(setting: Setting, query: str) -> None:
    response = setting.get(f"/api/v1/deals?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_parameter"
    assert query.split("=")[0] in response.json["error"]["message"]


def test_without_a_token_every_deal_route_is_a_401(setting: Setting) -> None:
    deal_id = setting.mine["agreed"]
    for url in ("/api/v1/deals", f"/api/v1/deals/{deal_id}", f"/api/v1/deals/{deal_id}/offers",
                f"/api/v1/deals/{deal_id}/agreement"):  # fmt: skip
        for headers in ({}, {"Authorization": "Bearer ksr_nope"}):
            response = setting.client.get(url, headers=headers)
            assert response.status_code == 401, url
            assert response.json["error"]["code"] == "invalid_token"


def test_an_amendment_is_a_second_offer_and_the_agreement_stays_until_replaced(
    app: Flask, setting: Setting
) -> None:
    deal_id = setting.mine["agreed"]
    with app.test_request_context():
        deal = db.session.get(Deal, deal_id)
        assert deal is not None
        staff = db.session.scalars(select(User).where(User.role == Role.STAFF)).first()
        assert staff is not None
        deals.amend_deal(db.session, deal_id, actor=staff)
        db.session.commit()
    offers = setting.get(f"/api/v1/deals/{deal_id}/offers").json["items"]
    assert [o["kind"] for o in offers] == ["offer", "amendment"]
    assert setting.get(f"/api/v1/deals/{deal_id}").json["status"] == "amending"
    assert setting.get(f"/api/v1/deals/{deal_id}/agreement").json["number"] == 1


def test_every_answer_conforms_to_the_openapi_document(setting: Setting) -> None:
    document = setting.client.get("/api/v1/openapi.json").json
    registry = Registry().with_resource("urn:kesher", DRAFT202012.create_resource(document))
    deal_id = setting.mine["countered"]
    answers = [
        ("/api/v1/deals?per_page=2", "/api/v1/deals", "200"),
        ("/api/v1/deals?status=won", "/api/v1/deals", "400"),
        (f"/api/v1/deals/{deal_id}", "/api/v1/deals/{deal_id}", "200"),
        (f"/api/v1/deals/{setting.other_deal}", "/api/v1/deals/{deal_id}", "404"),
        (f"/api/v1/deals/{deal_id}/offers", "/api/v1/deals/{deal_id}/offers", "200"),
        (f"/api/v1/deals/{setting.mine['agreed']}/agreement",
         "/api/v1/deals/{deal_id}/agreement", "200"),
        (f"/api/v1/deals/{deal_id}/agreement", "/api/v1/deals/{deal_id}/agreement", "404"),
    ]  # fmt: skip
    for url, path, status in answers:
        response = setting.get(url)
        assert str(response.status_code) == status, url
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in ("paths", path, "get", "responses", status, "content",
                         "application/json", "schema")
        )  # fmt: skip
        validator = Draft202012Validator({"$ref": f"urn:kesher#/{pointer}"}, registry=registry)
        validator.validate(response.json)
    # The schemas forbid a payout: a leaked one would not conform.
    leaked = setting.get(f"/api/v1/deals/{deal_id}/offers").json
    leaked["items"][0]["terms"]["owner_payout_minor"] = 1
    pointer = "components/schemas/DealOffer"
    assert not Draft202012Validator({"$ref": f"urn:kesher#/{pointer}"}, registry=registry).is_valid(
        leaked["items"][0]
    )


def test_a_brand_reads_each_placements_post_and_who_approved_it(
    app: Flask, client: Any, make_user: Any
) -> None:
    brand, owner, staff = make_user("brand"), make_user("owner"), make_user("staff")
    with app.test_request_context():
        session = db.session
        brand_u, owner_u, staff_u = (session.get_one(User, u.id) for u in (brand, owner, staff))
        deal = make_deal(session, brand=brand_u, staff=staff_u, owner=owner_u, stage="agreed")
        [placement] = deal.placements
        make_creative(session, placement, "agency_approved", owner=owner_u, staff=staff_u)
        session.commit()
        deal_id, placement_id = deal.id, placement.id
    headers = {"Authorization": f"Bearer {token_for(app, brand)}"}
    answer = client.get(f"/api/v1/deals/{deal_id}/creative", headers=headers)
    assert answer.status_code == 200
    [item] = answer.json["items"]
    assert item["placement_id"] == placement_id
    assert item["status"] == "agency_approved"
    assert item["version"]["number"] == 1
    assert item["version"]["text"] == CREATIVE_TEXT
    assert [a["party"] for a in item["approvals"]] == ["owner", "staff"]
    # A deal whose posts nobody started yet says so, per placement.
    with app.test_request_context():
        session = db.session
        brand_u, owner_u, staff_u = (session.get_one(User, u.id) for u in (brand, owner, staff))
        fresh = make_deal(session, brand=brand_u, staff=staff_u, owner=owner_u, stage="agreed")
        session.commit()
        fresh_id = fresh.id
    [empty] = client.get(f"/api/v1/deals/{fresh_id}/creative", headers=headers).json["items"]
    assert (empty["status"], empty["version"]) == ("not_started", None)
