"""WhatsApp wordings checked against real exports and WhatsApp's own string tables.

Every fixture line below is copied (names changed) from a public source, cited next to it:
- whats_json: github.com/starkdmi/whats_json, lib/src/patterns.dart; its placeholder, deleted
  and encryption tables were "collected from WhatsApp v22.24.81 Localizable.strings" (iPhone)
  and from Android's strings.xml, so they are the apps' own wordings.
- heb-net: the Hebrew `spam_messages` lists of a network analyser of real Hebrew exports
  (find_string "הצטרף/ה לקבוצה באמצעות קישור ההזמנה"; three copies in one project).
- heb-donations: the `SYSTEM_MARKERS` of a parser of three real Hebrew iPhone group exports
  ("2nd-person / passive variants that also appear in these exports").
- heb-intake: the spec and tests of a recruiting tool reading real Hebrew group exports
  ("X צירף/ה את Y", "דנה כהן צירפה את איריס אשד", "X הצטרף/ה לקבוצה באמצעות קישור.").
- chat-export: github.com/mtln/chat-export, tests/test_arabic_locale.py (PR #30, checked on
  "a real Arabic WhatsApp export ZIP: 970 messages").
- ar-realestate: tests/whatsapp-parse.test.mjs of an Arabic real-estate CRM, iPhone lines
  built like its real exports (marks, Arabic comma, ص/م).
- kz-school: the "system" lexicon of a Russian-language school chat analyser.
"""

from __future__ import annotations

import pytest

from pricing.health.whatsapp import classify_system_line
from pricing.health.whatsapp_lines import is_group_line
from tests.unit.health.helpers import kinds, parse, person

LRM, RLM, LRE, PDF = "\u200e", "\u200f", "\u202a", "\u202c"


@pytest.mark.parametrize(
    ("line", "kind", "actor", "subjects"),
    [
        # heb-intake: "צירף/ה" (attached) is how Hebrew WhatsApp writes "added", not "הוסיף/ה".
        ("דנה כהן צירפה את איריס אשד", "join", "דנה כהן", ("איריס אשד",)),
        ("שרה לוי צירף/ה את דוד כהן", "join", "שרה לוי", ("דוד כהן",)),
        # heb-net / heb-donations: "צירפת את" (you added), "צירף/ה אותך" (added you).
        ("צירפת את דוד כהן", "join", None, ("דוד כהן",)),
        ("שרה לוי צירף/ה אותך", "join", "שרה לוי", ("you",)),
        # heb-net: "X צורף/ה" (was added), "צורפו על ידי", "צורפת על ידי" (how a list of
        # names is joined there is not shown: a comma is assumed).
        ("דוד כהן צורף/ה", "join", None, ("דוד כהן",)),
        ("דוד כהן, איריס אשד צורפו על ידי שרה לוי", "join", "שרה לוי", ("דוד כהן", "איריס אשד")),
        ("צורפת על ידי שרה לוי", "join", "שרה לוי", ("you",)),
        # heb-intake, heb-net: joining by link, with the iPhone's full stop.
        ("+972 52-805-1911 הצטרף/ה לקבוצה באמצעות קישור.", "join", None, ("+972 52-805-1911",)),
        ("דוד הצטרף/ה לקבוצה באמצעות קישור ההזמנה", "join", None, ("דוד",)),
        # heb-donations, heb-intake: "X יצא/ה", "X הסיר/ה את Y", "X הוסר/ה", "הוסרת".
        ("דוד כהן יצא/ה", "leave", None, ("דוד כהן",)),
        ("שרה לוי הסיר/ה את דוד כהן", "leave", "שרה לוי", ("דוד כהן",)),
        ("דוד כהן הוסר/ה", "leave", None, ("דוד כהן",)),
        ("הוסרת", "leave", None, ("you",)),
        # heb-net: the group created and changed, in the passive ("... על ידי X").
        ("הקבוצה נוצרה על ידי שרה לוי", "system", "שרה לוי", ()),
        ('שרה לוי יצר/ה את קבוצת "רצים"', "system", "שרה לוי", ()),
        ('יצרת את קבוצת "רצים"', "system", None, ()),
        ("תמונת הקבוצה השתנתה על ידי שרה לוי", "system", None, ()),
        ("תיאור הקבוצה שונה על ידי שרה לוי", "system", None, ()),
        ("שם הקבוצה השתנה על ידי שרה לוי", "system", None, ()),
        ("שרה לוי החליף/ה את תמונת הקבוצה", "system", None, ()),
        ('החלפת את הנושא אל "רצים"', "system", None, ()),
        ("הינך מנהל/ת קבוצה", "system", None, ()),
        # heb-net: the older encryption notice.
        ("כעת ההודעות הנשלחות בקבוצה זו מאובטחות עם הצפנה מקצה לקצה", "system", None, ()),
        # ar-realestate: Arabic puts the verb first ("انضم X باستخدام رابط المجموعة").
        ("انضم +966 55 000 0002 باستخدام رابط المجموعة", "join", None, ("+966 55 000 0002",)),
        # whats_json: the Arabic encryption notice (Localizable.strings).
        ("الرسائل والمكالمات مشفرة تمامًا بين الطرفين، بحيث لا يستطيع أحد", "system", None, ()),
        # lucasrodes/whatstk#147 (a real Android export in a community), Pustur#258 and
        # alignerg/lappers-posts#133 (real iPhone exports).
        (
            "+1-xx4-yyy3 added you to a group in the community: Community 1",
            "join",
            "+1-xx4-yyy3",
            ("you",),
        ),
        ("+1-xx9-yyy5 joined from the community", "join", None, ("+1-xx9-yyy5",)),
        ("+1-xx6-yyy5 joined using this group's invite link", "join", None, ("+1-xx6-yyy5",)),
        ('~ +1-xx3-yyy4 created group "Group1"', "system", "~ +1-xx3-yyy4", ()),
        ("Rudi Anderson added you", "join", "Rudi Anderson", ("you",)),
        ("You're now an admin", "system", None, ()),
        # Pustur/whatsapp-chat-parser-website#3: a real iPhone export's first line, no author.
        ("You created group “Export group”", "system", None, ()),
        # gesiscss/WhatsR#33 (a German Android export, 2025, quoted loosely).
        ("Du hast die Gruppe erstellt", "system", None, ()),
        ("Nachrichten sind Ende-zu-Ende-verschlüsselt.", "system", None, ()),
        # mtln/chat-export#16 (a real Turkish iPhone export).
        ("Emirço sizi ekledi", "join", "Emirço", ("you",)),
        ("Maldamer bu grubu oluşturdu", "system", "Maldamer", ()),
        ("Emirço bu grubun simgesini değiştirdi", "system", None, ()),
        # whats_json: older encryption notices and the Arabic security-code line.
        (
            "إن الرسائل التي ترسلها والمكالمات التي تجريها ضمن واتساب محمية من خلال التشفير التام",
            "system",
            None,
            (),
        ),
        (
            "ההודעות שהנך שולח/ת והשיחות הקוליות שהנך מבצע/ת מאובטחות עם הצפנה מקצה לקצה",
            "system",
            None,
            (),
        ),
        ("Ваши сообщения и звонки защищены сквозным шифрованием.", "system", None, ()),
        ("تغيّر رمز أمانك المُستخدَم مع دانا. انقر هنا لمعرفة المزيد", "system", None, ()),
        # kz-school: Russian with "(-а)", "(-ась)", "(-ла)".
        ("Иван добавил(-а) Петра", "join", "Иван", ("Петра",)),
        ("Иван создал(-а) группу «Бегуны»", "system", "Иван", ()),
        ("Иван вышел(-ла)", "leave", None, ("Иван",)),
    ],
)
def test_system_lines_from_real_exports(
    line: str, kind: str, actor: str | None, subjects: tuple[str, ...]
) -> None:
    read = classify_system_line(line)
    assert (read.kind.value, read.actor, read.subjects) == (kind, actor, subjects)
    assert read.language is not None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        # whats_json, iPhone Localizable.strings: Arabic "not included" placeholders.
        (f"{RLM}لم يتم إدراج الصورة", "media"),
        ("لم يتم إدراج الفيديوهات", "media"),
        ("لم يتم إدراج المقاطع الصوتية", "media"),
        ("لم يتم إدراج بطاقة جهة اتصال", "media"),
        ("تم حذف الملصقات", "media"),
        # ar-realestate: a document's name before the placeholder.
        (f"بروشور.pdf • {RLM}22 صفحة {RLM}لم يتم إدراج المستند", "media"),
        # whats_json: "you deleted" in Arabic, with its vowel mark, and the older wording.
        ("لقد حذَفت هذه الرسالة", "deleted"),
        ("أنت حذفت هذه الرسالة", "deleted"),
        # whats_json, kz-school: Russian placeholders.
        ("аудиофайл отсутствует", "media"),
        ("стикер не добавлен", "media"),
        ("Карточка контакта отсутствует", "media"),
        ("видеозаметка опущена", "media"),
        ("<Файл пропущен>", "media"),
        ("<Медиа отсутствует>", "media"),
        # whats_json: other languages' placeholders and deleted lines.
        ("imagem não revelada", "media"),
        ("ficheiro de áudio não revelado", "media"),
        ("Cartão do contato omitido", "media"),
        ("<Ficheiro não revelado>", "media"),
        ("Apagou esta mensagem", "deleted"),
        ("Kontaktkarte ausgelassen", "media"),
        ("GIF retiré", "media"),
        ("Fiche contact manquante", "media"),
        ("<Fichier omis>", "media"),
        ("<Archivo omitido>", "media"),
        ("sticker non incluso", "media"),
        ("Çıkartma dahil edilmedi", "media"),
        ("Kişi kartı dahil edilmedi", "media"),
        # whats_json: Hebrew iPhone placeholders, and Android's.
        ("קטע קול הושמט", "media"),
        ("<מדיה הושמטה>", "media"),
        # Exports "with media": whats_json's iPhone attachment tags (zQ+5d) and Android's
        # "(file attached)" (email_file_attached); the Arabic iPhone tag as an Arabic iOS
        # converter (jojoslover/Arabic_iOS_Whatsapp_Chat_to_Android_Whatsapp_Chat) and
        # ar-realestate read it.
        ("<المُرفق: 00000012-PHOTO-2024-01-15-21-07-00.jpg>", "media"),
        ("<مرفق: 00000002-PHOTO-2026-09-20-10-01-00.jpg>", "media"),
        ("<прикреплено: 00000012-PHOTO-2024-01-15-21-07-00.jpg>", "media"),
        ("<pièce jointe: 00000012-PHOTO-2024-01-15-21-07-00.jpg>", "media"),
        ("<Anhang: 00000012-PHOTO-2024-01-15-21-07-00.jpg>", "media"),
        ("IMG-20240115-WA0001.jpg (файл добавлен)", "media"),
        ("IMG-20240115-WA0001.jpg (الملف مرفق)", "media"),
        ("IMG-20240115-WA0001.jpg (archivo adjuntado)", "media"),
        ("IMG-20240115-WA0001.jpg (dosya ekli)", "media"),
        # Android's shared and live locations (email_location_message and
        # email_live_location_message).
        ("местоположение: https://maps.google.com/?q=32.08,34.78", "media"),
        ("الموقع: https://maps.google.com/?q=32.08,34.78", "media"),
        ("Геоданные отправлены", "media"),
        ("משתף מיקום בשידור חי", "media"),
        ("تمت مشاركة الموقع المباشر", "media"),
        # Ordinary messages that only look alike stay messages.
        ("הקובץ מצורף למטה, תבדקו", "message"),
        ("לא נכלל בתמונה, אשלח אחר כך", "message"),
        ("Файл пропущен? Пришлю ещё раз", "message"),
    ],
)
def test_placeholders_from_whatsapps_own_tables(body: str, kind: str) -> None:
    text = (
        "[07.01.24, 09:00:00] Anna: Hallo\n"
        f"[07.01.24, 09:01:00] Max: {body}\n"
        "[07.01.24, 09:02:00] Lena: Hallo!\n"
    )
    assert parse(text.encode()).events["kind"].tolist() == ["message", kind, "message"]


def test_an_arabic_android_export_with_arabic_indic_digits_and_marks_inside_the_date() -> None:
    # chat-export: "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٧ م - عمار لبنان: السلام" (a real export's lines).
    text = (
        "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٧ م - عمار لبنان: السلام\n"
        "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٨ م - الحمد الله: اهلين\n"
        "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:٠٩ م - انضم سامي باستخدام رابط الدعوة لهذه المجموعة\n"
        "٢٤\u200f/٤\u200f/٢٠٢٢، ٢:١٠ م - سامي: <تم استبعاد الوسائط>\n"
    )
    parsed = parse(text.encode())
    assert kinds(parsed) == {"message": 2, "join": 1, "media": 1}
    first = parsed.events["ts"].iloc[0]
    assert (first.year, first.month, first.day, first.hour, first.minute) == (2022, 4, 24, 14, 7)
    assert person("سامي") in set(parsed.events.loc[parsed.events["kind"] == "join", "author"])


def test_an_arabic_iphone_export_as_a_real_estate_group_writes_it() -> None:
    # ar-realestate: marks around the date and the phone numbers, Arabic comma, ص/م, and the
    # join line filed under the joiner's own number.
    text = (
        f"[{RLM}1{RLM}/9{RLM}/2026، 8:00:00 ص] شركة تجربة: {RLM}الرسائل والمكالمات مشفرة "
        "تمامًا بين الطرفين.\n"
        f"{RLM}[{RLM}21{RLM}/9{RLM}/2026، 9:47:45 م] {LRE}+966 55 000 0001{PDF}: عرض جديد\n"
        f"[{RLM}21{RLM}/9{RLM}/2026، 9:48:01 م] {LRE}+966 55 000 0001{PDF}: "
        f"{RLM}لم يتم إدراج الصورة\n"
        f"[{RLM}21{RLM}/9{RLM}/2026، 10:30:00 م] شركة تجربة: {RLM}انضم {LRE}+966 55 000 0002"
        f"{PDF} باستخدام رابط المجموعة\n"
        f"[{RLM}21{RLM}/9{RLM}/2026، 11:00:00 م] ~ وسيط جدة: مطلوب فيلا\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 1, "message": 2, "media": 1, "join": 1}
    assert parsed.layout["language"] == "ar"
    assert parsed.events["ts"].iloc[1].hour == 21
    assert person("شركة تجربة") not in set(parsed.events["author"])


# Pustur/whatsapp-chat-parser issue #258 (a real iPhone export, August 2024): newer iPhones
# file some system lines under the person who acted, not under the group's name.
IOS_FILED_UNDER_ACTOR = (
    f"[14.08.2024, 21:00:10] My Group Name: {LRM}Messages and calls are end-to-end encrypted. "
    "No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    "[14.08.2024, 21:00:10] Boris: Boris created group “My Group Name”\n"
    "[14.08.2024, 21:00:11] My Group Name: Boris added you\n"
    "[14.08.2024, 21:01:57] My Group Name: You're now an admin\n"
    "[14.08.2024, 21:00:12] Boris: Boris changed this group's icon\n"
    "[14.08.2024, 21:03:00] Boris: hi all\n"
    "[14.08.2024, 21:04:00] Anna: hello\n"
)


def test_system_lines_filed_under_the_actor_do_not_make_the_actor_the_group() -> None:
    parsed = parse(IOS_FILED_UNDER_ACTOR.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 4, "join": 1, "message": 2}
    authors = set(parsed.events.loc[parsed.events["kind"] == "message", "author"])
    assert authors == {person("Boris"), person("Anna")}
    assert person("Boris") in parsed.admins


# mtln/chat-export issue #16: a real Turkish iPhone export as pasted (no comma between date and
# time; "X sizi ekledi" = X added you; the group created and its icon changed under the actor).
IOS_TURKISH = (
    "[23.09.2016 17:00:28] Maldamer: Maldamer bu grubu oluşturdu\n"
    "[5.05.2017 18:01:12] mezun A: Emirço sizi ekledi\n"
    "[5.05.2017 18:01:28] mezun A: Mesajlar ve aramalar uçtan uca şifrelidir. Yalnızca bu "
    "sohbetteki kişiler bu içerikleri okuyabilir, dinleyebilir veya paylaşabilir.\n"
    "[5.05.2017 18:01:54] Bora MUTLUDOĞAN: Selamlaaaaarr\n"
    "[5.05.2017 18:04:20] Emirço: Emirço bu grubun simgesini değiştirdi\n"
    '[5.05.2017 18:04:28] Emirço: Emirço grup adını "9/A" olarak değiştirdi\n'
    "[5.05.2017 18:07:53] ~ Dicle: Baba ıphone 7?\n"
    "[5.05.2017 18:09:07] Emirço: hayir\n"
    "[5.05.2017 18:09:21] Bora MUTLUDOĞAN: görüntü dahil edilmedi\n"
)


def test_a_real_turkish_iphone_export_keeps_the_actors_messages() -> None:
    parsed = parse(IOS_TURKISH.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 4, "join": 1, "message": 3, "media": 1}
    assert parsed.layout["language"] == "tr"
    messages = parsed.events.loc[parsed.events["kind"] == "message", "author"]
    assert person("Emirço") in set(messages)
    assert person("mezun A") not in set(parsed.events["author"])


def test_the_first_line_filed_under_its_actor_is_not_the_chats_name() -> None:
    # As mtln/chat-export#16 starts, with the mark an iPhone puts before a system line.
    text = (
        f"[23.09.2016 17:00:28] Maldamer: {LRM}Maldamer bu grubu oluşturdu\n"
        + IOS_TURKISH.split("\n", 1)[1]
        + "[5.05.2017 18:10:00] Maldamer: Merhaba\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 4, "join": 1, "message": 4, "media": 1}
    messages = set(parsed.events.loc[parsed.events["kind"] == "message", "author"])
    assert person("Maldamer") in messages


@pytest.mark.parametrize(
    ("line", "kind", "actor", "subjects"),
    [
        # Arabic with the verb first, like the real join line (ar-realestate): not confirmed.
        ('أنشأ دانا المجموعة "جيران"', "system", "دانا", ()),
        ("غادر علي", "leave", None, ("علي",)),
    ],
)
def test_arabic_verb_first_lines(
    line: str, kind: str, actor: str | None, subjects: tuple[str, ...]
) -> None:
    read = classify_system_line(line)
    assert (read.kind.value, read.actor, read.subjects, read.language) == (
        kind,
        actor,
        subjects,
        "ar",
    )


def test_a_hebrew_iphone_message_whose_first_line_is_empty_is_a_message() -> None:
    # heb-donations reads real Hebrew iPhone exports, "[d.M.yyyy, H:mm:ss] Name: …", and notes
    # "the body may be empty (297 such headers in group 4 alone) — the line ends right after
    # 'sender:'": the text follows on the next lines.
    text = (
        "[8.6.2026, 14:05:09] דנה לוי: שלום לכולם\n"
        "[8.6.2026, 14:06:00] דנה לוי:\n"
        "מוכרת ספה במצב מצוין\n"
        "[8.6.2026, 14:07:00] יוסי: <מצורף: 00000012-PHOTO-2026-06-08-14-07-00.jpg>\n"
        "[8.6.2026, 14:08:00] יוסי: ההודעה הזו נמחקה\n"
        f"[8.6.2026, 14:09:00] מסירות: {LRM}יוסי יצא/ה\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {"message": 2, "media": 1, "deleted": 1, "leave": 1}
    messages = parsed.events.loc[parsed.events["kind"] == "message", "author"]
    assert messages.tolist() == [person("דנה לוי")] * 2


@pytest.mark.parametrize(
    "line",
    [
        "تغيّر رمز أمانك المُستخدَم مع دانا. انقر هنا لمعرفة المزيد",
        "ההודעות שהנך שולח/ת והשיחות הקוליות שהנך מבצע/ת מאובטחות עם הצפנה מקצה לקצה",
        "إن الرسائل التي ترسلها والمكالمات التي تجريها ضمن واتساب محمية من خلال التشفير التام",
    ],
)
def test_lines_a_chat_between_two_people_has_too_do_not_make_it_a_group(line: str) -> None:
    read = classify_system_line(line)
    assert read.language is not None
    assert not is_group_line(read, line)


@pytest.mark.parametrize(
    ("first", "second", "hour"),
    [
        # A Hebrew Android join/leave counter: "\d+\.\d+\.\d+, \d+:\d+ - \u200f…".
        ("1.3.2024, 21:05 - דנה: ערב טוב", "1.3.2024, 21:06 - יוסי: היי", 21),
        # heb-donations: Hebrew iPhone "[d.M.yyyy, H:mm:ss]".
        ("[1.3.2024, 21:05:09] דנה: ערב טוב", "[1.3.2024, 21:06:00] יוסי: היי", 21),
        # kz-school: Russian Android "dd.MM.yyyy, HH:mm - " and iPhone "[dd.MM.yyyy, HH:mm:ss]".
        ("01.03.2024, 21:05 - Дана: Привет", "01.03.2024, 21:06 - Ави: Привет", 21),
        ("[01.03.2024, 21:05:09] Дана: Привет", "[01.03.2024, 21:06:00] Ави: Привет", 21),
        # jojoslover's Arabic converter: Android with western digits, "،", seconds and AM/PM.
        ("1/3/2024، 9:05:12 PM - دانا: مرحبا", "1/3/2024، 9:06:00 PM - علي: أهلا", 21),
        # Brodluck/Data-Analyzer-for-WhatsApp-Chats: US Android, U+202F before PM.
        ("3/1/24, 9:05\u202fPM - Dana: hi", "3/1/24, 9:06\u202fPM - Avi: hey", 21),
    ],
)
def test_date_and_clock_formats_from_real_exports(first: str, second: str, hour: int) -> None:
    # A third person writes (two alone would be a private chat, refused).
    head, _, body = second.rpartition(": ")
    third = f"{head.replace(':06', ':07').rsplit(' ', 1)[0]} Noa: {body}"
    parsed = parse(f"{first}\n{second}\n{third}\n".encode())
    assert parsed.events["author"].nunique() == 3
    stamp = parsed.events["ts"].iloc[0]
    assert (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute) == (2024, 3, 1, hour, 5)
