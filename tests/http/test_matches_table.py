"""Staff's ranked matches: a sortable table, names told apart, and a compare of two to four."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ChannelAsset, ListingStatus
from marketplace.extensions import db
from tests.factories import brief_data, make_listing

#: (name, city, size of its WhatsApp group): two share a name, in different cities.
COMMUNITIES = [
    ("רצים בפארק", "תל אביב", 900),
    ("רצים בפארק", "חיפה", 300),
    ("ריצת בוקר", "ירושלים", 1500),
    ("מרתון לכולם", "באר שבע", 120),
    ("צועדות", "נתניה", 650),
]


@pytest.fixture
def ranked(app: Flask, make_user: Any) -> dict[str, Any]:
    staff = make_user("staff", locale="en")
    owner = make_user("owner")
    brand = make_user("brand")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        agent = db.session.get(User, staff.id)
        ids = []
        for name, city, size in COMMUNITIES:
            listing = make_listing(db.session, me, name_he=name, name_en=None, city=city)
            asset = db.session.query(ChannelAsset).filter_by(community_id=listing.community.id)
            asset.one().size = size
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
            ids.append(listing.community.id)
        author = db.session.get(User, brand.id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=author)
        db.session.commit()
        return {"staff": staff, "brand": brand, "brief_id": brief.id, "ids": ids}


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="community-(\d+)"', html)]


def test_staff_sort_the_matches_by_size_either_way_without_script(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    auth.login(ranked["staff"].email)
    by_size = {cid: size for cid, (_n, _c, size) in zip(ranked["ids"], COMMUNITIES, strict=True)}
    url = f"/briefs/{ranked['brief_id']}/matches"
    descending = row_ids(client.get(f"{url}?sort=size").get_data(as_text=True))
    assert len(descending) == 5
    assert [by_size[i] for i in descending] == sorted(by_size.values(), reverse=True)
    page = client.get(f"{url}?sort=size&dir=asc").get_data(as_text=True)
    assert [by_size[i] for i in row_ids(page)] == sorted(by_size.values())
    assert 'aria-sort="ascending"' in page
    assert "sort=size&amp;dir=desc" in page, "the active column's link flips the order"
    default = client.get(url).get_data(as_text=True)
    scores = [int(s) for s in re.findall(r'aria-label="Fit: (\d+)"', default)]
    assert scores == sorted(scores, reverse=True), "by default the best fit comes first"
    assert "<details" in default, "the explanation opens on demand"
    assert "<svg" in default


def test_two_communities_with_the_same_name_are_told_apart(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    auth.login(ranked["staff"].email)
    html = client.get(f"/briefs/{ranked['brief_id']}/matches").get_data(as_text=True)
    first, second = ranked["ids"][:2]
    lines = {}
    for cid in (first, second):
        row = html[html.index(f'<tr id="community-{cid}"') :]
        row = row[: row.index("</tr>")]
        told = re.search(r'class="meta told-apart">(.*?)</span>\s', row, re.S)
        assert told, "the name has a line that tells it apart"
        lines[cid] = re.sub(r"<[^>]+>", "", told.group(1))
        assert f"#{cid}" in row
    assert lines[first] != lines[second]
    assert "תל אביב" in lines[first]
    assert "900" in lines[first]
    assert "חיפה" in lines[second]
    assert "300" in lines[second]


def test_staff_compare_two_communities_side_by_side(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    auth.login(ranked["staff"].email)
    a, b = ranked["ids"][2], ranked["ids"][4]
    response = client.get(f"/briefs/{ranked['brief_id']}/compare?c={a}&c={b}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "ריצת בוקר" in html
    assert "צועדות" in html
    assert "רצים בפארק" not in html
    assert html.count('<th scope="col"><a href="/catalog/') == 2
    assert "Topic fit" in html


def test_comparing_five_is_refused_with_a_message_and_the_choice_kept(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    auth.login(ranked["staff"].email)
    query = "&".join(f"c={i}" for i in ranked["ids"])
    response = client.get(f"/briefs/{ranked['brief_id']}/compare?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose from 2 to 4 communities to compare; you chose 5." in html
    assert html.count("checked>") == 5
    one = client.get(f"/briefs/{ranked['brief_id']}/compare?c={ranked['ids'][0]}")
    assert one.status_code == 422


def test_a_digit_that_is_no_number_is_ignored_not_a_500(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    """ "²" is a digit to str.isdigit but no number to int(): ?c=² answered 500."""
    auth.login(ranked["staff"].email)
    a, b = ranked["ids"][2], ranked["ids"][4]
    response = client.get(f"/briefs/{ranked['brief_id']}/compare?c=²&c={a}&c=٣x&c={b}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<th scope="col"><a href="/catalog/') == 2


def test_brands_cannot_open_the_compare_view(
    client: Any, auth: Any, ranked: dict[str, Any]
) -> None:
    auth.login(ranked["brand"].email)
    a, b = ranked["ids"][:2]
    assert client.get(f"/briefs/{ranked['brief_id']}/compare?c={a}&c={b}").status_code == 403
