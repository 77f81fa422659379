"""Random sequences of desk actions by random roles, through the services and the database.

The pure rules have their own state machine (tests/unit/deals/test_machine.py); this one drives
the stored deal: after every step it checks that a refused action wrote nothing (no half-written
state), that agreements only grow and never change, that each action left one audit row, that
no owner or brand projection holds the other side's price, and that the plan's totals are the
sum of its deals' terms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

import campaigns.deals as rules
from campaigns.deals import DeclineReason, StopReason
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Agreement, Deal, DealEvent, OfferVersion
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan
from tests.factories import make_deal

ROLES = ("brand", "owner", "staff", "admin", "finance")
HIDDEN = {
    "owner": ("brand_price_minor", "margin_minor", "margin_bp", "'desk'"),
    "brand": ("owner_payout_minor", "margin_minor", "margin_bp", "'desk'", "'document'"),
}
roles = st.sampled_from(ROLES)
staleness = st.sampled_from([0, 0, 0, 1])


class DeskMachine(RuleBasedStateMachine):
    """One deal, driven by random roles; the clock moves forward an hour a step."""

    def __init__(self, session: Any, people: dict[str, User]) -> None:
        super().__init__()
        self.session = session
        self.people = people
        self.deal = make_deal(
            session, brand=people["brand"], staff=people["staff"], owner=people["owner"]
        )
        self.now = dt.datetime.now(dt.UTC)
        self.agreements: dict[int, tuple[str, Any]] = {}

    # --- helpers ------------------------------------------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        s = self.session
        deal = self.deal
        return (
            deal.status,
            deal.version,
            deal.accepted_version_id,
            tuple((o.id, o.status, o.current_version, o.draft_terms) for o in deal.offers),
            tuple((p.id, p.status) for p in deal.placements),
            s.scalar(select(func.count()).select_from(DealEvent)),
            s.scalar(select(func.count()).select_from(OfferVersion)),
            tuple(
                (a.id, a.confirmed_by_owner_at, a.confirmed_by_agency_at)
                for a in s.scalars(select(Agreement).where(Agreement.deal_id == deal.id))
            ),
        )

    def attempt(self, action: Any) -> None:
        """Run one action; a refusal (a named error) must leave everything as it was."""
        self.now += dt.timedelta(hours=1)
        events_before = self.session.scalar(select(func.count()).select_from(DealEvent))
        before = self.snapshot()
        try:
            action()
        except (rules.DealDomainError, deals.DealNotFound, deals.ReplacementRefused):
            self.session.flush()
            assert self.snapshot() == before, "a refused action wrote something"
            return
        events_after = self.session.scalar(select(func.count()).select_from(DealEvent))
        assert events_after is not None
        assert events_before is not None
        # An action that did something left an audit row; one with nothing to do (force
        # majeure on a brief with no open deal) wrote nothing at all.
        assert events_after > events_before or self.snapshot() == before, "no audit row"

    def offer(self) -> Any:
        offer = deals.current_offer(self.deal)
        assert offer is not None
        return offer

    # --- rules --------------------------------------------------------------------------

    @rule(role=roles, stale=staleness)
    def send(self, role: str, stale: int) -> None:
        offer = self.offer()
        self.attempt(
            lambda: deals.send_offer(
                self.session,
                offer.id,
                actor=self.people[role],
                version=offer.current_version - stale,
                now=self.now,
            )
        )

    @rule(role=roles, stale=staleness)
    def accept(self, role: str, stale: int) -> None:
        offer = self.offer()
        self.attempt(
            lambda: deals.accept_offer(
                self.session,
                offer.id,
                actor=self.people[role],
                version=offer.current_version - stale,
                now=self.now,
            )
        )

    @rule(role=roles, reason=st.sampled_from(list(DeclineReason)), words=st.sampled_from(["", "x"]))
    def decline(self, role: str, reason: DeclineReason, words: str) -> None:
        offer = self.offer()
        self.attempt(
            lambda: deals.decline_offer(
                self.session,
                offer.id,
                reason,
                text=words,
                actor=self.people[role],
                version=offer.current_version,
                now=self.now,
            )
        )

    @rule(
        role=roles,
        stale=staleness,
        delta=st.integers(-5_000, 20_000),
        price=st.sampled_from([None, 0, 123]),
    )
    def counter(self, role: str, stale: int, delta: int, price: int | None) -> None:
        offer = self.offer()
        terms = deals.pure_offer(offer).terms

        def change(p: Any) -> Any:
            payout = max(0, p.owner_payout_minor + delta)
            brand = p.brand_price_minor if price is None else price
            if role == "owner" and price is None:
                brand = 0  # what an owner's form sends: it never saw the brand price
            return replace(p, owner_payout_minor=payout, brand_price_minor=brand)

        proposed = replace(
            terms,
            placements=tuple(change(p) for p in terms.placements),
            expires_at=self.now + dt.timedelta(days=7),
        )
        self.attempt(
            lambda: deals.counter_offer(
                self.session,
                offer.id,
                proposed,
                actor=self.people[role],
                version=offer.current_version - stale,
                now=self.now,
            )
        )

    @rule(role=roles, words=st.sampled_from(["", "changed plans"]))
    def withdraw(self, role: str, words: str) -> None:
        offer = self.offer()
        self.attempt(
            lambda: deals.withdraw_offer(
                self.session,
                offer.id,
                words,
                actor=self.people[role],
                version=offer.current_version,
                now=self.now,
            )
        )

    @rule(role=roles, right=st.booleans())
    def confirm(self, role: str, right: bool) -> None:
        def go() -> None:
            digest = "0" * 64
            if right:
                _document, digest = deals.pending_agreement_document(self.session, self.deal)
            deals.confirm_agreement(
                self.session,
                self.deal.id,
                content_hash=digest,
                actor=self.people[role],
                now=self.now,
            )

        self.attempt(go)

    @rule(role=roles)
    def amend(self, role: str) -> None:
        self.attempt(
            lambda: deals.amend_deal(
                self.session, self.deal.id, actor=self.people[role], now=self.now
            )
        )

    @rule(role=roles)
    def redraft(self, role: str) -> None:
        self.attempt(
            lambda: deals.redraft_offer(
                self.session, self.deal.id, actor=self.people[role], now=self.now
            )
        )

    @rule(role=roles)
    def pause(self, role: str) -> None:
        self.attempt(
            lambda: deals.pause_brief_deals(
                self.session, self.deal.brief_id, "war", actor=self.people[role], now=self.now
            )
        )

    @rule(role=roles)
    def resume(self, role: str) -> None:
        self.attempt(
            lambda: deals.resume_deal(
                self.session, self.deal.id, actor=self.people[role], now=self.now
            )
        )

    @rule(role=roles, reason=st.sampled_from([StopReason.BRAND_WITHDREW, StopReason.OTHER]))
    def cancel(self, role: str, reason: StopReason) -> None:
        self.attempt(
            lambda: deals.cancel_deal(
                self.session, self.deal.id, reason, actor=self.people[role], now=self.now
            )
        )

    @rule()
    def time_passes(self) -> None:
        self.now += dt.timedelta(days=8)
        deals.expire_due_offers(self.session, self.now)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def agreements_only_grow_and_never_change(self) -> None:
        complete = [a for a in self.deal.agreements if a.complete]
        assert [a.number for a in complete] == list(range(1, len(complete) + 1))
        for a in complete:
            seen = self.agreements.setdefault(a.number, (a.content_hash, a.document))
            assert seen == (a.content_hash, a.document)
            assert rules.content_hash(a.document) == a.content_hash
        assert len(complete) >= len(self.agreements)

    @invariant()
    def an_agreed_deal_runs_on_its_latest_agreement(self) -> None:
        if self.deal.status is rules.DealStatus.AGREED:
            in_force = deals.agreement_in_force(self.deal)
            assert in_force is not None
            terms = deals.deal_terms(self.deal)
            assert terms is not None
            assert (
                rules.agreement_document(
                    terms,
                    brief_id=self.deal.brief_id,
                    community_id=self.deal.community_id,
                    number=in_force.number,
                )
                == in_force.document
            )

    @invariant()
    def no_role_sees_the_other_sides_price(self) -> None:
        for role, hidden in HIDDEN.items():
            view = str(deals.deal_view(self.session, self.deal, self.people[role], now=self.now))
            for name in hidden:
                assert name not in view, (role, name)

    @invariant()
    def plan_totals_are_the_sum_of_its_deals(self) -> None:
        plan = self.session.get(MediaPlan, self.deal.plan_id)
        totals = deals.plan_totals(self.session, plan, actor=self.people["finance"])
        live = self.session.scalars(
            select(Deal).where(Deal.plan_id == plan.id, Deal.status != rules.DealStatus.CANCELLED)
        )
        terms = [t for t in (deals.deal_terms(d) for d in live) if t is not None]
        assert totals.brand_price_minor == sum(t.brand_price_minor for t in terms)
        assert totals.owner_payout_minor == sum(t.owner_payout_minor for t in terms)


@pytest.fixture
def desk(app: Flask, make_user: Any) -> Any:
    ids = {role: make_user(role).id for role in ROLES}
    with app.test_request_context():
        yield db.session, {role: db.session.get(User, i) for role, i in ids.items()}


def test_random_desk_actions_by_random_roles_keep_the_invariants(desk: Any) -> None:
    session, people = desk
    run_state_machine_as_test(
        lambda: DeskMachine(session, people),
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            # Each step is several queries: shrinking a failure could take many minutes, and
            # the unshrunk steps are printed anyway.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
