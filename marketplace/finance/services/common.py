"""What every finance service shares: who is finance, its errors, its settings, a deal's parties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from marketplace.auth.models import Role, User
from marketplace.config import DEFAULTS
from marketplace.deals.models import Deal
from marketplace.errors import Conflict, Forbidden, NotFound
from pricing import vat as vat_rules
from pricing.ledger import Parties

FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})


class DocumentNotFound(NotFound):
    """No document by that id that this user may see."""


class PaymentRefused(Conflict):
    """A payment, credit or payout whose amount, currency or state does not match the books."""


class BatchNotFound(NotFound):
    """No payment batch by that id."""


# --- configuration --------------------------------------------------------------------------


def vat_rate_bp() -> int:
    """The standard Israeli VAT rate in basis points (``KESHER_VAT_RATE_BP``, 1,800 today)."""
    return int(current_app.config.get("VAT_RATE_BP", vat_rules.DEFAULT_VAT_RATE_BP))


def allocation_threshold_minor() -> int:
    """Net amount (agorot) above which an invoice needs the Tax Authority's allocation number."""
    return int(
        current_app.config.get(
            "VAT_ALLOCATION_THRESHOLD_MINOR", vat_rules.DEFAULT_ALLOCATION_THRESHOLD_MINOR
        )
    )


def brand_payment_days() -> int:
    """Days a brand has to pay an invoice."""
    return int(current_app.config.get("BRAND_PAYMENT_DAYS", 30))


def _hebrew(config: Mapping[str, Any], key: str) -> str:
    """The Hebrew form of `key`, "" when there is none. The demo's Hebrew default belongs to the
    demo's English one: an agency that set its own and not the Hebrew gets its own everywhere."""
    hebrew = config.get(f"{key}_HE") or ""
    if hebrew == DEFAULTS[f"{key}_HE"] and config.get(key) != DEFAULTS[key]:
        return ""
    return str(hebrew)


def seller() -> dict[str, str]:
    """The agency as its invoices name it (``KESHER_SELLER_*``), in English and Hebrew.

    A document keeps this snapshot; a Hebrew one prints ``name_he`` and ``address_he``
    (an Israeli company's registered Hebrew name), falling back to the English ones.
    """
    config = current_app.config
    return {
        "name": str(config.get("SELLER_NAME", "Kesher Community Media Ltd")),
        "name_he": _hebrew(config, "SELLER_NAME"),
        "vat_number": str(config.get("SELLER_VAT_NUMBER", "516000000")),
        "address": str(config.get("SELLER_ADDRESS", "Tel Aviv, Israel")),
        "address_he": _hebrew(config, "SELLER_ADDRESS"),
        "email": str(config.get("SELLER_EMAIL", "finance@kesher.example")),
    }


def require_finance(actor: User) -> None:
    """Refuse anyone but finance and admins (403)."""
    if actor.role not in FINANCE_ROLES:
        raise Forbidden("finance only")


def deal_parties(deal: Deal) -> Parties:
    """The brand, owner, campaign and deal a deal's ledger lines name."""
    return Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
