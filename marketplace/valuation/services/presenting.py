"""What a page or the API shows of a stored estimate: labelled factors, sources, members used."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext

from marketplace.catalog.models import MetricSnapshot
from marketplace.valuation.models import PlacementEstimate
from marketplace.valuation.services.estimates import ESTIMATE_FAILED
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import EvidenceTier, MetricKind
from pricing.valuation import default_priors, label
from pricing.valuation.explain import SUGGESTION_STEP_MINOR, suggested_price_range


def reason_text(reason: str, lang: str) -> str:
    """A reason code in `lang`; the engine's labels, or ours for a failure of the engine."""
    if reason == ESTIMATE_FAILED:
        return gettext("The estimate could not be computed; it will be retried.")
    return label("reason", reason, lang)


def _figure(factor: dict[str, Any], currency: str) -> tuple[str, int | None]:
    """How a factor's value reads: a count, a CPM in minor units, or a multiplier."""
    key, value = factor["key"], float(factor["value"])
    if key in ("members", "views_per_post"):
        return f"{value:,.0f}", None
    if key == "cpm":  # the value of one person reached, in major units → per 1,000, minor
        return "", int(value * 1000 * 10 ** CURRENCY_EXPONENTS.get(currency, 2) + 0.5)
    if key == "whatsapp_floor":
        return f"{value:,.4f} {currency}", None
    return f"×{value:.3g}", None


def present(
    estimate: PlacementEstimate,
    lang: str,
    *,
    with_verdict: bool,
    members: Sequence[MetricSnapshot] = (),
    lenses: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a listing page shows of one estimate, labels in `lang` ("he" or "en").

    The fair-price verdict, the rate it judged and the effective CPM are for the listing's
    managers and agency staff; brands get the range and its explanation only. Owners read it as
    a sentence with a suggested price range; staff also get the analyst's detail. `members` is
    the channel's history of member counts, to say which one the estimate used and why.
    `lenses` (from :func:`lenses_for`, for managers and staff only) puts the replacement cost,
    outcome value and market fact beside the estimate; the verdict and the suggested range are
    then the three-lens meter's.
    """
    priors = default_priors()
    factors = []
    used_members: float | None = None
    for factor in estimate.factors or []:
        figure, cpm_minor = _figure(factor, estimate.currency)
        base = factor["key"] in ("members", "views_per_post")
        if factor["key"] == "members":
            used_members = float(factor["value"])
        cited = []
        for key in factor.get("source", "").split(";"):
            source = priors.sources.get(key.strip())
            if source is not None:
                cited.append(
                    {"key": source.key, "name": label("source", source.key, lang),
                     "url": source.url if source.url.startswith("http") else None}
                )  # fmt: skip
        factors.append(
            {
                "key": factor["key"],
                "label": label("factor", factor["key"], lang),
                "figure": figure,
                "cpm_minor": cpm_minor,
                "basis": label("basis", factor["basis"], lang),
                "moved": None if base else f"×{math.exp(float(factor['effect'])):.3g}",
                "share": float(factor.get("share", 0.0)),
                "sources": cited,
            }
        )
    shown = estimate.status != "refused" and estimate.value_p50_minor is not None
    suggested = None
    if shown and estimate.value_p10_minor is not None and estimate.value_p90_minor is not None:
        suggested = suggested_price_range(estimate.value_p10_minor, estimate.value_p90_minor)
    data: dict[str, Any] = {
        "status": estimate.status,
        "status_label": label("status", estimate.status, lang),
        "reasons": [reason_text(r, lang) for r in estimate.reasons or []],
        "currency": estimate.currency,
        "shown": shown,
        "value": (estimate.value_p10_minor, estimate.value_p50_minor, estimate.value_p90_minor),
        "reach": (estimate.reach_p10, estimate.reach_p50, estimate.reach_p90),
        "suggested": suggested,
        "suggestion_step_minor": SUGGESTION_STEP_MINOR,
        "members": members_used(used_members, members, lang),
        "factors": factors,
        "model_version": estimate.model_version,
        "computed_at": estimate.computed_at,
        "verdict": None,
        "verdict_label": None,
        "rate_minor": None,
        "effective_cpm_minor": None,
    }
    if with_verdict and estimate.price_verdict:
        data["verdict"] = estimate.price_verdict
        data["verdict_label"] = label("verdict", estimate.price_verdict, lang)
        data["rate_minor"] = estimate.rate_minor
        data["effective_cpm_minor"] = estimate.effective_cpm_minor
    data["lenses"] = None
    if with_verdict and shown and lenses is not None:
        data["lenses"] = dict(lenses)
        valued = any(
            (lenses.get(lens) or (None, None))[1] is not None for lens in ("replacement", "outcome")
        )
        if lenses.get("suggested") or valued:
            # The lenses judge the price, so their suggestion (or none: worth under ₪10) stands.
            data["suggested"] = lenses.get("suggested")
        if estimate.rate_minor and lenses.get("verdict") not in (None, "unknown"):
            data["verdict"] = lenses["verdict"]
            data["verdict_label"] = label("verdict", lenses["verdict"], lang)
    return data


def members_used(
    used: float | None, history: Sequence[MetricSnapshot], lang: str
) -> dict[str, Any] | None:
    """Which member count the estimate used, where it came from, and the other one given.

    The estimate uses the channel's current size: the newest member count on record. When an
    export says 765 and the owner had typed 850, the page says that 765 was used, from which
    source and date, and that the typed 850 was older (or weaker) evidence.
    """
    if used is None:
        return None
    counts = sorted(
        (m for m in history if m.kind == MetricKind.MEMBERS),
        key=lambda m: (m.observed_on, m.id or 0),
    )
    source = next((m for m in reversed(counts) if round(m.value) == round(used)), None)
    other = next((m for m in reversed(counts) if round(m.value) != round(used)), None)

    def described(snapshot: MetricSnapshot | None) -> dict[str, Any] | None:
        if snapshot is None:
            return None
        tier = EvidenceTier(snapshot.tier)
        return {
            "value": round(snapshot.value),
            "observed_on": snapshot.observed_on,
            "evidence": label("basis", tier.slug, lang),
            "source": snapshot.source or "",
        }

    result: dict[str, Any] = {
        "value": round(used),
        "from": described(source),
        "other": described(other),
        "other_is_older": other is not None
        and (source is None or other.observed_on <= source.observed_on),
    }
    return result


def estimate_json(estimate: PlacementEstimate) -> dict[str, Any]:
    """An estimate as the API shows it to brands: the range and its factors, no price verdict."""
    return {
        "placement": estimate.placement.value,
        "status": estimate.status,
        "reasons": list(estimate.reasons or []),
        "currency": estimate.currency,
        "reach": {"p10": estimate.reach_p10, "p50": estimate.reach_p50, "p90": estimate.reach_p90},
        "value_minor": {
            "p10": estimate.value_p10_minor,
            "p50": estimate.value_p50_minor,
            "p90": estimate.value_p90_minor,
        },
        "model_version": estimate.model_version,
        "computed_at": estimate.computed_at.isoformat(),
        "factors": [
            {k: factor.get(k) for k in ("key", "value", "effect", "share", "basis", "source")}
            for factor in estimate.factors or []
        ],
    }
