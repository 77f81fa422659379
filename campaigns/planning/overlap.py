"""Audience overlap between communities, estimated from their profiles (no member ids exist).

For two different communities a and b, the share of the smaller reach that the other also
reaches is estimated as::

    overlap(a, b) = max_overlap × geo(a, b) × topics(a, b) × audience(a, b)

* ``geo``: the histogram intersection of the two region distributions when both are known,
  else a table on the region keys (same region / one nationwide / different regions);
* ``topics``: ``floor + (1 - floor) × Jaccard(topics)``: unrelated topics still share people;
* ``audience``: the mean histogram intersection over the other audience dimensions both
  communities describe (gender, age, language …).

Each factor lies in [0, 1], so the overlap lies in [0, max_overlap]. Two placements of the
same community overlap by ``same_community``. This is an estimate from proxies, not a count:
docs/planning.md says so, and so must every screen that shows a deduplicated reach.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from campaigns.planning.types import BP, AudienceProfile, OverlapSettings

FloatArray = npt.NDArray[np.float64]

NATIONWIDE = "nationwide"
REGION = "region"


def _distribution_matrix(
    profiles: Sequence[AudienceProfile], dimension: str
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Rows of normalised distributions over one dimension, and which rows have any data."""
    values = sorted({v for p in profiles for v in p.shares.get(dimension, {})})
    matrix = np.zeros((len(profiles), max(len(values), 1)))
    position = {v: k for k, v in enumerate(values)}
    for row, profile in enumerate(profiles):
        for value, bp in profile.shares.get(dimension, {}).items():
            matrix[row, position[value]] = bp
    totals = matrix.sum(axis=1)
    known = totals > 0
    matrix[known] /= totals[known, None]
    return matrix, known


def _intersection(matrix: FloatArray) -> FloatArray:
    """Histogram intersection of every pair of rows: the sum of the smaller shares."""
    result: FloatArray = np.minimum(matrix[:, None, :], matrix[None, :, :]).sum(axis=2)
    return result


def similarity_matrix(profiles: Sequence[AudienceProfile], settings: OverlapSettings) -> FloatArray:
    """geo × topics × audience for every pair of communities, each factor in [0, 1]."""
    n = len(profiles)
    unknown = settings.unknown_bp / BP

    # Geography: measured region distributions where both sides have one, else the keys.
    regions = [p.region for p in profiles]
    same = np.array([[a == b for b in regions] for a in regions], dtype=bool).reshape(n, n)
    nationwide = np.array([r == NATIONWIDE for r in regions], dtype=bool)
    geo = np.where(
        same,
        settings.same_region_bp / BP,
        np.where(
            nationwide[:, None] | nationwide[None, :],
            settings.nationwide_bp / BP,
            settings.other_region_bp / BP,
        ),
    )
    region_matrix, region_known = _distribution_matrix(profiles, REGION)
    both = region_known[:, None] & region_known[None, :]
    if both.any():
        geo = np.where(both, _intersection(region_matrix), geo)

    # Topics: floor + (1 - floor) × Jaccard; unknown when either side lists none.
    vocabulary = sorted({t for p in profiles for t in p.topics})
    index = {t: k for k, t in enumerate(vocabulary)}
    topic_matrix = np.zeros((n, max(len(vocabulary), 1)))
    for row, profile in enumerate(profiles):
        for topic in set(profile.topics):
            topic_matrix[row, index[topic]] = 1.0
    shared = topic_matrix @ topic_matrix.T
    counts = topic_matrix.sum(axis=1)
    union = counts[:, None] + counts[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    floor = settings.topic_floor_bp / BP
    has_topics = counts > 0
    topics = np.where(
        has_topics[:, None] & has_topics[None, :], floor + (1.0 - floor) * jaccard, unknown
    )

    # Audience: mean histogram intersection over the dimensions both sides describe.
    dimensions = sorted({d for p in profiles for d in p.shares if d != REGION})
    total = np.zeros((n, n))
    described = np.zeros((n, n))
    for dimension in dimensions:
        matrix, known = _distribution_matrix(profiles, dimension)
        mask = known[:, None] & known[None, :]
        total += np.where(mask, _intersection(matrix), 0.0)
        described += mask
    audience = np.divide(total, described, out=np.full((n, n), unknown), where=described > 0)
    similarity: FloatArray = np.clip(geo * topics * audience, 0.0, 1.0)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def community_overlap(profiles: Sequence[AudienceProfile], settings: OverlapSettings) -> FloatArray:
    """Overlap share (of the smaller reach) for every pair of communities; the diagonal is
    the same-community overlap."""
    overlap = settings.max_overlap_bp / BP * similarity_matrix(profiles, settings)
    np.fill_diagonal(overlap, settings.same_community_bp / BP)
    return overlap


def estimate_overlap(
    a: AudienceProfile, b: AudienceProfile, settings: OverlapSettings | None = None
) -> float:
    """The estimated overlap of two different communities, as a share of the smaller reach.

    For screens that explain a plan ("these two groups share about 18% of their members").
    """
    settings = settings or OverlapSettings()
    return float(community_overlap([a, b], settings)[0, 1])
