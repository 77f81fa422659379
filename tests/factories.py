"""Builders of realistic test data, through the services (so the data obeys the rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from unittest import mock

from sqlalchemy import select

from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.catalog import services as catalog
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    EvidenceFile,
    ListingStatus,
    MetricSnapshot,
)
from marketplace.creative import services as creative_services
from marketplace.creative.models import Creative
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, DealPlacement, Offer
from marketplace.finance import ledger
from marketplace.finance import services as finance
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.inbox import services as inbox
from marketplace.inbox.models import Notification
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job
from marketplace.links import redemptions
from marketplace.links import services as links
from marketplace.links.models import LinkClick, PromoCode, PromoUpload, TrackedLink
from marketplace.matching import services as matching
from marketplace.matching.models import MediaPlan
from marketplace.valuation import services as valuation
from pricing import ledger as posting_rules
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType, Platform

#: The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d5e1a0000000"
    "0049454e44ae426082"
)


@dataclass
class Listing:
    community: Community
    asset: ChannelAsset
    snapshot: MetricSnapshot
    evidence: EvidenceFile


def make_listing(session: Any, owner: User, **overrides: Any) -> Listing:
    """A community with one WhatsApp group, a rate card, an audience and a screenshot figure."""
    n = session.query(Community).count() + 1
    data = {
        "name_he": f"רצים בתל אביב {n}",
        "name_en": f"TLV Runners {n}",
        "description": "קהילת ריצה שכונתית: אימונים בפארק הירקון, מרתונים ושיחות על ציוד.",
        "dna_tone": "חברי, מפרגן, בלי שיפוטיות",
        "topics": ["fitness", "local"],
        "languages": ["he"],
        "region": "tel_aviv",
        "city": "תל אביב",
        "tags": ["ריצה", "מרתון"],
        "contact_phone": "050-1234567",
        **overrides,
    }
    # Every save below re-estimates the community and replaces the estimates of the one before
    # (six engine runs, ~190 ms a listing); the listing's estimates are those of its last state,
    # so they are derived once, from the finished listing, as its last save would have.
    with mock.patch.object(valuation, "refresh_estimates", return_value=None):
        community = catalog.save_community(session, data, actor=owner)
        asset = catalog.save_asset(
            session,
            community,
            {
                "platform": Platform.WHATSAPP_GROUP,
                "url": f"https://chat.whatsapp.com/Runners{n}x",
                "size": 640,
                "interaction_mode": "many_to_many",
            },
            actor=owner,
            observed_on=date(2026, 10, 1),
        )
        catalog.set_rates(session, asset, {PlacementType.POST: (35_000, "ILS")}, actor=owner)
        catalog.set_audience(
            session, community, "gender", {"female": 6500, "male": 3500}, actor=owner
        )
        evidence = catalog.store_evidence(
            session, community, filename="insights.png", data=PNG, actor=owner
        )
        snapshot = catalog.record_metric(
            session, asset, MetricKind.ACTIVE_MEMBERS, 310, actor=owner,
            observed_on=date(2026, 11, 1), source="WhatsApp insights", tier=EvidenceTier.SCREENSHOT,
            evidence=evidence,
        )  # fmt: skip
    catalog.refresh_derived(session, community)
    return Listing(community, asset, snapshot, evidence)


def list_community(session: Any, listing: Listing, *, owner: User, staff: User) -> Community:
    """Take a listing through review: submitted by its owner, listed by agency staff."""
    catalog.change_status(session, listing.community, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(session, listing.community, ListingStatus.LISTED, actor=staff)
    return listing.community


#: The KPI a factory brief carries unless the test names its own (``kpis={}``: none at all).
BRIEF_KPIS: Mapping[str, int] = MappingProxyType({"reach": 20_000})


def brief_data(*, kpis: Mapping[str, int] = BRIEF_KPIS, **overrides: Any) -> dict[str, Any]:
    """A complete brief in the brief JSON format: goal, audience, topics, budget, dates, KPIs."""
    today = date.today()
    return {
        "goal": "awareness",
        "title": "נעלי ריצה לחורף",
        "message": "קו נעלי ריצה חדש לרצים חובבים: אימונים בפארק ומרתונים.",
        "audience": {"gender": ["female"]},
        "topics": ["fitness"],
        "languages": ["he"],
        "budget_minor": 200_000,
        "currency": "ILS",
        "starts_on": (today + timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(),
        "kpis": dict(kpis),
        **overrides,
    }


def make_brief(
    session: Any,
    author: User,
    *,
    status: BriefStatus = BriefStatus.DRAFT,
    staff: User | None = None,
    **overrides: Any,
) -> Brief:
    """A brand's brief (see :func:`brief_data`), saved and moved on to `status` if asked.

    ``submitted`` needs only the author; ``in_planning`` also needs agency ``staff``.
    Later states need a plan: use :func:`make_plan` with ``propose=True``.
    """
    brief = briefs.save_brief(session, brief_data(**overrides), actor=author)
    if status in (BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING):
        briefs.submit_brief(session, brief, actor=author)
    if status is BriefStatus.IN_PLANNING:
        if staff is None:
            raise ValueError("a brief in planning needs the staff member who took it")
        briefs.change_status(session, brief, BriefStatus.IN_PLANNING, actor=staff)
    elif status not in (BriefStatus.DRAFT, BriefStatus.SUBMITTED):
        raise ValueError(f"make_brief stops before {status}; make_plan(propose=True) goes on")
    session.flush()
    return brief


def make_plan(
    session: Any,
    brief: Brief,
    staff: User,
    communities: list[Community],
    *,
    propose: bool = False,
) -> MediaPlan:
    """Shortlist `communities` (listed ones) for a submitted brief and optimise a plan.

    With ``propose=True`` the plan is sent to the brand (the brief becomes "plan proposed").
    """
    for community in communities:
        matching.add_to_shortlist(session, brief, community.id, actor=staff)
    plan = matching.make_plan(session, brief, actor=staff)
    if propose:
        matching.propose(session, brief, plan, actor=staff)
    session.flush()
    return plan


def make_job(
    session: Any, kind: str = "jobs.noop", params: dict[str, Any] | None = None, **fields: Any
) -> Job:
    """A job that stays queued (never handed to a backend), with any other `fields` set."""
    user = fields.pop("user", None)
    job = jobs.enqueue(session, kind, params, user=user, dispatch=False)
    for name, value in fields.items():
        setattr(job, name, value)
    session.flush()
    return job


def make_notification(
    session: Any,
    recipient: User,
    kind: str = "offer_sent",
    *,
    params: dict[str, Any] | None = None,
    link: str = "/inbox/",
    **fields: Any,
) -> Notification:
    """One notification for `recipient` through `notify` (its e-mail queued as they prefer),
    with any other `fields` (read_at, created_at…) set afterwards."""
    params = {"community": "רצים בתל אביב", "brief": "קמפיין הקיץ", **(params or {})}
    [notification] = inbox.notify(session, [recipient], kind, params=params, link=link)
    for name, value in fields.items():
        setattr(notification, name, value)
    session.flush()
    return notification


def approve_plan(
    session: Any, *, brand: User, staff: User, owner: User, communities: int = 1
) -> MediaPlan:
    """A brief with a plan over ``communities`` listings of ``owner``, approved by ``brand``.

    Approving publishes ``plan.approved``: the deal desk opens one deal per community.
    """
    listed = [
        list_community(session, make_listing(session, owner), owner=owner, staff=staff)
        for _ in range(communities)
    ]
    brief = make_brief(session, brand, status=BriefStatus.SUBMITTED)
    plan = make_plan(session, brief, staff, listed, propose=True)
    matching.decide(session, brief, plan, actor=brand, approve=True, comment="")
    session.flush()
    return plan


#: The stages :func:`make_offer` can leave a deal's offer in, in order.
OFFER_STAGES = ("draft", "sent", "countered", "accepted", "agreed")


def make_offer(session: Any, deal: Deal, stage: str, *, staff: User, owner: User) -> Offer:
    """Drive a deal's current offer to ``stage`` through the services.

    ``countered``: the owner asked for 10% more payout on every placement; ``accepted``:
    the owner accepted the agency's round; ``agreed``: both sides then confirmed the text.
    """
    if stage not in OFFER_STAGES:
        raise ValueError(f"make_offer knows the stages {OFFER_STAGES}, not {stage!r}")
    offer = deals.current_offer(deal)
    assert offer is not None
    if stage == "draft":
        return offer
    deals.send_offer(session, offer.id, version=offer.current_version, actor=staff)
    if stage == "countered":
        terms = deals.pure_offer(offer).terms
        asked = replace(
            terms,
            placements=tuple(
                replace(p, owner_payout_minor=p.owner_payout_minor * 11 // 10, brand_price_minor=0)
                for p in terms.placements
            ),
        )
        deals.counter_offer(
            session, offer.id, asked, version=offer.current_version, actor=owner, note="+10%"
        )
    elif stage in ("accepted", "agreed"):
        deals.accept_offer(session, offer.id, version=offer.current_version, actor=owner)
    if stage == "agreed":
        _document, digest = deals.pending_agreement_document(session, deal)
        deals.confirm_agreement(session, deal.id, content_hash=digest, actor=owner)
        deals.confirm_agreement(session, deal.id, content_hash=digest, actor=staff)
    session.flush()
    return offer


def make_deal(session: Any, *, brand: User, staff: User, owner: User, stage: str = "draft") -> Deal:
    """A deal opened from an approved plan, its offer driven to ``stage`` (see make_offer)."""
    plan = approve_plan(session, brand=brand, staff=staff, owner=owner)
    deal = session.scalars(select(Deal).where(Deal.plan_id == plan.id)).one()
    make_offer(session, deal, stage, staff=staff, owner=owner)
    return deal


#: The stages :func:`make_creative` can leave a placement's post in, in order.
CREATIVE_STAGES = ("draft", "owner_approved", "agency_approved", "brand_approved",
                   "compliance_approved")  # fmt: skip
#: A post that carries the default disclosure wording.
CREATIVE_TEXT = "ריצת בוקר עם הנעליים החדשות! שיתוף פעולה בתשלום"


def make_creative(
    session: Any,
    placement: DealPlacement,
    stage: str = "draft",
    *,
    owner: User,
    staff: User,
    brand: User | None = None,
    compliance: User | None = None,
    text: str = CREATIVE_TEXT,
) -> Creative:
    """The owner's first draft of an agreed ``placement``'s post, approved up to ``stage``.

    ``brand_approved`` needs ``brand``; ``compliance_approved`` (a regulated brief) also needs
    a ``compliance`` reviewer other than ``staff``.
    """
    if stage not in CREATIVE_STAGES:
        raise ValueError(f"make_creative knows the stages {CREATIVE_STAGES}, not {stage!r}")
    creative = creative_services.start_creative(session, placement.id, text=text, actor=owner)
    steps = [owner, staff, brand, compliance][: CREATIVE_STAGES.index(stage)]
    for actor in steps:
        if actor is None:
            raise ValueError(f"make_creative needs every approver up to {stage!r}")
        creative = creative_services.approve_creative(
            session, placement.id, version=creative.current_version, actor=actor
        )
    session.flush()
    return creative


# --- tracked links ------------------------------------------------------------------------------


def agreed_placement(session: Any, *, brand: User, staff: User, owner: User) -> DealPlacement:
    """The first placement of an agreed deal (see make_deal)."""
    deal = make_deal(session, brand=brand, staff=staff, owner=owner, stage="agreed")
    return deal.placements[0]


def make_tracked_link(
    session: Any,
    placement: DealPlacement,
    *,
    actor: User,
    destination: str = "https://shop.example/winter-shoes?color=red",
) -> TrackedLink:
    """The placement's short link to ``destination``, through the service."""
    link = links.create_link(session, placement.id, destination, actor=actor)
    session.flush()
    return link


def make_link_click(
    session: Any,
    link: TrackedLink,
    *,
    at: datetime | None = None,
    visitor: str = "0" * 32,
    bot: bool = False,
) -> LinkClick:
    """One click on ``link`` recorded as the redirect records it (one INSERT)."""
    links.record_click(session, link.id, at=at or datetime.now(UTC), visitor=visitor, bot=bot)
    session.flush()
    return session.scalars(
        select(LinkClick).where(LinkClick.link_id == link.id).order_by(LinkClick.id.desc())
    ).first()


def make_promo_code(
    session: Any, placement: DealPlacement, *, actor: User, code: str = "RUN10"
) -> PromoCode:
    """The placement's promo code, through the service."""
    promo = links.add_promo_code(session, placement.id, code, actor=actor)
    session.flush()
    return promo


def make_promo_redemptions(
    session: Any,
    brief_id: int,
    rows: list[tuple[str, str, str, str]],
    *,
    actor: User,
    filename: str = "orders.csv",
) -> PromoUpload:
    """An uploaded redemptions file of (code, date, amount, order) rows, through the service."""
    body = spreadsheet.write_csv(["code", "date", "amount", "order"], rows)
    redemptions.upload_redemptions(session, brief_id, body, filename, actor=actor)
    session.flush()
    upload = session.scalars(
        select(PromoUpload).where(PromoUpload.brief_id == brief_id).order_by(PromoUpload.id.desc())
    ).first()
    assert upload is not None
    return upload


def screenshot(seed: int = 1, *, size: tuple[int, int] = (720, 1280), fmt: str = "PNG") -> bytes:
    """A believable chat screenshot drawn with Pillow: a header bar, bubbles of text, a ring.

    Each ``seed`` draws a different layout and text, so two seeds are two different
    screenshots; the same seed is the same picture (re-encode or resize it to disguise it).
    """
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 720, 1280
    image = Image.new("RGB", (width, height), (236, 229, 221))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 110], fill=(7, 94, 84))
    for i in range(8):
        top = 150 + i * 135
        left = rng.choice([20, 200])
        colour = rng.choice([(255, 255, 255), (220, 248, 198)])
        draw.rounded_rectangle([left, top, left + 480, top + 110], 18, fill=colour)
        for line in range(3):
            words = "".join(rng.choice("abcdefghij klmnop") for _ in range(40))
            draw.text((left + 20, top + 15 + line * 28), words, fill=(0, 0, 0))
    box = [rng.randint(100, 500), rng.randint(300, 900), rng.randint(550, 700),
           rng.randint(950, 1200)]  # fmt: skip
    draw.ellipse(box, outline=(200, 30, 30), width=8)
    if size != (width, height):
        image = image.resize(size)
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 55} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def make_post(session: Any, *, brand: User, staff: User, owner: User) -> Any:
    """The first post of an agreed deal's first placement (``deal.agreed`` scheduled it)."""
    from marketplace.delivery.models import Post

    deal = make_deal(session, brand=brand, staff=staff, owner=owner, stage="agreed")
    posts = list(session.scalars(select(Post).where(Post.deal_id == deal.id).order_by(Post.id)))
    return posts[0]


def amend_runs(session: Any, deal: Deal, runs: int, *, staff: User, owner: User) -> Offer:
    """Both sides agree to ``runs`` runs of every placement of an agreed deal.

    The amendment is agreed like the deal was, so ``deal.agreed`` is published again: delivery
    schedules the added posts and closes the waiting ones a cut leaves over.
    """
    offer = deals.amend_deal(session, deal.id, actor=staff)
    terms = deals.pure_offer(offer).terms
    changed = replace(terms, placements=tuple(replace(p, count=runs) for p in terms.placements))
    deals.edit_offer(session, offer.id, changed, version=offer.current_version, actor=staff)
    deals.send_offer(session, offer.id, version=offer.current_version, actor=staff)
    deals.accept_offer(session, offer.id, version=offer.current_version, actor=owner)
    _document, digest = deals.pending_agreement_document(session, deal)
    deals.confirm_agreement(session, deal.id, content_hash=digest, actor=owner)
    deals.confirm_agreement(session, deal.id, content_hash=digest, actor=staff)
    session.flush()
    return offer


def live_posts(session: Any, deal_id: int) -> list[Any]:
    """A deal's posts that are not closed, oldest first."""
    from campaigns.delivery import PostStatus
    from marketplace.delivery.models import Post

    return list(
        session.scalars(
            select(Post)
            .where(Post.deal_id == deal_id, Post.status != PostStatus.CLOSED)
            .order_by(Post.id)
        )
    )


def make_deal_with_posts(
    session: Any, *, brand: User, staff: User, owner: User, runs: int = 3
) -> tuple[Deal, list[Any]]:
    """An agreed deal whose placements run ``runs`` times each (amended to it), and its posts."""
    deal = make_deal(session, brand=brand, staff=staff, owner=owner, stage="agreed")
    if {placement.count for placement in deal.placements} != {runs}:
        amend_runs(session, deal, runs, staff=staff, owner=owner)
    return deal, live_posts(session, deal.id)


def make_proof(
    session: Any, post: Any, *, actor: User, seed: int | None = None, text: str = ""
) -> Any:
    """A proof of ``post`` with a screenshot of its own (seed: the post's id)."""
    from marketplace.delivery import services as delivery

    return delivery.submit_proof(
        session, post.id, live_url=f"https://chat.example/p/{post.id}",
        screenshot=delivery.Upload("shot.png", screenshot(post.id if seed is None else seed)),
        post_text=text, actor=actor,
    )  # fmt: skip


# --- results ------------------------------------------------------------------------------------


def make_placement_metrics(
    session: Any,
    placement: DealPlacement,
    *,
    actor: User,
    tier: EvidenceTier = EvidenceTier.SELF_REPORTED,
    **figures: int,
) -> list[Any]:
    """Figures on an agreed ``placement`` (``reach=40, comments=3``), through the service.

    Read on the window's first day (so never before the post); a reach teaches the valuation.
    """
    from campaigns.results import ResultMetric
    from marketplace.reports import services as reports

    return reports.record_figures(
        session, placement, {ResultMetric(k): v for k, v in (figures or {"reach": 10}).items()},
        tier=tier, observed_on=placement.starts_on, actor=actor,
        today=max(date.today(), placement.starts_on),
    )  # fmt: skip


def make_metric_upload(
    session: Any, placement: DealPlacement, *, actor: User, reach: int = 10
) -> Any:
    """A checked metrics file with one row for ``placement``, applied (a MetricUpload)."""
    from marketplace.reports import imports

    brief_id = placement.deal.brief_id
    data = (
        "campaign,placement,observed_on,reach\n"
        f"{brief_id},{placement.id},{placement.starts_on.isoformat()},{reach}\n"
    ).encode()
    today = max(date.today(), placement.starts_on)
    plan = imports.plan_upload(session, brief_id, data, "figures.csv", actor=actor, today=today)
    assert plan.ok, plan.problems
    return imports.apply_upload(session, brief_id, plan, actor=actor, today=today)


def make_report_pick(session: Any, brief_id: int, *, staff: User, kind: str = "highlight",
                     text: str = "הקהילה ביקשה עוד") -> Any:  # fmt: skip
    """A highlight or quote staff picked for the campaign's report."""
    from marketplace.reports import services as reports

    return reports.add_pick(session, brief_id, kind, text, actor=staff)


def make_pulse_survey(session: Any, brief_id: int, *, staff: User) -> Any:
    """The campaign's first community's pulse survey (staff open one per community)."""
    from marketplace.reports import services as reports

    return reports.open_pulse(session, brief_id, actor=staff)[0]


def make_pulse_answer(session: Any, survey: Any, *, visitor: str = "visitor-0001",
                      recall: bool = True, sentiment: int = 4, trust: int = 4) -> Any:  # fmt: skip
    """One anonymous answer to ``survey`` (once per visitor)."""
    from marketplace.reports import services as reports

    return reports.answer_pulse(session, survey, visitor=visitor, recall=recall,
                                sentiment=sentiment, trust=trust)  # fmt: skip


def make_realised_reach(session: Any, placement: DealPlacement, *, reach: int = 10) -> Any:
    """A delivery's realised reach as the valuation records it (before any calibration)."""
    from marketplace.valuation import services as valuation

    return valuation.record_realised_reach(
        session, source_key=f"deal_placement:{placement.id}", asset=placement.asset,
        placement=PlacementType(placement.placement_type), realised_reach=reach,
    )  # fmt: skip


# --- payments (marketplace/payments) -----------------------------------------------------------


def make_agreed_money(session: Any, *, brand: User, staff: User, owner: User) -> Any:
    """An agreed deal and what it made: the brand's card payment and the owner's payout."""
    from marketplace.payments.models import CardPayment, Payout

    deal = make_deal(session, brand=brand, staff=staff, owner=owner, stage="agreed")
    payment = session.scalars(select(CardPayment).where(CardPayment.deal_id == deal.id)).one()
    payout = session.scalars(select(Payout).where(Payout.deal_id == deal.id)).one()
    return deal, payment, payout


def make_connected_account(
    session: Any, owner: User, *, account_id: str, payouts_enabled: bool = True
) -> Any:
    """An owner's Stripe account as Kesher knows it (the peer must know the same id)."""
    from marketplace.payments.models import ConnectedAccount

    account = ConnectedAccount(
        owner_id=owner.id, account_id=account_id, payouts_enabled=payouts_enabled,
        details_submitted=payouts_enabled, requirements_due=[],
    )  # fmt: skip
    session.add(account)
    session.flush()
    return account


def make_stripe_event(session: Any, event_id: str, type_: str = "account.updated") -> Any:
    from marketplace.payments.models import StripeEvent

    row = StripeEvent(event_id=event_id, type=type_, outcome="applied")
    session.add(row)
    session.flush()
    return row


def make_reconciliation_item(session: Any, **values: Any) -> Any:
    from marketplace.payments.models import ReconciliationItem

    values = {"kind": "missing_at_kesher", "stripe_ref": "tr_x", "stripe_minor": -100,
              "currency": "ILS", "fingerprint": f"test:{len(values)}", **values}  # fmt: skip
    item = ReconciliationItem(**values)
    session.add(item)
    session.flush()
    return item


def make_card_refund(session: Any, payment: Any, amount_minor: int, **values: Any) -> Any:
    from marketplace.payments.models import CardRefund

    refund = CardRefund(payment_id=payment.id, amount_minor=amount_minor, **values)
    session.add(refund)
    session.flush()
    return refund


def make_journal_entry(
    session: Any,
    deal: Deal | None = None,
    *,
    amount_minor: int = 10_000,
    currency: str = "ILS",
    on: date | None = None,
    key: str | None = None,
) -> Any:
    """A bank payment received from ``deal``'s brand (or from nobody), posted to the ledger."""
    parties = posting_rules.NOBODY
    if deal is not None:
        parties = posting_rules.Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
    posting = posting_rules.bank_payment_received(amount_minor, currency, parties, key=key)
    [entry] = ledger.post(session, [posting], on=on)
    return entry


def make_invoice(
    session: Any, *, brand: User, staff: User, owner: User, country: str = "IL"
) -> FinanceDocument:
    """The tax invoice an agreed deal issues to ``brand`` (billing country ``country``)."""
    finance.update_billing_profile(session, brand.organisation_id, actor=staff, country=country,
                                   legal_name=f"{brand.display_name} Ltd")  # fmt: skip
    deal = make_deal(session, brand=brand, staff=staff, owner=owner, stage="agreed")
    return session.scalars(
        select(FinanceDocument).where(
            FinanceDocument.deal_id == deal.id, FinanceDocument.kind == DocumentKind.TAX_INVOICE
        )
    ).one()


def make_payout_hold(session: Any, deal: Deal, *, actor: User, reason: str = "Post removed") -> Any:
    """A finance hold on ``deal``'s payout (``actor`` is finance or admin)."""
    return finance.hold_payout(session, deal.id, reason, actor=actor)


def make_payment_batch(
    session: Any, invoice: FinanceDocument, *, actor: User, staff: User, paid: bool = False
) -> Any:
    """A batch paying ``invoice``'s owner, after the brand paid it in full and ``staff``
    verified the deal's posts (optionally paid)."""
    deal = session.get(Deal, invoice.deal_id)
    verify_deal_posts(session, deal.id, owner=deal.owner, staff=staff)
    finance.record_bank_payment(session, invoice.id, amount_minor=invoice.gross_minor,
                                currency=invoice.currency, reference=f"F-{invoice.id}",
                                actor=actor)  # fmt: skip
    later = date.today() + timedelta(days=400)
    batch = finance.create_batch(session, invoice.currency, actor=actor, today=later)
    if paid:
        finance.mark_batch_paid(session, batch.id, reference=f"B-{batch.id}", actor=actor)
    return batch


def verify_deal_posts(
    session: Any, deal_id: int, *, owner: User, staff: User, leave: int = 0
) -> list[Any]:
    """Prove and verify every waiting post of a deal through delivery, except the last ``leave``.

    Returns the posts left waiting (scheduled). Delivery publishes ``post.verified`` for each.
    """
    from marketplace.delivery import services as delivery
    from marketplace.delivery.models import Post

    posts = list(
        session.scalars(
            select(Post)
            .where(Post.deal_id == deal_id, Post.status.in_(["scheduled", "due"]))
            .order_by(Post.id)
        )
    )
    todo = posts[: len(posts) - leave] if leave else posts
    for post in todo:
        proof = make_proof(session, post, actor=owner)
        delivery.decide_proof(session, proof.id, verify=True, actor=staff)
    session.flush()
    return posts[len(todo) :]


#: The deal desk's cast: a user of each role, and a second owner and brand for scoping tests.
DESK_CAST = ("brand", "owner", "staff", "admin", "finance", "owner2", "brand2")


def make_people(
    session: Any, make_user: Any, names: tuple[str, ...] = DESK_CAST
) -> dict[str, User]:
    """One user per name, made in order; a name is its role, with a digit for another (owner2)."""
    return {name: session.get(User, make_user(name.rstrip("0123456789")).id) for name in names}


def make_user_change(
    session: Any, user: User, *, actor: User, changes: Mapping[str, list[Any]] | None = None
) -> Any:
    """One row of the admin's trail, as `admin.services.record_user_change` keeps it."""
    from marketplace.admin.services import record_user_change, user_history

    record_user_change(session, actor, user, dict(changes or {"locale": ["he", "en"]}))
    return user_history(session, user, limit=1)[0]


def make_manager_invitation(session: Any, community: Any, *, email: str, actor: User) -> Any:
    """An owner's pending invitation to co-manage `community`, as the listing page leaves it."""
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import CommunityManagerInvitation

    catalog.invite_manager(session, community, email=email, actor=actor)
    found = select(CommunityManagerInvitation).where(
        CommunityManagerInvitation.community_id == community.id,
        CommunityManagerInvitation.email == email.strip().lower(),
    )
    return session.scalars(found).one()


def add_co_manager(session: Any, community: Any, *, email: str, actor: User) -> None:
    """`actor` invites the owner account using `email` and that account accepts."""
    from marketplace.catalog import services as catalog

    invitation = make_manager_invitation(session, community, email=email, actor=actor)
    user = session.scalars(select(User).where(User.email == invitation.email)).one()
    catalog.answer_manager_invitation(session, invitation.id, user, accept=True)
