"""Run localstripe on loopback only (its own CLI binds every interface and pickles to /tmp).

    python -m tests.localstripe_server PORT

A test-only process: localstripe (GPL-3.0) is never imported by the application.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from localstripe.resources import BalanceTransaction, Store
from localstripe.server import app

from tests.stripe_fake import stripe_fee


def _with_fee(init: Any) -> Any:
    def with_fee(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.type == "charge" and self.amount > 0:
            self.fee = stripe_fee(self.amount)
            self.fee_details = [
                {
                    "amount": self.fee,
                    "application": None,
                    "currency": self.currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]

    return with_fee


if __name__ == "__main__":
    # State lives in memory only: no shared /tmp/localstripe.pickle between test runs.
    Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    BalanceTransaction.__init__ = _with_fee(BalanceTransaction.__init__)  # type: ignore[method-assign]
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
