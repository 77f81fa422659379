"""Offer terms: one immutable value per round, a field-by-field diff, and what each party sees.

Two prices live on every placement: what the brand pays (``brand_price_minor``) and what the
owner is paid (``owner_payout_minor``); the agency margin is their difference. Owners never see
the brand price or the margin, brands never see the payout or the margin — :func:`terms_for`
and :func:`diff_for` are the only ways terms leave the desk, and they drop those fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from campaigns.deals.common import AGENCY, BRAND, OWNER, Party, TermsInvalid, require_utc
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import PlacementType

BP = 10_000


class ProofKind(enum.StrEnum):
    """What the owner must show after a placement ran."""

    SCREENSHOT = "screenshot"
    POST_LINK = "post_link"
    PLATFORM_EXPORT = "platform_export"
    VIEW_COUNT = "view_count"
    ATTENDANCE_LIST = "attendance_list"


class UsageRights(enum.StrEnum):
    """What the brand may do with the creative besides the placement itself."""

    NONE = "none"
    BRAND_CHANNELS = "brand_channels"
    BRAND_CHANNELS_AND_ADS = "brand_channels_and_ads"


#: A placement's identity inside one offer: (channel asset id, placement type).
PlacementKey = tuple[int, PlacementType]


def _whole(value: object, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TermsInvalid(f"{name} must be a whole number, zero or more")


@dataclass(frozen=True, slots=True)
class Placement:
    """One thing bought on one channel asset: how many, when, and its two prices."""

    asset_id: int
    placement_type: PlacementType
    count: int
    starts_on: dt.date
    #: The last day of the window; equal to ``starts_on`` for a fixed date.
    ends_on: dt.date
    owner_payout_minor: int
    brand_price_minor: int

    def __post_init__(self) -> None:
        _whole(self.asset_id, "asset_id")
        _whole(self.owner_payout_minor, "owner_payout_minor")
        _whole(self.brand_price_minor, "brand_price_minor")
        if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 1:
            raise TermsInvalid("count must be at least 1")
        if self.ends_on < self.starts_on:
            raise TermsInvalid("a placement's window ends before it starts")

    @property
    def key(self) -> PlacementKey:
        return (self.asset_id, self.placement_type)

    @property
    def label(self) -> str:
        """The placement's name in a diff: ``placements[12:post]``."""
        return f"placements[{self.asset_id}:{self.placement_type.value}]"


@dataclass(frozen=True, slots=True)
class Exclusivity:
    """Competitor categories the community will not carry, and for how many days."""

    categories: tuple[str, ...] = ()
    days: int = 0

    def __post_init__(self) -> None:
        _whole(self.days, "exclusivity.days")
        if self.days and not self.categories:
            raise TermsInvalid("exclusivity days need at least one competitor category")


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """Everything one round of an offer proposes. Immutable: a change is a new round."""

    placements: tuple[Placement, ...]
    currency: str
    disclosure: str
    expires_at: dt.datetime
    payment_terms_days: int = 30
    deliverables: tuple[str, ...] = ()
    required_proof: tuple[ProofKind, ...] = ()
    exclusivity: Exclusivity = field(default_factory=Exclusivity)
    usage_rights: UsageRights = UsageRights.NONE
    usage_days: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "placements", tuple(self.placements))
        if not self.placements:
            raise TermsInvalid("an offer needs at least one placement")
        keys = [p.key for p in self.placements]
        if len(set(keys)) != len(keys):
            raise TermsInvalid("two placements share a channel asset and placement type")
        if self.currency not in CURRENCY_EXPONENTS:
            raise TermsInvalid(f"unknown currency {self.currency!r}")
        if not self.disclosure.strip():
            raise TermsInvalid("the community's disclosure wording is required")
        require_utc(self.expires_at, "expires_at")
        _whole(self.payment_terms_days, "payment_terms_days")
        _whole(self.usage_days, "usage_days")

    @property
    def keys(self) -> frozenset[PlacementKey]:
        return frozenset(p.key for p in self.placements)

    @property
    def owner_payout_minor(self) -> int:
        return sum(p.owner_payout_minor for p in self.placements)

    @property
    def brand_price_minor(self) -> int:
        return sum(p.brand_price_minor for p in self.placements)

    @property
    def margin_minor(self) -> int:
        return self.brand_price_minor - self.owner_payout_minor


def margin_bp(price_minor: int, payout_minor: int) -> int | None:
    """The margin as basis points of the brand price, half up; None when the price is 0."""
    if price_minor == 0:
        return None
    margin = price_minor - payout_minor
    sign = -1 if margin < 0 else 1
    return sign * ((abs(margin) * BP * 2 + price_minor) // (price_minor * 2))


# --- what each party sees ------------------------------------------------------------------

#: Fields a party must never see, by the last segment of their name.
PRICE_FIELDS = frozenset({"brand_price_minor"})
PAYOUT_FIELDS = frozenset({"owner_payout_minor"})
MARGIN_FIELDS = frozenset({"margin_minor", "margin_bp"})


def hidden_fields(party: Party) -> frozenset[str]:
    """What ``party`` may not see: owners the brand price, brands the payout; both the margin."""
    if party in OWNER:
        return PRICE_FIELDS | MARGIN_FIELDS
    if party in BRAND:
        return PAYOUT_FIELDS | MARGIN_FIELDS
    if party in AGENCY or party in (Party.FINANCE, Party.SYSTEM):
        return frozenset()
    raise TermsInvalid(f"no projection for {party!r}")  # pragma: no cover - exhaustive


def placement_json(p: Placement) -> dict[str, Any]:
    """A placement as JSON-ready values, prices included (filter with :func:`terms_for`)."""
    return {
        "asset_id": p.asset_id,
        "placement_type": p.placement_type.value,
        "count": p.count,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "owner_payout_minor": p.owner_payout_minor,
        "brand_price_minor": p.brand_price_minor,
        "margin_minor": p.brand_price_minor - p.owner_payout_minor,
        "margin_bp": margin_bp(p.brand_price_minor, p.owner_payout_minor),
    }


def _scalars(t: OfferTerms) -> dict[str, Any]:
    return {
        "currency": t.currency,
        "deliverables": list(t.deliverables),
        "required_proof": [k.value for k in t.required_proof],
        "disclosure": t.disclosure,
        "exclusivity_categories": list(t.exclusivity.categories),
        "exclusivity_days": t.exclusivity.days,
        "usage_rights": t.usage_rights.value,
        "usage_days": t.usage_days,
        "payment_terms_days": t.payment_terms_days,
        "expires_at": t.expires_at.isoformat(),
    }


def terms_json(t: OfferTerms) -> dict[str, Any]:
    """Every term with totals and margin: the staff view, and the source of every other."""
    return {
        **_scalars(t),
        "placements": [placement_json(p) for p in sorted(t.placements, key=_order)],
        "owner_payout_minor": t.owner_payout_minor,
        "brand_price_minor": t.brand_price_minor,
        "margin_minor": t.margin_minor,
        "margin_bp": margin_bp(t.brand_price_minor, t.owner_payout_minor),
    }


def _strip(value: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in hidden}


def terms_for(t: OfferTerms, party: Party) -> dict[str, Any]:
    """The terms as ``party`` may see them: without the other side's price or the margin."""
    hidden = hidden_fields(party)
    view = _strip(terms_json(t), hidden)
    view["placements"] = [_strip(p, hidden) for p in view["placements"]]
    return view


def _order(p: Placement) -> tuple[int, str]:
    return (p.asset_id, p.placement_type.value)


# --- the diff between two rounds -----------------------------------------------------------


class Change(NamedTuple):
    """One field that differs between two rounds: ``placements[12:post].count`` 2 → 3."""

    field: str
    before: Any
    after: Any


def diff(before: OfferTerms, after: OfferTerms) -> list[Change]:
    """Field by field, placements matched by (asset, type); an added one has ``before`` None."""
    changes: list[Change] = []
    old, new = _scalars(before), _scalars(after)
    changes.extend(Change(k, old[k], new[k]) for k in old if old[k] != new[k])
    old_p = {p.key: p for p in before.placements}
    new_p = {p.key: p for p in after.placements}
    for key in sorted(old_p.keys() | new_p.keys(), key=lambda k: (k[0], k[1].value)):
        a, b = old_p.get(key), new_p.get(key)
        if a is None or b is None:
            present = a or b
            assert present is not None
            changes.append(
                Change(
                    present.label,
                    None if a is None else placement_json(a),
                    None if b is None else placement_json(b),
                )
            )
            continue
        ja, jb = placement_json(a), placement_json(b)
        changes.extend(Change(f"{a.label}.{k}", ja[k], jb[k]) for k in ja if ja[k] != jb[k])
    return changes


def diff_for(changes: Iterable[Change], party: Party) -> list[Change]:
    """The diff as ``party`` may see it: hidden fields dropped, also inside whole placements."""
    hidden = hidden_fields(party)
    out: list[Change] = []
    for c in changes:
        if c.field.rsplit(".", 1)[-1] in hidden:
            continue
        before = _strip(c.before, hidden) if isinstance(c.before, dict) else c.before
        after = _strip(c.after, hidden) if isinstance(c.after, dict) else c.after
        out.append(Change(c.field, before, after))
    return out


def with_brand_prices(proposed: OfferTerms, previous: OfferTerms) -> OfferTerms:
    """An owner's counter completed with the brand prices the owner cannot see.

    A placement the owner keeps keeps its brand price; one the owner adds has none (0) until
    staff price it. The service builds an owner's counter with this, never from the request.
    """
    prices: Mapping[PlacementKey, int] = {p.key: p.brand_price_minor for p in previous.placements}
    return replace(
        proposed,
        placements=tuple(
            replace(p, brand_price_minor=prices.get(p.key, 0)) for p in proposed.placements
        ),
    )
