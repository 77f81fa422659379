"""Money as integer minor units with an ISO 4217 currency code; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: Currencies Kesher accepts, with the number of decimal places of their minor unit.
CURRENCY_EXPONENTS: dict[str, int] = {"ILS": 2, "USD": 2, "EUR": 2}


class UnknownCurrency(ValueError):
    """The currency code is not one Kesher handles."""


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency's minor unit (agorot, cents)."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("amount_minor must be an int of minor units")
        if self.currency not in CURRENCY_EXPONENTS:
            raise UnknownCurrency(f"unknown currency {self.currency!r}")

    @classmethod
    def from_major(cls, amount: Decimal | str | int, currency: str) -> Money:
        """Build from a major-unit amount such as "125.50"; refuses sub-minor precision."""
        if currency not in CURRENCY_EXPONENTS:
            raise UnknownCurrency(f"unknown currency {currency!r}")
        scaled = Decimal(amount).scaleb(CURRENCY_EXPONENTS[currency])
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more precision than {currency} allows")
        return cls(int(scaled), currency)

    def as_decimal(self) -> Decimal:
        """Return the amount in major units, exactly."""
        return Decimal(self.amount_minor).scaleb(-CURRENCY_EXPONENTS[self.currency])

    def __add__(self, other: Money) -> Money:
        if self.currency != other.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def split(self, weights: list[int]) -> list[Money]:
        """Split by integer weights with largest-remainder rounding; the parts sum exactly."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative and not all zero")
        total = sum(weights)
        shares = [self.amount_minor * w // total for w in weights]
        remainders = sorted(
            range(len(weights)),
            key=lambda i: (self.amount_minor * weights[i]) % total,
            reverse=True,
        )
        for i in remainders[: self.amount_minor - sum(shares)]:
            shares[i] += 1
        return [Money(s, self.currency) for s in shares]
