"""A media plan's lifecycle: one table of moves, every other move refused by name."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from campaigns.plan import PLAN_TRANSITIONS, IllegalPlanMove, PlanStatus, may_move_plan, move_plan

ROOT = Path(__file__).resolve().parents[2]
S = PlanStatus
LEGAL = {
    (S.DRAFT, S.PROPOSED),
    (S.PROPOSED, S.APPROVED),
    (S.PROPOSED, S.CHANGES_REQUESTED),
    (S.PROPOSED, S.DRAFT),
    (S.PROPOSED, S.SUPERSEDED),
}


@pytest.mark.parametrize(("before", "after"), list(itertools.product(PlanStatus, PlanStatus)))
def test_only_the_table_moves_a_plan(before: PlanStatus, after: PlanStatus) -> None:
    if (before, after) in LEGAL:
        assert may_move_plan(before, after)
        assert move_plan(before, after) is after
    else:
        assert not may_move_plan(before, after)
        with pytest.raises(IllegalPlanMove, match=f"from {before.value} to {after.value}"):
            move_plan(before, after)


def test_the_table_reads_as_the_documented_workflow() -> None:
    assert set(PLAN_TRANSITIONS) == LEGAL
    finals = {S.APPROVED, S.CHANGES_REQUESTED, S.SUPERSEDED}
    assert not any(before in finals for before, _after in PLAN_TRANSITIONS), "decisions stay"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


BRIEF_MODULES = sorted(
    str(path.relative_to(ROOT / "marketplace" / "briefs"))
    for path in (ROOT / "marketplace" / "briefs").rglob("*.py")
)


def test_the_brief_modules_are_all_read() -> None:
    """Every module of the briefs package, its services/ package's included."""
    assert {"models.py", "forms.py", "schema.py", "services/__init__.py"} <= set(BRIEF_MODULES)
    assert "services/workflow.py" in BRIEF_MODULES


@pytest.mark.parametrize("module", BRIEF_MODULES)
def test_the_brief_lifecycle_knows_nothing_of_plans(module: str) -> None:
    """Planning calls briefs, never the other way round (no hooks filled at import)."""
    imported = _imports(ROOT / "marketplace" / "briefs" / module)
    assert not {name for name in imported if name.startswith("marketplace.matching")}
    source = (ROOT / "marketplace" / "briefs" / module).read_text(encoding="utf-8")
    assert "STATUS_HOOKS" not in source
    assert "PLAN_CHECKS" not in source
