"""Write the catalog-import corpus: valid files in every encoding and format, and malformed ones.

Run `python tests/data/catalog_import/make_corpus.py` to regenerate; the files and
expected.json beside this script are committed. Each malformed file has the problems it must
produce in expected.json: (row, column, a fragment of the message).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
OWNER = "owner@example.com"

HEADERS = ["community_key", "owner_email", "name_he", "name_en", "topics", "languages", "region",
           "city", "platform", "url", "size", "interaction_mode", "currency", "rate_post",
           "rate_pinned_post", "as_of", "evidence", "active_members", "source"]  # fmt: skip
HEBREW = ["מפתח קהילה", "מייל בעלים", "שם בעברית", "שם באנגלית", "נושאים", "שפות", "אזור", "עיר",
          "פלטפורמה", "קישור", "גודל", "אופי אינטראקציה", "מטבע", "מחיר פוסט", "מחיר פוסט נעוץ",
          "נכון לתאריך", "רמת הוכחה", "חברים פעילים", "מקור"]  # fmt: skip
ROWS = [
    ["tlv-runners", OWNER, "רצים בתל אביב", "TLV Runners", "fitness, local", "he", "tel_aviv",
     "תל אביב", "whatsapp_group", "https://chat.whatsapp.com/RunTLV01", "640", "many_to_many",
     "ILS", "350", "500.50", "2026-10-01", "self_reported", "310", "ספירה של המנהלת"],
    ["tlv-runners", OWNER, "רצים בתל אביב", "TLV Runners", "fitness, local", "he", "tel_aviv",
     "תל אביב", "instagram", "https://www.instagram.com/tlv.runners", "5200", "one_to_many",
     "ILS", "800", "", "2026-10-01", "self_reported", "", ""],
    ["haifa-parents", OWNER, "הורים צעירים בחיפה", "", "parenting", "he, en", "haifa", "חיפה",
     "facebook_group", "https://www.facebook.com/groups/haifa.parents", "18,400", "many_to_many",
     "ILS", "1200", "", "01/09/2026", "verified", "2600", "אומת בשיחה"],
]  # fmt: skip


def csv_text(headers: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def with_cell(column: str, value: str, row: int = 0) -> list[list[str]]:
    rows = [list(r) for r in ROWS]
    rows[row][HEADERS.index(column)] = value
    return rows


def write(name: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    (HERE / name).write_bytes(data)


def main() -> None:
    expected: dict[str, list[list[object]]] = {}

    def bad(name: str, content: str | bytes, *problems: tuple[int | None, str | None, str]) -> None:
        write(name, content)
        expected[name] = [list(p) for p in problems]

    def good(name: str, content: str | bytes) -> None:
        write(name, content)
        expected[name] = []

    good("valid_utf8.csv", csv_text(HEADERS, ROWS))
    good("valid_utf8_bom.csv", b"\xef\xbb\xbf" + csv_text(HEADERS, ROWS).encode())
    good("valid_windows1255_hebrew_headers.csv", csv_text(HEBREW, ROWS).encode("cp1255"))
    good("valid_utf16_excel_unicode_text.csv", csv_text(HEADERS, ROWS, "\t").encode("utf-16"))
    good("valid_semicolons.csv", csv_text(HEADERS, ROWS, ";"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEBREW)
    for row in ROWS:
        sheet.append([int(c) if c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    good("valid_hebrew_headers.xlsx", buffer.getvalue())
    communities: dict[str, dict[str, object]] = {}
    for row in ROWS:
        record = dict(zip(HEADERS, row, strict=True))
        entry = communities.setdefault(record["community_key"], {
            "community_key": record["community_key"], "owner_email": OWNER,
            "name_he": record["name_he"], "name_en": record["name_en"],
            "topics": [t.strip() for t in record["topics"].split(",")],
            "languages": [t.strip() for t in record["languages"].split(",")],
            "region": record["region"], "city": record["city"], "assets": [],
        })  # fmt: skip
        asset = {k: record[k] for k in ("platform", "url", "size", "interaction_mode", "currency",
                                        "as_of", "evidence", "source")}  # fmt: skip
        asset["rates"] = {"post": record["rate_post"]}
        if record["active_members"]:
            asset["metrics"] = {"active_members": int(record["active_members"])}
        entry["assets"].append(asset)  # type: ignore[union-attr]
    document = {"format": "kesher-catalog", "version": 1, "communities": list(communities.values())}
    good("valid.json", json.dumps(document, ensure_ascii=False, indent=2))

    bad("empty.csv", "", (None, None, "empty"))
    bad("only_whitespace.csv", "  \r\n\r\n", (None, None, "empty"))
    bad("header_only.csv", csv_text(HEADERS, []), (None, None, "no rows"))
    bad("unknown_column.csv", csv_text([*HEADERS, "followers"], [[*r, "1"] for r in ROWS]),
        (1, "followers", "Unknown column"))  # fmt: skip
    no_size = [h for h in HEADERS if h != "size"]
    bad("missing_size_column.csv",
        csv_text(no_size, [[c for h, c in zip(HEADERS, r, strict=True) if h != "size"] for r in ROWS]),
        (1, "size", "Required column"))  # fmt: skip
    bad("duplicate_column.csv", csv_text([*HEADERS, "גודל"], [[*r, "5"] for r in ROWS]),
        (1, "גודל", "Duplicate column"))  # fmt: skip
    no_names = [h for h in HEADERS if not h.startswith("name_")]
    bad("no_name_column.csv",
        csv_text(no_names, [[c for h, c in zip(HEADERS, r, strict=True) if not h.startswith("name_")] for r in ROWS]),
        (1, "name_he", "name column"))  # fmt: skip
    bad("negative_size.csv", csv_text(HEADERS, with_cell("size", "-40")), (2, "size", "negative"))
    bad("whatsapp_group_over_the_cap.csv", csv_text(HEADERS, with_cell("size", "4000")),
        (2, "size", "at most"))  # fmt: skip
    bad("absurd_size.csv", csv_text(HEADERS, with_cell("size", "9000000000", 2)),
        (4, "size", "plausible"))  # fmt: skip
    bad("size_not_whole.csv", csv_text(HEADERS, with_cell("size", "640.5")),
        (2, "size", "whole number"))  # fmt: skip
    bad("empty_size.csv", csv_text(HEADERS, with_cell("size", "")), (2, "size", "is empty"))
    bad("url_of_another_platform.csv",
        csv_text(HEADERS, with_cell("url", "https://t.me/tlvrunners")), (2, "url", "not a"))  # fmt: skip
    bad("rate_without_currency.csv", csv_text(HEADERS, with_cell("currency", "")),
        (2, "currency", "needs a currency"))  # fmt: skip
    bad("unknown_currency.csv", csv_text(HEADERS, with_cell("currency", "GBP")),
        (2, "currency", "GBP"))  # fmt: skip
    bad("rate_not_a_number.csv", csv_text(HEADERS, with_cell("rate_post", "שלוש מאות")),
        (2, "rate_post", "not a number"))  # fmt: skip
    bad("rate_with_fractions_of_an_agora.csv", csv_text(HEADERS, with_cell("rate_post", "350.505")),
        (2, "rate_post", "two decimal places"))  # fmt: skip
    bad(
        "rate_zero.csv",
        csv_text(HEADERS, with_cell("rate_post", "0")),
        (2, "rate_post", "above zero"),
    )
    bad("unknown_platform.csv", csv_text(HEADERS, with_cell("platform", "myspace")),
        (2, "platform", "myspace"))  # fmt: skip
    bad("unknown_topic.csv", csv_text(HEADERS, with_cell("topics", "fitness, astrology")),
        (2, "topics", "astrology"))  # fmt: skip
    bad("unknown_region.csv", csv_text(HEADERS, with_cell("region", "mars")),
        (2, "region", "not one of"))  # fmt: skip
    bad("unknown_evidence_tier.csv", csv_text(HEADERS, with_cell("evidence", "trust_me")),
        (2, "evidence", "not one of"))  # fmt: skip
    bad("date_not_a_date.csv", csv_text(HEADERS, with_cell("as_of", "last week")),
        (2, "as_of", "not a date"))  # fmt: skip
    bad("date_in_the_future.csv", csv_text(HEADERS, with_cell("as_of", "2099-01-01")),
        (2, "as_of", "future"))  # fmt: skip
    bad("active_members_over_the_cap.csv", csv_text(HEADERS, with_cell("active_members", "5000")),
        (2, "active_members", "at most"))  # fmt: skip
    newsletter = [[*ROWS[0][:8], "newsletter", "https://news.example.com", "9000", "one_to_many",
                   "ILS", "900", "", "2026-10-01", "self_reported", "", "", "140"]]  # fmt: skip
    bad("open_rate_over_100_percent.csv", csv_text([*HEADERS, "open_rate_percent"], newsletter),
        (2, "open_rate_percent", "between 0% and 100%"))  # fmt: skip
    bad("duplicate_rows.csv", csv_text(HEADERS, [ROWS[0], ROWS[0]]),
        (3, "url", "duplicates row 2"))  # fmt: skip
    bad("one_community_two_regions.csv", csv_text(HEADERS, with_cell("region", "north", 1)),
        (3, "region", "differs from row 2"))  # fmt: skip
    bad("empty_community_key.csv", csv_text(HEADERS, with_cell("community_key", "")),
        (2, "community_key", "empty"))  # fmt: skip
    bad("no_name_in_a_row.csv", csv_text(HEADERS, [r[:2] + ["", ""] + r[4:] for r in ROWS[2:]]),
        (2, "name_he", "no name"))  # fmt: skip
    bad("unknown_owner.csv", csv_text(HEADERS, with_cell("owner_email", "nobody@example.com", 2)),
        (4, "owner_email", "no community-owner account"))  # fmt: skip
    bad("more_cells_than_headers.csv",
        csv_text(HEADERS, ROWS).replace("ספירה של המנהלת", "ספירה של המנהלת,extra"),
        (2, None, "cells but the header has"))  # fmt: skip
    bad("unbalanced_quotes.csv", csv_text(HEADERS, ROWS) + 'x,"unfinished\r\n',
        (None, None, "unclosed quotation"))  # fmt: skip
    bad("nul_bytes.csv", csv_text(HEADERS, ROWS).encode() + b"\x00\x00binary",
        (None, None, "NUL bytes"))  # fmt: skip
    bad("neither_utf8_nor_windows1255.csv", csv_text(HEADERS, ROWS).encode() + b"\xff\x81\xfe",
        (None, None, "neither UTF-8 nor Windows-1255"))  # fmt: skip
    bad("utf8_bom_then_broken.csv", b"\xef\xbb\xbf" + csv_text(HEADERS, ROWS).encode() + b"\xc3(",
        (None, None, "says it is UTF-8"))  # fmt: skip
    bad("text_renamed_to.xlsx", csv_text(HEADERS, ROWS), (None, None, "not a readable Excel"))
    bad("truncated.json", json.dumps(document, ensure_ascii=False)[:200],
        (None, None, "not valid"))  # fmt: skip
    bad("json_wrong_shape.json", json.dumps({"items": []}), (None, None, '{"communities"'))
    bad("json_another_format.json", json.dumps({"format": "shopify", "communities": []}),
        (None, None, "not a Kesher catalog"))  # fmt: skip
    unknown_field = json.loads(json.dumps(document))
    unknown_field["communities"][0]["assets"][0]["followers"] = 12
    bad("json_unknown_field.json", json.dumps(unknown_field, ensure_ascii=False),
        (None, "communities[0].assets[0].followers", "Unknown field"))  # fmt: skip

    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(expected)} files ({sum(1 for v in expected.values() if v)} malformed)")


if __name__ == "__main__":
    main()
