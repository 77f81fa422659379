"""The three lenses (issue 16, item 7): worked examples by hand, reference agreement, the meter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import default_priors, estimate_frame
from pricing.valuation.lenses import (
    LENS_TABLE,
    MarketLevel,
    Note,
    ResultKind,
    default_lens_tables,
    lens_frame,
    lens_tables_from_frame,
    market_position,
    result_kind,
)
from pricing.valuation.lenses_reference import lens_reference, market_reference
from pricing.valuation.priors import PriorsError

Z = 1.2815515655446004  # model.json z_p90
CPM = math.sqrt(17.80 * 24.72)  # lenses.csv paid_cpm_usd: USD 20.98 per 1,000
UPLIFT = math.sqrt(1.30 * 2.20)  # lenses.csv recommendation_uplift: x1.69
ILS = 3.7  # model.json fx_per_usd


def one(**row: Any) -> pd.Series:
    """The lens columns of a single row with a certain reach of 1,000 people."""
    base = {"currency": "ILS", "vertical": "general"}
    base.update(reach_p10=1000, reach_p50=1000, reach_p90=1000)
    return lens_frame(pd.DataFrame([{**base, **row}])).iloc[0]


def quantiles(row: pd.Series, lens: str) -> tuple[int, int, int]:
    return tuple(int(row[f"{lens}_{q}_minor"]) for q in ("p10", "p50", "p90"))  # type: ignore[return-value]


# --- worked examples, computed by hand (docs/pricing.md, "Three lenses") -----------------------


def test_replacement_cost_of_a_whatsapp_group_is_paid_reach_times_the_recommendation_uplift() -> (
    None
):
    # 1,000 people x USD 20.98 / 1,000 x 3.7 = ₪77.61 of Meta ads, x1.69 for a recommendation
    # inside a many-to-many community = ₪131.26; log-sd sqrt(0.128^2 + 0.25^2 + 0.205^2) = 0.348.
    row = one(platform="whatsapp_group")
    p50 = 1000 / 1000 * CPM * ILS * UPLIFT
    assert p50 == pytest.approx(131.2559, abs=1e-4)
    assert quantiles(row, "replacement") == (8404, 13126, 20500)
    assert row["uplift"] == pytest.approx(UPLIFT)


def test_a_one_to_many_channel_gets_no_recommendation_uplift() -> None:
    # A broadcast channel is an audience, not a community: ₪77.61, log-sd sqrt(0.128^2+0.25^2).
    row = one(platform="telegram_channel")
    assert quantiles(row, "replacement") == (5415, 7761, 11125)
    assert row["uplift"] == 1.0


def test_outcome_value_without_a_brief_counts_clicks_at_what_a_paid_click_costs() -> None:
    # 1,000 readers x 7.75% click = 77.5 clicks x USD 1.195 x 3.7 = ₪342.44.
    row = one(platform="whatsapp_group")
    assert row["result_kind"] == "clicks"
    assert row["outcome_results_p50"] == pytest.approx(1000 * math.sqrt(0.04 * 0.15))
    assert quantiles(row, "outcome") == (16101, 34244, 72832)


def test_outcome_value_of_a_leads_brief_uses_what_the_brand_says_a_lead_is_worth() -> None:
    # 77.5 clicks x 8.51% become leads = 6.59 leads x ₪200 (the brand's figure, no spread).
    row = one(platform="whatsapp_group", goal="sales_leads", result_value_minor=20_000)
    assert row["result_kind"] == "leads"
    assert bool(row["result_value_from_brand"])
    assert row["outcome_results_p50"] == pytest.approx(6.592496, abs=1e-6)
    assert quantiles(row, "outcome") == (68037, 131850, 255513)


def test_a_newsletter_sponsor_block_is_clicked_an_eighth_as_often_as_a_dedicated_send() -> None:
    # The same 1,000 openers. A dedicated send is all the brand's: Mailchimp's 6-16% per opener,
    # 97.98 clicks x USD 1.195 x 3.7 = ₪433.15. A sponsor block inside a regular issue: 0.5-3%
    # per opener (lenses.csv's newsletter_sponsorship row), 12.25 clicks = ₪54.14, an eighth.
    sponsorship = one(platform="newsletter", placement="newsletter_sponsorship")
    send = one(platform="newsletter", placement="dedicated_send")
    assert sponsorship["outcome_results_p50"] == pytest.approx(1000 * math.sqrt(0.005 * 0.03))
    assert send["outcome_results_p50"] == pytest.approx(1000 * math.sqrt(0.06 * 0.16))
    assert quantiles(sponsorship, "outcome") == (2058, 5414, 14242)
    assert quantiles(send, "outcome") == (23513, 43315, 79793)
    ratio = int(sponsorship["outcome_p50_minor"]) / int(send["outcome_p50_minor"])
    assert ratio == pytest.approx(0.125, abs=1e-4)
    # Replacement cost counts reach, not clicks: the placement does not move it.
    assert quantiles(sponsorship, "replacement") == quantiles(send, "replacement")
    # Without a placement a newsletter row is priced as before, at the platform's click rate.
    assert quantiles(one(platform="newsletter"), "outcome") == (23513, 43315, 79793)


def test_a_placement_without_a_click_rate_of_its_own_keeps_its_platform_s() -> None:
    # A WhatsApp post has no row of its own: the group's 4-15%, as without a placement.
    assert quantiles(one(platform="whatsapp_group", placement="post"), "outcome") == (
        16101,
        34244,
        72832,
    )
    tables = default_lens_tables()
    assert tables.click_band("whatsapp_group", "post") is tables.click_band("whatsapp_group")
    assert tables.click_band("instagram", "story") is tables.click_band("")  # every other one
    assert tables.click_band("newsletter", "newsletter_sponsorship").low == 0.005


def test_an_awareness_brief_counts_engagements() -> None:
    # 1,000 x 4% engagement (platforms.csv) = 40 engagements x USD 0.145 x 3.7 = ₪21.45.
    row = one(platform="whatsapp_group", goal="awareness")
    assert row["result_kind"] == "engagements"
    assert int(row["outcome_p50_minor"]) == round(40 * math.sqrt(0.07 * 0.30) * ILS * 100)


def test_every_goal_counts_a_result() -> None:
    assert result_kind(None) is ResultKind.CLICKS
    assert result_kind("sales_leads") is ResultKind.LEADS
    assert result_kind("awareness") is ResultKind.ENGAGEMENTS
    assert result_kind("no_such_goal") is ResultKind.CLICKS


def test_a_row_without_reach_or_platform_has_no_lens_and_no_verdict() -> None:
    frame = pd.DataFrame(
        [
            {"platform": "whatsapp_group", "currency": "ILS", "rate_minor": 30_000},
            {"platform": "myspace", "currency": "ILS", "reach_p10": 1, "reach_p50": 2,
             "reach_p90": 3, "rate_minor": 30_000},
        ]
    )  # fmt: skip
    result = lens_frame(frame)
    assert result["replacement_p50_minor"].isna().all()
    assert result["outcome_p50_minor"].isna().all()
    assert list(result["lens_verdict"]) == ["unknown", "unknown"]


# --- the market fact --------------------------------------------------------------------------


def market_of(rates: list[int], *, vertical: str = "parenting", members: int = 800,
              start: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {"asset_id": start + i, "platform": "whatsapp_group", "placement": "post",
         "currency": "ILS", "members": members, "vertical": vertical, "rate_minor": rate}
        for i, rate in enumerate(rates)
    ]  # fmt: skip


ROW = {"asset_id": 1, "platform": "whatsapp_group", "placement": "post", "currency": "ILS",
       "members": 850, "vertical": "parenting", "rate_minor": 30_000}  # fmt: skip


def test_the_market_percentile_counts_cheaper_rates_and_half_the_equal_ones() -> None:
    # 4 of 10 comparable rates are below ₪300 and one equals it: (4 + 0.5) / 10 = 45%. The
    # owner's own ₪9,999 rate is not one of the comparables.
    market = market_of([10_000 + 5_000 * i for i in range(10)])
    market.append({**ROW, "rate_minor": 999_900})
    rows = pd.DataFrame([ROW])
    for result in (market_position(rows, pd.DataFrame(market)),
                   market_reference(rows, pd.DataFrame(market))):  # fmt: skip
        assert result.iloc[0]["market_percentile"] == pytest.approx(45.0)
        assert result.iloc[0]["market_n"] == 10
        assert result.iloc[0]["market_level"] == MarketLevel.TOPIC.value


def test_too_few_rates_in_the_topic_widen_to_the_size_band_then_to_the_platform() -> None:
    rows = pd.DataFrame([ROW])
    few = market_of([20_000, 40_000, 60_000])  # 3 parenting groups: below the minimum of 8
    other_topic = market_of([10_000] * 6, vertical="tech", start=200)  # same size band
    widened = market_position(rows, pd.DataFrame(few + other_topic)).iloc[0]
    assert widened["market_level"] == MarketLevel.SIZE.value
    assert widened["market_n"] == 9
    assert widened["market_percentile"] == pytest.approx(100 * 7 / 9)

    bigger = market_of([50_000] * 6, members=20_000, start=300)  # another size band
    widest = market_position(rows, pd.DataFrame(few + bigger)).iloc[0]
    assert widest["market_level"] == MarketLevel.PLATFORM.value
    assert widest["market_n"] == 9

    none = market_position(rows, pd.DataFrame(few)).iloc[0]
    assert none["market_level"] == MarketLevel.NONE.value
    assert math.isnan(none["market_percentile"])


def test_the_minimum_sample_and_the_market_tolerance_come_from_the_lens_table() -> None:
    assert default_lens_tables().min_sample == 8
    assert default_lens_tables().market_tolerance == 2.0


# --- the meter with three lenses --------------------------------------------------------------


def active_group(rate_minor: int, market_percentile: float | None) -> pd.Series:
    """An 850-member WhatsApp group with an export-backed size and a healthy chat."""
    row = {"asset_id": 7, "platform": "whatsapp_group", "placement": "post", "currency": "ILS",
           "members": 850, "members_tier": 3, "members_age_days": 10, "health_score": 75,
           "vertical": "parenting", "region": "center", "rate_minor": rate_minor}  # fmt: skip
    estimate = estimate_frame(pd.DataFrame([row]))
    lens_input = pd.DataFrame([row]).assign(
        reach_p10=estimate["reach_p10"], reach_p50=estimate["reach_p50"],
        reach_p90=estimate["reach_p90"],
        market_percentile=np.nan if market_percentile is None else market_percentile,
    )  # fmt: skip
    result = lens_frame(lens_input).iloc[0]
    result["old_verdict"] = estimate.iloc[0]["price_verdict"]
    return result


def test_a_300_shekel_post_in_an_active_850_member_group_is_no_longer_over_priced() -> None:
    result = active_group(30_000, market_percentile=55.0)
    assert result["old_verdict"] == "over_priced"  # the media-value estimate alone said so
    assert result["lens_verdict"] == "fair"
    assert result["lens_note"] == Note.NONE.value
    low, high = result["suggested_low_minor"], result["suggested_high_minor"]
    assert low <= 30_000 <= high
    assert low % 1_000 == 0
    assert high % 1_000 == 0


def test_a_truly_inflated_rate_is_still_over_priced() -> None:
    assert active_group(200_000, market_percentile=97.0)["lens_verdict"] == "over_priced"
    assert active_group(5_000_000, market_percentile=None)["lens_verdict"] == "over_priced"


def band_of(result: pd.Series) -> tuple[float, float]:
    """The value a brand can defend: the higher P10 and the higher P90 of the two lenses."""
    low = max(result["replacement_p10_minor"], result["outcome_p10_minor"])
    high = max(result["replacement_p90_minor"], result["outcome_p90_minor"])
    return float(low), float(high)


def test_a_rate_above_the_lenses_that_the_market_calls_typical_is_fair_with_a_note() -> None:
    _low, high = band_of(active_group(30_000, market_percentile=None))
    result = active_group(int(high * 1.5), market_percentile=50.0)
    assert result["lens_verdict"] == "fair"
    assert result["lens_note"] == Note.ABOVE_VALUE_TYPICAL_MARKET.value
    # Beyond twice the lenses (lenses.csv market_tolerance) the market itself is inflated.
    assert active_group(int(high * 2.5), market_percentile=50.0)["lens_verdict"] == "over_priced"


def test_a_rate_below_every_lens_is_under_priced_unless_the_market_calls_it_typical() -> None:
    low, _high = band_of(active_group(30_000, market_percentile=None))
    assert active_group(int(low * 0.75), market_percentile=5.0)["lens_verdict"] == "under_priced"
    typical = active_group(int(low * 0.75), market_percentile=60.0)
    assert typical["lens_verdict"] == "fair"
    assert typical["lens_note"] == Note.BELOW_VALUE_TYPICAL_MARKET.value
    assert active_group(int(low * 0.4), market_percentile=60.0)["lens_verdict"] == "under_priced"


def test_a_suggested_price_is_always_judged_fair() -> None:
    result = active_group(30_000, market_percentile=None)
    for price in (result["suggested_low_minor"], result["suggested_high_minor"]):
        assert active_group(int(price), market_percentile=None)["lens_verdict"] == "fair"


# --- the reference and the vectorised lenses agree --------------------------------------------


#: Placements with a click rate of their own, without one, odd spellings and none.
PLACEMENTS = ["post", "pinned_post", "newsletter_sponsorship", " Dedicated_Send", "odd", None]


def messy_lens_rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    platforms = [p.value for p in default_priors().platforms] + ["myspace", None]
    goals = ["sales_leads", "awareness", "survey", "event", None, "nonsense"]
    p50 = rng.lognormal(6, 2, n)
    frame = pd.DataFrame(
        {
            "asset_id": rng.integers(0, n // 3, n),
            "platform": rng.choice(np.array(platforms, dtype=object), n),
            "placement": rng.choice(np.array(PLACEMENTS, dtype=object), n),
            "currency": rng.choice(np.array(["ILS", "usd", "EUR", "XXX", None], dtype=object), n),
            "interaction_mode": rng.choice(
                np.array(["many_to_many", "one_to_many", None, "odd"], dtype=object), n
            ),
            "vertical": rng.choice(np.array(["finance", "odd", None], dtype=object), n),
            "goal": rng.choice(np.array(goals, dtype=object), n),
            "members": rng.lognormal(7, 2, n),
            "reach_p10": p50 * rng.uniform(0.2, 1.0, n),
            "reach_p50": p50,
            "reach_p90": p50 * rng.uniform(1.0, 4.0, n),
            "result_value_minor": np.where(rng.random(n) < 0.3, rng.integers(1, 500, n), np.nan),
            "rate_minor": np.where(rng.random(n) < 0.8, rng.integers(1, 100, n) * 1_000.0, np.nan),
            "market_percentile": np.where(rng.random(n) < 0.5, rng.uniform(0, 100, n), np.nan),
        }
    )  # fmt: skip
    frame.loc[frame.index[::17], "reach_p50"] = np.nan
    frame.loc[frame.index[::23], "reach_p10"] = 0.0
    return frame


def assert_agree(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    for column in fast.columns:
        a, b = fast[column], slow[column]
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            x = a.to_numpy(dtype=float, na_value=np.nan)
            y = b.to_numpy(dtype=float, na_value=np.nan)
            assert np.allclose(x, y, rtol=1e-9, equal_nan=True), column
        else:
            left = [None if pd.isna(v) else v for v in a.astype(object)]
            right = [None if pd.isna(v) else v for v in b.astype(object)]
            assert left == right, column


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_vectorised_lenses_agree_with_the_reference(seed: int) -> None:
    frame = messy_lens_rows(2000, seed)
    assert_agree(lens_frame(frame), lens_reference(frame))


def test_the_reference_agrees_on_a_sponsor_block_and_a_dedicated_send() -> None:
    base = {"platform": "newsletter", "currency": "ILS", "reach_p10": 300, "reach_p50": 900,
            "reach_p90": 2_000, "rate_minor": 30_000}  # fmt: skip
    frame = pd.DataFrame(
        [
            {**base, "placement": placement, "goal": goal}
            for placement in ("newsletter_sponsorship", "dedicated_send")
            for goal in (None, "sales_leads", "awareness")
        ]
    )
    fast, slow = lens_frame(frame), lens_reference(frame)
    assert_agree(fast, slow)
    clicks = fast["outcome_results_p50"].tolist()
    assert clicks[0] == pytest.approx(clicks[3] / 8)  # clicks: an eighth
    assert clicks[1] == pytest.approx(clicks[4] / 8)  # leads follow the clicks
    assert clicks[2] == pytest.approx(clicks[5])  # engagements are the platform's either way
    # Without a placement column both read the platform's click rate, as they did before.
    plain = frame.drop(columns=["placement"])
    assert_agree(lens_frame(plain), lens_reference(plain))
    assert lens_frame(plain)["outcome_results_p50"].tolist() == pytest.approx(clicks[3:] * 2)


def dense_market(n: int, seed: int) -> pd.DataFrame:
    """Rate cards over few platforms, sizes and topics, so every comparison level is used."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "asset_id": rng.integers(0, n // 2, n),
            "platform": rng.choice(["whatsapp_group", "telegram_channel"], n),
            "placement": rng.choice(["post", "post", "pinned_post"], n),
            "currency": rng.choice(np.array(["ILS", "ILS", "ILS", "USD", None], dtype=object), n),
            "members": rng.choice([100.0, 800.0, 900.0, 3_000.0, 40_000.0, np.nan], n),
            "vertical": rng.choice(np.array(["parenting", "tech", None], dtype=object), n),
            "rate_minor": np.where(rng.random(n) < 0.9, rng.integers(1, 40, n) * 1_000.0, np.nan),
        }
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_vectorised_market_position_agrees_with_the_reference(seed: int) -> None:
    rows, market = dense_market(400, seed), dense_market(300, seed + 10)
    fast, slow = market_position(rows, market), market_reference(rows, market)
    assert set(fast["market_level"]) == {level.value for level in MarketLevel}
    assert_agree(fast, slow)
    # Rows whose own asset is in the market are compared without it.
    both = pd.concat([rows, market], ignore_index=True)
    assert_agree(market_position(rows, both), market_reference(rows, both))


# --- the table --------------------------------------------------------------------------------


def table() -> pd.DataFrame:
    return pd.read_csv(LENS_TABLE, dtype=str, keep_default_na=False)


def test_every_lens_figure_cites_known_sources() -> None:
    assert default_lens_tables().sources() <= set(default_priors().sources)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": "no-such-source"}, "unknown"),
        ({"low": "30", "high": "20"}, "low <= high"),
        ({"low": "abc"}, "numbers"),
    ],
)
def test_a_bad_lens_row_is_refused_with_its_row(change: dict[str, str], message: str) -> None:
    frame = table()
    for column, value in change.items():
        frame.loc[0, column] = value
    with pytest.raises(PriorsError, match=message):
        lens_tables_from_frame(frame)


def with_row(**cells: str) -> pd.DataFrame:
    row = {"key": "click_rate", "platform": "", "placement": "", "low": "0.01", "high": "0.02",
           "source": "kesher-assumption", "note": ""}  # fmt: skip
    return pd.concat([table(), pd.DataFrame([{**row, **cells}])], ignore_index=True)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"platform": "newsletter", "placement": "banner_ad"},
         "row 17: unknown placement 'banner_ad'"),
        ({"platform": "newsletter", "placement": "newsletter_sponsorship"},
         "row 17: repeated click_rate newsletter newsletter_sponsorship"),
        ({"platform": "newsletter"}, "row 17: repeated click_rate newsletter"),
        ({"platform": "", "placement": "newsletter_sponsorship"}, "row 17: only a platform's"),
        ({"key": "lead_per_click", "platform": "newsletter", "placement": "dedicated_send"},
         "row 17: only a platform's click_rate"),
    ],
)  # fmt: skip
def test_a_placement_row_is_checked_and_refused_with_its_row(
    cells: dict[str, str], message: str
) -> None:
    with pytest.raises(PriorsError, match=message):
        lens_tables_from_frame(with_row(**cells))


def test_a_new_placement_row_is_read_and_a_table_without_the_column_still_loads() -> None:
    tables = lens_tables_from_frame(with_row(platform="whatsapp_group", placement="pinned_post"))
    assert tables.click_band("whatsapp_group", "pinned_post").high == 0.02
    assert tables.click_band("whatsapp_group", "post").high == 0.15
    old = table()
    old = old[old["placement"] == ""].drop(columns=["placement"])
    legacy = lens_tables_from_frame(old)
    assert legacy.click_band("newsletter", "newsletter_sponsorship").low == 0.06


def test_an_uplift_below_one_is_refused() -> None:
    frame = table()
    frame.loc[frame["key"] == "recommendation_uplift", "low"] = "0.8"
    with pytest.raises(PriorsError, match="discount"):
        lens_tables_from_frame(frame)
