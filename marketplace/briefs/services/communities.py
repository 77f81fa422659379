"""The communities a brief names: their names, and finding them by name on the form."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from marketplace.catalog.models import Community, ListingStatus, name_in, ui_language
from marketplace.db import SessionLike
from marketplace.safety import MAX_ID


def listed_community_names(session: SessionLike, ids: Iterable[int]) -> dict[int, str]:
    """The display names of the listed communities among `ids` (any other id names none)."""
    # An id no id column can hold names no community: asking the database would overflow its
    # 32-bit column on PostgreSQL (a 400 from the safety net) instead of "unknown community".
    wanted = [i for i in dict.fromkeys(ids) if 1 <= i <= MAX_ID]
    if not wanted:
        return {}
    rows = session.execute(
        select(Community.id, Community.name_he, Community.name_en).where(
            Community.id.in_(wanted), Community.status == ListingStatus.LISTED
        )
    ).all()
    return {row.id: name_in(row.name_he, row.name_en, ui_language()) for row in rows}


def resolve_communities(session: SessionLike, lines: Iterable[str]) -> tuple[list[int], list[str]]:
    """Find listed communities by name ("name", or "name (#id)" when names repeat).

    Returns the ids found and a message for each line that names none or several.
    """
    import re

    ids: list[int] = []
    errors: list[str] = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        tagged = re.search(r"#(\d+)\)?\s*$", line)
        if tagged:
            found = listed_community_names(session, [int(tagged.group(1))])
            if found:
                ids.extend(found)
                continue
            errors.append(str(_l("No listed community is number %(n)s.", n=tagged.group(1))))
            continue
        name = line.lower()
        matches = list(
            session.scalars(
                select(Community.id)
                .where(
                    Community.status == ListingStatus.LISTED,
                    or_(
                        func.lower(Community.name_he) == name,
                        func.lower(Community.name_en) == name,
                    ),
                )
                .limit(5)
            )
        )
        if len(matches) == 1:
            ids.append(matches[0])
        elif not matches:
            errors.append(str(_l("No listed community is called “%(name)s”.", name=line)))
        else:
            errors.append(
                str(_l("Several listed communities are called “%(name)s”; add the number, "
                       "e.g. “%(name)s (#%(id)s)”.", name=line, id=matches[0]))
            )  # fmt: skip
    return list(dict.fromkeys(ids)), errors


def community_lines(session: SessionLike, ids: Iterable[int]) -> str:
    """The communities as the form shows them: one "name (#id)" a line."""
    names = listed_community_names(session, ids)
    return "\n".join(f"{names.get(i, '?')} (#{i})" for i in ids)
