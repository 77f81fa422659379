"""Zip files as owners really send them: several chats, odd member names, nested folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pricing.health import UnknownLayout
from tests.unit.health.helpers import kinds, parse, wa

RUNNERS = wa(
    ("2024-03-01 10:00", None, 'Dana created group "Runners"'),
    ("2024-03-01 10:01", "Dana", "Morning run at 6"),
    ("2024-03-01 10:02", "Avi", "I'm in"),
    ("2024-03-01 10:03", "Noa", "<Media omitted>"),
)
CYCLISTS = RUNNERS.replace(b"Runners", b"Cyclists").replace(b"Avi", b"Ron")


def zipped(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_of_two_chats_is_refused_rather_than_one_picked_at_random() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", RUNNERS),
        ("WhatsApp Chat with Cyclists.txt", CYCLISTS),
    )
    with pytest.raises(UnknownLayout) as caught:
        parse(data, "exports.zip")
    assert caught.value.code == "unknown_layout"
    assert "holds 2 WhatsApp chats" in str(caught.value)
    assert "WhatsApp Chat with Cyclists.txt" in str(caught.value)


def test_two_iphone_exports_zipped_together_in_their_folders_are_refused() -> None:
    data = zipped(("Runners/_chat.txt", RUNNERS), ("Cyclists/_chat.txt", CYCLISTS))
    with pytest.raises(UnknownLayout, match="one group at a time"):
        parse(data, "both.zip")


def test_a_chat_beside_a_shared_text_document_is_still_read() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", RUNNERS),
        ("Training plan.txt", "Week 1: 3 × 5 km\nWeek 2: 3 × 6 km\n".encode()),
    )
    assert kinds(parse(data, "chat.zip"))["message"] == 2


@pytest.mark.parametrize(
    "name",
    ["../../etc/_chat.txt", "/abs/_chat.txt", "a/b/c/d/WhatsApp Chat with Runners.txt"],
)
def test_member_names_outside_the_archive_are_read_in_memory_never_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parsed = parse(zipped((name, RUNNERS)), "chat.zip")
    assert kinds(parsed)["message"] == 2
    assert list(tmp_path.iterdir()) == []
