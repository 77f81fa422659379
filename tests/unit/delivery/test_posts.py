"""The post lifecycle: every row of the table, and the moves it refuses."""

from __future__ import annotations

import pytest

from campaigns.deals import Party
from campaigns.delivery import (
    POST_TRANSITIONS,
    DisputeReasonRequired,
    IllegalPostMove,
    PostAction,
    PostStatus,
    dispute_next,
    post_next,
)
from campaigns.delivery.posts import markdown_table


@pytest.mark.parametrize(("key", "move"), list(POST_TRANSITIONS.items()))
def test_every_row_of_the_table_moves_its_parties_and_refuses_the_others(key, move) -> None:
    status, action = key
    for party in Party:
        if party in move.parties:
            assert post_next(status, action, party) is move.to
        else:
            with pytest.raises(IllegalPostMove):
                post_next(status, action, party)


def test_a_move_missing_from_the_table_is_refused_for_everyone() -> None:
    for status in PostStatus:
        for action in PostAction:
            if (status, action) in POST_TRANSITIONS:
                continue
            for party in Party:
                with pytest.raises(IllegalPostMove):
                    post_next(status, action, party)


def test_the_happy_path_runs_from_scheduled_to_closed() -> None:
    status = PostStatus.SCHEDULED
    for action, party in [
        (PostAction.OPEN, Party.SYSTEM),
        (PostAction.SUBMIT_PROOF, Party.OWNER),
        (PostAction.VERIFY, Party.STAFF),
        (PostAction.MEASURE, Party.STAFF),
        (PostAction.CLOSE, Party.SYSTEM),
    ]:
        status = post_next(status, action, party)
    assert status is PostStatus.CLOSED


def test_an_owner_cannot_verify_their_own_proof_nor_a_brand_submit_one() -> None:
    with pytest.raises(IllegalPostMove):
        post_next(PostStatus.POSTED, PostAction.VERIFY, Party.OWNER)
    with pytest.raises(IllegalPostMove):
        post_next(PostStatus.DUE, PostAction.SUBMIT_PROOF, Party.BRAND)


def test_a_posted_post_is_never_closed_or_missed() -> None:
    for action in (PostAction.CLOSE, PostAction.MISS):
        with pytest.raises(IllegalPostMove):
            post_next(PostStatus.POSTED, action, Party.STAFF)


def test_a_dispute_needs_a_known_reason_and_other_needs_words() -> None:
    assert dispute_next(PostStatus.POSTED, Party.STAFF, "not_live") is PostStatus.DISPUTED
    with pytest.raises(DisputeReasonRequired):
        dispute_next(PostStatus.POSTED, Party.STAFF, "")
    with pytest.raises(DisputeReasonRequired):
        dispute_next(PostStatus.POSTED, Party.STAFF, "because")
    with pytest.raises(DisputeReasonRequired):
        dispute_next(PostStatus.POSTED, Party.STAFF, "other", "   ")
    assert dispute_next(PostStatus.POSTED, Party.STAFF, "other", "ירד אחרי שעה") is (
        PostStatus.DISPUTED
    )


def test_the_docs_show_the_table_the_code_runs() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[3] / "docs" / "delivery.md").read_text(encoding="utf-8")
    assert markdown_table() in docs
