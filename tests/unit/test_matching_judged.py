"""Ranking quality on the judged set, and the metrics it is measured with."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from campaigns.brief import Goal, parse_brief
from campaigns.matching import build_features, load_judged, ndcg_at_k, precision_at_k
from campaigns.matching.judged import (
    Disagreement,
    JudgedBrief,
    agreement,
    evaluate,
    mean_grades,
    precision_ceiling,
    summary,
    tie_aware_ndcg_at_k,
)

pytestmark = pytest.mark.unit

JUDGED = Path(__file__).resolve().parents[1] / "data" / "matching"

#: Floors just under the figures measured on the deepened set (66 briefs since the tenth round,
#: 58 since the ninth, 50 since the eighth, 41 before; 267 communities; docs/matching.md, issue
#: 16), scored like the hidden set against the MEAN of two brokers' grades (A's "judgments" and
#: B's "judgments_b", graded blind). Tenth round (8 briefs added, graded before the engine ran
#: on them, A and B both the helper's own passes; the ninth round's engine scores them 0.7403 /
#: 0.4750 and the 66 0.8732 / 0.6545; a brief for neighbouring cities of one region is local; a
#: local brief's topic counts 0.35 by place; professionals' groups count half for a consumers'
#: brief; adults' ages named in a brief's words are an age target; a community's topic focus;
#: "شباب" no longer a youth cue; finance's facets, and a group of the brief's audience not halved
#: for another facet): NDCG@10 0.8975 and P@5 0.6818 on the 66 (A alone 0.890 / 0.758, B alone
#: 0.899 / 0.682; the 58 of the ninth round 0.9019 / 0.6966, the 8 new 0.8657 / 0.5750), held
#: out 2-fold and leave-one-out in docs/matching.md; both floors fail at the ninth round's
#: engine (and without the finance facets, 0.8947 / 0.6758).
#: Ninth round (8 briefs of new topics and shapes added, graded before the engine
#: ran on them: the eighth round's engine scores them 0.4186 / 0.2000, the 58 0.8492 / 0.6690; a
#: brief that says its audience is the whole country has no target city; the one-city rules also
#: fire for a brief listing only that city's own region; travel, careers, fashion and
#: environmental concepts): NDCG@10 0.8915 and P@5 0.6793 on the 58 (A alone 0.884 / 0.766, B
#: alone 0.893 / 0.683; the 8 new 0.7252 / 0.2750, the 50 of the eighth round unchanged at
#: 0.9181 / 0.7440), the same held out (2-fold and leave-one-out), so both floors fail at the
#: eighth round's engine.
#: Eighth round (9 briefs added, graded before the engine ran on them: 3 place, 6 text; a brief's
#: audience named by a glossary concept counts as a named topic; a local brief's broad topics
#: earned by the city's general groups, those carrying no subject; a group about another
#: subject earns half of them; a group of the brief's vertical naming none of the disciplines
#: the brief names counts 0.75): NDCG@10 0.9181 and P@5 0.7440 on the mean of 50 briefs (A alone
#: 0.913 / 0.836, B alone 0.917 / 0.744), the same held out (2-fold and leave-one-out; 0.9062 /
#: 0.7280 with the concepts alone, 0.9113 / 0.7360 before the disciplines' share);
#: the seventh round's engine scores 0.8351 / 0.6600 on the 50 (the 41 unchanged: 0.9217 /
#: 0.7415), so both floors fail at it. Seventh round (a group whose first
#: language is not the brief's one language loses 0.05 x its other-language share; English
#: audience names; more towns; a local brief's topic by place; parents sharing only health):
#: NDCG@10 0.9217 and P@5 0.7415 on the mean (A alone 0.916 / 0.829, B alone 0.920 / 0.741); the
#: same held out (2-fold and leave-one-out against the sixth round); the margin alone, picked
#: inside each fold among 0.02-0.1: 2-fold 0.9213 / 0.7415, leave-one-out 0.9206 / 0.7366; both
#: floors fail at the sixth round's engine (0.9187 / 0.7366).
#: Sixth round (an umbrella-only brief's subject, members not mentions, a city in any case and
#: its residents for a local brief, parents of young children for adult health, sustainability
#: an umbrella): NDCG@10 0.9187 and P@5 0.7366
#: on the mean (A alone 0.914 / 0.829, B alone 0.916 / 0.737), the same held out (2-fold and
#: leave-one-out); both floors fail at the fifth round's engine (0.9123 / 0.7317). Fifth round
#: (inflections, conditions,
#: audience words, glossary, a vertical's disciplines): NDCG@10 0.9123 and P@5 0.7317 on the mean
#: (A alone 0.907 / 0.824, B alone 0.910 / 0.732), the same held out (2-fold and leave-one-out);
#: both floors fail at the fourth round's engine (0.9079 / 0.7268) and without the disciplines
#: (0.9093 / 0.7268). Fourth round (the children's stage a brief
#: for parents names): NDCG@10 0.908 and P@5 0.727 on the mean (A alone 0.902 / 0.805, B alone 0.906
#: / 0.727); both floors fail without it (0.9006 / 0.7220). Third round (home and garden related to
#: real estate; food a vertical at full level; "Anglos" are olim): NDCG@10 0.901 and P@5 0.722 on
#: the mean (A alone 0.897 / 0.805, B alone 0.897 / 0.722); second round (relevance scaled by
#: quality) 0.893 / 0.717 (A alone 0.889 / 0.800, B alone 0.888 / 0.717); before it 0.884 / 0.663 (A
#: alone 0.879 / 0.751). Ranking by the text cosine of the two sides' own words gives 0.687 and
#: 0.522 (A alone 0.671 and 0.585), by size 0.139 and 0.083. P@5 on the mean cannot pass 0.893 (the
#: ceiling test below). Both floors fail at the second round's engine (0.8929 / 0.7171); the NDCG
#: floor fails without any one of the third round's three changes (0.8953 with the relation alone,
#: 0.8994 without "Anglos").
NDCG_FLOOR = 0.897
PRECISION_FLOOR = 0.681
#: The text-only baseline's band (NDCG@10, P@5) on the mean grades (tenth round, 66 briefs:
#: 0.602 / 0.442; ninth round, 58 briefs: 0.620 / 0.466; 50 briefs: in 0.63-0.67 / 0.48-0.53).
TEXT_BASELINE = ((0.58, 0.62), (0.42, 0.46))
#: The cases written for issue 16's classes, mean NDCG@10 and P@5 on the mean grades, tenth
#: round (8 briefs added: 2 sensitive, 1 vocabulary, 2 text, 3 place; at the ninth round's
#: engine the 66 score original 0.915 / 0.684, sensitive 0.817 / 0.657, vocabulary 0.904 /
#: 0.763, text 0.807 / 0.586, place 0.877 / 0.520): original 0.916 / 0.705, sensitive 0.867 /
#: 0.657, vocabulary 0.910 / 0.787, text 0.872 / 0.643, place 0.900 / 0.540 (on the 58 alone
#: sensitive 0.885 / 0.76 -> 0.895 / 0.72: the wine festival loses one of its five); ninth
#: round (8 briefs added: 4 text, 2 vocabulary, 2 place): text 0.844 / 0.60 (12 briefs; 0.685 /
#: 0.55 at the eighth round's engine), place 0.892 / 0.57 (7; 0.848 / 0.57), vocabulary 0.902 /
#: 0.76 (15; 0.886 / 0.76: beach clean-up 0.495 -> 0.730, esports does not move), original
#: and sensitive as in the eighth; eighth
#: round: text 0.899 / 0.80 (8 briefs; the six added 0.425 / 0.35 at the seventh round's
#: engine), place 0.943 / 0.64 (5 briefs; 0.865 / 0.56), vocabulary 0.938 / 0.831 (doors for
#: designers 0.942 -> 0.908: a designers' group naming no discipline), original 0.915 / 0.684,
#: sensitive as in the seventh; seventh
#: round: sensitive 0.885 / 0.76, place 0.946 / 0.60, original 0.915 / 0.674, vocabulary 0.940 /
#: 0.831 (reservists' families 0.971 -> 0.970), text as in the sixth; sixth round:
#: text 0.934 / 0.90, place 0.932 / 0.60, vocabulary 0.940 / 0.831, original 0.913 / 0.674,
#: sensitive as in the fourth; fifth round:
#: vocabulary 0.938 / 0.831, place 0.917 / 0.60, original 0.907 / 0.663, sensitive and text as in
#: the fourth; fourth round: sensitive 0.873 / 0.72, original 0.903 / 0.663, the others as in the
#: third; third round: vocabulary 0.931 / 0.815, sensitive 0.837 / 0.72, text 0.892 / 0.90, place
#: 0.904 / 0.60, original 0.898 / 0.653 (second round: vocabulary 0.925 / 0.815, sensitive 0.816 /
#: 0.72, place 0.905 / 0.60, original 0.890 / 0.642, text the same; first round: vocabulary 0.926 /
#: 0.80, sensitive 0.791 / 0.56, text 0.841 / 0.70, place 0.865 / 0.50, original 0.885 / 0.61).
CLASS_FLOORS = {
    "vocabulary": (0.909, 0.78),
    "sensitive": (0.866, 0.65),
    "text": (0.872, 0.64),
    "place": (0.899, 0.54),
    "": (0.915, 0.70),
}


def test_ndcg_by_hand() -> None:
    judgments = {1: 3, 2: 2, 3: 1}
    assert ndcg_at_k([1, 2, 3], judgments, 10) == pytest.approx(1.0)
    # Ranked 3, 1, 9: DCG = 1/log2(2) + 7/log2(3) + 0; ideal = 7 + 3/log2(3) + 1/2.
    dcg = 1 + 7 / math.log2(3)
    ideal = 7 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k([3, 1, 9], judgments, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([9, 8], judgments, 10) == 0.0
    assert ndcg_at_k([9], {}, 10) == 1.0
    # Only the first k count.
    assert ndcg_at_k([9, 1], {1: 3}, 1) == 0.0


def test_precision_by_hand() -> None:
    judgments = {1: 3, 2: 2, 3: 1}
    assert precision_at_k([1, 2, 3, 4, 5], judgments, 5) == pytest.approx(2 / 5)
    assert precision_at_k([3, 4], judgments, 5) == 0.0
    assert precision_at_k([2], judgments, 5) == pytest.approx(1 / 5)  # k stays the denominator


def test_the_judged_set_is_big_and_varied_enough() -> None:
    records, judged = load_judged(JUDGED)
    assert len(records) >= 150
    assert len(judged) >= 15
    assert {j.brief.goal for j in judged} == set(Goal)
    assert {lang for r in records for lang in r.languages} >= {"he", "en", "ar", "ru"}
    assert any(j.brief.regulated for j in judged)
    assert any(j.brief.exclude_communities for j in judged)
    ids = {r.id for r in records}
    assert all(set(j.judgments) <= ids for j in judged)
    kinds = [j.kind for j in judged]
    assert kinds.count("sensitive") >= 2
    assert kinds.count("vocabulary") >= 5
    assert kinds.count("text") >= 2
    assert kinds.count("place") >= 2
    english = [j for j in judged if j.kind and j.brief.title.isascii()]
    hebrew = [j for j in judged if j.kind and not j.brief.title.isascii()]
    assert len(english) >= 3
    assert len(hebrew) >= 5


def test_ranking_quality_stays_above_its_floors_and_beats_ranking_by_size() -> None:
    records, judged = load_judged(JUDGED)
    features = build_features(records)
    engine = evaluate(features, judged)
    by_size = evaluate(features, judged, baseline="size")
    by_text = evaluate(features, judged, baseline="text")
    assert engine.mean_ndcg >= NDCG_FLOOR
    assert engine.mean_precision >= PRECISION_FLOOR
    assert engine.mean_ndcg >= by_size.mean_ndcg + 0.3
    assert engine.mean_precision >= by_size.mean_precision + 0.2
    # The text-only baseline (own words on both sides) and the engine's lead over it.
    (ndcg_low, ndcg_high), (precision_low, precision_high) = TEXT_BASELINE
    assert ndcg_low <= by_text.mean_ndcg <= ndcg_high
    assert precision_low <= by_text.mean_precision <= precision_high
    assert engine.mean_ndcg >= by_text.mean_ndcg + 0.15
    assert engine.mean_precision >= by_text.mean_precision + 0.1
    for kind, (ndcg, precision) in CLASS_FLOORS.items():
        keys = [j.key for j in judged if j.kind == kind]
        assert sum(engine.ndcg[k] for k in keys) / len(keys) >= ndcg, kind
        assert sum(engine.precision[k] for k in keys) / len(keys) >= precision - 1e-9, kind


def test_the_judged_set_is_deep_enough_for_precision_at_5_to_tell_engines_apart() -> None:
    """Issue 16 asks for P@5 >= 0.85 on the hidden set. Before the set was deepened, 17 of 29
    briefs had fewer than five communities graded 2 or more, so even a perfect ranking scored
    0.779 and P@5 could not tell engines apart. Now only the pharma menopause brief is short
    (the market has few communities whose rules allow pharma): a perfect ranking scores 0.990."""
    _records, judged = load_judged(JUDGED)
    ceiling = {j.key: min(5, sum(g >= 2 for g in j.judgments.values())) / 5 for j in judged}
    # The eighth round's pet briefs and Beersheba pet shop have four and three (the catalog
    # has four pets' groups, and no Beersheba one).
    assert [k for k, c in ceiling.items() if c < 1] == [
        "menopause-pharma-positioning",
        "beersheba-pet-shop",
        "pet-food-subscription",
        "pet-insurance",
        # The ninth round's: the catalog has one coffee, one skincare and one adult gamers'
        # group, two for backpackers, a few for career changers and Beersheba cyclists.
        "online-coffee-roastery",
        "natural-skincare-launch",
        "esports-tournament",
        "backpacker-travel-insurance",
        "career-change-course",
        "beersheba-bike-shop",
        # The tenth round's: Netanya has two French-speaking groups, the catalog no drivers'
        # group, few groups in Kfar Saba and Ra'anana or on the northern border.
        "netanya-french-optician",
        "north-evacuees-job-fair",
        "sharon-driving-school",
        "tlv-parking-app-beta",
    ]
    assert sum(ceiling.values()) / len(ceiling) == pytest.approx(0.9121, abs=1e-4)


def test_the_summary_prints_the_engine_the_baselines_and_each_class() -> None:
    text = summary(JUDGED)
    records, judged = load_judged(JUDGED)
    engine = evaluate(build_features(records), judged)
    assert (
        text.splitlines()[0]
        == f"{len(judged)} briefs, {len(records)} communities; mean NDCG@10 / P@5"
    )
    assert f"engine     {engine.mean_ndcg:.3f} / {engine.mean_precision:.3f}" in text
    for kind in ("original", "sensitive", "vocabulary", "text", "place"):
        assert f"  {kind:11s} (" in text
    assert "school-bags-awareness" in text


# Two brokers: the mean of their grades, and how far they agree (issue 16, item 5).

TINY_BRIEF = {"goal": "awareness", "title": "t", "message": "m", "budget_minor": 100000}


def test_the_mean_of_two_brokers_grades_by_hand() -> None:
    # An id one broker left unlisted counts 0 for that broker; ids both left out stay out.
    assert mean_grades({1: 3, 2: 2, 3: 1}, {1: 3, 2: 1, 4: 2}) == {
        1: 3.0,
        2: 1.5,
        3: 0.5,
        4: 1.0,
    }
    assert mean_grades({1: 1}, {}) == {1: 0.5}
    brief = parse_brief(TINY_BRIEF)
    two = JudgedBrief("k", brief, {1: 3, 2: 2}, judgments_b={1: 1, 3: 2})
    assert two.grades() == {1: 2.0, 2: 1.0, 3: 1.0}
    assert two.grades("a") == {1: 3.0, 2: 2.0}
    assert two.grades("b") == {1: 1.0, 3: 2.0}
    one = JudgedBrief("k", brief, {1: 3})
    assert one.grades() == {1: 3.0}  # one broker: their grades are the mean
    with pytest.raises(ValueError, match="no second broker"):
        one.grades("b")


def test_ndcg_and_precision_on_a_fractional_mean_by_hand() -> None:
    grades = {1: 3.0, 2: 1.5, 3: 0.5, 4: 1.0}
    g15, g05 = 2**1.5 - 1, 2**0.5 - 1  # 1.828 and 0.414
    dcg = g15 + 7 / math.log2(3)
    ideal = 7 + g15 / math.log2(3) + 1 / 2 + g05 / math.log2(5)
    assert ndcg_at_k([2, 1], grades, 10) == pytest.approx(dcg / ideal)
    # Relevant for precision = mean >= 2: A 3 and B 1 counts, A 2 and B 1 does not.
    assert precision_at_k([2, 1, 3, 4], grades, 5) == pytest.approx(1 / 5)
    assert precision_at_k([5, 6], mean_grades({5: 3, 6: 2}, {5: 1, 6: 1}), 5) == (
        pytest.approx(1 / 5)
    )


def test_tie_aware_ndcg_and_the_agreement_by_hand() -> None:
    a = {1: 3, 2: 2, 3: 1}
    b = {1: 3, 2: 1, 3: 1, 4: 2}
    # B's order: 1, then 4, then 2 and 3 tied; scored by A's gains 7, 0, and the tie's mean
    # gain (3 + 1) / 2 = 2 at each of positions 3 and 4.
    b_by_a = (7 + 0 / math.log2(3) + 2 / 2 + 2 / math.log2(5)) / (7 + 3 / math.log2(3) + 1 / 2)
    # A's order: 1, 2, 3; scored by B's gains 7, 1, 1; B's ideal 7, 3, 1, 1.
    a_by_b = (7 + 1 / math.log2(3) + 1 / 2) / (7 + 3 / math.log2(3) + 1 / 2 + 1 / math.log2(5))
    assert tie_aware_ndcg_at_k(b, a, 10) == pytest.approx(b_by_a)
    assert tie_aware_ndcg_at_k(a, b, 10) == pytest.approx(a_by_b)
    # The order within a tie is not chosen: every tied position gets the tie's mean gain.
    assert tie_aware_ndcg_at_k({1: 1, 2: 1}, {2: 3}, 10) == pytest.approx(
        (3.5 + 3.5 / math.log2(3)) / 7
    )
    assert tie_aware_ndcg_at_k(a, a, 10) == pytest.approx(1.0)
    brief = parse_brief(TINY_BRIEF)
    judged = [
        JudgedBrief("x", brief, a, judgments_b=b),
        JudgedBrief("same", brief, a, judgments_b=a),
        JudgedBrief("one broker", brief, a),
    ]
    agreed = agreement(judged)
    assert set(agreed.per_brief) == {"x", "same"}  # a brief with one broker is left out
    assert agreed.per_brief["x"] == pytest.approx((b_by_a + a_by_b) / 2)
    assert agreed.mean == pytest.approx(((b_by_a + a_by_b) / 2 + 1) / 2)
    # Two grade points apart (unlisted = 0): only #4, which A left out and B graded 2.
    assert agreed.disagreements == [Disagreement("x", 4, 0, 2)]


def test_both_brokers_graded_every_brief_and_their_agreement_is_kept() -> None:
    records, judged = load_judged(JUDGED)
    ids = {r.id for r in records}
    assert all(j.judgments_b is not None and set(j.judgments_b) <= ids for j in judged)
    agreed = agreement(judged)
    assert len(agreed.per_brief) == len(judged)
    # Issue 16's two brokers agree at 0.975; ours at 0.944 (B is the stricter: fewer
    # communities graded, and no paused or draft listing).
    # (0.945 on the 58; the tenth round's B is the same helper's second pass: 0.947.)
    assert agreed.mean == pytest.approx(0.947, abs=5e-4)
    # 11 on the 41 briefs; the eighth round's car seats and baby tracker add a paused listing
    # each (A 2, B 0: B grades inventory).
    assert len(agreed.disagreements) == 13
    # On the mean, P@5 cannot pass 0.893: 16 briefs have fewer than five communities whose
    # mean grade is 2 or more (on A alone 0.990, only the pharma brief short).
    # (0.884 / 0.976 on the 50 before the ninth round's briefs, several with one or two groups
    # that fit).
    # (0.8345 / 0.9276 on the 58 before the tenth round's briefs.)
    assert precision_ceiling(judged) == pytest.approx(0.8273, abs=1e-4)
    assert precision_ceiling(judged, "a") == pytest.approx(0.9121, abs=1e-4)


def test_the_summary_prints_each_broker_the_agreement_and_the_ceiling() -> None:
    text = summary(JUDGED)
    assert "against the mean of two brokers' grades" in text
    assert "by broker  A alone        B alone        mean" in text
    assert "ceiling    P@5 of a perfect ranking: A 0.912  B 0.830  mean 0.827" in text
    assert "agreement  0.947 " in text
    assert "disagreements of 2+ grade points: 13" in text


#: HELD OUT — NOT TO BE TUNED ON. tests/data/matching/holdout.json: 16 briefs (sensitive 3,
#: vocabulary 8, place 3, text 2; 8 Hebrew, 8 English) written after the fifth round and graded
#: blind by two brokers (A and B) from the catalog lines, committed before the engine ran on them
#: (commit "Matching holdout: 16 new briefs graded blind..."). Measured at the fifth round's engine
#: on the mean of the two brokers' grades: NDCG@10 0.761 / P@5 0.600 (A alone 0.784 / 0.675, B
#: alone 0.739 / 0.600); text only 0.549 / 0.400; by size 0.128 / 0.075; P@5 ceiling 0.838 on the
#: mean; brokers agree at 0.948. In-sample (briefs.json) the same engine scores 0.912 / 0.732: the
#: gap is the estimate of over-fitting. These floors only guard against regressions; a change
#: that moves them must have been made without looking at these briefs. The sixth round (made
#: by a helper who never opened this file; measured once, after its merge): 0.810 / 0.637 (A
#: alone 0.830 / 0.700, B alone 0.791 / 0.637); the seventh (the same way): 0.818 / 0.675 (A
#: alone 0.835 / 0.725, B alone 0.802 / 0.675).
HOLDOUT = "holdout.json"
HOLDOUT_FLOORS = (0.815, 0.67)
HOLDOUT_TEXT_BASELINE = ((0.53, 0.57), (0.38, 0.42))


def test_the_loader_reads_a_named_briefs_file_beside_the_catalog() -> None:
    records, tuned = load_judged(JUDGED)
    same_records, held_out = load_judged(JUDGED, HOLDOUT)
    assert len(same_records) == len(records)
    assert len(held_out) == 16
    assert not {j.key for j in held_out} & {j.key for j in tuned}
    assert all(j.judgments_b is not None for j in held_out)
    assert {j.kind for j in held_out} == {"sensitive", "vocabulary", "place", "text"}
    assert summary(JUDGED, HOLDOUT).splitlines()[0] == (
        f"16 briefs, {len(records)} communities; mean NDCG@10 / P@5"
    )


def test_held_out_ranking_quality_stays_above_its_floors() -> None:
    """Held out: not to be tuned on (see HOLDOUT_FLOORS)."""
    records, judged = load_judged(JUDGED, HOLDOUT)
    features = build_features(records)
    engine = evaluate(features, judged)
    by_text = evaluate(features, judged, baseline="text")
    ndcg_floor, precision_floor = HOLDOUT_FLOORS
    assert engine.mean_ndcg >= ndcg_floor
    assert engine.mean_precision >= precision_floor
    (ndcg_low, ndcg_high), (precision_low, precision_high) = HOLDOUT_TEXT_BASELINE
    assert ndcg_low <= by_text.mean_ndcg <= ndcg_high
    assert precision_low <= by_text.mean_precision <= precision_high
    assert precision_ceiling(judged) == pytest.approx(0.8375)
