"""What the deal desk's pages show: labels, board stages, diffs, forms, the agreement PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import campaigns.deals as rules
from campaigns.deals import OfferTerms
from campaigns.deals.agreement import Names
from campaigns.deals.board import Stage, stage_of
from campaigns.deals.common import TermsInvalid
from campaigns.deals.terms import Exclusivity, UsageRights, diff, diff_for, terms_json
from marketplace.auth.models import Role
from marketplace.bidi import isolate
from marketplace.briefs.models import Brief
from marketplace.db import utcnow
from marketplace.deals import services
from marketplace.deals.forms import CounterForm
from marketplace.deals.models import Deal, Offer
from marketplace.deals.records import pure_offer
from marketplace.documents.pdf import (
    Document,
    Footer,
    Heading,
    KeyValues,
    Paragraph,
    Signatures,
    Table,
)
from marketplace.extensions import db
from marketplace.forms_common import to_major, to_minor
from marketplace.i18n import day_in, format_money, format_when

AGENCY_ROLES = frozenset({Role.STAFF, Role.ADMIN})


# --- labels -------------------------------------------------------------------------------


STAGE_LABELS = {
    Stage.DRAFTING: _l("Drafting"),
    Stage.OFFER_SENT: _l("Offer sent"),
    Stage.COUNTERED: _l("Countered"),
    Stage.OFFER_CLOSED: _l("Offer closed"),
    Stage.CONFIRMING: _l("Agreed, confirming"),
    Stage.CREATIVE_IN_REVIEW: _l("Creative in review"),
    Stage.READY_TO_RUN: _l("Ready to run"),
    Stage.PAUSED: _l("Paused"),
    Stage.CANCELLED: _l("Cancelled"),
}


WAITING_LABELS = {
    "agency": _l("the agency"),
    "owner": _l("the community owner"),
    "brand": _l("the brand"),
    "compliance": _l("the compliance reviewer"),
    "nobody": _l("nobody"),
}


OFFER_STATUS_LABELS = {
    "draft": _l("Draft"),
    "sent": _l("Sent to the owner"),
    "countered": _l("Countered by the owner"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
    "superseded": _l("Superseded"),
}


DEAL_STATUS_LABELS = {
    "negotiating": _l("Negotiating"),
    "agreed": _l("Agreed"),
    "amending": _l("Amending"),
    "paused": _l("Paused"),
    "cancelled": _l("Cancelled"),
}


#: Who wrote a round, and who acted on the timeline.
SIDE_LABELS = {
    "agency": _l("the agency"),
    "owner": _l("the community owner"),
    "staff": _l("the agency"),
    "admin": _l("the agency"),
    "brand": _l("the brand"),
    "system": _l("Kesher (automatic)"),
}


EVENT_LABELS = {
    "open": _l("opened the deal"),
    "edit": _l("edited the draft"),
    "send": _l("sent the offer"),
    "accept": _l("accepted the terms"),
    "decline": _l("declined"),
    "counter": _l("countered"),
    "withdraw": _l("withdrew the offer"),
    "expire": _l("the offer expired"),
    "confirm": _l("confirmed the agreement"),
    "agree": _l("confirmed: the deal is agreed"),
    "amend": _l("opened an amendment"),
    "abandon_amendment": _l("dropped the amendment"),
    "cancel": _l("cancelled the deal"),
    "pause": _l("paused the deal"),
    "resume": _l("resumed the deal"),
    "redraft": _l("started a new draft"),
    "creative_start": _l("started the creative"),
    "creative_approve": _l("approved the creative"),
    "creative_request_changes": _l("asked for changes to the creative"),
    "creative_revise": _l("revised the creative"),
}


CREATIVE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "changes_requested": _l("Changes requested"),
    "owner_approved": _l("Approved by the owner"),
    "agency_approved": _l("Approved by the agency"),
    "brand_approved": _l("Approved by the brand"),
    "compliance_approved": _l("Approved by compliance"),
}


#: How the entered margin compares with the floor, in words (the desk's live figures).
CHECK_LABELS = {
    "below_floor": _l("Below the margin floor"),
    "below_zero": _l("Below zero: only an admin may send or accept this"),
}


def state_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What a timeline step moved, in words: "Offer: Draft → Sent to the owner · Version 2"."""
    from marketplace.deals.forms import STOP_LABELS

    parts = []
    for key, name, words in (
        ("deal", _l("Deal"), DEAL_STATUS_LABELS),
        ("offer", _l("Offer"), OFFER_STATUS_LABELS),
        ("creative", _l("Creative"), CREATIVE_STATUS_LABELS),
    ):
        old, new = before.get(key), after.get(key)
        if new is None or new == old:
            continue
        new_words = words.get(new, new)
        parts.append(
            f"{name}: {words.get(old, old)} → {new_words}" if old else f"{name}: {new_words}"
        )
    if after.get("version") is not None and after.get("version") != before.get("version"):
        parts.append(_("Version %(number)s", number=after["version"]))
    if after.get("agreement") is not None and after.get("agreement") != before.get("agreement"):
        parts.append(f"{_l('Agreement')} {after['agreement']}")
    reason = after.get("reason")
    if reason is not None and reason != before.get("reason"):
        labels_by_value = {k.value: v for k, v in STOP_LABELS.items()}
        parts.append(f"{_l('Reason')}: {labels_by_value.get(reason, reason)}")
    return " · ".join(str(part) for part in parts)


def labels() -> dict[str, Any]:
    """The words for the coded values the desk's templates show."""
    from marketplace.catalog.vocab import PLACEMENTS
    from marketplace.deals.forms import USAGE_LABELS

    return {
        "offer_status_labels": OFFER_STATUS_LABELS,
        "deal_status_labels": DEAL_STATUS_LABELS,
        "side_labels": SIDE_LABELS,
        "event_labels": EVENT_LABELS,
        "state_change": state_change,
        "check_labels": CHECK_LABELS,
        "placement_labels": {k.value: v for k, v in PLACEMENTS.items()},
        "usage_labels": {k.value: v for k, v in USAGE_LABELS.items()},
    }


# --- who is looking -----------------------------------------------------------------------


def user() -> Any:
    """The signed-in User (not the proxy), for services that compare identities."""
    return current_user._get_current_object()  # noqa: SLF001


def is_agency() -> bool:
    return bool(current_user.role in AGENCY_ROLES)


# --- reading ------------------------------------------------------------------------------


def board_stage(deal: Deal, now: dt.datetime) -> tuple[Stage, str, dt.datetime]:
    """The deal's board column, whom it waits for, and since when (its latest event)."""
    offer = services.current_offer(deal)
    pure = services.pure_deal_of(db.session, deal)
    stage, waiting = stage_of(pure, pure_offer(offer) if offer else None, creatives_of(deal), now)
    since = deal.events[-1].at if deal.events else deal.created_at
    return stage, waiting.value, since


def creatives_of(deal: Deal) -> list[Any]:
    """The creative of each placement of an agreed deal (the board's last two columns)."""
    if deal.status is not rules.DealStatus.AGREED:
        return []
    # Creative sits above the desk: it hands its reader down through the list of features.
    read = current_app.extensions.get(CREATIVE_READER)
    return list(read(db.session, deal)) if read is not None else []


#: Where the creative feature registers `read(session, deal) -> [pure creative, …]`.
CREATIVE_READER = "kesher.deals.creative_reader"


# --- the offer thread and the counter form ------------------------------------------------


def versions_of(offer: Offer) -> list[Any]:
    return list(pure_offer(offer).versions)


def version_diff(offer: Offer | None, a: int | None, b: int | None) -> dict[str, Any] | None:
    """The field-by-field diff between rounds ``a`` and ``b`` as the viewer may see it."""
    if offer is None:
        return None
    versions = versions_of(offer)
    if len(versions) < 2:
        return None
    numbers = [v.number for v in versions]
    if a not in numbers or b not in numbers:
        a, b = numbers[-2], numbers[-1]
    before = next(v for v in versions if v.number == a)
    after = next(v for v in versions if v.number == b)
    changes = diff_for(diff(before.terms, after.terms), services.party_of(user()))
    return {"a": a, "b": b, "numbers": numbers, "changes": diff_rows(changes, after.terms.currency)}


#: The terms' fields as a diff names them.
FIELD_LABELS = {
    "owner_payout_minor": _l("Owner payout"),
    "brand_price_minor": _l("Brand price"),
    "margin_minor": _l("Margin"),
    "margin_bp": _l("Margin rate"),
    "count": _l("Count"),
    "starts_on": _l("From"),
    "ends_on": _l("Until"),
    "payment_terms_days": _l("Payment terms (days)"),
    "exclusivity_days": _l("Exclusivity (days)"),
    "exclusivity_categories": _l("Competitor categories"),
    "deliverables": _l("Deliverables"),
    "usage_rights": _l("Usage rights"),
    "usage_days": _l("Usage rights (days)"),
    "disclosure": _l("Disclosure"),
    "currency": _l("Currency"),
    "required_proof": _l("Required proof"),
    "expires_at": _l("Offer expires"),
}


def diff_rows(changes: list[Any], currency: str) -> list[dict[str, Any]]:
    """Each change as people read it: the placement and field in words, money as money."""
    from marketplace.catalog.vocab import PLACEMENTS
    from marketplace.deals.forms import USAGE_LABELS

    placement_words = {k.value: v for k, v in PLACEMENTS.items()}
    usage_words = {k.value: v for k, v in USAGE_LABELS.items()}
    parsed = [(c, *_split_field(c.field)) for c in changes]
    channels = services.channel_names(db.session, {p[0] for _c, p, _k in parsed if p})

    def value(key: str, v: Any) -> str:
        if v is None or v == "" or v == []:
            return "—"
        if key.endswith("_minor"):
            return format_money(int(v), currency)
        if key == "margin_bp":
            return f"{int(v) / 100:.2f}%"
        if key == "expires_at":
            return format_when(dt.datetime.fromisoformat(v))
        if key == "usage_rights":
            return str(usage_words.get(v, v))
        if isinstance(v, dict):  # a whole placement added or removed
            return " · ".join(f"{FIELD_LABELS[k]}: {value(k, x)}" for k, x in v.items()
                              if k in FIELD_LABELS)  # fmt: skip
        if isinstance(v, list):
            return ", ".join(str(x) for x in v)
        return str(v)

    rows = []
    for c, placement, key in parsed:
        names = []
        if placement:
            asset_id, kind = placement
            names.append(f"{channels.get(asset_id, asset_id)} · {placement_words.get(kind, kind)}")
        if key:
            names.append(str(FIELD_LABELS.get(key, key)))
        rows.append({"field": c.field, "name": " · ".join(names),
                     "before": value(key, c.before), "after": value(key, c.after)})  # fmt: skip
    return rows


def _split_field(field: str) -> tuple[tuple[int, str] | None, str]:
    """Split "placements[12:post].count" into ((12, "post"), "count"); a term has no placement."""
    if not field.startswith("placements["):
        return None, field
    head, _dot, key = field.partition(".")
    asset, _colon, kind = head[len("placements[") : -1].partition(":")
    return (int(asset), kind), key


def preview_figures(terms: OfferTerms | None) -> Any:
    """Staff: the desk figures of terms entered but not yet sent (the page without JS)."""
    if terms is None or not is_agency():
        return None
    return rules.desk_figures(
        terms, services.reach_p50(db.session, terms), floor_bp=services.margin_floor_bp()
    )


def counter_form_for(deal: Deal, defaults: dict[str, Any]) -> CounterForm:
    """A form filled with the current round's terms, placements in the page's order."""
    offer = services.current_offer(deal)
    assert offer is not None
    terms = terms_json(pure_offer(offer).terms)
    cur = terms["currency"]
    data = {
        **defaults,
        "counts": [p["count"] for p in terms["placements"]],
        "payouts": [to_major(p["owner_payout_minor"], cur) for p in terms["placements"]],
        "starts": [dt.date.fromisoformat(p["starts_on"]) for p in terms["placements"]],
        "ends": [dt.date.fromisoformat(p["ends_on"]) for p in terms["placements"]],
        "usage_rights": terms["usage_rights"],
        "usage_days": terms["usage_days"],
        "payment_terms_days": terms["payment_terms_days"],
        "exclusivity_days": terms["exclusivity_days"],
        "exclusivity_categories": ", ".join(terms["exclusivity_categories"]),
        "deliverables": "\n".join(terms["deliverables"]),
    }
    if is_agency():
        data["prices"] = [to_major(p["brand_price_minor"], cur) for p in terms["placements"]]
    # Never the posted fields: the page may come back after another form (cancel, decline) was
    # refused, and that form's fields hold no terms.
    return CounterForm(formdata=None, data=data)


def terms_from_form(form: CounterForm, offer: Offer) -> OfferTerms:
    """The current round's terms with the form's changes (owners: brand prices 0)."""
    current = pure_offer(offer).terms
    ordered = sorted(current.placements, key=lambda p: (p.asset_id, p.placement_type.value))
    n = len(ordered)
    if len(form.counts.data) != n or len(form.payouts.data) != n:
        raise TermsInvalid("one count and one payout per placement")
    agency = is_agency()
    if agency and len(form.prices.data) != n:
        raise TermsInvalid("one brand price per placement")
    placements = []
    for i, p in enumerate(ordered):
        placements.append(
            replace(
                p,
                count=form.counts.data[i],
                starts_on=_nth(form.starts.data, i) or p.starts_on,
                ends_on=_nth(form.ends.data, i) or p.ends_on,
                owner_payout_minor=to_minor(form.payouts.data[i], current.currency) or 0,
                # An owner's form has no price field: one in the request is tampered, and the
                # service refuses it (FieldNotYours) rather than this view dropping it.
                brand_price_minor=to_minor(_nth(form.prices.data, i), current.currency) or 0,
            )
        )
    categories = tuple(
        c.strip() for c in (form.exclusivity_categories.data or "").split(",") if c.strip()
    )
    deliverables = tuple(
        line.strip() for line in (form.deliverables.data or "").splitlines() if line.strip()
    )
    days = int(current_app.config.get("DEAL_OFFER_DAYS", services.DEFAULT_OFFER_DAYS))
    return replace(
        current,
        placements=tuple(placements),
        payment_terms_days=form.payment_terms_days.data or current.payment_terms_days,
        exclusivity=Exclusivity(categories, form.exclusivity_days.data or 0),
        deliverables=deliverables,
        usage_rights=UsageRights(form.usage_rights.data or current.usage_rights),
        usage_days=current.usage_days if form.usage_days.data is None else form.usage_days.data,
        expires_at=utcnow() + dt.timedelta(days=days),
    )


def offer_terms(offer: Offer) -> OfferTerms:
    return pure_offer(offer).terms


def pad_form(form: CounterForm, n: int) -> None:
    """Give a form that comes back one input per placement in every list it shows."""
    lists = [form.counts, form.payouts, form.starts, form.ends]
    if is_agency():
        lists.append(form.prices)
    for values in lists:
        while len(values) < n:
            values.append_entry()


def _nth(values: list[Any], i: int) -> Any:
    return values[i] if i < len(values) else None


# --- the agreement ------------------------------------------------------------------------


def reader_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "he"


def agreement_names(deal: Deal, document: dict[str, Any], lang: str) -> Names:
    """The agreement page's names for the document's ids (as the PDF names them), its money and
    days as the reader's language writes them: the owner confirms "Brief: 6 · Community: 43 ·
    Channel 76 · 2027-01-11 · 684.00 ILS" no more. Names are isolated (another language's words
    inside the text keep their order)."""
    brief = db.session.get(Brief, deal.brief_id)
    assets = (p["asset_id"] for p in document["terms"]["placements"])
    return Names(
        brief=isolate(brief.title) if brief else None,
        community=isolate(deal.community.display_name),
        assets={i: isolate(n) for i, n in services.channel_names(db.session, assets).items()},
        money=format_money,
        day=lambda value: day_in(value, lang),
    )


def agreement_pdf_document(
    deal: Deal, document: dict[str, Any], digest: str, lang: str
) -> Document:
    """The agreement as a PDF document: title, parties, placements, terms, signatures, hash."""
    he = lang == "he"
    terms = document["terms"]
    cur = terms["currency"]

    def money(minor: int) -> str:
        return format_money(minor, cur)  # the locale's sign and order: ₪350.00, not 350.00 ILS

    channels = services.channel_names(db.session, (p["asset_id"] for p in terms["placements"]))
    brief = db.session.get(Brief, deal.brief_id)
    none = "ללא" if he else "none"
    usage = none
    if terms["usage_rights"] != "none":
        usage = f"{services_word(terms['usage_rights'], lang)} · {terms['usage_days']}"
    rows = [
        [
            str(p["count"]),
            services_word(p["placement_type"], lang),
            channels.get(p["asset_id"], str(p["asset_id"])),
            day_in(p["starts_on"], lang)
            if p["starts_on"] == p["ends_on"]
            else f"{day_in(p['starts_on'], lang)} – {day_in(p['ends_on'], lang)}",
            money(p["owner_payout_minor"]),
        ]
        for p in terms["placements"]
    ]
    title = "סיכום הסכם" if he else "Agreement summary"
    if document["number"] > 1:
        title += f" — {'תיקון מס׳' if he else 'Amendment no.'} {document['number'] - 1}"
    return Document(
        title=title,
        language="he" if he else "en",
        blocks=(
            KeyValues(
                [
                    ("הסוכנות" if he else "Agency", "Kesher"),
                    ("קהילה" if he else "Community", deal.community.display_name),
                    ("בעלי הקהילה" if he else "Owner", deal.owner.display_name),
                    ("קמפיין" if he else "Campaign", brief.title if brief else str(deal.brief_id)),
                ]
            ),
            Heading("מיקומים" if he else "Placements"),
            Table(
                header=(
                    ["כמות", "סוג", "ערוץ", "תאריכים", "תשלום"]
                    if he
                    else ["Count", "Type", "Channel", "Dates", "Payout"]
                ),
                rows=rows,
                align=["end", "start", "end", "start", "end"],
                widths=[0.08, 0.16, 0.28, 0.28, 0.2],
            ),
            KeyValues(
                [
                    ("סה״כ תשלום" if he else "Total payout", money(terms["owner_payout_minor"])),
                    (
                        "תנאי תשלום (ימים)" if he else "Payment terms (days)",
                        str(terms["payment_terms_days"]),
                    ),
                    ("תוצרים" if he else "Deliverables", ", ".join(terms["deliverables"]) or "-"),
                    (
                        "בלעדיות (ימים)" if he else "Exclusivity (days)",
                        str(terms["exclusivity_days"]),
                    ),
                    ("זכויות שימוש" if he else "Usage rights", usage),
                ]
            ),  # fmt: skip
            Heading("נוסח גילוי נדרש" if he else "Required disclosure"),
            Paragraph(terms["disclosure"]),
            Signatures(["הסוכנות" if he else "Agency", "בעלי הקהילה" if he else "Owner"]),
            Footer(f"SHA-256: {digest}"),
        ),
    )


def services_word(value: str, language: str) -> str:
    from campaigns.deals.agreement import _word

    return _word(value, language)
