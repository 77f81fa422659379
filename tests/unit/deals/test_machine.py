"""Random sequences of actions by random parties never break the desk's invariants.

A Hypothesis state machine drives one deal and its offers (new rounds, expiry by the clock,
confirmations with right and wrong hashes, amendments, pauses, cancellation) and checks after
every step: only the table's moves happen; a deal has one agreement in force and a new one only
by confirmation of accepted terms (an amendment after the first); agreed terms never change
otherwise; and no party ever sees the other side's price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from campaigns.deals import (
    DEAL_TRANSITIONS,
    OFFER_TRANSITIONS,
    Agreement,
    Deal,
    DealAction,
    DealDomainError,
    DealStatus,
    DeclineReason,
    IllegalTransition,
    NotYourTurn,
    OfferAction,
    OfferExpired,
    OfferStatus,
    OfferTerms,
    Party,
    StaleVersion,
    StopReason,
    act,
    agreement_document,
    deal_act,
    diff,
    diff_for,
    effective_status,
    new_offer,
    pending_hash,
    record_acceptance,
    terms_for,
    with_brand_prices,
)
from campaigns.deals import offers as o
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import T0, WEEK, keys_anywhere, repriced, terms

KEYS = frozenset({(11, PlacementType.POST), (12, PlacementType.PINNED_POST)})
HIDDEN = {
    Party.OWNER: {"brand_price_minor", "margin_minor", "margin_bp"},
    Party.BRAND: {"owner_payout_minor", "margin_minor", "margin_bp"},
}
deltas = st.integers(min_value=-30_000, max_value=40_000)
# Every party and action can be drawn; the ones that move a negotiation forward more often, so
# that runs reach agreements and amendments rather than stopping at the first cancellation.
parties = st.sampled_from([*Party, Party.OWNER, Party.STAFF, Party.OWNER, Party.STAFF])
A = OfferAction
offer_actions = st.sampled_from([*A, A.SEND, A.ACCEPT, A.ACCEPT, A.ACCEPT, A.COUNTER])
deal_actions = st.sampled_from(
    [a for a in DealAction if a != DealAction.AGREE]
    + [DealAction.AMEND, DealAction.AMEND, DealAction.RESUME_AGREED, DealAction.ABANDON_AMENDMENT]
)
#: The usual answers of whoever is due, most often the one that moves towards agreement.
DUE = {
    OfferStatus.DRAFT: [(A.SEND, Party.STAFF), (A.SEND, Party.ADMIN), (A.EDIT, Party.STAFF)],
    OfferStatus.SENT: [
        (A.ACCEPT, Party.OWNER),
        (A.ACCEPT, Party.OWNER),
        (A.COUNTER, Party.OWNER),
        (A.DECLINE, Party.OWNER),
    ],
    OfferStatus.COUNTERED: [
        (A.ACCEPT, Party.STAFF),
        (A.ACCEPT, Party.ADMIN),
        (A.COUNTER, Party.STAFF),
        (A.WITHDRAW, Party.STAFF),
    ],
}


class DeskMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.deal = Deal(1, 7, KEYS)
        self.offer = new_offer(terms(), party=Party.STAFF, now=T0)
        self.agreements: tuple[Agreement, ...] = ()
        self.accepted_seen: list[OfferTerms] = []

    # --- time and new offers -------------------------------------------------------------

    @rule(hours=st.integers(min_value=1, max_value=72))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @precondition(lambda self: self.offer.status in o.FINAL)
    @rule(price=deltas, payout=deltas)
    def staff_start_a_new_offer(self, price: int, payout: int) -> None:
        t = repriced(terms(expires_at=self.now + WEEK), price_delta=price, payout_delta=payout)
        try:
            self.offer = new_offer(t, party=Party.ADMIN, now=self.now)
        except DealDomainError:
            return

    @precondition(lambda self: self.deal.status == DealStatus.CANCELLED)
    @rule()
    def the_desk_starts_another_deal(self) -> None:
        self.deal = Deal(1, 8, KEYS)
        self.agreements = ()

    # --- the offer -----------------------------------------------------------------------

    @rule(
        action=offer_actions,
        party=parties,
        stale=st.booleans(),
        price=deltas,
        payout=deltas,
        drop=st.booleans(),
        reason=st.sampled_from([None, *DeclineReason]),
        text=st.sampled_from(["", "לא מתאים לקהילה"]),
    )
    def someone_acts_on_the_offer(
        self,
        action: OfferAction,
        party: Party,
        stale: bool,
        price: int,
        payout: int,
        drop: bool,
        reason: DeclineReason | None,
        text: str,
    ) -> None:
        before = self.offer
        current = before.current.number
        version = current - 1 if stale and current > 1 else current
        proposed = self._proposal(before.terms, party, price, payout, drop)
        status = effective_status(before, self.now)
        try:
            after = act(
                before,
                action,
                party,
                now=self.now,
                version=version,
                terms=proposed,
                reason=reason,
                text=text,
            )
        except (StaleVersion, OfferExpired):
            assert version != current or status == OfferStatus.EXPIRED
            return
        except (IllegalTransition, NotYourTurn):
            move = OFFER_TRANSITIONS.get((status, action))
            assert move is None or party not in move.parties or action == OfferAction.EXPIRE
            return
        except DealDomainError:
            return  # a guard (reason, margin, unchanged counter …) refused; nothing moved
        source = before.status if action == OfferAction.EXPIRE else status
        move = OFFER_TRANSITIONS[(source, action)]
        assert party in move.parties, f"{party} made {source} --{action}--> without the table"
        assert after.status == move.to
        assert party == Party.SYSTEM or version == current
        event(f"offer {action}")
        if action != OfferAction.EDIT:
            assert after.versions[: len(before.versions)] == before.versions, "rounds are immutable"
        self.offer = after
        if after.status == OfferStatus.ACCEPTED:
            self.the_desk_records_an_accepted_offer()  # as the service does on acceptance

    @rule(choice=st.integers(min_value=0, max_value=3), price=deltas, payout=deltas)
    def whoever_is_due_answers(self, choice: int, price: int, payout: int) -> None:
        """A move the table allows now, so that runs get far; it is checked like any other."""
        options = DUE.get(effective_status(self.offer, self.now))
        if options:
            action, party = options[choice % len(options)]
            self.someone_acts_on_the_offer(
                action, party, False, price, payout, False, DeclineReason.NOT_OUR_DNA, "צפוי"
            )

    def _proposal(
        self, t: OfferTerms, party: Party, price: int, payout: int, drop: bool
    ) -> OfferTerms | None:
        t = replace(t, expires_at=self.now + WEEK)
        if drop and len(t.placements) > 1:
            t = replace(t, placements=t.placements[:1])
        try:
            if party == Party.OWNER:
                return with_brand_prices(repriced(t, payout_delta=payout), self.offer.terms)
            return repriced(t, price_delta=price, payout_delta=payout)
        except DealDomainError:
            return None  # a negative amount: such terms cannot even be written

    # --- the deal ------------------------------------------------------------------------

    @rule()
    def the_desk_records_an_accepted_offer(self) -> None:
        try:
            self.deal = record_acceptance(self.deal, self.offer)
        except IllegalTransition:
            assert (
                self.deal.status not in (DealStatus.NEGOTIATING, DealStatus.AMENDING)
                or self.offer.status != OfferStatus.ACCEPTED
            )
            return
        assert self.deal.accepted == self.offer.terms
        self.accepted_seen.append(self.offer.terms)

    @rule(first=st.sampled_from([Party.OWNER, Party.STAFF, Party.ADMIN]))
    def both_sides_confirm_what_they_read(self, first: Party) -> None:
        second = Party.STAFF if first == Party.OWNER else Party.OWNER
        self.someone_confirms_the_agreement(first, honest=True)
        self.someone_confirms_the_agreement(second, honest=True)

    @rule(party=parties, honest=st.sampled_from([True, True, False]))
    def someone_confirms_the_agreement(self, party: Party, honest: bool) -> None:
        before = self.deal
        try:
            text_hash = pending_hash(before) if honest else "0" * 64
        except IllegalTransition:
            text_hash = "0" * 64
        try:
            after = deal_act(before, DealAction.AGREE, party, now=self.now, content_hash=text_hash)
        except DealDomainError:
            return
        move = DEAL_TRANSITIONS[(before.status, DealAction.AGREE)]
        assert party in move.parties
        assert honest
        if len(after.agreements) > len(before.agreements):
            new = after.agreements[-1]
            assert after.status == DealStatus.AGREED
            assert before.covered
            assert new.terms == before.accepted
            assert new.terms in self.accepted_seen
            assert new.number == 1 if before.status == DealStatus.NEGOTIATING else new.number > 1
            event("an amendment agreed" if new.number > 1 else "a deal agreed")
        self.deal = after

    @rule(party=st.sampled_from([Party.OWNER, Party.STAFF]), payout=deltas)
    def someone_asks_to_amend_an_agreed_deal(self, party: Party, payout: int) -> None:
        """Open an amendment and draft its offer, as staff would."""
        self.someone_acts_on_the_deal(DealAction.AMEND, party, None, "")
        if self.deal.status == DealStatus.AMENDING and self.offer.status in o.FINAL:
            self.staff_start_a_new_offer(0, payout)

    @rule(
        action=deal_actions,
        party=parties,
        reason=st.sampled_from([None, *StopReason]),
        text=st.sampled_from(["", "שעת חירום"]),
    )
    def someone_acts_on_the_deal(
        self, action: DealAction, party: Party, reason: StopReason | None, text: str
    ) -> None:
        before = self.deal
        try:
            after = deal_act(before, action, party, now=self.now, reason=reason, text=text)
        except DealDomainError:
            return
        move = DEAL_TRANSITIONS[(before.status, action)]
        assert party in move.parties
        assert after.status == move.to
        assert after.agreements == before.agreements, "only a confirmation makes an agreement"
        event(f"deal {action}")
        self.deal = after

    # --- what must always hold -----------------------------------------------------------

    @invariant()
    def agreements_only_grow_one_at_a_time_and_never_change(self) -> None:
        agreements = self.deal.agreements
        assert agreements[: len(self.agreements)] == self.agreements
        assert len(agreements) - len(self.agreements) <= 1
        assert [a.number for a in agreements] == list(range(1, len(agreements) + 1))
        self.agreements = agreements

    @invariant()
    def an_agreed_deal_has_its_agreement(self) -> None:
        if self.deal.status in (DealStatus.AGREED, DealStatus.AMENDING):
            assert self.deal.agreement is not None
        if self.deal.status == DealStatus.NEGOTIATING:
            assert self.deal.agreement is None

    @invariant()
    def no_party_sees_the_other_sides_price(self) -> None:
        versions = self.offer.versions
        for party, hidden in HIDDEN.items():
            for v in versions:
                assert not keys_anywhere(terms_for(v.terms, party)) & hidden
            for a, b in zip(versions, versions[1:], strict=False):
                seen = diff_for(diff(a.terms, b.terms), party)
                assert not {c.field.rsplit(".", 1)[-1] for c in seen} & hidden
                assert not keys_anywhere([[c.before, c.after] for c in seen]) & hidden
        for agreement in self.deal.agreements:
            doc = agreement_document(agreement.terms, brief_id=1, community_id=7, number=1)
            assert not keys_anywhere(doc) & HIDDEN[Party.OWNER]


DeskMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, database=None
)
TestDeskMachine = DeskMachine.TestCase
