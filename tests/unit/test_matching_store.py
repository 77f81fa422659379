"""Stored ranking features: a loaded artifact ranks like a fresh build; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from campaigns.matching import build_features, rank
from campaigns.matching.store import load_features, newest_version, save_features
from campaigns.matching.synthetic import synthetic_briefs, synthetic_records


def test_a_loaded_artifact_ranks_like_a_fresh_build(tmp_path: Path) -> None:
    built = build_features(synthetic_records(400, seed=3))
    save_features(built, tmp_path, 7)
    loaded = load_features(tmp_path)
    assert loaded is not None
    assert newest_version(tmp_path) == 7
    assert len(loaded) == len(built)
    assert list(loaded.records) == list(built.records)
    assert loaded.text_csc.shape == built.text_csc.shape
    assert (loaded.text_csc != built.text_csc).nnz == 0
    for brief in synthetic_briefs(6, seed=7):
        assert rank(brief, loaded, top=20) == rank(brief, built, top=20)


def test_no_artifact_loads_as_none(tmp_path: Path) -> None:
    assert newest_version(tmp_path) is None
    assert load_features(tmp_path) is None
    assert load_features(tmp_path / "missing", 3) is None


def test_a_failed_write_leaves_the_previous_artifact_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = build_features(synthetic_records(50, seed=1))
    save_features(old, tmp_path, 4)
    new = build_features(synthetic_records(60, seed=2))

    def crash(handle: object, **arrays: object) -> None:
        handle.write(b"half an archive")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_features(new, tmp_path, 5)
    monkeypatch.undo()
    assert newest_version(tmp_path) == 4
    loaded = load_features(tmp_path)
    assert loaded is not None
    assert len(loaded) == 50
    assert not (tmp_path / "features-v5.npz").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_only_the_newest_artifacts_are_kept(tmp_path: Path) -> None:
    features = build_features(synthetic_records(20, seed=1))
    for version in (1, 2, 3):
        save_features(features, tmp_path, version)
    assert sorted(p.name for p in tmp_path.glob("features-v*")) == [
        "features-v2.json",
        "features-v2.npz",
        "features-v2.records",
        "features-v3.json",
        "features-v3.npz",
        "features-v3.records",
    ]
    assert newest_version(tmp_path) == 3
