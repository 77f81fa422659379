"""The agency margin: what a brand pays for an owner's rate, in one place.

Every figure is an integer in minor units (agorot for ILS) and the margin is in basis points
(2,500 bp = 25%). The rounding rule, used by the media planner and the listing pages alike:

    margin = round_half_up(owner_rate * margin_bp / 10,000)   (to a whole minor unit)
    brand price = owner_rate + margin

so a plan line and a listing page always agree to the agora.
"""

from __future__ import annotations

#: Basis points in one whole (100%).
BP = 10_000


def _check(owner_rate_minor: int, margin_bp: int) -> None:
    if owner_rate_minor < 0:
        raise ValueError("an owner's rate cannot be negative")
    if margin_bp < 0:
        raise ValueError("the margin cannot be negative")


def margin_amount(owner_rate_minor: int, margin_bp: int) -> int:
    """The agency margin on an owner's rate, rounded half up to a whole minor unit."""
    _check(owner_rate_minor, margin_bp)
    return (owner_rate_minor * margin_bp + BP // 2) // BP


def brand_price(owner_rate_minor: int, margin_bp: int) -> int:
    """What a brand pays for a placement: the owner's rate plus the agency margin."""
    return owner_rate_minor + margin_amount(owner_rate_minor, margin_bp)


def margin_percent(margin_bp: int) -> float:
    """The margin as a percentage of the owner's rate (2,500 bp → 25.0), for display."""
    if margin_bp < 0:
        raise ValueError("the margin cannot be negative")
    return margin_bp / 100
