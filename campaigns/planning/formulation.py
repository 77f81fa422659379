"""The 0/1 MILP behind a media plan, built on numpy arrays and solved by HiGHS (scipy.milp).

Variables (see docs/planning.md for the full formulation):

* ``b_k`` ∈ {0, 1}: buy bundle k, a set of 1..max_per_community lines of one community
  (holding that community's locked lines); at most one bundle per community. A bundle's value
  is exact under the overlap model (within-community overlap removed by the product formula),
  so the per-community maximum, the locks and "one unit per line" need no extra rows, and the
  relaxation is much tighter than with within-community pair terms. ``x_i = Σ_{k ∋ i} b_k``;
* ``y_ij`` ∈ [0, 1], continuous, for the pairs of lines in different communities whose
  audiences overlap enough to matter: ``x_i + x_j - y_ij <= 1`` forces y to 1 when both are
  bought; y carries a cost in the objective, so the solver keeps it at 0 otherwise;
* ``w_p`` ∈ [0, 1], continuous: platform p is used, only when a platform minimum is asked for.

Objective: maximise Σ V_k b_k − Σ pen_ij y_ij, where V is a bundle's fit-weighted expected
value and pen the value a pair counts twice (inclusion-exclusion truncated at second order).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, hstack, identity, vstack

from campaigns.planning.overlap import community_overlap
from campaigns.planning.types import BP, AudienceProfile, Candidate, ModelSize, PlanInput, Platform
from pricing.margin import margin_amount

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def margin_minor(rate_minor: int, margin_bp: int) -> int:
    """The agency margin on an owner's rate (the one rule, in pricing.margin)."""
    return margin_amount(rate_minor, margin_bp)


def fit_weight(score: float, fit_floor_bp: int) -> float:
    """How much of a line's value P50 the plan credits, from the matching score."""
    floor = fit_floor_bp / BP
    return floor + (1.0 - floor) * float(score)


@dataclass(frozen=True)
class Problem:
    """A plan input turned into arrays; candidates are the non-excluded ones, sorted."""

    candidates: tuple[Candidate, ...]
    rate: IntArray
    margin: IntArray
    price: IntArray
    expected: FloatArray
    reach_p50: FloatArray
    community: IntArray  # index into community_ids
    platform: IntArray  # index into platforms
    community_ids: tuple[int, ...]
    platforms: tuple[Platform, ...]
    #: Overlap share (of the smaller reach) between communities; diagonal: same community.
    overlap: FloatArray
    pair_i: IntArray
    pair_j: IntArray
    pair_penalty: FloatArray

    @property
    def size(self) -> int:
        return len(self.candidates)

    def pair_people(self, i: IntArray, j: IntArray) -> FloatArray:
        """Estimated people reached by both i and j (P50)."""
        share = self.overlap[self.community[i], self.community[j]]
        return share * np.minimum(self.reach_p50[i], self.reach_p50[j])


@dataclass(frozen=True)
class Rules:
    """Which constraint families to impose, with their right-hand sides (integers).

    The optimiser switches families off one at a time to explain an infeasible plan.
    """

    budget: int | None
    #: platform index -> spend cap in minor units
    platform_caps: dict[int, int] = field(default_factory=dict)
    #: platform index -> most placements
    platform_max: dict[int, int] = field(default_factory=dict)
    community_max: int | None = None
    #: community indices of which at least one placement must be bought
    must_have: tuple[int, ...] = ()
    locks: bool = True
    min_communities: int = 0
    min_platforms: int = 0


@dataclass(frozen=True)
class Solution:
    selected: BoolArray | None
    optimal: bool
    time_limited: bool
    message: str
    seconds: float
    size: ModelSize
    #: The proven relative gap between the plan and the best possible (0 = proven optimal).
    gap: float | None = None


def build_problem(plan_input: PlanInput) -> Problem:
    """Arrays, overlap and the pruned pair list for the non-excluded candidates."""
    settings = plan_input.settings
    candidates = tuple(
        sorted((c for c in plan_input.candidates if not c.excluded), key=lambda c: c.line_key)
    )
    n = len(candidates)
    rate = np.array([c.rate_minor for c in candidates], dtype=np.int64)
    margin = np.array([margin_minor(c.rate_minor, settings.margin_bp) for c in candidates])
    margin = margin.astype(np.int64)
    expected = np.array(
        [c.value_minor.p50 * fit_weight(c.score, settings.fit_floor_bp) for c in candidates],
        dtype=np.float64,
    )
    reach = np.array([c.reach.p50 for c in candidates], dtype=np.float64)

    community_ids = tuple(dict.fromkeys(c.community_id for c in candidates))
    first: dict[int, AudienceProfile] = {}
    for c in candidates:
        first.setdefault(c.community_id, c.audience)
    community_index = {cid: k for k, cid in enumerate(community_ids)}
    platforms = tuple(sorted({c.platform for c in candidates}, key=lambda p: p.value))
    platform_index = {p: k for k, p in enumerate(platforms)}
    community = np.array([community_index[c.community_id] for c in candidates], dtype=np.int64)
    platform = np.array([platform_index[c.platform] for c in candidates], dtype=np.int64)
    overlap = community_overlap([first[cid] for cid in community_ids], settings.overlap)

    pair_i, pair_j, penalty = _pairs(
        community,
        overlap,
        reach,
        expected,
        settings.overlap.min_pair_bp / BP,
        settings.overlap.neighbours,
    )
    return Problem(
        candidates=candidates,
        rate=rate,
        margin=margin,
        price=rate + margin,
        expected=expected,
        reach_p50=reach,
        community=community,
        platform=platform,
        community_ids=community_ids,
        platforms=platforms,
        overlap=overlap,
        pair_i=pair_i,
        pair_j=pair_j,
        pair_penalty=penalty if n else np.zeros(0),
    )


def _pairs(
    community: IntArray,
    overlap: FloatArray,
    reach: FloatArray,
    expected: FloatArray,
    min_share: float,
    neighbours: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """The pairs of different communities that get a term in the solver, and the value each
    counts twice.

    The value counted twice by i and j is the people both reach, valued at the lower of the
    two lines' value per person: removing it keeps the better of the two counts. A pair is
    kept when its overlap share is at least ``min_share`` and it is among the ``neighbours``
    largest penalties of i or of j. Pairs within one community need no term: the solver
    chooses whole bundles of a community's placements, valued exactly (see :func:`bundles`).
    """
    n = len(community)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or neighbours == 0:
        return empty, empty.copy(), np.zeros(0)
    penalty = _penalty_matrix(community, overlap, reach, expected)
    share = overlap[community[:, None], community[None, :]]
    eligible = (share >= min_share) & (penalty > 0) & (community[:, None] != community[None, :])
    ranked = np.where(eligible, penalty, -1.0)
    k = min(neighbours, n - 1)
    top = np.argpartition(-ranked, k - 1, axis=1)[:, :k]
    chosen = np.zeros((n, n), dtype=bool)
    chosen[np.repeat(np.arange(n), k), top.ravel()] = True
    chosen &= eligible
    i, j = np.nonzero(np.triu(chosen | chosen.T, 1))
    return i.astype(np.int64), j.astype(np.int64), penalty[i, j]


def _per_person(reach: FloatArray, expected: FloatArray) -> FloatArray:
    return np.where(reach > 0, expected / np.maximum(reach, 1.0), 0.0)


def _penalty_matrix(
    community: IntArray, overlap: FloatArray, reach: FloatArray, expected: FloatArray
) -> FloatArray:
    """people reached by both × the lower value per person, for every pair of candidates."""
    share = overlap[community[:, None], community[None, :]]
    per_person = _per_person(reach, expected)
    people = share * np.minimum(reach[:, None], reach[None, :])
    penalty = people * np.minimum(per_person[:, None], per_person[None, :])
    np.fill_diagonal(penalty, 0.0)
    return penalty


def keep_shares(problem: Problem, ordered: Sequence[int]) -> FloatArray:
    """For lines in order, the share of each line's reach not reached by the lines before it.

    The product formula ``Π_{j before k} (1 - people_jk / reach_k)`` treats membership of
    different communities as independent given the estimated pairwise overlaps; unlike a
    truncated inclusion-exclusion it never goes below zero. Order matters a little: callers
    order lines by value per person, best first, so a person reached twice is credited at
    the better line's value.
    """
    if len(ordered) == 0:
        return np.zeros(0)
    idx = np.asarray(ordered, dtype=np.int64)
    people = problem.pair_people(idx[:, None], idx[None, :])
    reach = problem.reach_p50[idx]
    fraction = np.where(reach[None, :] > 0, people / np.maximum(reach[None, :], 1.0), 0.0)
    factors = np.clip(1.0 - fraction, 0.0, 1.0)
    factors[np.tril_indices(len(idx))] = 1.0  # only rows j < k: lines before k
    shares: FloatArray = factors.prod(axis=0)
    return shares


def value_order(problem: Problem, members: Sequence[int]) -> list[int]:
    """Lines by value per person (best first), then expected value, then position."""
    per_person = _per_person(problem.reach_p50, problem.expected)
    return sorted(
        (int(i) for i in members), key=lambda i: (-per_person[i], -problem.expected[i], i)
    )


def bundle_value(problem: Problem, members: Sequence[int]) -> float:
    """Expected value of a set of lines of one community, overlap counted once."""
    ordered = value_order(problem, members)
    return float((problem.expected[ordered] * keep_shares(problem, ordered)).sum())


def objective_value(problem: Problem, selected: BoolArray) -> float:
    """What the solver maximises, for a 0/1 selection.

    Each community's chosen lines count with their overlap removed exactly (the product
    formula); each modelled pair of lines in different communities subtracts its penalty
    (inclusion-exclusion truncated at the second order). For tests and the greedy baseline.
    """
    x = np.asarray(selected, dtype=bool)
    total = 0.0
    for k in np.unique(problem.community[x]):
        total += bundle_value(problem, np.nonzero(x & (problem.community == k))[0].tolist())
    both = x[problem.pair_i] & x[problem.pair_j]
    return float(total - problem.pair_penalty[both].sum())


#: The most bundles one community may generate before the optimiser refuses to enumerate.
MAX_BUNDLES_PER_COMMUNITY = 5_000


@dataclass(frozen=True)
class Bundles:
    """Every allowed set of one community's lines: the solver picks at most one per community.

    ``member`` is the (candidates × bundles) incidence matrix.
    """

    community: IntArray
    cost: IntArray
    value: FloatArray
    member: csr_array


def bundles(problem: Problem, rules: Rules) -> Bundles:
    """Enumerate each community's sets of lines of size 1..max, holding its locked lines."""
    n_comm = len(problem.community_ids)
    most = rules.community_max
    comm: list[int] = []
    cost: list[int] = []
    value: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    # Plain floats: a bundle has a handful of lines, and numpy's per-call cost would dominate.
    per_person = _per_person(problem.reach_p50, problem.expected).tolist()
    expected = problem.expected.tolist()
    reach = problem.reach_p50.tolist()
    community = problem.community.tolist()
    overlap = problem.overlap

    def fast_value(lines: list[int]) -> float:
        """bundle_value for lines of one community (the same formula, without numpy)."""
        ordered = sorted(lines, key=lambda i: (-per_person[i], -expected[i], i))
        share = float(overlap[community[lines[0]], community[lines[0]]])
        total = 0.0
        for pos, k in enumerate(ordered):
            keep = 1.0
            if reach[k] > 0:
                for j in ordered[:pos]:
                    both = share * min(reach[j], reach[k])
                    keep *= min(1.0, max(0.0, 1.0 - both / max(reach[k], 1.0)))
            total += expected[k] * keep
        return total

    for k in range(n_comm):
        members = np.nonzero(problem.community == k)[0].tolist()
        locked = [i for i in members if rules.locks and problem.candidates[i].locked]
        free = [i for i in members if i not in locked]
        top = len(members) if most is None else min(most, len(members))
        sizes = range(max(len(locked), 1), top + 1)
        count = sum(math.comb(len(free), size - len(locked)) for size in sizes)
        if count > MAX_BUNDLES_PER_COMMUNITY:
            raise ValueError(
                f"community {problem.community_ids[k]} has {len(members)} rows: too many "
                "combinations; lower max_per_community or shorten its rows"
            )
        for size in sizes:
            for extra in itertools.combinations(free, size - len(locked)):
                chosen = sorted([*locked, *extra])
                b = len(comm)
                comm.append(k)
                cost.append(int(problem.price[chosen].sum()))
                value.append(fast_value(chosen))
                rows.extend(chosen)
                cols.extend([b] * len(chosen))
    member = coo_array(
        (np.ones(len(rows)), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(problem.size, len(comm)),
    ).tocsr()
    return Bundles(
        community=np.array(comm, dtype=np.int64),
        cost=np.array(cost, dtype=np.int64),
        value=np.array(value, dtype=np.float64),
        member=member,
    )


def solve(
    problem: Problem,
    rules: Rules,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    feasibility_only: bool = False,
) -> Solution:
    """Build the MILP for `rules` and run HiGHS; the selection is None when none was found."""
    n = problem.size
    sets = bundles(problem, rules)
    n_b = len(sets.cost)
    pairs = 0 if feasibility_only else len(problem.pair_i)
    n_comm = len(problem.community_ids)
    n_plat = len(problem.platforms)
    use_w = rules.min_platforms > 1
    offset_y = n_b
    offset_w = offset_y + pairs
    total = offset_w + (n_plat if use_w else 0)

    # Scaled so the largest value and the budget are about 1: HiGHS's tolerances are
    # absolute, and coefficients near 1 keep its presolve from repairing solutions.
    value_scale = max(float(sets.value.max(initial=0.0)), 1.0)
    money_scale = max(float(rules.budget or 0), float(problem.price.max(initial=0)), 1.0)
    c = np.zeros(total)
    if not feasibility_only:
        c[:n_b] = -sets.value / value_scale
        c[offset_y:offset_w] = problem.pair_penalty / value_scale
    integrality = np.zeros(total)
    integrality[:n_b] = 1

    blocks: list[csr_array] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []

    def add(matrix: csr_array | FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> None:
        dense = np.atleast_2d(matrix) if isinstance(matrix, np.ndarray) else None
        block = csr_array(dense) if dense is not None else csr_array(matrix)
        if block.shape[1] < total:
            block = csr_array(hstack([block, csr_array((block.shape[0], total - block.shape[1]))]))
        rows = block.shape[0]
        blocks.append(block)
        lower.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (rows,)).copy())
        upper.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (rows,)).copy())

    member = sets.member  # candidates × bundles
    if rules.budget is not None:
        add(sets.cost / money_scale, -np.inf, rules.budget / money_scale)
    for p, cap in sorted(rules.platform_caps.items()):
        on_p = np.where(problem.platform == p, problem.price / money_scale, 0.0)
        add(np.asarray(member.T @ on_p), -np.inf, cap / money_scale)
    for p, most in sorted(rules.platform_max.items()):
        on_p = (problem.platform == p).astype(np.float64)
        add(np.asarray(member.T @ on_p), -np.inf, float(most))
    # One bundle per community at most; exactly one for must-haves and locked communities.
    by_community = coo_array(
        (np.ones(n_b), (sets.community, np.arange(n_b))), shape=(n_comm, n_b)
    ).tocsr()
    needed = np.zeros(n_comm)
    needed[list(rules.must_have)] = 1.0
    if rules.locks:
        for i, candidate in enumerate(problem.candidates):
            if candidate.locked:
                needed[problem.community[i]] = 1.0
    add(by_community, needed, 1.0)
    if rules.min_communities > 0:
        add(np.ones(n_b), float(rules.min_communities), np.inf)
    if use_w:
        platform_of = coo_array(
            (np.ones(n), (problem.platform, np.arange(n))), shape=(n_plat, n)
        ).tocsr()
        has = (platform_of @ member).astype(bool).astype(np.float64)  # platforms × bundles
        presence = hstack(
            [-csr_array(has), csr_array((n_plat, pairs)), identity(n_plat, format="csr")]
        )
        add(csr_array(presence), -np.inf, 0.0)
        row = np.zeros(total)
        row[offset_w:] = 1.0
        add(row, float(rules.min_platforms), np.inf)
    if pairs:
        pick = coo_array(
            (
                np.ones(2 * pairs),
                (np.tile(np.arange(pairs), 2), np.concatenate([problem.pair_i, problem.pair_j])),
            ),
            shape=(pairs, n),
        ).tocsr()
        add(
            csr_array(hstack([pick @ member, -identity(pairs, format="csr")])),
            -np.inf,
            1.0,
        )

    matrix = csr_array(vstack(blocks)) if blocks else csr_array((0, total))
    size = ModelSize(candidates=n, binaries=n_b, pair_terms=pairs, constraints=int(matrix.shape[0]))
    constraints = []
    if matrix.shape[0]:
        constraints.append(LinearConstraint(matrix, np.concatenate(lower), np.concatenate(upper)))
    start = time.perf_counter()
    result = milp(
        c,
        integrality=integrality,
        bounds=Bounds(np.zeros(total), np.ones(total)),
        constraints=constraints,
        options={"time_limit": time_limit_s, "mip_rel_gap": mip_rel_gap, "presolve": True},
    )
    seconds = time.perf_counter() - start
    selected = None
    if result.x is not None:
        chosen = np.asarray(result.x[:n_b]) > 0.5
        selected = np.asarray(member @ chosen.astype(np.float64)) > 0.5
    return Solution(
        selected=selected,
        optimal=result.status == 0,
        time_limited=result.status == 1,
        message=str(result.message),
        seconds=seconds,
        size=size,
        gap=None if getattr(result, "mip_gap", None) is None else float(result.mip_gap),
    )


def check(problem: Problem, rules: Rules, selected: BoolArray) -> list[str]:
    """The rules a 0/1 selection breaks, checked in exact integer arithmetic."""
    broken = []
    x = np.asarray(selected, dtype=bool)
    if rules.budget is not None and int(problem.price[x].sum()) > rules.budget:
        broken.append("budget")
    for p, cap in rules.platform_caps.items():
        if int(problem.price[x & (problem.platform == p)].sum()) > cap:
            broken.append(f"platform_cap:{p}")
    for p, most in rules.platform_max.items():
        if int((x & (problem.platform == p)).sum()) > most:
            broken.append(f"platform_max:{p}")
    counts = np.bincount(problem.community[x], minlength=len(problem.community_ids))
    if rules.community_max is not None and (counts > rules.community_max).any():
        broken.append("community_max")
    if any(counts[k] < 1 for k in rules.must_have):
        broken.append("must_have")
    if rules.locks and any(c.locked and not x[i] for i, c in enumerate(problem.candidates)):
        broken.append("locks")
    if int((counts > 0).sum()) < rules.min_communities:
        broken.append("min_communities")
    platforms_used = len(set(problem.platform[x].tolist()))
    if platforms_used < rules.min_platforms:
        broken.append("min_platforms")
    return broken


def tightened(rules: Rules, problem: Problem, selected: BoolArray) -> Rules:
    """Rules with every money right-hand side the selection overshoots lowered by the overshoot.

    HiGHS works in floating point with tolerances; a 0/1 answer rounded from it could, in
    principle, overshoot an integer budget by a few agorot. Re-solving with the excess taken
    off the right-hand side restores the exact integer inequality.
    """
    x = np.asarray(selected, dtype=bool)
    budget = rules.budget
    if budget is not None:
        budget -= max(0, int(problem.price[x].sum()) - budget)
    caps = {
        p: cap - max(0, int(problem.price[x & (problem.platform == p)].sum()) - cap)
        for p, cap in rules.platform_caps.items()
    }
    return replace(rules, budget=budget, platform_caps=caps)
