"""A media plan's lifecycle: its states and the one table of moves between them.

draft (agency staff working) → proposed (the brand sees it) → approved / changes requested;
a proposal the agency withdraws goes back to draft, and a newer proposal supersedes an older
one. Pure: the planning feature stores the state and asks :func:`move_plan` before changing it.
"""

from __future__ import annotations

import enum


class PlanStatus(enum.StrEnum):
    """Where a media plan is between the agency's draft and the brand's decision."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    SUPERSEDED = "superseded"


#: Every move a plan may make (from, to). Anything else is an :class:`IllegalPlanMove`.
PLAN_TRANSITIONS: frozenset[tuple[PlanStatus, PlanStatus]] = frozenset(
    {
        (PlanStatus.DRAFT, PlanStatus.PROPOSED),  # the agency sends it to the brand
        (PlanStatus.PROPOSED, PlanStatus.APPROVED),  # the brand approves it
        (PlanStatus.PROPOSED, PlanStatus.CHANGES_REQUESTED),  # the brand sends it back
        (PlanStatus.PROPOSED, PlanStatus.DRAFT),  # the agency withdraws the proposal
        (PlanStatus.PROPOSED, PlanStatus.SUPERSEDED),  # a newer proposal replaces it
    }
)


class IllegalPlanMove(ValueError):
    """A plan was asked to move where the table does not let it go."""

    def __init__(self, before: PlanStatus, after: PlanStatus) -> None:
        self.before = before
        self.after = after
        super().__init__(f"a plan cannot go from {before.value} to {after.value}")


def may_move_plan(before: PlanStatus, after: PlanStatus) -> bool:
    """Whether the table allows a plan to go from `before` to `after`."""
    return (before, after) in PLAN_TRANSITIONS


def move_plan(before: PlanStatus, after: PlanStatus) -> PlanStatus:
    """The state after a legal move; :class:`IllegalPlanMove` otherwise."""
    if not may_move_plan(before, after):
        raise IllegalPlanMove(before, after)
    return after
