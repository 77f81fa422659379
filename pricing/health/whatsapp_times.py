"""Dates and times of WhatsApp export lines: the day/month order decided once per file, 12-
and 24-hour clocks in the phones' languages, and the calendar years phones write."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.health.errors import BadValue

_ARABIC_STAMP = re.compile(r"\d\u060c \d{1,2}[:.]\d")  # "1/3/2024، 9:05": an Arabic phone
_LATIN_DAY_HALF = re.compile(r"[AaPp]\.? ?[Mm]\.?$")
_TIME_PARTS = re.compile(r"^(?:(\D+?) ?)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?: ?(.+))?$")
#: The afternoon, however a phone writes it (after the time, or before it in Korean, Chinese and
#: Japanese: "오후 9:05", "下午9:05", "午後9:05"; "中午" is noon, 12:30 and 1:00 p.m.).
_AFTERNOON = ("p", "אחה", "م", "오후", "下午", "午後", "晚上", "中午")
#: Years of the Persian (Solar Hijri) calendar a phone may write (1402 is 2023–2024).
PERSIAN_YEARS = (1380, 1480)
PERSIAN = (
    " Its year is in the Persian (Solar Hijri) calendar, which Kesher does not read: set the "
    "phone's calendar to Gregorian and export the chat again."
)
#: Thai phones may count years in the Buddhist era (2567 is 2024).
BUDDHIST_OFFSET, BUDDHIST_FROM = 543, 2500


def timestamps(
    dates: npt.NDArray[np.object_],
    times: npt.NDArray[np.object_],
    text: str,
    pattern: re.Pattern[str],
) -> tuple[npt.NDArray[np.datetime64], dict[str, str], list[str]]:
    """Turn date and time strings into naive local datetimes, deciding day/month order once."""
    date_codes, date_uniques = pd.factorize(dates)
    time_codes, time_uniques = pd.factorize(times)
    notes: list[str] = []
    layout_order: str | None = None

    fields = [re.split(r"[./-]", str(value)) for value in date_uniques]
    # "2024-01-15" is always year, month, day: both orders read it the same way.
    year_first = np.array([len(f[0]) == 4 for f in fields], dtype=bool)
    fields = [[f[2], f[1], f[0]] if len(f[0]) == 4 else f for f in fields]
    first = np.array([int(f[0]) for f in fields], dtype=np.int64)
    second = np.array([int(f[1]) for f in fields], dtype=np.int64)
    years = np.array([int(f[2]) + (2000 if len(f[2]) == 2 else 0) for f in fields], np.int64)
    if len(years) and (years >= BUDDHIST_FROM).all():
        years = years - BUDDHIST_OFFSET
        notes.append(f"Years are in the Buddhist era (a Thai phone): read as {years.max()}.")
    day_first = _ordinals(first, second, years)
    month_first = np.where(year_first, day_first, _ordinals(second, first, years))
    twelve_hour = any(_has_day_half(str(value)) for value in time_uniques[:50])
    certain = "yes"
    # The order is decided once for the whole file: one day above 12 anywhere settles it.
    if year_first.all():
        order = "day_first"
        layout_order = "year_first"
    elif (first[~year_first] > 12).any():
        order = "day_first"
    elif (second[~year_first] > 12).any():
        order = "month_first"
    else:
        # Every field fits both ways (a chat shorter than two weeks): take the order in which
        # time runs forwards; on a tie, what the locale suggests.
        back_dmy = int(np.sum(np.diff(day_first[date_codes]) < 0))
        back_mdy = int(np.sum(np.diff(month_first[date_codes]) < 0))
        if back_dmy != back_mdy:
            order = "day_first" if back_dmy < back_mdy else "month_first"
        else:
            # Month-first is the US habit: slashes and a Latin AM/PM. Hebrew and Arabic phones
            # with a 12-hour clock still write the day first, Arabic ones with "،" after the
            # date even when the AM/PM is Latin (an Arabic export read by jojoslover's
            # Arabic_iOS_Whatsapp_Chat_to_Android_Whatsapp_Chat: "d/m/yyyy، h:mm:ss PM").
            arabic = _ARABIC_STAMP.search(text, 0, 4000) is not None
            dotted = "." in str(date_uniques[0]) or arabic
            latin = any(_LATIN_DAY_HALF.search(str(value)) for value in time_uniques[:50])
            order = "month_first" if twelve_hour and latin and not dotted else "day_first"
        certain = "no"
        notes.append(f"Every date fits both orders; read as {order.replace('_', '-')}.")
    ordinals = day_first if order == "day_first" else month_first
    bad_dates = np.flatnonzero(ordinals < 0)
    if len(bad_dates):
        row = int(np.flatnonzero(date_codes == bad_dates[0])[0])
        persian = PERSIAN_YEARS[0] <= years[bad_dates[0]] < PERSIAN_YEARS[1]
        raise BadValue(
            f"'{date_uniques[bad_dates[0]]}' is not a valid date in this export's "
            f"{order.replace('_', '-')} layout." + (PERSIAN if persian else ""),
            line=_line_of_row(text, pattern, row),
        )
    seconds = np.array([_seconds_of_day(str(t)) for t in time_uniques], dtype=np.int64)
    bad_times = np.flatnonzero(seconds < 0)
    if len(bad_times):
        row = int(np.flatnonzero(time_codes == bad_times[0])[0])
        raise BadValue(
            f"'{time_uniques[bad_times[0]]}' is not a valid time of day.",
            line=_line_of_row(text, pattern, row),
        )
    epoch_days = ordinals[date_codes] - dt.date(1970, 1, 1).toordinal()
    local = (epoch_days * 86_400 + seconds[time_codes]).astype("datetime64[s]")
    info = {
        "date_order": layout_order or order,
        "date_order_certain": certain,
        "clock": "12h" if twelve_hour else "24h",
    }
    return local, info, notes


#: Years a WhatsApp export's lines can be from (WhatsApp dates from 2009).
FIRST_YEAR, LAST_YEAR = 2009, 2100


def _ordinals(
    day: npt.NDArray[np.int64], month: npt.NDArray[np.int64], year: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Proleptic ordinals of each (day, month, year), or -1 where the date does not exist."""
    out = np.full(len(day), -1, dtype=np.int64)
    for i, (d, m, y) in enumerate(zip(day.tolist(), month.tolist(), year.tolist(), strict=True)):
        if not FIRST_YEAR <= y < LAST_YEAR:
            continue  # before WhatsApp, or beyond what a timestamp holds
        try:
            out[i] = dt.date(y, m, d).toordinal()
        except ValueError:
            continue
    return out


def _has_day_half(value: str) -> bool:
    """Tell whether a time carries an AM/PM marker (a 12-hour clock)."""
    match = _TIME_PARTS.match(value.strip())
    return match is not None and bool(match.group(1) or match.group(5))


def _seconds_of_day(value: str) -> int:
    """Seconds since midnight of "14:05", "2:05 PM", "14:05:33" …; -1 when invalid."""
    match = _TIME_PARTS.match(value.strip())
    if match is None:
        return -1
    hour, minute = int(match.group(2)), int(match.group(3))
    second = int(match.group(4) or 0)
    marker = (match.group(1) or match.group(5) or "").strip().lower()
    if marker:
        if not 1 <= hour <= 12:
            return -1
        pm = marker.startswith(_AFTERNOON)
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return -1
    return hour * 3600 + minute * 60 + second


def _line_of_row(text: str, pattern: re.Pattern[str], row: int) -> int:
    """The 1-based line number of the `row`-th header line (only computed for errors)."""
    for k, match in enumerate(pattern.finditer(text)):
        if k == row:
            return text.count("\n", 0, match.start()) + 1
    return 0
