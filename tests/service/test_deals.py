"""The deal desk's services on a real database: opening, negotiating, agreeing, stopping, audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

import campaigns.deals as rules
from campaigns.deals import DealStatus, DeclineReason, OfferStatus, StopReason
from campaigns.plan import PlanStatus
from marketplace import events
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Agreement, Deal, DealEvent, OfferVersion, PlacementStatus
from marketplace.extensions import db
from marketplace.jobs.scheduler import default_schedule
from marketplace.matching.models import MediaPlan
from tests.factories import add_co_manager, approve_plan, make_deal, make_offer


def actions(ctx: Any, deal: Deal) -> list[str]:
    return list(
        ctx.scalars(
            select(DealEvent.action).where(DealEvent.deal_id == deal.id).order_by(DealEvent.id)
        )
    )


def test_approving_a_plan_opens_one_deal_per_community_with_a_draft_at_the_plan_prices(
    ctx: Any, people: dict[str, User]
) -> None:
    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                        communities=2)  # fmt: skip
    assert plan.status is PlanStatus.APPROVED
    opened = list(ctx.scalars(select(Deal).where(Deal.plan_id == plan.id)))
    lines = plan.result["lines"]
    assert {d.community_id for d in opened} == {line["community_id"] for line in lines}
    for deal in opened:
        assert deal.status is DealStatus.NEGOTIATING
        offer = deals.current_offer(deal)
        assert offer is not None
        assert offer.status is OfferStatus.DRAFT
        terms = deals.pure_offer(offer).terms
        mine = [line for line in lines if line["community_id"] == deal.community_id]
        assert terms.owner_payout_minor == sum(line["owner_rate_minor"] for line in mine)
        assert terms.brand_price_minor == sum(line["brand_price_minor"] for line in mine)
        assert {(p.asset_id, p.placement_type.value) for p in deal.placements} == {
            (line["asset_id"], line["placement"]) for line in mine
        }
        assert actions(ctx, deal) == ["open"]
    # Idempotent: opening again adds nothing.
    again = deals.open_deals_for_plan(ctx, plan, actor=people["staff"])
    assert sorted(d.id for d in again) == sorted(d.id for d in opened)
    assert ctx.scalar(select(func.count()).select_from(Deal)) == len(opened)


def test_the_deal_desk_subscribes_to_plan_approval() -> None:
    assert deals.on_plan_approved in events.handlers("plan.approved")


def test_a_plan_that_is_not_approved_opens_no_deal(ctx: Any, people: dict[str, User]) -> None:
    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"])
    draft = MediaPlan(
        brief_id=plan.brief_id, status=PlanStatus.DRAFT, budget_minor=1, currency="ILS",
        margin_bp=2500, solver_status="optimal", result=plan.result,
    )  # fmt: skip
    ctx.add(draft)
    ctx.flush()
    with pytest.raises(rules.IllegalTransition):
        deals.open_deals_for_plan(ctx, draft, actor=people["staff"])


def deal_of(ctx: Any, people: dict[str, User], stage: str = "draft") -> Deal:
    return make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage=stage)  # fmt: skip


def test_staff_send_and_the_owner_counters_with_the_brand_prices_kept_by_the_server(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    offer = deals.current_offer(deal)
    assert offer is not None
    assert (offer.status, offer.current_version) == (OfferStatus.COUNTERED, 2)
    first, second = offer.versions
    assert (first.author_side, second.author_side) == ("agency", "owner")
    assert second.author_id == people["owner"].id
    # The owner sent 0 as the brand price; the server kept the agency's.
    assert second.brand_price_minor == first.brand_price_minor
    assert second.owner_payout_minor == first.owner_payout_minor * 11 // 10
    assert actions(ctx, deal) == ["open", "send", "counter"]
    counter = ctx.scalars(select(DealEvent).where(DealEvent.action == "counter")).one()
    assert (counter.party, counter.actor_id) == ("owner", people["owner"].id)
    assert counter.before == {"deal": "negotiating", "offer": "sent", "version": 1}
    assert counter.after == {"deal": "negotiating", "offer": "countered", "version": 2}


def test_an_owner_counter_with_a_tampered_brand_price_is_refused_and_changes_nothing(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    offer = deals.current_offer(deal)
    assert offer is not None
    terms = deals.pure_offer(offer).terms
    tampered = replace(terms, placements=tuple(
        replace(p, brand_price_minor=p.brand_price_minor + 1,
                owner_payout_minor=p.owner_payout_minor + 100)
        for p in terms.placements
    ))  # fmt: skip
    with pytest.raises(rules.FieldNotYours):
        deals.counter_offer(ctx, offer.id, tampered, version=1, actor=people["owner"])
    assert (offer.status, len(offer.versions)) == (OfferStatus.SENT, 1)
    assert actions(ctx, deal) == ["open", "send"]


def test_staff_accept_a_counter_and_both_sides_confirm_the_agreement(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    offer = deals.current_offer(deal)
    assert offer is not None
    with pytest.raises(rules.NotYourTurn):
        deals.accept_offer(ctx, offer.id, version=2, actor=people["owner"])
    deals.accept_offer(ctx, offer.id, version=2, actor=people["staff"])
    assert offer.status is OfferStatus.ACCEPTED
    assert deal.accepted_version_id == offer.versions[1].id
    document, digest = deals.pending_agreement_document(ctx, deal)
    assert "brand_price_minor" not in str(document)
    with pytest.raises(rules.StaleVersion):
        deals.confirm_agreement(ctx, deal.id, content_hash="0" * 64, actor=people["owner"])
    deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["owner"])
    assert deal.status is DealStatus.NEGOTIATING
    with pytest.raises(rules.NotYourTurn):
        deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["owner"])
    agreement = deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["staff"],
                                        language="en")  # fmt: skip
    assert deal.status is DealStatus.AGREED
    assert agreement.complete
    assert agreement.content_hash == digest
    assert agreement.number == 1
    assert agreement.document == document
    assert agreement.confirmed_by_owner_id == people["owner"].id
    assert agreement.confirmed_by_agency_id == people["staff"].id
    assert all(p.status is PlacementStatus.AGREED for p in deal.placements)
    assert actions(ctx, deal)[-3:] == ["accept", "confirm", "agree"]
    # An agreed deal takes no new offer action.
    with pytest.raises(rules.IllegalTransition):
        deals.withdraw_offer(ctx, offer.id, "late", version=2, actor=people["staff"])


def test_the_owner_declines_with_a_reason_and_staff_offer_a_replacement(
    ctx: Any, people: dict[str, User]
) -> None:
    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                        communities=1)  # fmt: skip
    deal = ctx.scalars(select(Deal).where(Deal.plan_id == plan.id)).one()
    make_offer(ctx, deal, "sent", staff=people["staff"], owner=people["owner"])
    offer = deals.current_offer(deal)
    assert offer is not None
    with pytest.raises(rules.ReasonRequired):
        deals.decline_offer(ctx, offer.id, DeclineReason.OTHER, version=1, actor=people["owner"])
    deals.decline_offer(ctx, offer.id, DeclineReason.NOT_OUR_DNA, version=1,
                        actor=people["owner"], text="לא מתאים")  # fmt: skip
    assert (offer.status, offer.decline_reason, offer.close_text) == (
        OfferStatus.DECLINED, "not_our_dna", "לא מתאים",
    )  # fmt: skip
    # A second listed community on the brief's shortlist is the replacement.
    from marketplace.briefs.models import Brief
    from marketplace.matching import services as matching
    from tests.factories import list_community, make_listing

    brief = ctx.get(Brief, deal.brief_id)
    other = list_community(ctx, make_listing(ctx, people["owner"]), owner=people["owner"],
                           staff=people["staff"])  # fmt: skip
    matching.add_to_shortlist(ctx, brief, other.id, actor=people["staff"])
    candidates = deals.replacement_candidates(ctx, brief, deal)
    assert [c.id for c in candidates] == [other.id]
    assert deal.community_id not in [c.id for c in candidates]
    with pytest.raises(rules.IllegalTransition):
        deals.offer_replacement(ctx, deal.id, other.id, actor=people["owner"])
    new = deals.offer_replacement(ctx, deal.id, other.id, actor=people["staff"])
    assert (new.replaces_id, new.community_id, new.plan_id) == (deal.id, other.id, plan.id)
    assert deal.status is DealStatus.CANCELLED
    assert deal.stop_reason == "owner_declined"
    new_offer = deals.current_offer(new)
    assert new_offer is not None
    assert new_offer.status is OfferStatus.DRAFT
    assert deals.replacement_candidates(ctx, brief, deal) == []
    totals = deals.plan_totals(ctx, plan, actor=people["staff"])
    assert totals.brand_price_minor == deals.pure_offer(new_offer).terms.brand_price_minor


def test_staff_withdraw_with_words_and_a_draft_can_be_edited_before_it_is_sent(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people)
    offer = deals.current_offer(deal)
    assert offer is not None
    terms = deals.pure_offer(offer).terms
    edited = replace(terms, payment_terms_days=45)
    deals.edit_offer(ctx, offer.id, edited, version=1, actor=people["staff"])
    assert offer.draft_terms is not None
    assert offer.draft_terms["payment_terms_days"] == 45
    assert ctx.scalar(select(func.count()).select_from(OfferVersion)) == 0
    deals.send_offer(ctx, offer.id, version=1, actor=people["staff"])
    assert offer.versions[0].terms["payment_terms_days"] == 45
    with pytest.raises(rules.ReasonRequired):
        deals.withdraw_offer(ctx, offer.id, " ", version=1, actor=people["staff"])
    deals.withdraw_offer(
        ctx, offer.id, "the brand moved the dates", version=1, actor=people["staff"]
    )
    assert (offer.status, offer.close_text) == (OfferStatus.WITHDRAWN, "the brand moved the dates")
    assert actions(ctx, deal) == ["open", "edit", "send", "withdraw"]


def test_acting_on_a_superseded_round_or_a_stale_deal_version_is_a_conflict(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    offer = deals.current_offer(deal)
    assert offer is not None
    with pytest.raises(rules.StaleVersion):
        deals.accept_offer(ctx, offer.id, version=1, actor=people["staff"])
    with pytest.raises(rules.StaleVersion):
        deals.accept_offer(ctx, offer.id, version=2, actor=people["staff"],
                           deal_version=deal.version - 1)  # fmt: skip
    assert offer.status is OfferStatus.COUNTERED


def test_an_owner_cannot_see_or_act_on_another_owners_deal(
    ctx: Any, people: dict[str, User], make_user: Any
) -> None:
    deal = deal_of(ctx, people, "sent")
    offer = deals.current_offer(deal)
    assert offer is not None
    stranger = people["owner2"]
    with pytest.raises(deals.DealNotFound):
        deals.accept_offer(ctx, offer.id, version=1, actor=stranger)
    with pytest.raises(deals.DealNotFound):
        deals.get_deal(ctx, deal.id, stranger)
    assert deals.deals_visible_to(ctx, stranger) == []
    assert offer.status is OfferStatus.SENT


def test_each_role_sees_its_own_deals_and_never_the_other_sides_price(
    ctx: Any, people: dict[str, User], make_user: Any
) -> None:
    deal = deal_of(ctx, people, "countered")
    other_brand = people["brand2"]
    assert deals.deals_visible_to(ctx, other_brand) == []
    for role in ("brand", "owner", "staff", "admin", "finance"):
        assert [d.id for d in deals.deals_visible_to(ctx, people[role])] == [deal.id]
    owner_view = str(deals.deal_view(ctx, deal, people["owner"]))
    brand_view = str(deals.deal_view(ctx, deal, people["brand"]))
    staff_view = deals.deal_view(ctx, deal, people["staff"])
    assert "brand_price_minor" not in owner_view
    assert "margin" not in owner_view
    assert "owner_payout_minor" not in brand_view
    assert "margin" not in brand_view
    assert "brand_price_minor" in str(staff_view)
    assert "owner_payout_minor" in str(staff_view)
    assert staff_view["desk"]["check"] in ("ok", "below_floor")
    changes = staff_view["offer"]["rounds"][1]["changes"]
    assert any(c["field"].endswith("owner_payout_minor") for c in changes)
    brand_changes = deals.deal_view(ctx, deal, people["brand"])["offer"]["rounds"][1]["changes"]
    assert brand_changes == []  # a payout-only change is absent from the brand's diff
    with pytest.raises(deals.DealNotFound):
        deals.desk_figures(ctx, deal, actor=people["owner"])


def test_a_brand_never_gets_the_agreement_hash_it_could_test_payout_guesses_against(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "agreed")
    [stored] = deal.agreements
    brand_view = str(deals.deal_view(ctx, deal, people["brand"]))
    assert stored.content_hash not in brand_view
    assert "content_hash" not in brand_view
    for role in ("owner", "staff"):
        [agreement] = deals.deal_view(ctx, deal, people[role])["agreements"]
        assert agreement["content_hash"] == stored.content_hash


def test_desk_figures_show_margin_cpm_on_p50_reach_and_the_configured_floor(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(DEAL_MARGIN_FLOOR_BP=9_000)
    with app.test_request_context():
        session = db.session
        people = {r: session.get(User, make_user(r).id) for r in ("brand", "owner", "staff")}
        deal = deal_of(session, people)
        offer = deals.current_offer(deal)
        assert offer is not None
        terms = deals.pure_offer(offer).terms
        figures = deals.desk_figures(session, deal, actor=people["staff"])
        assert figures.margin_minor == terms.brand_price_minor - terms.owner_payout_minor
        assert figures.check is rules.MarginCheck.BELOW_FLOOR  # 25% plan margin < 90% floor
        reach = deals.reach_p50(session, terms)
        assert figures.reach_p50 == sum(reach.get(p.key, 0) * p.count for p in terms.placements)
        assert figures.reach_p50 > 0
        assert figures.cpm_minor == rules.effective_cpm_minor(
            terms.brand_price_minor, figures.reach_p50
        )


def test_below_zero_margin_needs_an_admin(ctx: Any, people: dict[str, User]) -> None:
    deal = deal_of(ctx, people)
    offer = deals.current_offer(deal)
    assert offer is not None
    terms = deals.pure_offer(offer).terms
    loss = replace(terms, placements=tuple(
        replace(p, owner_payout_minor=p.brand_price_minor + 1) for p in terms.placements
    ))  # fmt: skip
    with pytest.raises(rules.NeedsAdmin):
        deals.edit_offer(ctx, offer.id, loss, version=1, actor=people["staff"])
    deals.edit_offer(ctx, offer.id, loss, version=1, actor=people["admin"])
    assert (
        deals.desk_figures(ctx, deal, actor=people["admin"]).check is rules.MarginCheck.BELOW_ZERO
    )


def test_amending_an_agreed_deal_negotiates_agreement_number_two(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "agreed")
    first = deals.agreement_in_force(deal)
    assert first is not None
    amendment = deals.amend_deal(ctx, deal.id, actor=people["owner"])
    assert deal.status is DealStatus.AMENDING
    assert amendment.kind.value == "amendment"
    terms = deals.pure_offer(amendment).terms
    deals.edit_offer(ctx, amendment.id, replace(terms, payment_terms_days=60), version=1,
                     actor=people["staff"])  # fmt: skip
    deals.send_offer(ctx, amendment.id, version=1, actor=people["staff"])
    deals.accept_offer(ctx, amendment.id, version=1, actor=people["owner"])
    _document, digest = deals.pending_agreement_document(ctx, deal)
    deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["staff"])
    second = deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["owner"])
    assert (second.number, deal.status) == (2, DealStatus.AGREED)
    assert deals.agreement_in_force(deal) is second
    assert first.content_hash != second.content_hash
    in_force = deals.deal_terms(deal)
    assert in_force is not None
    assert in_force.payment_terms_days == 60


def test_cancelling_needs_a_reason_and_withdraws_the_open_offer(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    with pytest.raises(rules.ReasonRequired):
        deals.cancel_deal(ctx, deal.id, StopReason.OTHER, actor=people["staff"])
    with pytest.raises(rules.IllegalTransition):
        deals.cancel_deal(ctx, deal.id, StopReason.BRAND_WITHDREW, actor=people["owner"])
    deals.cancel_deal(ctx, deal.id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    offer = deals.current_offer(deal)
    assert offer is not None
    assert (deal.status, deal.stop_reason, offer.status) == (
        DealStatus.CANCELLED, "brand_withdrew", OfferStatus.WITHDRAWN,
    )  # fmt: skip
    assert actions(ctx, deal)[-1] == "cancel"


def test_force_majeure_pauses_every_open_deal_of_the_brief_at_once(
    ctx: Any, people: dict[str, User]
) -> None:
    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                        communities=2)  # fmt: skip
    opened = list(ctx.scalars(select(Deal).where(Deal.plan_id == plan.id).order_by(Deal.id)))
    assert len(opened) == 2
    make_offer(ctx, opened[0], "sent", staff=people["staff"], owner=people["owner"])
    make_offer(ctx, opened[1], "agreed", staff=people["staff"], owner=people["owner"])
    with pytest.raises(rules.IllegalTransition):
        deals.pause_brief_deals(ctx, plan.brief_id, "war", actor=people["brand"])
    assert {d.status for d in opened} == {DealStatus.NEGOTIATING, DealStatus.AGREED}
    paused = deals.pause_brief_deals(ctx, plan.brief_id, "מצב חירום לאומי", actor=people["staff"])
    assert {d.id for d in paused} == {d.id for d in opened}
    assert all(d.status is DealStatus.PAUSED and d.stop_reason == "force_majeure" for d in opened)
    sent = deals.current_offer(opened[0])
    assert sent is not None
    assert sent.status is OfferStatus.WITHDRAWN
    with pytest.raises(rules.IllegalTransition):
        deals.accept_offer(ctx, sent.id, version=1, actor=people["owner"])
    assert deals.agreement_in_force(opened[1]) is not None  # the agreement stays in force


def test_offers_expire_on_read_and_the_scheduled_job_records_it(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "sent")
    offer = deals.current_offer(deal)
    assert offer is not None
    later = offer.expires_at + dt.timedelta(minutes=1)
    assert deals.offer_view(offer, people["owner"], now=later)["status"] == "expired"
    with pytest.raises(rules.OfferExpired):
        deals.accept_offer(ctx, offer.id, version=1, actor=people["owner"], now=later)
    assert deals.expire_due_offers(ctx, offer.expires_at - dt.timedelta(seconds=1)) == 0
    assert deals.expire_due_offers(ctx, later) == 1
    assert offer.status is OfferStatus.EXPIRED
    assert deals.expire_due_offers(ctx, later) == 0
    event = ctx.scalars(select(DealEvent).where(DealEvent.action == "expire")).one()
    assert (event.party, event.actor_id) == ("system", None)


def test_the_expiry_job_is_scheduled_and_expires_due_offers(
    app: Flask, people: dict[str, User], ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.jobs import enqueue

    entry = next(e for e in default_schedule().entries if e.kind == "deals.expire_offers")
    assert entry.name == "deals.expire_offers"
    deal = deal_of(ctx, people, "sent")
    offer = deals.current_offer(deal)
    assert offer is not None
    later = offer.expires_at + dt.timedelta(minutes=1)
    monkeypatch.setattr("marketplace.deals.tasks.utcnow", lambda: later)
    ctx.commit()
    enqueue(ctx, "deals.expire_offers")  # eager in tests: runs right after the commit
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(type(offer), offer.id).status is OfferStatus.EXPIRED


def test_the_database_refuses_to_change_a_round_or_a_confirmed_agreement(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "agreed")
    ctx.commit()
    for statement in (
        "UPDATE offer_versions SET owner_payout_minor = 1",
        "DELETE FROM offer_versions",
        "UPDATE agreements SET content_hash = 'x'",
        "DELETE FROM agreements",
    ):
        with pytest.raises(DBAPIError):
            ctx.execute(text(statement))
        ctx.rollback()
    agreement = ctx.scalars(select(Agreement).where(Agreement.deal_id == deal.id)).one()
    assert agreement.complete
    assert len(agreement.content_hash) == 64


def test_a_half_confirmed_agreement_can_still_be_replaced(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "accepted")
    _document, digest = deals.pending_agreement_document(ctx, deal)
    deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["owner"])
    ctx.commit()
    assert ctx.execute(text("UPDATE agreements SET language = 'en'")).rowcount == 1
    assert ctx.execute(text("DELETE FROM agreements")).rowcount == 1
    ctx.commit()
    assert ctx.scalar(select(func.count()).select_from(Agreement)) == 0


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (rules.StaleVersion("x"), 409, "stale_version"),
        (rules.NotYourTurn("x"), 409, "not_your_turn"),
        (rules.OfferExpired("x"), 409, "offer_expired"),
        (rules.IllegalTransition("x"), 409, "invalid_transition"),
        (rules.FieldNotYours("x"), 403, "field_not_yours"),
        (rules.NeedsAdmin("x"), 403, "needs_admin"),
        (rules.ReasonRequired("x"), 422, "reason_required"),
        (rules.TermsInvalid("x"), 422, "terms_invalid"),
    ],
)
def test_the_rules_refusals_map_to_http_answers_conflicts_to_409(
    error: Exception, status: int, code: str
) -> None:
    from marketplace.errors import domain_error

    assert domain_error(error)[:2] == (status, code)


def test_a_refusal_reaches_the_client_as_a_named_json_error(app: Flask) -> None:
    @app.get("/api/v1/_test_refusal")
    def refusal() -> str:
        raise rules.StaleVersion("version 1 is superseded by version 2")

    from marketplace import policy

    policy.POLICY["refusal"] = policy.public()
    try:
        answer = app.test_client().get("/api/v1/_test_refusal")
    finally:
        policy.POLICY.pop("refusal", None)
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "stale_version"


def test_published_events_reach_each_subscriber_once_in_order() -> None:
    seen: list[tuple[str, Any]] = []

    def first(session: Any, **payload: Any) -> None:
        seen.append(("first", payload["n"]))

    def second(session: Any, **payload: Any) -> None:
        seen.append(("second", payload["n"]))

    events.subscribe("test.happened", first)
    events.subscribe("test.happened", second)
    events.subscribe("test.happened", first)
    events.publish(None, "test.happened", n=1)  # type: ignore[arg-type]
    events.publish(None, "test.nobody_listens", n=2)  # type: ignore[arg-type]
    assert seen == [("first", 1), ("second", 1)]


def test_after_a_decline_staff_can_redraft_from_the_latest_terms(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people, "countered")
    offer = deals.current_offer(deal)
    assert offer is not None
    with pytest.raises(rules.IllegalTransition):
        deals.redraft_offer(ctx, deal.id, actor=people["staff"])  # still open
    deals.withdraw_offer(ctx, offer.id, "wrong dates", version=2, actor=people["staff"])
    with pytest.raises(rules.IllegalTransition):
        deals.redraft_offer(ctx, deal.id, actor=people["owner"])
    draft = deals.redraft_offer(ctx, deal.id, actor=people["staff"])
    assert draft.id != offer.id
    assert draft.status is OfferStatus.DRAFT
    latest = deals.pure_offer(offer).terms
    assert deals.pure_offer(draft).terms.placements == latest.placements
    assert draft.expires_at > offer.expires_at
    assert actions(ctx, deal)[-1] == "redraft"
    # The old offer is history now: acting on it is stale.
    with pytest.raises(rules.StaleVersion):
        deals.send_offer(ctx, offer.id, version=2, actor=people["staff"])


def test_a_paused_deal_resumes_negotiating_with_a_new_draft_or_agreed_as_it_was(
    ctx: Any, people: dict[str, User]
) -> None:
    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                        communities=2)  # fmt: skip
    sent, agreed = ctx.scalars(select(Deal).where(Deal.plan_id == plan.id).order_by(Deal.id))
    make_offer(ctx, sent, "sent", staff=people["staff"], owner=people["owner"])
    make_offer(ctx, agreed, "agreed", staff=people["staff"], owner=people["owner"])
    deals.pause_brief_deals(ctx, plan.brief_id, "war", actor=people["staff"])
    with pytest.raises(rules.IllegalTransition):
        deals.resume_deal(ctx, sent.id, actor=people["owner"])
    deals.resume_deal(ctx, sent.id, actor=people["staff"])
    deals.resume_deal(ctx, agreed.id, actor=people["staff"])
    assert (sent.status, agreed.status) == (DealStatus.NEGOTIATING, DealStatus.AGREED)
    assert (sent.stop_reason, agreed.stop_reason) == (None, None)
    assert [o.status for o in sent.offers] == [OfferStatus.WITHDRAWN, OfferStatus.DRAFT]
    assert len(agreed.offers) == 1
    assert actions(ctx, sent)[-2:] == ["pause", "resume"]


def test_a_lost_update_caught_by_the_version_counter_answers_409(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from marketplace import policy

    @app.get("/api/v1/_test_lost_update")
    def lost() -> str:
        raise StaleDataError("UPDATE statement on table 'deals' expected to update 1 row(s)")

    policy.POLICY["lost"] = policy.public()
    try:
        answer = app.test_client().get("/api/v1/_test_lost_update")
    finally:
        policy.POLICY.pop("lost", None)
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "stale_version"


def test_a_co_manager_of_the_community_sees_and_answers_its_offers(
    ctx: Any, people: dict[str, User]
) -> None:

    deal = deal_of(ctx, people, "sent")
    helper = people["owner2"]
    assert deals.deals_visible_to(ctx, helper) == []
    add_co_manager(ctx, deal.community, email=helper.email, actor=people["owner"])
    assert [d.id for d in deals.deals_visible_to(ctx, helper)] == [deal.id]
    offer = deals.current_offer(deal)
    assert offer is not None
    deals.accept_offer(ctx, offer.id, version=1, actor=helper)
    assert offer.status is OfferStatus.ACCEPTED
    accepted = ctx.scalars(select(DealEvent).where(DealEvent.action == "accept")).one()
    assert accepted.actor_id == helper.id


def test_the_timeline_of_a_loaded_deal_shows_each_new_action(
    ctx: Any, people: dict[str, User]
) -> None:
    deal = deal_of(ctx, people)
    assert [e["action"] for e in deals.deal_view(ctx, deal, people["staff"])["events"]] == ["open"]
    offer = deals.current_offer(deal)
    assert offer is not None
    deals.send_offer(ctx, offer.id, version=1, actor=people["staff"])
    timeline = deals.deal_view(ctx, deal, people["owner"])["events"]
    assert [(e["action"], e["party"]) for e in timeline] == [("open", "brand"), ("send", "staff")]


def test_deals_opened_for_an_api_token_record_the_brand_without_a_person(
    ctx: Any, people: dict[str, User]
) -> None:
    from marketplace.briefs.services import ApiActor

    plan = approve_plan(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"])
    twin = MediaPlan(
        brief_id=plan.brief_id, status=PlanStatus.APPROVED, budget_minor=plan.budget_minor,
        currency="ILS", margin_bp=2500, solver_status="optimal", result=plan.result,
    )  # fmt: skip
    ctx.add(twin)
    ctx.flush()
    token = ApiActor(organisation_id=people["brand"].organisation_id or 0, token_name="ci")
    opened = deals.open_deals_for_plan(ctx, twin, actor=token)
    assert opened
    event = ctx.scalars(select(DealEvent).where(DealEvent.deal_id == opened[0].id)).one()
    assert (event.party, event.actor_id) == ("brand", None)


def test_agreeing_and_cancelling_a_deal_announce_it_to_the_features_built_on_deals(
    ctx: Any, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[tuple[str, int, dict[str, Any]]] = []
    monkeypatch.setitem(events._HANDLERS, "deal.agreed", [
        lambda session, deal, **rest: heard.append(("agreed", deal.id, rest))])  # fmt: skip
    monkeypatch.setitem(events._HANDLERS, "deal.cancelled", [
        lambda session, deal, **rest: heard.append(("cancelled", deal.id, rest))])  # fmt: skip
    deal = deal_of(ctx, people, "countered")
    offer = deals.current_offer(deal)
    assert offer is not None
    deals.accept_offer(ctx, offer.id, version=2, actor=people["staff"])
    _, digest = deals.pending_agreement_document(ctx, deal)
    deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["owner"])
    assert heard == []  # one confirmation agrees nothing
    agreement = deals.confirm_agreement(ctx, deal.id, content_hash=digest, actor=people["staff"])
    assert heard == [("agreed", deal.id, {"agreement": agreement, "actor": people["staff"]})]
    other = deal_of(ctx, people, "sent")
    deals.cancel_deal(ctx, other.id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    assert heard[-1] == (
        "cancelled", other.id, {"reason": StopReason.BRAND_WITHDREW, "actor": people["staff"]},
    )  # fmt: skip
