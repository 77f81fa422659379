"""The delivery endpoints of /api/v1: a brand token reads its campaigns' posts and proofs."""

from __future__ import annotations

from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.factories import CREATIVE_TEXT, make_post, make_proof
from tests.http.test_api import token_for


def _conforms(document: dict[str, Any], path: str, status: str, body: Any) -> None:
    registry = Registry().with_resource("urn:kesher", DRAFT202012.create_resource(document))
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in ("paths", path, "get", "responses", status, "content", "application/json",
                     "schema")
    )  # fmt: skip
    Draft202012Validator({"$ref": f"urn:kesher#/{pointer}"}, registry=registry).validate(body)


def test_a_brand_token_reads_its_campaign_posts_and_proofs_and_nothing_else(
    app: Flask, client: Any, make_user: Any
) -> None:
    brand, other_brand = make_user("brand"), make_user("brand")
    owner, staff = make_user("owner"), make_user("staff")
    with app.test_request_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (brand, owner, staff)}
        post = make_post(db.session, brand=people[brand.id], staff=people[staff.id],
                         owner=people[owner.id])  # fmt: skip
        make_proof(db.session, post, actor=people[owner.id], text=CREATIVE_TEXT)
        post_id, brief_id = post.id, post.brief_id
        db.session.commit()
    mine = {"Authorization": f"Bearer {token_for(app, brand)}"}
    theirs = {"Authorization": f"Bearer {token_for(app, other_brand)}"}
    document = client.get("/api/v1/openapi.json").json

    posts = client.get(f"/api/v1/campaigns/{brief_id}/posts", headers=mine)
    assert posts.status_code == 200
    [item] = posts.json["items"]
    assert (item["id"], item["status"]) == (post_id, "posted")
    assert item["live_url"] == f"https://chat.example/p/{post_id}"
    _conforms(document, "/api/v1/campaigns/{brief_id}/posts", "200", posts.json)

    proofs = client.get(f"/api/v1/posts/{post_id}/proofs", headers=mine)
    assert proofs.status_code == 200
    [proof] = proofs.json["items"]
    assert proof["decision"] == "pending"
    assert proof["disclosure_ok"] is True
    assert "data" not in proof
    _conforms(document, "/api/v1/posts/{post_id}/proofs", "200", proofs.json)

    for url in (f"/api/v1/campaigns/{brief_id}/posts", f"/api/v1/posts/{post_id}/proofs",
                "/api/v1/posts/999999/proofs"):  # fmt: skip
        answer = client.get(url, headers=theirs)
        assert answer.status_code == 404, url
        assert answer.json["error"]["code"] in ("campaign_not_found", "post_not_found")
    assert client.get(f"/api/v1/posts/{post_id}/proofs").status_code == 401
