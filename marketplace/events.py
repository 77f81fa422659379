"""Domain events inside one transaction: a lower feature announces, a higher one reacts.

A feature must not import the features built on top of it (matching knows nothing of deals),
yet approving a media plan must open its deals. So matching *publishes* ``plan.approved`` and
the deal desk *subscribes* to it; the app factory wires the subscriptions
(:func:`marketplace.register_event_handlers`). Handlers run synchronously, in the publisher's
session and transaction: they flush, never commit, and an error in one rolls the whole
request back, so an approval never stands without its deals.

Event names in use:

``plan.approved``
    ``plan`` (MediaPlan, now approved), ``actor`` (who approved it).
``deal.agreed``
    ``deal`` (Deal, now agreed, its placements those of the agreement), ``agreement`` (the
    Agreement both sides just confirmed: the first one, or an amendment's), ``actor``.
``deal.cancelled``
    ``deal`` (Deal, now cancelled), ``reason`` (StopReason), ``actor``.
``offer.sent``, ``offer.countered``, ``offer.declined``, ``offer.accepted``, ``offer.expired``
    ``deal`` (Deal), ``offer`` (its Offer, just stored at that status), ``actor`` (who acted;
    None for the expiry job). The deal desk's notices (``deals.notices``) subscribe.
``post.verified``
    ``post`` (delivery's Post, now verified), ``actor`` (the staff member), ``at`` (when).
``post.disputed``
    ``post`` (Post, now disputed), ``reason`` (the dispute's reason code and words),
    ``actor``, ``at``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketplace.db import SessionLike

Handler = Callable[..., None]

_HANDLERS: dict[str, list[Handler]] = {}


def subscribe(event_name: str, handler: Handler) -> None:
    """Call ``handler(session, **payload)`` on every ``event_name`` (subscribing twice is once)."""
    handlers = _HANDLERS.setdefault(event_name, [])
    if handler not in handlers:
        handlers.append(handler)


def publish(session: SessionLike, event_name: str, **payload: Any) -> None:
    """Run every handler of ``event_name`` now, in order of subscription, in this transaction."""
    for handler in list(_HANDLERS.get(event_name, ())):
        handler(session, **payload)


def handlers(event_name: str) -> list[Handler]:
    """The handlers subscribed to ``event_name`` (for tests and diagnostics)."""
    return list(_HANDLERS.get(event_name, ()))
