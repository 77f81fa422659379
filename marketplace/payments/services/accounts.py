"""Owners' Stripe Connect accounts: Express onboarding and whether they can receive payouts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.finance import gateway as gw
from marketplace.payments.models import ConnectedAccount, Payout
from marketplace.payments.services.common import (
    CardPaymentsOff,
    PaymentError,
    gateway,
    move_payout_to,
)
from pricing.payouts import PayoutStatus


def account_for(session: SessionLike, owner: User) -> ConnectedAccount | None:
    return session.scalar(select(ConnectedAccount).where(ConnectedAccount.owner_id == owner.id))


def start_onboarding(session: SessionLike, owner: User) -> ConnectedAccount:
    """The owner's account row (committed before Stripe is asked to create the account)."""
    if not gateway().enabled:
        raise CardPaymentsOff(str(_l("Stripe payouts are not available; you are paid by bank.")))
    account = account_for(session, owner)
    if account is None:
        account = ConnectedAccount(owner_id=owner.id, requirements_due=[])
        session.add(account)
        session.flush()
    return account


def onboarding_link(
    session: SessionLike, account: ConnectedAccount, *, refresh_url: str, return_url: str
) -> str:
    """Create the Express account if needed (keyed by the owner), then a fresh account link."""
    try:
        if account.account_id is None:
            created = gateway().create_account(
                email=account.owner.email,
                country="IL",
                metadata={"kesher_owner": str(account.owner_id)},
                idempotency_key=account.create_key,
            )
            account.account_id = created.id
            apply_account(account, created, seen=0)
            session.flush()
        return gateway().create_account_link(
            account=account.account_id, refresh_url=refresh_url, return_url=return_url
        )
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error


def refresh_account(session: SessionLike, account: ConnectedAccount) -> ConnectedAccount:
    """Read the account's state from Stripe now (the owner came back from onboarding)."""
    if account.account_id is None:
        return account
    try:
        state = gateway().retrieve_account(account.account_id)
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error
    apply_account(account, state, seen=int(utcnow().timestamp()))
    unpark(session, account)
    session.flush()
    return account


def apply_account(account: ConnectedAccount, state: gw.ConnectedAccount, *, seen: int) -> None:
    account.payouts_enabled = state.payouts_enabled
    account.details_submitted = state.details_submitted
    account.requirements_due = list(state.requirements_due)
    account.disabled_reason = state.disabled_reason
    account.stripe_seen = max(account.stripe_seen or 0, seen)
    account.updated_at = utcnow()


def unpark(session: SessionLike, account: ConnectedAccount) -> None:
    """An account that can receive again releases the payouts parked for it."""
    if not account.payouts_enabled:
        return
    for payout in session.scalars(
        select(Payout).where(
            Payout.owner_id == account.owner_id,
            Payout.status == PayoutStatus.PARKED,
            Payout.reason.in_(["no_account", "account_incomplete"]),
        )
    ):
        move_payout_to(payout, PayoutStatus.READY, "ready")
