"""An incremental feature build (only changed communities counted again) equals a full one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from campaigns.matching import CatalogFeatures, CommunityRecord, build_features, rank
from campaigns.matching.features import build_catalog
from campaigns.matching.store import load_rows, save_features
from campaigns.matching.synthetic import synthetic_briefs, synthetic_records
from campaigns.matching.text import DEFAULT_TEXT, TextConfig

#: A small catalog prunes its commonest n-grams too (as 100,000 communities do), so an edit
#: can move an n-gram across the max_df line.
PRUNING = TextConfig(max_df=0.05, max_df_floor=10)


def edited(records: list[CommunityRecord]) -> list[CommunityRecord]:
    """Words, topics, a city and a price changed; some communities gone, some new."""
    out = []
    for record in records:
        if record.id % 50 == 0:
            continue  # withdrawn
        if record.id % 23 == 0:
            record = replace(record, description=record.description + " ריצת לילה בחוף ומרתון")
        elif record.id % 31 == 0:
            record = replace(record, topics=(*record.topics, "pets"), city="חיפה")
        elif record.id % 17 == 0:
            record = replace(record, description="", name=record.name + " חדש")
        elif record.id % 11 == 0:
            record = replace(record, total_size=record.total_size + 1000, offers=record.offers[:1])
        out.append(record)
    newcomers = synthetic_records(40, seed=99)
    out += [replace(r, id=r.id + 10_000, name=f"{r.name} zyxwv") for r in newcomers]
    return out


def assert_same(a: CatalogFeatures, b: CatalogFeatures) -> None:
    assert a.vectorizer.vocabulary == b.vectorizer.vocabulary
    assert np.array_equal(a.vectorizer.idf, b.vectorizer.idf)
    left, right = a.text_csc, b.text_csc
    assert left.shape == right.shape
    assert np.array_equal(left.indptr, right.indptr)
    assert np.array_equal(left.indices, right.indices)
    assert np.array_equal(left.data, right.data)
    assert a.topic_index == b.topic_index
    assert a.city_index == b.city_index
    for name in ("ids", "topics", "n_topics", "topic_df", "cities", "rate", "total_size"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("config", [DEFAULT_TEXT, PRUNING], ids=["default", "pruning"])
def test_an_incremental_build_after_edits_ranks_exactly_as_a_full_build(
    config: TextConfig,
) -> None:
    before = synthetic_records(700, seed=4)
    _features, state = build_catalog(before, text_config=config)
    assert state.recounted == len(before)
    after = edited(before)

    full = build_features(after, text_config=config)
    incremental, again = build_catalog(after, text_config=config, previous=state)

    changed = {r.id for r in after} - {r.id for r in before}
    changed |= {
        r.id for r in before if r.id % 50 and (r.id % 23 == 0 or r.id % 31 == 0 or r.id % 17 == 0)
    }
    assert again.recounted == len(changed)  # a price change alone is not recounted
    assert_same(incremental, full)
    for brief in synthetic_briefs(8, seed=7):
        assert rank(brief, incremental, top=25) == rank(brief, full, top=25)

    # Another round on the incremental state: still the full build's arrays.
    later = [replace(r, description=r.description + " כלבים") for r in after[:30]] + after[60:]
    assert_same(
        build_catalog(later, text_config=config, previous=again)[0],
        build_features(later, text_config=config),
    )


def test_nothing_changed_counts_nothing_again() -> None:
    records = synthetic_records(300, seed=2)
    first, state = build_catalog(records)
    second, again = build_catalog(records, previous=state)
    assert again.recounted == 0
    assert_same(first, second)


def test_the_stored_row_state_feeds_the_next_build(tmp_path: Path) -> None:
    before = synthetic_records(300, seed=8)
    features, state = build_catalog(before)
    save_features(features, tmp_path, 3, rows=state)
    stored = load_rows(tmp_path)
    assert stored is not None
    after = edited(before)
    incremental, again = build_catalog(after, previous=stored)
    assert 0 < again.recounted < len(after)
    assert_same(incremental, build_features(after))


def test_a_different_text_setting_rebuilds_everything() -> None:
    records = synthetic_records(100, seed=1)
    _features, state = build_catalog(records)
    _other, again = build_catalog(records, text_config=PRUNING, previous=state)
    assert again.recounted == len(records)


def test_a_state_made_by_other_code_is_not_reused() -> None:
    records = synthetic_records(50, seed=1)
    _features, state = build_catalog(records)
    _again, rebuilt = build_catalog(records, previous=replace(state, code="older code"))
    assert rebuilt.recounted == len(records)


def test_a_row_state_that_cannot_be_read_means_a_full_build(tmp_path: Path) -> None:
    features, state = build_catalog(synthetic_records(30, seed=1))
    save_features(features, tmp_path, 2, rows=state)
    np.savez(tmp_path / "features-v2.rows.npz", ids=state.ids)  # an older layout
    assert load_rows(tmp_path) is None
    (tmp_path / "features-v2.rows.npz").write_bytes(b"not an archive")
    assert load_rows(tmp_path) is None


def test_a_community_flagged_about_children_gains_parenting_in_an_incremental_build() -> None:
    """The topics read the sensitive flags and the reported ages: they are part of a row's key."""
    before = synthetic_records(200, seed=5)
    _features, state = build_catalog(before)
    after = [
        replace(r, sensitive_flags=("about_children",)) if r.id % 7 == 0 else r for r in before
    ]
    incremental, again = build_catalog(after, previous=state)
    assert again.recounted == sum(1 for r in before if r.id % 7 == 0)
    assert_same(incremental, build_features(after))
    flagged = [i for i, r in enumerate(after) if r.id % 7 == 0]
    assert "parenting" in incremental.topic_index
    assert incremental.topics[flagged, incremental.topic_index["parenting"]].all()
