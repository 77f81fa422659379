"""No module of ours calls another module's private function: each exposes what others use.

A view that reached into ``services._pure`` bound itself to a helper the service may rename or
change at will; the service now offers it publicly. This reads every module's imports and
flags ``module._name`` where ``module`` is one of Kesher's own packages' modules.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("marketplace", "pricing", "campaigns")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package: a name in it
        return False


def private_uses(source: str) -> list[str]:
    """``alias._name`` uses in ``source`` where ``alias`` names a module of our packages."""
    tree = ast.parse(source)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OURS:
            modules.update(
                a.asname or a.name for a in node.names if _is_module(f"{node.module}.{a.name}")
            )
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name.split(".")[0] in OURS)
    return [
        f"{node.value.id}.{node.attr} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def test_the_checker_sees_a_private_use() -> None:
    assert private_uses("from marketplace.deals import services\nservices._pure(1, 2)\n") == [
        "services._pure (line 2)"
    ]
    assert private_uses("from marketplace.deals import services\nservices.pure_deal_of(1)\n") == []


def test_no_module_calls_another_modules_private_function() -> None:
    found = {
        str(path.relative_to(ROOT)): uses
        for package in OURS
        for path in sorted((ROOT / package).rglob("*.py"))
        if (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}
