"""An empty page tells a newcomer what fills it and how, in their role's words (in Hebrew)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("owner", "כשהסוכנות מציעה קמפיין לאחת הקהילות שלך, ההצעה מופיעה כאן"),
        ("brand", "אחרי שתאשרו תוכנית מדיה, הסוכנות שולחת הצעה לכל קהילה שבה"),
        ("staff", "עסקה מתחילה מתוכנית מדיה מאושרת"),
    ],
)
def test_no_deals_yet_says_where_deals_come_from(
    client: Any, auth: Any, make_user: Any, role: str, says: str
) -> None:
    auth.login(make_user(role).email)
    page = client.get("/deals/").get_data(as_text=True)
    assert "אין עדיין עסקאות." in page
    assert says in page


def test_no_documents_yet_says_when_an_invoice_comes(
    client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("brand").email)
    page = client.get("/finance/documents").get_data(as_text=True)
    assert "חשבונית מס מופקת כאן כשעסקה נסגרת, וקבלה על כל תשלום." in page


@pytest.mark.parametrize(("role", "home"), [("owner", "/community/"), ("brand", "/brand/")])
def test_member_since_is_a_day_not_a_clock_reading(
    client: Any, auth: Any, make_user: Any, role: str, home: str
) -> None:
    """ "Member since 7 Dec 2026, 20:45:47" read like a log line; the day is what it says."""
    import re

    auth.login(make_user(role, locale="en").email)
    page = client.get(home).get_data(as_text=True)
    since = re.search(r"Member since ([^<]*)</p>", page)
    assert since is not None
    assert not re.search(r"\d:\d\d", since.group(1))
    assert re.search(r"\d{4}$", since.group(1))


def test_a_deal_waiting_for_nobody_says_since_when_it_is_in_its_stage(
    app: Any, client: Any, auth: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Waits for nobody since …" read like a complaint: a deal ready to run is in its stage."""
    from campaigns.deals.board import Stage
    from marketplace.auth.models import User
    from marketplace.deals import views
    from marketplace.extensions import db
    from tests.factories import make_deal

    people = {role: make_user(role, locale="en") for role in ("brand", "staff", "owner")}
    with app.app_context():
        deal = make_deal(db.session, **{r: db.session.get(User, u.id) for r, u in people.items()},
                         stage="agreed")  # fmt: skip
        db.session.commit()
        deal_id = deal.id
    original = views.board_stage

    def ready(deal: Any, now: Any) -> Any:
        _stage, _waiting, since = original(deal, now)
        return Stage.READY_TO_RUN, "nobody", since

    monkeypatch.setattr(views, "board_stage", ready)
    auth.login(people["staff"].email)
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "In this stage since" in page
    assert "Waits for nobody" not in page
    board = client.get("/deals/board").get_data(as_text=True)
    assert "In this stage since" in board
    assert "Waits for nobody" not in board
    listed = client.get("/deals/").get_data(as_text=True)
    assert "In this stage since" in listed
    assert "nobody ·" not in listed
