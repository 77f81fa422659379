"""Races on creative, on PostgreSQL: two reviewers answer the same version at the same moment.

The test holds the creative's row lock until both requests wait on it, so the overlap is
certain; then exactly one wins, the other gets a named refusal, and one approval is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.deals import IllegalTransition, StaleVersion
from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.creative import services as creative
from marketplace.creative.models import Creative, CreativeApproval, CreativeVersion
from marketplace.extensions import db
from tests.factories import make_creative, make_deal
from tests.races import Hold, one_winner, race, row_lock

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

Action = Callable[[Session], Any]


def held(ids: dict[str, int]) -> Hold:
    """The creative's row lock, held by the test until both requests wait on it."""
    return row_lock("creatives", id=ids["creative"])


@pytest.fixture
def ids(app: Flask, make_user: Any) -> dict[str, int]:
    found = {r: make_user(r).id for r in ("brand", "owner", "staff")}
    found["staff2"] = make_user("staff").id
    with app.test_request_context():
        people = {r: db.session.get_one(User, i) for r, i in found.items()}
        deal = make_deal(db.session, brand=people["brand"], staff=people["staff"],
                         owner=people["owner"], stage="agreed")  # fmt: skip
        placement = deal.placements[0]
        post = make_creative(db.session, placement, "owner_approved", owner=people["owner"],
                             staff=people["staff"])  # fmt: skip
        found.update(placement=placement.id, creative=post.id)
        db.session.commit()
        db.session.remove()
    return found


def test_two_staff_approving_at_once_give_one_agency_approval(
    app: Flask, ids: dict[str, int]
) -> None:
    def approve(user_key: str) -> Action:
        return lambda s: creative.approve_creative(
            s, ids["placement"], version=1, actor=s.get_one(User, ids[user_key])
        )

    outcomes = race(app, approve("staff"), approve("staff2"), hold=held(ids))
    one_winner(outcomes, IllegalTransition)
    with app.app_context():
        post = db.session.get_one(Creative, ids["creative"])
        assert post.status is CreativeStatus.AGENCY_APPROVED
        agency = select(func.count()).where(CreativeApproval.reached == "agency_approved")
        assert db.session.scalar(agency) == 1


def test_an_approval_racing_a_revision_never_approves_the_new_text(
    app: Flask, ids: dict[str, int]
) -> None:
    def approve(s: Session) -> Any:
        return creative.approve_creative(
            s, ids["placement"], version=1, actor=s.get_one(User, ids["staff"])
        )

    def revise(s: Session) -> Any:
        return creative.save_draft(
            s, ids["placement"], text="טקסט חדש. שיתוף פעולה בתשלום", version=1,
            actor=s.get_one(User, ids["owner"]),
        )  # fmt: skip

    outcomes = race(app, approve, revise, hold=held(ids))
    with app.app_context():
        post = db.session.get_one(Creative, ids["creative"])
        versions = db.session.scalar(
            select(func.count())
            .select_from(CreativeVersion)
            .where(CreativeVersion.creative_id == post.id)
        )
        # Whatever the order, the revision lands and the new text has no approval yet.
        assert outcomes[1] is None
        assert outcomes[0] is None or isinstance(outcomes[0], StaleVersion)
        assert (post.status, post.current_version, versions) == (CreativeStatus.DRAFT, 2, 2)
        assert creative.current_approvals(post) == []
