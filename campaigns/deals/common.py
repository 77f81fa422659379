"""What every part of the deal desk shares: who acts, on which side, and the named errors."""

from __future__ import annotations

import datetime as dt
import enum


class Party(enum.StrEnum):
    """Who acts on a deal. The values are those of ``marketplace.auth.models.Role``.

    ``SYSTEM`` is the job scheduler (it expires offers); no user holds it.
    """

    BRAND = "brand"
    OWNER = "owner"
    STAFF = "staff"
    FINANCE = "finance"
    ADMIN = "admin"
    SYSTEM = "system"


class Side(enum.StrEnum):
    """The two sides of a negotiation: the community owner and the agency."""

    OWNER = "owner"
    AGENCY = "agency"


#: Agency staff who negotiate, approve and (admins) override.
AGENCY = frozenset({Party.STAFF, Party.ADMIN})
OWNER = frozenset({Party.OWNER})
BRAND = frozenset({Party.BRAND})
SYSTEM = frozenset({Party.SYSTEM})


def side_of(party: Party) -> Side | None:
    """The side a party negotiates for, or None for brand, finance and the scheduler."""
    if party in AGENCY:
        return Side.AGENCY
    if party in OWNER:
        return Side.OWNER
    return None


def require_utc(moment: dt.datetime, name: str) -> None:
    """Refuse naive or non-UTC datetimes: expiry must mean the same instant everywhere."""
    if moment.tzinfo is None or moment.utcoffset() != dt.timedelta(0):
        raise TermsInvalid(f"{name} must be a timezone-aware UTC datetime")


class DealDomainError(Exception):
    """Base of every refusal of the deal desk's pure rules."""


class TermsInvalid(DealDomainError, ValueError):
    """Offer terms that cannot be offered (negative money, no placement, naive expiry …)."""


class IllegalTransition(DealDomainError):
    """The transition table has no such move from this status for this party."""


class NotYourTurn(IllegalTransition):
    """The move exists, but it is the other side's to make (e.g. accepting one's own offer)."""


class StaleVersion(IllegalTransition):
    """The action names a version (or an agreement text) that is no longer the current one."""


class OfferExpired(IllegalTransition):
    """The offer's expiry has passed; nothing can be done with it but let it expire."""


class ReasonRequired(DealDomainError, ValueError):
    """A decline, cancellation or request for changes must say why."""


class NothingChanged(DealDomainError, ValueError):
    """A counter-offer or a revised draft that changes nothing is not a new round."""


class FieldNotYours(DealDomainError):
    """A party tried to change a term it may not see or set (an owner and the brand price)."""


class NeedsAdmin(DealDomainError):
    """The agency margin would go below zero: only an admin may agree to that."""


class DisclosureMissing(DealDomainError):
    """The community's required disclosure wording is not in the creative text."""


class SameReviewer(DealDomainError):
    """The compliance approval must come from someone other than the agency approver."""
