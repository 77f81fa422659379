"""The playbook's suggestion, the disclosure check and the diff against the approved text."""

from __future__ import annotations

from campaigns.delivery import (
    AssetCandidate,
    CommunityCandidate,
    SuggestionKind,
    check_text,
    normalise,
    suggest,
)

POST = frozenset({"post"})
STORY = frozenset({"story"})


def test_another_asset_of_the_same_community_that_sells_the_same_placement_comes_first() -> None:
    got = suggest(
        asset_id=1,
        placement_type="post",
        assets=[
            AssetCandidate(1, "WhatsApp", True, POST),
            AssetCandidate(2, "Instagram", True, STORY),
            AssetCandidate(3, "Telegram", True, POST),
        ],
        ranking=[CommunityCandidate(50, "אחרת")],
        in_campaign=[10],
    )
    assert got.kind is SuggestionKind.MOVE_TO_ASSET
    assert (got.target_id, got.target_name) == (3, "Telegram")


def test_any_other_active_asset_before_another_community() -> None:
    got = suggest(
        asset_id=1, placement_type="post",
        assets=[AssetCandidate(2, "Instagram", True, STORY), AssetCandidate(4, "Off", False, POST)],
        ranking=[CommunityCandidate(50, "אחרת")], in_campaign=[],
    )  # fmt: skip
    assert (got.kind, got.target_id) == (SuggestionKind.MOVE_TO_ASSET, 2)


def test_without_another_asset_the_next_ranked_community_not_in_the_campaign() -> None:
    got = suggest(
        asset_id=1, placement_type="post", assets=[AssetCandidate(1, "WhatsApp", True, POST)],
        ranking=[CommunityCandidate(10, "כבר בפנים"), CommunityCandidate(11, "הבאה")],
        in_campaign=[10],
    )  # fmt: skip
    assert (got.kind, got.target_id, got.target_name) == (SuggestionKind.NEXT_COMMUNITY, 11, "הבאה")


def test_nothing_to_suggest_when_every_candidate_is_taken() -> None:
    got = suggest(asset_id=1, placement_type="post", assets=[],
                  ranking=[CommunityCandidate(10, "x")], in_campaign=[10])  # fmt: skip
    assert got.kind is SuggestionKind.NONE
    assert got.target_id is None


APPROVED = "ריצת בוקר עם הנעליים החדשות! https://kesher.link/{LINK} שיתוף פעולה בתשלום"


def test_direction_marks_spaces_and_the_tracked_link_do_not_count_as_changes() -> None:
    posted = (
        "\u200fריצת  בוקר עם\u00a0הנעליים החדשות!\n https://kesher.example/r/Ab3 "
        "\u202bשיתוף פעולה בתשלום\u202c"
    )
    got = check_text(posted, approved=APPROVED, disclosure="שיתוף פעולה בתשלום")
    assert got.same_as_creative
    assert got.disclosure_ok
    assert [kind for kind, _ in got.diff] == ["same"]


def test_a_changed_word_shows_in_the_diff_and_a_missing_disclosure_is_caught() -> None:
    posted = "ריצת ערב עם הנעליים החדשות! https://kesher.example/r/Ab3"
    got = check_text(posted, approved=APPROVED, disclosure="שיתוף פעולה בתשלום")
    assert not got.same_as_creative
    assert not got.disclosure_ok
    assert ("del", "בוקר") in got.diff
    assert ("ins", "ערב") in got.diff
    assert ("del", " שיתוף פעולה בתשלום") in got.diff


def test_normalise_keeps_what_a_reader_sees() -> None:
    assert normalise("a\u200e  b\n\nwww.x.com/y") == "a b <link>"
