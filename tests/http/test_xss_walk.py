"""Every page, for every role, shows what people typed as text, never as markup, and writes
nothing by being read.

Tenant A's running campaign (`test_cross_tenant.tenant`) gets a script-bearing payload, with
a right-to-left override, in every free text people type: organisation and user names, the
brief's title, message and comments, the community's names and story, the channel's handle,
the post's text and comments, the proof's text, a notification's names. Then the brand, the
owner, staff, an admin and finance open every page of the app naming A's objects: no HTML
page may carry the payload's markup unescaped. (The CSP would stop an inline script anyway;
this checks the first line of defence, Jinja's escaping and the few Markup() calls.) The
whole database is compared before and after each walk: a page that wrote when read would be a
write any other site could trigger without a CSRF token.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import Organisation, User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief
from marketplace.catalog.models import ChannelAsset, Community
from marketplace.creative import services as creative
from marketplace.creative.models import CreativeVersion
from marketplace.delivery.models import Proof
from marketplace.extensions import db
from marketplace.policy import POLICY
from tests.factories import CREATIVE_TEXT, make_notification
from tests.http.test_cross_tenant import (  # noqa: F401  (tenant: the fixture)
    Tenant,
    _user,
    tenant,
)
from tests.http.test_route_policy import routes, sign_in

#: Markup that must arrive as text; the override (U+202E) tries to flip what follows it.
PAYLOAD = "<img src=x onerror=alert(1)>\u202e\"'<script>alert(2)</script>"
#: What would show that the payload was rendered as markup.
RAW = ("<img src=x", "<script>alert(2)")


# --- reads do not write ------------------------------------------------------------------------

#: Tables a GET may write by design: the visit of a login session.
WRITTEN_BY_READS = {"login_sessions"}


def _dump(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    from marketplace.db import Base
    from marketplace.matching.records import REBUILD_KIND

    with app.app_context():
        dump = {}
        for table in Base.metadata.sorted_tables:
            if table.name in WRITTEN_BY_READS:
                continue
            query = table.select()
            if table.name == "jobs":
                # A derived cache: a search may ask (once per catalog version) for the matching
                # features to be rebuilt.
                query = query.where(table.c.kind != REBUILD_KIND)
            rows = db.session.execute(query)
            dump[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=str)
        return dump


def _poison(app: Flask, state: Tenant) -> None:
    with app.app_context():
        ids = state.ids
        for organisation in db.session.scalars(select(Organisation)):
            organisation.name = PAYLOAD
        for user in db.session.scalars(select(User)):
            user.display_name = PAYLOAD
        brief = db.session.get_one(Brief, ids["brief_id"])
        brief.title, brief.message = PAYLOAD, PAYLOAD
        for community in db.session.scalars(select(Community)):
            community.name_he = community.name_en = community.description = PAYLOAD
            community.founding_story = community.city = community.dna_tone = PAYLOAD
        for asset in db.session.scalars(select(ChannelAsset)):
            asset.handle = PAYLOAD
        for proof in db.session.scalars(select(Proof)):
            proof.post_text = PAYLOAD
        brand = db.session.get_one(User, state.insiders["brand"])
        owner = db.session.get_one(User, state.insiders["owner"])
        briefs.add_comment(db.session, brief, PAYLOAD, actor=brand)
        creative.add_comment(db.session, ids["placement_id"], PAYLOAD, actor=owner)
        current = db.session.scalar(select(func.max(CreativeVersion.number)))
        creative.save_draft(db.session, ids["placement_id"], text=f"{PAYLOAD} {CREATIVE_TEXT}",
                            version=current, actor=owner)  # fmt: skip
        for user in (brand, owner):
            make_notification(db.session, user, params={"community": PAYLOAD, "brief": PAYLOAD})
        db.session.commit()


@pytest.mark.parametrize("who", ["brand", "owner", "staff", "admin", "finance"])
def test_no_page_renders_typed_text_as_markup_or_writes(
    app: Flask,
    tenant: Tenant,  # noqa: F811
    who: str,
) -> None:
    _poison(app, tenant)
    before = _dump(app)
    client = app.test_client()
    sign_in(app, client, _user(app, tenant.insiders[who]))
    unsafe, shown = [], 0
    for rule, method in routes(app):
        if method != "GET" or POLICY[rule.endpoint].api_token:
            continue
        if not rule.arguments <= tenant.ids.keys() or rule.endpoint == "auth.logout":
            continue
        url = rule.build({k: tenant.ids[k] for k in rule.arguments})[1]
        response = client.get(url)
        if response.mimetype == "text/html" and response.status_code == 200:
            body = response.get_data(as_text=True)
            shown += "onerror=alert(1)" in body  # the payload is there, escaped
            unsafe += [f"{url}: {raw}" for raw in RAW if raw in body]
        response.close()
    assert unsafe == []
    assert shown >= 5, "the payload should appear (escaped) on several pages"
    # GET is safe: a link, an image tag or a prefetch on another site can make a browser read
    # any page, so a page that wrote would be a write without a CSRF token.
    after = _dump(app)
    assert {t: (len(before[t]), len(after[t])) for t in before if before[t] != after[t]} == {}


def test_the_payload_is_really_markup_when_unescaped() -> None:
    # The check can fail: Markup-wrapping the payload would put it on the page as is.
    from markupsafe import Markup, escape

    assert any(raw in str(Markup(PAYLOAD)) for raw in RAW)  # noqa: S704 - the point
    assert not any(raw in str(escape(PAYLOAD)) for raw in RAW)
