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
