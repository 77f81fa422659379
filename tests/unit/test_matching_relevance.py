"""Relevance dominates the ranking (issue 16): what quality may and may not do.

Both sides of each rule: what must now rank first, and what must still be refused or stay
below. docs/matching.md, "Relevance dominates", gives the worked numbers.
"""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import (
    CommunityRecord,
    PlacementOffer,
    build_features,
    rank,
    score_catalog,
)
from campaigns.matching.components import (
    DEFAULT_WEIGHTS,
    QUALITY_SHARE,
    Component,
    combine,
)
from campaigns.matching.scoring import brief_topic_weights
from pricing.taxonomy import PlacementType
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

P = PlacementType


def snack_brief(**fields: object) -> BriefSpec:
    data: dict[str, object] = {
        "goal": "sales_leads",
        "title": "חטיף חלבון",
        "message": "חטיף חלבון חדש למתאמנים ולמי שמקפיד על תזונה",
        "topics": ["fitness", "food"],
        "budget_minor": 2_500_000,
    }
    data.update(fields)
    return parse_brief(data)


def poor(cid: int, **changes: object):  # type: ignore[no-untyped-def]
    """A community of poor quality: low health, no evidence, rates far above value."""
    base: dict[str, object] = {
        "health_score": 20.0,
        "active_share": 0.02,
        "best_evidence": 0,
        "offers": (PlacementOffer(P.POST, 40_000, value_p50_minor=4_000),),
    }
    base.update(changes)
    return community(cid, **base)


def excellent(cid: int, **changes: object):  # type: ignore[no-untyped-def]
    """A community of the best quality: healthy, proven, and a bargain."""
    base: dict[str, object] = {
        "health_score": 100.0,
        "active_share": 0.9,
        "interactions_per_member_week": 2.0,
        "best_evidence": 4,
        "total_size": 50_000,
        "offers": (PlacementOffer(P.POST, 10_000, value_p50_minor=60_000),),
    }
    base.update(changes)
    return community(cid, **base)


def test_quality_cannot_lift_a_less_relevant_community_over_a_more_relevant_one() -> None:
    # Both share the brief's topics; only the first also speaks of what the brief says. The
    # runners' group is large, healthy, proven and cheap, and still ranks below it.
    nutrition = poor(
        1, description="מתאמנים ותזונה: חטיף חלבון אחרי אימון", topics=("fitness", "food")
    )
    runners = excellent(2, description="קבוצת ריצה בפארק", topics=("fitness", "food"))
    result = rank(snack_brief(), build_features([nutrition, runners]))
    assert [r.community_id for r in result.rows] == [1, 2]
    first, second = result.rows
    assert first.components["health"] < second.components["health"]
    assert first.components["value"] < second.components["value"]


def test_an_off_topic_community_keeps_at_most_its_relevance_whatever_its_quality() -> None:
    off_topic = excellent(1, description="מועדון שחמט", topics=("games",))
    table = score_catalog(snack_brief(), build_features([off_topic]))
    c = {k: float(v[0]) for k, v in table.components.items()}
    relevance = (
        0.5 * c[Component.TOPIC] + 0.25 * c[Component.AUDIENCE] + 0.1 * c[Component.GOAL_FORMAT]
    ) / 0.85
    assert float(table.total[0]) <= relevance + 1e-12
    assert c[Component.TOPIC] < 0.3


def test_between_equally_relevant_communities_quality_still_decides() -> None:
    # The other side: quality is not ignored; it orders communities that fit alike.
    worse = poor(1, description="מתאמנים ותזונה", topics=("fitness", "food"))
    better = excellent(2, description="מתאמנים ותזונה", topics=("fitness", "food"))
    result = rank(snack_brief(), build_features([worse, better]))
    assert [r.community_id for r in result.rows] == [2, 1]
    assert result.rows[0].components["topic"] == pytest.approx(result.rows[1].components["topic"])


def test_the_total_is_relevance_scaled_by_quality() -> None:
    c = {
        Component.TOPIC: 0.8,
        Component.AUDIENCE: 0.5,
        Component.GOAL_FORMAT: 1.0,
        Component.HEALTH: 0.6,
        Component.EVIDENCE: 0.5,
        Component.VALUE: 0.25,
        Component.PAST: 0.5,
    }
    relevance = (0.5 * 0.8 + 0.25 * 0.5 + 0.1 * 1.0) / 0.85  # 0.7353
    quality = (0.10 * 0.6 + 0.05 * 0.5 + 0.07 * 0.25 + 0.03 * 0.5) / 0.25  # 0.47
    expected = relevance * (1 - QUALITY_SHARE + QUALITY_SHARE * quality)
    assert combine(c, DEFAULT_WEIGHTS) == pytest.approx(expected)
    assert expected == pytest.approx(0.625 / 0.85 * (0.9 + 0.1 * 0.47))
    # Only relevance weighted: the total is relevance; only quality: the total is scaled 1.
    assert combine(c, {**dict.fromkeys(Component, 0.0), Component.TOPIC: 1.0}) == 0.8
    only_value = {**dict.fromkeys(Component, 0.0), Component.VALUE: 1.0}
    assert combine(c, only_value) == pytest.approx(1 - QUALITY_SHARE + QUALITY_SHARE * 0.25)


def careers_catalog() -> list[CommunityRecord]:
    """Many job boards and one students' group: "students" is rare, so it is specific."""
    boards = [
        community(i, description=f"לוח משרות {i}", topics=("careers",), region="nationwide")
        for i in range(10, 20)
    ]
    students = community(
        2, description="סטודנטים בבאר שבע", topics=("students", "education"), region="south"
    )
    locals_ = community(
        3, description="תושבי באר שבע: מוקד שירות חדש בעיר", topics=("local",), region="south"
    )
    return [*boards, students, locals_]


def recruitment_brief(**fields: object) -> BriefSpec:
    data: dict[str, object] = {
        "goal": "recruitment",
        "title": "גיוס נציגי שירות",
        "message": "מוקד שירות חדש מגייס נציגים, מתאים לסטודנטים",
        "topics": ["careers", "local"],
        "regions": ["south"],
        "budget_minor": 2_000_000,
    }
    data.update(fields)
    return parse_brief(data)


def test_a_topic_found_in_the_message_never_outweighs_a_named_one() -> None:
    features = build_features(careers_catalog())
    weights = brief_topic_weights(recruitment_brief(), features).weights
    # "students" is the rarest topic of the catalog, but the brand named careers and local.
    assert features.specificity("students") > features.specificity("careers")
    assert 0 < weights["students"] <= min(weights["careers"], weights["local"])
    # The named topics keep their specificity weights.
    assert weights["careers"] == pytest.approx(features.specificity("careers"))


def test_the_local_group_the_brief_names_outranks_a_group_its_message_mentions() -> None:
    result = rank(recruitment_brief(), build_features(careers_catalog()))
    order = [r.community_id for r in result.rows]
    assert order.index(3) < order.index(2)


def test_a_found_topic_still_counts_and_named_rare_topics_are_not_capped() -> None:
    features = build_features(careers_catalog())
    # Named, the rare topic keeps its full weight and leads the overlap.
    named = brief_topic_weights(recruitment_brief(topics=["students", "careers"]), features)
    assert named.weights["students"] > named.weights["careers"]
    # Found only in the words of a brief that names nothing: nothing caps it.
    found = brief_topic_weights(recruitment_brief(topics=[]), features)
    assert found.weights["students"] == pytest.approx(0.5 * features.specificity("students"))


def feedback_brief() -> BriefSpec:
    return parse_brief(
        {
            "goal": "product_feedback",
            "title": "משוב על אפליקציית שינה לתינוקות",
            "message": "שולחן עגול עם הורים לתינוקות על אפליקציית שינה",
            "topics": ["parenting"],
            "budget_minor": 2_500_000,
        }
    )


def test_a_community_that_can_run_the_goal_s_format_outranks_a_healthier_one_that_cannot() -> None:
    # Product feedback wants a round table. Two parents' groups fit the brief's topic alike;
    # the one that runs round tables ranks above a healthier, proven, cheaper one that offers
    # only a post: the format is part of fitting the brief, health and value only scale it.
    round_table = community(
        1,
        description="הורים לתינוקות",
        offers=(PlacementOffer(P.ROUND_TABLE, 200_000, value_p50_minor=200_000),),
    )
    post_only = excellent(2, description="הורים לתינוקות", topics=("parenting",))
    result = rank(feedback_brief(), build_features([round_table, post_only]))
    first, second = result.rows
    assert [first.community_id, second.community_id] == [1, 2]
    assert first.components["topic"] == pytest.approx(second.components["topic"])
    assert first.components["goal_format"] > second.components["goal_format"]
    assert first.components["health"] < second.components["health"]


def test_format_does_not_lift_an_off_topic_community_that_runs_it() -> None:
    # The other side: a round table on another subject stays below the parents' group.
    parents = community(1, description="הורים לתינוקות: שינה")
    chess = excellent(
        2,
        description="מועדון שחמט",
        topics=("games",),
        offers=(PlacementOffer(P.ROUND_TABLE, 100_000, value_p50_minor=400_000),),
    )
    result = rank(feedback_brief(), build_features([parents, chess]))
    assert [r.community_id for r in result.rows] == [1, 2]
