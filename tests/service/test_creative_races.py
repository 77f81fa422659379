"""Races on creative, on PostgreSQL: two reviewers answer the same version at the same moment.

The test holds the creative's row lock until both requests wait on it, so the overlap is
certain; then exactly one wins, the other gets a named refusal, and one approval is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from campaigns.deals import IllegalTransition, StaleVersion
from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.creative import services as creative
from marketplace.creative.models import Creative, CreativeApproval, CreativeVersion
from marketplace.extensions import db
from tests.factories import make_creative, make_deal

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

Action = Callable[[Session], Any]


def race(app: Flask, creative_id: int, *actions: Action) -> list[BaseException | None]:
    """Run each action in its own thread and session while the test holds the row lock."""
    with app.app_context():
        holder = db.engine.connect()
    holder.execute(text("SELECT id FROM creatives WHERE id = :id FOR UPDATE"), {"id": creative_id})
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Action) -> None:
        with app.test_request_context():
            session = Session(bind=db.engine, expire_on_commit=False)
            try:
                action(session)
                session.commit()
            except BaseException as error:  # noqa: BLE001 - the outcome is what we check
                session.rollback()
                outcomes[index] = error
            finally:
                session.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    waiting = 0
    for _ in range(200):
        with app.app_context(), db.engine.connect() as probe:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting == len(actions):
            break
        time.sleep(0.05)
    holder.rollback()
    holder.close()
    assert waiting == len(actions), "the actions did not wait for the creative's row lock"
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


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

    outcomes = race(app, ids["creative"], approve("staff"), approve("staff2"))
    assert sum(o is None for o in outcomes) == 1
    [lost] = [o for o in outcomes if o is not None]
    assert isinstance(lost, IllegalTransition)
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

    outcomes = race(app, ids["creative"], approve, revise)
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
