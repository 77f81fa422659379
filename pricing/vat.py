"""Israeli VAT on the agency's invoices: the rate, zero rating for foreign brands, rounding.

The rate is in basis points (1,800 bp = 18%, the rate since 1 January 2025) and configurable:
the app passes ``KESHER_VAT_RATE_BP``. VAT is computed once on the invoice's net total (not per
line), rounded half up to a whole agora, as the Tax Authority's own examples do. A brand whose
organisation is outside Israel is invoiced at zero rate (a service exported, VAT Law §30(a)(5));
the invoice still shows the VAT line, at 0%.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The Israeli standard rate today, in basis points.
DEFAULT_VAT_RATE_BP = 1_800

#: Above this net amount (agorot) an invoice to a VAT-registered Israeli buyer needs the Tax
#: Authority's allocation number ("מספר הקצאה"); 10,000 ILS in 2025, 5,000 ILS from June 2026.
DEFAULT_ALLOCATION_THRESHOLD_MINOR = 500_000

BP = 10_000


@dataclass(frozen=True, slots=True)
class VatTotals:
    """An invoice's net, VAT and gross in one currency's minor units, and the rate applied."""

    net_minor: int
    vat_minor: int
    gross_minor: int
    rate_bp: int


def rate_for(buyer_country: str | None, standard_rate_bp: int = DEFAULT_VAT_RATE_BP) -> int:
    """The rate an invoice to a buyer in ``buyer_country`` carries: standard in Israel, else 0."""
    if standard_rate_bp < 0:
        raise ValueError("a VAT rate cannot be negative")
    return standard_rate_bp if (buyer_country or "IL").upper() == "IL" else 0


def vat_amount(net_minor: int, rate_bp: int) -> int:
    """VAT on a net amount, rounded half up (away from zero for a negative credit)."""
    if rate_bp < 0:
        raise ValueError("a VAT rate cannot be negative")
    magnitude = (abs(net_minor) * rate_bp + BP // 2) // BP
    return magnitude if net_minor >= 0 else -magnitude


def totals(line_nets_minor: list[int], rate_bp: int) -> VatTotals:
    """The totals of an invoice whose lines have these net amounts."""
    net = sum(line_nets_minor)
    vat = vat_amount(net, rate_bp)
    return VatTotals(net_minor=net, vat_minor=vat, gross_minor=net + vat, rate_bp=rate_bp)


def needs_allocation_number(
    net_minor: int,
    currency: str,
    *,
    rate_bp: int,
    threshold_minor: int = DEFAULT_ALLOCATION_THRESHOLD_MINOR,
) -> bool:
    """Whether the invoice needs the Tax Authority's allocation number before it is given out.

    Only invoices that carry Israeli VAT (a zero-rated export does not) in shekels above the
    threshold; finance enters the number it gets from the Tax Authority's system.
    """
    return currency == "ILS" and rate_bp > 0 and net_minor > threshold_minor


def split_gross(gross_minor: int, rate_bp: int) -> tuple[int, int]:
    """Split a VAT-inclusive amount into (net, VAT) so that net + VAT == gross exactly.

    Used for a partial credit note or refund given as the amount the brand gets back.
    """
    net = (gross_minor * BP + (BP + rate_bp) // 2) // (BP + rate_bp)
    return net, gross_minor - net
