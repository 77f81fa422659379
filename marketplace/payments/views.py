"""Payment pages: brands pay by card, owners onboard and see their money, staff and finance move
payouts and reconcile; and the one Stripe webhook endpoint.

Every view that calls Stripe first commits what it is about to do (one unit of work), then
makes the call and commits the answer (a second one): the Stripe call never runs inside a
transaction, and a crash between the two leaves a row whose idempotency key makes the retry
safe.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
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
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace import jobs
from marketplace.auth.models import Role
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.finance import gateway as gw
from marketplace.finance.views import pending_text
from marketplace.forms_common import to_minor
from marketplace.payments import services
from marketplace.payments.forms import (
    DisputeForm,
    OnboardForm,
    PayForm,
    PayoutActionForm,
    ReconcileForm,
    RefundForm,
    ResolveForm,
    SettleForm,
)
from marketplace.payments.models import CardRefund, Payout
from marketplace.web import unit_of_work
from pricing.payouts import PaymentStatus, PayoutStatus

bp = Blueprint("payments", __name__, url_prefix="/payments")
log = logging.getLogger(__name__)


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


#: The words for each state, in the reader's language.
PAYMENT_LABELS = {
    PaymentStatus.DUE: _l("Payment due"),
    PaymentStatus.OPEN: _l("Waiting for the card"),
    PaymentStatus.PROCESSING: _l("Processing"),
    PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.FAILED: _l("The card was declined"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.CANCELLED: _l("Cancelled"),
}
PAYOUT_LABELS = {
    PayoutStatus.AWAITING_DELIVERY: _l("Awaiting verification"),
    PayoutStatus.REVIEW_WINDOW: _l("In the brand's review window"),
    PayoutStatus.DISPUTED: _l("Disputed"),
    PayoutStatus.READY: _l("Released"),
    PayoutStatus.PARKED: _l("On hold"),
    PayoutStatus.SENDING: _l("Sending"),
    PayoutStatus.UNKNOWN: _l("Unknown — reconcile"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.CANCELLED: _l("Cancelled"),
}
RECONCILIATION_LABELS = {
    "missing_at_stripe": _l("Recorded at Kesher, missing at Stripe"),
    "missing_at_kesher": _l("At Stripe, missing at Kesher"),
    "amount_differs": _l("The amounts differ"),
    "ledger_payable_short": _l("Paid to the owner before the ledger owed it (no invoice yet)"),
}


def init_app(app: Flask) -> None:
    """Build the payment gateway, let Stripe.js into the CSP when cards are on, and give
    templates the words for each state."""
    services.init_gateway(app)
    if app.extensions[services.GATEWAY_KEY].enabled:
        origin = services.origin_of(app.config.get("STRIPE_JS_URL") or services.STRIPE_JS)
        # Stripe.js loads from its origin, frames the card field, and calls Stripe's API.
        app.extensions.setdefault("kesher.csp.extra", {}).update(
            {
                "script-src": [origin],
                "frame-src": [origin, "https://hooks.stripe.com"],
                "connect-src": ["https://api.stripe.com", origin],
                # "Connect with Stripe" posts a form that redirects to Stripe's onboarding.
                "form-action": [services.origin_of(services.connect_origin(app.config))],
            }
        )

    @app.context_processor
    def money_labels() -> dict[str, Any]:
        return {
            "payment_status_label": lambda s: str(PAYMENT_LABELS.get(s, s)),
            "payout_status_label": lambda s: str(PAYOUT_LABELS.get(s, s)),
            "reconciliation_label": lambda k: str(RECONCILIATION_LABELS.get(k, k)),
        }


def _enqueue_run(user: Any) -> None:
    """A payout run on the queue (it reaches the queue when the caller's block commits)."""
    jobs.enqueue(db.session, "payments.run_payouts", user=user)


# --- brands: pay by card ---


@bp.get("/")
def index() -> ResponseReturnValue:
    """The payments the user may see: a brand its organisation's, the money desk all."""
    return _index_page()


def _index_page(
    refund_form: RefundForm | None = None,
    refunding: int | None = None,
    dispute_form: DisputeForm | None = None,
    disputing: int | None = None,
) -> str:
    """The payments page; `refunding` names the payment whose refund form comes back with
    what was typed and its errors, `disputing` the payout whose problem form does."""
    user = _user()
    payments = services.payments_for(db.session, user)
    payouts = {
        p.deal_id: p
        for p in db.session.scalars(
            services.payouts_query(user).where(Payout.deal_id.in_([p.deal_id for p in payments]))
        )
    }
    return render_template(
        "payments/index.html",
        payments=payments,
        payouts=payouts,
        card_enabled=services.gateway().enabled,
        # Paid by bank transfer, a brand needs its invoices (with the account) one click away.
        invoices_url=url_for("finance.documents")
        if "finance.documents" in current_app.view_functions
        else None,
        is_brand=user.role is Role.BRAND,
        is_finance=user.role in {Role.FINANCE, Role.ADMIN},
        refund_form=refund_form or RefundForm(),
        refunding=refunding,
        dispute_form=dispute_form or DisputeForm(formdata=None),
        disputing=disputing,
        PaymentStatus=PaymentStatus,
        PayoutStatus=PayoutStatus,
    )


@bp.route("/<int:payment_id>/pay", methods=["GET", "POST"])
def pay(payment_id: int) -> ResponseReturnValue:
    """Show what is due; on POST (the amount the page showed) open the card payment."""
    payment = services.get_payment(db.session, payment_id, _user())
    form = PayForm(amount_minor=str(payment.amount_minor), currency=payment.currency)
    checkout = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            amount = int(str(form.amount_minor.data))
        except ValueError:
            amount = -1
        services.check_amount(payment, amount, form.currency.data)
        with unit_of_work():
            checkout = services.open_intent(db.session, payment)
    return render_template(
        "payments/pay.html",
        payment=payment,
        form=form,
        checkout=checkout,
        card_enabled=services.gateway().enabled,
        stripe_js=services.stripe_js_url(),
        payable=payment.status in {PaymentStatus.DUE, PaymentStatus.OPEN, PaymentStatus.FAILED},
    )


@bp.get("/<int:payment_id>/return")
def payment_return(payment_id: int) -> ResponseReturnValue:
    """Back from Stripe.js: read the intent's status now (the webhook confirms it too)."""
    payment = services.get_payment(db.session, payment_id, _user())
    with unit_of_work():
        services.sync_payment(db.session, payment)
    if payment.status is PaymentStatus.SUCCEEDED:
        flash(_("Thank you: the payment went through."), "success")
    elif payment.status is PaymentStatus.PROCESSING:
        flash(_("The payment is being processed; this page will show when it is done."), "info")
    return redirect(url_for("payments.index"))


@bp.post("/<int:payment_id>/refund")
def refund(payment_id: int) -> ResponseReturnValue:
    """Finance refunds part or all of a card payment through Stripe."""
    user = _user()
    payment = services.get_payment(db.session, payment_id, user)
    form = RefundForm()
    if not form.validate_on_submit():
        if not (form.amount.errors or form.reason.errors):
            abort(400)  # a missing token or currency: not something a person typed
        # "707.505" or "-1" is a typing slip: the row's form comes back with it and the reason.
        return _index_page(form, payment.id), 422
    if (form.currency.data or "").upper() != payment.currency:
        raise services.AmountMismatch()
    amount_minor = to_minor(form.amount.data, payment.currency) or 0
    with unit_of_work():
        record = services.request_refund(
            db.session, payment, amount_minor, form.reason.data or "", actor=user
        )
    with unit_of_work():
        record = db.session.get_one(CardRefund, record.id)
        services.send_refund(db.session, record)
    if record.status.value == "succeeded":
        flash(_("Refunded."), "success")
    else:
        flash(_("Stripe did not confirm the refund: %(error)s", error=record.error or ""), "error")
    return redirect(url_for("payments.index"))


# --- owners: onboarding and their money ---


@bp.get("/mine")
def owner() -> ResponseReturnValue:
    """The owner's one money page: the Stripe account's state, every pending amount with why
    and when, and what was paid with its date (``/finance/my-money`` comes here)."""
    user = _user()
    rows = services.owner_overview(db.session, user)
    return render_template(
        "payments/owner.html",
        account=services.account_for(db.session, user),
        pending=[row for row in rows if row.paid_on is None],
        paid=[row for row in rows if row.paid_on is not None],
        card_enabled=services.gateway().enabled,
        form=OnboardForm(),
        pending_text=pending_text,
        PayoutStatus=PayoutStatus,
    )


def _link(account_id: int) -> ResponseReturnValue:
    account = db.session.get_one(services.ConnectedAccount, account_id)
    with unit_of_work():
        url = services.onboarding_link(
            db.session,
            account,
            refresh_url=url_for("payments.onboard_refresh", _external=True),
            return_url=url_for("payments.onboard_return", _external=True),
        )
    return redirect(provider_page(url))


def provider_page(url: str) -> str:
    """A page of the payment provider's own, as its API returned it for this account (never a
    value from the request): only an absolute http(s) address is followed."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise services.PaymentError()
    return url


@bp.post("/mine/onboard")
def onboard() -> ResponseReturnValue:
    """Create the owner's Express account (once) and send them to Stripe's onboarding."""
    with unit_of_work():
        account = services.start_onboarding(db.session, _user())
    return _link(account.id)


@bp.get("/mine/onboard/refresh")
def onboard_refresh() -> ResponseReturnValue:
    """Stripe's link expired: a fresh one for the same account."""
    account = services.account_for(db.session, _user())
    if account is None:
        return redirect(url_for("payments.owner"))
    return _link(account.id)


@bp.get("/mine/onboard/return")
def onboard_return() -> ResponseReturnValue:
    """Back from Stripe: read the account's state now."""
    account = services.account_for(db.session, _user())
    if account is not None:
        with unit_of_work():
            services.refresh_account(db.session, account)
        if account.payouts_enabled:
            flash(_("Your Stripe account can receive payouts."), "success")
        else:
            flash(_("Stripe still needs some details from you."), "info")
    return redirect(url_for("payments.owner"))


# --- staff and finance: payouts ---


@bp.get("/payouts")
def payouts() -> ResponseReturnValue:
    """Every payout, with the action each role may take on it."""
    user = _user()
    rows = list(db.session.scalars(services.payouts_query(user).order_by(Payout.id.desc())))
    now = utcnow()
    return render_template(
        "payments/payouts.html",
        payouts=rows,
        whys={line.payout.id: line for line in services.money_lines(db.session, rows, now)},
        by_hand=services.verifiable_by_hand(db.session, rows),
        form=PayoutActionForm(),
        settle_form=SettleForm(),
        is_staff=user.role in {Role.STAFF, Role.ADMIN},
        is_finance=user.role in {Role.FINANCE, Role.ADMIN},
        PayoutStatus=PayoutStatus,
    )


def _payout_action(payout_id: int, action: Any, message: str) -> ResponseReturnValue:
    user = _user()
    if not PayoutActionForm().validate_on_submit():
        abort(400)
    payout = services.get_payout(db.session, payout_id, user)
    with unit_of_work(success=message):
        moved = action(db.session, payout, actor=user)
        if moved.status is PayoutStatus.READY:
            _enqueue_run(user)
    target = "payments.index" if user.role is Role.BRAND else "payments.payouts"
    return redirect(url_for(target))


@bp.post("/payouts/<int:payout_id>/verify")
def verify(payout_id: int) -> ResponseReturnValue:
    """Staff verified the placements by hand: a deal without posts, or after a missed post."""
    return _payout_action(
        payout_id, services.verify_payout, _("Verified; the brand's review window started.")
    )


@bp.post("/payouts/<int:payout_id>/release")
def release(payout_id: int) -> ResponseReturnValue:
    """Finance releases the payout now (or retries a parked one)."""
    return _payout_action(payout_id, services.release_payout, _("Released for payment."))


@bp.post("/payouts/<int:payout_id>/dispute")
def dispute(payout_id: int) -> ResponseReturnValue:
    """The brand raises a problem with the delivery, in words: the payout is held."""
    user = _user()
    payout = services.get_payout(db.session, payout_id, user)
    form = DisputeForm()
    if not form.validate_on_submit():
        return _index_page(dispute_form=form, disputing=payout.id), 422
    with unit_of_work(success=_("The payout is held until the agency decides.")):
        services.dispute_payout(db.session, payout, actor=user, text=form.text.data or "")
    return redirect(url_for("payments.index"))


@bp.post("/payouts/<int:payout_id>/settle")
def settle(payout_id: int) -> ResponseReturnValue:
    """Staff decide a dispute."""
    user = _user()
    form = SettleForm()
    if not form.validate_on_submit():
        abort(400)
    payout = services.get_payout(db.session, payout_id, user)
    with unit_of_work(success=_("Decided.")):
        moved = services.settle_dispute(
            db.session, payout, pay=form.decision.data == "pay", actor=user
        )
        if moved.status is PayoutStatus.READY:
            _enqueue_run(user)
    return redirect(url_for("payments.payouts"))


# --- finance: reconciliation ---


@bp.get("/reconciliation")
def reconciliation() -> ResponseReturnValue:
    """Open differences between our records and Stripe's balance, with both sides."""
    return render_template(
        "payments/reconciliation.html",
        items=services.open_items(db.session),
        form=ReconcileForm(),
        resolve_form=ResolveForm(),
        card_enabled=services.gateway().enabled,
    )


@bp.post("/reconciliation")
def run_reconciliation() -> ResponseReturnValue:
    """Compare with Stripe now."""
    if not ReconcileForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        found = services.reconcile(db.session)
    flash(_("%(count)s new difference(s).", count=len(found)), "info")
    return redirect(url_for("payments.reconciliation"))


@bp.post("/reconciliation/<int:item_id>/resolve")
def resolve(item_id: int) -> ResponseReturnValue:
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(success=_("Resolved.")):
        services.resolve_item(db.session, item_id, form.note.data or "", actor=_user())
    return redirect(url_for("payments.reconciliation"))


# --- Stripe's webhook ---


@bp.post("/stripe/webhook")
def webhook() -> ResponseReturnValue:
    """Verify the signature on the raw body, then apply the event exactly once.

    No session, no CSRF token: Stripe signs the body instead (the policy table's webhook rule).
    A bad signature or a stale timestamp answers 400 and writes nothing.
    """
    payload = request.get_data(cache=False)
    try:
        event = services.gateway().verify_event(payload, request.headers.get("Stripe-Signature"))
    except gw.SignatureInvalid as error:
        log.warning("stripe webhook refused: %s", error.message)
        return jsonify(error={"code": "bad_signature", "message": "signature"}), 400
    if current_app.config["ENV_NAME"] == "production" and not event.livemode:
        # A test-mode event signed with the live secret: Stripe's own tests, never our money.
        return jsonify(received=True, outcome="ignored")
    with unit_of_work():
        outcome = services.handle_event(db.session, event)
    return jsonify(received=True, outcome=outcome)
