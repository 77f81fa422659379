"""The demo's running campaign has results: figures with their tiers, picks, a pulse shown."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from pdfminer.high_level import extract_text
from sqlalchemy import func, select

from campaigns.delivery import PostStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.deals.demo import DESK_TITLE
from marketplace.delivery.models import Post, Proof
from marketplace.documents.pdf import render_pdf
from marketplace.extensions import db
from marketplace.reports import report, services
from marketplace.reports.demo import FINISHED_TITLE
from marketplace.reports.models import PlacementMetric
from marketplace.valuation.models import RealisedReach


def test_seed_demo_measures_the_running_campaign_once(app: Flask, runner: Any) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.test_request_context():
        session = db.session
        brief_id = session.scalar(select(Brief.id).where(Brief.title == DESK_TITLE))
        figures = session.scalar(select(func.count()).select_from(PlacementMetric))
        assert figures
        tiers = set(session.scalars(select(PlacementMetric.tier)))
        assert tiers == {1, 4}  # verified by the agency, and one owner's own count
        assert session.scalar(select(func.count()).select_from(RealisedReach))
        staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
        results = services.campaign_results(
            session, services.get_campaign(session, brief_id, staff)
        )
        assert results.totals["reach"] > 0
        assert results.totals["self_reported"]
        assert len(services.picks(session, brief_id)) == 2
        pulse = services.pulse(session, brief_id)
        assert pulse["reported"].any()


def test_seed_demo_has_a_finished_campaign_with_its_report(app: Flask, runner: Any) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.test_request_context():
        session = db.session
        brief = session.scalar(select(Brief).where(Brief.title == FINISHED_TITLE))
        assert brief is not None
        assert brief.status is BriefStatus.CLOSED
        posts = list(session.scalars(select(Post).where(Post.brief_id == brief.id)))
        assert len(posts) >= 3
        assert {(p.status, p.closed_reason) for p in posts} == {(PostStatus.CLOSED, "measured")}
        # Each post proved once, by its own screenshot, and verified.
        assert session.scalar(select(func.count()).select_from(Proof).join(Post).where(
            Post.brief_id == brief.id)) == len(posts)  # fmt: skip
        staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
        campaign = services.get_campaign(session, brief.id, staff)
        results = services.campaign_results(session, campaign)
        assert results.totals["reach"] > 0
        assert results.totals["clicks"] > 0
        assert results.totals["delivered"] == results.totals["planned"] == len(posts)
        assert len(services.picks(session, brief.id)) == 2
        pulse = services.pulse(session, brief.id)
        assert len(pulse) == len({p.asset.community_id for p in campaign.placements})
        assert pulse["reported"].all()
        # The report renders from it: its key figures and a Hebrew PDF.
        figures = {key: text for key, _label, text in report.key_figures(results)}
        assert figures["reach"] == f"{int(results.totals['reach']):,}"
        assert figures["clicks"] == f"{int(results.totals['clicks']):,}"
        picked = [(p.kind, p.text) for p in services.picks(session, brief.id)]
        text = extract_text(
            io.BytesIO(render_pdf(report.pdf_document(results, "he", picks=picked)))
        )
        assert figures["reach"] in text
        # The running campaign is still running: some of its posts are not closed.
        running = session.scalar(select(Brief.id).where(Brief.title == DESK_TITLE))
        assert session.scalar(select(func.count()).select_from(Post).where(
            Post.brief_id == running, Post.status != PostStatus.CLOSED))  # fmt: skip


def test_the_demo_figures_name_their_source_in_hebrew(app: Flask, runner: Any) -> None:
    """The agency's staff type a figure's source in their own language: the Hebrew results page
    of a Hebrew owner read "Insights screenshot, checked by the agency" on every row."""
    assert runner.invoke(args=["seed-demo", "--communities", "30"]).exit_code == 0
    with app.app_context():
        sources = set(db.session.scalars(select(PlacementMetric.source)))
    assert sources - {""}
    assert [s for s in sources if s and not re.search(r"[\u0590-\u05ff]", s)] == []
