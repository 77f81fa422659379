"""Health figures from daily totals (Facebook insights), where no per-message data exists."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.health.events import AdminSource, ParsedExport
from pricing.health.figures import Figures
from pricing.health.measures import DAY_NS, as_now, growth_and_churn, join_bursts
from pricing.health.report import HealthReport, PeriodReport
from pricing.health.score import Profile, interaction_mode, score_figures


def analyse_daily(
    parsed: ParsedExport,
    *,
    now: pd.Timestamp | None,
    members: int | None,
    days_list: tuple[int, ...],
) -> HealthReport:
    """Figures from daily totals (Facebook insights), where no per-message data exists."""
    assert parsed.daily is not None
    daily = parsed.daily
    dates = daily["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    end_default = pd.Timestamp(int(dates.max()), tz="UTC")
    end = as_now(now, end_default)
    reported = daily["members"].dropna()
    members_source = "given"
    if members is None and len(reported):
        members, members_source = int(reported.iloc[-1]), "export"
    elif members is None:
        members_source = "unknown"
    reports = []
    for days in days_list:
        start = int(end.value) - days * DAY_NS
        rows = daily[(dates > start) & (dates <= int(end.value))]
        covered = float(max(len(rows), 1))

        def total(column: str, rows: pd.DataFrame = rows) -> int | None:
            values = rows[column].dropna()
            return int(values.sum()) if len(values) else None

        posts, comments, reactions = total("posts"), total("comments"), total("reactions")
        joins, leaves = total("joins"), total("leaves")
        active_values = rows["active_members"].dropna()
        active = int(active_values.max()) if len(active_values) else None
        messages = (posts or 0) + (comments or 0)
        if joins is not None or leaves is not None:
            growth, churn = growth_and_churn(members, joins or 0, leaves or 0)
        else:
            level = rows["members"].dropna()
            growth = (
                float(level.iloc[-1] / level.iloc[0] - 1)
                if len(level) > 1 and level.iloc[0]
                else None
            )
            churn = None
        join_ts = _daily_join_stamps(rows)
        figures = Figures(
            days=days,
            start=pd.Timestamp(start, tz="UTC"),
            end=end,
            covered_days=covered,
            messages=messages,
            messages_per_day=messages / covered,
            deleted=0,
            reactions=reactions,
            members=members,
            active_members=active,
            active_share=None if active is None or not members else min(1.0, active / members),
            posting_members=None,
            posting_non_admins=None,
            member_content_share=None,
            top1_share=None,
            top10_share=None,
            gini=None,
            replies=None,
            member_to_member_replies=None,
            member_to_admin_replies=None,
            admin_to_member_replies=None,
            member_to_member_share=None,
            threads=None,
            mean_thread_depth=None,
            max_thread_depth=None,
            openers=None,
            answered_share=None,
            median_response_minutes=None,
            retention=None,
            joins=joins,
            leaves=leaves,
            growth_rate=growth,
            churn_rate=churn,
            views_per_post=None,
            read_rate=None,
            reactions_per_view=None,
            comments=comments,
            comments_per_post=None if not posts or comments is None else comments / posts,
            reactions_per_post=None if not posts or reactions is None else reactions / posts,
            anomalies=tuple(join_bursts(join_ts, start, days)),
        )
        score = score_figures(figures, Profile.AGGREGATE)
        mode, reason = interaction_mode(figures, Profile.AGGREGATE)
        reports.append(PeriodReport(figures, score, mode, reason))
    return HealthReport(
        source=parsed.source,
        platform=parsed.platform,
        profile=Profile.AGGREGATE,
        now=end,
        members=members,
        members_source=members_source,
        admin_source=AdminSource.NONE.value,
        replies_inferred=False,
        periods=tuple(reports),
        notes=tuple(parsed.notes),
    )


def _daily_join_stamps(rows: pd.DataFrame) -> npt.NDArray[np.int64]:
    """One timestamp (midday) per join, so daily joins feed the same burst test as chats."""
    joins = rows["joins"].fillna(0).to_numpy(dtype=np.int64)
    midday = rows["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64) + DAY_NS // 2
    return np.repeat(midday, np.clip(joins, 0, None))
