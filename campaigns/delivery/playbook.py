"""The agency's playbook when a placement falls behind: move it, in this order of preference.

1. to another channel asset of the same community (the owner already agreed to work with us,
   the audience is the same people): an active asset that takes the same kind of placement
   first, then any other active asset;
2. else to the next-ranked community of the brief's ranking that is not in the campaign yet;
3. else nothing to suggest: staff decide.

Pure: the caller hands over the candidates (the community's assets, the brief's ranking).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class SuggestionKind(enum.StrEnum):
    MOVE_TO_ASSET = "move_to_asset"
    NEXT_COMMUNITY = "next_community"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class AssetCandidate:
    """A channel asset of the placement's community."""

    asset_id: int
    name: str
    active: bool
    #: The placement types (their values) the asset sells.
    placement_types: frozenset[str]


@dataclass(frozen=True, slots=True)
class CommunityCandidate:
    """A community of the brief's ranking, best first in the sequence given."""

    community_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: SuggestionKind
    target_id: int | None = None
    target_name: str = ""


def suggest(
    *,
    asset_id: int,
    placement_type: str,
    assets: Iterable[AssetCandidate],
    ranking: Sequence[CommunityCandidate],
    in_campaign: Iterable[int],
) -> Suggestion:
    """The playbook's suggestion for a late or under-delivering placement (see the module)."""
    others = [a for a in assets if a.asset_id != asset_id and a.active]
    same_kind = [a for a in others if placement_type in a.placement_types]
    for candidate in (same_kind or others)[:1]:
        return Suggestion(SuggestionKind.MOVE_TO_ASSET, candidate.asset_id, candidate.name)
    taken = set(in_campaign)
    for community in ranking:
        if community.community_id not in taken:
            return Suggestion(SuggestionKind.NEXT_COMMUNITY, community.community_id, community.name)
    return Suggestion(SuggestionKind.NONE)
