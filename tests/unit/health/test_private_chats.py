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


# --- a language Kesher does not read: the lines that would show a group cannot be seen -------

# Android, phone in Dutch: the notice, the group created, Avi added; then only two people write.
DUTCH_GROUP = (
    "15-01-2024 21:04 - Berichten en oproepen worden end-to-end versleuteld. Niemand buiten "
    "deze chat kan ze lezen of beluisteren.\n"
    '15-01-2024 21:05 - Dana heeft groep "Hardlopers" aangemaakt\n'
    "15-01-2024 21:05 - Dana heeft Avi toegevoegd\n"
    "15-01-2024 21:06 - Dana: Morgen hardlopen?\n"
    "15-01-2024 21:07 - Avi: Ja, om 6 uur\n"
    "16-01-2024 06:40 - Dana: <Media weggelaten>\n"
)
# iPhone, Dutch, a chat between two people: the notice is filed under the contact's name, who
# writes too (the group's name never does).
DUTCH_IOS_PRIVATE = (
    "[15-01-2024 21:05:12] Dana Levi: \u200eBerichten en oproepen worden end-to-end versleuteld.\n"
    "[15-01-2024 21:06:01] Avi: Morgen hardlopen?\n"
    "[15-01-2024 21:07:02] Dana Levi: Ja, om 6 uur\n"
)
DUTCH_IOS_GROUP = (
    "[15-01-2024 21:05:12] Hardlopers: \u200eBerichten en oproepen worden end-to-end versleuteld.\n"
    "[15-01-2024 21:05:13] Hardlopers: \u200eDana heeft Avi toegevoegd\n"
    "[15-01-2024 21:06:01] Avi: Morgen hardlopen?\n"
    "[15-01-2024 21:07:02] Dana Levi: Ja, om 6 uur\n"
)


@pytest.mark.parametrize("text", [DUTCH_GROUP, DUTCH_IOS_GROUP])
def test_two_writers_in_an_unread_language_are_measured_with_a_caveat(text: str) -> None:
    parsed = parse(text.encode())
    assert parsed.layout["language"] == "unknown"
    assert parsed.events["author"].dropna().nunique() == 2
    assert any("could not be checked that this is a group" in note for note in parsed.notes)
    assert any("joins and leaves could not be counted" in note for note in parsed.notes)


def test_an_iphone_private_chat_in_an_unread_language_is_refused_saying_why() -> None:
    with pytest.raises(NotACommunity) as caught:
        parse(DUTCH_IOS_PRIVATE.encode())
    message = str(caught.value)
    assert "filed under a name that also writes messages" in message
    assert "export the group itself" in message


def test_a_private_chat_in_a_read_language_still_says_how_many_write() -> None:
    with pytest.raises(NotACommunity, match="only 2 people write in it, and no line shows a group"):
        parse(HEBREW_PRIVATE.encode())


ENGLISH_TWO = (
    "15/01/2024, 21:04 - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "15/01/2024, 21:06 - Dana: Running tomorrow?\n"
    "15/01/2024, 21:07 - Avi: Yes, 6am\n"
)


def test_an_unread_system_line_in_a_read_language_makes_two_writers_measured_with_a_note() -> None:
    # A wording Kesher does not know (a newer WhatsApp, say) that no private chat has.
    text = ENGLISH_TWO + "15/01/2024, 21:08 - Dana reset this chat's invite link\n"
    parsed = parse(text.encode())
    assert parsed.events["author"].dropna().nunique() == 2
    assert any("some of its system lines could not be read" in note for note in parsed.notes)


@pytest.mark.parametrize(
    "line",
    [
        "Your security code with Dana changed. Tap to learn more.",
        "You blocked this contact. Tap to unblock.",
        "Dana changed their phone number to a new number. Tap to message or add the new number.",
        "This chat is with a business account. Tap to learn more.",
    ],
)
def test_unread_lines_a_private_chat_has_too_do_not_save_it_from_refusal(line: str) -> None:
    with pytest.raises(NotACommunity, match="only 2 people write in it"):
        parse((ENGLISH_TWO + f"15/01/2024, 21:08 - {line}\n").encode())
