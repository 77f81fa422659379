"""Validation rules of catalog data, shared by the web forms, the API and the bulk import.

Each check returns a list of (field, message) problems; an empty list means the value is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from marketplace.catalog import vocab
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import (
    ABSURD_SIZE,
    MEMBER_CAPS,
    RATE_METRICS,
    MetricKind,
    Platform,
    url_matches_platform,
)
from pricing.valuation.priors import offered_placements

Problem = tuple[str, str]

#: A figure that moves more than this factor between two snapshots is refused as implausible.
MAX_JUMP = 50
#: The highest rate a rate card takes, in minor units: the largest budget a brief may have
#: (campaigns.brief.MAX_BUDGET_MINOR), so every rate fits the rate card's integer column.
MAX_RATE_MINOR = 2_000_000_000


def normalise_url(url: str) -> str:
    """Return the stable key of a URL: no scheme, no www, no query, no trailing slash, lower-case.

    >>> normalise_url("HTTPS://www.Facebook.com/groups/TLV.Runners/?ref=share")
    'facebook.com/groups/tlv.runners'
    """
    cleaned = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", cleaned, flags=re.IGNORECASE):
        cleaned = "https://" + cleaned
    parts = urlsplit(cleaned)
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    return f"{host}{parts.path}".rstrip("/").lower()


def check_asset(platform: Platform, url: str, size: int | None) -> list[Problem]:
    """Check an asset's address against its platform, and its size against the platform's cap."""
    problems: list[Problem] = []
    if url and not url_matches_platform(url, platform):
        problems.append(
            ("url", str(_l("This address is not a %(platform)s address.",
                           platform=vocab.PLATFORMS[platform])))
        )  # fmt: skip
    if size is not None:
        problems.extend(("size", m) for m in check_size(platform, size))
    return problems


def check_size(platform: Platform, size: int) -> list[str]:
    """Refuse negative, absurd and over-the-cap sizes."""
    if size < 0:
        return [str(_l("A size cannot be negative."))]
    if size > ABSURD_SIZE:
        return [str(_l("%(size)s members is not a plausible size.", size=f"{size:,}"))]
    cap = MEMBER_CAPS.get(platform)
    if cap is not None and size > cap:
        return [
            str(_l("A %(platform)s holds at most %(cap)s members.",
                   platform=vocab.PLATFORMS[platform], cap=f"{cap:,}"))
        ]  # fmt: skip
    return []


def check_metric(
    kind: MetricKind,
    value: float,
    *,
    platform: Platform,
    observed_on: date,
    previous: float | None = None,
    today: date | None = None,
) -> list[Problem]:
    """Check a figure: its range, its date, and its jump from the previous snapshot."""
    problems: list[Problem] = []
    if value < 0:
        problems.append(("value", str(_l("A figure cannot be negative."))))
    elif kind in RATE_METRICS and value > 1:
        problems.append(("value", str(_l("A rate must be between 0% and 100%."))))
    elif kind == MetricKind.HEALTH_SCORE and value > 100:
        problems.append(("value", str(_l("A health score is between 0 and 100."))))
    elif kind in (MetricKind.MEMBERS, MetricKind.ACTIVE_MEMBERS):
        problems.extend(("value", m) for m in check_size(platform, int(value)))
    if observed_on > (today or date.today()):
        problems.append(("observed_on", str(_l("The date is in the future."))))
    ratio = jump(kind, value, previous)
    if ratio is not None:
        problems.append(
            ("value", str(_l("This figure moved %(x)s× since the last one (%(prev)s); "
                             "check it, or ask staff to verify.",
                             x=f"{ratio:.0f}", prev=f"{previous:g}")))
        )  # fmt: skip
    return problems


def jump(kind: MetricKind, value: float, previous: float | None) -> float | None:
    """How many times a figure moved from the previous one (either way), when that is more
    than MAX_JUMP; None otherwise. Rates and the 0–100 health score are bounded, so a big
    ratio between two says nothing about them."""
    if not previous or not value or kind in RATE_METRICS or kind == MetricKind.HEALTH_SCORE:
        return None
    ratio = max(value / previous, previous / value)
    return ratio if ratio > MAX_JUMP else None


def check_rate(amount_minor: int | None, currency: str | None) -> list[Problem]:
    """A rate needs a positive amount, at most MAX_RATE_MINOR, and a known currency."""
    if amount_minor is None:
        return []
    if not currency:
        return [("currency", str(_l("A rate needs a currency.")))]
    if currency not in CURRENCY_EXPONENTS:
        return [("currency", str(_l("Unknown currency %(c)s; use ILS, USD or EUR.", c=currency)))]
    if amount_minor <= 0:
        return [("amount", str(_l("A rate must be above zero.")))]
    if amount_minor > MAX_RATE_MINOR:
        most = f"{MAX_RATE_MINOR // 10 ** CURRENCY_EXPONENTS[currency]:,}"
        return [("amount", str(_l("A rate can be at most %(most)s %(currency)s.", most=most,
                                  currency=currency)))]  # fmt: skip
    return []


def check_offered(platform: Platform, placement: vocab.PlacementType) -> list[Problem]:
    """A rate card names only placements the platform has (see offered_placements)."""
    if placement in offered_placements()[platform]:
        return []
    offered = ", ".join(str(vocab.PLACEMENTS[p]) for p in offered_placements()[platform])
    return [
        (
            f"rate_{placement.value}",
            str(
                _l(
                    "%(platform)s: “%(placement)s” is not offered there; choose from: %(offered)s.",
                    platform=vocab.PLATFORMS[platform],
                    placement=vocab.PLACEMENTS[placement],
                    offered=offered,
                )
            ),
        )
    ]


def check_audience(dimension: str, shares_bp: Mapping[str, int]) -> list[Problem]:
    """An audience distribution uses known buckets and sums to exactly 100%."""
    if dimension not in vocab.AUDIENCE_DIMENSIONS:
        return [("dimension", str(_l("Unknown audience dimension %(d)s.", d=dimension)))]
    if not shares_bp:
        return []
    problems: list[Problem] = []
    buckets = vocab.AUDIENCE_DIMENSIONS[dimension]
    for bucket, share in shares_bp.items():
        if buckets is not None and bucket not in buckets:
            problems.append((dimension, str(_l("Unknown bucket %(b)s.", b=bucket))))
        if share < 0 or share > 10_000:
            problems.append((dimension, str(_l("Each share is between 0% and 100%."))))
    total = sum(shares_bp.values())
    if total != 10_000:
        problems.append(
            (dimension, str(_l("The shares add up to %(total)s%%, not 100%%.",
                               total=f"{total / 100:g}")))
        )  # fmt: skip
    return problems


def parse_percent(text: str) -> int:
    """Parse "12.5" or "12.5%" into basis points (1250); raise ValueError if it is not one."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    value = float(cleaned)
    if value != value or abs(value * 100 - round(value * 100)) > 1e-6:  # NaN, or finer than 0.01%
        raise ValueError(text)
    return round(value * 100)


def check_choices(field: str, values: list[str], allowed: Mapping[str, object]) -> list[Problem]:
    """Refuse values outside a controlled vocabulary, naming them."""
    unknown = [v for v in values if v not in allowed]
    if unknown:
        return [(field, str(_l("Unknown value(s): %(v)s.", v=", ".join(unknown))))]
    return []


# --- which edits of a live listing go back to review ---------------------------------------

#: A listing's fields that staff approved as the community's identity, its rules for brands and
#: who may advertise there. An owner's change to one of them on a live listing sends the listing
#: back to review. The others (city, region, admission, monetisation experience, private
#: contact details) change live, as rates and figures do: figures carry their evidence tier,
#: and a rate is the owner's own business.
REVIEWED_COMMUNITY_FIELDS = frozenset({
    "name_he", "name_en", "description", "founding_story", "need_answered", "dna_tone",
    "dna_values", "dna_rituals", "dna_language", "member_type", "common_denominator",
    "content_allowed", "content_forbidden", "disclosure_wording", "sensitive_flags",
    "regulated_allowed", "topics", "tags", "languages", "audience_kind",
})  # fmt: skip

#: A channel's identity: where brands' posts would appear. Adding a channel is reviewed too;
#: its size, activity, posting rhythm and rate card change live.
REVIEWED_ASSET_FIELDS = frozenset({"platform", "url", "handle"})


def fields_needing_review(changed: Iterable[str], reviewed: frozenset[str]) -> list[str]:
    """The changed fields that need staff review before they go live, sorted.

    >>> fields_needing_review(["city", "description", "name_he"], REVIEWED_COMMUNITY_FIELDS)
    ['description', 'name_he']
    """
    return sorted(set(changed) & reviewed)


def same_value(before: object, after: object) -> bool:
    """Whether an edit left a value as it was, as a reader sees it.

    Lists are compared as sets (a form lists checkboxes in its own order) and text without
    line-ending or surrounding-space differences (browsers send a textarea's lines as CRLF), so
    re-saving a form unchanged never sends a listing back to review.

    >>> same_value(["a", "b"], ["b", "a"]), same_value("x\\r\\ny ", "x\\ny"), same_value(None, "")
    (True, True, True)
    """
    if isinstance(before, list) and isinstance(after, list):
        return set(map(str, before)) == set(map(str, after))
    if isinstance(before, str | None) and isinstance(after, str | None):
        return _plain(before) == _plain(after)
    return before == after


def _plain(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").strip()
