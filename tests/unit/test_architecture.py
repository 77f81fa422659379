"""The layers hold: pure packages import no framework, and no import closes a cycle."""

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "marketplace", "werkzeug", "jinja2")


def imported_modules(path: Path) -> list[str]:
    """List every module a source file imports, including relative and nested imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", ["pricing", "campaigns"])
def test_pure_packages_import_no_framework_database_or_app(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN or name.split(".")[0].startswith("flask_")
    ]
    assert offenders == []


def test_the_import_scanner_sees_nested_imports(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("def f():\n    from flask import g\n    import sqlalchemy.orm\n")
    assert imported_modules(source) == ["flask", "sqlalchemy.orm"]


# --- import cycles ---------------------------------------------------------------------------
#
# The layers (docs/architecture.md): pure `pricing/` and `campaigns/` at the bottom; in
# `marketplace/`, shared modules (db, extensions, errors, policy, outbox …) and every feature's
# `models.py`, then the features' services, then their views, then the app factory. A feature
# may import a lower feature, never a higher one; imports inside functions count the same.

PACKAGES = ("marketplace", "pricing", "campaigns")

#: Above every feature by design: the app factory, the list of features that it registers,
#: the root commands and the module that imports every model. Features never import them.
ROOTS = frozenset({"marketplace", "marketplace.features", "marketplace.cli", "marketplace.models"})

#: Entry points that build an app from inside a feature, and why.
ENTRY_POINTS = {
    ("marketplace.jobs.worker", "marketplace"): "a plain `rq worker` process builds its app",
}

#: Imports that still close a cycle, each with why and what ends it. An entry whose import is
#: gone, or no longer closes a cycle, fails the test below: this list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {}


def module_names(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Every module of `packages` under `root`, by dotted name (a package by its own name)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Which of these modules each module imports: at the top, in functions or for typing."""
    modules = module_names(root, packages)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - node.level + 1]
                    base = ".".join([*here, *([node.module] if node.module else [])])
                for alias in node.names:
                    # `from package import module` imports the module, not the package.
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else known(base))
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (strongly connected, more than one node)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def without(graph: dict[str, set[str]], edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """The graph without the roots and without these imports."""
    skip = set(edges)
    return {
        source: {t for t in targets if t not in ROOTS and (source, t) not in skip}
        for source, targets in graph.items()
        if source not in ROOTS
    }


def feature_of(module: str) -> str:
    """The node a module belongs to between features: `marketplace.<feature>`, its models apart.

    Every feature's tables sit below every feature's services (a plan row references a
    community row), so `<feature>.models` is a node of its own.
    """
    parts = module.split(".")
    if parts[0] != "marketplace" or len(parts) < 2:
        return module
    node = ".".join(parts[:2])
    return f"{node}.models" if parts[2:3] == ["models"] else node


def feature_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for source, targets in graph.items():
        if source.startswith("marketplace"):
            node = feature_of(source)
            result.setdefault(node, set()).update(
                feature_of(t) for t in targets if t.startswith("marketplace")
            )
    return {node: targets - {node} for node, targets in result.items()}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_no_module_imports_another_that_imports_it_back(graph: dict[str, set[str]]) -> None:
    assert cycles(without(graph, ALLOWED)) == []


def test_no_marketplace_feature_imports_a_feature_that_imports_it_back(
    graph: dict[str, set[str]],
) -> None:
    assert cycles(feature_graph(without(graph, ALLOWED))) == []


def test_only_entry_points_import_the_app_factory_and_the_feature_list(
    graph: dict[str, set[str]],
) -> None:
    into_roots = {
        (source, target)
        for source, targets in graph.items()
        if source not in ROOTS
        for target in targets
        if target in ROOTS
    }
    assert into_roots == set(ENTRY_POINTS)


def test_every_allowed_import_still_exists_and_still_closes_a_cycle(
    graph: dict[str, set[str]],
) -> None:
    stale = []
    for source, target in ALLOWED:
        others = without(graph, [edge for edge in ALLOWED if edge != (source, target)])
        in_cycle = any({source, target} <= set(group) for group in cycles(others))
        in_feature_cycle = any(
            {feature_of(source), feature_of(target)} <= set(group)
            for group in cycles(feature_graph(others))
        )
        if target not in graph.get(source, set()) or not (in_cycle or in_feature_cycle):
            stale.append((source, target))
    assert stale == [], "these imports no longer close a cycle: delete them from ALLOWED"


def test_the_cycle_finder_sees_loops_through_functions_typing_and_relative_imports(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    import pkg.c\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                  "    from pkg.a import thing\n")  # fmt: skip
    (package / "sub" / "__init__.py").write_text("from . import d\n")
    (package / "sub" / "d.py").write_text("from ..a import thing\nfrom . import e\n")
    (package / "sub" / "e.py").write_text("import os\nimport pkg.sub.d\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.sub.d"] == {"pkg.a", "pkg.sub.e"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.sub.d", "pkg.sub.e"]]
    assert cycles({**graph, "pkg.c": set()}) == [["pkg.sub.d", "pkg.sub.e"]]


def test_feature_nodes_keep_models_apart() -> None:
    assert feature_of("marketplace.catalog.services") == "marketplace.catalog"
    assert feature_of("marketplace.catalog.models") == "marketplace.catalog.models"
    assert feature_of("marketplace.policy") == "marketplace.policy"
    graph = {
        "marketplace.valuation.services": {"marketplace.catalog.models"},
        "marketplace.catalog.services": {"marketplace.valuation.services"},
    }
    assert cycles(feature_graph(graph)) == []
    graph["marketplace.valuation.services"].add("marketplace.catalog.search")
    assert cycles(feature_graph(graph)) == [["marketplace.catalog", "marketplace.valuation"]]


def is_shared_or_tables(module: str) -> bool:
    """A module below every feature's code: a feature's models, or a shared top-level module."""
    parts = module.split(".")
    if parts[0] != "marketplace" or module in ROOTS:
        return False
    if parts[2:3] == ["models"]:
        return True
    return len(parts) == 2 and not (ROOT / "marketplace" / parts[1]).is_dir()


def test_tables_and_shared_modules_import_no_feature_code(graph: dict[str, set[str]]) -> None:
    offenders = sorted(
        (source, target)
        for source, targets in graph.items()
        if is_shared_or_tables(source)
        for target in targets
        if target.startswith("marketplace") and not is_shared_or_tables(target)
    )
    assert offenders == []


def test_pricing_never_imports_campaigns(graph: dict[str, set[str]]) -> None:
    assert [
        (source, target)
        for source, targets in graph.items()
        if source.startswith("pricing")
        for target in targets
        if target.startswith("campaigns")
    ] == []


def test_stripe_is_imported_by_the_payment_gateway_alone() -> None:
    gateway = ROOT / "marketplace" / "finance" / "gateway.py"
    importers = [
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != gateway
        and any(name.split(".")[0] == "stripe" for name in imported_modules(path))
    ]
    assert importers == []


def test_shared_modules_and_tables_are_told_apart_from_feature_code() -> None:
    assert is_shared_or_tables("marketplace.policy")
    assert is_shared_or_tables("marketplace.catalog.models")
    assert not is_shared_or_tables("marketplace.catalog")
    assert not is_shared_or_tables("marketplace.catalog.services")
    assert not is_shared_or_tables("marketplace.features")
