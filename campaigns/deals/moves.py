"""The machinery every party-guarded lifecycle shares: a table row, the lookup, the markdown.

Offers, deals, creative and posts each keep their own enum and their own table of
``(from, action) → Move(to, parties)``; this module only reads such a table, so the rule
"a move exists and this party may take it, or a named error" is written once.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from campaigns.deals.common import IllegalTransition, Party

StatusT = TypeVar("StatusT", bound=enum.StrEnum)
ActionT = TypeVar("ActionT", bound=enum.StrEnum)


@dataclass(frozen=True, slots=True)
class Move(Generic[StatusT]):
    """A row of a transition table: where the action leads, and who may take it."""

    to: StatusT
    parties: frozenset[Party]


Table = Mapping[tuple[StatusT, ActionT], Move[StatusT]]


def table_next(
    table: Table[StatusT, ActionT],
    status: StatusT,
    action: ActionT,
    party: Party,
    *,
    subject: str,
    error: type[IllegalTransition] = IllegalTransition,
) -> StatusT:
    """Where ``table`` takes ``status`` on ``action`` by ``party``, or raise ``error``.

    ``subject`` names the thing in the message: "a deal cannot pause from cancelled by owner".
    """
    move = table.get((status, action))
    if move is None or party not in move.parties:
        raise error(f"{subject} cannot {action} from {status} by {party}")
    return move.to


def table_actions(table: Table[StatusT, ActionT], status: StatusT, party: Party) -> list[ActionT]:
    """The actions ``party`` may take from ``status``, in table order (guards aside)."""
    return [a for (s, a), m in table.items() if s == status and party in m.parties]


_ORDER = list(Party)


def _who(parties: Iterable[Party]) -> str:
    return ", ".join(p.value for p in sorted(parties, key=_ORDER.index))


def markdown_table(
    rows_in: Iterable[tuple[tuple[str, str], Move[StatusT]]],
    notes: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """One row per move: from, action, to, who may (in table order); pass ``TABLE.items()``."""
    rows = ["| from | action | to | who may |", "| --- | --- | --- | --- |"]
    for (frm, action), move in rows_in:
        note = (notes or {}).get((frm, action), "")
        who = _who(move.parties) + (f" ({note})" if note else "")
        rows.append(f"| `{frm}` | `{action}` | `{move.to}` | {who} |")
    return "\n".join(rows)
