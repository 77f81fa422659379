"""The brief page's one-way link to the planning feature above it (matching).

The brief page shows the plan the brand is looking at, and moving a brief on must move that
plan with it. Briefs sit below matching and do not import it: matching hands over these two
functions from its `init_app`, registered in `marketplace/features.py`. Without it (an app
without planning) a brief shows no plan and moves by its own lifecycle alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from marketplace.briefs import services
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.db import SessionLike


def _move_alone(
    session: SessionLike, brief: Brief, to: BriefStatus, *, actor: Any, note: str = ""
) -> None:
    services.change_status(session, brief, to, actor=actor, note=note)


@dataclass(frozen=True)
class Planning:
    """What the planning feature provides to the brief page."""

    #: The plan the brand is looking at (None when there is none).
    proposed_plan: Callable[[SessionLike, Brief], Any]
    #: `move_brief(session, brief, to, *, actor, note)`: moves the brief and its plan with it.
    move_brief: Callable[..., None]


#: Briefs on their own: no plan to show, the brief's lifecycle alone.
ALONE = Planning(proposed_plan=lambda _session, _brief: None, move_brief=_move_alone)

_KEY = "kesher.briefs.planning"


def register(app: Flask, planning: Planning) -> None:
    """Called by the planning feature's `init_app`."""
    app.extensions[_KEY] = planning


def planning() -> Planning:
    """The planning this app registered, or :data:`ALONE`."""
    found = current_app.extensions.get(_KEY, ALONE)
    assert isinstance(found, Planning)
    return found


# --- the deal desk's count of a brief's deals -----------------------------------------------

_DEALS_KEY = "kesher.briefs.deal_count"


def register_deal_count(app: Flask, count: Callable[[SessionLike, Any, Brief], int]) -> None:
    """Called by the deal desk's `init_app`: how many of a brief's deals a viewer may see."""
    app.extensions[_DEALS_KEY] = count


def deal_count(session: SessionLike, viewer: Any, brief: Brief) -> int:
    """The brief's deals the viewer may see; 0 in an app without the deal desk."""
    count = current_app.extensions.get(_DEALS_KEY)
    return int(count(session, viewer, brief)) if count is not None else 0
