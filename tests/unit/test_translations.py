"""Every user-facing string in the code and templates has a Hebrew translation."""

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_user_facing_string_has_a_hebrew_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
         "-k", "lazy_gettext", "-k", "_message", "--no-location", "-o", str(pot), str(ROOT)]
    )  # fmt: skip
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "marketplace/translations/he/LC_MESSAGES/messages.po").open("rb") as f:
        hebrew = {m.id: m for m in read_po(f) if m.id}
    assert len(wanted) > 100, "extraction found too few strings: is babel.cfg right?"
    missing = sorted(str(i) for i in wanted if i not in hebrew or not hebrew[i].string)
    assert missing == [], "run `make translations-update`, then translate these"
    assert sorted(str(i) for i in wanted if hebrew[i].fuzzy) == []


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    # The same check `pybabel compile` runs: a literal "%" in a message can look like a
    # placeholder ("50% or" reads as "% o") and must then match in the translation.
    with (ROOT / "marketplace/translations/he/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_no_message_is_translated_twice() -> None:
    """Features append their messages to the catalogs; a message added twice is one too many
    (gettext's msgfmt refuses such a catalog, and which translation wins is left to chance)."""
    for po in sorted((ROOT / "marketplace" / "translations").glob("*/LC_MESSAGES/messages.po")):
        lines = po.read_text(encoding="utf-8").splitlines()
        seen: set[tuple[str, str]] = set()
        duplicates = []
        context = ""
        for number, line in enumerate(lines):
            if line.startswith("msgctxt "):
                context = line
            elif line.startswith("msgid "):
                whole = [line]  # a long message goes on over the next quoted lines
                for more in lines[number + 1 :]:
                    if not more.startswith('"'):
                        break
                    whole.append(more)
                key = (context, "".join(whole))
                if key in seen and key != ("", 'msgid ""'):
                    duplicates.append(f"{po.parent.parent.name}:{number + 1} {whole}")
                seen.add(key)
                context = ""
        assert duplicates == [], duplicates


def test_every_job_reports_its_progress_in_the_requesters_language() -> None:
    """A job's progress line is shown on the requester's page: a bare string literal passed to
    `ctx.progress` would be English on a Hebrew page (the worker runs each job under its
    requester's locale, so `_()` is enough)."""
    import ast

    untranslated = []
    for path in sorted((ROOT / "marketplace").glob("**/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "progress"
            ):
                args = list(node.args[1:]) + [k.value for k in node.keywords if k.arg == "message"]
                if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                    untranslated.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    assert untranslated == []


def test_no_money_label_left_asking_for_agorot() -> None:
    """Money is typed in shekels (major units) everywhere now: the old "(agorot)" labels were
    dead entries, and a translator reading the catalog would think they are still shown."""
    with (ROOT / "marketplace/translations/he/LC_MESSAGES/messages.po").open("rb") as f:
        ids = [str(m.id) for m in read_po(f) if m.id]
    assert [i for i in ids if "(agorot" in i] == []
