"""Creative for a placement: drafts written with the owner, and the approval chain.

The chain is owner → agency → brand, then a compliance reviewer when the brief is in a
regulated category. One table, :data:`CREATIVE_TRANSITIONS`, holds every move. Nothing is
approved unless the community's required disclosure wording is in the text
(:func:`disclosure_present`, which ignores differences of spacing, Unicode form, Hebrew points
and direction marks). A changed draft starts the chain again.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass, replace

from campaigns.deals.common import (
    AGENCY,
    BRAND,
    OWNER,
    DisclosureMissing,
    IllegalTransition,
    NothingChanged,
    Party,
    ReasonRequired,
    SameReviewer,
    Side,
    StaleVersion,
    require_utc,
    side_of,
)
from campaigns.deals.moves import Move, table_next
from campaigns.deals.terms import PlacementKey


class CreativeStatus(enum.StrEnum):
    DRAFT = "draft"
    CHANGES_REQUESTED = "changes_requested"
    OWNER_APPROVED = "owner_approved"
    AGENCY_APPROVED = "agency_approved"
    BRAND_APPROVED = "brand_approved"
    COMPLIANCE_APPROVED = "compliance_approved"


class CreativeAction(enum.StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REVISE = "revise"


C, CA = CreativeStatus, CreativeAction
WRITERS = OWNER | AGENCY

#: (from, action) → (to, parties). Compliance rows apply only to a regulated brief.
CREATIVE_TRANSITIONS: dict[tuple[CreativeStatus, CreativeAction], Move[CreativeStatus]] = {
    (C.DRAFT, CA.APPROVE): Move(C.OWNER_APPROVED, OWNER),
    (C.OWNER_APPROVED, CA.APPROVE): Move(C.AGENCY_APPROVED, AGENCY),
    (C.AGENCY_APPROVED, CA.APPROVE): Move(C.BRAND_APPROVED, BRAND),
    (C.BRAND_APPROVED, CA.APPROVE): Move(C.COMPLIANCE_APPROVED, AGENCY),
    (C.OWNER_APPROVED, CA.REQUEST_CHANGES): Move(C.CHANGES_REQUESTED, AGENCY),
    (C.AGENCY_APPROVED, CA.REQUEST_CHANGES): Move(C.CHANGES_REQUESTED, BRAND),
    (C.BRAND_APPROVED, CA.REQUEST_CHANGES): Move(C.CHANGES_REQUESTED, AGENCY),
    **{(s, CA.REVISE): Move(C.DRAFT, WRITERS) for s in CreativeStatus},
}

#: Moves that are the compliance reviewer's: refused on a brief that is not regulated.
COMPLIANCE_STEPS = frozenset(
    {(C.BRAND_APPROVED, CA.APPROVE), (C.BRAND_APPROVED, CA.REQUEST_CHANGES)}
)


def final_status(regulated: bool) -> CreativeStatus:
    """The status at which creative may run."""
    return C.COMPLIANCE_APPROVED if regulated else C.BRAND_APPROVED


# --- the disclosure check ------------------------------------------------------------------

#: Direction marks, zero-width characters, the soft hyphen and the BOM: invisible in a post.
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_DASHES = re.compile("[\u05be\u2010-\u2015\u2212]")  # maqaf and the dashes read as a hyphen
#: One-letter Hebrew prefixes (ו, ה, ב, ל, מ, ש, כ) that glue to the next word: "בשיתוף".
_HEBREW_PREFIX = "[\u05d5\u05d4\u05d1\u05dc\u05de\u05e9\u05db]{0,2}"


def normalise(text: str) -> str:
    """Text as a reader sees it: no points or accents, no invisible marks, one space, casefolded."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # nikud, te'amim, accents
    text = _INVISIBLE.sub("", text)
    text = _DASHES.sub("-", text)
    text = text.replace("\u05f4", '"').replace("\u05f3", "'")  # gershayim, geresh
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def disclosure_present(text: str, wording: str) -> bool:
    """Whether ``wording`` appears in ``text`` as whole words (a Hebrew prefix letter allowed)."""
    want = normalise(wording)
    if not want:
        raise ValueError("the disclosure wording is empty")
    have = normalise(text)
    if not "\u05d0" <= want[0] <= "\u05ea":
        return re.search(rf"(?<!\w){re.escape(want)}(?!\w)", have) is not None
    # Pointed Hebrew is usually spelled without the vowel letters yod and vav (שִׁתּוּף for
    # שיתוף), so the same words are also compared with those letters left out.
    return any(
        re.search(rf"(?<!\w){_HEBREW_PREFIX}{re.escape(w)}(?!\w)", h) is not None
        for w, h in ((want, have), (_plain(want), _plain(have)))
    )


def _plain(text: str) -> str:
    return text.replace("\u05d5", "").replace("\u05d9", "")


# --- the creative --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """One version of the post; a revision is a new draft, never an edit of this one."""

    number: int
    text: str
    author: Side
    created_at: dt.datetime
    images: tuple[str, ...] = ()
    link_placeholder: str = ""

    def same_content(self, other: Draft) -> bool:
        return (self.text, self.images, self.link_placeholder) == (
            other.text,
            other.images,
            other.link_placeholder,
        )


@dataclass(frozen=True, slots=True)
class Approval:
    """A step of the chain taken on one draft: who (their user id) and when."""

    reached: CreativeStatus
    party: Party
    actor_id: int
    draft: int
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Creative:
    placement: PlacementKey
    disclosure: str
    regulated: bool
    drafts: tuple[Draft, ...]
    status: CreativeStatus = C.DRAFT
    #: The approvals of the current draft, in order; a revision empties it.
    approvals: tuple[Approval, ...] = ()
    changes_note: str = ""

    @property
    def current(self) -> Draft:
        return self.drafts[-1]

    @property
    def approved(self) -> bool:
        """Whether the whole chain approved the current draft and it may run."""
        return self.status == final_status(self.regulated)


def new_creative(
    placement: PlacementKey,
    *,
    disclosure: str,
    regulated: bool,
    text: str,
    party: Party,
    now: dt.datetime,
    images: tuple[str, ...] = (),
    link_placeholder: str = "",
) -> Creative:
    """A first draft, written by the owner or agency staff."""
    require_utc(now, "now")
    side = side_of(party)
    if side is None:
        raise IllegalTransition(f"{party} does not write creative")
    if not disclosure.strip():
        raise ValueError("the community's disclosure wording is required")
    draft = Draft(1, text, side, now, tuple(images), link_placeholder)
    return Creative(placement, disclosure, regulated, (draft,))


def creative_next(creative: Creative, action: CreativeAction, party: Party) -> CreativeStatus:
    """Where the table takes this creative on ``action`` by ``party``, or raise."""
    to = table_next(CREATIVE_TRANSITIONS, creative.status, action, party, subject="creative")
    if (creative.status, action) in COMPLIANCE_STEPS and not creative.regulated:
        raise IllegalTransition("the brief is not regulated: there is no compliance step")
    return to


def creative_act(
    creative: Creative,
    action: CreativeAction,
    party: Party,
    *,
    actor_id: int,
    draft: int,
    now: dt.datetime,
    text: str = "",
    images: tuple[str, ...] | None = None,
    link_placeholder: str | None = None,
) -> Creative:
    """Take ``action`` as ``party`` on the draft numbered ``draft``; return the result or raise.

    ``text`` is the new text for ``revise`` and the note for ``request_changes``.
    """
    require_utc(now, "now")
    if draft != creative.current.number:
        raise StaleVersion(f"draft {draft} is superseded by draft {creative.current.number}")
    to = creative_next(creative, action, party)
    if action == CA.APPROVE:
        if not disclosure_present(creative.current.text, creative.disclosure):
            raise DisclosureMissing(
                f"the text must carry the community's disclosure: {creative.disclosure}"
            )
        if to == C.COMPLIANCE_APPROVED and any(
            a.reached == C.AGENCY_APPROVED and a.actor_id == actor_id for a in creative.approvals
        ):
            raise SameReviewer("the agency approver cannot also be the compliance reviewer")
        step = Approval(to, party, actor_id, draft, now)
        return replace(creative, status=to, approvals=(*creative.approvals, step))
    if action == CA.REQUEST_CHANGES:
        if not text.strip():
            raise ReasonRequired("say what should change")
        return replace(creative, status=to, approvals=(), changes_note=text.strip())
    side = side_of(party)
    assert side is not None
    current = creative.current
    revised = Draft(
        current.number + 1,
        text,
        side,
        now,
        current.images if images is None else tuple(images),
        current.link_placeholder if link_placeholder is None else link_placeholder,
    )
    if revised.same_content(current):
        raise NothingChanged("the draft is unchanged")
    return replace(
        creative, drafts=(*creative.drafts, revised), status=to, approvals=(), changes_note=""
    )


def approve(
    creative: Creative, *, party: Party, actor_id: int, draft: int, now: dt.datetime
) -> Creative:
    """Take the next step of the chain."""
    return creative_act(creative, CA.APPROVE, party, actor_id=actor_id, draft=draft, now=now)


def request_changes(
    creative: Creative, note: str, *, party: Party, actor_id: int, draft: int, now: dt.datetime
) -> Creative:
    """Send the draft back with a note; the chain starts over after the revision."""
    return creative_act(
        creative, CA.REQUEST_CHANGES, party, actor_id=actor_id, draft=draft, now=now, text=note
    )


def revise(
    creative: Creative,
    text: str,
    *,
    party: Party,
    actor_id: int,
    draft: int,
    now: dt.datetime,
    images: tuple[str, ...] | None = None,
    link_placeholder: str | None = None,
) -> Creative:
    """A new draft; every approval of the old one is void."""
    return creative_act(
        creative,
        CA.REVISE,
        party,
        actor_id=actor_id,
        draft=draft,
        now=now,
        text=text,
        images=images,
        link_placeholder=link_placeholder,
    )
