"""Built catalog features on disk: save once (a job), load fast in every worker (no pickle).

An artifact is three files named by the catalog version it was built from, plus a manifest:

* ``features-v{version}.npz``: every array, uncompressed (``np.savez``; sparse matrices as
  their ``data``/``indices``/``indptr``/``shape``), read back with ``allow_pickle=False``;
* ``features-v{version}.records``: each record's JSON back to back (their offsets are in the
  ``.npz``), memory-mapped and decoded one record at a time when read;
* ``features-v{version}.json``: the vectoriser's n-grams (in column order) and
  the label -> column maps;
* ``features-v{version}.rows.npz``: the build's row state (``RowState``: each community's raw
  n-gram counts, topics, cities and their inputs' fingerprint), read only by the next
  rebuild, which then recomputes only the communities that changed;
* ``manifest.json``: which version is the newest complete artifact.

Each file is written to a temporary name and moved into place with ``os.replace``, the
manifest last, so a reader sees either the previous artifact or the whole new one. Loading
re-derives only the cheap per-goal arrays (``goal_arrays``); it never fits the TF-IDF.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, overload

import numpy as np
from scipy import sparse

from campaigns.brief import GOAL_PLACEMENTS
from campaigns.matching.features import (
    AudienceDimension,
    CatalogFeatures,
    RowState,
    goal_arrays,
)
from campaigns.matching.records import CommunityRecord, record_from_dict, record_to_dict
from campaigns.matching.text import CharNgramTfidf, TextConfig

MANIFEST = "manifest.json"
#: Bumped whenever what the arrays mean changes, so an older artifact is rebuilt, not read:
#: 2 — a community about children carries "parenting" in the topic matrix (issue 16).
FORMAT = 2

#: Plain arrays of CatalogFeatures, saved and loaded as they are (memory order kept).
_ARRAYS = (
    "ids", "topics", "n_topics", "topic_df", "cities", "languages", "region", "platforms",
    "regulated_allowed", "sensitive", "listed", "offered", "rate", "value_p50", "health",
    "active_share", "interactions", "evidence", "past", "total_size", "health_score",
    "evidence_score", "past_score",
)  # fmt: skip
_INDEXES = ("topic_index", "city_index", "language_index", "region_index")


class StoredRecords(Sequence[CommunityRecord]):
    """The artifact's records, each decoded from its JSON the first time it is read.

    Ranking reads only its top rows' records (explanations, names), so a fresh worker does
    not pay for decoding 100,000 records it will mostly never look at.
    """

    def __init__(self, blob: bytes | mmap.mmap, offsets: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets
        self._cache: dict[int, CommunityRecord] = {}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> CommunityRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CommunityRecord]: ...

    def __getitem__(self, index: int | slice) -> CommunityRecord | Sequence[CommunityRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        found = self._cache.get(index)
        if found is None:
            start, end = int(self._offsets[index]), int(self._offsets[index + 1])
            found = record_from_dict(json.loads(self._blob[start:end].decode("utf-8")))
            self._cache[index] = found
        return found


def _records_blob(records: Sequence[CommunityRecord]) -> tuple[bytes, np.ndarray]:
    """Every record's JSON, back to back as bytes, and where each one starts and ends."""
    parts = [json.dumps(record_to_dict(r), ensure_ascii=False).encode("utf-8") for r in records]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return b"".join(parts), offsets


def _map(path: Path) -> bytes | mmap.mmap:
    """A read-only memory map of ``path`` (pages are read when a record is): no load cost.

    A newer artifact replaces files by ``os.replace``, never in place, so a mapped file
    stays whole for as long as a worker holds it.
    """
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _atomic_write(path: Path, write: Any) -> None:
    """Write through ``write(file)`` to a temporary file beside ``path``, then move it there."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sparse(arrays: dict[str, Any], name: str, matrix: sparse.csc_matrix) -> None:
    arrays[f"{name}.data"] = matrix.data
    arrays[f"{name}.indices"] = matrix.indices
    arrays[f"{name}.indptr"] = matrix.indptr
    arrays[f"{name}.shape"] = np.array(matrix.shape, dtype=np.int64)


def _unsparse(arrays: Any, name: str) -> sparse.csc_matrix:
    shape = tuple(int(v) for v in arrays[f"{name}.shape"])
    return sparse.csc_matrix(
        (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]),
        shape=shape,
    )


def save_features(
    features: CatalogFeatures,
    directory: Path,
    version: int,
    *,
    keep: int = 2,
    rows: RowState | None = None,
) -> Path:
    """Write ``features`` as the artifact of catalog ``version``; return the manifest path.

    ``rows`` (the build's row state) is stored beside it for the next incremental build.

    Older artifacts beyond the newest ``keep`` are removed (a worker that already loaded one
    keeps its arrays in memory).
    """
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {name: getattr(features, name) for name in _ARRAYS}
    _sparse(arrays, "text", features.text_csc)
    arrays["idf"] = features.vectorizer.idf
    blob, arrays["records.offsets"] = _records_blob(features.records)
    for dim, audience in features.audience.items():
        _sparse(arrays, f"audience.{dim}", audience.shares)
        arrays[f"audience.{dim}.known"] = audience.known
    meta = {
        "format": FORMAT,
        "version": version,
        "text_config": asdict(features.text_config),
        "grams": list(features.vectorizer.vocabulary),
        **{name: list(getattr(features, name)) for name in _INDEXES},
        "audience": {dim: list(a.buckets) for dim, a in features.audience.items()},
    }
    stem = f"features-v{version}"
    if rows is not None:
        _atomic_write(directory / f"{stem}.rows.npz", lambda f: _save_rows(f, rows))
    _atomic_write(directory / f"{stem}.records", lambda f: f.write(blob))
    _atomic_write(directory / f"{stem}.npz", lambda f: np.savez(f, **arrays))
    _atomic_write(
        directory / f"{stem}.json",
        lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode("utf-8")),
    )
    manifest = {"format": FORMAT, "version": version, "stem": stem,
                "communities": len(features)}  # fmt: skip
    path = directory / MANIFEST
    _atomic_write(path, lambda f: f.write(json.dumps(manifest).encode("utf-8")))
    _prune(directory, keep)
    return path


def _prune(directory: Path, keep: int) -> None:
    found = sorted(
        (int(p.stem.removeprefix("features-v")), p)
        for p in directory.glob("features-v*.npz")
        if p.stem.removeprefix("features-v").isdigit()
    )
    for version, _path in found[:-keep] if keep > 0 else found:
        for suffix in (".npz", ".json", ".records", ".rows.npz"):
            (directory / f"features-v{version}{suffix}").unlink(missing_ok=True)


def _save_rows(handle: Any, rows: RowState) -> None:
    arrays: dict[str, Any] = {
        "ids": rows.ids,
        "keys": rows.keys,
        "grams": rows.grams,
        "topics": rows.topics,
        "cities": rows.cities,
        "counts.data": rows.counts.data,
        "counts.indices": rows.counts.indices,
        "counts.indptr": rows.counts.indptr,
        "counts.shape": np.array(rows.counts.shape, dtype=np.int64),
        "text_config": np.array(json.dumps(asdict(rows.text_config))),
        "code": np.array(rows.code),
    }
    np.savez(handle, **arrays)


def load_rows(directory: Path, version: int | None = None) -> RowState | None:
    """The row state stored with the artifact of ``version`` (the newest by default), if any."""
    if version is None:
        version = newest_version(directory)
        if version is None:
            return None
    try:
        npz = np.load(directory / f"features-v{version}.rows.npz", allow_pickle=False)
    except (FileNotFoundError, ValueError, OSError):
        return None
    with npz as arrays:
        try:
            return _rows_from(arrays)
        except (KeyError, ValueError, TypeError):  # written by other code: rebuild fully
            return None


def _rows_from(arrays: Any) -> RowState:
    shape = tuple(int(v) for v in arrays["counts.shape"])
    return RowState(
        text_config=TextConfig(**json.loads(str(arrays["text_config"]))),
        code=str(arrays["code"]),
        ids=arrays["ids"],
        keys=arrays["keys"],
        counts=sparse.csr_matrix(
            (arrays["counts.data"], arrays["counts.indices"], arrays["counts.indptr"]),
            shape=shape,
        ),
        grams=arrays["grams"],
        topics=arrays["topics"],
        cities=arrays["cities"],
    )


def newest_version(directory: Path) -> int | None:
    """The catalog version of the newest complete artifact in ``directory``, or None."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if manifest.get("format") != FORMAT:
        return None
    return int(manifest["version"])


def load_features(directory: Path, version: int | None = None) -> CatalogFeatures | None:
    """The artifact of ``version`` (the manifest's newest by default), or None if absent."""
    if version is None:
        version = newest_version(directory)
        if version is None:
            return None
    stem = directory / f"features-v{version}"
    try:
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        blob = _map(stem.with_suffix(".records"))
        npz = np.load(stem.with_suffix(".npz"), allow_pickle=False)
    except FileNotFoundError:
        return None
    with npz as arrays:
        loaded: dict[str, Any] = {name: arrays[name] for name in _ARRAYS}
        text_csc = _unsparse(arrays, "text")
        config = TextConfig(**meta["text_config"])
        vectorizer = CharNgramTfidf(config)
        vectorizer.vocabulary = {gram: i for i, gram in enumerate(meta["grams"])}
        vectorizer.idf = arrays["idf"]
        audience = {
            dim: AudienceDimension(
                {bucket: j for j, bucket in enumerate(buckets)},
                _unsparse(arrays, f"audience.{dim}"),
                arrays[f"audience.{dim}.known"],
            )
            for dim, buckets in meta["audience"].items()
        }
        records = StoredRecords(blob, arrays["records.offsets"])
    ids = loaded["ids"]
    indexes: dict[str, Any] = {name: {k: i for i, k in enumerate(meta[name])} for name in _INDEXES}
    return CatalogFeatures(
        records=records,
        index_of={int(cid): i for i, cid in enumerate(ids.tolist())},
        text_config=config,
        vectorizer=vectorizer,
        text_csc=text_csc,
        audience=audience,
        goal={
            g: goal_arrays(loaded["offered"], loaded["rate"], loaded["value_p50"], g)
            for g in GOAL_PLACEMENTS
        },
        **indexes,
        **loaded,
    )
