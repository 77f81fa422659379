"""Creative: every move by every party, the approval chain, and the disclosure check."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from campaigns.deals import (
    CREATIVE_TRANSITIONS,
    Creative,
    CreativeAction,
    CreativeStatus,
    DisclosureMissing,
    IllegalTransition,
    NothingChanged,
    Party,
    ReasonRequired,
    SameReviewer,
    StaleVersion,
    creative_act,
    disclosure_present,
    final_status,
    new_creative,
)
from campaigns.deals import creative as cr
from pricing.taxonomy import PlacementType
from tests.unit.deals.builders import DISCLOSURE, HOUR, T0

C, CA = CreativeStatus, CreativeAction
KEY = (11, PlacementType.POST)
TEXT = f"מחפשים מתנדבים לסדנת בישול? בואו! {DISCLOSURE}"
AGENCY_REVIEWER, COMPLIANCE_REVIEWER = 20, 21


def creative_in(status: CreativeStatus, *, regulated: bool) -> Creative:
    """Creative at ``status`` with the approvals that lead there (the agency's by reviewer 20)."""
    first = new_creative(KEY, disclosure=DISCLOSURE, regulated=regulated, text=TEXT,
                         party=Party.OWNER, now=T0)  # fmt: skip
    chain = [C.OWNER_APPROVED, C.AGENCY_APPROVED, C.BRAND_APPROVED, C.COMPLIANCE_APPROVED]
    reached = chain[: chain.index(status) + 1] if status in chain else []
    approvals = tuple(
        cr.Approval(s, Party.STAFF, AGENCY_REVIEWER if s == C.AGENCY_APPROVED else 1, 1, T0)
        for s in reached
    )
    return replace(first, status=status, approvals=approvals)


@pytest.mark.parametrize("regulated", [True, False], ids=["regulated", "plain"])
@pytest.mark.parametrize(
    ("start", "action", "party"), list(itertools.product(CreativeStatus, CreativeAction, Party))
)
def test_only_the_transition_table_moves_creative(
    start: CreativeStatus, action: CreativeAction, party: Party, regulated: bool
) -> None:
    creative = creative_in(start, regulated=regulated)
    move = CREATIVE_TRANSITIONS.get((start, action))
    compliance_only = (start, action) in cr.COMPLIANCE_STEPS
    text = TEXT + " (גרסה 2)" if action == CA.REVISE else "הקישור חסר"
    args = {"actor_id": COMPLIANCE_REVIEWER, "draft": 1, "now": T0 + HOUR, "text": text}
    if move is not None and party in move.parties and (regulated or not compliance_only):
        after = creative_act(creative, action, party, **args)  # type: ignore[arg-type]
        assert after.status == move.to
        if action == CA.REVISE:
            assert after.approvals == ()
            assert len(after.drafts) == 2
    else:
        with pytest.raises(IllegalTransition):
            creative_act(creative, action, party, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("regulated", [True, False], ids=["regulated", "plain"])
@pytest.mark.parametrize(
    ("start", "to", "party"), list(itertools.product(CreativeStatus, CreativeStatus, Party))
)
def test_creative_reaches_a_status_only_by_a_row_of_the_table(
    start: CreativeStatus, to: CreativeStatus, party: Party, regulated: bool
) -> None:
    reached = set()
    for action in CreativeAction:
        text = TEXT + " (גרסה 2)" if action == CA.REVISE else "הקישור חסר"
        try:
            after = creative_act(
                creative_in(start, regulated=regulated),
                action,
                party,
                actor_id=COMPLIANCE_REVIEWER,
                draft=1,
                now=T0,
                text=text,
            )
        except IllegalTransition:
            continue
        reached.add(after.status)
    rows = [
        m
        for (s, a), m in CREATIVE_TRANSITIONS.items()
        if s == start and m.to == to and (regulated or (s, a) not in cr.COMPLIANCE_STEPS)
    ]
    assert (to in reached) == any(party in m.parties for m in rows)


@pytest.mark.parametrize("regulated", [True, False])
def test_the_chain_runs_owner_agency_brand_then_compliance_when_regulated(regulated: bool) -> None:
    c = new_creative(
        KEY, disclosure=DISCLOSURE, regulated=regulated, text=TEXT, party=Party.STAFF, now=T0
    )
    steps = [(Party.OWNER, 5), (Party.STAFF, AGENCY_REVIEWER), (Party.BRAND, 9)]
    if regulated:
        steps.append((Party.ADMIN, COMPLIANCE_REVIEWER))
    for i, (party, actor) in enumerate(steps):
        assert not c.approved
        c = cr.approve(c, party=party, actor_id=actor, draft=1, now=T0 + i * HOUR)
    assert c.approved
    assert c.status == final_status(regulated)
    assert [a.reached for a in c.approvals] == [
        C.OWNER_APPROVED, C.AGENCY_APPROVED, C.BRAND_APPROVED, C.COMPLIANCE_APPROVED
    ][: len(steps)]  # fmt: skip
    if not regulated:
        with pytest.raises(IllegalTransition, match="not regulated"):
            cr.approve(c, party=Party.STAFF, actor_id=COMPLIANCE_REVIEWER, draft=1, now=T0)


def test_the_agency_approver_cannot_also_clear_compliance() -> None:
    c = creative_in(C.BRAND_APPROVED, regulated=True)
    with pytest.raises(SameReviewer):
        cr.approve(c, party=Party.STAFF, actor_id=AGENCY_REVIEWER, draft=1, now=T0)


@pytest.mark.parametrize("status", [C.DRAFT, C.OWNER_APPROVED, C.AGENCY_APPROVED, C.BRAND_APPROVED])
def test_nothing_is_approved_without_the_disclosure(status: CreativeStatus) -> None:
    c = creative_in(status, regulated=True)
    bare = replace(c, drafts=(replace(c.current, text="מחפשים מתנדבים לסדנת בישול? בואו!"),))
    party = CREATIVE_TRANSITIONS[(status, CA.APPROVE)].parties
    with pytest.raises(DisclosureMissing, match=DISCLOSURE):
        cr.approve(bare, party=min(party), actor_id=COMPLIANCE_REVIEWER, draft=1, now=T0)


def test_a_changed_draft_needs_every_approval_again() -> None:
    c = creative_in(C.BRAND_APPROVED, regulated=False)
    assert c.approved
    revised = cr.revise(c, TEXT + " עכשיו עם קישור", party=Party.OWNER, actor_id=5, draft=1, now=T0)
    assert (revised.status, revised.approvals, revised.approved) == (C.DRAFT, (), False)
    assert revised.drafts[0] == c.drafts[0], "the old draft is kept as it was"
    assert revised.current.number == 2
    with pytest.raises(StaleVersion):
        cr.approve(revised, party=Party.OWNER, actor_id=5, draft=1, now=T0)
    with pytest.raises(NothingChanged):
        cr.revise(revised, revised.current.text, party=Party.STAFF, actor_id=5, draft=2, now=T0)
    pictured = cr.revise(revised, revised.current.text, party=Party.STAFF, actor_id=5, draft=2,
                         now=T0, images=("img/1.png",))  # fmt: skip
    assert pictured.current.images == ("img/1.png",)


def test_requesting_changes_needs_a_note_and_sends_the_draft_back() -> None:
    c = creative_in(C.AGENCY_APPROVED, regulated=False)
    with pytest.raises(ReasonRequired):
        cr.request_changes(c, " ", party=Party.BRAND, actor_id=9, draft=1, now=T0)
    back = cr.request_changes(c, "בלי סימני קריאה", party=Party.BRAND, actor_id=9, draft=1, now=T0)
    assert (back.status, back.approvals, back.changes_note) == (
        C.CHANGES_REQUESTED,
        (),
        "בלי סימני קריאה",
    )
    with pytest.raises(IllegalTransition):
        cr.approve(back, party=Party.OWNER, actor_id=5, draft=1, now=T0)


def test_only_owners_and_staff_write_creative() -> None:
    for party in (Party.BRAND, Party.FINANCE, Party.SYSTEM):
        with pytest.raises(IllegalTransition):
            new_creative(
                KEY, disclosure=DISCLOSURE, regulated=False, text=TEXT, party=party, now=T0
            )
    with pytest.raises(ValueError, match="disclosure"):
        new_creative(KEY, disclosure=" ", regulated=False, text=TEXT, party=Party.OWNER, now=T0)


@pytest.mark.parametrize(
    ("text", "present"),
    [
        (f"פוסט. {DISCLOSURE}", True),
        ("פוסט בלי גילוי", False),
        ("פוסט. שיתוף פעולה", False),
        ("פוסט.   שיתוף \n  פעולה\tבתשלום  ", True),
        ("פוסט. שיתוף\u00a0פעולה\u2003בתשלום", True),  # no-break and em spaces
        ("פוסט. שִׁיתּוּף פְּעוּלָּה בְּתַשְׁלוּם", True),  # with nikud
        ("פוסט. שִׁתּוּף פְּעֻלָּה בְּתַשְׁלוּם", True),  # pointed, without vowel letters
        ("פוסט. שתוף פעלה בתשלם", True),  # the same words spelled short
        ("פוסט. שיתוף פעולה בתשלום נוסף", True),
        ("\u202bפוסט. \u200fשיתוף \u200eפעולה\u200f בתשלום\u202c", True),  # RTL marks
        ("פוסט. שיתוף\u200bפעולה בתשלום", False),  # a zero-width space is no space
        ("פוסט. בשיתוף פעולה בתשלום", True),  # a Hebrew prefix letter
        ("פוסט. לשיתוף פעולה בתשלומים", False),  # a longer word is another word
        ("פוסט. אשיתוף פעולה בתשלום", False),  # not a prefix letter
    ],
)
def test_the_disclosure_is_found_however_the_text_is_typed(text: str, present: bool) -> None:
    assert disclosure_present(text, DISCLOSURE) is present


@pytest.mark.parametrize(
    ("text", "wording", "present"),
    [
        ("Great trip! #AD", "#ad", True),
        ("Great #adventure", "#ad", False),
        ("Paid  partnership with Acme", "Paid partnership", True),
        ("Ｐａｉｄ partnership", "Paid partnership", True),  # full-width letters
        ("תוכן ממומן\u05beפרסומי", "תוכן ממומן-פרסומי", True),  # maqaf for a hyphen
        ("שת״פ בתשלום", 'שת"פ בתשלום', True),  # gershayim for a quote
    ],
)
def test_the_disclosure_check_normalises_both_sides(text: str, wording: str, present: bool) -> None:
    assert disclosure_present(text, wording) is present


def test_an_empty_wording_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        disclosure_present("text", "\u200f ")
