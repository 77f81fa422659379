"""Plans never contradict the brief: places, languages and audience rule who may be bought;
KPI targets sit beside the plan with the budget that would meet them; poor value is flagged
with a negotiating target. Every figure below is computed by hand in its comment."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from campaigns.brief import Kpi, KpiKind, parse_brief
from campaigns.planning import (
    AudienceProfile,
    BriefConstraints,
    LineLenses,
    PlanInput,
    ReasonCode,
    budget_for,
    check_line,
    check_plan,
    constraints_of,
    describe_constraints,
    explain,
    judge,
    kpi_outlook,
    optimise,
)
from pricing.valuation.schema import Quantiles
from tests.unit.test_planning import PLAIN, cand, chosen

TLV_AND_CENTER = BriefConstraints(cities=("tel_aviv",), regions=("center",))


def place(region: str, *cities: str, **shares: int) -> AudienceProfile:
    return AudienceProfile(
        region=region, cities=cities, shares={"region": shares} if shares else {}
    )


# --- places -----------------------------------------------------------------------------------


def test_a_city_brief_keeps_its_city_and_named_region_and_refuses_the_galilee_and_nazareth() -> (
    None
):
    assert judge(TLV_AND_CENTER, place("tel_aviv", "tel_aviv")).allowed
    assert judge(TLV_AND_CENTER, place("center", "netanya")).allowed  # the center is named
    nazareth = judge(TLV_AND_CENTER, place("north", "nazareth"), "Nazareth moms")
    assert not nazareth.allowed
    assert nazareth.reason is not None
    assert nazareth.reason.code is ReasonCode.OUTSIDE_PLACES
    assert nazareth.reason.params["where"] == ("nazareth",)
    galilee = judge(TLV_AND_CENTER, place("north"), "Galilee hikers")
    assert not galilee.allowed
    assert galilee.reason is not None
    assert galilee.reason.params["where"] == ("region:north",)


def test_a_one_city_brief_refuses_another_city_of_its_region_but_not_the_regional_group() -> None:
    beersheba = BriefConstraints(cities=("beersheba",))
    assert judge(beersheba, place("south", "beersheba")).allowed
    assert not judge(beersheba, place("south", "ashdod")).allowed  # 40 km away: another city
    assert judge(beersheba, place("south")).allowed  # a Negev-wide group reaches Beersheba too


def test_a_nationwide_community_counts_only_by_its_members_in_the_brief_s_places() -> None:
    # Tel Aviv 30% + center 20% = 50% of its members live where the brief runs.
    verdict = judge(TLV_AND_CENTER, place("nationwide", tel_aviv=3_000, center=2_000, north=5_000))
    assert verdict.allowed
    assert verdict.share_bp == 5_000
    # 5% is below the 10% floor; no regions reported means its audience there is unknown.
    low = judge(TLV_AND_CENTER, place("nationwide", tel_aviv=500, north=9_500))
    assert not low.allowed
    assert low.reason is not None
    assert low.reason.code is ReasonCode.PLACE_SHARE_LOW
    assert low.reason.params["share"] == "5%"
    unknown = judge(TLV_AND_CENTER, place("nationwide")).reason
    assert unknown is not None
    assert unknown.code is ReasonCode.PLACE_SHARE_UNKNOWN
    # Exactly 10% is enough.
    assert judge(TLV_AND_CENTER, place("nationwide", tel_aviv=1_000, north=9_000)).allowed


def test_without_a_named_place_every_region_and_nationwide_community_stays_whole() -> None:
    anywhere = BriefConstraints(regions=())
    for profile in (place("north", "nazareth"), place("nationwide"), place("south")):
        verdict = judge(anywhere, profile)
        assert verdict.allowed
        assert verdict.share_bp == 10_000


def test_the_brief_s_places_come_from_its_regions_and_the_cities_it_names() -> None:
    spec = parse_brief(
        {
            "goal": "awareness",
            "title": "פתיחת חנות בתל אביב",
            "message": "חנות חדשה נפתחת",
            "regions": ["center", "nationwide"],
            "languages": ["he"],
            "audience": {"gender": ["female"]},
            "budget_minor": 100_000,
        }
    )
    c = constraints_of(spec)
    assert c.cities == ("tel_aviv",)
    assert c.regions == ("center",)  # nationwide constrains nothing
    assert c.languages == ("he",)
    assert dict(c.audience) == {"gender": ("female",)}


# --- languages and audience -------------------------------------------------------------------


def test_a_community_must_speak_one_of_the_campaign_s_languages() -> None:
    arabic = BriefConstraints(languages=("ar",))
    refused = judge(arabic, AudienceProfile(languages=("he",)), "Runners")
    assert not refused.allowed
    assert refused.reason is not None
    assert refused.reason.code is ReasonCode.LANGUAGE_NOT_SPOKEN
    assert judge(arabic, AudienceProfile(languages=("he", "ar"))).allowed


def test_a_targeted_audience_keeps_out_communities_that_report_almost_none_of_it() -> None:
    women = BriefConstraints(audience={"gender": ("female",)})
    men = AudienceProfile(shares={"gender": {"male": 9_500, "female": 500}})
    refused = judge(women, men, "Dads")
    assert not refused.allowed
    assert refused.reason is not None
    assert refused.reason.code is ReasonCode.AUDIENCE_OUTSIDE
    assert judge(women, AudienceProfile(shares={"gender": {"female": 6_500}})).allowed
    assert judge(women, AudienceProfile()).allowed  # not reported: nobody measured it


def test_free_word_audiences_rank_but_never_rule_a_community_out() -> None:
    nurses = BriefConstraints(audience={"occupation": ("nurses",)})
    staff = AudienceProfile(shares={"occupation": {"nursing staff": 10_000}})
    assert judge(nurses, staff).allowed  # the same people in other words
    assert describe_constraints(nurses, "en") == "no place, language or audience rule"
    both = BriefConstraints(
        cities=("haifa",), languages=("he", "ar"), audience={"gender": ("female",)}
    )
    assert (
        describe_constraints(both, "en")
        == "places: Haifa · languages: Hebrew and Arabic · gender: women"
    )
    assert describe_constraints(both, "he") == "מקומות: חיפה · שפות: עברית וערבית · מגדר: נשים"


# --- the optimiser keeps to them --------------------------------------------------------------


def test_the_optimiser_never_buys_outside_the_brief_even_its_most_valuable_row() -> None:
    rows = (
        cand(1, 1_000, 9_000, audience=place("north", "nazareth")),  # the best value, far away
        cand(2, 1_000, 3_000, audience=place("tel_aviv", "tel_aviv")),
        cand(3, 1_000, 2_000, audience=place("center", "netanya")),
    )
    free = optimise(PlanInput(rows, 2_000, settings=PLAIN))
    assert chosen(free) == {(1, "post"), (2, "post")}  # without the rule: Nazareth first
    kept = optimise(PlanInput(rows, 2_000, settings=PLAIN, constraints=TLV_AND_CENTER))
    assert chosen(kept) == {(2, "post"), (3, "post")}
    assert [r.code for r in kept.refused] == [ReasonCode.OUTSIDE_PLACES]
    assert kept.refused[0].params["community"] == "C1"


def test_a_nationwide_row_is_valued_at_its_share_and_loses_to_a_local_one() -> None:
    # Nationwide: value 4,000 × 40% = 1,600 and reach 400 × 40% = 160 < the local row's 2,000.
    nationwide = place("nationwide", tel_aviv=4_000, north=6_000)
    rows = (cand(1, 1_000, 4_000, audience=nationwide), cand(2, 1_000, 2_000))
    rows = (rows[0], replace(rows[1], audience=place("tel_aviv", "tel_aviv")))
    plan = optimise(PlanInput(rows, 1_000, settings=PLAIN, constraints=TLV_AND_CENTER))
    assert chosen(plan) == {(2, "post")}
    both = optimise(PlanInput(rows, 2_000, settings=PLAIN, constraints=TLV_AND_CENTER))
    line = next(x for x in both.lines if x.candidate.community_id == 1)
    assert line.candidate.value_minor == Quantiles(800, 1_600, 3_200)
    assert line.candidate.reach == Quantiles(80, 160, 320)


def test_a_plan_whose_every_row_is_refused_is_empty_and_says_who_and_why() -> None:
    rows = (cand(1, 1_000, 9_000, audience=place("north", "nazareth")),)
    plan = optimise(PlanInput(rows, 5_000, settings=PLAIN, constraints=TLV_AND_CENTER))
    assert not plan.lines
    assert plan.reasons
    assert plan.refused
    assert "Tel Aviv and the Center" in explain(plan.refused[0], "en")
    he = explain(plan.refused[0], "he")
    assert "נצרת" in he
    assert "תל אביב" in he
    assert "Nazareth" in explain(plan.refused[0], "en")


def test_a_must_have_community_outside_the_brief_is_unavailable_not_bought_nor_ignored() -> None:
    rows = (
        cand(1, 1_000, 9_000, audience=place("north", "nazareth"), must_have=True),
        cand(2, 1_000, 3_000, audience=place("tel_aviv", "tel_aviv")),
    )
    plan = optimise(PlanInput(rows, 5_000, settings=PLAIN, constraints=TLV_AND_CENTER))
    assert not plan.lines
    assert [r.code for r in plan.reasons] == [ReasonCode.MUST_HAVE_UNAVAILABLE]
    assert [r.code for r in plan.refused] == [ReasonCode.OUTSIDE_PLACES]


# --- KPI targets and the budget that would meet them -------------------------------------------


def _three() -> PlanInput:
    # A: ₪200 for 500 people (value 5,000); B: ₪300, 600 people; C: ₪500, 400 people.
    rows = (
        cand(1, 20_000, 5_000, reach=500),
        cand(2, 30_000, 6_000, reach=600),
        cand(3, 50_000, 4_000, reach=400),
    )
    return PlanInput(rows, 20_000, settings=PLAIN)


def test_the_budget_for_a_reach_target_is_the_least_at_which_the_optimiser_reaches_it() -> None:
    plan_input = _three()
    # 1,100 people need A + B (₪500); at ₪400 the optimiser buys B alone (600 people).
    assert budget_for(plan_input, "reach", 1_100) == 50_000
    # 1,500 need all three: ₪1,000.
    assert budget_for(plan_input, "reach", 1_500) == 100_000
    # 1,501 is more than every allowed row reaches together.
    assert budget_for(plan_input, "reach", 1_501) is None
    # Out of time before refining, the search answers a budget known to reach: every row.
    assert budget_for(plan_input, "reach", 1_100, deadline_s=0.0) == 100_000


def test_kpi_outlook_sets_each_target_beside_p10_p50_p90_and_says_what_budget_would_meet_it() -> (
    None
):
    plan_input = _three()
    plan = optimise(plan_input)  # ₪200 buys A: 500 people (P10 250, P90 1,000)
    kpis = (
        Kpi(KpiKind.REACH, 400),
        Kpi(KpiKind.REACH, 1_100),
        Kpi(KpiKind.CLICKS, 50),
        Kpi(KpiKind.ENGAGEMENT_RATE, 500),
    )
    met, short, clicks, rate = kpi_outlook(plan_input, plan, kpis)
    assert met.met
    assert met.planned == Quantiles(250, 500, 1_000)
    assert met.reason.code is ReasonCode.KPI_MET
    assert not short.met
    assert short.budget_minor == 50_000
    assert short.reason.code is ReasonCode.KPI_SHORT
    assert short.reason.params["short"] == 600
    assert "₪500" in explain(short.reason, "en")
    assert "₪500" in explain(short.reason, "he")
    assert clicks.reason.code is ReasonCode.KPI_NOT_ESTIMATED
    assert clicks.planned is None
    assert rate.reason.code is ReasonCode.KPI_NOT_ESTIMATED


def test_a_target_beyond_the_communities_that_fit_says_no_budget_reaches_it() -> None:
    rows = (
        cand(1, 20_000, 5_000, reach=500, audience=place("tel_aviv", "tel_aviv")),
        cand(2, 20_000, 9_000, reach=5_000, audience=place("north", "nazareth")),
    )
    plan_input = PlanInput(rows, 20_000, settings=PLAIN, constraints=TLV_AND_CENTER)
    (outlook,) = kpi_outlook(plan_input, optimise(plan_input), (Kpi(KpiKind.REACH, 2_000),))
    # Nazareth alone would reach it, but it does not fit the brief.
    assert outlook.reason.code is ReasonCode.KPI_UNREACHABLE
    assert outlook.budget_minor is None
    assert "No budget reaches it" in explain(outlook.reason, "en")


def test_results_kpis_add_up_the_rows_outcomes() -> None:
    rows = (
        replace(cand(1, 1_000, 5_000), outcomes={"clicks": Quantiles(5, 10, 20)}),
        replace(cand(2, 1_000, 4_000), outcomes={"clicks": Quantiles(10, 30, 60)}),
    )
    plan_input = PlanInput(rows, 1_000, settings=PLAIN)
    (outlook,) = kpi_outlook(plan_input, optimise(plan_input), (Kpi(KpiKind.CLICKS, 35),))
    assert outlook.planned == Quantiles(5, 10, 20)  # ₪10 buys row 1 (the more valuable)
    assert outlook.budget_minor == 2_000  # both rows: 40 clicks (one ₪100 step covers ₪20)


# --- value for money ---------------------------------------------------------------------------


LENSES = LineLenses(
    replacement=Quantiles(1_000, 2_000, 4_000), outcome=Quantiles(500, 3_000, 6_540)
)


def test_a_rate_above_the_more_generous_lens_s_p90_is_poor_value_with_a_round_target() -> None:
    # Defensible: max per quantile = 1,000 / 3,000 / 6,540; ₪250 is 8.3× the P50 of ₪30.
    check = check_line("Runners", 25_000, LENSES)
    assert check.poor
    assert check.defensible == Quantiles(1_000, 3_000, 6_540)
    assert check.target_rate_minor == 6_000  # ₪65.40 rounded down to ₪60
    assert check.reason is not None
    assert check.reason.params["times"] == "8.3"
    assert "₪60" in explain(check.reason, "he")
    assert "₪250" in explain(check.reason, "en")


def test_a_rate_within_the_lenses_is_not_flagged_and_unvalued_lines_are_not_judged() -> None:
    assert not check_line("Runners", 6_540, LENSES).poor  # at the P90 exactly: defensible
    assert not check_line("Runners", 10**9, LineLenses(None, None)).poor


def test_a_plan_paying_far_above_value_is_flagged_with_its_targets_total() -> None:
    poor = check_line("A", 25_000, LENSES)
    fair = check_line("B", 5_000, LineLenses(Quantiles(2_000, 4_000, 8_000), None))
    reason = check_plan([25_000, 5_000], [poor, fair])
    # Paid ₪300; defensible P50 3,000 + 4,000 = ₪70 (23%), P90 6,540 + 8,000 = ₪145.40.
    assert reason is not None
    assert reason.code is ReasonCode.POOR_VALUE_PLAN
    assert reason.params["value"] == 7_000
    assert reason.params["high"] == 14_540
    assert reason.params["share"] == "23%"
    assert reason.params["target_total"] == 11_000
    assert check_plan([5_000], [fair]) is None


def test_the_budget_searches_of_a_plan_s_missed_targets_share_one_time_allowance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from campaigns.planning import kpis as module

    plan_input = _three()
    plan = optimise(plan_input)  # reaches 500: every target below is missed
    clock = iter([0.0, 1.0, 3.0, 9.0])  # started; before the 1st, 2nd and 3rd search
    monkeypatch.setattr(module, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    allowances: list[float] = []
    monkeypatch.setattr(module, "budget_for", lambda *a, deadline_s, **k: allowances.append(
        deadline_s) or 100_000)  # fmt: skip
    targets = [Kpi(KpiKind.REACH, n) for n in (1_000, 1_100, 1_200)]
    outlook = kpi_outlook(plan_input, plan, targets)
    assert [o.budget_minor for o in outlook] == [100_000] * 3
    assert module.SEARCH_SECONDS == 4.0
    assert allowances == [3.0, 1.0, 0.0]
