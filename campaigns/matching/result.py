"""What ranking returns: explained rows, gate counts, and a diagnosis of a (nearly) empty list.

Every object has ``to_dict()`` giving plain JSON (the API and ``flask match --json`` print it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from campaigns.matching.explain import Explanation


@dataclass(frozen=True, slots=True)
class MatchRow:
    """One ranked community: its total, each component, and why in words."""

    rank: int
    community_id: int
    name: str
    score: float
    components: Mapping[str, float]
    explanations: tuple[Explanation, ...]
    #: What was unknown and scored neutral, e.g. "health_unknown", "audience_unknown:age".
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "community_id": self.community_id,
            "name": self.name,
            "score": self.score,
            "components": dict(self.components),
            "explanations": [e.to_dict() for e in self.explanations],
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class GateCount:
    """How many communities a gate closes: in all, and by itself alone."""

    gate: str
    removed: int
    only_this: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One relaxation of the brief and how many communities it would leave eligible."""

    gate: str
    code: str
    params: Mapping[str, Any]
    eligible_after: int
    en: str
    he: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "code": self.code,
            "params": dict(self.params),
            "eligible_after": self.eligible_after,
            "en": self.en,
            "he": self.he,
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Which gates emptied (or nearly emptied) the list, and what to relax."""

    total: int
    eligible: int
    gates: tuple[GateCount, ...]
    suggestions: tuple[Suggestion, ...]
    en: str
    he: str
    #: What the sentences are written from (`diagnose.diagnosis_sentences`): the counts and the
    #: strictest gates with what each names of the brief. Empty in a diagnosis made without it.
    parts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "eligible": self.eligible,
            "gates": [
                {"gate": g.gate, "removed": g.removed, "only_this": g.only_this} for g in self.gates
            ],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "parts": dict(self.parts),
            "en": self.en,
            "he": self.he,
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The ranked rows, the gate counts, and a diagnosis whenever the list is (nearly) empty."""

    rows: tuple[MatchRow, ...]
    total: int
    eligible: int
    gates: tuple[GateCount, ...]
    weights: Mapping[str, float]
    #: Present when fewer than DIAGNOSE_BELOW communities pass the gates.
    diagnosis: Diagnosis | None = None
    #: Remarks about the brief as a whole (budget not compared, must-haves closed by a gate).
    notes: tuple[Explanation, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": [r.to_dict() for r in self.rows],
            "total": self.total,
            "eligible": self.eligible,
            "gates": [
                {"gate": g.gate, "removed": g.removed, "only_this": g.only_this} for g in self.gates
            ],
            "weights": dict(self.weights),
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "notes": [n.to_dict() for n in self.notes],
        }
