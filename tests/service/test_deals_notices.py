"""The deal desk's notices follow the deal's transitions through the services, not the pages.

A deal moved by the API, the expiry job or the demo seed must tell the same people as one
moved on its page: each test here acts through the service alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from campaigns.deals import DeclineReason, StopReason
from marketplace import events
from marketplace.auth.models import User
from marketplace.deals import notices
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, Offer
from marketplace.inbox.models import Notification
from tests.factories import make_deal


def deal_of(ctx: Any, people: dict[str, User], stage: str) -> Deal:
    return make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage=stage)  # fmt: skip


def offer_of(deal: Deal) -> Offer:
    offer = deals.current_offer(deal)
    assert offer is not None
    return offer


def told(ctx: Any, deal: Deal, people: dict[str, User], since: int) -> set[tuple[str, str]]:
    """(who, kind) of every notice about ``deal`` after the notice ``since``."""
    names = {user.id: name for name, user in people.items()}
    rows = ctx.execute(
        select(Notification.recipient_id, Notification.kind, Notification.link).where(
            Notification.id > since,
            Notification.subject_type == "deals",
            Notification.subject_id == deal.id,
        )
    )
    found = set()
    for recipient, kind, link in rows:
        assert link == f"/deals/{deal.id}"
        found.add((names.get(recipient, str(recipient)), kind))
    return found


def last_notice(ctx: Any) -> int:
    return int(ctx.scalar(select(Notification.id).order_by(Notification.id.desc())) or 0)


def counter_terms(offer: Offer, factor: int) -> Any:
    terms = deals.pure_offer(offer).terms
    return replace(terms, placements=tuple(
        replace(p, owner_payout_minor=p.owner_payout_minor * factor // 100, brand_price_minor=0)
        for p in terms.placements
    ))  # fmt: skip


def test_the_notices_subscribe_to_the_deal_transitions(app: Flask) -> None:
    for name, handler in notices.HANDLERS:
        assert handler in events.handlers(name), name


def test_staff_sending_an_offer_tells_the_owner(ctx: Any, people: dict[str, User]) -> None:
    deal = deal_of(ctx, people, "draft")
    mark = last_notice(ctx)
    deals.send_offer(ctx, offer_of(deal).id, version=1, actor=people["staff"])
    assert told(ctx, deal, people, mark) == {("owner", "offer_sent")}


def test_an_owner_counter_tells_the_staff_who_sent_the_offer(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    mark = last_notice(ctx)
    offer = offer_of(deal)
    deals.counter_offer(ctx, offer.id, counter_terms(offer, 110), version=1,
                        actor=people["owner"])  # fmt: skip
    assert told(ctx, deal, people, mark) == {("staff", "offer_countered")}


def test_a_staff_counter_back_is_a_new_offer_for_the_owner(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    mark = last_notice(ctx)
    offer = offer_of(deal)
    terms = deals.pure_offer(offer).terms
    middle = replace(terms, placements=tuple(
        replace(p, owner_payout_minor=p.owner_payout_minor * 105 // 100) for p in terms.placements
    ))  # fmt: skip
    deals.counter_offer(ctx, offer.id, middle, version=2, actor=people["staff"], note="באמצע")
    assert told(ctx, deal, people, mark) == {("owner", "offer_sent")}


def test_an_owner_declining_tells_the_staff(ctx: Any, people: dict[str, User]) -> None:
    deal = deal_of(ctx, people, "sent")
    mark = last_notice(ctx)
    deals.decline_offer(ctx, offer_of(deal).id, DeclineReason.NOT_OUR_DNA, version=1,
                        actor=people["owner"], text="לא מתאים")  # fmt: skip
    assert told(ctx, deal, people, mark) == {("staff", "offer_declined")}


def test_an_owner_accepting_tells_the_staff_and_asks_both_sides_to_confirm(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    mark = last_notice(ctx)
    deals.accept_offer(ctx, offer_of(deal).id, version=1, actor=people["owner"])
    assert told(ctx, deal, people, mark) == {
        ("staff", "offer_accepted"),
        ("staff", "agreement_to_confirm"),
        ("owner", "agreement_to_confirm"),
    }


def test_staff_accepting_a_counter_only_ask_both_sides_to_confirm(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    mark = last_notice(ctx)
    deals.accept_offer(ctx, offer_of(deal).id, version=2, actor=people["staff"])
    assert told(ctx, deal, people, mark) == {
        ("staff", "agreement_to_confirm"),
        ("owner", "agreement_to_confirm"),
    }


def test_an_expired_offer_tells_the_staff_and_not_the_owner(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    mark = last_notice(ctx)
    later = offer_of(deal).expires_at + dt.timedelta(minutes=1)
    assert deals.expire_due_offers(ctx, later) == 1
    assert told(ctx, deal, people, mark) == {("staff", "offer_expired")}


@pytest.mark.parametrize("stage", ["sent", "agreed"])
def test_a_cancelled_deal_tells_the_owner_and_the_brand(
    ctx: Any, people: dict[str, User], stage: str
) -> None:
    deal = deal_of(ctx, people, stage)
    mark = last_notice(ctx)
    deals.cancel_deal(ctx, deal.id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    assert told(ctx, deal, people, mark) == {("owner", "deal_cancelled"),
                                             ("brand", "deal_cancelled")}  # fmt: skip


def test_withdrawing_and_editing_a_draft_tell_no_one(ctx: Any, people: dict[str, User]) -> None:
    deal = deal_of(ctx, people, "draft")
    mark = last_notice(ctx)
    offer = offer_of(deal)
    deals.edit_offer(ctx, offer.id, deals.pure_offer(offer).terms, version=1,
                     actor=people["staff"])  # fmt: skip
    assert told(ctx, deal, people, mark) == set()
    deals.send_offer(ctx, offer.id, version=1, actor=people["staff"])
    mark = last_notice(ctx)
    deals.withdraw_offer(ctx, offer.id, "טעות במחיר", version=1, actor=people["staff"])
    assert told(ctx, deal, people, mark) == set()
