"""Views end their transaction through `marketplace.web.unit_of_work` and read input through forms.

A hand-written commit in a view is how a change ends up committed half-way, flashed as
"Saved" before the commit failed, or left in the session after an error; the helper owns the
commit, the rollback and the success message in one place.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: (file, function) pairs that may end a transaction themselves, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {}

FORBIDDEN = {"commit", "rollback"}


def transaction_calls(source: str) -> list[tuple[str, int]]:
    """Every `<anything>.commit()` / `.rollback()` call: (enclosing function, line)."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in FORBIDDEN
            ):
                found.append((function, child.lineno))
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return found


def test_the_scan_finds_a_hand_written_commit_and_rollback() -> None:
    source = (
        "def save():\n"
        "    services.save(db.session)\n"
        "    db.session.commit()\n"
        "def undo():\n"
        "    def inner():\n"
        "        session.rollback()\n"
    )
    assert transaction_calls(source) == [("save", 3), ("inner", 6)]
    assert transaction_calls("with unit_of_work():\n    services.save(db.session)\n") == []


def test_no_view_commits_or_rolls_back_by_hand() -> None:
    offenders = []
    views = sorted((ROOT / "marketplace").glob("**/views.py"))
    assert views, "no views found"
    for path in views:
        relative = path.relative_to(ROOT).as_posix()
        for function, line in transaction_calls(path.read_text(encoding="utf-8")):
            if (relative, function) not in ALLOWED:
                offenders.append(f"{relative}:{line} in {function}()")
    assert offenders == [], "use marketplace.web.unit_of_work (or discard_changes) instead"


def test_every_allowed_exception_is_still_needed() -> None:
    for relative, function in ALLOWED:
        calls = transaction_calls((ROOT / relative).read_text(encoding="utf-8"))
        assert any(name == function for name, _line in calls), (relative, function)


def form_reads(source: str) -> list[int]:
    """Lines that read `request.form` (or `.files`) instead of going through a form class."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr in {"form", "files"}
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


def test_the_scan_finds_a_raw_form_read() -> None:
    assert form_reads("x = request.form.get('note')\ny = request.files['f']\n") == [1, 2]
    assert form_reads("form = NoteForm()\nx = form.note.data\n") == []


def test_no_view_parses_posted_fields_by_hand() -> None:
    """Every posted input goes through a WTForms form in the feature's forms.py."""
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in sorted((ROOT / "marketplace").glob("**/views.py"))
        for line in form_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


#: Feature packages with views but no services.py of their own, and why.
NO_SERVICES = {
    "api": "a JSON face over the other features' services; its request schemas are api/spec/",
    "orgs": "the organisation and its members and tokens are auth's (auth/services.py)",
}


def test_every_feature_with_pages_has_its_services_and_keeps_its_forms_in_forms_py() -> None:
    missing, forms_in_views = [], []
    for views in sorted((ROOT / "marketplace").glob("*/views.py")):
        package = views.parent
        if not has_services(package) and package.name not in NO_SERVICES:
            missing.append(package.name)
        tree = ast.parse(views.read_text(encoding="utf-8"))
        forms_in_views += [
            f"{package.name}.{node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(getattr(base, "id", "") == "FlaskForm" for base in node.bases)
        ]
    assert missing == []
    assert forms_in_views == []
    for name in NO_SERVICES:
        assert not has_services(ROOT / "marketplace" / name), name


def has_services(package: Path) -> bool:
    """A feature's services are a module, or a package of modules once they outgrow one file."""
    return (package / "services.py").exists() or (package / "services" / "__init__.py").exists()
