"""Facebook group insights exports: CSV and XLSX, English and Hebrew headers."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook

from pricing.health import BadValue, EmptyExport, ExportFormat, WrongColumns
from pricing.taxonomy import Platform
from tests.unit.health.helpers import corpus, parse


def test_facebook_insights_csv_and_xlsx_give_the_same_daily_table() -> None:
    from_csv = corpus("facebook_insights.csv")
    from_xlsx = corpus("facebook_insights.xlsx")
    assert from_csv.source is ExportFormat.FACEBOOK_CSV
    assert from_xlsx.source is ExportFormat.FACEBOOK_XLSX
    assert from_csv.platform is Platform.FACEBOOK_GROUP
    assert from_csv.daily is not None
    assert from_xlsx.daily is not None
    pd.testing.assert_frame_equal(from_csv.daily, from_xlsx.daily)
    assert len(from_csv.events) == 0


def test_facebook_daily_rows_hold_the_exported_figures() -> None:
    daily = corpus("facebook_insights.csv").daily
    assert daily is not None
    assert len(daily) == 90
    first = daily.iloc[0]
    # Day 0: 2 joined, 1 left (1,000 → 1,001), 4 posts, 12 comments, 48 reactions, 180 active.
    assert first["date"] == pd.Timestamp("2024-01-01", tz="UTC")
    assert (first["members"], first["joins"], first["leaves"]) == (1001, 2, 1)
    assert (first["posts"], first["comments"], first["reactions"]) == (4, 12, 48)
    assert first["active_members"] == 180
    assert daily["joins"].max() == 60  # the burst on day 50


def test_hebrew_headers_thousand_separators_and_a_description_row_are_read() -> None:
    text = (
        "תאריך,סה״כ חברים,חברים חדשים,פוסטים,תגובות\n"
        "התאריך,סך הכל,מצטרפים,פוסטים ביום,תגובות ביום\n"
        '2024-03-01,"1,204",3,5,12\n'
        '2024-03-02,"1,206",2,4,9\n'
    )
    parsed = parse(text.encode(), "insights.csv")
    assert parsed.daily is not None
    assert parsed.daily["members"].tolist() == [1204, 1206]
    assert parsed.daily["comments"].tolist() == [12, 9]
    assert "1 row(s) without figures were skipped." in parsed.notes


def test_windows_1255_csv_from_hebrew_excel_is_decoded() -> None:
    text = "תאריך;חברים;פוסטים\r\n01/03/2024;100;5\r\n13/03/2024;101;6\r\n"
    parsed = parse(text.encode("cp1255"), "insights.csv")
    assert parsed.daily is not None
    assert parsed.daily["date"].tolist() == [
        pd.Timestamp("2024-03-01", tz="UTC"),
        pd.Timestamp("2024-03-13", tz="UTC"),
    ]


def test_us_dates_are_read_month_first() -> None:
    parsed = parse(b"Date,Members,Posts\n03/01/2024,100,5\n03/13/2024,101,6\n", "i.csv")
    assert parsed.daily is not None
    assert parsed.daily["date"].dt.day.tolist() == [1, 13]


def test_a_csv_with_the_wrong_columns_says_which_columns_were_expected() -> None:
    with pytest.raises(WrongColumns) as caught:
        corpus("bad_wrong_columns.csv")
    message = str(caught.value)
    assert "'Date' column" in message
    assert "'Name', 'Email', 'Phone'" in message
    assert caught.value.row == 1


def test_a_figure_that_is_not_a_number_is_refused_with_its_row() -> None:
    data = b"Date,Members,Posts\n2024-03-01,100,5\n2024-03-02,lots,6\n"
    with pytest.raises(BadValue) as caught:
        parse(data, "i.csv")
    assert caught.value.row == 3
    assert "'lots'" in str(caught.value)


def test_a_header_without_rows_is_an_empty_export() -> None:
    with pytest.raises(EmptyExport):
        parse(b"Date,Members,Posts\n", "i.csv")


def test_an_xlsx_whose_sheets_lack_the_columns_is_refused() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WrongColumns):
        parse(out.getvalue(), "insights.xlsx")


def test_a_european_csv_groups_thousands_with_dots_and_they_are_not_decimals() -> None:
    # Excel set to German or Russian writes ";" between cells and "1.204" for 1,204 members.
    text = "Date;Total members;New members;Posts\n01.03.2024;1.204;3;5\n02.03.2024;12.345;2;4\n"
    parsed = parse(text.encode(), "insights.csv")
    assert parsed.daily is not None
    assert parsed.daily["members"].tolist() == [1204, 12345]


def test_dates_with_english_month_names_are_read() -> None:
    text = 'Date,Total members,New members,Posts\n"March 1, 2024",1204,3,5\n2 Mar 2024,1206,2,4\n'
    parsed = parse(text.encode(), "insights.csv")
    assert parsed.daily is not None
    assert parsed.daily["date"].dt.day.tolist() == [1, 2]
    assert parsed.daily["date"].dt.month.tolist() == [3, 3]
