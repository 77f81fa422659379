"""Community health figures from an events table, per period (last 30 and 90 days).

Everything works on numpy arrays of the whole export at once: authors become integer codes,
timestamps int64 nanoseconds, and replies an array of parent positions. `docs/health.md`
defines every figure; the constants below (and those of `pricing.health.measures`) are the
thresholds it quotes. Daily totals (Facebook insights) are measured by `pricing.health.daily`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.health.daily import analyse_daily
from pricing.health.events import ACTIVE_KINDS, CONTENT_KINDS, EventKind, ExportFormat, ParsedExport
from pricing.health.figures import Anomaly, Figures
from pricing.health.measures import DAY_NS, as_now, growth_and_churn, join_bursts
from pricing.health.report import HealthReport, PeriodReport
from pricing.health.score import Profile, interaction_mode, score_figures

#: The periods every report covers, in days; the first one is the headline.
PERIODS = (30, 90)
#: WhatsApp exports do not record replies: a message by someone else within this long after a
#: message is read as a reply to it.
REPLY_WINDOW = pd.Timedelta(minutes=10)
#: A message after this much silence opens a conversation (for response times).
OPENER_GAP = pd.Timedelta(minutes=60)
#: An opener answered later than this counts as unanswered.
ANSWER_WITHIN = pd.Timedelta(hours=24)
#: One author writing this share of a period's messages (at least DOMINANT_MIN_MESSAGES) dominates.
DOMINANT_SHARE = 0.5
DOMINANT_MIN_MESSAGES = 20
#: An author with this many messages whose gaps vary less than BOT_MAX_CV looks like a bot.
BOT_MIN_MESSAGES = 20
BOT_MAX_CV = 0.1

_KIND_CODE = {kind: code for code, kind in enumerate(EventKind)}


def analyse(
    parsed: ParsedExport,
    *,
    now: pd.Timestamp | None = None,
    members: int | None = None,
    periods: Iterable[int] = PERIODS,
) -> HealthReport:
    """Measure a parsed export over each period ending at `now` (default: its last event).

    `members` is the community's current size when the caller knows it (the catalog does); a
    chat export only shows the people who appear in it, which is a lower bound.
    """
    days_list = tuple(periods)
    if not days_list or any(d <= 0 for d in days_list):
        raise ValueError("periods must be positive numbers of days")
    if members is not None and members < 0:
        raise ValueError("members must not be negative")
    if parsed.daily is not None:
        return analyse_daily(parsed, now=now, members=members, days_list=days_list)
    if not len(parsed.events):
        raise ValueError("the export has no events to analyse")
    chat = _Chat(parsed, members)
    end = as_now(now, chat.last)
    reports = []
    for days in days_list:
        figures = chat.figures(end, days)
        score = score_figures(figures, chat.profile)
        mode, reason = interaction_mode(figures, chat.profile)
        reports.append(PeriodReport(figures, score, mode, reason))
    return HealthReport(
        source=parsed.source,
        platform=parsed.platform,
        profile=chat.profile,
        now=end,
        members=chat.members,
        members_source=chat.members_source,
        admin_source=chat.admin_source,
        replies_inferred=chat.replies_inferred,
        periods=tuple(reports),
        notes=tuple(parsed.notes) + tuple(chat.notes),
    )


def _latest_earlier(
    msg_ids: npt.NDArray[np.int64], targets: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Position of the latest earlier message with each target id (-1 if none).

    Ids repeat when a supergroup's export carries the basic group it was migrated from (the
    two number their messages separately); a reply means the nearest earlier one.
    """
    last: dict[int, int] = {}
    out = np.full(len(msg_ids), -1, dtype=np.int64)
    for i, (own, target) in enumerate(zip(msg_ids.tolist(), targets.tolist(), strict=True)):
        out[i] = last.get(target, -1)
        last[own] = i
    return out


class _Chat:
    """An events table turned into arrays, with everything that does not depend on the period."""

    def __init__(self, parsed: ParsedExport, members: int | None) -> None:
        events = parsed.events.sort_values("ts", kind="stable")
        self.profile = Profile.CHANNEL if parsed.is_channel else Profile.GROUP
        self.notes: list[str] = []
        self.ts = events["ts"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        self.kind = events["kind"].cat.codes.to_numpy().astype(np.int8)
        codes, uniques = pd.factorize(events["author"])
        self.author = codes.astype(np.int64)
        self.last = pd.Timestamp(int(self.ts.max()), tz="UTC")
        self.first = int(self.ts.min())
        self.whatsapp = parsed.source in (ExportFormat.WHATSAPP_ANDROID, ExportFormat.WHATSAPP_IOS)

        content_codes = [_KIND_CODE[k] for k in CONTENT_KINDS]
        active_codes = [_KIND_CODE[k] for k in ACTIVE_KINDS]
        self.is_content = np.isin(self.kind, content_codes) & (self.author >= 0)
        self.is_active = np.isin(self.kind, active_codes) & (self.author >= 0)
        self.is_deleted = self.kind == _KIND_CODE[EventKind.DELETED]
        self.is_join = self.kind == _KIND_CODE[EventKind.JOIN]
        self.is_leave = self.kind == _KIND_CODE[EventKind.LEAVE]
        self.joins_known = parsed.joins_known
        self.reactions_col = events["reactions"].to_numpy(dtype=np.int64)
        self.views_col = events["views"].to_numpy(dtype="float64", na_value=np.nan)

        admins = set(parsed.admins)
        self.admin_source = parsed.admin_source.value
        if not admins and self.profile is Profile.GROUP and self.is_content.any():
            top = int(np.bincount(self.author[self.is_content]).argmax())
            admins = {str(uniques[top])}
            self.admin_source = "presumed_top_author"
            self.notes.append("No admin was named; the most active author is presumed the admin.")
        self.admin = np.append(np.isin(np.asarray(uniques, dtype=object), list(admins)), False)

        self.members, self.members_source = self._members(members, uniques)
        self._content_arrays(events)

    def _members(self, given: int | None, uniques: Any) -> tuple[int | None, str]:
        if given is not None:
            return given, "given"
        if self.profile is Profile.CHANNEL:
            self.notes.append("Member count unknown: read rate and active share not computed.")
            return None, "unknown"
        # Everyone seen, minus those whose last appearance is leaving.
        people = self.author >= 0
        last_kind = pd.Series(self.kind[people]).groupby(self.author[people]).last()
        gone = int((last_kind == _KIND_CODE[EventKind.LEAVE]).sum())
        self.notes.append(
            "Member count estimated from the people seen in the export (a lower bound); "
            "pass the real count for a fair active share."
        )
        return max(len(uniques) - gone, 0), "estimated"

    def _content_arrays(self, events: pd.DataFrame) -> None:
        """Replies, threads and response times over the messages (period-independent)."""
        idx = np.flatnonzero(self.is_content)
        self.c_idx = idx
        ts, author = self.ts[idx], self.author[idx]
        n = len(idx)
        self.c_ts, self.c_author = ts, author
        reply_to = events["reply_to"].to_numpy(dtype="float64", na_value=np.nan)[idx]
        self.replies_inferred = False
        if self.profile is Profile.CHANNEL:
            parent = np.full(n, -1, dtype=np.int64)
            self.is_reply = np.zeros(n, dtype=bool)
        elif self.whatsapp and np.isnan(reply_to).all():
            self.replies_inferred = True
            parent = np.full(n, -1, dtype=np.int64)
            if n > 1:
                turn = (author[1:] != author[:-1]) & (np.diff(ts) <= REPLY_WINDOW.value)
                parent[1:][turn] = np.flatnonzero(turn)
            self.is_reply = parent >= 0
        else:
            msg_ids = events["msg_id"].to_numpy(dtype=np.int64)[idx]
            known = ~np.isnan(reply_to)
            targets = np.where(known, reply_to, -1).astype(np.int64)
            index = pd.Index(msg_ids)
            if index.is_unique:
                positions = index.get_indexer(targets)
            else:
                positions = _latest_earlier(msg_ids, targets)
            # Only an earlier message can be replied to; this also rules out cycles.
            positions[(positions < 0) | (positions >= np.arange(n))] = -1
            parent = positions.astype(np.int64)
            self.is_reply = known
        self.parent = parent
        self.root, self.depth = _roots_and_depths(parent)
        has_child = np.zeros(n, dtype=bool)
        has_child[parent[parent >= 0]] = True
        self.thread_root = has_child & (parent < 0)
        thread_depth = np.zeros(n, dtype=np.int64)
        np.maximum.at(thread_depth, self.root, self.depth)
        self.thread_depth = thread_depth

        # Runs of consecutive messages by one author; the next run answers this one.
        if n:
            new_run = np.ones(n, dtype=bool)
            new_run[1:] = author[1:] != author[:-1]
            run = np.cumsum(new_run) - 1
            run_starts = np.flatnonzero(new_run)
            next_start_ts = np.append(ts[run_starts][1:], np.iinfo(np.int64).max)
            self.response_ns = np.where(
                next_start_ts[run] == np.iinfo(np.int64).max, -1, next_start_ts[run] - ts
            )
            gap = np.empty(n, dtype=np.int64)
            gap[0] = np.iinfo(np.int64).max
            gap[1:] = np.diff(ts)
            self.opener = gap >= OPENER_GAP.value
        else:
            self.response_ns = np.zeros(0, dtype=np.int64)
            self.opener = np.zeros(0, dtype=bool)

    def figures(self, now: pd.Timestamp, days: int) -> Figures:
        """Measure the period of `days` days ending at `now`."""
        end = int(now.value)
        start = end - days * DAY_NS
        window = (self.ts > start) & (self.ts <= end)
        c_win = (self.c_ts > start) & (self.c_ts <= end)
        covered = float(max(min(days, (end - self.first) / DAY_NS), 1.0))
        messages = int(c_win.sum())
        group = self.profile is Profile.GROUP
        authors = self.c_author[c_win]
        counts = (
            np.bincount(authors, minlength=len(self.admin) - 1)
            if messages
            else np.zeros(0, np.int64)
        )
        posting = np.flatnonzero(counts)
        non_admin_posting = int((~self.admin[posting]).sum()) if len(posting) else 0
        active = np.unique(self.author[window & self.is_active])
        active_n = int(len(active))
        members = self.members
        joins: int | None = int((window & self.is_join).sum()) if self.joins_known else None
        leaves: int | None = int((window & self.is_leave).sum()) if self.joins_known else None
        growth, churn = (
            growth_and_churn(members, joins or 0, leaves or 0) if self.joins_known else (None, None)
        )
        reactions = (
            None if self.whatsapp else int(self.reactions_col[window & self.is_content].sum())
        )
        views_per_post, read_rate, per_view = self._views(window, members)
        replies = self._replies(c_win) if group else None
        threads = self._threads(c_win) if group else None
        answers = self._answers(c_win) if group else None
        top1, top10, gini = _concentration(counts[posting]) if group and messages else (None,) * 3
        return Figures(
            days=days,
            start=pd.Timestamp(start, tz="UTC"),
            end=now,
            covered_days=covered,
            messages=messages,
            messages_per_day=messages / covered,
            deleted=int((window & self.is_deleted).sum()),
            reactions=reactions,
            members=members,
            active_members=active_n,
            active_share=None if not members else min(1.0, active_n / members),
            posting_members=int(len(posting)) if group else None,
            posting_non_admins=non_admin_posting if group else None,
            member_content_share=(
                float(counts[~self.admin[: len(counts)]].sum() / messages)
                if group and messages
                else None
            ),
            top1_share=top1,
            top10_share=top10,
            gini=gini,
            replies=None if replies is None else replies[0],
            member_to_member_replies=None if replies is None else replies[1],
            member_to_admin_replies=None if replies is None else replies[2],
            admin_to_member_replies=None if replies is None else replies[3],
            member_to_member_share=None if replies is None else replies[4],
            threads=None if threads is None else threads[0],
            mean_thread_depth=None if threads is None else threads[1],
            max_thread_depth=None if threads is None else threads[2],
            openers=None if answers is None else answers[0],
            answered_share=None if answers is None else answers[1],
            median_response_minutes=None if answers is None else answers[2],
            retention=self._retention(start, days) if group else None,
            joins=joins,
            leaves=leaves,
            growth_rate=growth,
            churn_rate=churn,
            views_per_post=views_per_post,
            read_rate=read_rate,
            reactions_per_view=per_view,
            comments=None,
            comments_per_post=None,
            reactions_per_post=None if reactions is None or not messages else reactions / messages,
            anomalies=self._anomalies(window, c_win, counts, start, end, days),
        )

    def _replies(self, c_win: npt.NDArray[np.bool_]) -> tuple[int, int, int, int, float | None]:
        """Replies in the period, split by who answers whom."""
        replying = np.flatnonzero(c_win & self.is_reply)
        known = replying[self.parent[replying] >= 0]
        who = self.c_author[known]
        whom = self.c_author[self.parent[known]]
        other = who != whom
        who_admin, whom_admin = self.admin[who], self.admin[whom]
        m2m = int((other & ~who_admin & ~whom_admin).sum())
        m2a = int((other & ~who_admin & whom_admin).sum())
        a2m = int((other & who_admin & ~whom_admin).sum())
        between = int(other.sum())
        return len(replying), m2m, m2a, a2m, (m2m / between if between else None)

    def _threads(self, c_win: npt.NDArray[np.bool_]) -> tuple[int, float | None, int]:
        """Threads started in the period: how many, and how deep they go."""
        roots = np.flatnonzero(c_win & self.thread_root)
        if not len(roots):
            return 0, None, 0
        depths = self.thread_depth[roots]
        return len(roots), float(depths.mean()), int(depths.max())

    def _answers(self, c_win: npt.NDArray[np.bool_]) -> tuple[int, float | None, float | None]:
        """Conversation openers in the period, the share answered, and the median wait."""
        openers = np.flatnonzero(c_win & self.opener)
        if not len(openers):
            return 0, None, None
        wait = self.response_ns[openers]
        answered = (wait >= 0) & (wait <= ANSWER_WITHIN.value)
        median = float(np.median(wait[answered])) / 60e9 if answered.any() else None
        return len(openers), float(answered.mean()), median

    def _retention(self, start: int, days: int) -> float | None:
        """Share of the previous period's active members who are active again in this one."""
        previous_start = start - days * DAY_NS
        if self.first > previous_start + DAY_NS:
            return None  # the export does not reach back over the whole previous period
        now_active = np.unique(
            self.author[self.is_active & (self.ts > start) & (self.ts <= start + days * DAY_NS)]
        )
        before = np.unique(
            self.author[self.is_active & (self.ts > previous_start) & (self.ts <= start)]
        )
        if not len(before):
            return None
        return float(np.isin(before, now_active).mean())

    def _views(
        self, window: npt.NDArray[np.bool_], members: int | None
    ) -> tuple[float | None, float | None, float | None]:
        """Views per post, read rate and reactions per view of a channel's posts."""
        if self.profile is not Profile.CHANNEL:
            return None, None, None
        posts = (
            window & (self.kind == _KIND_CODE[EventKind.CHANNEL_POST]) & ~np.isnan(self.views_col)
        )
        if not posts.any():
            return None, None, None
        views = self.views_col[posts]
        per_post = float(views.mean())
        total = float(views.sum())
        per_view = float(self.reactions_col[posts].sum() / total) if total else None
        return per_post, (per_post / members if members else None), per_view

    def _anomalies(
        self,
        window: npt.NDArray[np.bool_],
        c_win: npt.NDArray[np.bool_],
        counts: npt.NDArray[np.int64],
        start: int,
        end: int,
        days: int,
    ) -> tuple[Anomaly, ...]:
        found = list(join_bursts(self.ts[window & self.is_join], start, days))
        if self.profile is not Profile.GROUP or not counts.sum():
            return tuple(found)
        total = int(counts.sum())
        top = int(counts.argmax())
        if total >= DOMINANT_MIN_MESSAGES and counts[top] / total >= DOMINANT_SHARE:
            admin = bool(self.admin[top])
            found.append(
                Anomaly(
                    "dominant_author",
                    float(counts[top] / total),
                    f"one {'admin' if admin else 'member'} wrote {counts[top]} of {total} messages",
                    is_admin=admin,
                )
            )
        found.extend(_bot_like(self.c_author[c_win], self.c_ts[c_win], self.admin))
        return tuple(found)


def _roots_and_depths(
    parent: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each message's thread root and its depth (replies down from the root), by pointer jumping."""
    n = len(parent)
    depth = (parent >= 0).astype(np.int64)
    ancestor = parent.copy()
    root = np.where(parent >= 0, parent, np.arange(n))
    for _ in range(64):  # 2**64 levels: far beyond any chat
        jumping = np.flatnonzero(ancestor >= 0)
        if not len(jumping):
            break
        hop = ancestor[jumping]
        depth[jumping] = depth[jumping] + depth[hop]
        ancestor[jumping] = ancestor[hop]
        root = root[root]
    return root, depth


def _concentration(counts: npt.NDArray[np.int64]) -> tuple[float, float, float]:
    """Share of messages by the top 1% and top 10% of authors (at least one), and the Gini."""
    ordered = np.sort(counts)[::-1].astype(np.float64)
    total = ordered.sum()
    k = len(ordered)
    top1 = ordered[: max(1, math.ceil(0.01 * k))].sum() / total
    top10 = ordered[: max(1, math.ceil(0.10 * k))].sum() / total
    ascending = ordered[::-1]
    ranks = np.arange(1, k + 1, dtype=np.float64)
    gini = float(2 * (ranks * ascending).sum() / (k * total) - (k + 1) / k)
    return float(top1), float(top10), max(0.0, gini)


def _bot_like(
    authors: npt.NDArray[np.int64], ts: npt.NDArray[np.int64], admin: npt.NDArray[np.bool_]
) -> list[Anomaly]:
    """Authors who post like a clock: many messages, near-constant gaps between them."""
    if not len(authors):
        return []
    order = np.lexsort((ts, authors))
    a, t = authors[order], ts[order].astype(np.float64) / 1e9
    same = a[1:] == a[:-1]
    gaps, owner = np.diff(t)[same], a[1:][same]
    size = int(a.max()) + 1
    n = np.bincount(owner, minlength=size).astype(np.float64)
    total = np.bincount(owner, weights=gaps, minlength=size)
    squares = np.bincount(owner, weights=gaps * gaps, minlength=size)
    found = []
    for author in np.flatnonzero(n >= BOT_MIN_MESSAGES - 1):
        mean = total[author] / n[author]
        spread = math.sqrt(max(squares[author] / n[author] - mean * mean, 0.0))
        cv = spread / mean if mean > 0 else 0.0
        if cv < BOT_MAX_CV:
            found.append(
                Anomaly(
                    "bot_like",
                    cv,
                    f"an author posted {int(n[author]) + 1} messages at near-constant intervals "
                    f"(about every {mean / 60:.0f} minutes)",
                    is_admin=bool(admin[author]),
                )
            )
    return found
