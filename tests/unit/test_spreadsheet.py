"""The shared spreadsheet reader: zip bombs, over-long cells and titles, bounded messages."""

from __future__ import annotations

import io
import random
import string
import tracemalloc
import zipfile
from collections.abc import Iterable

import pytest
from openpyxl import Workbook

from marketplace import spreadsheet
from marketplace.spreadsheet import SpreadsheetError
from pricing.health import ZipBomb
from pricing.health.facebook import parse_facebook_xlsx

MIB = 1024 * 1024


def workbook(rows: list[list[object]]) -> bytes:
    """A real .xlsx written by openpyxl."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cell(text_chunks: Iterable[bytes], *, header: str = "name_he") -> bytes:
    """A real openpyxl workbook whose cell A2 is rewritten to hold `text_chunks`, streamed.

    The sheet is rewritten in the zip chunk by chunk, so even a bomb is never held in memory.
    """
    source = zipfile.ZipFile(io.BytesIO(workbook([[header], ["placeholder"]])))
    sheet = "xl/worksheets/sheet1.xml"
    before, after = source.read(sheet).split(b"placeholder")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info in source.infolist():
            if info.filename != sheet:
                rewritten.writestr(info, source.read(info))
                continue
            entry = zipfile.ZipInfo(sheet)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with rewritten.open(entry, "w", force_zip64=True) as part:
                part.write(before)
                for chunk in text_chunks:
                    part.write(chunk)
                part.write(after)
    return out.getvalue()


def xlsx_bomb(expanded: int) -> bytes:
    """A small workbook whose one cell expands to `expanded` bytes of "A"."""
    return with_cell(b"A" * MIB for _ in range(expanded // MIB))


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_expands_it() -> None:
    data = xlsx_bomb(40 * MIB)
    assert len(data) < 200_000  # a small file …
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError) as caught:
            spreadsheet.read_table(data, "catalog.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * MIB  # … refused without expanding it
    assert "expands" in caught.value.message
    assert "times its size" in caught.value.message
    assert len(caught.value.message) < 300


def test_a_workbook_over_the_archive_caps_is_refused() -> None:
    data = workbook([["name_he"], ["רצים"]])
    with pytest.raises(SpreadsheetError, match="would expand to"):
        spreadsheet.read_table(data, "c.xlsx", limits=spreadsheet.Limits(max_uncompressed=1000))
    with pytest.raises(SpreadsheetError, match="holds .* files"):
        spreadsheet.read_table(data, "c.xlsx", limits=spreadsheet.Limits(max_entries=3))


def test_the_facebook_workbook_reader_checks_the_archive_too() -> None:
    with pytest.raises(ZipBomb, match="times its size"):
        parse_facebook_xlsx(xlsx_bomb(20 * MIB))


def noise(length: int) -> str:
    """Text that does not compress much, so only the cell cap can refuse it."""
    rng = random.Random(length)
    return "".join(rng.choice(string.ascii_letters) for _ in range(length))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_over_long_cell_is_refused_naming_its_row_and_column(kind: str) -> None:
    long = noise(spreadsheet.MAX_CELL_CHARS + 1)
    rows = [["community_key", "name_he"], ["a", "רצים"], ["b", long]]
    if kind == "csv":
        data = "\n".join(",".join(row) for row in rows).encode()
    else:  # openpyxl cuts what it writes to Excel's limit; a crafted file does not
        data = with_cell([long.encode()])
        rows = [["name_he"], [long]]
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet.read_table(data, f"c.{kind}")
    assert (caught.value.row, caught.value.column) == (len(rows), "name_he")
    assert f"{spreadsheet.MAX_CELL_CHARS + 1} characters" in caught.value.message
    assert long[:100] not in str(caught.value)


def test_an_over_long_column_title_is_refused_naming_its_column() -> None:
    title = noise(spreadsheet.MAX_HEADER_CHARS + 1)
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet.read_table(f"community_key,{title}\na,b\n".encode(), "c.csv")
    assert (caught.value.row, caught.value.column) == (1, "B")
    assert title not in str(caught.value)


def test_rows_keep_the_numbers_a_person_sees_in_excel() -> None:
    sheet = spreadsheet.read_table(b"\xef\xbb\xbfa;b\n1;2\n;\n3;4\n\n", "c.csv")
    assert sheet.header == ["a", "b"]
    assert sheet.rows == [(2, ["1", "2"]), (4, ["3", "4"])]


def test_written_files_escape_formulas_and_read_back() -> None:
    header, rows = ["name", "n"], [["=1+1", 3], ["שלום", None]]
    csv_sheet = spreadsheet.read_table(spreadsheet.write_csv(header, rows), "x.csv")
    xlsx_sheet = spreadsheet.read_table(spreadsheet.write_xlsx(header, rows, title="T"), "x.xlsx")
    for sheet in (csv_sheet, xlsx_sheet):
        assert sheet.rows[0][1][0] == "'=1+1"
        assert spreadsheet.unescape_cell(sheet.rows[0][1][0]) == "=1+1"
        assert sheet.rows[1][1][0] == "שלום"


def test_shorten_bounds_what_a_message_quotes() -> None:
    assert spreadsheet.shorten("x" * 10_000) == "x" * 79 + "…"
    assert spreadsheet.shorten("short") == "short"


def test_control_characters_do_not_break_a_workbook_export() -> None:
    data = spreadsheet.write_xlsx(["name"], [["\0x"], ["a\x07b"], ["tab\there"]], title="T")
    rows = [cells[0] for _, cells in spreadsheet.read_table(data, "x.xlsx").rows]
    assert rows == ["'x", "ab", "tab\there"]


def test_column_letters_follow_excel() -> None:
    assert [spreadsheet.column_letter(n) for n in (1, 26, 27, 52, 703)] == [
        "A", "Z", "AA", "AZ", "AAA"
    ]  # fmt: skip


def test_written_cells_drop_bidi_overrides_and_still_escape_a_formula_behind_one() -> None:
    header, rows = ["name\u202e"], [["\u202egnp.exe"], ["\u202b=1+1"], ["\u2066isolated\u2069"]]
    for data, name in ((spreadsheet.write_csv(header, rows), "x.csv"),
                       (spreadsheet.write_xlsx(header, rows, title="T"), "x.xlsx")):  # fmt: skip
        sheet = spreadsheet.read_table(data, name)
        assert sheet.header == ["name"]
        assert [cells[0] for _, cells in sheet.rows] == ["gnp.exe", "'=1+1", "\u2066isolated\u2069"]
