"""The value-for-money floor (campaigns.planning.floor): a line priced above what its value
defends at P90 is bought only when a target the plan can meet needs it."""

from __future__ import annotations

import pytest

from campaigns.brief import Kpi, KpiKind
from campaigns.planning import (
    AudienceProfile,
    BriefConstraints,
    Candidate,
    PlanInput,
    ReasonCode,
    explain,
    floor,
    judge,
    within_value,
)
from campaigns.planning.floor import targets_met
from campaigns.planning.synthetic import synthetic_candidates
from campaigns.planning.types import Plan
from tests.unit.test_planning import PLAIN, cand


def _input(rows: list[Candidate], budget: int = 1_000_000) -> PlanInput:
    return PlanInput(candidates=tuple(rows), budget_minor=budget, settings=PLAIN)


def _demo_like() -> tuple[list[Candidate], dict[tuple[int, int, str, str], int]]:
    """Three lines at value and three whose owners ask 3-10x what their value defends, as in
    the demo's plans (market rates for the whole group, valued on the brief's share of it)."""
    rows = [
        cand(1, 5_000, 9_000, reach=900),
        cand(2, 12_400, 14_000, reach=1_400),
        cand(3, 8_000, 8_400, reach=800),
        cand(4, 68_400, 60_000, reach=6_000),  # defends 13,528 at P90
        cand(5, 650_800, 500_000, reach=50_000),  # defends 101,634
        cand(6, 8_300, 2_000, reach=200),  # defends 623
    ]
    tops = {
        c.line_key: top
        for c, top in zip(rows, [10_888, 14_949, 9_000, 13_528, 101_634, 623], strict=True)
    }
    return rows, tops


def test_lines_above_value_are_held_back_when_no_target_needs_them() -> None:
    rows, tops = _demo_like()
    before = within_value(_input(rows), [], {})  # no floor: the old optimiser
    assert {line.candidate.community_id for line in before.plan.lines} == {1, 2, 3, 4, 5, 6}
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 100)], tops)
    bought = {line.candidate.community_id for line in floored.plan.lines}
    assert bought == {1, 2, 3}
    poor = [ln for ln in floored.plan.lines if ln.owner_rate_minor > tops[ln.candidate.line_key]]
    assert poor == []  # was 3 of 6 lines
    assert floored.plan.cost_minor == 25_400  # of 1,000,000: the rest is unspent, and says why
    assert floored.note is not None
    assert floored.note.code is ReasonCode.VALUE_HELD_BACK
    assert floored.note.params["held"] == 3
    assert floored.note.params["asked"] == 68_400 + 650_800 + 8_300
    # The input it was solved from marks them excluded, so the unspent note reads the same.
    excluded = {c.community_id for c in floored.plan_input.candidates if c.excluded}
    assert excluded == {4, 5, 6}
    text = explain(floored.note, "en")
    assert "Held back as poor value: 3 placement(s)" in text
    assert "C4, C5, C6" in text
    assert "—" not in explain(floored.note, "he")


def test_a_target_missed_even_with_them_buys_none_of_them() -> None:
    rows, tops = _demo_like()
    # 60,000 people: the whole shortlist reaches 59,300 (P50), so paying above value meets
    # nothing; the lines at value stand alone.
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 60_000)], tops)
    assert {line.candidate.community_id for line in floored.plan.lines} == {1, 2, 3}
    assert floored.note is not None
    assert floored.note.code is ReasonCode.VALUE_HELD_BACK


def test_a_target_that_needs_them_lets_in_the_fewest_closest_to_value_first() -> None:
    rows, tops = _demo_like()
    # 9,000 people: lines 1-3 reach 3,100; line 4 (5.1x the top its value defends) adds 6,000
    # and meets it; line 6 (13x) is further from value and line 5 is not needed.
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 9_000)], tops)
    bought = {line.candidate.community_id for line in floored.plan.lines}
    assert bought == {1, 2, 3, 4}
    assert floored.plan.reach.p50 >= 9_000
    note = floored.note
    assert note is not None
    assert note.code is ReasonCode.VALUE_BOUGHT_FOR_TARGET
    assert (note.params["bought"], note.params["held"], note.params["communities"]) == (
        1,
        2,
        ("C4",),
    )
    assert "Negotiate each toward its target rate" in explain(note, "en")


def test_a_target_met_without_them_holds_them_back() -> None:
    rows, tops = _demo_like()
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 3_000)], tops)
    assert {line.candidate.community_id for line in floored.plan.lines} == {1, 2, 3}


def test_locked_and_must_have_lines_are_never_held_back() -> None:
    rows, tops = _demo_like()
    rows[3] = cand(4, 68_400, 60_000, reach=6_000, locked=True)
    rows[5] = cand(6, 8_300, 2_000, reach=200, must_have=True)
    floored = within_value(_input(rows), [], tops)
    assert {line.candidate.community_id for line in floored.plan.lines} == {1, 2, 3, 4, 6}
    assert floored.note is not None
    assert floored.note.params["held"] == 1


def test_when_every_line_is_above_value_they_stand_with_a_note() -> None:
    rows, tops = _demo_like()
    floored = within_value(_input(rows[3:]), [], tops)
    assert {line.candidate.community_id for line in floored.plan.lines} == {4, 5, 6}
    assert floored.note is not None
    assert floored.note.code is ReasonCode.VALUE_NONE_AT_VALUE
    assert floored.note.params["bought"] == 3


def test_a_spread_staff_asked_for_is_a_target() -> None:
    rows, tops = _demo_like()
    floored = within_value(_input(rows), [], tops, min_communities=4)
    assert len({line.candidate.community_id for line in floored.plan.lines}) >= 4
    assert floored.note is not None
    assert floored.note.code is ReasonCode.VALUE_BOUGHT_FOR_TARGET
    assert targets_met(floored.plan, [], 4) == {"communities"}


def test_no_tops_no_floor() -> None:
    rows, _tops = _demo_like()
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 100)], {})
    assert floored.note is None
    assert len(floored.plan.lines) == 6


def test_the_brief_share_counts_each_audience_rule_once() -> None:
    """The line value is not double counted: a community inside the brief's places counts its
    members of the wanted gender times those of the wanted ages (the demo's Rishon group for
    women 45-64: 79.97% x 36% = 28.79%), nothing more (no topic fit on top)."""
    rules = BriefConstraints(audience={"gender": ("female",), "age": ("45_54", "55_64")})
    profile = AudienceProfile(
        region="center",
        cities=("rishon_lezion",),
        shares={
            "gender": {"female": 7_997, "male": 2_003},
            "age": {"45_54": 2_000, "55_64": 1_600, "25_34": 6_400},
        },
        topics=("parenting",),
    )
    verdict = judge(rules, profile, "אבות בשטח")
    assert verdict.allowed
    assert verdict.share_bp == 2_879


def _all_above_value(size: int) -> tuple[PlanInput, dict[tuple[int, int, str, str], int], int]:
    """A synthetic shortlist whose every row asks 10% more than its value defends, and a reach
    target only the near-whole shortlist meets: the floor's costliest case."""
    rows = synthetic_candidates(size // 2, placements=size, seed=7)
    plan_input = PlanInput(rows, sum(r.rate_minor for r in rows) // 6, settings=PLAIN)
    full = within_value(plan_input, [], {}).plan
    tops = {r.line_key: r.rate_minor * 9 // 10 for r in rows}
    return plan_input, tops, full.reach.p50 * 999 // 1000


def test_the_floor_costs_a_bounded_number_of_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    plan_input, tops, target = _all_above_value(60)
    calls = []
    solve = floor.optimise

    def counted(given: PlanInput) -> Plan:
        calls.append(sum(not c.excluded for c in given.candidates))
        return solve(given)

    monkeypatch.setattr(floor, "optimise", counted)
    floored = within_value(plan_input, [Kpi(KpiKind.REACH, target)], tops)
    assert floored.plan.reach.p50 >= target
    # Two to start, two per halving of the 60 rows, the capped prune (it was 110 solves).
    assert len(calls) <= 2 + 2 * 6 + floor.PRUNE_SOLVES
    # The fewest let in were found by doubling: 1, 2, 4 … rows, not 1, 2, 3 …
    assert calls[2:5] == [1, 2, 4]
    note = floored.note
    assert note is not None
    assert note.code is ReasonCode.VALUE_BOUGHT_FOR_TARGET
    # What the plan says it bought above value is what it holds, and the input it was solved
    # from excludes exactly the rows held back.
    assert note.params["bought"] == len(floored.plan.lines)
    kept = {c.line_key for c in floored.plan_input.candidates if not c.excluded}
    assert {line.candidate.line_key for line in floored.plan.lines} <= kept


def test_rows_let_in_but_not_bought_are_held_back_again_without_a_solve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows, tops = _demo_like()
    solved: list[int] = []
    solve = floor.optimise

    def counted(given: PlanInput) -> Plan:
        solved.append(1)
        return solve(given)

    monkeypatch.setattr(floor, "optimise", counted)
    # 9,000 people: line 4 is let in and bought, lines 5 and 6 never need a solve to hold back.
    floored = within_value(_input(rows), [Kpi(KpiKind.REACH, 9_000)], tops)
    assert {line.candidate.community_id for line in floored.plan.lines} == {1, 2, 3, 4}
    excluded = {c.community_id for c in floored.plan_input.candidates if c.excluded}
    assert excluded == {5, 6}
    # all held back, all let in, one let in (meets), line 4 tried held back again (misses)
    assert len(solved) == 4
