"""Bulk import and export on real files: every malformed file is named precisely, writes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.catalog import exports, imports
from marketplace.catalog.columns import COLUMNS
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    CommunityFacet,
    MetricSnapshot,
    RateCard,
)
from marketplace.extensions import db
from pricing.taxonomy import EvidenceTier, MetricKind

CORPUS = Path(__file__).resolve().parents[1] / "data" / "catalog_import"
EXPECTED: dict[str, list[list[Any]]] = json.loads((CORPUS / "expected.json").read_text("utf-8"))
VALID = sorted(name for name, problems in EXPECTED.items() if not problems)
MALFORMED = sorted(name for name, problems in EXPECTED.items() if problems)


@pytest.fixture
def ctx(app: Flask, make_user: Any) -> Any:
    make_user("owner", email="owner@example.com")
    staff = make_user("staff")
    with app.test_request_context(), force_locale("en"):
        yield db.session, db.session.get(User, staff.id)


def counts(session: Any) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Community, ChannelAsset, RateCard, MetricSnapshot, CommunityFacet)
    }


def plan(session: Any, staff: User, name: str, data: bytes | None = None) -> imports.ImportPlan:
    body = (CORPUS / name).read_bytes() if data is None else data
    return imports.plan_import(session, body, name, actor=staff)


def test_the_corpus_has_at_least_30_malformed_files() -> None:
    assert len(MALFORMED) >= 30
    assert {p.suffix for p in CORPUS.iterdir()} >= {".csv", ".xlsx", ".json"}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_file_is_refused_with_its_row_and_column(ctx: Any, name: str) -> None:
    session, staff = ctx
    result = plan(session, staff, name)
    assert not result.ok
    for row, column, fragment in EXPECTED[name]:
        assert any(
            p.row == row and p.column == column and fragment in p.message for p in result.problems
        ), f"{name}: expected ({row}, {column}, {fragment!r}) in {list(map(str, result.problems))}"
    with pytest.raises(ValueError, match="problems"):
        imports.apply_import(session, result, actor=staff)
    assert counts(session)["Community"] == 0


@pytest.mark.parametrize("name", VALID)
def test_a_valid_file_in_any_encoding_imports_everything_once(ctx: Any, name: str) -> None:
    session, staff = ctx
    result = plan(session, staff, name)
    assert result.problems == []
    assert result.summary["new_communities"] == 2
    imports.apply_import(session, result, actor=staff)
    session.commit()
    after_first = counts(session)
    assert after_first["Community"] == 2
    assert after_first["ChannelAsset"] == 3
    runners = session.scalar(select(Community).where(Community.external_key == "tlv-runners"))
    assert runners.name_he == "רצים בתל אביב"
    assert runners.topics == ["fitness", "local"]
    assert runners.total_size == 640 + 5200
    whatsapp = next(a for a in runners.assets if a.platform.value == "whatsapp_group")
    assert {r.placement.value: r.amount_minor for r in whatsapp.rates}["post"] == 35_000
    parents = session.scalar(select(Community).where(Community.external_key == "haifa-parents"))
    assert parents.assets[0].size == 18_400  # "18,400" with a thousands separator
    assert parents.best_evidence == EvidenceTier.VERIFIED
    # The same file again: nothing new, nothing duplicated.
    again = plan(session, staff, name)
    assert again.ok
    assert again.summary["new_communities"] == 0
    assert again.summary["new_figures"] == 0
    imports.apply_import(session, again, actor=staff)
    session.commit()
    assert counts(session) == after_first


def test_a_figure_that_jumps_50_times_is_refused_on_reimport(ctx: Any) -> None:
    session, staff = ctx
    imports.apply_import(session, plan(session, staff, "valid_utf8.csv"), actor=staff)
    session.commit()
    text = (CORPUS / "valid_utf8.csv").read_text("utf-8")
    jumped = text.replace("5200,one_to_many", "520000,one_to_many").replace(
        "2026-10-01", "2026-11-01"
    )
    result = plan(session, staff, "jump.csv", jumped.encode())
    assert any(p.row == 3 and p.column == "size" and "moved" in p.message for p in result.problems)


def test_a_newer_figure_is_added_to_the_history_not_overwritten(ctx: Any) -> None:
    session, staff = ctx
    imports.apply_import(session, plan(session, staff, "valid_utf8.csv"), actor=staff)
    session.commit()
    text = (CORPUS / "valid_utf8.csv").read_text("utf-8").replace(",640,", ",700,")
    newer = text.replace("2026-10-01", "2026-11-10")
    result = plan(session, staff, "newer.csv", newer.encode())
    assert result.ok
    imports.apply_import(session, result, actor=staff)
    session.commit()
    asset = session.scalar(select(ChannelAsset).where(ChannelAsset.url_key.like("%runtlv01")))
    members = [m.value for m in asset.metrics if m.kind == MetricKind.MEMBERS]
    assert members == [640, 700]
    assert asset.size == 700


def test_an_address_owned_by_another_community_is_refused(ctx: Any) -> None:
    session, staff = ctx
    imports.apply_import(session, plan(session, staff, "valid_utf8.csv"), actor=staff)
    session.commit()
    lines = (CORPUS / "valid_utf8.csv").read_text("utf-8").splitlines()
    thief = lines[3].replace("haifa-parents", "thief").replace("facebook_group", "whatsapp_group")
    thief = thief.replace(
        "https://www.facebook.com/groups/haifa.parents", "chat.whatsapp.com/RunTLV01"
    )
    thief = thief.replace('"18,400"', "400").replace(",2600,", ",40,")
    result = plan(session, staff, "thief.csv", f"{lines[0]}\n{thief}\n".encode())
    assert any(p.column == "url" and "another community" in p.message for p in result.problems), [
        str(p) for p in result.problems
    ]


def test_a_file_over_the_size_cap_is_refused_before_parsing(ctx: Any) -> None:
    session, staff = ctx
    result = plan(session, staff, "huge.csv", b"x" * (imports.MAX_IMPORT_BYTES + 1))
    assert [str(p) for p in result.problems] == [
        "file: The file is 20.0 MB; imports are limited to 20 MB. Split it into several files."
    ]


def test_only_staff_import(ctx: Any, make_user: Any) -> None:
    session, _staff = ctx
    owner = session.scalar(select(User).where(User.email == "owner@example.com"))
    result = imports.plan_import(
        session, (CORPUS / "valid_utf8.csv").read_bytes(), "x.csv", actor=owner
    )
    assert "Only agency staff" in result.problems[0].message


DANGEROUS = ['=HYPERLINK("http://evil")', "+972-50-000", "-1+1", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "\0x"])
def test_every_formula_trigger_is_escaped(value: str) -> None:
    assert spreadsheet.escape_cell(value) == "'" + value
    assert spreadsheet.escape_cell("שלום =1") == "שלום =1"
    assert spreadsheet.escape_cell(42) == 42


def test_export_neutralises_formulas_and_round_trips_unchanged(ctx: Any) -> None:
    session, staff = ctx
    imports.apply_import(session, plan(session, staff, "valid_utf8.csv"), actor=staff)
    session.commit()
    runners = session.scalar(select(Community).where(Community.external_key == "tlv-runners"))
    runners.name_en = DANGEROUS[0]
    runners.city = DANGEROUS[1]
    runners.dna_tone = DANGEROUS[2]
    runners.description = DANGEROUS[3]
    runners.need_answered = DANGEROUS[4]
    session.commit()
    before = counts(session)
    rows = exports.export_rows(session, actor=staff)
    exported = exports.export_file(rows, "csv")
    assert exported.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 Hebrew correctly with a BOM
    cells = [cell for row in csv.reader(io.StringIO(exported.decode("utf-8-sig"))) for cell in row]
    for value in DANGEROUS:
        assert "'" + value in cells
        assert value not in cells
    workbook = load_workbook(io.BytesIO(exports.export_file(rows, "xlsx")))
    xlsx_cells = {c.value for row in workbook.active.iter_rows() for c in row}
    assert "'" + DANGEROUS[0] in xlsx_cells
    for fmt in ("csv", "xlsx", "json"):
        again = plan(session, staff, f"export.{fmt}", exports.export_file(rows, fmt))
        assert again.problems == [], fmt
        assert again.summary["new_figures"] == 0
        imports.apply_import(session, again, actor=staff)
        session.commit()
        assert counts(session) == before
        session.refresh(runners)
        assert runners.name_en == DANGEROUS[0]
        assert runners.need_answered == DANGEROUS[4]


def test_hebrew_headers_export_reimports(ctx: Any) -> None:
    session, staff = ctx
    imports.apply_import(session, plan(session, staff, "valid_utf8.csv"), actor=staff)
    session.commit()
    rows = exports.export_rows(session, actor=staff)
    data = exports.export_file(rows, "csv", hebrew_headers=True)
    assert "מפתח קהילה" in data.decode("utf-8-sig").splitlines()[0]
    assert plan(session, staff, "he.csv", data).ok


def test_the_documented_examples_match_the_schema_and_import(ctx: Any) -> None:
    from jsonschema import Draft202012Validator

    docs = Path(__file__).resolve().parents[2] / "docs"
    schema = json.loads((docs / "catalog-import.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    example = json.loads((docs / "examples" / "catalog.json").read_text("utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(example)) == []
    community = schema["properties"]["communities"]["items"]["properties"]
    asset = community["assets"]["items"]["properties"]
    documented = set(community) | set(asset) | {f"rate_{p}" for p in asset["rates"]["properties"]}
    documented |= set(asset["metrics"]["properties"])
    assert set(COLUMNS) <= documented  # the schema names every column the importer reads
    session, staff = ctx
    for name in ("catalog.json", "catalog.csv"):
        data = (docs / "examples" / name).read_bytes()
        assert imports.plan_import(session, data, name, actor=staff).problems == []


LONG = "Q" * 5_000  # far under the cell cap, far over what a message may quote


def test_no_problem_quotes_more_than_a_short_piece_of_the_file(ctx: Any) -> None:
    session, staff = ctx
    header = (CORPUS / "valid_utf8.csv").read_text("utf-8").splitlines()[0]
    columns = [*next(csv.reader([header])), "status", "posts_per_week"]
    echoed = ["owner_email", "status", "region", "topics", "platform", "size", "currency",
              "as_of", "evidence", "interaction_mode", "posts_per_week"]  # fmt: skip
    assert set(echoed) <= set(columns)
    cells = dict.fromkeys(echoed, LONG) | {"community_key": "k", "name_he": "שם", "rate_post": "1"}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerow([cells.get(c, "") for c in columns])
    result = plan(session, staff, "long.csv", out.getvalue().encode())
    assert {p.column for p in result.problems} >= set(echoed) - {"owner_email", "size"}
    for problem in result.problems:
        assert len(str(problem)) < 600, str(problem)
        assert "Q" * 100 not in str(problem)


def test_a_huge_number_is_refused_without_being_quoted_back(ctx: Any) -> None:
    session, staff = ctx
    lines = (CORPUS / "valid_utf8.csv").read_text("utf-8").splitlines()
    size = next(csv.reader([lines[0]])).index("size")
    row = next(csv.reader([lines[1]]))
    row[size] = "9" * 5_000
    out = io.StringIO()
    csv.writer(out).writerows([next(csv.reader([lines[0]])), row])
    result = plan(session, staff, "big.csv", out.getvalue().encode())
    problem = next(p for p in result.problems if p.column == "size")
    assert "more digits than any real figure" in problem.message
    assert len(str(problem)) < 200


def test_a_rate_beyond_the_rate_card_column_is_a_problem_not_a_crash(ctx: Any) -> None:
    """A rate of "1e30" (or twenty nines) passed every check and overflowed the rate card's
    integer column when the plan was applied: a 500 after the preview had said all was well."""
    session, staff = ctx
    lines = (CORPUS / "valid_utf8.csv").read_text("utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    for rate, refused in (("1e30", True), ("99999999999999999999", True),
                          ("20000000.01", True), ("20000000", False)):  # fmt: skip
        row = next(csv.reader([lines[1]]))
        row[header.index("rate_post")] = rate
        out = io.StringIO()
        csv.writer(out).writerows([header, row])
        result = plan(session, staff, "rates.csv", out.getvalue().encode())
        problems = [p for p in result.problems if p.column == "rate_post"]
        assert bool(problems) is refused, (rate, list(map(str, result.problems)))
        if refused:
            assert "at most 20,000,000 ILS" in problems[0].message
    assert counts(session)["RateCard"] == 0


def test_json_names_and_values_are_shortened_in_problems(ctx: Any) -> None:
    session, staff = ctx
    document = {"format": LONG, "communities": []}
    result = plan(session, staff, "c.json", json.dumps(document).encode())
    assert "not a Kesher catalog" in result.problems[0].message
    assert len(result.problems[0].message) < 200
    entry = {"community_key": "k", LONG: 1, "assets": [{"platform": "telegram_channel", LONG: 2}]}
    result = plan(session, staff, "c.json", json.dumps({"communities": [entry]}).encode())
    assert len(result.problems) == 2
    assert all(len(str(p)) < 250 for p in result.problems)


def test_an_unknown_over_long_column_title_is_shortened(ctx: Any) -> None:
    session, staff = ctx
    data = (CORPUS / "valid_utf8.csv").read_bytes().replace(b"size", b"S" * 150, 1)
    result = plan(session, staff, "c.csv", data)
    unknown = next(p for p in result.problems if "Unknown column" in p.message)
    assert unknown.row == 1
    assert len(unknown.column or "") <= 80


def test_an_xlsx_zip_bomb_is_a_short_file_problem(ctx: Any) -> None:
    from tests.unit.test_spreadsheet import xlsx_bomb

    session, staff = ctx
    result = plan(session, staff, "bomb.xlsx", xlsx_bomb(40 * 1024 * 1024))
    assert [p.row for p in result.problems] == [None]
    assert "times its size" in result.problems[0].message
    assert len(str(result.problems[0])) < 300


def test_an_over_long_cell_is_a_problem_at_its_row_and_column(ctx: Any) -> None:
    session, staff = ctx
    lines = (CORPUS / "valid_utf8.csv").read_text("utf-8").splitlines()
    columns = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[2]]))
    row[columns.index("city")] = "x" * (spreadsheet.MAX_CELL_CHARS + 1)
    out = io.StringIO()
    csv.writer(out).writerows([columns, next(csv.reader([lines[1]])), row])
    result = plan(session, staff, "c.csv", out.getvalue().encode())
    assert [(p.row, p.column) for p in result.problems] == [(3, "city")]
    assert "32768 characters" in result.problems[0].message
