"""The running campaign: its posts, their calendar, the proof of each post and staff's review."""

from __future__ import annotations

import calendar as cal
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.delivery import DisputeReasonRequired, PostAction, PostStatus
from marketplace import ratelimits
from marketplace.db import utcnow
from marketplace.delivery import services
from marketplace.delivery.forms import REASON_LABELS, DecideProofForm, SubmitProofForm
from marketplace.delivery.models import Post
from marketplace.delivery.services import ProofRefused
from marketplace.extensions import db
from marketplace.uploads import Upload, inline_file
from marketplace.web import unit_of_work

bp = Blueprint("delivery", __name__, url_prefix="/campaigns")

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


def status_labels() -> dict[str, str]:
    """Each post status as people read it."""
    return {
        PostStatus.SCHEDULED.value: _("Scheduled"),
        PostStatus.DUE.value: _("Due"),
        PostStatus.POSTED.value: _("Posted, waiting for review"),
        PostStatus.VERIFIED.value: _("Verified"),
        PostStatus.MEASURED.value: _("Measured"),
        PostStatus.CLOSED.value: _("Closed"),
        PostStatus.MISSED.value: _("Missed"),
        PostStatus.DISPUTED.value: _("Disputed"),
    }


def action_labels() -> dict[str, str]:
    """Each step of a post's history as people read it (the events store action codes)."""
    return {
        "schedule": _("Placed on the calendar"),
        "reschedule": _("Moved on the calendar"),
        PostAction.OPEN.value: _("Opened for posting"),
        PostAction.SUBMIT_PROOF.value: _("Proof submitted"),
        PostAction.VERIFY.value: _("Proof verified"),
        PostAction.DISPUTE.value: _("Proof disputed"),
        PostAction.MEASURE.value: _("Figures recorded"),
        PostAction.MISS.value: _("Marked as missed"),
        PostAction.CLOSE.value: _("Closed"),
    }


def reason_words(reason: str) -> str:
    """A history entry's reason in words: stored as a code, a dispute's followed by its text."""
    code, sep, text = reason.partition(": ")
    labels = {
        "measured": _("Measured"),
        PostStatus.MISSED.value: _("Missed"),
        "deal_cancelled": _("The deal was cancelled"),
        "count_reduced": _("The deal has fewer posts now"),
        "placement_dropped": _("The placement was dropped"),
        **{k: str(v) for k, v in REASON_LABELS.items()},
    }
    return f"{labels.get(code, code)}{sep}{text}"


def _row(post: Post, today: dt.date) -> dict[str, Any]:
    placement = post.placement
    waiting = post.status in (PostStatus.SCHEDULED, PostStatus.DUE)
    return {
        "id": post.id,
        "community": post.deal.community.display_name,
        "asset": services.asset_name(placement.asset),
        "platform": placement.asset.platform,
        "placement_type": placement.placement_type,
        "number": post.number,
        "count": placement.count,
        "opens_on": post.opens_on,
        "due_on": post.due_on,
        "status": post.status.value,
        "late_days": (today - post.due_on).days if waiting and post.due_on < today else 0,
        "live_url": post.live_url,
        "posted_at": post.posted_at,
        "closed_reason": post.closed_reason,
    }


def _progress(posts: Sequence[Post], today: dt.date) -> list[dict[str, Any]]:
    frame = services.placement_progress(posts, today)
    first: dict[int, Post] = {}
    for post in posts:
        first.setdefault(post.deal_placement_id, post)
    rows = []
    for placement_id in frame.index:
        figures, post = frame.loc[placement_id], first[int(placement_id)]
        rows.append(
            {
                "community": post.deal.community.display_name,
                "asset": services.asset_name(post.placement.asset),
                "placement_type": post.placement.placement_type,
                **{k: int(figures[k]) for k in ("planned", "expected", "delivered", "late",
                                                "missed", "shortfall")},
            }
        )  # fmt: skip
    return rows


@bp.get("/")
def index() -> ResponseReturnValue:
    """The campaigns the user may see, each with its posts counted by status."""
    return render_template(
        "delivery/index.html",
        campaigns=services.campaigns_visible_to(db.session, _user()),
        status_labels=status_labels(),
    )


@bp.get("/<int:brief_id>")
def campaign(brief_id: int) -> ResponseReturnValue:
    """One campaign: every post the user may see with its window and status, and progress."""
    brief, posts = services.get_campaign(db.session, brief_id, _user())
    today = utcnow().date()
    return render_template(
        "delivery/campaign.html",
        brief=brief,
        rows=[_row(p, today) for p in posts],
        progress=_progress(posts, today),
        status_labels=status_labels(),
        today=today,
    )


def _month(posts: Sequence[Post], today: dt.date) -> tuple[int, int]:
    match = _MONTH.fullmatch(request.args.get("month", ""))
    if match and 1900 < int(match[1]) < 3000 and 1 <= int(match[2]) <= 12:
        return int(match[1]), int(match[2])
    upcoming = [p.due_on for p in posts if p.due_on >= today]
    start = min(upcoming) if upcoming else today
    return start.year, start.month


@bp.get("/<int:brief_id>/calendar")
def calendar(brief_id: int) -> ResponseReturnValue:
    """A month of the campaign: each day lists the posts due that day (no script needed)."""
    brief, posts = services.get_campaign(db.session, brief_id, _user())
    today = utcnow().date()
    year, month = _month(posts, today)
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for post in posts:
        by_day.setdefault(post.due_on, []).append(_row(post, today))
    # The Israeli week starts on Sunday; in Hebrew the page is right to left, so is the grid.
    weeks = cal.Calendar(firstweekday=cal.SUNDAY).monthdatescalendar(year, month)
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    return render_template(
        "delivery/calendar.html",
        brief=brief,
        weeks=[
            [{"day": d, "in_month": d.month == month, "posts": by_day.get(d, [])} for d in week]
            for week in weeks
        ],
        month=first,
        previous=previous,
        following=following,
        today=today,
        status_labels=status_labels(),
    )


def _post_page(
    post: Post,
    *,
    proof_form: SubmitProofForm | None = None,
    decide_form: DecideProofForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = _user()
    today = utcnow().date()
    proofs = []
    for proof in reversed(post.proofs):
        proofs.append({"proof": proof, "check": services.proof_check(db.session, proof)})
    latest = services.latest_proof(post)
    return render_template(
        "delivery/post.html",
        post=post,
        row=_row(post, today),
        brief_id=post.brief_id,
        proofs=proofs,
        latest_id=latest.id if latest is not None else None,
        may_prove=services.may_prove(post, user),
        may_decide=services.may_decide(user),
        proof_form=proof_form or SubmitProofForm(formdata=None),
        decide_form=decide_form or DecideProofForm(formdata=None),
        status_labels=status_labels(),
        reason_labels={k: str(v) for k, v in REASON_LABELS.items()},
        events=list(reversed(post.events)),
        action_labels=action_labels(),
        reason_words=reason_words,
        # What to publish: the post's approved text and images (creative sits above delivery).
        creative_url=url_for("creative.placement", placement_id=post.deal_placement_id)
        if "creative.placement" in current_app.view_functions
        else None,
    ), status


@bp.get("/posts/<int:post_id>")
def post(post_id: int) -> ResponseReturnValue:
    """One post: its window and status, the proof form, every proof with its checks."""
    return _post_page(services.get_post(db.session, post_id, _user()))


@bp.post("/posts/<int:post_id>/proof")
@ratelimits.file_upload
def submit_proof(post_id: int) -> ResponseReturnValue:
    """The owner (or staff for them) submits the live link and a screenshot."""
    found = services.get_post(db.session, post_id, _user())
    form = SubmitProofForm()
    if not form.validate_on_submit():
        return _post_page(found, proof_form=form, status=400)
    upload = form.screenshot.data
    screenshot = Upload(getattr(upload, "filename", "") or "screenshot", upload.read())
    with unit_of_work(ProofRefused, success=_("Thank you: the proof was submitted.")) as work:
        services.submit_proof(
            db.session,
            found.id,
            live_url=form.live_url.data or "",
            screenshot=screenshot,
            post_text=form.post_text.data or "",
            actor=_user(),
        )
    if work.error is not None:
        form.screenshot.errors = [work.error.message]
        found = services.get_post(db.session, post_id, _user())
        return _post_page(found, proof_form=form, status=422)
    return redirect(url_for("delivery.post", post_id=found.id))


@bp.post("/proofs/<int:proof_id>/decide")
def decide(proof_id: int) -> ResponseReturnValue:
    """Staff verify a proof, or dispute it with a reason."""
    proof = services.get_proof(db.session, proof_id, _user())
    form = DecideProofForm()
    if not form.validate_on_submit():
        flash(_("The form could not be read; try again."), "error")
        return redirect(url_for("delivery.post", post_id=proof.post_id))
    verify = not form.dispute.data
    message = _("The proof was verified.") if verify else _("The proof was disputed.")
    with unit_of_work(DisputeReasonRequired, success=message) as work:
        services.decide_proof(
            db.session,
            proof.id,
            verify=verify,
            reason=form.reason.data or "",
            text=form.text.data or "",
            actor=_user(),
        )
    if work.error is not None:
        flash(_("Say why the proof is disputed: pick a reason, and describe another one."), "error")
        found = services.get_post(db.session, proof.post_id, _user())
        return _post_page(found, decide_form=form, status=422)
    return redirect(url_for("delivery.post", post_id=proof.post_id))


@bp.get("/proofs/<int:proof_id>/screenshot")
def screenshot(proof_id: int) -> ResponseReturnValue:
    """A proof's screenshot (its bytes, with the type checked when it was submitted)."""
    found = services.get_proof(db.session, proof_id, _user())
    return inline_file(found.data, found.content_type, found.filename)
