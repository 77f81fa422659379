"""The offer lifecycle: every move by every party, rounds, expiry and stale versions."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from campaigns.deals import (
    DECLINE_REASON_TEXT,
    OFFER_TRANSITIONS,
    DeclineReason,
    FieldNotYours,
    IllegalTransition,
    NeedsAdmin,
    NothingChanged,
    NotYourTurn,
    Offer,
    OfferAction,
    OfferExpired,
    OfferStatus,
    OfferVersion,
    Party,
    ReasonRequired,
    Side,
    StaleVersion,
    TermsInvalid,
    act,
    effective_status,
    new_offer,
    version_status,
    with_brand_prices,
)
from campaigns.deals import offers as o
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import HOUR, T0, WEEK, placement, repriced, terms

S, A = OfferStatus, OfferAction


def offer_in(status: OfferStatus) -> Offer:
    """An offer whose latest round stands at ``status`` (an owner's round when countered)."""
    author = Side.OWNER if status == S.COUNTERED else Side.AGENCY
    return Offer((OfferVersion(1, terms(), author, T0),), status)


def inputs_for(action: OfferAction, party: Party) -> dict[str, object]:
    """Arguments that satisfy every guard, so only the table decides."""
    if action == A.EXPIRE:
        return {"now": T0 + WEEK + HOUR}
    args: dict[str, object] = {"now": T0 + HOUR, "version": 1}
    if action == A.EDIT:
        args["terms"] = repriced(terms(), price_delta=5_000)
    if action == A.COUNTER:
        delta = {"payout_delta": 10_000} if party == Party.OWNER else {"price_delta": 5_000}
        args["terms"] = repriced(terms(), **delta)
    if action == A.DECLINE:
        args["reason"] = DeclineReason.NOT_OUR_DNA
    if action == A.WITHDRAW:
        args["text"] = "the brand paused the campaign"
    return args


@pytest.mark.parametrize(
    ("start", "action", "party"), list(itertools.product(OfferStatus, OfferAction, Party))
)
def test_only_the_transition_table_moves_an_offer(
    start: OfferStatus, action: OfferAction, party: Party
) -> None:
    offer = offer_in(start)
    move = OFFER_TRANSITIONS.get((start, action))
    args = inputs_for(action, party)
    if move is not None and party in move.parties:
        after = act(offer, action, party, **args)  # type: ignore[arg-type]
        assert after.status == move.to
        assert offer.status == start, "the offer given is never changed"
        if action == A.COUNTER:
            assert [v.number for v in after.versions] == [1, 2]
            assert after.versions[0] == offer.versions[0]
        else:
            assert len(after.versions) == 1
    else:
        with pytest.raises(IllegalTransition):
            act(offer, action, party, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "to", "party"), list(itertools.product(OfferStatus, OfferStatus, Party))
)
def test_an_offer_reaches_a_status_only_by_a_row_of_the_table(
    start: OfferStatus, to: OfferStatus, party: Party
) -> None:
    reached = set()
    for action in OfferAction:
        try:
            reached.add(act(offer_in(start), action, party, **inputs_for(action, party)).status)  # type: ignore[arg-type]
        except IllegalTransition:
            continue
    rows = [m for (s, _a), m in OFFER_TRANSITIONS.items() if s == start and m.to == to]
    assert (to in reached) == any(party in m.parties for m in rows)


def test_the_table_reads_as_the_documented_negotiation() -> None:
    staff, owner = frozenset({Party.STAFF, Party.ADMIN}), frozenset({Party.OWNER})
    assert OFFER_TRANSITIONS[(S.DRAFT, A.SEND)] == o.Move(S.SENT, staff)
    assert OFFER_TRANSITIONS[(S.SENT, A.ACCEPT)] == o.Move(S.ACCEPTED, owner)
    assert OFFER_TRANSITIONS[(S.SENT, A.COUNTER)] == o.Move(S.COUNTERED, owner)
    assert OFFER_TRANSITIONS[(S.COUNTERED, A.ACCEPT)] == o.Move(S.ACCEPTED, staff)
    assert OFFER_TRANSITIONS[(S.COUNTERED, A.COUNTER)] == o.Move(S.SENT, staff)
    assert frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.SUPERSEDED}) == o.FINAL
    negotiators = {p for m in OFFER_TRANSITIONS.values() for p in m.parties}
    assert negotiators == {Party.STAFF, Party.ADMIN, Party.OWNER, Party.SYSTEM}


@pytest.mark.parametrize(
    ("status", "action", "party"),
    [
        (S.SENT, A.ACCEPT, Party.STAFF),
        (S.SENT, A.COUNTER, Party.ADMIN),
        (S.COUNTERED, A.ACCEPT, Party.OWNER),
        (S.COUNTERED, A.COUNTER, Party.OWNER),
    ],
)
def test_answering_ones_own_round_is_not_your_turn(
    status: OfferStatus, action: OfferAction, party: Party
) -> None:
    with pytest.raises(NotYourTurn):
        act(offer_in(status), action, party, **inputs_for(action, party))  # type: ignore[arg-type]


def test_a_whole_negotiation_counter_then_accept() -> None:
    draft = new_offer(terms(), party=Party.STAFF, now=T0)
    sent = o.send(draft, party=Party.STAFF, version=1, now=T0)
    higher = with_brand_prices(repriced(terms(), payout_delta=15_000), sent.terms)
    countered = o.counter(sent, higher, party=Party.OWNER, version=1, now=T0 + HOUR)
    assert countered.status == S.COUNTERED
    assert countered.current.author == Side.OWNER
    assert countered.terms.brand_price_minor == sent.terms.brand_price_minor
    accepted = o.accept(countered, party=Party.STAFF, version=2, now=T0 + 2 * HOUR)
    assert accepted.status == S.ACCEPTED
    assert accepted.accepted_terms == higher
    assert accepted.closed_at == T0 + 2 * HOUR
    assert version_status(accepted, 1, T0 + 2 * HOUR) == S.SUPERSEDED
    assert version_status(accepted, 2, T0 + 2 * HOUR) == S.ACCEPTED


def test_only_agency_staff_start_an_offer() -> None:
    for party in (Party.OWNER, Party.BRAND, Party.FINANCE, Party.SYSTEM):
        with pytest.raises(IllegalTransition):
            new_offer(terms(), party=party, now=T0)
    assert new_offer(terms(), party=Party.ADMIN, now=T0).status == S.DRAFT


def test_acting_on_a_superseded_version_is_stale() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    countered = o.counter(
        sent, repriced(terms(), payout_delta=1), party=Party.OWNER, version=1, now=T0
    )
    with pytest.raises(StaleVersion):
        o.accept(countered, party=Party.STAFF, version=1, now=T0)
    with pytest.raises(StaleVersion):
        act(countered, A.ACCEPT, Party.STAFF, now=T0)  # no version named
    with pytest.raises(StaleVersion):
        version_status(countered, 3, T0)


def test_two_staff_countering_at_once_the_second_is_stale() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    countered = o.counter(
        sent, repriced(terms(), payout_delta=9), party=Party.OWNER, version=1, now=T0
    )
    first = o.counter(
        countered, repriced(terms(), payout_delta=5), party=Party.STAFF, version=2, now=T0
    )
    # The second staff member read version 2 as well; it is now superseded by version 3.
    with pytest.raises(StaleVersion):
        o.counter(first, repriced(terms(), payout_delta=7), party=Party.STAFF, version=2, now=T0)


def test_an_owner_accepting_what_the_agency_just_withdrew_is_refused() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    withdrawn = o.withdraw(sent, "brief closed", party=Party.STAFF, version=1, now=T0)
    # The owner read version 1 while it was open; the withdrawal won, so the acceptance loses.
    with pytest.raises(IllegalTransition, match="withdrawn"):
        o.accept(withdrawn, party=Party.OWNER, version=1, now=T0 + HOUR)
    with pytest.raises(StaleVersion):
        o.accept(withdrawn, party=Party.OWNER, version=0, now=T0 + HOUR)


def test_accepting_twice_is_refused() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    accepted = o.accept(sent, party=Party.OWNER, version=1, now=T0)
    with pytest.raises(IllegalTransition):
        o.accept(accepted, party=Party.OWNER, version=1, now=T0)


def test_an_open_offer_expires_on_read_and_then_refuses_every_answer() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    deadline = sent.terms.expires_at
    assert effective_status(sent, deadline - HOUR) == S.SENT
    assert effective_status(sent, deadline) == S.EXPIRED
    assert sent.status == S.SENT, "reading changes nothing"
    with pytest.raises(OfferExpired):
        o.accept(sent, party=Party.OWNER, version=1, now=deadline)
    with pytest.raises(OfferExpired):
        o.withdraw(sent, "late", party=Party.STAFF, version=1, now=deadline + HOUR)
    with pytest.raises(IllegalTransition, match="past its expiry"):
        o.expire(sent, now=deadline - HOUR)
    expired = o.expire(sent, now=deadline + HOUR)
    assert expired.status == S.EXPIRED
    assert expired.closed_at == deadline + HOUR


def test_a_draft_or_closed_offer_never_expires() -> None:
    draft = new_offer(terms(), party=Party.STAFF, now=T0)
    assert effective_status(draft, T0 + 10 * WEEK) == S.DRAFT
    with pytest.raises(IllegalTransition):
        o.expire(draft, now=T0 + 10 * WEEK)


def test_sending_or_countering_with_a_past_expiry_is_refused() -> None:
    stale = new_offer(terms(expires_at=T0 - HOUR), party=Party.STAFF, now=T0 - 2 * HOUR)
    with pytest.raises(TermsInvalid, match="future"):
        o.send(stale, party=Party.STAFF, version=1, now=T0)
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    with pytest.raises(TermsInvalid):
        o.counter(sent, terms(expires_at=T0), party=Party.OWNER, version=1, now=T0)


def test_declining_needs_a_reason_and_other_needs_words() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    assert DECLINE_REASON_TEXT[DeclineReason.NOT_OUR_DNA] == "Does not fit our community's DNA"
    with pytest.raises(ReasonRequired):
        act(sent, A.DECLINE, Party.OWNER, now=T0, version=1)
    with pytest.raises(ReasonRequired):
        o.decline(sent, DeclineReason.OTHER, party=Party.OWNER, version=1, now=T0, text="  ")
    declined = o.decline(
        sent, DeclineReason.NOT_OUR_DNA, party=Party.OWNER, version=1, now=T0, text="  לא מתאים "
    )
    assert declined.status == S.DECLINED
    assert declined.decline == o.Decline(DeclineReason.NOT_OUR_DNA, "לא מתאים")


def test_withdrawing_needs_a_reason() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    with pytest.raises(ReasonRequired):
        o.withdraw(sent, " ", party=Party.STAFF, version=1, now=T0)


def test_a_counter_must_change_something() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    with pytest.raises(NothingChanged):
        o.counter(sent, terms(), party=Party.OWNER, version=1, now=T0)


def test_an_owner_cannot_set_the_brand_price_in_a_counter() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    tampered = repriced(terms(), payout_delta=1_000, price_delta=50_000)
    with pytest.raises(FieldNotYours):
        o.counter(sent, tampered, party=Party.OWNER, version=1, now=T0)


def test_an_owner_counter_is_completed_with_the_prices_the_owner_cannot_see() -> None:
    previous = terms()
    proposed = terms(placement(payout=90_000, price=1), placement(13, PlacementType.STORY, price=7))
    completed = with_brand_prices(proposed, previous)
    by_key = {p.key: p for p in completed.placements}
    assert by_key[(11, PlacementType.POST)].brand_price_minor == 100_000
    assert by_key[(11, PlacementType.POST)].owner_payout_minor == 90_000
    assert by_key[(13, PlacementType.STORY)].brand_price_minor == 0, "staff price a new one"


def test_a_margin_below_zero_needs_an_admin() -> None:
    loss = repriced(terms(), payout_delta=30_000)  # payout 110,000 > price 100,000
    with pytest.raises(NeedsAdmin):
        new_offer(loss, party=Party.STAFF, now=T0)
    draft = new_offer(loss, party=Party.ADMIN, now=T0)
    with pytest.raises(NeedsAdmin):
        o.send(draft, party=Party.STAFF, version=1, now=T0)
    sent = o.send(draft, party=Party.ADMIN, version=1, now=T0)
    assert sent.status == S.SENT


def test_an_owner_may_counter_above_the_brand_price_but_only_an_admin_accepts_it() -> None:
    sent = o.send(
        new_offer(terms(), party=Party.STAFF, now=T0), party=Party.STAFF, version=1, now=T0
    )
    greedy = repriced(terms(), payout_delta=40_000)
    countered = o.counter(sent, greedy, party=Party.OWNER, version=1, now=T0)
    with pytest.raises(NeedsAdmin):
        o.accept(countered, party=Party.STAFF, version=2, now=T0)
    assert o.accept(countered, party=Party.ADMIN, version=2, now=T0).status == S.ACCEPTED


def test_editing_a_draft_keeps_one_version() -> None:
    draft = new_offer(terms(), party=Party.STAFF, now=T0)
    edited = o.edit(draft, terms(payment_terms_days=45), party=Party.STAFF, version=1, now=T0)
    assert len(edited.versions) == 1
    assert edited.terms.payment_terms_days == 45
    with pytest.raises(IllegalTransition):
        o.edit(replace(edited, status=S.SENT), terms(), party=Party.STAFF, version=1, now=T0)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(TermsInvalid):
        terms(expires_at=T0.replace(tzinfo=None))
    with pytest.raises(TermsInvalid):
        new_offer(terms(), party=Party.STAFF, now=T0.replace(tzinfo=None))
