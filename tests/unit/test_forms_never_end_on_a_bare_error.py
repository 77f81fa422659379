"""No view answers a failed form with a bare error page when the form holds typed input.

`if not form.validate_on_submit(): raise …` loses everything the person typed. It is only
acceptable for forms of buttons, hidden fields and tick boxes (nothing typed to lose);
every other form must re-render with its errors (see tests/http/test_forms_come_back.py).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from wtforms import BooleanField, HiddenField, SubmitField

ROOT = Path(__file__).resolve().parents[2]
#: Fields that carry nothing a person typed.
UNTYPED = (SubmitField, HiddenField, BooleanField)


def _raising_on_invalid() -> list[tuple[str, str, str]]:
    """(module, view, form class) for each `if not F(...).validate_on_submit(): raise`."""
    found = []
    for path in sorted((ROOT / "marketplace").glob("*/views.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for view in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            forms = {}
            for node in ast.walk(view):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)
                    and node.value.func.id.endswith("Form")
                ):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            forms[target.id] = node.value.func.id
            for node in ast.walk(view):
                if not (
                    isinstance(node, ast.If)
                    and isinstance(node.test, ast.UnaryOp)
                    and isinstance(node.test.op, ast.Not)
                    and isinstance(node.test.operand, ast.Call)
                    and isinstance(node.test.operand.func, ast.Attribute)
                    and node.test.operand.func.attr == "validate_on_submit"
                    and isinstance(node.body[0], ast.Raise)
                ):
                    continue
                owner = node.test.operand.func.value
                if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name):
                    found.append((module, view.name, owner.func.id))
                elif isinstance(owner, ast.Name) and owner.id in forms:
                    found.append((module, view.name, forms[owner.id]))
                else:
                    found.append((module, view.name, "?"))
    return found


def test_only_forms_without_typed_input_may_end_on_an_error_page() -> None:
    offenders = []
    for module, view, form_name in _raising_on_invalid():
        views = importlib.import_module(module)
        form_class = getattr(views, form_name, None)
        if form_class is None:  # imported inside the view: look in the feature's forms.py
            forms = importlib.import_module(module.removesuffix("views") + "forms")
            form_class = getattr(forms, form_name, None)
        if form_class is None:
            offenders.append(f"{module}.{view}: cannot tell which form")
            continue
        typed = [
            name
            for name, unbound in vars(form_class).items()
            if hasattr(unbound, "field_class") and not issubclass(unbound.field_class, UNTYPED)
        ]
        if typed:
            offenders.append(f"{module}.{view} ({form_name}: {', '.join(typed)})")
    assert offenders == [], "these views lose typed input on a mistake: re-render the form"


def test_the_check_finds_the_pattern() -> None:
    found = _raising_on_invalid()
    assert found, "the AST walk found no view at all: has the pattern changed?"
