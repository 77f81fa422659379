"""The local Stripe peers tests pay against: localstripe (a process) and the Connect fake.

No test reaches the internet. localstripe runs as its own process on a loopback port for the
whole session (PaymentIntents, refunds); the fake (`tests/stripe_fake.py`) runs per test in a
thread and passes every path it does not implement on to localstripe, so the app is given one
API address, `KESHER_STRIPE_API_BASE`, exactly as it would be given a proxy.
"""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from flask import Flask

from tests.processes import seconds, started
from tests.stripe_fake import FakeStripe

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "sk_test_kesher_local"  # noqa: S105 - a test key for the local peers
PUBLISHABLE_KEY = "pk_test_kesher_local"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """localstripe on a loopback port, for the session; stopped and reaped at its end."""
    port = free_port()
    with started([sys.executable, "-m", "tests.localstripe_server", str(port)], cwd=ROOT):
        wait_for_port(port, seconds(10))
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def fake_stripe(localstripe_url: str) -> Iterator[FakeStripe]:
    """A fresh fake in front of an emptied localstripe (each test sees only its own objects)."""
    reset = urllib.request.Request(f"{localstripe_url}/_config/data", method="DELETE")  # noqa: S310
    with urllib.request.urlopen(reset, timeout=10):  # noqa: S310 - loopback
        pass
    fake = FakeStripe(upstream=localstripe_url).start()
    try:
        yield fake
    finally:
        fake.close()


def stripe_config(fake: FakeStripe, **overrides: Any) -> dict[str, Any]:
    """The settings of an app whose Stripe is the local peers (what an operator would set)."""
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": fake.webhook_secret,
        "STRIPE_API_BASE": fake.base,
        "STRIPE_CONNECT_ORIGIN": fake.base,  # the fake hosts Express onboarding too
        **overrides,
    }


@pytest.fixture
def stripe_app(app_factory: Callable[..., Flask], fake_stripe: FakeStripe) -> Flask:
    return app_factory(**stripe_config(fake_stripe))


def pay_as_stripe_js(base: str, intent_id: str, card: str = "pm_card_visa") -> str:
    """What Stripe.js does in the brand's browser: attach the card and confirm the intent."""
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": base}, max_network_retries=0)
    client.v1.payment_intents.update(intent_id, params={"payment_method": card})
    return str(client.v1.payment_intents.confirm(intent_id).status)
