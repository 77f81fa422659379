"""The deal lifecycle: every move by every party, agreement by both, amendments, force majeure."""

from __future__ import annotations

import itertools

import pytest

from campaigns.deals import (
    DEAL_TRANSITIONS,
    Agreement,
    Deal,
    DealAction,
    DealStatus,
    IllegalTransition,
    NotYourTurn,
    OfferStatus,
    Party,
    ReasonRequired,
    Side,
    StaleVersion,
    StopReason,
    deal_act,
    force_majeure,
    new_offer,
    pending_hash,
    record_acceptance,
)
from campaigns.deals import deals as d
from campaigns.deals import offers as o
from campaigns.deals.common import side_of
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import HOUR, T0, placement, repriced, terms

D, DA = DealStatus, DealAction
KEYS = frozenset({(11, PlacementType.POST), (12, PlacementType.PINNED_POST)})


def accepted_offer(t: object = None) -> o.Offer:
    offer = new_offer(t or terms(), party=Party.STAFF, now=T0)  # type: ignore[arg-type]
    offer = o.send(offer, party=Party.STAFF, version=1, now=T0)
    return o.accept(offer, party=Party.OWNER, version=1, now=T0)


def agreed_deal(brief_id: int = 1, community_id: int = 7) -> Deal:
    deal = record_acceptance(Deal(brief_id, community_id, KEYS), accepted_offer())
    deal = d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    return d.confirm(deal, party=Party.STAFF, content_hash=pending_hash(deal), now=T0)


def deal_in(status: DealStatus, action: DealAction, party: Party) -> Deal:
    """A deal at ``status`` that meets every guard of ``action`` (so only the table decides)."""
    has_agreement = status in (D.AGREED, D.AMENDING) or (
        status == D.PAUSED and action != DA.RESUME_NEGOTIATION
    )
    agreements = (Agreement(1, terms(), "0" * 64, T0),) if has_agreement else ()
    side = side_of(party)
    other = frozenset(Side) - {side} if side else frozenset()
    accepted = repriced(terms(), payout_delta=1) if status in (D.NEGOTIATING, D.AMENDING) else None
    return Deal(1, 7, KEYS, status, accepted, other, agreements)


@pytest.mark.parametrize(
    ("start", "action", "party"), list(itertools.product(DealStatus, DealAction, Party))
)
def test_only_the_transition_table_moves_a_deal(
    start: DealStatus, action: DealAction, party: Party
) -> None:
    deal = deal_in(start, action, party)
    move = DEAL_TRANSITIONS.get((start, action))
    kwargs = {"now": T0, "reason": StopReason.BRAND_WITHDREW, "text": "budget cut"}
    if action == DA.AGREE and deal.accepted is not None:
        kwargs["content_hash"] = pending_hash(deal)
    if move is not None and party in move.parties:
        after = deal_act(deal, action, party, **kwargs)  # type: ignore[arg-type]
        assert after.status == move.to
        assert deal.status == start
    else:
        with pytest.raises(IllegalTransition):
            deal_act(deal, action, party, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "to", "party"), list(itertools.product(DealStatus, DealStatus, Party))
)
def test_a_deal_reaches_a_status_only_by_a_row_of_the_table(
    start: DealStatus, to: DealStatus, party: Party
) -> None:
    reached = set()
    for action in DealAction:
        deal = deal_in(start, action, party)
        text_hash = pending_hash(deal) if deal.accepted is not None else ""
        try:
            after = deal_act(deal, action, party, now=T0, content_hash=text_hash,
                             reason=StopReason.BRIEF_CLOSED)  # fmt: skip
        except IllegalTransition:
            continue
        reached.add(after.status)
    rows = [m for (s, _a), m in DEAL_TRANSITIONS.items() if s == start and m.to == to]
    assert (to in reached) == any(party in m.parties for m in rows)


def test_the_table_reads_as_the_documented_deal() -> None:
    assert {frm for frm, a in DEAL_TRANSITIONS if a == DA.AGREE} == {D.NEGOTIATING, D.AMENDING}
    assert not any(frm == D.CANCELLED for frm, _a in DEAL_TRANSITIONS), "cancelled is final"
    assert all(Party.BRAND not in m.parties for m in DEAL_TRANSITIONS.values())
    assert DEAL_TRANSITIONS[(D.AGREED, DA.AMEND)].to == D.AMENDING


@pytest.mark.parametrize("action", [DA.RESUME_AGREED, DA.RESUME_NEGOTIATION])
def test_a_paused_deal_resumes_only_to_where_it_was(action: DealAction) -> None:
    wrong = DA.RESUME_NEGOTIATION if action == DA.RESUME_AGREED else DA.RESUME_AGREED
    deal = deal_in(D.PAUSED, action, Party.STAFF)
    with pytest.raises(IllegalTransition, match="only if it has an agreement"):
        deal_act(deal, wrong, Party.STAFF, now=T0)
    assert d.resume(deal, party=Party.STAFF).status == DEAL_TRANSITIONS[(D.PAUSED, action)].to


def test_agreement_needs_both_sides_to_confirm_the_same_text() -> None:
    deal = record_acceptance(Deal(1, 7, KEYS), accepted_offer())
    text_hash = pending_hash(deal)
    with pytest.raises(StaleVersion):
        d.confirm(deal, party=Party.OWNER, content_hash="f" * 64, now=T0)
    half = d.confirm(deal, party=Party.OWNER, content_hash=text_hash, now=T0)
    assert half.status == D.NEGOTIATING
    assert half.confirmations == {Side.OWNER}
    with pytest.raises(NotYourTurn):
        d.confirm(half, party=Party.OWNER, content_hash=text_hash, now=T0)
    with pytest.raises(IllegalTransition):
        d.confirm(half, party=Party.BRAND, content_hash=text_hash, now=T0)
    agreed = d.confirm(half, party=Party.ADMIN, content_hash=text_hash, now=T0 + HOUR)
    assert agreed.status == D.AGREED
    assert agreed.agreement == Agreement(1, terms(), text_hash, T0 + HOUR)
    assert agreed.accepted is None
    assert agreed.confirmations == frozenset()


def test_a_deal_is_agreed_only_when_every_placement_has_accepted_terms() -> None:
    only_one = accepted_offer(terms(placement(11)))
    deal = record_acceptance(Deal(1, 7, KEYS), only_one)
    assert not deal.covered
    with pytest.raises(IllegalTransition, match="every placement"):
        d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    narrowed = d.set_placements(deal, [(11, PlacementType.POST)], party=Party.STAFF)
    assert narrowed.covered
    with pytest.raises(IllegalTransition):
        d.set_placements(deal, [], party=Party.STAFF)
    with pytest.raises(IllegalTransition):
        d.set_placements(deal, KEYS, party=Party.OWNER)


def test_a_placement_the_owner_added_and_staff_accepted_joins_the_deal() -> None:
    extra = terms(placement(11), placement(12, PlacementType.PINNED_POST),
                  placement(13, PlacementType.STORY))  # fmt: skip
    deal = record_acceptance(Deal(1, 7, KEYS), accepted_offer(extra))
    deal = d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    deal = d.confirm(deal, party=Party.STAFF, content_hash=pending_hash(deal), now=T0)
    assert deal.placement_keys == KEYS | {(13, PlacementType.STORY)}


def test_new_accepted_terms_void_a_half_confirmation() -> None:
    deal = record_acceptance(Deal(1, 7, KEYS), accepted_offer())
    half = d.confirm(deal, party=Party.OWNER, content_hash=pending_hash(deal), now=T0)
    again = record_acceptance(half, accepted_offer(repriced(terms(), payout_delta=100)))
    assert again.confirmations == frozenset()
    with pytest.raises(StaleVersion):
        d.confirm(again, party=Party.STAFF, content_hash=pending_hash(half), now=T0)


def test_only_an_accepted_offer_is_recorded() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    assert sent.status == OfferStatus.SENT
    with pytest.raises(IllegalTransition):
        record_acceptance(Deal(1, 7, KEYS), sent)


def test_an_agreed_deal_changes_terms_only_through_an_amendment_both_confirm() -> None:
    agreed = agreed_deal()
    better = accepted_offer(repriced(terms(), payout_delta=5_000))
    with pytest.raises(IllegalTransition, match="amend"):
        record_acceptance(agreed, better)
    amending = d.amend(agreed, party=Party.OWNER)
    assert amending.status == D.AMENDING
    assert d.terms_in_force(amending) == terms(), "the agreement stays in force meanwhile"
    amending = record_acceptance(amending, better)
    assert d.pending_document(amending)["number"] == 2
    half = d.confirm(amending, party=Party.STAFF, content_hash=pending_hash(amending), now=T0)
    assert d.terms_in_force(half) == terms()
    amended = d.confirm(half, party=Party.OWNER, content_hash=pending_hash(amending), now=T0)
    assert amended.status == D.AGREED
    assert [a.number for a in amended.agreements] == [1, 2]
    assert amended.agreements[0] == agreed.agreements[0]
    assert d.terms_in_force(amended) == better.terms


def test_abandoning_an_amendment_keeps_the_agreement() -> None:
    agreed = agreed_deal()
    amending = record_acceptance(
        d.amend(agreed, party=Party.STAFF), accepted_offer(repriced(terms(), payout_delta=3))
    )
    back = d.abandon_amendment(amending, party=Party.STAFF)
    assert back.status == D.AGREED
    assert back.agreements == agreed.agreements
    assert back.accepted is None


def test_cancelling_needs_a_reason_and_other_needs_words() -> None:
    deal = Deal(1, 7, KEYS)
    with pytest.raises(ReasonRequired):
        d.cancel(deal, StopReason.OTHER, party=Party.STAFF, text=" ")
    with pytest.raises(ReasonRequired):
        deal_act(deal, DA.CANCEL, Party.STAFF, now=T0)
    cancelled = d.cancel(deal, StopReason.BRAND_WITHDREW, party=Party.STAFF)
    assert (cancelled.status, cancelled.stop_reason) == (D.CANCELLED, StopReason.BRAND_WITHDREW)
    with pytest.raises(IllegalTransition):
        d.cancel(cancelled, StopReason.BRAND_WITHDREW, party=Party.STAFF)


def test_force_majeure_pauses_every_open_deal_of_the_brief_and_nothing_else() -> None:
    negotiating = Deal(1, 7, KEYS)
    agreed = agreed_deal(1, 8)
    amending = d.amend(agreed_deal(1, 9), party=Party.STAFF)
    cancelled = d.cancel(Deal(1, 10, KEYS), StopReason.BRIEF_CLOSED, party=Party.STAFF)
    already = d.pause(Deal(1, 11, KEYS), StopReason.OTHER, party=Party.STAFF, text="owner abroad")
    other_brief = Deal(2, 7, KEYS)
    deals = [negotiating, agreed, amending, cancelled, already, other_brief]
    after = force_majeure(deals, 1, party=Party.STAFF, text="מבצע צבאי: כל הקמפיינים מושהים")
    assert [x.status for x in after] == [
        D.PAUSED,
        D.PAUSED,
        D.PAUSED,
        D.CANCELLED,
        D.PAUSED,
        D.NEGOTIATING,
    ]
    assert [x.stop_reason for x in after[:3]] == [StopReason.FORCE_MAJEURE] * 3
    assert after[3:] == deals[3:], "closed, already paused and other briefs' deals are untouched"
    assert after[1].agreements == agreed.agreements
    resumed = d.resume(after[1], party=Party.STAFF)
    assert (resumed.status, resumed.stop_reason) == (D.AGREED, None)
    assert d.resume(after[0], party=Party.STAFF).status == D.NEGOTIATING


def test_force_majeure_is_all_or_nothing() -> None:
    deals = [Deal(1, 7, KEYS)]
    with pytest.raises(IllegalTransition):
        force_majeure(deals, 1, party=Party.OWNER, text="war")
    with pytest.raises(ReasonRequired):
        force_majeure(deals, 1, party=Party.STAFF, text=" ")
    assert deals[0].status == D.NEGOTIATING
