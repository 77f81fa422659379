"""The pipeline board: each deal's stage and whom it waits for."""

from __future__ import annotations

from dataclasses import replace

import pytest

from campaigns.deals import Deal, DealStatus, OfferStatus, Party, pending_hash, record_acceptance
from campaigns.deals import creative as cr
from campaigns.deals import deals as d
from campaigns.deals import offers as o
from campaigns.deals.board import Stage, Waiting, stage_of
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import DISCLOSURE, HOUR, T0, WEEK, placement, terms

KEY = (11, PlacementType.POST)
ONE = frozenset({KEY})


def offer(status: OfferStatus) -> o.Offer:
    return o.Offer((o.OfferVersion(1, terms(placement()), o.Side.AGENCY, T0),), status)


@pytest.mark.parametrize(
    ("status", "stage", "waits"),
    [
        (OfferStatus.DRAFT, Stage.DRAFTING, Waiting.AGENCY),
        (OfferStatus.SENT, Stage.OFFER_SENT, Waiting.OWNER),
        (OfferStatus.COUNTERED, Stage.COUNTERED, Waiting.AGENCY),
        (OfferStatus.DECLINED, Stage.OFFER_CLOSED, Waiting.AGENCY),
        (OfferStatus.ACCEPTED, Stage.CONFIRMING, Waiting.AGENCY),
    ],
)
def test_a_negotiating_deal_stands_where_its_offer_does(
    status: OfferStatus, stage: Stage, waits: Waiting
) -> None:
    assert stage_of(Deal(1, 7, ONE), offer(status), [], T0) == (stage, waits)


def test_an_offer_past_its_expiry_is_closed_on_the_board() -> None:
    assert (
        stage_of(Deal(1, 7, ONE), offer(OfferStatus.SENT), [], T0 + WEEK)[0] == Stage.OFFER_CLOSED
    )
    assert stage_of(Deal(1, 7, ONE), None, [], T0) == (Stage.DRAFTING, Waiting.AGENCY)


def test_confirming_waits_for_the_side_that_has_not_confirmed() -> None:
    deal = record_acceptance(Deal(1, 7, ONE), offer(OfferStatus.ACCEPTED))
    assert stage_of(deal, None, [], T0) == (Stage.CONFIRMING, Waiting.OWNER)
    half = d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    assert stage_of(half, None, [], T0) == (Stage.CONFIRMING, Waiting.AGENCY)


@pytest.mark.parametrize("regulated", [False, True])
def test_an_agreed_deal_moves_through_creative_to_ready_to_run(regulated: bool) -> None:
    deal = record_acceptance(Deal(1, 7, ONE), offer(OfferStatus.ACCEPTED))
    deal = d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    deal = d.confirm(deal, party=Party.STAFF, content_hash=pending_hash(deal), now=T0)
    assert stage_of(deal, None, [], T0) == (Stage.CREATIVE_IN_REVIEW, Waiting.AGENCY)
    c = cr.new_creative(KEY, disclosure=DISCLOSURE, regulated=regulated,
                        text=f"פוסט {DISCLOSURE}", party=Party.OWNER, now=T0)  # fmt: skip
    steps = [
        (Party.OWNER, Waiting.OWNER),
        (Party.STAFF, Waiting.AGENCY),
        (Party.BRAND, Waiting.BRAND),
    ]
    if regulated:
        steps.append((Party.ADMIN, Waiting.COMPLIANCE))
    for actor_id, (party, waits) in enumerate(steps):
        assert stage_of(deal, None, [c], T0) == (Stage.CREATIVE_IN_REVIEW, waits)
        c = cr.approve(c, party=party, actor_id=actor_id, draft=1, now=T0 + HOUR)
    assert stage_of(deal, None, [c], T0) == (Stage.READY_TO_RUN, Waiting.NOBODY)


def test_paused_and_cancelled_deals_leave_the_pipeline() -> None:
    paused = replace(Deal(1, 7, ONE), status=DealStatus.PAUSED)
    cancelled = replace(Deal(1, 7, ONE), status=DealStatus.CANCELLED)
    assert stage_of(paused, None, [], T0) == (Stage.PAUSED, Waiting.AGENCY)
    assert stage_of(cancelled, None, [], T0) == (Stage.CANCELLED, Waiting.NOBODY)
