"""Due windows spread by hand-computed examples, and the re-sync after an amendment."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.delivery import (
    ExistingPost,
    PostStatus,
    ScheduleInvalid,
    Slot,
    resync,
    slots,
    status_on,
)

D = dt.date


def test_three_posts_over_thirty_days_are_due_by_days_ten_twenty_and_thirty() -> None:
    assert slots(3, D(2026, 12, 1), D(2026, 12, 30)) == [
        Slot(D(2026, 12, 1), D(2026, 12, 10)),
        Slot(D(2026, 12, 11), D(2026, 12, 20)),
        Slot(D(2026, 12, 21), D(2026, 12, 30)),
    ]


def test_two_posts_over_three_days_give_the_longer_slice_to_the_last() -> None:
    # D=3, N=2: slice 0 is days 0..0 (3*1//2 - 1 = 0), slice 1 is days 1..2.
    assert slots(2, D(2026, 12, 1), D(2026, 12, 3)) == [
        Slot(D(2026, 12, 1), D(2026, 12, 1)),
        Slot(D(2026, 12, 2), D(2026, 12, 3)),
    ]


def test_more_posts_than_days_share_days() -> None:
    # D=2, N=3: firsts 0, 0, 1; lasts max(0,-1)=0, max(0,0)=0, 1.
    assert slots(3, D(2026, 12, 1), D(2026, 12, 2)) == [
        Slot(D(2026, 12, 1), D(2026, 12, 1)),
        Slot(D(2026, 12, 1), D(2026, 12, 1)),
        Slot(D(2026, 12, 2), D(2026, 12, 2)),
    ]


def test_one_post_has_the_whole_window() -> None:
    assert slots(1, D(2026, 12, 1), D(2026, 12, 7)) == [Slot(D(2026, 12, 1), D(2026, 12, 7))]


def test_no_posts_or_a_window_that_ends_first_cannot_be_scheduled() -> None:
    with pytest.raises(ScheduleInvalid):
        slots(0, D(2026, 12, 1), D(2026, 12, 7))
    with pytest.raises(ScheduleInvalid):
        slots(1, D(2026, 12, 7), D(2026, 12, 1))


def test_resync_adds_posts_for_a_raised_count_and_keeps_the_posted_one() -> None:
    existing = [
        ExistingPost(1, 1, PostStatus.VERIFIED),
        ExistingPost(2, 2, PostStatus.SCHEDULED),
    ]
    plan = resync(existing, 4, D(2026, 12, 1), D(2026, 12, 8))
    # 8 days / 4: slots end on days 2, 4, 6, 8. The verified post holds slot 0 (not moved).
    assert plan.move == {2: Slot(D(2026, 12, 3), D(2026, 12, 4))}
    assert plan.add == (Slot(D(2026, 12, 5), D(2026, 12, 6)), Slot(D(2026, 12, 7), D(2026, 12, 8)))
    assert plan.close == ()


def test_resync_closes_the_last_waiting_posts_when_the_count_is_cut() -> None:
    existing = [
        ExistingPost(1, 1, PostStatus.POSTED),
        ExistingPost(2, 2, PostStatus.DUE),
        ExistingPost(3, 3, PostStatus.SCHEDULED),
    ]
    plan = resync(existing, 2, D(2026, 12, 1), D(2026, 12, 4))
    assert plan.close == (3,)
    assert plan.move == {2: Slot(D(2026, 12, 3), D(2026, 12, 4))}
    assert plan.add == ()


def test_resync_never_closes_a_posted_post_even_below_what_was_delivered() -> None:
    existing = [ExistingPost(1, 1, PostStatus.POSTED), ExistingPost(2, 2, PostStatus.POSTED)]
    plan = resync(existing, 1, D(2026, 12, 1), D(2026, 12, 4))
    assert plan == type(plan)(add=(), move={}, close=())


def test_the_calendar_opens_a_post_then_misses_it_after_the_grace_days() -> None:
    slot = Slot(D(2026, 12, 5), D(2026, 12, 10))
    assert status_on(PostStatus.SCHEDULED, slot, D(2026, 12, 4)) is PostStatus.SCHEDULED
    assert status_on(PostStatus.SCHEDULED, slot, D(2026, 12, 5)) is PostStatus.DUE
    assert status_on(PostStatus.DUE, slot, D(2026, 12, 12)) is PostStatus.DUE  # grace: 2 days
    assert status_on(PostStatus.DUE, slot, D(2026, 12, 13)) is PostStatus.MISSED
    assert status_on(PostStatus.POSTED, slot, D(2026, 12, 30)) is PostStatus.POSTED
