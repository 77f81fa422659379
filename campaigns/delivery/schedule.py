"""Due windows: a placement bought N times over a window becomes N posts, spread evenly.

The window ``starts_on..ends_on`` (both days included) of D days is cut into N slices as equal
as whole days allow: slice ``i`` (0-based) runs from day ``floor(i·D/N)`` to day
``floor((i+1)·D/N) − 1`` of the window. A post *opens* on its slice's first day and is *due*
by its last. So 3 posts over 30 days are due by days 10, 20 and 30; 2 posts over 3 days by
days 1 and 3 (the longer slice last); when N > D several posts share a day (each slice is at
least one day, the same day).

An amendment re-syncs a placement (:func:`resync`): posts that already have a fate (posted,
verified, measured, disputed, missed) keep their dates and take the first slots; the posts
still waiting take the remaining slots in their order; missing ones are added and the
surplus waiting ones, the last first, are closed. Posted posts are never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.delivery.posts import OPEN_POSTS, PostStatus, ScheduleInvalid

#: Days after its due date a post may still be proved before it is marked missed.
GRACE_DAYS = 2


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """One post's own window: it opens on ``opens_on`` and is due by ``due_on``."""

    opens_on: dt.date
    due_on: dt.date


def slots(count: int, starts_on: dt.date, ends_on: dt.date) -> list[Slot]:
    """The ``count`` slots of a window, earliest first (see the module's rule)."""
    if count < 1:
        raise ScheduleInvalid("a placement needs at least one post")
    if ends_on < starts_on:
        raise ScheduleInvalid("the window ends before it starts")
    days = (ends_on - starts_on).days + 1
    out = []
    for i in range(count):
        first = i * days // count
        last = max(first, (i + 1) * days // count - 1)
        out.append(Slot(starts_on + dt.timedelta(days=first), starts_on + dt.timedelta(days=last)))
    return out


@dataclass(frozen=True, slots=True)
class ExistingPost:
    """A stored post of the placement, as :func:`resync` needs it."""

    id: int
    number: int
    status: PostStatus


@dataclass(frozen=True, slots=True)
class Resync:
    """What to do to a placement's posts: add, move (post id → slot), close (post ids)."""

    add: tuple[Slot, ...]
    move: dict[int, Slot]
    close: tuple[int, ...]


def resync(
    existing: Sequence[ExistingPost], count: int, starts_on: dt.date, ends_on: dt.date
) -> Resync:
    """Bring a placement's live posts (closed ones left out) to ``count`` over the window."""
    target = slots(count, starts_on, ends_on)
    ordered = sorted(existing, key=lambda p: p.number)
    fixed = [p for p in ordered if p.status not in OPEN_POSTS]
    waiting = [p for p in ordered if p.status in OPEN_POSTS]
    free = target[len(fixed) :]
    move = {p.id: slot for p, slot in zip(waiting, free, strict=False)}
    close = tuple(p.id for p in waiting[len(free) :])
    add = tuple(free[len(waiting) :])
    return Resync(add=add, move=move, close=close)


def status_on(status: PostStatus, slot: Slot, today: dt.date) -> PostStatus:
    """Where the calendar alone takes a waiting post today (others stay where they are).

    Scheduled → due once its slot opens; scheduled or due → missed once the grace days after
    its due date have passed.
    """
    if status not in OPEN_POSTS:
        return status
    if today > slot.due_on + dt.timedelta(days=GRACE_DAYS):
        return PostStatus.MISSED
    if today >= slot.opens_on:
        return PostStatus.DUE
    return status
