"""One next step on a dashboard, and the small helpers every list of steps uses."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from marketplace.bidi import isolate
from marketplace.catalog.models import Community
from marketplace.db import SessionLike


@dataclass(frozen=True, slots=True)
class Step:
    """One next step: the sentence, and where to do it (None when the person only waits)."""

    text: str
    url: str | None = None
    waiting: bool = False
    #: Steps of one kind are summed up when there are many ("export": a chat export to upload).
    kind: str = ""


def name_of(community: Community) -> str:
    """The community's name, isolated for either text direction."""
    return isolate(community.display_name or _("Untitled listing"))


def count(session: SessionLike, query: object) -> int:
    """A COUNT query's number (0 when it finds nothing)."""
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]
