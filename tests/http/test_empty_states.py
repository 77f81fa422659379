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
