"""Who sees which price, and which links: the one place a rate is shaped for a viewer.

* A listing's managers (its owner and co-managers) see their own rate card: what they are paid.
* Agency staff and administrators see the owner's rate and the brand price side by side.
* Everyone else — brands, API clients, finance, other owners — sees only the brand price
  (the owner's rate plus the agency margin, computed as media plans compute it by
  :func:`pricing.margin.brand_price`). The owner's rate and the margin never reach them.

Owners' private join links (WhatsApp, Telegram and other invite links) are shown to the
listing's managers and the agency only: they let a reader join a private group around the
agency. Links to public pages (a Telegram channel, a Facebook page) stay visible.

Every page, API response and export that shows a rate or a channel address goes through
:func:`price_view`, :func:`shown_rate` and :func:`shown_url`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app

from marketplace.auth.models import Role
from marketplace.catalog.services import STAFF_ROLES, can_manage
from pricing.margin import brand_price

#: The agency margin when the configuration names none (25%).
DEFAULT_MARGIN_BP = 2_500


class PriceView(enum.StrEnum):
    """Which price a viewer sees of one listing."""

    #: The listing's own managers: the owner's rate (what they are paid).
    OWNER = "owner"
    #: Agency staff and administrators: both figures.
    AGENCY = "agency"
    #: Everyone else: the brand price only.
    BRAND = "brand"


def agency_margin_bp() -> int:
    """The configured agency margin in basis points."""
    return int(current_app.config.get("AGENCY_MARGIN_BP", DEFAULT_MARGIN_BP))


def price_view(user: Any, community: Any | None = None) -> PriceView:
    """The view `user` has of `community`'s prices (of listings in general when None)."""
    if user is None or not getattr(user, "is_authenticated", True):
        return PriceView.BRAND
    if user.role in STAFF_ROLES:
        return PriceView.AGENCY
    if community is not None and user.role is Role.OWNER and can_manage(user, community):
        return PriceView.OWNER
    return PriceView.BRAND


@dataclass(frozen=True)
class ShownRate:
    """A rate as one viewer sees it.

    ``amount_minor`` is what the viewer is shown as "the price"; ``owner_rate_minor`` and
    ``brand_price_minor`` are both set only for the agency.
    """

    amount_minor: int
    currency: str
    view: PriceView
    owner_rate_minor: int | None = None
    brand_price_minor: int | None = None


def shown_rate(
    owner_rate_minor: int, currency: str, view: PriceView, *, margin_bp: int | None = None
) -> ShownRate:
    """Shape one owner's rate for a viewer: the only function that decides which figure shows."""
    margin = agency_margin_bp() if margin_bp is None else margin_bp
    price = brand_price(owner_rate_minor, margin)
    if view is PriceView.OWNER:
        return ShownRate(owner_rate_minor, currency, view)
    if view is PriceView.AGENCY:
        return ShownRate(owner_rate_minor, currency, view, owner_rate_minor, price)
    return ShownRate(price, currency, view)


#: Invite and join links to private groups; matched against the address without its scheme.
_INVITE_LINK = re.compile(
    r"""^(?:www\.)?(?:
        chat\.whatsapp\.com/ | wa\.me/ | api\.whatsapp\.com/ | whatsapp\.com/channel/invite
      | t\.me/\+ | t\.me/joinchat/ | telegram\.me/\+ | telegram\.me/joinchat/
      | telegram\.dog/joinchat/ | tg://join
      | discord\.gg/ | discord(?:app)?\.com/invite/ | signal\.group/ | chat\.signal\.org/
      | (?:m\.)?facebook\.com/groups/[^?]*\?.*invite | fb\.com/g/ | facebook\.com/g/
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ANY_INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:chat\.whatsapp\.com|wa\.me|t\.me/\+|t\.me/joinchat|"
    r"telegram\.me/(?:\+|joinchat)|discord\.gg|discord(?:app)?\.com/invite|signal\.group)"
    r"[^\s<>\"']*",
    re.IGNORECASE,
)


def is_invite_link(url: str | None) -> bool:
    """Whether an address is a private group's invite or join link."""
    if not url:
        return False
    bare = re.sub(r"^[a-z]+://", "", url.strip(), flags=re.IGNORECASE)
    return bool(_INVITE_LINK.match(bare)) or url.strip().lower().startswith("tg://join")


def shown_url(url: str | None, view: PriceView) -> str | None:
    """A channel's address as a viewer sees it: invite links only for managers and the agency."""
    if not url:
        return None
    if view is PriceView.BRAND and is_invite_link(url):
        return None
    return url


def shown_text(text: str | None, view: PriceView) -> str:
    """Free text with invite links replaced for brand viewers (an owner may paste one anywhere)."""
    if not text or view is not PriceView.BRAND:
        return text or ""
    return _ANY_INVITE.sub("[…]", text)
