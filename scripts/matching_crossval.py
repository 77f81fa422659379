"""Held-out figures for a change to the matching engine (docs/matching.md, "Issue 16, fifth round").

Two steps. First score each engine variant on the judged set, brief by brief:

    git archive <commit> campaigns | tar -x -C /tmp/v1     # or the worktree itself
    PYTHONPATH=/tmp/v1 .venv/bin/python scripts/matching_crossval.py score /tmp/v1.json

(PYTHONPATH decides which engine is imported; the judged set is read from this checkout.) Then
compare the variants, the first being the engine as it was:

    .venv/bin/python scripts/matching_crossval.py compare /tmp/base.json /tmp/v1.json [...]

``compare`` prints each variant's in-sample figures (mean grades, A alone, B alone, per class),
then picks a variant by NDCG@10 + P@5 on training briefs and measures it on the held-out ones:
2-fold (the briefs split alternately within each class, in file order) and leave-one-out. A tie
on the training briefs keeps the first variant (the engine as it was).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

JUDGED = Path(__file__).resolve().parents[1] / "tests" / "data" / "matching"
CLASSES = ("", "sensitive", "vocabulary", "text", "place")
Scores = dict[str, dict[str, list[float]]]


def score(out: Path) -> None:
    from campaigns.matching.features import build_features  # noqa: PLC0415 - PYTHONPATH's engine
    from campaigns.matching.judged import load_judged, rankings, score_rankings  # noqa: PLC0415

    records, judged = load_judged(JUDGED)
    ranked = rankings(build_features(records), judged)
    data: dict[str, object] = {"class": {j.key: j.kind for j in judged}}
    for grader in ("mean", "a", "b"):
        e = score_rankings(ranked, judged, grader=grader)  # type: ignore[arg-type]
        data[grader] = {k: [e.ndcg[k], e.precision[k]] for k in e.ndcg}
    out.write_text(json.dumps(data), encoding="utf-8")


def _mean(v: Scores, keys: list[str], grader: str = "mean") -> tuple[float, float]:
    return (
        float(np.mean([v[grader][k][0] for k in keys])),
        float(np.mean([v[grader][k][1] for k in keys])),
    )


def compare(paths: list[Path]) -> None:
    variants: list[Scores] = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    kinds: dict[str, str] = variants[0]["class"]  # type: ignore[assignment]
    keys = list(variants[0]["mean"])
    by_class = {c: [k for k in keys if kinds[k] == c] for c in CLASSES}
    half = {k: i % 2 for ks in by_class.values() for i, k in enumerate(ks)}

    def line(pick: dict[str, int], grader: str = "mean") -> str:
        n = np.mean([variants[pick[k]][grader][k][0] for k in keys])
        p = np.mean([variants[pick[k]][grader][k][1] for k in keys])
        return f"{n:.4f} / {p:.4f}"

    def classes(pick: dict[str, int]) -> str:
        return " · ".join(
            f"{np.mean([variants[pick[k]]['mean'][k][0] for k in ks]):.3f} / "
            f"{np.mean([variants[pick[k]]['mean'][k][1] for k in ks]):.2f}"
            for ks in by_class.values()
        )

    def choose(train: list[str]) -> int:
        best, value = 0, sum(_mean(variants[0], train))
        for i, v in enumerate(variants[1:], 1):
            if sum(_mean(v, train)) > value + 1e-12:
                best, value = i, sum(_mean(v, train))
        return best

    print("in-sample: mean; A; B | per class (original · sensitive · vocabulary · text · place)")
    for i, path in enumerate(paths):
        fixed = dict.fromkeys(keys, i)
        figures = f"{line(fixed)}; {line(fixed, 'a')}; {line(fixed, 'b')}"
        print(f"  {path.name}: {figures} | {classes(fixed)}")
    two_fold: dict[str, int] = {}
    for h in (0, 1):
        pick = choose([k for k in keys if half[k] != h])
        print(f"  half {h} held out: the other half picks {paths[pick].name}")
        two_fold.update({k: pick for k in keys if half[k] == h})
    print(f"2-fold held out: {line(two_fold)}; {line(two_fold, 'a')}; {line(two_fold, 'b')}")
    print(f"  per class: {classes(two_fold)}")
    loo = {k: choose([x for x in keys if x != k]) for k in keys}
    picks = {paths[i].name: sum(1 for v in loo.values() if v == i) for i in set(loo.values())}
    print(f"leave-one-out held out: {line(loo)}; {line(loo, 'a')}; {line(loo, 'b')} {picks}")
    for k in keys:
        moved = [v["mean"][k] for v in variants[1:] if v["mean"][k] != variants[0]["mean"][k]]
        if moved:
            base = variants[0]["mean"][k]
            rest = "  ".join(f"{v['mean'][k][0]:.3f}/{v['mean'][k][1]:.2f}" for v in variants[1:])
            print(f"  {k:34s} {base[0]:.3f}/{base[1]:.2f} -> {rest}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "score":
        score(Path(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        compare([Path(p) for p in sys.argv[2:]])
    else:
        sys.exit(__doc__)
