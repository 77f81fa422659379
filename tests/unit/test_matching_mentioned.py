"""Members, not mentions (issue 16, sixth round; ``features.mentioned_topics``,
``components.MENTIONED_SHARE``): a community whose description mentions an audience in passing
("we also help reservists' families") carried that audience's topic as fully as a community
whose members are that audience, and outranked it on size or text. A topic a community carries
only through its description now earns three quarters of its credit; one its owner stated, or
that its name, member type, common denominator or tags show, is unchanged."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.components import MENTIONED_SHARE
from campaigns.matching.features import mentioned_topics
from campaigns.matching.reference import reference_scores
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

MEMBERS = community(
    1,
    name="נשות מילואימניקים",
    description="קבוצת תמיכה, עצות ושאלות",
    member_type="בנות זוג של משרתי מילואים",
    topics=("local",),
    total_size=400,
)
MENTION = community(
    2,
    name="שכנים טובים",
    description="עזרה בין שכנים, איסוף תרומות וגם עזרה למשפחות מילואים ותמיכה בקשישים",
    topics=("local",),
    total_size=4000,
    best_evidence=4,
)
STATED = community(
    3,
    name="שכנים עוזרים",
    description="עזרה בין שכנים וגם עזרה למשפחות מילואים",
    topics=("local", "reservists"),
)
CATALOG = [MEMBERS, MENTION, STATED, *[community(10 + i, topics=("parenting",)) for i in range(5)]]


def brief() -> BriefSpec:
    return parse_brief(
        {
            "goal": "awareness",
            "title": "סיוע למשפחות מילואים",
            "message": "שירות חינם למשפחות של משרתי מילואים",
            "topics": ["reservists"],
            "languages": ["he"],
            "budget_minor": 1_000_000,
        }
    )


def order() -> list[int]:
    return [r.community_id for r in rank(brief(), build_features(CATALOG)).rows]


def test_a_passing_mention_is_told_from_who_the_members_are() -> None:
    assert mentioned_topics(MENTION) == {"reservists", "seniors"}
    assert mentioned_topics(MEMBERS) == frozenset()  # its name says it
    assert "reservists" not in mentioned_topics(STATED)  # its owner stated it


def test_the_group_whose_members_are_the_audience_ranks_above_the_one_that_mentions_it() -> None:
    ranked = order()
    assert ranked.index(MEMBERS.id) < ranked.index(MENTION.id)


def test_without_the_rule_the_mention_won(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.MENTIONED_SHARE", 1.0)
    # and without the tenth round's focus, which also counts it less (it mentions seniors too)
    monkeypatch.setattr("campaigns.matching.components.FOCUS_SHARE", 0.0)
    ranked = order()
    assert ranked.index(MENTION.id) < ranked.index(MEMBERS.id)


def test_a_mention_still_counts_for_more_than_nothing() -> None:
    assert 0 < MENTIONED_SHARE < 1
    ranked = order()
    assert ranked.index(MENTION.id) < min(ranked.index(10 + i) for i in range(5))


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    table = score_catalog(brief(), features)
    for i, ref in enumerate(reference_scores(brief(), features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


def test_rankings_in_parallel_threads_share_the_kept_rows_safely() -> None:
    """A web worker ranks in four threads: two evicting the oldest kept entry at once took
    the same key, and the second `del` raised KeyError (a 500 for that brief)."""
    import sys
    import threading
    import time

    from campaigns.matching import scoring

    features = build_features(CATALOG)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        stop = time.monotonic() + 2.0
        n = 0
        while time.monotonic() < stop and not errors:
            try:
                scoring.mentioned_rows(features, f"t{k}-{n % 50}")
            except Exception as error:  # noqa: BLE001 - the race is what is tested
                errors.append(error)
            n += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
