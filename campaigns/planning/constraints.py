"""The brief's places, languages and audience as rules of the plan: who is bought, at what share.

Ranking only prefers the named place; a plan must keep to it. :func:`judge` decides for one
community (docs/planning.md has the table and worked examples):

- **places** (when the brief names a city or a region other than nationwide): a community in a
  named city is in; one whose region the brief names is in; a regional community with no city
  of its own, in a named city's region, is in (its members live around the city); a community
  in another city, or another region, is out. A **nationwide** community counts only by the
  share of its members who live in the brief's places (the named regions and the named cities'
  regions, as matching reads it): its reach, value and results are multiplied by that share,
  and it is out when the share is below :data:`MIN_PLACE_SHARE_BP` or not reported;
- **languages**: the community must speak one of the brief's languages;
- **audience**: for each dimension the brief targets with fixed buckets (gender, age, region,
  language), a community that reports the dimension must have at least
  :data:`MIN_AUDIENCE_SHARE_BP` of its members in the wanted buckets (one that does not report
  it stays in: nobody measured it, as in matching), and it then counts **at that share**, like
  a nationwide community at its share of the brief's places: a brief for women reaches the
  women of a group, not all of it. Several dimensions multiply (reported independently).
  Free-word dimensions (occupation, household) only rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from campaigns.brief import BriefSpec
from campaigns.matching.components import target_cities
from campaigns.matching.places import city_region
from campaigns.matching.topics import split_brief_topics
from campaigns.planning.types import (
    BP,
    AudienceProfile,
    BriefConstraints,
    Candidate,
    Reason,
    ReasonCode,
)
from pricing.valuation.schema import Quantiles

NATIONWIDE = "nationwide"
#: A nationwide community with fewer of its members in the brief's places is not bought.
MIN_PLACE_SHARE_BP = 1_000
#: A community reporting fewer of its members in a targeted audience's buckets is not bought.
MIN_AUDIENCE_SHARE_BP = 1_000
#: Audience dimensions written in free words (the brief's occupation and household): "nurses"
#: and "nursing staff" are the same people, so they only rank, never rule a community out.
FREE_WORD_DIMENSIONS = frozenset({"occupation", "household"})


def constraints_of(spec: BriefSpec) -> BriefConstraints:
    """The plan rules a brief sets: the cities it names, its regions, languages, audience."""
    free = split_brief_topics(spec.topics).free_text
    return BriefConstraints(
        cities=target_cities(spec, free),
        regions=tuple(r for r in spec.regions if r != NATIONWIDE),
        languages=tuple(spec.languages),
        audience={d: tuple(b) for d, b in spec.audience.items() if b},
    )


#: Regions and cities share some slugs ("tel_aviv", "haifa"): a region is named with this
#: prefix in a reason's params, so the sentence says "the Tel Aviv district", not the city.
REGION_PREFIX = "region:"


def place_names(constraints: BriefConstraints) -> tuple[str, ...]:
    """The brief's places for a sentence: its cities, then its regions (prefixed)."""
    return (*constraints.cities, *(REGION_PREFIX + r for r in constraints.regions))


def near_regions(constraints: BriefConstraints) -> frozenset[str]:
    """The regions a nationwide community's members must live in: named and the cities'."""
    return frozenset(constraints.regions) | {city_region(c) for c in constraints.cities}


def _key(bucket: str) -> str:
    return " ".join(bucket.strip().lower().split())


def _share(shares: Mapping[str, int], wanted: Iterable[str]) -> int:
    keys = {_key(b) for b in wanted}
    return min(BP, sum(bp for bucket, bp in shares.items() if _key(bucket) in keys))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a community may be bought for the brief, and the share of it that counts.

    ``share_bp`` is 10,000 except for a nationwide community under a place rule (its members
    in the brief's places); ``reason`` says why it is out (None when it is in).
    """

    allowed: bool
    share_bp: int = BP
    reason: Reason | None = None


def _out(code: ReasonCode, name: str, **params: object) -> Verdict:
    return Verdict(False, 0, Reason(code, {"community": name, **params}))


def judge(constraints: BriefConstraints, profile: AudienceProfile, name: str = "") -> Verdict:
    """Whether the community of `profile` may be bought under the brief's `constraints`."""
    share = BP
    own_share = False  # whether `share` already is the community's region share (nationwide)
    if constraints.has_places:
        places = place_names(constraints)
        near = near_regions(constraints)
        own = set(profile.cities)
        if own & set(constraints.cities) or profile.region in constraints.regions:
            pass
        elif profile.region == NATIONWIDE:
            regions = profile.shares.get("region") or {}
            if not regions:
                return _out(ReasonCode.PLACE_SHARE_UNKNOWN, name, places=places)
            share = _share(regions, near)
            own_share = True
            if share < MIN_PLACE_SHARE_BP:
                return _out(
                    ReasonCode.PLACE_SHARE_LOW,
                    name,
                    places=places,
                    share=f"{share / 100:g}%",
                    least=f"{MIN_PLACE_SHARE_BP / 100:g}%",
                )
        elif not own and profile.region in near:
            pass  # a regional community around the named city
        else:
            where = tuple(sorted(own)) or (REGION_PREFIX + profile.region,)
            return _out(ReasonCode.OUTSIDE_PLACES, name, where=where, places=places)
    if constraints.languages and not set(profile.languages) & set(constraints.languages):
        return _out(
            ReasonCode.LANGUAGE_NOT_SPOKEN,
            name,
            speaks=tuple(profile.languages) or ("—",),
            languages=tuple(constraints.languages),
        )
    for dimension, wanted in constraints.audience.items():
        if dimension in FREE_WORD_DIMENSIONS:
            continue  # free words name the same people many ways: ranking weighs them
        reported = profile.shares.get(dimension) or {}
        if not reported:
            continue
        part = _share(reported, wanted)
        if part >= MIN_AUDIENCE_SHARE_BP and not (dimension == "region" and own_share):
            # The wanted part of the audience is what counts (a nationwide community's region
            # share is already its place share: not twice).
            share = (share * part + BP // 2) // BP
        if part < MIN_AUDIENCE_SHARE_BP:
            return _out(
                ReasonCode.AUDIENCE_OUTSIDE,
                name,
                dimension=dimension,
                wanted=tuple(wanted),
                share=f"{part / 100:g}%",
                least=f"{MIN_AUDIENCE_SHARE_BP / 100:g}%",
            )
    return Verdict(True, share)


def scale(q: Quantiles, share_bp: int) -> Quantiles:
    """Quantiles times a share in basis points, each rounded half up (integers throughout)."""
    return Quantiles(*((v * share_bp + BP // 2) // BP for v in (q.p10, q.p50, q.p90)))


def apply_constraints(
    constraints: BriefConstraints | None, candidates: Iterable[Candidate]
) -> tuple[tuple[Candidate, ...], tuple[Reason, ...]]:
    """The candidates the brief allows (nationwide ones scaled to their share in its places),
    and one reason per community it keeps out, in the order first seen."""
    rows = tuple(candidates)
    if constraints is None:
        return rows, ()
    verdicts: dict[int, Verdict] = {}
    for c in rows:
        if c.community_id not in verdicts:
            verdicts[c.community_id] = judge(constraints, c.audience, c.community_name)
    kept: list[Candidate] = []
    for c in rows:
        verdict = verdicts[c.community_id]
        if not verdict.allowed:
            if c.must_have:
                # Kept as an excluded row, so the plan says the must-have is unavailable
                # (refused says why) instead of quietly planning without it.
                kept.append(replace(c, excluded=True, locked=False))
            continue
        if verdict.share_bp < BP:
            c = replace(
                c,
                brief_share_bp=verdict.share_bp,
                reach=scale(c.reach, verdict.share_bp),
                value_minor=scale(c.value_minor, verdict.share_bp),
                outcomes={k: scale(q, verdict.share_bp) for k, q in c.outcomes.items()},
            )
        kept.append(c)
    refused = tuple(v.reason for v in verdicts.values() if v.reason is not None)
    return tuple(kept), refused
