"""The matching engine on small hand-made catalogs: gates, components, explanations, advice."""

from __future__ import annotations

import math

import pytest

from campaigns.brief import BriefSpec, Goal, RegulatedCategory, parse_brief
from campaigns.matching import (
    DEFAULT_WEIGHTS,
    CommunityRecord,
    Gate,
    PlacementOffer,
    build_features,
    gate_masks,
    rank,
    score_catalog,
)
from campaigns.matching.components import (
    QUALITY_SHARE,
    SENSITIVE_RULES,
    region_open,
    sensitive_closed,
)
from pricing.taxonomy import PlacementType, Platform
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

P = PlacementType


def brief(**fields: object) -> BriefSpec:
    data: dict[str, object] = {"goal": "awareness", "message": "חיתולים", "budget_minor": 100_000}
    data.update(fields)
    return parse_brief(data)


def gate_of(b: BriefSpec, records: list[CommunityRecord]) -> dict[Gate, list[bool]]:
    masks = gate_masks(b, build_features(records))
    return {g: [bool(x) for x in m] for g, m in masks.items()}


def test_status_exclusions_and_avoided_topics_close_communities() -> None:
    records = [
        community(1),
        community(2, status="paused"),
        community(3),
        community(4, topics=("parenting", "dating")),
    ]
    gates = gate_of(brief(exclude_communities=[3], avoid_topics=["dating"]), records)
    assert gates[Gate.STATUS] == [True, False, True, True]
    assert gates[Gate.EXCLUDED] == [True, True, False, True]
    assert gates[Gate.AVOID_TOPICS] == [True, True, True, False]


def test_language_gate_needs_one_shared_language_and_unknown_languages_fail() -> None:
    records = [community(1), community(2, languages=("ar", "he")), community(3, languages=())]
    assert gate_of(brief(languages=["ar"]), records)[Gate.LANGUAGE] == [False, True, False]
    assert gate_of(brief(), records)[Gate.LANGUAGE] == [True, True, True]


def test_region_rules_nationwide_serves_every_israeli_region_and_abroad_only_itself() -> None:
    assert region_open("nationwide", ("south",))
    assert region_open("haifa", ("nationwide",))
    assert not region_open("abroad", ("nationwide",))
    assert not region_open("nationwide", ("abroad",))
    assert not region_open("haifa", ("south",))
    assert region_open("haifa", ())
    records = [community(1), community(2, region="nationwide"), community(3, region="south")]
    assert gate_of(brief(regions=["south"]), records)[Gate.REGION] == [False, True, True]


def test_platform_and_regulated_gates() -> None:
    records = [
        community(1),
        community(
            2,
            platforms=(Platform.TELEGRAM_CHANNEL,),
            regulated_allowed=(RegulatedCategory.ALCOHOL,),
        ),
        community(3, regulated_allowed=(RegulatedCategory.ALCOHOL, RegulatedCategory.TOBACCO)),
    ]
    gates = gate_of(
        brief(platforms=["telegram_channel"], regulated=["alcohol", "tobacco"]), records
    )
    assert gates[Gate.PLATFORM] == [False, True, False]
    assert gates[Gate.REGULATED] == [False, False, True]


@pytest.mark.parametrize(
    ("flag", "goal", "regulated", "closed"),
    [
        ("minors", "awareness", [], True),
        ("minors", "market_education", [], False),
        ("minors", "market_education", ["health"], True),
        ("bereavement", "sales_leads", [], True),
        ("bereavement", "expert_session", ["health"], False),
        ("recovery", "awareness", ["alcohol"], True),
        ("recovery", "awareness", [], False),
        ("health", "awareness", ["gambling"], True),
        ("health", "expert_session", ["pharma"], False),
        ("religious", "awareness", ["alcohol"], False),
        ("political", "awareness", [], True),
        ("political", "awareness", ["politics"], False),
    ],
)
def test_sensitive_rule_table(flag: str, goal: str, regulated: list[str], closed: bool) -> None:
    assert sensitive_closed(flag, brief(goal=goal, regulated=regulated)) is closed


def test_sensitive_rules_hold_even_when_the_community_allows_the_category() -> None:
    recovering = community(
        1, sensitive_flags=("recovery",), regulated_allowed=(RegulatedCategory.ALCOHOL,)
    )
    gates = gate_of(brief(regulated=["alcohol"]), [recovering])
    assert gates[Gate.REGULATED] == [True]
    assert gates[Gate.SENSITIVE] == [False]
    assert set(SENSITIVE_RULES) == {
        "health",
        "health_interest",
        "minors",
        "about_children",
        "bereavement",
        "recovery",
        "religious",
        "political",
    }


def test_goal_format_and_budget_gates() -> None:
    records = [
        community(1),
        community(2, offers=(PlacementOffer(P.ROUND_TABLE, 500_000),)),
        community(3, offers=(PlacementOffer(P.ROUND_TABLE, 50_000),)),
    ]
    gates = gate_of(brief(goal="product_feedback", budget_minor=100_000), records)
    assert gates[Gate.GOAL_FORMAT] == [True, True, True]
    assert gates[Gate.BUDGET] == [True, False, True]
    gates = gate_of(brief(goal="event"), records)
    assert gates[Gate.GOAL_FORMAT] == [True, False, False]
    assert gates[Gate.BUDGET] == [True, True, True]  # the format gate already closed them


def test_components_match_the_documented_formulas() -> None:
    record = community(
        1,
        audience={
            "gender": {"female": 8000, "male": 2000},
            "age": {"25_34": 3000, "35_44": 3000, "45_54": 4000},
        },
        offers=(
            PlacementOffer(P.POST, 20_000, value_p50_minor=60_000),
            PlacementOffer(P.STORY, 10_000, value_p50_minor=10_000),
        ),
        health_score=80.0,
        active_share=0.25,
        interactions_per_member_week=None,
        best_evidence=3,
        past_performance=1.0,
    )
    b = brief(audience={"gender": ["female"], "age": ["25_34", "35_44"]})
    table = score_catalog(b, build_features([record]))
    c = {k.value: float(v[0]) for k, v in table.components.items()}
    assert c["audience"] == pytest.approx(math.sqrt(0.8 * 0.6))
    # Awareness: post (1), pinned (5/6), story (4/6), newsletter (3/6), podcast (2/6), send (1/6).
    assert c["goal_format"] == pytest.approx(0.75 * 1 + 0.25 * (1 + 4 / 6) / (21 / 6))
    assert c["health"] == pytest.approx((0.8 + 0.5) / 2)
    assert c["evidence"] == pytest.approx(0.75)
    assert c["value"] == pytest.approx(3 / 4)  # best ratio 3.0 -> 3 / (3 + 1)
    assert c["past"] == pytest.approx(0.8)
    # Relevance (topic, audience) scaled by quality (the rest): docs/matching.md.
    w = DEFAULT_WEIGHTS
    relevant = ("topic", "audience", "goal_format")
    relevance = sum(w[k] * c[k] for k in relevant) / 0.85  # type: ignore[index]
    rest = ("health", "evidence", "value", "past")
    quality = sum(w[k] * c[k] for k in rest) / 0.25  # type: ignore[index]
    expected = relevance * (1 - QUALITY_SHARE + QUALITY_SHARE * quality)
    assert float(table.total[0]) == pytest.approx(expected)


def test_unknown_inputs_score_neutral_and_are_flagged() -> None:
    record = community(1, offers=(PlacementOffer(P.POST, 20_000),))
    result = rank(brief(audience={"gender": ["female"]}), build_features([record]))
    row = result.rows[0]
    assert row.components["audience"] == 0.5
    assert row.components["health"] == 0.5
    assert row.components["value"] == 0.5
    assert row.components["past"] == 0.5
    assert {"audience_unknown:gender", "health_unknown", "value_unknown", "past_unknown"} <= set(
        row.flags
    )
    codes = {e.component: e.code for e in row.explanations}
    assert codes["past"] == "past_unknown"
    assert "No past campaigns" in next(e.en for e in row.explanations if e.component == "past")


def test_topic_fit_prefers_the_matching_community_across_hebrew_prefixes() -> None:
    records = [
        community(1, description="ריצה ואימונים למרתון", topics=("fitness",)),
        community(2, description="מתכונים לאפייה בבית", topics=("food",)),
    ]
    result = rank(
        brief(message="נעלי ריצה לרצים ולמרתון", topics=["fitness"]), build_features(records)
    )
    assert [r.community_id for r in result.rows] == [1, 2]
    assert result.rows[0].components["topic"] > 0.6 > result.rows[1].components["topic"]


def test_a_region_brief_prefers_members_who_live_there() -> None:
    south = {"south": 8000, "center": 2000}
    spread = {"south": 1000, "center": 9000}
    records = [
        community(1, region="nationwide", audience={"region": spread}),
        community(2, region="nationwide", audience={"region": south}),
    ]
    result = rank(brief(regions=["south"]), build_features(records))
    assert [r.community_id for r in result.rows] == [2, 1]
    assert result.rows[0].components["audience"] == pytest.approx(0.8)


def test_rows_explain_every_component_in_english_and_hebrew() -> None:
    record = community(
        1,
        audience={"gender": {"female": 7800, "male": 2200}},
        health_score=70.0,
        best_evidence=4,
    )
    result = rank(
        brief(audience={"gender": ["female"]}, topics=["parenting"]), build_features([record])
    )
    row = result.rows[0]
    assert [e.component for e in row.explanations] == [
        "topic", "audience", "goal_format", "health", "evidence", "value", "past",
    ]  # fmt: skip
    audience = next(e for e in row.explanations if e.component == "audience")
    assert audience.en == "78% of its members are women — your target audience."
    assert audience.he == "78% מהחברים הם נשים — קהל היעד שלך."
    assert audience.params["dimensions"][0]["share"] == pytest.approx(0.78)
    value = next(e for e in row.explanations if e.component == "value")
    assert value.en == "Estimated value is 1.5× the price of a post (₪300 for ₪200)."
    assert all(e.en and e.he for e in row.explanations)
    assert row.to_dict()["explanations"][0]["code"] == "topic_shared"


def test_ties_break_by_id_and_top_limits_rows() -> None:
    records = [community(i) for i in (5, 3, 9, 1)]
    result = rank(brief(), build_features(records), top=3)
    assert [r.community_id for r in result.rows] == [1, 3, 5]
    assert [r.rank for r in result.rows] == [1, 2, 3]
    assert result.eligible == 4
    assert result.total == 4


def test_weights_must_be_non_negative_and_not_all_zero() -> None:
    features = build_features([community(1)])
    with pytest.raises(ValueError, match="weights"):
        rank(brief(), features, weights={"topic": -1.0})
    with pytest.raises(ValueError, match="weights"):
        rank(brief(), features, weights={"topic": 0.0})
    only_topic = rank(brief(), features, weights={"topic": 1.0})
    assert only_topic.rows[0].score == pytest.approx(only_topic.rows[0].components["topic"])


def test_an_empty_list_always_comes_with_a_reason_and_the_best_relaxation() -> None:
    records = [
        community(i, languages=("he",), regulated_allowed=(RegulatedCategory.ALCOHOL,))
        for i in range(1, 13)
    ]
    records += [community(20 + i, languages=("ar",)) for i in range(3)]
    b = brief(languages=["ar"], regulated=["alcohol"])
    result = rank(b, build_features(records))
    assert result.rows == ()
    d = result.diagnosis
    assert d is not None
    assert d.eligible == 0
    assert d.total == 15
    counts = {g.gate: (g.removed, g.only_this) for g in d.gates}
    assert counts["language"] == (12, 12)
    assert counts["regulated"] == (3, 3)
    best = d.suggestions[0]
    assert (best.code, best.params["language"], best.eligible_after) == ("add_language", "he", 12)
    assert "Adding Hebrew to the campaign's languages would give 12 communities." in d.en
    assert "3 of 15 listed communities speak Arabic" in d.en
    assert "12 of 15 listed communities allow alcohol" in d.en
    assert "הוספת עברית לשפות הקמפיין תיתן 12 קהילות." in d.he


def test_budget_diagnosis_names_the_budget_that_reopens_communities() -> None:
    records = [community(i, offers=(PlacementOffer(P.POST, 50_000 * i),)) for i in range(1, 8)]
    result = rank(brief(budget_minor=20_000), build_features(records))
    assert result.eligible == 0
    assert result.diagnosis is not None
    raise_budget = next(s for s in result.diagnosis.suggestions if s.code == "raise_budget")
    assert raise_budget.params["budget_minor"] == 250_000  # reaches DIAGNOSE_BELOW = 5
    assert raise_budget.eligible_after == 5
    assert "Raising the budget to ₪2,500 would give 5 communities." in raise_budget.en


def test_a_diagnosis_is_written_from_its_parts_with_the_money_format_it_is_given() -> None:
    """The page, the API and `flask match` write the budgets in their reader's money format:
    the sentences come from the diagnosis's parts, not from its stored text."""
    from campaigns.matching.diagnose import diagnosis_sentences

    records = [community(i, offers=(PlacementOffer(P.POST, 50_000 * i),)) for i in range(1, 8)]
    d = rank(brief(budget_minor=20_000), build_features(records)).diagnosis
    assert d is not None
    budget = next(p for p in d.parts["strict"] if p["gate"] == "budget")
    assert budget["params"] == {"budget_minor": 20_000}
    assert (budget["passing"], budget["listed"]) == (0, 7)
    assert diagnosis_sentences(d.parts, d.suggestions) == (d.en, d.he)  # the stored text
    en, he = diagnosis_sentences(d.parts, d.suggestions, lambda minor: f"<{minor}>")
    assert "0 of 7 listed communities cost no more than your budget of <20000>." in en
    assert "Raising the budget to <250000> would give 5 communities." in en
    assert "עולות לא יותר מהתקציב שלך, <20000>." in he
    assert "הגדלת התקציב ל-<250000> תיתן 5 קהילות." in he
    assert "₪" not in en + he


def test_no_single_change_helps_is_said_too() -> None:
    records = [community(1, status="paused")]
    result = rank(brief(), build_features(records))
    assert result.diagnosis is not None
    assert result.diagnosis.suggestions == ()
    assert "No single change reopens a community" in result.diagnosis.en


def test_enough_communities_means_no_diagnosis_but_gate_counts_stay() -> None:
    records = [community(i) for i in range(1, 8)] + [community(9, languages=("ru",))]
    result = rank(brief(languages=["he"]), build_features(records))
    assert result.diagnosis is None
    assert {g.gate: g.removed for g in result.gates}["language"] == 1


def test_notes_for_must_haves_and_a_foreign_currency_budget() -> None:
    records = [community(1), community(2, languages=("ru",))]
    b = brief(languages=["he"], must_have_communities=[2, 99], currency="USD")
    notes = {n.code: n for n in rank(b, build_features(records)).notes}
    assert notes["must_have_closed"].params == {"community_id": 2, "gates": ["language"]}
    assert notes["must_have_unknown"].params == {"community_id": 99}
    assert notes["budget_not_compared"].params == {"currency": "USD"}
    assert notes["no_target"].code == "no_target"


def test_result_serialises_to_plain_json() -> None:
    import json

    result = rank(brief(languages=["ar"]), build_features([community(1)]))
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["diagnosis"]["eligible"] == 0
    assert data["weights"]["topic"] == DEFAULT_WEIGHTS[next(iter(DEFAULT_WEIGHTS))]


def test_goal_enum_covers_every_goal_in_features() -> None:
    features = build_features([community(1)])
    assert set(features.goal) == set(Goal)


def test_a_closed_region_or_channel_type_is_advised_open_by_name_never_nationwide() -> None:
    records = [community(i, region="south") for i in range(1, 4)]
    records += [
        community(10 + i, region="north", platforms=(Platform.TELEGRAM_CHANNEL,)) for i in range(4)
    ]
    records.append(community(20, region="nationwide", platforms=(Platform.INSTAGRAM,)))
    b = brief(regions=["north"], platforms=["whatsapp_group"])
    d = rank(b, build_features(records)).diagnosis
    assert d is not None
    found = {(s.code, *s.params.items()) for s in d.suggestions}
    assert ("add_region", ("region", "south"), ("eligible_after", 3)) in found
    assert ("add_platform", ("platform", "telegram_channel"), ("eligible_after", 4)) in found
    assert ("any_platform", ("eligible_after", 5)) in found
    assert all(type(s.params.get("platform", "")) is str for s in d.suggestions)
    assert all(s.params.get("region") != "nationwide" for s in d.suggestions)
