"""The demo data holds a campaign in mid-flight: verified, waiting, late, due and scheduled."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from campaigns.delivery import PostStatus
from marketplace.briefs.models import Brief
from marketplace.deals.demo import DESK_TITLE
from marketplace.delivery.models import Post, Proof
from marketplace.extensions import db
from marketplace.inbox.models import Notification


def test_seed_demo_runs_the_desk_campaign_to_mid_flight_once(app: Flask, runner: Any) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        brief_id = db.session.scalar(select(Brief.id).where(Brief.title == DESK_TITLE))
        posts = list(db.session.scalars(select(Post).where(Post.brief_id == brief_id)))
        statuses = {p.status for p in posts}
        assert {PostStatus.POSTED, PostStatus.DUE} <= statuses
        # Verified, or measured once the results demo recorded its figures.
        assert statuses & {PostStatus.VERIFIED, PostStatus.MEASURED}
        # The late post: due before today, still waiting, its owner alerted once.
        late = [p for p in posts if p.status is PostStatus.DUE and p.late_alerted_at is not None]
        assert late
        kinds = set(db.session.scalars(select(Notification.kind)))
        assert "post_late" in kinds
        assert kinds & {"delivery_behind", "delivery_behind_move", "delivery_behind_next"}
        proofs = list(db.session.scalars(select(Proof)))
        assert len(proofs) == len({p.phash for p in proofs})  # each a screenshot of its own
        assert {p.decision for p in proofs} == {"verified", "pending"}
