"""Deal desk pages: the deals list, the staff's pipeline board, a deal and its actions.

Every price reaches a page only through ``deal_view`` / ``offer_view`` (the role's projection)
and, for staff, ``desk_figures`` / ``plan_totals``. Each action posts the round and the deal
version it answers; the service refuses a stale one (409, rendered by marketplace.errors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import campaigns.deals as rules
from campaigns.deals import DeclineReason, StopReason
from campaigns.deals.agreement import agreement_text
from campaigns.deals.board import Stage
from campaigns.deals.common import TermsInvalid
from marketplace import ratelimits
from marketplace.auth.models import Organisation, Role, User
from marketplace.briefs import planning as brief_planning
from marketplace.briefs.models import Brief
from marketplace.db import utcnow
from marketplace.deals import services
from marketplace.deals.forms import (
    DECLINE_LABELS,
    STOP_LABELS,
    BoardFilterForm,
    CancelForm,
    ConfirmForm,
    CounterForm,
    DealVersionForm,
    DeclineForm,
    PauseForm,
    ReplacementForm,
    VersionForm,
    WithdrawForm,
)
from marketplace.deals.models import Deal, DealEvent, Offer
from marketplace.deals.presenters import (
    CHECK_LABELS,
    STAGE_LABELS,
    WAITING_LABELS,
    agreement_names,
    agreement_pdf_document,
    board_stage,
    counter_form_for,
    is_agency,
    labels,
    offer_terms,
    pad_form,
    preview_figures,
    reader_language,
    terms_from_form,
    user,
    version_diff,
)
from marketplace.deals.records import pure_offer
from marketplace.documents.pdf import render_pdf
from marketplace.extensions import db
from marketplace.forms_common import parse_amount
from marketplace.i18n import format_money
from marketplace.matching.models import MediaPlan
from marketplace.web import unit_of_work

bp = Blueprint("deals", __name__, url_prefix="/deals")


@bp.context_processor
def _desk_labels() -> dict[str, Any]:
    return labels()


@bp.get("/")
def index() -> ResponseReturnValue:
    """The deals the viewer may see (brands: their organisation's; owners: their communities')."""
    brief_id = request.args.get("brief", type=int)
    deals = services.deals_visible_to(db.session, user(), brief_id=brief_id)
    now = utcnow()
    rows = [
        {"view": services.deal_view(db.session, d, user(), now=now), "stage": board_stage(d, now)}
        for d in deals
    ]
    brief = db.session.get(Brief, brief_id) if brief_id and rows else None
    pause_form = PauseForm() if brief is not None and is_agency() else None
    # Unfiltered, the list mixes campaigns: each row says which (an owner saw "#15" and a name).
    campaigns = (
        {
            row.id: row.title
            for row in db.session.execute(
                select(Brief.id, Brief.title).where(Brief.id.in_({d.brief_id for d in deals}))
            )
        }
        if brief is None
        else {}
    )
    return render_template(
        "deals/index.html",
        rows=rows,
        brief=brief,
        campaigns=campaigns,
        pause_form=pause_form,
        stage_labels=STAGE_LABELS,
        waiting_labels=WAITING_LABELS,
    )


def _board_choices(form: BoardFilterForm) -> None:
    """The board's filters list the briefs, brands, owners and staff by name."""
    anyone: list[tuple[Any, str]] = [("", _("Any"))]
    briefs = db.session.scalars(
        select(Brief).where(Brief.id.in_(select(Deal.brief_id))).order_by(Brief.id.desc())
    )
    form.brief.choices = anyone + [(b.id, b.display_title) for b in briefs]
    brands = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Deal.organisation_id)))
        .order_by(Organisation.name)
    )
    form.brand.choices = anyone + [(i, name) for i, name in brands]
    people = select(User.id, User.display_name).order_by(User.display_name)
    owners = db.session.execute(people.where(User.id.in_(select(Deal.owner_id))))
    form.owner.choices = anyone + [(i, name) for i, name in owners]
    staff = db.session.execute(people.where(User.role.in_([Role.STAFF, Role.ADMIN])))
    form.staff.choices = anyone + [(i, name) for i, name in staff]


@bp.get("/board")
def board() -> ResponseReturnValue:
    """Staff: every brief's deals by stage, filtered by brief, brand, owner, staff member, age."""
    form = BoardFilterForm(request.args)
    _board_choices(form)
    form.validate()
    query = select(Deal).order_by(Deal.id)
    if form.brief.data and not form.brief.errors:
        query = query.where(Deal.brief_id == form.brief.data)
    if form.brand.data and not form.brand.errors:
        query = query.where(Deal.organisation_id == form.brand.data)
    if form.owner.data and not form.owner.errors:
        query = query.where(Deal.owner_id == form.owner.data)
    if form.staff.data and not form.staff.errors:
        # The staff member's deals: those they acted on (sent, countered, confirmed …).
        query = query.where(Deal.events.any(DealEvent.actor_id == form.staff.data))
    now = utcnow()
    min_days = form.min_days.data if not form.min_days.errors else None
    columns: dict[Stage, list[dict[str, Any]]] = {stage: [] for stage in Stage}
    for deal in db.session.scalars(query):
        stage, waiting, since = board_stage(deal, now)
        if min_days and (now - since) < dt.timedelta(days=min_days):
            continue
        columns[stage].append({"deal": deal, "waiting": waiting, "since": since})
    briefs = {
        b.id: b
        for b in db.session.scalars(
            select(Brief).where(
                Brief.id.in_({c["deal"].brief_id for v in columns.values() for c in v})
            )
        )
    }
    return render_template(
        "deals/board.html",
        form=form,
        briefs=briefs,
        columns=columns,
        stage_labels=STAGE_LABELS,
        waiting_labels=WAITING_LABELS,
    )


def _detail_page(deal: Deal, **forms: Any) -> str:
    me = user()
    now = utcnow()
    view = services.deal_view(db.session, deal, me, now=now)
    offer = services.current_offer(deal)
    rounds = {v.number: v for v in offer.versions} if offer is not None else {}
    plan_totals = None
    if me.role in services.DESK_ROLES:
        plan = db.session.get(MediaPlan, deal.plan_id)
        if plan is not None:
            plan_totals = services.plan_totals(db.session, plan, actor=me)
    version_args = (request.args.get("a", type=int), request.args.get("b", type=int))
    actions = set(view["offer"]["actions"]) if view["offer"] else set()
    current = view["offer"]["version"] if view["offer"] else 0
    defaults = {"version": current, "deal_version": deal.version}
    counter = forms.get("counter_form")
    if counter is not None and offer is not None:
        pad_form(counter, len(offer_terms(offer).placements))
    if counter is None and ("counter" in actions or "edit" in actions):
        counter = counter_form_for(deal, defaults)
    stage = board_stage(deal, now)
    return render_template(
        "deals/detail.html",
        deal=deal,
        view=view,
        rounds=rounds,
        brief=db.session.get(Brief, deal.brief_id),
        channel_names=services.channel_names(db.session, (p.asset_id for p in deal.placements)),
        stage=stage,
        diff=version_diff(offer, *version_args),
        plan_totals=plan_totals,
        actions=actions,
        agency=is_agency(),
        version_form=VersionForm(formdata=None, data=defaults),
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None, data=defaults),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(formdata=None, data=defaults),
        counter_form=counter,
        cancel_form=forms.get("cancel_form")
        or CancelForm(formdata=None, data={"deal_version": deal.version}),
        deal_form=DealVersionForm(formdata=None, data={"deal_version": deal.version}),
        stage_labels=STAGE_LABELS,
        waiting_labels=WAITING_LABELS,
        decline_labels={r.value: label for r, label in DECLINE_LABELS.items()},
        stop_labels={r.value: label for r, label in STOP_LABELS.items()},
        preview=preview_figures(forms.get("preview")),
        creative_page="creative.placement" in current_app.view_functions,
    )


@bp.get("/<int:deal_id>")
def detail(deal_id: int) -> ResponseReturnValue:
    """A deal: placements, the offer thread, a diff between two rounds, timeline, actions."""
    deal = services.get_deal(db.session, deal_id, user())
    return _detail_page(deal)


def _deal_and_offer(deal_id: int) -> tuple[Deal, Offer]:
    deal = services.get_deal(db.session, deal_id, user())
    offer = services.current_offer(deal)
    if offer is None:
        abort(404)
    return deal, offer


def _done(deal: Deal, message: str) -> ResponseReturnValue:
    """After the unit of work committed: say so, and show the deal."""
    flash(message, "success")
    return redirect(url_for("deals.detail", deal_id=deal.id))


@bp.post("/<int:deal_id>/send")
def send(deal_id: int) -> ResponseReturnValue:
    """Staff send the draft to the owner."""
    deal, offer = _deal_and_offer(deal_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.send_offer(db.session, offer.id, version=form.version.data or 0, actor=user(),
                            deal_version=form.deal_version.data)  # fmt: skip
    return _done(deal, _("The offer was sent to the community owner."))


@bp.post("/<int:deal_id>/accept")
def accept(deal_id: int) -> ResponseReturnValue:
    """The owner accepts the agency's round, or staff accept the owner's counter."""
    deal, offer = _deal_and_offer(deal_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.accept_offer(db.session, offer.id, version=form.version.data or 0, actor=user(),
                              deal_version=form.deal_version.data)  # fmt: skip
    return _done(deal, _("The terms are accepted; both sides now confirm the agreement."))


@bp.post("/<int:deal_id>/decline")
def decline(deal_id: int) -> ResponseReturnValue:
    """The owner declines, with a reason from the list (and words)."""
    deal, offer = _deal_and_offer(deal_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _detail_page(deal, decline_form=form), 422
    with unit_of_work():
        services.decline_offer(db.session, offer.id, DeclineReason(form.reason.data),
                               version=form.version.data or 0, actor=user(),
                               text=form.text.data or "",
                               deal_version=form.deal_version.data)  # fmt: skip
    return _done(deal, _("The offer was declined."))


@bp.post("/<int:deal_id>/withdraw")
def withdraw(deal_id: int) -> ResponseReturnValue:
    """Staff take the offer back, saying why."""
    deal, offer = _deal_and_offer(deal_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _detail_page(deal, withdraw_form=form), 422
    with unit_of_work():
        services.withdraw_offer(db.session, offer.id, form.text.data or "",
                                version=form.version.data or 0, actor=user(),
                                deal_version=form.deal_version.data)  # fmt: skip
    return _done(deal, _("The offer was withdrawn."))


@bp.post("/<int:deal_id>/counter")
def counter(deal_id: int) -> ResponseReturnValue:
    """Answer with other terms (staff: also edit a draft before it is sent)."""
    deal, offer = _deal_and_offer(deal_id)
    form = CounterForm()
    if not form.validate_on_submit():
        return _detail_page(deal, counter_form=form), 422
    terms = terms_from_form(form, offer)
    if form.preview.data:
        return _detail_page(deal, counter_form=form, preview=terms)
    kwargs = {"version": form.version.data or 0, "actor": user(),
              "deal_version": form.deal_version.data}  # fmt: skip
    if offer.status is rules.OfferStatus.DRAFT:
        with unit_of_work():
            services.edit_offer(db.session, offer.id, terms, **kwargs)
        return _done(deal, _("The draft was saved."))
    with unit_of_work():
        services.counter_offer(db.session, offer.id, terms, note=form.note.data or "", **kwargs)
    return _done(deal, _("Your counter-offer was sent."))


@bp.get("/<int:deal_id>/figures")
def figures(deal_id: int) -> ResponseReturnValue:
    """Staff: margin, CPM and floor check for the entered prices (the live counter form)."""
    if not is_agency():
        abort(403)
    deal, offer = _deal_and_offer(deal_id)
    terms = pure_offer(offer).terms
    ordered = sorted(terms.placements, key=lambda p: (p.asset_id, p.placement_type.value))
    counts = request.args.getlist("counts", type=int)
    try:
        # Typed as the form shows them, in major units ("707.50"); minor units from here on.
        payouts = [parse_amount(v, terms.currency) for v in request.args.getlist("payouts")]
        prices = [parse_amount(v, terms.currency) for v in request.args.getlist("prices")]
    except ValueError as error:
        return jsonify(error={"code": "amount_invalid", "message": str(error)}), 422
    try:
        placements = tuple(
            replace(
                p,
                owner_payout_minor=payouts[i] if i < len(payouts) else p.owner_payout_minor,
                brand_price_minor=prices[i] if i < len(prices) else p.brand_price_minor,
                count=counts[i] if i < len(counts) else p.count,
            )
            for i, p in enumerate(ordered)
        )
        entered = replace(terms, placements=placements)
    except TermsInvalid as error:
        return jsonify(error={"code": "terms_invalid", "message": str(error)}), 422
    result = rules.desk_figures(
        entered, services.reach_p50(db.session, entered), floor_bp=services.margin_floor_bp()
    )
    return jsonify(
        brand_price=format_money(result.brand_price_minor, result.currency),
        owner_payout=format_money(result.owner_payout_minor, result.currency),
        margin=format_money(result.margin_minor, result.currency),
        margin_percent=None if result.margin_bp is None else f"{result.margin_bp / 100:.2f}%",
        cpm=None if result.cpm_minor is None else format_money(result.cpm_minor, result.currency),
        check=result.check.value,
        check_text=str(CHECK_LABELS.get(result.check.value, "")),
    )


@bp.post("/<int:deal_id>/cancel")
def cancel(deal_id: int) -> ResponseReturnValue:
    """Staff cancel the deal for good, with a reason."""
    deal = services.get_deal(db.session, deal_id, user())
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail_page(deal, cancel_form=form), 422
    with unit_of_work():
        services.cancel_deal(db.session, deal.id, StopReason(form.reason.data), actor=user(),
                             text=form.text.data or "",
                             deal_version=form.deal_version.data)  # fmt: skip
    return _done(deal, _("The deal was cancelled."))


@bp.post("/<int:deal_id>/amend")
def amend(deal_id: int) -> ResponseReturnValue:
    """Either side opens an amendment of an agreed deal (the agreement stays in force)."""
    deal = services.get_deal(db.session, deal_id, user())
    form = DealVersionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.amend_deal(db.session, deal.id, actor=user(), deal_version=form.deal_version.data)
    return _done(
        deal, _("An amendment is open; the agreement stays in force until both sides agree again.")
    )


@bp.post("/<int:deal_id>/resume")
def resume(deal_id: int) -> ResponseReturnValue:
    """Staff resume a paused deal where it was."""
    deal = services.get_deal(db.session, deal_id, user())
    form = DealVersionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.resume_deal(db.session, deal.id, actor=user(), deal_version=form.deal_version.data)
    return _done(deal, _("The deal was resumed."))


@bp.post("/<int:deal_id>/redraft")
def redraft(deal_id: int) -> ResponseReturnValue:
    """Staff start a new draft after a decline, an expiry or a withdrawal."""
    deal = services.get_deal(db.session, deal_id, user())
    form = DealVersionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.redraft_offer(
            db.session, deal.id, actor=user(), deal_version=form.deal_version.data
        )
    return _done(deal, _("A new draft offer is ready."))


@bp.post("/briefs/<int:brief_id>/pause")
def pause_brief(brief_id: int) -> ResponseReturnValue:
    """Force majeure: pause every open deal of a brief at once."""
    form = PauseForm()
    if not form.validate_on_submit():
        flash(_("Say what happened."), "error")
        return redirect(url_for("deals.index", brief=brief_id))
    with unit_of_work():
        paused = services.pause_brief_deals(db.session, brief_id, text=form.text.data or "",
                                            actor=user())  # fmt: skip
    flash(_("%(count)s deals were paused.", count=len(paused)), "success")
    return redirect(url_for("deals.index", brief=brief_id))


@bp.route("/<int:deal_id>/replacements", methods=["GET", "POST"])
def replacements(deal_id: int) -> ResponseReturnValue:
    """Staff: the next best communities for a declined deal, and offering one in its place."""
    deal = services.get_deal(db.session, deal_id, user())
    brief = db.session.get(Brief, deal.brief_id)
    assert brief is not None
    form = ReplacementForm()
    if form.validate_on_submit():
        with unit_of_work():
            new = services.offer_replacement(db.session, deal.id, form.community_id.data or 0,
                                             actor=user())  # fmt: skip
        flash(_("A replacement deal was opened; its draft offer waits to be sent."), "success")
        return redirect(url_for("deals.detail", deal_id=new.id))
    candidates = services.replacement_candidates(db.session, brief, deal)
    plan = db.session.get(MediaPlan, deal.plan_id)
    totals = services.plan_totals(db.session, plan, actor=user()) if plan else None
    return render_template(
        "deals/replacements.html", deal=deal, candidates=candidates, form=form, totals=totals
    ), (422 if request.method == "POST" else 200)


def _agreement_reader(deal_id: int) -> Deal:
    """Owners and agency staff read the agreement (it states the payout); brands do not."""
    if current_user.role not in (Role.OWNER, Role.STAFF, Role.ADMIN):
        abort(404)
    return services.get_deal(db.session, deal_id, user())


def _agreement_document(deal: Deal) -> tuple[dict[str, Any], str, Any]:
    """The agreement to read: the one pending confirmation, else the one in force."""
    if deal.accepted_version_id is not None:
        document, digest = services.pending_agreement_document(db.session, deal)
        return document, digest, None
    agreement = services.agreement_in_force(deal)
    if agreement is None:
        abort(404)
    return agreement.document, agreement.content_hash, agreement


@bp.get("/<int:deal_id>/agreement")
def agreement(deal_id: int) -> ResponseReturnValue:
    """The agreement summary in the reader's language, and the confirm button."""
    deal = _agreement_reader(deal_id)
    document, digest, stored = _agreement_document(deal)
    language = reader_language()
    form = ConfirmForm(
        data={"deal_version": deal.version, "content_hash": digest, "language": language}
    )
    pending = services.pending_agreement(deal) if stored is None else stored
    return render_template(
        "deals/agreement.html",
        deal=deal,
        text=agreement_text(document, language, agreement_names(deal, document, language)),
        digest=digest,
        form=form if stored is None else None,
        record=pending,
        language=language,
    )


@bp.post("/<int:deal_id>/agreement/confirm")
def confirm(deal_id: int) -> ResponseReturnValue:
    """One side confirms the agreement text it read, named by its hash."""
    deal = _agreement_reader(deal_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        record = services.confirm_agreement(
            db.session,
            deal.id,
            content_hash=form.content_hash.data,
            actor=user(),
            language=form.language.data or "he",
            deal_version=form.deal_version.data,
        )
    if record.complete:
        return _done(deal, _("Both sides confirmed: the deal is agreed."))
    return _done(deal, _("Your confirmation is recorded; the other side confirms next."))


@bp.get("/<int:deal_id>/agreement.pdf")
@ratelimits.document
def agreement_pdf(deal_id: int) -> ResponseReturnValue:
    """The agreement as a PDF (Hebrew right to left), its hash in the footer."""
    deal = _agreement_reader(deal_id)
    document, digest, _stored = _agreement_document(deal)
    language = reader_language()
    pdf = render_pdf(agreement_pdf_document(deal, document, digest, language))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="agreement-{deal.id}.pdf"'},
    )


def init_app(app: Flask) -> None:
    """Tell the brief page how many of a brief's deals its viewer may see (briefs sit below)."""
    brief_planning.register_deal_count(
        app,
        lambda session, viewer, brief: len(
            services.deals_visible_to(session, viewer, brief_id=brief.id)
        ),
    )
