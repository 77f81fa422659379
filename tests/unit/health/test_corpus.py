"""The committed corpus is exactly what the seeded generator writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit.health.helpers import CORPUS


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules[spec.name])
    module = sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    target = tmp_path_factory.mktemp("corpus")
    return target, _generator().build(target)


def test_the_generator_rewrites_the_committed_corpus_byte_for_byte(
    regenerated: tuple[Path, dict[str, int]],
) -> None:
    target, sizes = regenerated
    differing = [
        name for name in sizes if (target / name).read_bytes() != (CORPUS / name).read_bytes()
    ]
    assert differing == []
    assert len(sizes) == 15


def test_every_corpus_file_is_small(regenerated: tuple[Path, dict[str, int]]) -> None:
    _, sizes = regenerated
    assert max(sizes.values()) < 50_000


def test_the_big_export_writer_writes_the_requested_number_of_messages(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    size = _generator().write_big_whatsapp(path, 3000)
    text = path.read_text(encoding="utf-8")
    assert size == len(text.encode("utf-8"))
    headers = [line for line in text.splitlines() if line[:2].isdigit()]
    assert len(headers) == 3000 + 1  # and one join line (every 2,000 messages)
