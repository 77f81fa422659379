"""Lines inside a message that start with a date are not messages from another year."""

from __future__ import annotations

from pricing.health import analyse
from tests.unit.health.helpers import kinds, parse, utc

CHAT = [
    '01.03.2024, 09:00 - דנה לוי יצר/ה את הקבוצה "ריצת בוקר"',
    "01.03.2024, 09:01 - דנה לוי: לוח המרוצים של השנה:",
    "{pasted}",
    "01.03.2024, 09:02 - אבי: מעולה",
    "02.03.2024, 06:30 - נועה: נתראה בפארק",
    "03.03.2024, 06:30 - אבי: 🏃",
]


def chat(*pasted: str) -> bytes:
    lines = [line for line in CHAT if line != "{pasted}"]
    at = CHAT.index("{pasted}")
    return ("\n".join(lines[:at] + list(pasted) + lines[at:]) + "\n").encode()


def test_a_future_date_pasted_in_a_message_does_not_move_the_report_to_that_year() -> None:
    parsed = parse(chat("31.12.2025, 10:00 - מרוץ הסיום בתל אביב"))
    assert kinds(parsed) == {"system": 1, "message": 4}
    assert parsed.events["ts"].max() == utc("2024-03-03 06:30")
    assert any("dated out of sequence" in note for note in parsed.notes)
    assert analyse(parsed).period(30).figures.messages == 4


def test_a_pasted_schedule_of_past_and_future_dates_is_all_part_of_its_message() -> None:
    parsed = parse(
        chat(
            "15.01.2023, 08:00 - חצי מרתון ים המלח",
            "24.02.2025, 07:00 - מרתון תל אביב: 42 ק״מ",
            "10.10.2025, 07:00 - ריצת הלילה",
        )
    )
    assert kinds(parsed) == {"system": 1, "message": 4}
    assert parsed.events["ts"].min() == utc("2024-03-01 09:00")


def test_an_export_in_order_keeps_every_line() -> None:
    parsed = parse(chat())
    assert kinds(parsed) == {"system": 1, "message": 4}
    assert not any("out of sequence" in note for note in parsed.notes)


def test_two_exports_pasted_together_are_not_taken_for_pasted_lines() -> None:
    def export(month: int) -> bytes:
        return "".join(
            f"{day:02d}.{month:02d}.2024, 10:{k:02d} - אבי: הודעה {k}\n"
            for day in (4, 5)
            for k in range(30)
        ).encode()

    parsed = parse(export(4) + chat() + export(3))
    assert kinds(parsed)["message"] == 124
    assert not any("out of sequence" in note for note in parsed.notes)
