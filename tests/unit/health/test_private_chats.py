"""A WhatsApp chat between two people is not a community: it is refused, not measured."""

from __future__ import annotations

import pytest

from pricing.health import NotACommunity
from tests.unit.health.helpers import kinds, parse

# Android, phone in Hebrew: the encryption notice (led by a right-to-left mark), then two people.
HEBREW_PRIVATE = (
    "15.01.2024, 21:05 - \u200fההודעות והשיחות מוצפנות מקצה לקצה. לאף אחד מחוץ לצ'אט הזה, "
    "גם לא ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן. יש להקיש לקבלת מידע נוסף.\n"
    "15.01.2024, 21:06 - דנה לוי: היי, מגיעה מחר לריצה?\n"
    "15.01.2024, 21:07 - \u202a+972 52-555-0101\u202c: כן, ב-6 בפארק\n"
    "15.01.2024, 21:07 - \u202a+972 52-555-0101\u202c: <המדיה לא נכללה>\n"
    "16.01.2024, 06:40 - דנה לוי: הגעתי 🏃\n"
    "16.01.2024, 06:41 - \u202a+972 52-555-0101\u202c: \u200fהודעה זו נמחקה\n"
)
# iPhone, English (US): the notice is filed under the contact's name; missed calls, a security
# code change and disappearing messages are lines a private chat has too.
IOS_PRIVATE = (
    "[1/15/24, 9:05:12\u202fPM] Dana Levi: \u200eMessages and calls are end-to-end encrypted. "
    "No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    "[1/15/24, 9:06:01\u202fPM] Avi: Running tomorrow?\n"
    "[1/15/24, 9:06:30\u202fPM] Dana Levi: \u200eMissed voice call\n"
    "[1/15/24, 9:07:02\u202fPM] Dana Levi: Yes, 6am\n"
    "[1/15/24, 9:08:00\u202fPM] Avi: \u200eimage omitted\n"
    "[1/16/24, 6:41:00\u202fAM] Dana Levi: \u200eYour security code with Avi changed.\n"
)
ARABIC_PRIVATE = (
    "15/01/2024، 9:05 م - \u200fالرسائل والمكالمات مشفرة تمامًا بين الطرفين.\n"
    "15/01/2024، 9:06 م - دانا: مرحبا\n"
    "15/01/2024، 9:07 م - علي: أهلا\n"
)
RUSSIAN_PRIVATE = (
    "15.01.2024, 21:05 - Сообщения и звонки защищены сквозным шифрованием.\n"
    "15.01.2024, 21:06 - Дана: Привет\n"
    "15.01.2024, 21:07 - Ави: <Без медиафайлов>\n"
)


@pytest.mark.parametrize("text", [HEBREW_PRIVATE, IOS_PRIVATE, ARABIC_PRIVATE, RUSSIAN_PRIVATE])
def test_a_chat_between_two_people_is_refused_as_not_a_community(text: str) -> None:
    with pytest.raises(NotACommunity) as caught:
        parse(text.encode())
    assert caught.value.code == "not_a_community"
    assert "private chat, not a group" in str(caught.value)
    assert "export the group itself" in str(caught.value)


@pytest.mark.parametrize(
    "group_line",
    [
        '15.01.2024, 21:05 - דנה לוי יצר/ה את הקבוצה "ריצת בוקר"',
        "15.01.2024, 21:05 - דנה לוי הוסיף/ה את \u202a+972 52-555-0101\u202c",
        "15.01.2024, 21:05 - \u202a+972 52-555-0101\u202c הצטרף/ה באמצעות קישור ההזמנה לקבוצה",
        '15.01.2024, 21:05 - דנה לוי שינה/תה את נושא הקבוצה ל"ריצה: בוקר"',
        '15.01.2024, 21:05 - Dana changed the subject from "A" to "B"',
    ],
)
def test_two_people_talking_in_a_group_are_still_measured(group_line: str) -> None:
    parsed = parse((group_line + "\n" + HEBREW_PRIVATE).encode())
    assert kinds(parsed)["message"] == 3


def test_a_third_person_makes_it_a_group_even_without_system_lines() -> None:
    parsed = parse((HEBREW_PRIVATE + "16.01.2024, 06:45 - רון: גם אני!\n").encode())
    assert parsed.events["author"].nunique() == 3


@pytest.mark.parametrize(
    "notice",
    [
        '15.01.2024, 21:05 - This is the announcement group of the community "Maple St"',
        '15.01.2024, 21:05 - \u200fזוהי קבוצת ההכרזות של הקהילה "רחוב האלון"',
        '15.01.2024, 21:05 - \u200fهذه مجموعة الإعلانات الخاصة بالمجتمع "شارع البلوط"',
    ],
)
def test_an_announcement_group_where_only_the_admin_posts_is_measured(notice: str) -> None:
    posts = "".join(f"1{day}.01.2024, 08:00 - דנה לוי: עדכון {day}\n" for day in range(6, 9))
    parsed = parse((notice + "\n" + posts).encode())
    assert kinds(parsed)["message"] == 3
