"""The ranked matches as table rows (names told apart, size, price, reach, score) and sorting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaigns.matching.result import MatchRow
from marketplace.catalog import vocab
from marketplace.catalog.models import ChannelAsset, Community
from marketplace.db import SessionLike
from marketplace.valuation import services as valuation

#: The columns a staff member may sort by, and whether each sorts high-to-low first.
SORTS: dict[str, bool] = {
    "score": True,
    "name": False,
    "platform": False,
    "size": True,
    "price": False,
    "reach": True,
}
DEFAULT_SORT = "score"


@dataclass(frozen=True, slots=True)
class MatchLine:
    """One community of the ranked list, with what staff compare at a glance."""

    rank: int
    community_id: int
    name: str
    platform: str
    platforms: int
    size: int
    place: str
    price_minor: int | None
    currency: str
    reach_p50: int | None
    score: float
    components: dict[str, float]
    explanations: tuple[Any, ...]
    #: Another community on the list has the same name: the sub-line tells them apart.
    same_name: bool = False
    flags: tuple[str, ...] = field(default=())


def _name(community: Community, lang: str) -> str:
    if lang == "en" and community.name_en:
        return community.name_en
    return community.display_name


def _main_asset(community: Community) -> ChannelAsset | None:
    return max(community.assets, key=lambda a: (a.size, -a.id), default=None)


def match_lines(session: SessionLike, rows: Sequence[MatchRow], lang: str) -> list[MatchLine]:
    """The ranked rows with each community's main channel, size, cheapest rate and reach.

    Two queries whatever the length of the list: the communities with their channels and
    rates, and the stored value estimates of those channels.
    """
    ids = [row.community_id for row in rows]
    communities = {
        c.id: c
        for c in session.scalars(
            select(Community)
            .where(Community.id.in_(ids))
            .options(selectinload(Community.assets).selectinload(ChannelAsset.rates))
        )
    }
    asset_ids = [a.id for c in communities.values() for a in c.assets]
    estimates = valuation.estimates_by_asset(session, asset_ids)
    lines = []
    for row in rows:
        community = communities.get(row.community_id)
        if community is None:
            continue
        main = _main_asset(community)
        rates = [rate for asset in community.assets for rate in asset.rates]
        cheapest = min(rates, key=lambda r: r.amount_minor, default=None)
        reaches = [
            e.reach_p50
            for asset in community.assets
            for e in estimates.get(asset.id, {}).values()
            if e.reach_p50 is not None
        ]
        lines.append(
            MatchLine(
                rank=row.rank,
                community_id=row.community_id,
                name=_name(community, lang),
                platform=str(vocab.PLATFORMS.get(main.platform, main.platform)) if main else "",
                platforms=len(community.assets),
                size=sum(asset.size for asset in community.assets),
                place=community.city or str(vocab.REGIONS.get(community.region or "", "")),
                price_minor=cheapest.amount_minor if cheapest else None,
                currency=cheapest.currency if cheapest else "ILS",
                reach_p50=max(reaches, default=None),
                score=row.score,
                components=dict(row.components),
                explanations=row.explanations,
                flags=row.flags,
            )
        )
    counts = Counter(line.name for line in lines)
    return [replace(line, same_name=counts[line.name] > 1) for line in lines]


def parse_sort(key: str | None, direction: str | None) -> tuple[str, bool]:
    """The sort column and whether it is descending; unknown keys fall back to the score."""
    column = key if key in SORTS else DEFAULT_SORT
    if direction in ("asc", "desc"):
        return column, direction == "desc"
    return column, SORTS[column]


def sort_lines(lines: Iterable[MatchLine], key: str, descending: bool) -> list[MatchLine]:
    """Sort by one column; rows without a value (no rate, no estimate) always come last."""
    values: dict[str, Any] = {
        "score": lambda line: line.score,
        "name": lambda line: line.name.casefold(),
        "platform": lambda line: line.platform.casefold(),
        "size": lambda line: line.size,
        "price": lambda line: line.price_minor,
        "reach": lambda line: line.reach_p50,
    }
    get = values[key]
    known = [line for line in lines if get(line) is not None]
    unknown = [line for line in lines if get(line) is None]
    # Ties keep the rank order, whichever the direction.
    known.sort(key=lambda line: line.rank)
    known.sort(key=get, reverse=descending)
    return known + sorted(unknown, key=lambda line: line.rank)
