"""The media-plan optimiser on small instances whose optimum can be checked by hand."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from campaigns.planning import (
    AudienceProfile,
    Candidate,
    OverlapSettings,
    Plan,
    PlanInput,
    PlanInputError,
    PlanSettings,
    PlanStatus,
    Quantiles,
    ReasonCode,
    estimate_overlap,
    explain,
    format_money,
    margin_minor,
    optimise,
    scaled_budget,
    what_if,
)
from pricing.taxonomy import PlacementType, Platform

NO_OVERLAP = OverlapSettings(max_overlap_bp=0, same_community_bp=0)
#: No margin, no diversity minimum, no overlap: plain knapsack arithmetic.
PLAIN = PlanSettings(margin_bp=0, min_communities=0, overlap=NO_OVERLAP, mip_rel_gap=0.0)


def cand(
    community_id: int,
    rate: int,
    value: int,
    *,
    platform: Platform = Platform.WHATSAPP_GROUP,
    placement: PlacementType = PlacementType.POST,
    reach: int | None = None,
    score: float = 1.0,
    audience: AudienceProfile | None = None,
    **flags: Any,
) -> Candidate:
    people = reach if reach is not None else value // 10
    return Candidate(
        community_id=community_id,
        community_name=f"C{community_id}",
        platform=platform,
        placement=placement,
        rate_minor=rate,
        reach=Quantiles(people // 2, people, people * 2),
        value_minor=Quantiles(value // 2, value, value * 2),
        score=score,
        audience=audience or AudienceProfile(),
        **flags,
    )


def chosen(plan: Plan) -> set[tuple[int, str]]:
    return {(line.candidate.community_id, line.candidate.placement.value) for line in plan.lines}


def codes(plan: Plan) -> list[ReasonCode]:
    return [reason.code for reason in plan.reasons]


# --- the objective and the budget -------------------------------------------------------------


def test_knapsack_prefers_two_smaller_lines_over_one_big_one() -> None:
    rows = (cand(1, 60, 100), cand(2, 50, 70), cand(3, 50, 70))
    plan = optimise(PlanInput(rows, budget_minor=100, settings=PLAIN))
    assert plan.status is PlanStatus.OPTIMAL
    assert chosen(plan) == {(2, "post"), (3, "post")}
    assert plan.cost_minor == 100
    assert plan.budget_left_minor == 0
    assert plan.value_minor == Quantiles(70, 140, 280)  # comonotone sums, no overlap
    assert plan.reach == Quantiles(6, 14, 28)


def test_one_more_agora_of_budget_does_not_change_an_exact_fit_and_one_less_does() -> None:
    rows = (cand(1, 60, 100), cand(2, 50, 70), cand(3, 50, 70))
    assert chosen(optimise(PlanInput(rows, 101, settings=PLAIN))) == {(2, "post"), (3, "post")}
    # 99: B + C no longer fit; A (60) and one of B/C (50) cost 110: A alone is best.
    assert chosen(optimise(PlanInput(rows, 99, settings=PLAIN))) == {(1, "post")}


def test_the_matching_score_weights_value_between_the_fit_floor_and_one() -> None:
    # Same value and price; score 1 counts 100%, score 0 counts the 50% floor.
    rows = (cand(1, 50, 100, score=0.0), cand(2, 50, 80, score=1.0))
    plan = optimise(PlanInput(rows, 50, settings=PLAIN))
    assert chosen(plan) == {(2, "post")}  # 80 × 1.0 beats 100 × 0.5
    assert plan.expected_value_minor == 80
    floor = replace(PLAIN, fit_floor_bp=10_000)  # score ignored
    assert chosen(optimise(PlanInput(rows, 50, settings=floor))) == {(1, "post")}


def test_margin_is_added_to_the_owner_rate_and_the_budget_is_in_brand_price() -> None:
    settings = replace(PLAIN, margin_bp=2_500)
    rows = (cand(1, 1_000, 500), cand(2, 333, 100))
    assert margin_minor(333, 2_500) == 83  # 83.25 rounds half up to 83
    assert margin_minor(2, 2_500) == 1  # 0.5 rounds up
    plan = optimise(PlanInput(rows, 1_250 + 416, settings=settings))
    assert chosen(plan) == {(1, "post"), (2, "post")}
    by_id = {line.candidate.community_id: line for line in plan.lines}
    assert (by_id[1].owner_rate_minor, by_id[1].margin_minor, by_id[1].brand_price_minor) == (
        1_000,
        250,
        1_250,
    )
    assert (by_id[2].margin_minor, by_id[2].brand_price_minor) == (83, 416)
    assert plan.cost_minor == 1_666
    assert plan.owner_payout_minor == 1_333
    assert plan.margin_minor == 333
    assert plan.cost_minor == plan.owner_payout_minor + plan.margin_minor
    # One agora less and the 416 line no longer fits next to the 1,250 one.
    assert chosen(optimise(PlanInput(rows, 1_665, settings=settings))) == {(1, "post")}


# --- each rule binding ------------------------------------------------------------------------


def test_platform_spend_cap_forces_a_second_channel() -> None:
    rows = (
        cand(1, 50, 100),
        cand(2, 50, 90),
        cand(3, 50, 40, platform=Platform.TELEGRAM_CHANNEL),
    )
    free = optimise(PlanInput(rows, 100, settings=PLAIN))
    assert chosen(free) == {(1, "post"), (2, "post")}
    capped = replace(PLAIN, platform_cap_bp={Platform.WHATSAPP_GROUP: 5_000})
    plan = optimise(PlanInput(rows, 100, settings=capped))
    assert chosen(plan) == {(1, "post"), (3, "post")}
    # The default cap applies to every platform without its own.
    default = replace(PLAIN, default_platform_cap_bp=5_000)
    assert chosen(optimise(PlanInput(rows, 100, settings=default))) == {(1, "post"), (3, "post")}


def test_platform_placement_cap() -> None:
    rows = (cand(1, 10, 100), cand(2, 10, 90), cand(3, 10, 10, platform=Platform.NEWSLETTER))
    settings = replace(PLAIN, platform_max_placements={Platform.WHATSAPP_GROUP: 1})
    assert chosen(optimise(PlanInput(rows, 100, settings=settings))) == {
        (1, "post"),
        (3, "post"),
    }


def test_most_placements_per_community() -> None:
    rows = (
        cand(1, 10, 100, placement=PlacementType.POST),
        cand(1, 10, 90, placement=PlacementType.PINNED_POST),
        cand(1, 10, 80, placement=PlacementType.SURVEY),
        cand(2, 10, 20),
    )
    plan = optimise(PlanInput(rows, 100, settings=PLAIN))
    assert chosen(plan) == {(1, "post"), (1, "pinned_post"), (2, "post")}
    one = optimise(PlanInput(rows, 100, settings=replace(PLAIN, max_per_community=1)))
    assert chosen(one) == {(1, "post"), (2, "post")}


def test_minimum_number_of_communities_binds() -> None:
    rows = (
        cand(1, 10, 100, placement=PlacementType.POST),
        cand(1, 10, 90, placement=PlacementType.PINNED_POST),
        cand(2, 10, 20),
    )
    assert chosen(optimise(PlanInput(rows, 20, settings=PLAIN))) == {
        (1, "post"),
        (1, "pinned_post"),
    }
    diverse = replace(PLAIN, min_communities=2, strict_diversity=True)
    plan = optimise(PlanInput(rows, 20, settings=diverse))
    assert chosen(plan) == {(1, "post"), (2, "post")}
    assert plan.notes == ()


def test_minimum_number_of_platforms_binds() -> None:
    rows = (cand(1, 10, 100), cand(2, 10, 90), cand(3, 10, 5, platform=Platform.PODCAST))
    settings = replace(PLAIN, min_platforms=2, strict_diversity=True)
    assert chosen(optimise(PlanInput(rows, 20, settings=settings))) == {(1, "post"), (3, "post")}


def test_soft_diversity_is_lowered_when_the_budget_does_not_allow_it_and_says_so() -> None:
    rows = (cand(1, 60, 100), cand(2, 60, 90), cand(3, 60, 80))
    settings = replace(PLAIN, min_communities=3)  # default: not strict
    plan = optimise(PlanInput(rows, 130, settings=settings))
    assert plan.status is PlanStatus.OPTIMAL
    assert chosen(plan) == {(1, "post"), (2, "post")}
    assert [note.code for note in plan.notes] == [ReasonCode.DIVERSITY_RELAXED]
    assert plan.notes[0].params["communities"] == 2
    assert "2" in explain(plan.notes[0], "en")


def test_locked_row_is_bought_and_excluded_row_is_not() -> None:
    rows = (cand(1, 50, 100, excluded=True), cand(2, 50, 70), cand(3, 50, 10, locked=True))
    plan = optimise(PlanInput(rows, 100, settings=PLAIN))
    assert chosen(plan) == {(2, "post"), (3, "post")}


def test_must_have_community_is_in_the_plan() -> None:
    rows = (
        cand(1, 50, 100),
        cand(2, 50, 70),
        cand(3, 50, 5, placement=PlacementType.POST, must_have=True),
        cand(3, 40, 4, placement=PlacementType.STORY),
    )
    plan = optimise(PlanInput(rows, 100, settings=PLAIN))
    # C2 (70) would be better, but one line of C3 must be in: its best that fits joins C1.
    assert chosen(plan) == {(1, "post"), (3, "post")}
    assert optimise(PlanInput(rows, 90, settings=PLAIN)).lines[-1].candidate.placement == (
        PlacementType.STORY
    )


def test_overlap_changes_the_choice_between_two_similar_communities() -> None:
    twins = AudienceProfile(
        region="tel_aviv",
        topics=("parenting", "education"),
        shares={"gender": {"female": 8_000, "male": 2_000}},
        total_size=5_000,
    )
    other = AudienceProfile(
        region="haifa", topics=("tech",), shares={"gender": {"female": 2_000, "male": 8_000}}
    )
    rows = (
        cand(1, 50, 1_000, reach=1_000, audience=twins),
        cand(2, 50, 1_000, reach=1_000, audience=twins),
        cand(3, 50, 900, reach=900, audience=other),
    )
    overlap = OverlapSettings(max_overlap_bp=4_000, min_pair_bp=0)
    settings = replace(PLAIN, overlap=overlap)
    # The twins share 40% of their audience: 400 of each other's 1,000 people.
    assert estimate_overlap(twins, twins, overlap) == pytest.approx(0.4)
    assert estimate_overlap(twins, other, overlap) < 0.05
    plan = optimise(PlanInput(rows, 100, settings=settings))
    assert {line.candidate.community_id for line in plan.lines} in ({1, 3}, {2, 3})
    # Without the overlap estimate, the twins win (2,000 > 1,900).
    blind = optimise(PlanInput(rows, 100, settings=PLAIN))
    assert {line.candidate.community_id for line in blind.lines} == {1, 2}
    # And the blind plan's reported reach is deduplicated anyway once overlap is on.
    locked = tuple(replace(r, locked=r.community_id != 3) for r in rows)
    both = optimise(PlanInput(locked, 100, settings=settings))
    assert both.gross_reach_p50 == 2_000
    assert both.reach.p50 == 1_600  # 1,000 + 1,000 × (1 − 0.4)


def test_two_placements_of_one_community_reach_mostly_the_same_people() -> None:
    rows = (
        cand(1, 10, 1_000, reach=1_000, placement=PlacementType.POST),
        cand(1, 10, 1_000, reach=1_000, placement=PlacementType.PINNED_POST),
    )
    settings = replace(PLAIN, overlap=OverlapSettings(same_community_bp=8_000))
    plan = optimise(PlanInput(rows, 20, settings=settings))
    assert plan.reach.p50 == 1_200
    assert plan.value_minor.p50 == 1_200
    assert sorted(line.unique_share_bp for line in plan.lines) == [2_000, 10_000]


# --- why not ----------------------------------------------------------------------------------


def test_budget_below_the_cheapest_placement_is_explained() -> None:
    rows = (cand(1, 500, 100), cand(2, 300, 100))
    plan = optimise(PlanInput(rows, 299, settings=PLAIN))
    assert plan.status is PlanStatus.EMPTY
    assert plan.lines == ()
    assert codes(plan) == [ReasonCode.BUDGET_BELOW_CHEAPEST]
    reason = plan.reasons[0]
    assert reason.params["cheapest"] == 300
    assert reason.params["shortfall"] == 1
    assert explain(reason, "en") == (
        "The budget (₪2.99) is below the cheapest placement on the shortlist (₪3, C2): "
        "raise the budget by at least ₪0.01 or add cheaper communities."
    )
    assert "₪2.99" in explain(reason, "he")


def test_zero_budget_and_empty_shortlist_are_explained() -> None:
    rows = (cand(1, 500, 100),)
    assert codes(optimise(PlanInput(rows, 0, settings=PLAIN))) == [ReasonCode.BUDGET_NOT_POSITIVE]
    excluded = (replace(rows[0], excluded=True),)
    plan = optimise(PlanInput(excluded, 1_000, settings=PLAIN))
    assert plan.status is PlanStatus.EMPTY
    assert codes(plan) == [ReasonCode.NO_CANDIDATES]


def test_locked_rows_over_budget_name_the_shortfall() -> None:
    rows = (cand(1, 600, 100, locked=True), cand(2, 500, 100, locked=True), cand(3, 10, 10))
    plan = optimise(PlanInput(rows, 1_000, settings=PLAIN))
    assert plan.status is PlanStatus.INFEASIBLE
    assert codes(plan) == [ReasonCode.LOCKED_OVER_BUDGET]
    assert plan.reasons[0].params["shortfall"] == 100
    assert "₪1" in explain(plan.reasons[0], "en")


def test_must_haves_over_budget_are_explained() -> None:
    rows = (
        cand(1, 600, 100, must_have=True),
        cand(2, 500, 100, must_have=True),
        cand(2, 450, 90, placement=PlacementType.STORY),
    )
    plan = optimise(PlanInput(rows, 1_000, settings=PLAIN))
    assert plan.status is PlanStatus.INFEASIBLE
    assert codes(plan) == [ReasonCode.MUST_HAVE_OVER_BUDGET]
    assert plan.reasons[0].params["needed"] == 1_050  # 600 + the cheaper line of C2
    assert plan.reasons[0].params["communities"] == ("C1", "C2")


def test_excluded_must_have_and_locked_excluded_rows_are_explained() -> None:
    rows = (cand(1, 10, 100, must_have=True, excluded=True), cand(2, 10, 10))
    assert codes(optimise(PlanInput(rows, 100, settings=PLAIN))) == [
        ReasonCode.MUST_HAVE_UNAVAILABLE
    ]
    rows = (cand(1, 10, 100, locked=True, excluded=True), cand(2, 10, 10))
    plan = optimise(PlanInput(rows, 100, settings=PLAIN))
    assert plan.status is PlanStatus.INFEASIBLE
    assert codes(plan) == [ReasonCode.LOCKED_AND_EXCLUDED]


def test_strict_diversity_that_cannot_be_met_is_explained() -> None:
    rows = (cand(1, 10, 100), cand(2, 10, 90))
    strict = replace(PLAIN, min_communities=3, strict_diversity=True)
    plan = optimise(PlanInput(rows, 100, settings=strict))
    assert codes(plan) == [ReasonCode.DIVERSITY_TOO_FEW_COMMUNITIES]
    rows = (cand(1, 60, 100), cand(2, 60, 90), cand(3, 60, 80))
    plan = optimise(PlanInput(rows, 150, settings=strict))
    assert codes(plan) == [ReasonCode.DIVERSITY_OVER_BUDGET]
    assert plan.reasons[0].params["needed"] == 180


def test_locks_over_per_community_and_per_platform_limits_are_explained() -> None:
    rows = (
        cand(1, 10, 10, placement=PlacementType.POST, locked=True),
        cand(1, 10, 10, placement=PlacementType.STORY, locked=True),
    )
    plan = optimise(PlanInput(rows, 100, settings=replace(PLAIN, max_per_community=1)))
    assert codes(plan) == [ReasonCode.LOCKED_OVER_COMMUNITY_MAX]
    capped = replace(PLAIN, platform_cap_bp={Platform.WHATSAPP_GROUP: 1_000})
    plan = optimise(PlanInput(rows, 100, settings=capped))
    assert codes(plan) == [ReasonCode.LOCKED_OVER_PLATFORM_CAP]
    assert "10%" in explain(plan.reasons[0], "en")
    most = replace(PLAIN, platform_max_placements={Platform.WHATSAPP_GROUP: 1})
    assert codes(optimise(PlanInput(rows, 100, settings=most))) == [
        ReasonCode.LOCKED_OVER_PLATFORM_MAX
    ]


def test_a_conflict_no_single_check_sees_names_the_rules_to_relax() -> None:
    rows = (cand(1, 10, 100), cand(2, 10, 90, platform=Platform.PODCAST))
    settings = replace(
        PLAIN,
        min_platforms=2,
        strict_diversity=True,
        platform_max_placements={Platform.PODCAST: 0},
    )
    plan = optimise(PlanInput(rows, 100, settings=settings))
    assert plan.status is PlanStatus.INFEASIBLE
    assert codes(plan) == [ReasonCode.RULES_CONFLICT]
    assert set(plan.reasons[0].params["relax"]) == {"platform_max", "min_platforms"}
    text = explain(plan.reasons[0], "en")
    assert "the per-channel placement caps" in text
    assert "the minimum number of channels" in text


def test_an_empty_plan_always_has_a_reason() -> None:
    rng = random.Random(7)
    for _ in range(40):
        rows = tuple(
            cand(k, rng.randint(1, 200), rng.randint(0, 100), locked=rng.random() < 0.1)
            for k in range(1, rng.randint(1, 6))
        )
        plan = optimise(PlanInput(rows, rng.randint(-10, 300), settings=PLAIN))
        assert plan.lines or plan.reasons


# --- what if ----------------------------------------------------------------------------------


def test_what_if_the_budget_were_twenty_percent_higher() -> None:
    rows = (cand(1, 60, 100), cand(2, 50, 70), cand(3, 50, 69), cand(4, 20, 35))
    result = what_if(PlanInput(rows, 100, settings=PLAIN), 12_000)
    assert chosen(result.base) == {(2, "post"), (3, "post")}
    assert result.alternative.budget_minor == 120
    assert chosen(result.alternative) == {(2, "post"), (3, "post"), (4, "post")}
    assert [line.candidate.community_id for line in result.added] == [4]
    assert result.removed == ()
    assert result.extra_budget_minor == 20
    assert result.extra_cost_minor == 20
    assert result.extra_value_p50_minor == 35
    assert result.value_per_extra_budget_bp == 17_500
    assert result.value_per_extra_cost_bp == 17_500
    # A bigger step swaps lines: 150 buys A + B + D (205 value) rather than B + C + D (174).
    swap = what_if(PlanInput(rows, 100, settings=PLAIN), 15_000, base=result.base)
    assert {line.candidate.community_id for line in swap.added} == {1, 4}
    assert {line.candidate.community_id for line in swap.removed} == {3}


# --- money and determinism --------------------------------------------------------------------


def random_rows(rng: random.Random, n: int) -> tuple[Candidate, ...]:
    placements = list(PlacementType)
    platforms = [Platform.WHATSAPP_GROUP, Platform.FACEBOOK_GROUP, Platform.TELEGRAM_CHANNEL]
    regions = ["tel_aviv", "haifa", "nationwide"]
    topics = ["parenting", "tech", "finance", "food"]
    rows = []
    for k in range(n):
        community = rng.randint(1, max(2, n // 2))
        rows.append(
            cand(
                community,
                rng.randint(100, 5_000),
                rng.randint(0, 9_000),
                reach=rng.randint(0, 3_000),
                platform=platforms[community % 3],
                placement=placements[k % len(placements)],
                score=rng.random(),
                asset_id=k,
                audience=AudienceProfile(
                    region=regions[community % 3],
                    topics=tuple(rng.sample(topics, 2)),
                    shares={"age": {"25_34": rng.randint(0, 10_000)}},
                ),
            )
        )
    return tuple(rows)


@pytest.mark.parametrize("seed", range(12))
def test_money_stays_integer_and_within_the_budget(seed: int) -> None:
    rng = random.Random(seed)
    rows = random_rows(rng, 14)
    settings = PlanSettings(margin_bp=rng.choice([0, 1_750, 2_500]), min_communities=2)
    budget = rng.randint(1_000, 20_000)
    plan = optimise(PlanInput(rows, budget, settings=settings))
    for value in (plan.cost_minor, plan.owner_payout_minor, plan.margin_minor):
        assert type(value) is int
    assert plan.cost_minor <= budget
    assert plan.budget_left_minor == budget - plan.cost_minor
    assert plan.cost_minor == plan.owner_payout_minor + plan.margin_minor
    assert plan.cost_minor == sum(line.brand_price_minor for line in plan.lines)
    for line in plan.lines:
        assert line.brand_price_minor == line.owner_rate_minor + line.margin_minor
        assert line.margin_minor == margin_minor(line.owner_rate_minor, settings.margin_bp)
    assert plan.reach.p10 <= plan.reach.p50 <= plan.reach.p90
    assert plan.value_minor.p10 <= plan.value_minor.p50 <= plan.value_minor.p90
    assert plan.reach.p50 <= plan.gross_reach_p50


def test_same_input_in_any_order_gives_the_same_plan() -> None:
    rows = list(random_rows(random.Random(3), 14))
    first = optimise(PlanInput(tuple(rows), 12_000))
    random.Random(1).shuffle(rows)
    second = optimise(PlanInput(tuple(rows), 12_000))
    assert [line.candidate for line in first.lines] == [line.candidate for line in second.lines]
    assert first.value_minor == second.value_minor
    assert first.reach == second.reach


def test_malformed_input_raises() -> None:
    with pytest.raises(PlanInputError):
        cand(1, -1, 10)
    with pytest.raises(PlanInputError):
        cand(1, 10, 10, score=1.5)
    with pytest.raises(PlanInputError):
        replace(cand(1, 10, 10), reach=Quantiles(5, 3, 9))
    with pytest.raises(PlanInputError):
        PlanInput((cand(1, 10, 10), cand(1, 20, 10)), 100)  # the same line twice
    with pytest.raises(PlanInputError):
        PlanInput((cand(1, 10, 10),), 100, currency="GBP")
    with pytest.raises(PlanInputError):
        PlanSettings(platform_cap_bp={Platform.NEWSLETTER: 12_000})
    # Two assets of one community may both offer a post when told apart by asset_id.
    PlanInput((cand(1, 10, 10, asset_id=1), cand(1, 20, 10, asset_id=2)), 100)


def test_format_money() -> None:
    assert format_money(123_456) == "₪1,234.56"
    assert format_money(100) == "₪1"
    assert format_money(-5, "USD") == "-$0.05"


def test_a_scaled_budget_is_whole_minor_units_never_above_what_was_asked() -> None:
    assert scaled_budget(200_000, 12_000) == 240_000
    assert scaled_budget(99_999, 12_000) == 119_998  # 119,998.8 rounded down
    assert scaled_budget(1, 15_000) == 1
    with pytest.raises(ValueError, match="basis points"):
        what_if(PlanInput((), 100), 1.2)  # type: ignore[arg-type]
