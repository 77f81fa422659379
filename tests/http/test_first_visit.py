"""What a new user's browser asks for on the first page it opens, and whether it gets it."""

from __future__ import annotations

import re
from typing import Any


def test_every_page_names_an_icon_that_is_served(client: Any) -> None:
    # Without a declared icon the browser asks for /favicon.ico, gets a 404 and logs an error
    # in the console of every page a new user opens.
    page = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page)
    assert match, "the layout declares no icon"
    icon = client.get(match.group(1))
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
