"""A campaign's results over DataFrames: per placement, then per community, channel, campaign.

Inputs are plain tables the web side loads (nothing is read here):

- ``placements``: one row per bought placement line — ``placement_id``, ``community_id``,
  ``platform``, ``asset_id``, ``count`` (posts planned), ``brand_price_minor``,
  ``owner_payout_minor``, and the estimate of one post: ``reach_p10``, ``reach_p50``,
  ``reach_p90``, ``value_p50_minor`` (missing when there is none); optionally ``members`` (the
  asset's size, for the clicks check below);
- ``metrics``: ``placement_id``, ``metric`` (:class:`ResultMetric`), ``value``, ``tier`` — the
  figure in force per placement and metric (a later row for the same pair wins);
- ``clicks`` (optional): one row per click, ``placement_id``, ``visitor``, ``flagged`` (a bot or
  a duplicate: kept, never counted) — or one row per distinct such triple with its count in a
  ``clicks`` column (what ``GROUP BY`` in the database gives) — or, counted in the database,
  one row per placement: ``placement_id``, ``clicks``, ``flagged_clicks`` and ``unique_clicks``
  (distinct visitors among the counted clicks). Click rows let a community, channel or
  campaign count a visitor of several of its placements once; counts per placement add up
  (such a visitor counts in each placement's figure, and so in each group's sum);
- ``delivered`` (optional): ``placement_id``, ``delivered`` (posts verified as published);
- ``redemptions`` (optional): ``placement_id``, ``redemptions`` (promo codes used).

A figure nobody supplied stays missing (NaN), never zero: "no clicks recorded" and "no link"
are different answers. Money stays in integer minor units; ratios of money are rounded half up
to whole minor units.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaigns.brief import RATE_KPIS, KpiKind
from campaigns.results.figures import ENGAGEMENT_METRICS, RESULT_METRICS, reach_factor
from pricing.taxonomy import EvidenceTier

PLACEMENT_COLUMNS = (
    "placement_id", "community_id", "platform", "asset_id", "count", "brand_price_minor",
    "owner_payout_minor", "reach_p10", "reach_p50", "reach_p90", "value_p50_minor",
)  # fmt: skip

#: Columns that add up across placements (missing stays missing only when all are).
ADDITIVE = (
    "planned", "delivered", *(m.value for m in RESULT_METRICS), "engagements", "clicks",
    "flagged_clicks", "redemptions", "conversions", "cost_minor", "margin_minor",
    "realised_margin_minor", "est_reach_p50", "realised_value_minor", "est_value_p50_minor",
    "measured", "in_range",
)  # fmt: skip

#: The figures of a results row a brand may read, in the order the API document lists them.
BRAND_FIELDS = (
    "planned", "delivered", *(m.value for m in RESULT_METRICS), "engagements", "clicks",
    "unique_clicks", "flagged_clicks", "redemptions", "conversions", "cost_minor",
    "cost_per_click_minor", "cost_per_result_minor", "cost_per_thousand_reached_minor",
    "est_reach_p50", "est_value_p50_minor", "realised_value_minor", "engagement_rate_bp",
)  # fmt: skip

#: Columns only agency staff and finance see (the agency's margin and the owners' payouts).
STAFF_ONLY = ("owner_payout_minor", "margin_minor", "realised_margin_minor")

#: What each brief KPI is measured by in the results (None: no figure measures it yet).
KPI_MEASURES: dict[KpiKind, str | None] = {
    KpiKind.REACH: "reach",
    KpiKind.IMPRESSIONS: "views",
    KpiKind.ENGAGEMENTS: "engagements",
    KpiKind.CLICKS: "clicks",
    KpiKind.LEADS: "leads",
    KpiKind.SALES: "sales",
    KpiKind.SIGNUPS: None,
    KpiKind.SURVEY_RESPONSES: "survey_answers",
    KpiKind.PARTICIPANTS: "event_attendance",
    KpiKind.ENGAGEMENT_RATE: "engagement_rate_bp",
    KpiKind.ACTIVITY_RATE: None,
}


def _per_placement(frame: pd.DataFrame | None, column: str, ids: pd.Index) -> pd.Series:
    if frame is None or column not in frame.columns:
        return pd.Series(np.nan, index=ids, dtype="float64")
    summed = frame.groupby("placement_id")[column].sum(min_count=1).astype("float64")
    return summed.reindex(ids)


def _divide_minor(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator rounded half up; missing when the denominator is 0 or missing."""
    num = numerator.to_numpy(dtype="float64", na_value=np.nan)
    den = denominator.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, np.floor(num / den + 0.5), np.nan)
    return pd.Series(out, index=numerator.index)


def _counted(clicks: pd.DataFrame, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counted clicks as (placement position in `ids`, visitor code); and flagged positions.

    Clicks on placements outside `ids` are ignored.
    """
    flagged = clicks["flagged"].to_numpy(dtype=bool)
    pos = ids.get_indexer(clicks["placement_id"].to_numpy())
    known = pos >= 0
    keep = known & ~flagged
    visitors, _uniques = pd.factorize(clicks["visitor"].to_numpy()[keep])
    return pos[keep], visitors.astype(np.int64), pos[known & flagged]


#: The columns of clicks counted in the database, one row per placement.
COUNTED_COLUMNS = ("clicks", "flagged_clicks", "unique_clicks")


def counted_in_database(clicks: pd.DataFrame) -> bool:
    """Whether `clicks` holds counts per placement rather than (grouped) click rows."""
    return "unique_clicks" in clicks.columns


def _unique_per(group: np.ndarray, visitor: np.ndarray, n_groups: int) -> np.ndarray:
    """How many distinct visitors each group (0 … n_groups - 1) has."""
    if not len(visitor):
        return np.zeros(n_groups, dtype=np.int64)
    width = int(visitor.max()) + 1
    # Sort and keep the first of each run: far faster than np.unique here (numpy 2.4).
    keys = np.sort(group.astype(np.int64) * width + visitor)
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return np.bincount(keys[first] // width, minlength=n_groups)


def _clicks_check(base: pd.DataFrame, unique: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The most unique visitors a placement's asset can account for, and whether it had more.

    Uploaded figures above the reach ceiling are refused (:func:`figure_problem`); link clicks
    are counted, not uploaded, so more distinct visitors than the asset's members × its reach
    factor are only flagged: forwarding beyond the group, or bots that look like people.
    """
    if "members" not in base.columns:
        nothing = pd.Series(np.nan, index=base.index, dtype="float64")
        return nothing, pd.Series(False, index=base.index)
    members = base["members"].astype("float64")
    factor = base["platform"].map(reach_factor).astype("float64")
    ceiling = np.floor(members * factor).where(members > 0)
    return ceiling, unique > ceiling  # unknown on either side: not flagged


def placement_results(
    placements: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    clicks: pd.DataFrame | None = None,
    delivered: pd.DataFrame | None = None,
    redemptions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per placement: planned vs delivered, figures, clicks, cost per result, estimate.

    The estimate columns are the line's: one post's P10/P50/P90 times the posts planned.
    ``in_range`` is 1 when the realised reach lies inside the line's [P10, P90], 0 outside,
    missing when either side is unknown; ``measured`` is 1 where both are known.
    """
    base = placements.set_index("placement_id", drop=False)
    ids = base.index
    out = pd.DataFrame(index=ids)
    out["placement_id"] = ids
    for column in ("community_id", "platform", "asset_id"):
        out[column] = base[column]
    out["planned"] = base["count"].astype("float64")
    out["delivered"] = (
        delivered.set_index("placement_id")["delivered"].astype("float64").reindex(ids)
        if delivered is not None
        else np.nan
    )
    # Figures: the last row per (placement, metric) is the one in force.
    latest = metrics.drop_duplicates(["placement_id", "metric"], keep="last")
    latest = latest[latest["placement_id"].isin(ids)]
    metric_names = latest["metric"].astype(str)
    values = latest.assign(metric=metric_names).pivot(
        index="placement_id", columns="metric", values="value"
    )
    tiers = latest.assign(metric=metric_names).pivot(
        index="placement_id", columns="metric", values="tier"
    )
    for metric in RESULT_METRICS:
        name = metric.value
        out[name] = (
            values[name].astype("float64").reindex(ids) if name in values.columns else np.nan
        )
        out[f"tier_{name}"] = (
            tiers[name].astype("float64").reindex(ids) if name in tiers.columns else np.nan
        )
    tier_columns = [f"tier_{m.value}" for m in RESULT_METRICS]
    out["lowest_tier"] = out[tier_columns].min(axis=1, skipna=True)
    out["self_reported"] = out["lowest_tier"] == float(EvidenceTier.SELF_REPORTED)
    engagement = out[[m.value for m in ENGAGEMENT_METRICS]]
    out["engagements"] = engagement.sum(axis=1, min_count=1)
    # Clicks: every click counts once unless flagged; unique visitors among the counted ones.
    if clicks is not None and counted_in_database(clicks):
        per = clicks.groupby("placement_id")[list(COUNTED_COLUMNS)].sum()
        for column in COUNTED_COLUMNS:
            out[column] = per[column].astype("float64").reindex(ids).fillna(0.0)
    elif clicks is not None:
        n = len(ids)
        pos, visitors, _flagged_pos = _counted(clicks, ids)
        # A row may stand for several identical clicks (``clicks``: counted in SQL).
        every = ids.get_indexer(clicks["placement_id"].to_numpy())
        weight = (
            clicks["clicks"].to_numpy(dtype="float64")
            if "clicks" in clicks.columns
            else np.ones(len(clicks))
        )
        flagged = clicks["flagged"].to_numpy(dtype=bool)
        known = every >= 0
        for column, rows in (("clicks", known & ~flagged), ("flagged_clicks", known & flagged)):
            out[column] = np.bincount(every[rows], weights=weight[rows], minlength=n)
        out["unique_clicks"] = _unique_per(pos, visitors, n).astype("float64")
    else:
        out["clicks"] = out["unique_clicks"] = out["flagged_clicks"] = np.nan
    if "members" in base.columns:
        out["members"] = base["members"].astype("float64")
    out["clicks_ceiling"], out["clicks_suspect"] = _clicks_check(base, out["unique_clicks"])
    out["redemptions"] = _per_placement(redemptions, "redemptions", ids)
    out["conversions"] = out[["leads", "sales", "redemptions"]].sum(axis=1, min_count=1)
    # Money: what the brand pays for the line, and the agency's part of it.
    out["cost_minor"] = base["brand_price_minor"].astype("float64")
    out["owner_payout_minor"] = base["owner_payout_minor"].astype("float64")
    out["margin_minor"] = out["cost_minor"] - out["owner_payout_minor"]
    share = (np.minimum(out["delivered"], out["planned"]) / out["planned"]).where(
        out["planned"] > 0
    )
    out["realised_margin_minor"] = np.floor(out["margin_minor"] * share + 0.5)
    out["cost_per_click_minor"] = _divide_minor(out["cost_minor"], out["clicks"])
    out["cost_per_result_minor"] = _divide_minor(out["cost_minor"], out["conversions"])
    out["cost_per_thousand_reached_minor"] = _divide_minor(out["cost_minor"] * 1000, out["reach"])
    # The estimate against what happened.
    for q in ("reach_p10", "reach_p50", "reach_p90"):
        out[f"est_{q}"] = base[q].astype("float64") * out["planned"]
    out["est_value_p50_minor"] = base["value_p50_minor"].astype("float64") * out["planned"]
    reach = out["reach"]
    known = reach.notna() & out["est_reach_p10"].notna() & out["est_reach_p90"].notna()
    inside = (reach >= out["est_reach_p10"]) & (reach <= out["est_reach_p90"])
    out["measured"] = known.astype("float64")
    out["in_range"] = inside.astype("float64").where(known)
    # Realised value: the estimate's value per person reached, times the people reached.
    per_person = out["est_value_p50_minor"] / out["est_reach_p50"].where(out["est_reach_p50"] > 0)
    out["realised_value_minor"] = np.floor(per_person * reach + 0.5)
    out["reach_vs_estimate"] = reach / out["est_reach_p50"].where(out["est_reach_p50"] > 0)
    out["engagement_rate_bp"] = _divide_minor(out["engagements"] * 10_000, reach)
    return out.reset_index(drop=True)


def rollups(
    per_placement: pd.DataFrame,
    levels: Sequence[Sequence[str]],
    *,
    clicks: pd.DataFrame | None = None,
) -> list[pd.DataFrame]:
    """:func:`rollup` at several levels, reading the clicks once for all of them."""
    counted = None
    if clicks is not None and not counted_in_database(clicks):
        pos, visitors, _flagged = _counted(clicks, pd.Index(per_placement["placement_id"]))
        counted = (pos, visitors)
    return [rollup(per_placement, by, clicks=clicks, counted=counted) for by in levels]


def rollup(
    per_placement: pd.DataFrame,
    by: Sequence[str],
    *,
    clicks: pd.DataFrame | None = None,
    counted: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Results summed per group (``by`` empty: the whole campaign as one row).

    Counts and money add up; ratios are recomputed from the sums; from click rows, unique
    clicks are counted again over the group's clicks (a visitor who clicked two placements is
    one person), from clicks counted per placement they add up;
    ``coverage`` is the share of measured placements whose realised reach was inside P10–P90.
    ``counted`` is what :func:`rollups` passes: the clicks already read against this table.
    """
    keys = list(by)
    frame = per_placement.assign(_all=0)
    group_keys = keys or ["_all"]
    sums = frame.groupby(group_keys, sort=True)[list(ADDITIVE)].sum(min_count=1)
    sums["placements"] = frame.groupby(group_keys, sort=True).size()
    if clicks is not None and counted_in_database(clicks):
        # Counted per placement: the placements' distinct visitors add up.
        sums["unique_clicks"] = frame.groupby(group_keys, sort=True)["unique_clicks"].sum()
    elif clicks is not None:
        # Each placement's group, then each counted click's group: one pass over the clicks.
        group_of = frame.groupby(group_keys, sort=True).ngroup().to_numpy()
        if counted is None:
            pos, visitors, _flagged = _counted(clicks, pd.Index(frame["placement_id"]))
        else:
            pos, visitors = counted
        unique = _unique_per(group_of[pos], visitors, len(sums))
        sums["unique_clicks"] = unique.astype("float64")
    else:
        sums["unique_clicks"] = np.nan
    sums["cost_per_click_minor"] = _divide_minor(sums["cost_minor"], sums["clicks"])
    sums["cost_per_result_minor"] = _divide_minor(sums["cost_minor"], sums["conversions"])
    sums["cost_per_thousand_reached_minor"] = _divide_minor(
        sums["cost_minor"] * 1000, sums["reach"]
    )
    sums["engagement_rate_bp"] = _divide_minor(sums["engagements"] * 10_000, sums["reach"])
    sums["coverage"] = sums["in_range"] / sums["measured"].where(sums["measured"] > 0)
    sums["reach_vs_estimate"] = sums["reach"] / sums["est_reach_p50"].where(
        sums["est_reach_p50"] > 0
    )
    sums["self_reported"] = frame.groupby(group_keys, sort=True)["self_reported"].any()
    if "clicks_suspect" in frame.columns:
        sums["clicks_suspect"] = frame.groupby(group_keys, sort=True)["clicks_suspect"].any()
    result = sums.reset_index()
    return result.drop(columns=["_all"]) if not keys else result


@dataclass(frozen=True)
class KpiResult:
    """One KPI of the brief against what the campaign achieved."""

    kind: KpiKind
    target: int
    #: The achieved figure (basis points for rate KPIs); None when nothing measures it yet.
    actual: float | None
    #: actual / target; None when unknown.
    share: float | None

    @property
    def met(self) -> bool | None:
        return None if self.share is None else self.share >= 1.0

    @property
    def is_rate(self) -> bool:
        return self.kind in RATE_KPIS


def kpi_results(totals: Mapping[str, object], kpis: Mapping[str, int]) -> list[KpiResult]:
    """Each KPI of the brief (``{kind: target}``) against the campaign's totals row."""
    results = []
    for kind_name, target in kpis.items():
        kind = KpiKind(kind_name)
        measure = KPI_MEASURES[kind]
        raw = totals.get(measure) if measure is not None else None
        actual = float(raw) if isinstance(raw, numbers.Real) and not math.isnan(raw) else None
        share = actual / target if actual is not None and target > 0 else None
        results.append(KpiResult(kind, int(target), actual, share))
    return results


def calibration_rows(per_placement: pd.DataFrame) -> pd.DataFrame:
    """What calibration learns from: one post's realised reach per measured placement.

    A line of several posts teaches the reach of one (its reach over the posts delivered, else
    planned); lines without a positive reach teach nothing.
    """
    posts = per_placement["delivered"].where(per_placement["delivered"] > 0)
    posts = posts.fillna(per_placement["planned"])
    reach = per_placement["reach"] / posts
    keep = reach.notna() & (reach > 0)
    return pd.DataFrame(
        {
            "placement_id": per_placement.loc[keep, "placement_id"].to_numpy(),
            "asset_id": per_placement.loc[keep, "asset_id"].to_numpy(),
            "realised_reach": reach[keep].to_numpy(),
        }
    )


def without_staff_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table without the margin and payout columns (what brands and owners see)."""
    return frame.drop(columns=[c for c in STAFF_ONLY if c in frame.columns])
