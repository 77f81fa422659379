"""Each health figure on a tiny hand-built export whose right answer is worked out in the test."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pricing.health import analyse
from pricing.health.score import Profile
from pricing.taxonomy import InteractionMode, MetricKind
from tests.unit.health.helpers import corpus, parse, telegram, tg_message, utc, wa


def _spaced(start: str, authors: list[str], minutes: int = 30) -> list[tuple[str, str, str]]:
    """One message per author, `minutes` apart (far enough apart not to read as replies)."""
    first = dt.datetime.fromisoformat(start)
    return [
        ((first + dt.timedelta(minutes=minutes * k)).isoformat(sep=" "), who, "msg")
        for k, who in enumerate(authors)
    ]


SIX = [
    ("2024-03-02 10:00", "Dana", "x"),
    ("2024-03-02 11:00", "Avi", "x"),
    ("2024-03-03 09:00", "Dana", "x"),
    ("2024-03-03 12:00", "Noa", "x"),
    ("2024-03-04 08:00", "Dana", "x"),
    ("2024-03-04 10:00", "Avi", "x"),
]


def test_messages_per_day_divide_by_the_days_the_export_covers() -> None:
    # Six messages from 2 March 10:00 to 4 March 10:00: the export covers 2 of the 30 days.
    figures = analyse(parse(wa(*SIX))).period(30).figures
    assert (figures.messages, figures.covered_days, figures.messages_per_day) == (6, 2.0, 3.0)


def test_a_period_longer_than_the_export_is_measured_over_the_part_covered() -> None:
    # Ending 31 March 12:00, the period starts 1 March 12:00 but the export on 2 March 10:00.
    figures = analyse(parse(wa(*SIX)), now=utc("2024-03-31 12:00")).period(30).figures
    covered = (utc("2024-03-31 12:00") - utc("2024-03-02 10:00")) / pd.Timedelta(days=1)
    assert figures.covered_days == pytest.approx(covered)  # 29 days and 2 hours
    assert figures.messages_per_day == pytest.approx(6 / covered)
    # With an older message (outside the period), the whole 30 days count.
    older = wa(("2024-02-01 10:00", "Dana", "x"), *SIX)
    figures = analyse(parse(older), now=utc("2024-03-31 12:00")).period(30).figures
    assert (figures.messages, figures.covered_days) == (6, 30.0)
    assert figures.messages_per_day == pytest.approx(0.2)


def test_deleted_messages_are_counted_apart_but_make_their_author_active() -> None:
    data = wa(
        ("2024-03-01 10:00", "Dana", "hello"),
        ("2024-03-01 11:00", "Avi", "This message was deleted"),
        group=True,
    )
    figures = analyse(parse(data), members=4).period(30).figures
    assert (figures.messages, figures.deleted) == (1, 1)
    assert figures.active_members == 2
    assert figures.active_share == 0.5


def test_active_members_include_those_who_only_reacted() -> None:
    reactors = [{"from": "Carol", "from_id": "user_carol", "date": "2024-03-01T10:05:00"}]
    data = telegram(
        [
            tg_message(1, "2024-03-01 10:00", "alice"),
            tg_message(
                2,
                "2024-03-01 11:00",
                "bob",
                reactions=[{"type": "emoji", "emoji": "👍", "count": 1, "recent": reactors}],
            ),
            tg_message(3, "2024-03-01 12:00", "alice"),
        ]
    )
    figures = analyse(parse(data, "result.json"), members=10).period(30).figures
    # alice and bob posted, Carol reacted: 3 of 10 members.
    assert figures.active_members == 3
    assert figures.active_share == 0.3
    assert figures.reactions == 1
    assert figures.messages == 3


def test_member_content_share_counts_messages_by_everyone_but_the_admins() -> None:
    data = wa(*_spaced("2024-03-01 08:00", ["Dana", "Avi", "Dana", "Noa", "Noa", "Dana"]))
    figures = analyse(parse(data, admin_names=["Dana"])).period(30).figures
    # Dana 3, Avi 1, Noa 2: members wrote 3 of 6.
    assert figures.member_content_share == 0.5
    assert (figures.posting_members, figures.posting_non_admins) == (3, 2)


def test_concentration_of_five_authors() -> None:
    # Messages per author: A 10, B 5, C 3, D 1, E 1 (20 in all).
    authors = ["A"] * 10 + ["B"] * 5 + ["C"] * 3 + ["D", "E"]
    figures = analyse(parse(wa(*_spaced("2024-03-01 00:00", authors)))).period(30).figures
    # Top 1% and top 10% of 5 authors are both 1 author (at least one): 10/20.
    assert figures.top1_share == 0.5
    assert figures.top10_share == 0.5
    # Gini over [1, 1, 3, 5, 10]: 2·(1·1+2·1+3·3+4·5+5·10)/(5·20) − 6/5 = 1.64 − 1.2 = 0.44.
    assert figures.gini == pytest.approx(0.44)


def test_concentration_of_twenty_authors_with_one_loud_voice() -> None:
    authors = ["Loud"] * 20 + [f"Quiet {k}" for k in range(19)]
    figures = analyse(parse(wa(*_spaced("2024-03-01 00:00", authors)))).period(30).figures
    # Top 1% of 20 = 1 author (20/39); top 10% = 2 authors (21/39).
    assert figures.top1_share == pytest.approx(20 / 39)
    assert figures.top10_share == pytest.approx(21 / 39)
    # Gini over 19 ones and a 20: 2·(190 + 20·20)/(20·39) − 21/20 = 1180/780 − 1.05.
    assert figures.gini == pytest.approx(1180 / 780 - 1.05)


def _conversation() -> bytes:
    return wa(
        ("2024-03-01 10:00", "Dana", "who runs tomorrow?"),
        ("2024-03-01 10:03", "Avi", "me"),  # answers Dana (member → admin)
        ("2024-03-01 10:05", "Noa", "me too"),  # answers Avi (member → member)
        ("2024-03-01 10:06", "Noa", "6am?"),  # same author: a continuation, not a reply
        ("2024-03-01 10:30", "Avi", "yes"),  # 24 minutes later: not a reply
        ("2024-03-01 10:35", "Dana", "great"),  # answers Avi (admin → member)
        ("2024-03-01 10:36", "Avi", "see you"),  # answers Dana (member → admin)
    )


def test_whatsapp_replies_are_inferred_from_turn_taking_and_split_by_who_answers_whom() -> None:
    report = analyse(parse(_conversation(), admin_names=["Dana"]))
    figures = report.period(30).figures
    assert report.replies_inferred is True
    assert figures.replies == 4
    assert (
        figures.member_to_member_replies,
        figures.member_to_admin_replies,
        figures.admin_to_member_replies,
    ) == (1, 2, 1)
    assert figures.member_to_member_share == 0.25


def test_conversation_threads_and_their_depth() -> None:
    figures = analyse(parse(_conversation(), admin_names=["Dana"])).period(30).figures
    # Dana 10:00 ← Avi 10:03 ← Noa 10:05 (depth 2); Avi 10:30 ← Dana 10:35 ← Avi 10:36 (depth 2).
    assert figures.threads == 2
    assert figures.mean_thread_depth == 2.0
    assert figures.max_thread_depth == 2


def test_explicit_telegram_replies_build_threads_and_pairs() -> None:
    data = telegram(
        [
            tg_message(1, "2024-03-01 10:00", "admin"),
            tg_message(2, "2024-03-01 10:30", "bob", reply_to_message_id=1),
            tg_message(3, "2024-03-01 11:00", "carol", reply_to_message_id=2),
            tg_message(4, "2024-03-01 12:00", "dave", reply_to_message_id=3),
            tg_message(5, "2024-03-01 13:00", "carol", reply_to_message_id=1),
            tg_message(6, "2024-03-01 14:00", "bob"),
        ]
    )
    report = analyse(parse(data, "result.json", admin_names=["admin"]))
    figures = report.period(30).figures
    assert report.replies_inferred is False
    # bob→admin, carol→bob, dave→carol, carol→admin.
    assert figures.replies == 4
    assert (figures.member_to_member_replies, figures.member_to_admin_replies) == (2, 2)
    assert figures.member_to_member_share == 0.5
    # One thread from message 1: 2 (depth 1), 3 (2), 4 (3), 5 (1).
    assert (figures.threads, figures.max_thread_depth) == (1, 3)


def test_response_time_of_conversation_openers() -> None:
    data = wa(
        ("2024-03-01 08:00", "Dana", "q1"),  # opener, answered by Avi after 20 min
        ("2024-03-01 08:20", "Avi", "a1"),
        ("2024-03-01 09:05", "Dana", "a2"),  # 45 minutes of silence is not enough to open
        ("2024-03-01 11:00", "Noa", "q2"),  # opener (115 min of silence), answered after 120
        ("2024-03-01 11:05", "Noa", "q2 again"),
        ("2024-03-01 13:00", "Dana", "q3"),  # opener (115 min), next voice 25 h later: unanswered
        ("2024-03-02 14:00", "Avi", "q4"),  # opener, never answered
    )
    figures = analyse(parse(data)).period(30).figures
    assert figures.openers == 4
    assert figures.answered_share == 0.5
    assert figures.median_response_minutes == 70.0  # median of 20 and 120


def test_retention_of_active_members_from_one_period_to_the_next() -> None:
    data = wa(
        ("2024-01-31 13:00", "A", "x"),  # previous 30 days: A, B, C, D active
        ("2024-02-10 10:00", "B", "x"),
        ("2024-02-15 10:00", "C", "x"),
        ("2024-02-20 10:00", "D", "x"),
        ("2024-03-05 10:00", "A", "x"),  # this 30 days: A, B, E
        ("2024-03-10 10:00", "B", "x"),
        ("2024-03-31 12:00", "E", "x"),
    )
    report = analyse(parse(data), now=utc("2024-03-31 12:00"))
    assert report.period(30).figures.retention == 0.5  # A and B of A, B, C, D
    # The export does not reach back 180 days, so the 90-day retention is unknown.
    assert report.period(90).figures.retention is None


def test_retention_is_unknown_when_the_export_starts_inside_the_previous_period() -> None:
    data = wa(
        ("2024-02-20 10:00", "A", "x"),  # the previous period began on 31 January
        ("2024-03-05 10:00", "A", "x"),
        group=True,
    )
    report = analyse(parse(data), now=utc("2024-03-31 12:00"))
    assert report.period(30).figures.retention is None


def test_growth_and_churn_come_from_join_and_leave_lines() -> None:
    data = wa(
        ("2024-03-01 10:00", "Dana", "welcome"),
        ("2024-03-02 10:00", None, "Ron joined using this group's invite link"),
        ("2024-03-03 10:00", None, "Tal joined using this group's invite link"),
        ("2024-03-04 10:00", None, "Gil joined using this group's invite link"),
        ("2024-03-05 10:00", None, "Dana added Paz and Lior"),
        ("2024-03-06 10:00", None, "Omer left"),
        ("2024-03-07 10:00", None, "Dana removed Shir"),
        ("2024-03-08 10:00", "Dana", "bye"),
    )
    figures = analyse(parse(data), members=100).period(30).figures
    # 5 joins and 2 leaves: the group had 100 − 5 + 2 = 97 members at the start.
    assert (figures.joins, figures.leaves) == (5, 2)
    assert figures.growth_rate == pytest.approx(3 / 97)
    assert figures.churn_rate == pytest.approx(2 / 97)


def test_without_a_member_count_the_people_seen_minus_leavers_are_a_lower_bound() -> None:
    data = wa(
        ("2024-03-01 10:00", "Dana", "x"),
        ("2024-03-01 11:00", "Avi", "x"),
        ("2024-03-02 10:00", None, "Noa joined using this group's invite link"),
        ("2024-03-03 10:00", None, "Avi left"),
    )
    report = analyse(parse(data))
    assert (report.members, report.members_source) == (2, "estimated")  # Dana, Noa


def test_a_burst_of_joins_in_one_day_is_an_anomaly() -> None:
    joins = [
        (f"2024-03-10 09:{k:02d}", None, f"Bot {k} joined using this group's invite link")
        for k in range(25)
    ]
    data = wa(("2024-03-01 10:00", "Dana", "x"), *joins, ("2024-03-20 10:00", "Dana", "x"))
    anomalies = analyse(parse(data)).period(30).figures.anomalies
    assert [(a.kind, a.value) for a in anomalies] == [("join_burst", 25.0)]
    assert "25 joins" in anomalies[0].detail


def test_nineteen_joins_in_a_day_are_not_a_burst() -> None:
    joins = [
        (f"2024-03-10 09:{k:02d}", None, f"P{k} joined using this group's invite link")
        for k in range(19)
    ]
    data = wa(("2024-03-01 10:00", "Dana", "x"), *joins, ("2024-03-20 10:00", "Dana", "x"))
    assert analyse(parse(data)).period(30).figures.anomalies == ()


def test_a_member_writing_most_messages_is_an_anomaly() -> None:
    authors = ["Loud"] * 15 + ["Dana", "Avi", "Noa", "Ron", "Tal"]
    report = analyse(parse(wa(*_spaced("2024-03-01 00:00", authors, 47)), admin_names=["Dana"]))
    dominant = [a for a in report.period(30).figures.anomalies if a.kind == "dominant_author"]
    assert len(dominant) == 1
    assert dominant[0].value == 0.75
    assert dominant[0].is_admin is False


def test_an_author_posting_like_a_clock_looks_like_a_bot() -> None:
    clockwork = _spaced("2024-03-01 00:00", ["Bot"] * 24, minutes=60)
    human = [
        ("2024-03-01 00:10", "Avi", "x"),
        ("2024-03-01 03:47", "Avi", "x"),
        ("2024-03-01 04:02", "Avi", "x"),
    ]
    data = wa(*sorted(clockwork + human), group=True)
    anomalies = analyse(parse(data)).period(30).figures.anomalies
    bots = [a for a in anomalies if a.kind == "bot_like"]
    assert len(bots) == 1
    assert bots[0].value == 0.0  # every gap exactly 60 minutes
    assert "24 messages" in bots[0].detail


def test_channel_views_per_post_read_rate_and_reactions_per_view() -> None:
    posts = [
        {
            **tg_message(
                k + 1,
                f"2024-03-0{k + 1} 10:00",
                "news",
                views=views,
                reactions=[{"type": "emoji", "emoji": "❤", "count": likes}],
            ),
            "from_id": "channel9",
        }
        for k, (views, likes) in enumerate([(100, 5), (200, 5), (300, 20)])
    ]
    report = analyse(parse(telegram(posts, "public_channel"), "result.json"), members=1000)
    figures = report.period(30).figures
    assert report.profile is Profile.CHANNEL
    assert figures.views_per_post == 200.0
    assert figures.read_rate == 0.2
    assert figures.reactions_per_view == 0.05  # 30 reactions over 600 views
    assert report.interaction_mode is InteractionMode.ONE_TO_MANY


def test_facebook_daily_totals_give_volume_comments_per_post_and_growth() -> None:
    text = (
        "Date,Total members,New members,Members left,Posts,Comments,Reactions,Active members\n"
        "2024-03-01,100,2,0,2,4,10,20\n"
        "2024-03-02,102,3,1,2,6,10,25\n"
        "2024-03-03,103,1,0,1,5,5,22\n"
    )
    report = analyse(parse(text.encode(), "insights.csv"))
    figures = report.period(30).figures
    assert report.profile is Profile.AGGREGATE
    assert (report.members, report.members_source) == (103, "export")
    assert figures.covered_days == 3.0
    assert figures.messages == 20  # 5 posts + 15 comments
    assert figures.comments_per_post == 3.0
    assert figures.reactions_per_post == 5.0
    assert figures.active_members == 25  # the busiest day, a lower bound for the period
    assert figures.active_share == pytest.approx(25 / 103)
    assert figures.growth_rate == pytest.approx(5 / 98)  # 6 joined, 1 left, 98 at the start
    assert report.interaction_mode is InteractionMode.MANY_TO_MANY


def test_the_facebook_join_burst_shows_in_the_90_day_period_only() -> None:
    report = analyse(corpus("facebook_insights.csv"))
    assert report.period(30).figures.anomalies == ()
    assert [a.kind for a in report.period(90).figures.anomalies] == ["join_burst"]


def test_periods_end_at_the_last_event_unless_now_is_given() -> None:
    data = wa(("2024-01-01 10:00", "A", "x"), ("2024-03-01 10:00", "B", "x"), group=True)
    report = analyse(parse(data))
    assert report.now == utc("2024-03-01 10:00")
    assert report.period(30).figures.messages == 1
    assert report.period(90).figures.messages == 2
    with pytest.raises(ValueError, match="timezone-aware"):
        analyse(parse(data), now=pd.Timestamp("2024-03-01"))


def test_the_report_serialises_to_json_and_feeds_catalog_metrics() -> None:
    report = analyse(corpus("telegram_group.json"), members=40)
    as_json = report.to_dict()
    assert as_json["score"] == report.score
    assert as_json["periods"][0]["score"]["components"][0]["name"] == "active_share"
    snapshot = report.metric_snapshot()
    assert snapshot[MetricKind.MEMBERS] == 40
    assert snapshot[MetricKind.HEALTH_SCORE] == report.score
    assert MetricKind.VIEWS_PER_POST not in snapshot


def test_many_to_many_needs_members_talking_to_each_other() -> None:
    busy = wa(
        ("2024-03-01 10:00", "Dana", "q"),
        ("2024-03-01 10:02", "Avi", "a"),
        ("2024-03-01 10:04", "Noa", "b"),
        ("2024-03-01 10:06", "Ron", "c"),
        ("2024-03-01 10:08", "Avi", "d"),
    )
    report = analyse(parse(busy, admin_names=["Dana"]))
    # Members wrote 4 of 5; 3 of the 4 replies are between members.
    assert report.interaction_mode is InteractionMode.MANY_TO_MANY
    broadcast = wa(*_spaced("2024-03-01 08:00", ["Dana"] * 5 + ["Avi"]), group=True)
    report = analyse(parse(broadcast, admin_names=["Dana"]))
    assert report.interaction_mode is InteractionMode.ONE_TO_MANY
    assert "1 members posted (needs 3)" in report.headline.mode_reason
