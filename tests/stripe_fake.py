"""A small fake Stripe API on loopback, for what localstripe lacks: Connect and transfers.

It follows Stripe's documented shapes (form-encoded requests with bracketed keys, JSON objects
with ``id``/``object``, list objects, ``{"error": {...}}`` bodies) for:

- ``POST /v1/accounts``, ``GET /v1/accounts/{id}`` (Express accounts);
- ``POST /v1/account_links``;
- ``POST /v1/transfers``, ``GET /v1/transfers`` (``transfer_group`` filter), ``GET …/{id}``;
- ``GET /v1/balance_transactions`` (one per transfer, and any a test adds);
- ``GET /v1/events`` and signed webhook delivery of the events it makes.

It honours ``Idempotency-Key`` as Stripe does: the first response is stored and replayed; the
same key with other parameters is a 400 ``idempotency_error``; a key still being processed
answers 409. Requests for any other path go to ``upstream`` (localstripe) unchanged, so the app
has one API address, as it has with Stripe.

Tests steer it: :meth:`FakeStripe.hold` makes the next transfer requests either vanish
(``"drop"``: never processed, as if lost on the way) or stall after being processed
(``"stall"``: the transfer exists, the answer waits), until :meth:`release`.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (``metadata[deal]=9``, ``items[0][x]=1``) into nested values."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        target: Any = result
        for part, following in itertools.pairwise(parts):
            container: Any = [] if following == "" or following.isdigit() else {}
            if isinstance(target, list):
                if part == "" or int(part) >= len(target):
                    target.append(container)
                    target = target[-1]
                else:
                    target = target[int(part)]
            else:
                target = target.setdefault(part, container)
        last = parts[-1]
        if isinstance(target, list):
            target.append(value)
        else:
            target[last] = value
    return result


def _bool(value: Any) -> bool:
    return str(value).lower() in {"true", "1"}


@dataclass
class Held:
    mode: str
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    processed: threading.Event = field(default_factory=threading.Event)


class FakeStripe:
    """The fake's state and its HTTP server (a thread of the test process)."""

    def __init__(self, *, upstream: str | None = None, webhook_secret: str = "whsec_fake") -> None:  # noqa: S107
        self.upstream = upstream.rstrip("/") if upstream else None
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.accounts: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.balance: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        #: The last account link's return address per account (Stripe sends the owner there).
        self.return_urls: dict[str, str] = {}
        self._idem: dict[str, tuple[str, dict[str, Any] | None, int, dict[str, Any]]] = {}
        self._in_flight: set[str] = set()
        self._lock = threading.RLock()
        self._held: Held | None = None
        self._fail_next: int | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life --------------------------------------------------------------------------------

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._held is not None:
            self._held.released.set()
        self.server.shutdown()
        self.server.server_close()

    # --- steering ----------------------------------------------------------------------------

    def hold(self, mode: str) -> Held:
        """Hold the next transfer requests: "drop" them unprocessed, or "stall" after."""
        assert mode in {"drop", "stall"}
        self._held = Held(mode)
        return self._held

    def fail_next(self, status: int) -> None:
        """Answer the next transfer request with this error status, unprocessed (500, 429…)."""
        self._fail_next = status

    def release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.released.set()

    def complete_onboarding(self, account_id: str, *, payouts_enabled: bool = True) -> dict:
        """The owner finished Stripe's forms: the account can receive, and Stripe says so."""
        with self._lock:
            account = self.accounts[account_id]
            account["details_submitted"] = True
            account["payouts_enabled"] = payouts_enabled
            account["charges_enabled"] = payouts_enabled
            account["requirements"] = {
                "currently_due": [] if payouts_enabled else ["external_account"],
                "past_due": [],
                "eventually_due": [],
                "disabled_reason": None if payouts_enabled else "requirements.past_due",
            }
            return self.emit("account.updated", account, account=account_id)

    def emit(self, type_: str, obj: dict[str, Any], *, account: str | None = None) -> dict:
        """Record an event (and deliver it, signed, when a webhook URL is set)."""
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "livemode": False,
            "account": account,
            "api_version": "2026-10-28.endive",
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events.append(event)
        if self.webhook_url:
            self.deliver(event)
        return event

    def sign(self, payload: str, timestamp: int | None = None) -> str:
        return stripe.WebhookSignature.generate_signature_header(
            payload, self.webhook_secret, timestamp=timestamp
        )

    def deliver(self, event: dict[str, Any]) -> int:
        assert self.webhook_url
        payload = json.dumps(event)
        request = urllib.request.Request(  # noqa: S310 - a loopback http:// address
            self.webhook_url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": self.sign(payload)},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status)

    # --- the API -----------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(8)}"

    def create_account(self, params: dict[str, Any]) -> dict[str, Any]:
        account_id = self._new_id("acct")
        account = {
            "id": account_id,
            "object": "account",
            "type": params.get("type", "express"),
            "email": params.get("email"),
            "country": params.get("country", "IL"),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "metadata": params.get("metadata") or {},
            "capabilities": {"transfers": "inactive"},
            "requirements": {
                "currently_due": ["external_account", "individual.id_number", "tos_acceptance"],
                "past_due": [],
                "eventually_due": [],
                "disabled_reason": "requirements.past_due",
            },
            "created": int(time.time()),
        }
        self.accounts[account_id] = account
        return account

    def create_transfer(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        destination = params.get("destination")
        account = self.accounts.get(str(destination))
        if account is None:
            return 400, _error(f"No such destination: '{destination}'", "resource_missing")
        if not account["payouts_enabled"]:
            return 400, _error(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                "insufficient_capabilities_for_transfer",
            )
        transfer_id = self._new_id("tr")
        amount = int(params["amount"])
        txn_id = self._new_id("txn")
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": str(params["currency"]).lower(),
            "destination": destination,
            "transfer_group": params.get("transfer_group"),
            "metadata": params.get("metadata") or {},
            "reversed": False,
            "balance_transaction": txn_id,
            "created": int(time.time()),
        }
        self.transfers[transfer_id] = transfer
        self.balance.append(
            {
                "id": txn_id,
                "object": "balance_transaction",
                "amount": -amount,
                "fee": 0,
                "net": -amount,
                "currency": transfer["currency"],
                "type": "transfer",
                "reporting_category": "transfer",
                "source": transfer_id,
                "created": transfer["created"],
            }
        )
        self.emit("transfer.created", transfer)
        return 200, transfer

    def add_balance_transaction(
        self, *, source: str, amount: int, currency: str, fee: int = 0, type_: str = "charge"
    ) -> dict[str, Any]:
        """A line of the platform's balance (a charge Stripe settled, say)."""
        txn = {
            "id": self._new_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "fee": fee,
            "net": amount - fee,
            "currency": currency.lower(),
            "type": type_,
            "reporting_category": type_,
            "source": source,
            "created": int(time.time()),
        }
        self.balance.append(txn)
        return txn

    def route(
        self, method: str, path: str, query: dict[str, str], params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | None:
        """Answer a request this fake implements; None for the upstream's paths."""
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["v1"] or len(parts) < 2:
            return None
        resource, rest = parts[1], parts[2:]
        if resource == "accounts":
            if method == "POST" and not rest:
                return 200, self.create_account(params)
            if method == "GET" and len(rest) == 1:
                found = self.accounts.get(rest[0])
                return (
                    (200, found) if found else (404, _error("No such account", "resource_missing"))
                )
        if resource == "account_links" and method == "POST":
            account = params.get("account")
            if account not in self.accounts:
                return 400, _error("No such account", "resource_missing")
            self.return_urls[str(account)] = str(params.get("return_url") or "")
            return 200, {
                "object": "account_link",
                "url": f"{self.base}/express/onboarding/{account}",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
            }
        if resource == "transfers":
            if method == "POST" and not rest:
                return self.create_transfer(params)
            if method == "GET" and not rest:
                group = query.get("transfer_group")
                items = [t for t in self.transfers.values() if group in (None, t["transfer_group"])]
                return 200, _list("/v1/transfers", items)
            if method == "GET" and len(rest) == 1:
                found = self.transfers.get(rest[0])
                return (
                    (200, found) if found else (404, _error("No such transfer", "resource_missing"))
                )
        if resource == "balance_transactions" and method == "GET" and not rest:
            return 200, _list("/v1/balance_transactions", list(self.balance))
        if resource == "events" and method == "GET" and not rest:
            return 200, _list("/v1/events", list(reversed(self.events)))
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def _answer(self, status: int, body: dict[str, Any] | bytes) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(6))
                self.end_headers()
                self.wfile.write(data)

            def _onboarding(self, account_id: str) -> None:
                """Stripe's hosted Express onboarding, finished at once: back to the platform."""
                if account_id not in fake.accounts:
                    self._answer(404, _error("No such account", "resource_missing"))
                    return
                fake.complete_onboarding(account_id)
                self.send_response(302)
                self.send_header("Location", fake.return_urls.get(account_id, "/"))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _balance(self) -> None:
                """The platform's balance: the fake's transfers and the upstream's charges."""
                items = list(fake.balance)
                if fake.upstream is not None:
                    request = urllib.request.Request(  # noqa: S310 - loopback upstream
                        fake.upstream + "/v1/balance_transactions?limit=100",
                        headers={"Authorization": self.headers.get("Authorization", "")},
                    )
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        items += json.loads(response.read())["data"]
                self._answer(200, _list("/v1/balance_transactions", items))

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                if method == "GET" and split.path.startswith("/express/onboarding/"):
                    self._onboarding(split.path.rsplit("/", 1)[-1])
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                params = decode_form(raw)
                query = dict(parse_qsl(split.query))
                if not str(self.headers.get("Authorization", "")).startswith("Bearer sk_"):
                    self._answer(
                        401, _error("Invalid API Key provided", None, "invalid_request_error")
                    )
                    return
                if not implemented(method, split.path):
                    self._forward(method, raw)
                    return
                with fake._lock:
                    fake.requests.append((method, split.path))
                if method == "GET" and split.path.rstrip("/") == "/v1/balance_transactions":
                    self._balance()
                    return
                key = self.headers.get("Idempotency-Key") if method == "POST" else None
                if key:
                    with fake._lock:
                        stored = fake._idem.get(key)
                        if stored is not None:
                            path, stored_params, status, body = stored
                            if (path, stored_params) != (split.path, params):
                                self._answer(400, _error(
                                    "Keys for idempotent requests can only be used with the "
                                    "same parameters they were first used with.",
                                    "idempotency_key_in_use", "idempotency_error",
                                ))  # fmt: skip
                            else:
                                self._answer(status, body)
                            return
                        if key in fake._in_flight:
                            self._answer(409, _error(
                                "There is currently another in-progress request using this "
                                "Stripe-Idempotency-Key.", "idempotency_key_in_use",
                                "idempotency_error",
                            ))  # fmt: skip
                            return
                        fake._in_flight.add(key)
                try:
                    if fake._fail_next and split.path.rstrip("/") == "/v1/transfers":
                        status, fake._fail_next = fake._fail_next, None
                        kind = "rate_limit_error" if status == 429 else "api_error"
                        self._answer(status, _error("Something went wrong on our end.", None, kind))
                        return  # like Stripe, a 5xx answer is not stored for the key
                    held = fake._held if split.path.rstrip("/") == "/v1/transfers" else None
                    if held is not None and method == "POST":
                        held.arrived.set()
                        if held.mode == "drop":
                            held.released.wait(120)
                            self.close_connection = True
                            return  # never processed: no answer, no transfer
                    with fake._lock:
                        status, body = fake.route(method, split.path, query, params) or (
                            404,
                            _error("Unrecognized request URL", None),
                        )
                        if key:
                            fake._idem[key] = (split.path, params, status, body)
                    if held is not None and method == "POST":
                        held.processed.set()
                        held.released.wait(120)
                    self._answer(status, body)
                finally:
                    if key:
                        with fake._lock:
                            fake._in_flight.discard(key)

            def _forward(self, method: str, raw: str) -> None:
                if fake.upstream is None:
                    self._answer(404, _error("Unrecognized request URL", None))
                    return
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in {"authorization", "content-type", "idempotency-key",
                                        "stripe-version", "stripe-account"}
                }  # fmt: skip
                request = urllib.request.Request(  # noqa: S310 - loopback upstream
                    fake.upstream + self.path,
                    data=raw.encode() if method == "POST" else None,
                    headers=headers,
                    method=method,
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        self._answer(response.status, response.read())
                except urllib.error.HTTPError as error:
                    self._answer(error.code, error.read())

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        return Handler


def implemented(method: str, path: str) -> bool:
    """Whether this fake answers the request (else it goes upstream)."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] != ["v1"] or len(parts) < 2:
        return False
    resource, rest = parts[1], parts[2:]
    if method == "POST":
        return resource in {"accounts", "account_links", "transfers"} and not rest
    if method == "GET":
        if resource in {"accounts", "transfers"}:
            return len(rest) <= 1 and (resource == "transfers" or len(rest) == 1)
        return resource in {"balance_transactions", "events"} and not rest
    return False


def stripe_fee(amount: int) -> int:
    """The fee this peer charges on a card charge: 2.9% (rounded half up) + 30 minor units.

    localstripe books every fee as 0; Stripe keeps a fee on each charge and reports it on the
    charge's balance transaction (``fee``, itemised in ``fee_details``). A fixed, documented
    rule lets tests compute the fee by hand.
    """
    return (amount * 29 + 500) // 1000 + 30


def _error(message: str, code: str | None, kind: str = "invalid_request_error") -> dict:
    return {"error": {"type": kind, "message": message, "code": code}}


def _list(url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "url": url, "has_more": False, "data": items}


@contextmanager
def running(upstream: str | None = None) -> Iterator[FakeStripe]:
    """A started fake, shut down at the end of the block."""
    fake = FakeStripe(upstream=upstream).start()
    try:
        yield fake
    finally:
        fake.close()
