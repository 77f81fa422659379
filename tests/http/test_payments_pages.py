"""Payment pages by role: who sees whose money, tampered amounts, onboarding, the Stripe config."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace import create_app
from marketplace.auth.models import User
from marketplace.config import TESTING
from marketplace.extensions import db
from marketplace.payments.models import CardPayment, ConnectedAccount, Payout
from pricing.payouts import PaymentStatus, PayoutStatus
from tests.factories import make_agreed_money, verify_deal_posts
from tests.stripe_fake import FakeStripe


def two_deals(app: Flask, make_user: Any) -> dict[str, Any]:
    """Two brands' agreed deals with two owners: each side must see only its own."""
    staff = make_user("staff")
    out: dict[str, Any] = {"staff": staff}
    for side in ("a", "b"):
        brand, owner = make_user("brand"), make_user("owner")
        with app.app_context():
            _, payment, payout = make_agreed_money(
                db.session, brand=db.session.get(User, brand.id),
                staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
            )  # fmt: skip
            db.session.commit()
            out[side] = {
                "brand": brand, "owner": owner, "payment": payment.id, "payout": payout.id,
                "deal": payout.deal_id, "amount": payment.amount_minor,
                "payout_amount": payout.amount_minor,
                "currency": payment.currency,
            }  # fmt: skip
    return out


def test_brands_see_only_their_own_payments(app: Flask, make_user: Any, auth: Any) -> None:
    world = two_deals(app, make_user)
    client = app.test_client()
    client.post("/auth/login", data={"email": world["a"]["brand"].email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    page = client.get("/payments/").get_data(as_text=True)
    assert f'data-payment="{world["a"]["payment"]}"' in page
    assert f'data-payment="{world["b"]["payment"]}"' not in page
    assert client.get(f"/payments/{world['b']['payment']}/pay").status_code == 404
    assert client.get(f"/payments/{world['a']['payment']}/pay").status_code == 200
    # A brand never sees what the owner is paid.
    assert str(world["a"]["payout_amount"]) not in page.replace(",", "")
    assert client.post(f"/payments/payouts/{world['b']['payout']}/dispute").status_code == 404


def test_owners_see_only_their_own_payouts_with_why_and_when(app: Flask, make_user: Any) -> None:
    world = two_deals(app, make_user)
    client = app.test_client()
    client.post("/auth/login", data={"email": world["a"]["owner"].email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    page = client.get("/payments/mine").get_data(as_text=True)
    pending = page.split("data-pending", 1)[1].split("</table>", 1)[0]
    assert f'data-deal="{world["a"]["deal"]}"' in pending
    assert f'data-deal="{world["b"]["deal"]}"' not in page
    # No Stripe key: paid by bank, and the row says why it waits and until when.
    assert "בהעברה בנקאית" in pending
    assert "ממתין לביצוע הפרסומים" in pending
    assert "צפוי עד" in pending
    assert "data-card-disabled" in page  # no Stripe key: paid by bank, and it says so
    assert client.get("/payments/payouts").status_code == 403
    assert client.get("/payments/reconciliation").status_code == 403


@pytest.mark.parametrize(
    "change", [{"amount_minor": "1"}, {"currency": "USD"}, {"amount_minor": "abc"}]
)
def test_a_tampered_amount_or_currency_is_refused_and_nothing_is_written(
    app_factory: Callable[..., Flask],
    fake_stripe: FakeStripe,
    make_user: Any,
    change: dict[str, str],
) -> None:
    from tests.stripe_peers import stripe_config

    app = app_factory(**stripe_config(fake_stripe))
    world = two_deals(app, make_user)
    client = app.test_client()
    client.post("/auth/login", data={"email": world["a"]["brand"].email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    honest = {"amount_minor": str(world["a"]["amount"]), "currency": world["a"]["currency"]}
    response = client.post(f"/payments/{world['a']['payment']}/pay", data={**honest, **change})
    assert response.status_code == 400
    with app.app_context():
        payment = db.session.get_one(CardPayment, world["a"]["payment"])
        assert (payment.intent_id, payment.status) == (None, PaymentStatus.DUE)
    # The honest request opens the card payment for the server's amount.
    page = client.post(f"/payments/{world['a']['payment']}/pay", data=honest)
    assert page.status_code == 200
    assert "data-client-secret=" in page.get_data(as_text=True)
    with app.app_context():
        payment = db.session.get_one(CardPayment, world["a"]["payment"])
        assert payment.status is PaymentStatus.OPEN
        assert payment.intent_id is not None


def test_an_owner_onboards_to_stripe_express_through_an_account_link(
    stripe_app: Flask, fake_stripe: FakeStripe, make_user: Any
) -> None:
    owner = make_user("owner")
    client = stripe_app.test_client()
    client.post("/auth/login", data={"email": owner.email, "password": "correct-horse-battery"})
    response = client.post("/payments/mine/onboard")
    assert response.status_code == 302
    [account_id] = fake_stripe.accounts
    assert response.headers["Location"] == f"{fake_stripe.base}/express/onboarding/{account_id}"
    assert fake_stripe.accounts[account_id]["type"] == "express"
    # Twice: the same account (the key is the owner's), a fresh link.
    assert client.post("/payments/mine/onboard").status_code == 302
    assert len(fake_stripe.accounts) == 1
    fake_stripe.complete_onboarding(account_id)
    assert client.get("/payments/mine/onboard/return").status_code == 302
    with stripe_app.app_context():
        account = db.session.query(ConnectedAccount).one()
        assert (account.account_id, account.payouts_enabled) == (account_id, True)
    page = client.get("/payments/mine").get_data(as_text=True)
    assert 'data-onboarding="ready"' in page


def test_delivery_verifies_and_finance_releases_a_payout_through_the_pages(
    stripe_app: Flask, fake_stripe: FakeStripe, make_user: Any
) -> None:
    world = two_deals(stripe_app, make_user)
    payout_id = world["a"]["payout"]
    staff, finance = (
        app_client(stripe_app, world["staff"]),
        app_client(stripe_app, make_user("finance")),
    )
    assert finance.post(f"/payments/payouts/{payout_id}/verify").status_code == 403
    # The deal has posts: delivery verifies them, staff's button is refused (409) ...
    assert staff.post(f"/payments/payouts/{payout_id}/verify").status_code == 409
    page = staff.get("/payments/payouts").get_data(as_text=True)
    assert f"/payments/payouts/{payout_id}/verify" not in page
    with stripe_app.app_context():
        verify_deal_posts(
            db.session, world["a"]["deal"], owner=db.session.get_one(User, world["a"]["owner"].id),
            staff=db.session.get_one(User, world["staff"].id),
        )  # fmt: skip
        db.session.commit()
        payout = db.session.get_one(Payout, payout_id)
        # ... and the last verified post opened the brand's window by itself.
        assert (payout.status, payout.verified_via) == (PayoutStatus.REVIEW_WINDOW, "delivery")
    assert staff.post(f"/payments/payouts/{payout_id}/release").status_code == 403
    assert finance.post(f"/payments/payouts/{payout_id}/release").status_code == 302
    with stripe_app.app_context():
        payout = db.session.get_one(Payout, payout_id)
        # The release queued a payout run (eager in tests): no account yet, so parked.
        assert (payout.status, payout.reason) == (PayoutStatus.PARKED, "no_account")
    # Released twice: the second is refused, nothing moves.
    assert finance.post(f"/payments/payouts/{payout_id}/release").status_code == 302
    assert staff.get("/payments/payouts").status_code == 200
    assert finance.get("/payments/reconciliation").status_code == 200


def app_client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": "correct-horse-battery"})
    return client


def test_production_refuses_a_test_stripe_key_and_starts_without_one(tmp_path: Any) -> None:
    base = {**TESTING, "ENV_NAME": "production", "SECRET_KEY": "x" * 40,
            "PUBLIC_BASE_URL": "https://kesher.example.co.il",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"}  # fmt: skip
    with pytest.raises(RuntimeError, match="live key"):
        create_app({**base, "STRIPE_SECRET_KEY": "sk_test_123"})
    with pytest.raises(RuntimeError, match="WEBHOOK_SECRET"):
        create_app({**base, "STRIPE_SECRET_KEY": "sk_live_123"})
    with pytest.raises(RuntimeError, match="API_BASE"):
        create_app({**base, "STRIPE_SECRET_KEY": "sk_live_123", "STRIPE_WEBHOOK_SECRET": "whsec_1",
                    "STRIPE_API_BASE": "http://127.0.0.1:1"})  # fmt: skip
    app = create_app(base)  # no key: bank transfer only
    assert app.extensions["kesher.payments.gateway"].enabled is False


def test_stripe_js_is_let_into_the_csp_only_when_card_payments_are_on(
    stripe_app: Flask, app_factory: Callable[..., Flask]
) -> None:
    with_cards = stripe_app.test_client().get("/").headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in with_cards
    assert "frame-src 'self' https://js.stripe.com https://hooks.stripe.com" in with_cards
    assert "form-action 'self' http://127.0.0.1:" in with_cards  # the peer's onboarding
    without = app_factory().test_client().get("/").headers["Content-Security-Policy"]
    assert "stripe" not in without


def test_the_payouts_table_keeps_each_amount_whole(app: Flask, make_user: Any) -> None:
    """An amount cell may not wrap mid-number ("4,910.0" / "0 ₪"): it is a .num cell."""
    world = two_deals(app, make_user)
    client = app.test_client()
    client.post("/auth/login", data={"email": world["staff"].email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    page = client.get("/payments/payouts").get_data(as_text=True)
    row = page.split(f'data-payout="{world["a"]["payout"]}"', 1)[1].split("</tr>", 1)[0]
    digits = f"{world['a']['payout_amount'] / 100:,.2f}"
    assert re.search(rf'<td class="num">[^<]*{re.escape(digits)}', row), row


def test_finance_types_a_refund_in_major_units(
    stripe_app: Flask, fake_stripe: FakeStripe, make_user: Any
) -> None:
    """₪307.50 typed as "307.50" refunds 30,750 agorot; "307.505" and "-1" are refused, said
    next to the payments, and nothing is written (the field once asked for agorot)."""
    from marketplace.payments import services
    from marketplace.payments.models import CardRefund
    from tests.stripe_peers import pay_as_stripe_js

    world = two_deals(stripe_app, make_user)
    payment_id = world["a"]["payment"]
    with stripe_app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        pay_as_stripe_js(fake_stripe.base, checkout.intent_id)
        services.sync_payment(db.session, payment)
        db.session.commit()
        assert payment.status is PaymentStatus.SUCCEEDED
        assert payment.amount_minor > 30_750  # ₪516.25 here
    finance = make_user("finance")
    client = stripe_app.test_client()
    client.post("/auth/login", data={"email": finance.email, "password": "correct-horse-battery"})
    page = client.get("/payments/").get_data(as_text=True)
    assert "סכום להחזר (₪)" in page
    assert "אגורות" not in page
    url = f"/payments/{payment_id}/refund"
    for bad, error in [("307.505", "עד שתי ספרות אחרי הנקודה העשרונית."),
                       ("-1", "יש להזין מספר בין 0.01 ל־10,000,000,000.")]:  # fmt: skip
        refused = client.post(url, data={"amount": bad, "currency": "ILS", "reason": "פוסט חסר"})
        assert refused.status_code == 422, bad
        row = refused.get_data(as_text=True).split(f'action="{url}"')[1]
        row = row.split("</form>")[0]
        assert f'value="{bad}"' in row, bad  # what was typed comes back, with why
        assert 'value="פוסט חסר"' in row, bad
        assert error in row, bad
        with stripe_app.app_context():
            assert db.session.scalars(select(CardRefund)).all() == [], bad
    done = client.post(url, data={"amount": "307.50", "currency": "ILS", "reason": "one post"})
    assert done.status_code == 302
    with stripe_app.app_context():
        [refund] = db.session.scalars(select(CardRefund)).all()
        assert refund.amount_minor == 30_750
        assert db.session.get_one(CardPayment, payment_id).refunded_minor == 30_750


def test_a_brand_told_to_pay_by_bank_is_one_click_from_its_invoices(
    app: Flask, make_user: Any
) -> None:
    """ "Pay by bank transfer to the account on your invoice" — with no way to the invoice."""
    world = two_deals(app, make_user)
    client = app.test_client()
    client.post("/auth/login", data={"email": world["a"]["brand"].email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    page = client.get("/payments/").get_data(as_text=True)
    notice = page.split("data-card-disabled", 1)[1].split("</p>", 1)[0]
    assert 'href="/finance/documents"' in notice
    invoices = client.get("/finance/documents")
    assert invoices.status_code == 200


def test_a_brand_holds_a_payout_only_by_saying_what_is_wrong(app: Flask, make_user: Any) -> None:
    """One click held the owner's money with nothing for the agency to check; now the words are
    asked for, kept when missing, and shown to the staff who decide."""
    world = two_deals(app, make_user)
    payout_id = world["a"]["payout"]
    with app.app_context():
        verify_deal_posts(
            db.session, world["a"]["deal"], owner=db.session.get_one(User, world["a"]["owner"].id),
            staff=db.session.get_one(User, world["staff"].id),
        )  # fmt: skip
        db.session.commit()
    brand, staff = app_client(app, world["a"]["brand"]), app_client(app, world["staff"])
    page = brand.get("/payments/").get_data(as_text=True)
    assert f"/payments/payouts/{payout_id}/dispute" in page
    with app.app_context():
        community = db.session.get_one(Payout, payout_id).deal.community.display_name
    row = page.split(f'data-payment="{world["a"]["payment"]}"', 1)[1].split("</tr>", 1)[0]
    assert community in row  # "#13" alone did not say what the payment was for
    assert 'name="text"' in page
    refused = brand.post(f"/payments/payouts/{payout_id}/dispute", data={"text": "  "})
    assert refused.status_code == 422
    assert "כתבו מה לא תקין, כדי שהסוכנות תוכל לבדוק." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Payout, payout_id).status is PayoutStatus.REVIEW_WINDOW
    # Another brand's payout stays out of reach, words or not.
    other = f"/payments/payouts/{world['b']['payout']}/dispute"
    assert brand.post(other, data={"text": "x"}).status_code == 404
    held = brand.post(f"/payments/payouts/{payout_id}/dispute", data={"text": "הפוסט נמחק"})
    assert held.status_code == 302
    with app.app_context():
        payout = db.session.get_one(Payout, payout_id)
        assert (payout.status, payout.reason_text) == (PayoutStatus.DISPUTED, "הפוסט נמחק")
    assert "הפוסט נמחק" in staff.get("/payments/payouts").get_data(as_text=True)
