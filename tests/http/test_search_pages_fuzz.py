"""Never a 500 on the web's search and filter pages, whatever their query parameters hold.

The route fuzz (test_fuzz.py) spreads its examples over every route; here Hypothesis spends them
on the pages people search and filter with: the catalog (every facet, the text query, sort,
evidence, page size and cursor, each repeated, empty or hostile), the agency's brief queue, the
matches table and the jobs list, as the roles that use them. Real vocabulary values are drawn
too, so filters that match (and the full-text path behind them) run, not only refusals.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.catalog import search, vocab
from tests.http.test_fuzz import HOSTILE_VALUES
from tests.http.test_route_policy import World, sign_in, world  # noqa: F401  (the fixture)

EXAMPLES = int(os.environ.get("KESHER_FUZZ_EXAMPLES", "200"))

#: Real values, so that filters also match and combine.
REAL = sorted(
    {*vocab.TOPICS, *vocab.LANGUAGES, *vocab.REGIONS, *search.SORTS, "whatsapp_group",
     "telegram_channel", "b2c", "b2b", "draft", "submitted", "in_planning", "awareness",
     "pending", "approved", "failed", "queued", "1", "2", "4", "20", "ריצה", "run", "תל אביב"}
)  # fmt: skip
VALUE = st.one_of(
    st.sampled_from(REAL),
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=30),
    st.text(alphabet="אבגדהוזחטיכלמנסעפצקרשת \"'*()-:!&|", max_size=20),
)

#: Text a full-text query builder must survive: operators, quotes, brackets, prefixes, words.
FTS_TEXT = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(alphabet="ab אבג\"'*()-:!&|^~<>{}[].,;", max_size=20),
    st.lists(st.sampled_from(["a", "OR", "AND", "NOT", "NEAR", '"', "(", ")", "*", "-", "ריצה",
                              "ה", "run", ":", "^", "!", "&", "|"]), max_size=6).map(" ".join),
)  # fmt: skip


def mostly(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values three times in four, so refusals (400) do not hide the search behind them."""
    return st.one_of(valid, valid, valid, VALUE)


NUMBER = st.integers(min_value=0, max_value=120).map(str)
#: Each page, who uses it, and how to draw each parameter its view reads.
PAGES: list[tuple[str, tuple[str, ...], dict[str, st.SearchStrategy[str]]]] = [
    ("/catalog/", ("brand_admin", "staff", "owner"), {
        **dict.fromkeys(search.FACET_PARAMS, VALUE), "q": FTS_TEXT,
        "sort": mostly(st.sampled_from(search.SORTS)), "evidence": mostly(NUMBER),
        "per_page": mostly(NUMBER), "cursor": VALUE,
        "status": mostly(st.sampled_from(["listed", "paused", "submitted", "draft"])),
    }),
    ("/briefs/queue", ("staff", "admin"), {
        "status": mostly(st.sampled_from(["submitted", "in_planning", "draft", "approved"])),
        "compliance": mostly(st.sampled_from(["pending", "approved", "not_required"])),
        "goal": mostly(st.sampled_from(["awareness", "sales", "signups"])), "q": FTS_TEXT,
    }),
    ("/briefs/{brief_id}/matches", ("staff",), {
        "top": mostly(NUMBER), "sort": VALUE, "dir": mostly(st.sampled_from(["asc", "desc"])),
        "c": mostly(NUMBER),
    }),
    ("/jobs", ("staff", "admin"), {
        "mine": mostly(st.sampled_from(["1", "0", "yes", "no"])), "status": VALUE, "kind": VALUE,
    }),
]  # fmt: skip


@st.composite
def page_requests(draw: Any) -> tuple[str, str, str]:
    path, principals, strategies = draw(st.sampled_from(PAGES))
    names = draw(st.lists(st.sampled_from(sorted(strategies)), unique=True))
    params = [
        (name, value)
        for name in names
        for value in draw(st.lists(strategies[name], min_size=1, max_size=3))
    ]
    return path, draw(st.sampled_from(principals)), urlencode(params)


def test_the_search_and_filter_pages_never_answer_500(app: Flask, world: World) -> None:  # noqa: F811
    clients = {}
    for principal in {p for _path, principals, _strategies in PAGES for p in principals}:
        client = app.test_client()
        sign_in(app, client, world.users[principal])
        clients[principal] = client
    seen: set[tuple[str, int]] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(page_requests())
    def check(request: tuple[str, str, str]) -> None:
        path, principal, query = request
        url = path.format(brief_id=world.brief_id) + (f"?{query}" if query else "")
        response = clients[principal].get(url)
        assert response.status_code < 500, f"{url} as {principal}: {response.status_code}"
        seen.add((path, response.status_code))
        response.close()

    check()
    # The pages answered, not only refused: each was rendered (200) at least once.
    assert {path for path, status in seen if status == 200} == {path for path, *_ in PAGES}
