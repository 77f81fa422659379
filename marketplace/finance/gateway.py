"""The payment gateway: Kesher's one door to Stripe (the only module that imports `stripe`).

Everything else talks to :class:`PaymentGateway` and gets plain values back (dataclasses of
ints and strings), never a Stripe object. :func:`gateway_for` builds the gateway an app's
configuration asks for:

- no ``STRIPE_SECRET_KEY``: :class:`DisabledGateway` — card payment and Connect payouts are
  off, bank transfer is the way to pay (the development default; ``make run`` needs no key);
- a key: :class:`StripeGateway`, the official SDK's ``StripeClient`` with
  ``max_network_retries=0`` (a retry is a decision of ours, made with the same idempotency key
  from our own row) and, when ``STRIPE_API_BASE`` is set, another address for the API (a
  proxy, or a local Stripe peer). The gateway does not know which one answers.

Errors are sorted by what the caller must do next: :class:`GatewayRefused` (Stripe answered
no: nothing happened, say why), :class:`GatewayUnknown` (no answer, or a server error: the
call may or may not have taken effect — reconcile, never call it failed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe

#: Stripe's own tolerance for a webhook's signed timestamp (seconds).
WEBHOOK_TOLERANCE = 300


class GatewayError(Exception):
    """A payment call did not give the answer the caller wanted."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class GatewayDisabled(GatewayError):
    """Card payments and Connect payouts are not configured (no Stripe key)."""


class GatewayRefused(GatewayError):
    """Stripe answered and said no (invalid request, card declined): nothing was done."""


class GatewayUnknown(GatewayError):
    """No answer (timeout, connection) or a server error: the effect is unknown; reconcile."""


class SignatureInvalid(GatewayError):
    """A webhook whose signature or timestamp does not verify."""


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None = None
    charge_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    amount: int
    currency: str


@dataclass(frozen=True)
class ConnectedAccount:
    """What gates a payout: can the account receive one, and if not, why."""

    id: str
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    currency: str
    destination: str
    transfer_group: str | None
    reversed: bool = False
    amount_reversed: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BalanceTransaction:
    id: str
    amount: int
    fee: int
    net: int
    currency: str
    type: str
    source: str | None


@dataclass(frozen=True)
class Event:
    """A verified webhook event: the fields Kesher reads, and the object as sent."""

    id: str
    type: str
    created: int
    livemode: bool
    account: str | None
    object: dict[str, Any]


class PaymentGateway(Protocol):
    """What Kesher asks of a payment provider."""

    #: Whether card payments and Connect payouts can be made at all.
    enabled: bool
    #: The publishable key the pay page gives Stripe.js (None when disabled).
    publishable_key: str | None

    def create_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> PaymentIntent: ...

    def retrieve_payment_intent(self, intent_id: str) -> PaymentIntent: ...

    def create_refund(
        self, *, payment_intent: str, amount: int, idempotency_key: str
    ) -> Refund: ...

    def create_account(
        self, *, email: str, country: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> ConnectedAccount: ...

    def retrieve_account(self, account_id: str) -> ConnectedAccount: ...

    def create_account_link(self, *, account: str, refresh_url: str, return_url: str) -> str: ...

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> Transfer: ...

    def transfers_in_group(self, transfer_group: str) -> Sequence[Transfer]: ...

    def balance_transactions(self) -> Sequence[BalanceTransaction]: ...

    def charge_balance(self, charge_id: str) -> BalanceTransaction | None: ...

    def verify_event(self, payload: bytes, signature: str | None) -> Event: ...


class DisabledGateway:
    """No Stripe key: every money call says so; nothing reaches a network."""

    enabled = False
    publishable_key: str | None = None

    def _off(self, *args: Any, **kwargs: Any) -> Any:
        raise GatewayDisabled("Card payments are not configured (no Stripe key).")

    create_payment_intent = _off
    retrieve_payment_intent = _off
    create_refund = _off
    create_account = _off
    retrieve_account = _off
    create_account_link = _off
    create_transfer = _off
    transfers_in_group = _off
    balance_transactions = _off
    charge_balance = _off

    def verify_event(self, payload: bytes, signature: str | None) -> Event:
        raise SignatureInvalid("No webhook secret is configured.")


def _call(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one SDK call, sorting its errors into refused and unknown."""
    try:
        return func(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        # No answer, or Stripe's own failure: the request may have taken effect.
        raise GatewayUnknown(str(error.user_message or error), code=error.code) from error
    except stripe.StripeError as error:
        raise GatewayRefused(str(error.user_message or error), code=error.code) from error


def _intent(obj: Any) -> PaymentIntent:
    charge = obj.get("latest_charge")
    if isinstance(charge, Mapping):
        charge = charge.get("id")
    return PaymentIntent(
        id=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret"),
        charge_id=charge,
        metadata=dict(obj.get("metadata") or {}),
    )


def account_from(obj: Mapping[str, Any]) -> ConnectedAccount:
    """A connected account's payout gate, from an API object or an event's object."""
    requirements = obj.get("requirements") or {}
    due = tuple(
        dict.fromkeys(
            [*(requirements.get("currently_due") or []), *(requirements.get("past_due") or [])]
        )
    )
    return ConnectedAccount(
        id=obj["id"],
        payouts_enabled=bool(obj.get("payouts_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
        requirements_due=due,
        disabled_reason=requirements.get("disabled_reason"),
    )


def balance_from(obj: Mapping[str, Any]) -> BalanceTransaction:
    """A balance line as Stripe documents it: gross ``amount``, ``fee`` kept, ``net`` credited."""
    source = obj.get("source")
    if isinstance(source, Mapping):
        source = source.get("id")
    return BalanceTransaction(
        id=obj["id"],
        amount=int(obj["amount"]),
        fee=int(obj.get("fee") or 0),
        net=int(obj["net"] if obj.get("net") is not None else obj["amount"]),
        currency=str(obj["currency"]).upper(),
        type=str(obj.get("type") or ""),
        source=source,
    )


def transfer_from(obj: Mapping[str, Any]) -> Transfer:
    return Transfer(
        id=obj["id"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        destination=str(obj.get("destination") or ""),
        transfer_group=obj.get("transfer_group"),
        reversed=bool(obj.get("reversed")),
        amount_reversed=int(obj.get("amount_reversed") or 0),
        metadata=dict(obj.get("metadata") or {}),
    )


class StripeGateway:
    """The real thing, over the official SDK's `StripeClient`."""

    enabled = True

    def __init__(
        self,
        secret_key: str,
        *,
        webhook_secret: str | None,
        publishable_key: str | None = None,
        api_base: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        bases: dict[str, str] = {}
        if api_base:
            bases = {"api": api_base.rstrip("/"), "connect": api_base.rstrip("/")}
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=bases,  # type: ignore[arg-type]
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self.webhook_secret = webhook_secret
        self.publishable_key = publishable_key

    def _dict(self, obj: Any) -> dict[str, Any]:
        return dict(json.loads(str(obj)))

    def create_payment_intent(
        self, *, amount: int, currency: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> PaymentIntent:
        obj = _call(
            self.client.v1.payment_intents.create,
            params={
                "amount": amount,
                "currency": currency.lower(),
                "metadata": dict(metadata),
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": idempotency_key},
        )
        return _intent(self._dict(obj))

    def retrieve_payment_intent(self, intent_id: str) -> PaymentIntent:
        return _intent(self._dict(_call(self.client.v1.payment_intents.retrieve, intent_id)))

    def create_refund(self, *, payment_intent: str, amount: int, idempotency_key: str) -> Refund:
        obj = self._dict(
            _call(
                self.client.v1.refunds.create,
                params={"payment_intent": payment_intent, "amount": amount},
                options={"idempotency_key": idempotency_key},
            )
        )
        return Refund(
            id=obj["id"],
            status=obj["status"],
            amount=int(obj["amount"]),
            currency=str(obj["currency"]).upper(),
        )

    def create_account(
        self, *, email: str, country: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> ConnectedAccount:
        obj = _call(
            self.client.v1.accounts.create,
            params={
                "type": "express",
                "email": email,
                "country": country,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": dict(metadata),
            },
            options={"idempotency_key": idempotency_key},
        )
        return account_from(self._dict(obj))

    def retrieve_account(self, account_id: str) -> ConnectedAccount:
        return account_from(self._dict(_call(self.client.v1.accounts.retrieve, account_id)))

    def create_account_link(self, *, account: str, refresh_url: str, return_url: str) -> str:
        obj = _call(
            self.client.v1.account_links.create,
            params={
                "account": account,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(self._dict(obj)["url"])

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> Transfer:
        obj = _call(
            self.client.v1.transfers.create,
            params={
                "amount": amount,
                "currency": currency.lower(),
                "destination": destination,
                "transfer_group": transfer_group,
                "metadata": dict(metadata),
            },
            options={"idempotency_key": idempotency_key},
        )
        return transfer_from(self._dict(obj))

    def transfers_in_group(self, transfer_group: str) -> Sequence[Transfer]:
        page = _call(
            self.client.v1.transfers.list,
            params={"transfer_group": transfer_group, "limit": 100},
        )
        return [transfer_from(self._dict(item)) for item in page.auto_paging_iter()]

    def balance_transactions(self) -> Sequence[BalanceTransaction]:
        page = _call(self.client.v1.balance_transactions.list, params={"limit": 100})
        return [balance_from(self._dict(item)) for item in page.auto_paging_iter()]

    def charge_balance(self, charge_id: str) -> BalanceTransaction | None:
        """The balance line of a charge (its fee and net), None while Stripe has none yet."""
        charge = self._dict(_call(self.client.v1.charges.retrieve, charge_id))
        txn = charge.get("balance_transaction")
        if isinstance(txn, Mapping):
            return balance_from(txn)
        if not txn:
            return None
        return balance_from(
            self._dict(_call(self.client.v1.balance_transactions.retrieve, str(txn)))
        )

    def verify_event(self, payload: bytes, signature: str | None) -> Event:
        """Check the signature on the raw body (300 s tolerance), then read the event."""
        # Stripe signs the platform's endpoint and the Connect endpoint with different secrets;
        # both point here, so any one of the configured secrets (comma-separated) may match.
        secrets = [part.strip() for part in (self.webhook_secret or "").split(",") if part.strip()]
        if not secrets or not signature:
            raise SignatureInvalid("missing signature or webhook secret")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SignatureInvalid(str(error)) from error
        # The signature first: anyone may post here, and only Stripe's body is worth parsing
        # (a deeply nested one would otherwise raise RecursionError, a 500, unauthenticated).
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(text, signature, secret, WEBHOOK_TOLERANCE)
                break
            except stripe.SignatureVerificationError as error:
                last = error
        else:
            raise SignatureInvalid(str(last)) from last
        try:
            body = json.loads(text)
            return Event(
                id=str(body["id"]),
                type=str(body["type"]),
                created=int(body["created"]),
                livemode=bool(body.get("livemode")),
                account=body.get("account"),
                object=dict(body["data"]["object"]),
            )
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise SignatureInvalid(f"not an event: {error}") from error


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse settings that would take real money wrongly; called when the app is made.

    Without a key, card payments are off in every environment (bank transfer only). With one,
    production accepts only a live key, needs the webhook secret, and refuses another API
    address (a live key must never be sent anywhere but Stripe).
    """
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        return
    if config.get("ENV_NAME") == "production":
        if not str(key).startswith(("sk_live_", "rk_live_")):
            raise RuntimeError(
                "KESHER_STRIPE_SECRET_KEY in production must be a live key (sk_live_… or "
                "rk_live_…); unset it to run with bank transfer only."
            )
        if not config.get("STRIPE_WEBHOOK_SECRET"):
            raise RuntimeError(
                "Set KESHER_STRIPE_WEBHOOK_SECRET (whsec_…): card payments are confirmed by "
                "Stripe's signed webhooks."
            )
        if config.get("STRIPE_API_BASE"):
            raise RuntimeError("KESHER_STRIPE_API_BASE is refused in production.")


def gateway_for(config: Mapping[str, Any]) -> PaymentGateway:
    """The gateway a configuration asks for (see the module's docstring)."""
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        return DisabledGateway()
    return StripeGateway(
        str(key),
        webhook_secret=config.get("STRIPE_WEBHOOK_SECRET"),
        publishable_key=config.get("STRIPE_PUBLISHABLE_KEY"),
        api_base=config.get("STRIPE_API_BASE"),
        timeout=float(config.get("STRIPE_TIMEOUT") or 30.0),
    )
