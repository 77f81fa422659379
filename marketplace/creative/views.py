"""The creative page of a placement: the draft editor, versions, comments, the chain, a preview."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import ratelimits
from marketplace.creative import services
from marketplace.creative.forms import CommentForm, DecisionForm, SaveDraftForm
from marketplace.creative.models import Creative
from marketplace.creative.services import CreativeDisclosureMissing, ImageRefused
from marketplace.deals import presenters as deal_presenters
from marketplace.deals.models import DealPlacement
from marketplace.extensions import db
from marketplace.uploads import Upload, inline_file
from marketplace.web import unit_of_work

bp = Blueprint("creative", __name__, url_prefix="/creative")


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


def _step_labels() -> dict[str, str]:
    return {
        "owner_approved": _("Community owner"),
        "agency_approved": _("Agency"),
        "brand_approved": _("Brand"),
        "compliance_approved": _("Compliance reviewer"),
    }


def _chain(creative: Creative | None, regulated: bool) -> list[dict[str, Any]]:
    """Each step of the chain with who approved the current version, and when."""
    steps = ["owner_approved", "agency_approved", "brand_approved"]
    if regulated:
        steps.append("compliance_approved")
    done = {a.reached: a for a in services.current_approvals(creative)} if creative else {}
    labels = _step_labels()
    rows = []
    for step in steps:
        approval = done.get(step)
        user = approval.user if approval else None
        rows.append(
            {
                "step": step,
                "label": labels[step],
                "by": user.display_name if user else None,
                "at": approval.at if approval else None,
            }
        )
    return rows


def _page(
    placement: DealPlacement,
    *,
    draft_form: SaveDraftForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = db.session
    user = _user()
    creative = services.creative_of(session, placement)
    brief = services.brief_of(session, placement)
    versions = list(creative.versions) if creative else []
    current = versions[-1] if versions else None
    if draft_form is None:
        draft_form = SaveDraftForm(
            formdata=None,
            text=current.text if current else "",
            link_placeholder=current.link_placeholder if current else "",
            version=current.number if current else "",
        )
    if decision_form is None:
        decision_form = DecisionForm(formdata=None, version=current.number if current else None)
    numbers = [v.number for v in versions]
    to_n = request.args.get("to", type=int) or (numbers[-1] if numbers else 0)
    from_n = request.args.get("from", type=int) or (to_n - 1)
    by_number = {v.number: v for v in versions}
    diff = None
    if from_n in by_number and to_n in by_number and from_n != to_n:
        diff = {
            "from": from_n,
            "to": to_n,
            "pieces": services.word_diff(by_number[from_n].text, by_number[to_n].text),
        }
    preview_text = (
        draft_form.text.data if draft_form.text.data else (current.text if current else "")
    )
    return render_template(
        "creative/placement.html",
        placement=placement,
        deal=placement.deal,
        community=placement.deal.community,
        brief=brief,
        creative=creative,
        versions=list(reversed(versions)),
        current=current,
        diff=diff,
        chain=_chain(creative, brief.is_regulated),
        approved=creative is not None and services.pure_creative(session, creative).approved,
        actions=services.allowed_actions(session, creative, user),
        disclosure=services.disclosure_of(placement),
        preview={
            "style": services.preview_style(placement),
            "dir": services.text_direction(preview_text),
            "text": preview_text,
            "link": current.link_placeholder if current else "",
            "images": [i.id for i in current.images] if current else [],
            "name": placement.deal.community.display_name,
        },
        draft_form=draft_form,
        comment_form=CommentForm(formdata=None),
        decision_form=decision_form,
        comments=list(creative.comments) if creative else [],
    ), status


@bp.get("/placement/<int:placement_id>")
def placement(placement_id: int) -> ResponseReturnValue:
    """The post of one placement: preview, editor, versions, comments and the chain."""
    found = services.get_placement(db.session, placement_id, _user())
    return _page(found)


@bp.post("/placement/<int:placement_id>/draft")
@ratelimits.file_upload
def save_draft(placement_id: int) -> ResponseReturnValue:
    """Write the first draft, or a new version (which voids every approval)."""
    found = services.get_placement(db.session, placement_id, _user())
    form = SaveDraftForm()
    if not form.validate_on_submit():
        return _page(found, draft_form=form, status=400)
    uploads = [
        Upload(f.filename or "image", f.read())
        for f in (form.images.data or [])
        if getattr(f, "filename", "")
    ]
    with unit_of_work(ImageRefused, success=_("The draft was saved as a new version.")) as work:
        if services.creative_of(db.session, found) is None:
            services.start_creative(
                db.session, found.id, text=form.text.data or "",
                link_placeholder=form.link_placeholder.data or "", images=uploads, actor=_user(),
            )  # fmt: skip
        else:
            services.save_draft(
                db.session, found.id, text=form.text.data or "",
                version=_int(form.version.data), actor=_user(),
                link_placeholder=form.link_placeholder.data or "", images=uploads,
                drop_images=bool(form.drop_images.data),
            )  # fmt: skip
    if work.error is not None:
        form.images.errors = [work.error.message]
        return _page(found, draft_form=form, status=422)
    return redirect(url_for("creative.placement", placement_id=found.id))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@bp.post("/placement/<int:placement_id>/comment")
def comment(placement_id: int) -> ResponseReturnValue:
    """Add a remark on the post."""
    found = services.get_placement(db.session, placement_id, _user())
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("A comment needs words."), "error")
        return redirect(url_for("creative.placement", placement_id=found.id))
    with unit_of_work():
        services.add_comment(db.session, found.id, form.body.data or "", actor=_user())
    return redirect(url_for("creative.placement", placement_id=found.id) + "#comments")


@bp.post("/placement/<int:placement_id>/decide")
def decide(placement_id: int) -> ResponseReturnValue:
    """Approve the current version as the next party of the chain, or request changes."""
    found = services.get_placement(db.session, placement_id, _user())
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(found, decision_form=form, status=400)
    version = form.version.data or 0
    sending_back = bool(form.request_changes.data)
    message = (
        _("The post was sent back with your note.")
        if sending_back
        else _("You approved this version.")
    )
    with unit_of_work(CreativeDisclosureMissing, success=message) as work:
        if sending_back:
            services.request_changes(
                db.session, found.id, form.note.data or "", version=version, actor=_user()
            )
        else:
            services.approve_creative(db.session, found.id, version=version, actor=_user())
    if work.error is not None:
        flash(
            _(
                "The text must carry the community's disclosure wording before it can be "
                "approved: %(wording)s",
                wording=work.error.wording,
            ),
            "error",
        )
        return _page(found, decision_form=form, status=422)
    return redirect(url_for("creative.placement", placement_id=found.id))


@bp.get("/image/<int:image_id>")
def image(image_id: int) -> ResponseReturnValue:
    """An image of a post the user may see (its bytes, with the type checked at upload)."""
    found = services.get_image(db.session, image_id, _user())
    return inline_file(found.data, found.content_type, found.filename)


def init_app(app: Flask) -> None:
    """Hand the deal desk's board a reader of each agreed deal's creative (desk sits below)."""

    def read(session: Any, deal: Any) -> list[Any]:
        rows = [services.creative_of(session, p) for p in deal.placements]
        return [services.pure_creative(session, c) for c in rows if c is not None]

    app.extensions[deal_presenters.CREATIVE_READER] = read
