"""The money path in Chromium, in Hebrew, against the local Stripe peers: the owner connects
Stripe, the brand pays by card, localstripe's signed webhook records it, staff verify the
posts on delivery's pages (the payout's review window opens by itself), finance releases it,
the transfer reaches the owner who sees "paid" with the date, the reconciliation with Stripe
shows no differences, and the accountant's export opens: finance downloads the journal (XLSX)
and it holds this path's amounts, Stripe's fee included."""

from __future__ import annotations

import io
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace.auth.models import User
from marketplace.delivery.models import Post
from marketplace.extensions import db
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.payments.models import CardPayment, Payout
from pricing.payouts import PaymentStatus
from tests.browser.conftest import static_read_whole
from tests.browser.test_journeys import hebrew, log_in, log_out
from tests.factories import make_agreed_money, make_proof
from tests.processes import seconds
from tests.stripe_fake import FakeStripe, stripe_fee
from tests.stripe_peers import pay_as_stripe_js, stripe_config


@pytest.fixture
def money_server(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe, localstripe_url: str
) -> Iterator[tuple[Flask, str]]:
    """Kesher with Stripe configured (CSRF on), its webhook registered at both peers."""
    # No publishable key: the test plays Stripe.js's part itself (localstripe's fake Stripe.js
    # only authenticates 3-D Secure, it cannot confirm a card).
    app = app_factory(**stripe_config(fake_stripe, STRIPE_PUBLISHABLE_KEY=None),
                      WTF_CSRF_ENABLED=True)  # fmt: skip
    server = make_server("127.0.0.1", 0, static_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    hook = f"{base}/payments/stripe/webhook"
    fake_stripe.webhook_url = hook
    register = urllib.request.Request(  # noqa: S310 - loopback
        f"{localstripe_url}/_config/webhooks/kesher",
        data=f"url={hook}&secret={fake_stripe.webhook_secret}".encode(), method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(register, timeout=10):  # noqa: S310
        pass
    try:
        yield app, base
    finally:
        server.shutdown()
        thread.join(timeout=seconds(5))
        server.server_close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + seconds(15)
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_money_path_in_hebrew_against_the_local_stripe_peers(
    page: Page, money_server: tuple[Flask, str], fake_stripe: FakeStripe, make_user: Any,
    screenshot: Any,
) -> None:  # fmt: skip
    app, base = money_server
    brand, staff = make_user("brand", locale="he"), make_user("staff", locale="he")
    owner, finance = make_user("owner", locale="he"), make_user("finance", locale="he")
    with app.app_context():
        _, payment, payout = make_agreed_money(
            db.session, brand=db.session.get(User, brand.id),
            staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        payment_id, payout_id = payment.id, payout.id
        deal_id, currency = payment.deal_id, payment.currency
        paid_minor, payout_minor = payment.amount_minor, payout.amount_minor

    # The owner connects Stripe: Express onboarding, and back.
    log_in(page, base, owner.email)
    page.goto(f"{base}/payments/mine")
    page.get_by_role("button", name=hebrew(app, "Connect with Stripe")).click()
    expect(page.locator("[data-onboarding]")).to_have_attribute("data-onboarding", "ready")
    expect(
        page.get_by_text(hebrew(app, "Your Stripe account can receive payouts.")).first
    ).to_be_visible()
    log_out(page)

    # The brand pays by card; Stripe's signed event (from localstripe) records it.
    log_in(page, base, brand.email)
    page.goto(f"{base}/payments/")
    page.get_by_role("link", name=hebrew(app, "Pay by card")).click()
    page.get_by_role("button", name=hebrew(app, "Pay by card")).click()
    secret = page.locator("#card-payment").get_attribute("data-client-secret") or ""
    intent_id = secret.split("_secret_")[0]
    assert pay_as_stripe_js(fake_stripe.base, intent_id) == "succeeded"

    def paid() -> bool:
        with app.app_context():
            status = db.session.get_one(CardPayment, payment_id).status
            db.session.rollback()
            return status is PaymentStatus.SUCCEEDED

    wait_until(paid, "localstripe's payment_intent.succeeded")
    page.goto(f"{base}/payments/")
    expect(page.locator(f'[data-payment="{payment_id}"] [data-status]')).to_have_text(
        hebrew(app, "Paid")
    )
    log_out(page)

    # The owner proved the posts; staff verify each on delivery's pages, and the last one
    # opens the brand's review window by itself (no "Placements verified" button any more).
    with app.app_context():
        post_ids = [
            make_proof(db.session, post, actor=db.session.get_one(User, owner.id)).post_id
            for post in db.session.scalars(
                select(Post).where(Post.deal_id == deal_id).order_by(Post.id)
            )
        ]
        db.session.commit()
    log_in(page, base, staff.email)
    for post_id in post_ids:
        page.goto(f"{base}/campaigns/posts/{post_id}")
        page.get_by_role("button", name=hebrew(app, "Verify: the post ran as agreed")).click()
    page.goto(f"{base}/payments/payouts")
    row = page.locator(f'[data-payout="{payout_id}"]')
    expect(row).to_have_attribute("data-status", "review_window")
    expect(row).to_contain_text(hebrew(app, "Verified by delivery"))
    expect(page.get_by_role("button", name=hebrew(app, "Placements verified"))).to_have_count(0)
    log_out(page)
    log_in(page, base, finance.email)
    page.goto(f"{base}/payments/payouts")
    page.get_by_role("button", name=hebrew(app, "Release now")).click()
    expect(page.locator(f'[data-payout="{payout_id}"]')).to_have_attribute("data-status", "paid")
    assert len(fake_stripe.transfers) == 1
    page.goto(f"{base}/payments/reconciliation")
    page.get_by_role("button", name=hebrew(app, "Compare with Stripe now")).click()
    expect(page.locator("[data-no-differences]")).to_be_visible()
    log_out(page)

    # The owner sees the money paid, with its date.
    log_in(page, base, owner.email)
    page.goto(f"{base}/payments/mine")
    row = page.locator(f'[data-payout="{payout_id}"]')
    expect(row).to_have_attribute("data-status", "paid")
    with app.app_context():
        paid_on = db.session.get_one(Payout, payout_id).paid_at
    assert paid_on is not None
    expect(row).to_contain_text(hebrew(app, "Paid"))
    screenshot("money-owner-he")
    log_out(page)

    # The accountant's export opens: finance downloads the journal and it holds this path.
    log_in(page, base, finance.email)
    page.goto(f"{base}/finance/desk")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=hebrew(app, "Journal (XLSX)")).click()
    download = download_info.value
    assert download.suggested_filename == "kesher-journal.xlsx"
    with open(download.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    column = {name: index for index, name in enumerate(header)}

    def minor(cell: Any) -> int:
        return int(Decimal(str(cell)) * 100) if cell not in (None, "") else 0

    booked: dict[tuple[str, str], int] = {}
    for row in rows:
        if str(row[column["deal_id"]]) != str(deal_id):
            continue
        assert row[column["currency"]] == currency
        key = (str(row[column["kind"]]), str(row[column["account"]]))
        signed = minor(row[column["debit"]]) - minor(row[column["credit"]])
        booked[key] = booked.get(key, 0) + signed
    fee = stripe_fee(paid_minor)  # what localstripe's balance transaction said Stripe kept
    assert booked[("card_payment_captured", "brand_receivable")] == -paid_minor
    assert booked[("card_payment_captured", "stripe_cash")] == paid_minor - fee
    assert booked[("card_payment_captured", "stripe_fees")] == fee
    assert booked[("transfer_to_owner", "owner_payable")] == payout_minor
    assert booked[("transfer_to_owner", "stripe_cash")] == -payout_minor
    with app.app_context():
        invoice = db.session.scalars(
            select(FinanceDocument).where(
                FinanceDocument.deal_id == deal_id, FinanceDocument.kind == DocumentKind.TAX_INVOICE
            )
        ).one()
        invoiced_minor = invoice.gross_minor
    assert booked[("invoice_issued", "brand_receivable")] == invoiced_minor
    assert booked[("invoice_issued", "owner_payable")] == -payout_minor
    assert sum(booked.values()) == 0, "every entry of the path balances"
