"""The pure packages stay pure: no web framework, no database, no app code."""

import ast
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
