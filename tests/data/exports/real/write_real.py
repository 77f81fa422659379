"""Write the hand-made exports of this folder (deterministic: run it to regenerate).

    .venv/bin/python tests/data/exports/real/write_real.py

Every line copies the layout a real phone or app writes for its locale; see README.md.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LRM, RLM, LRE, PDF, NNBSP = "\u200e", "\u200f", "\u202a", "\u202c", "\u202f"
ZIP_DATE = (2024, 4, 11, 8, 0, 0)


def phone(number: str) -> str:
    """A phone number as Android writes it inside Hebrew or Arabic text."""
    return f"{LRE}{number}{PDF}"


#: Android 14 in Hebrew: "D.M.YYYY, HH:MM - ", RLM before system lines and placeholders.
ANDROID_HE_DOTTED = [
    f"1.3.2024, 09:12 - {RLM}ההודעות והשיחות מוצפנות מקצה לקצה. לאף אחד מחוץ לצ'אט הזה, גם לא "
    "ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן. יש להקיש כדי לקבל מידע נוסף.",
    f'1.3.2024, 09:12 - {RLM}דנה לוי יצר/ה את הקבוצה "בונים קהילה 2024"',
    f"1.3.2024, 09:13 - {RLM}דנה לוי הוסיף/ה את יוסי כהן ואת {phone('+972 52-555-0101')}",
    "1.3.2024, 09:15 - דנה לוי: לא תמיד בנייה של קהילה נבחנת ברווח כספי. בטח לא בתחילת הדרך.",
    "זה לוקח זמן לבנות קהילה.",
    "1.3.2024, 09:17 - יוסי כהן: מסכים לגמרי",
    f"1.3.2024, 09:20 - {phone('+972 52-555-0101')}: {RLM}<המדיה לא נכללה>",
    f"2.3.2024, 08:02 - {RLM}מיכל אברהם נוסף/ה",
    "2.3.2024, 08:05 - מיכל אברהם: בוקר טוב! מתי המפגש הבא?",
    f"2.3.2024, 08:07 - דנה לוי: ביום חמישי בשמונה {RLM}<ההודעה נערכה>",
    "2.3.2024, 08:09 - דנה לוי: סקר:",
    "איפה נפגשים?",
    "אפשרות: בספרייה (2 הצבעות)",
    "אפשרות: בפארק (1 הצבעות)",
    "2.3.2024, 08:30 - יוסי כהן: מיקום: https://maps.google.com/?q=32.0853,34.7818",
    f"2.3.2024, 08:31 - יוסי כהן: {RLM}ההודעה נמחקה",
    f"13.3.2024, 19:40 - {RLM}{phone('+972 54-555-0199')} הצטרף/ה באמצעות קישור ההזמנה של הקבוצה",
    f"13.3.2024, 19:41 - {phone('+972 54-555-0199')}: היי לכולם, תודה על ההזמנה",
    "13.3.2024, 19:45 - מיכל אברהם: null",
    f"14.3.2024, 07:00 - {RLM}מיכל אברהם עזב/ה",
    f"14.3.2024, 07:02 - {RLM}דנה לוי הסיר/ה את יוסי כהן",
    "14.3.2024, 07:05 - דנה לוי: תועלת יכולה גם להיות בעיצוב של מוצרים.",
]

#: iPhone (iOS 17) in English (US): "[M/D/YY, h:mm:ss U+202F PM] ", LRM before placeholders and
#: system lines, which are filed under the group's name. Saved through Windows: BOM and CRLF.
IOS_EN_US = [
    f"[1/14/24, 9:05:01{NNBSP}PM] Maple St Neighbors: {LRM}Messages and calls are end-to-end "
    "encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
    f'[1/14/24, 9:05:01{NNBSP}PM] Maple St Neighbors: {LRM}Dana Levi created group "Maple St '
    'Neighbors"',
    f"[1/14/24, 9:06:12{NNBSP}PM] Maple St Neighbors: {LRM}Dana Levi added Avi Katz",
    f"[1/14/24, 9:10:44{NNBSP}PM] Dana Levi: Welcome everyone! Trash pickup moves to Tuesdays.",
    f"[1/14/24, 9:11:02{NNBSP}PM] Avi Katz: {LRM}image omitted",
    f"[1/15/24, 12:03:09{NNBSP}AM] Avi Katz: Sorry for the late message",
    f"[1/15/24, 7:45:30{NNBSP}AM] {LRM}~{NNBSP}Noa: {LRM}Location: "
    "https://maps.google.com/?q=40.712776,-74.005974",
    f"[1/15/24, 12:30:00{NNBSP}PM] Dana Levi: Sure, 7pm works {LRM}<This message was edited>",
    f"[1/15/24, 12:31:00{NNBSP}PM] Dana Levi: {LRM}POLL:",
    f"{LRM}Block party date?",
    f"{LRM}OPTION: Jan 27 (3 votes)",
    f"{LRM}OPTION: Feb 3 (1 vote)",
    f"[1/16/24, 10:00:00{NNBSP}AM] Maple St Neighbors: {LRM}{LRE}+1 (212) 555-0147{PDF} joined "
    "using this group's invite link",
    f"[1/16/24, 10:02:00{NNBSP}AM] {LRE}+1 (212) 555-0147{PDF}: Hi all, I'm at number 14",
    f"[1/16/24, 10:05:00{NNBSP}AM] Avi Katz: {LRM}This message was deleted.",
    f"[1/16/24, 10:06:00{NNBSP}AM] Avi Katz: {LRM}sticker omitted",
    f"[1/16/24, 10:07:00{NNBSP}AM] ~{NNBSP}Noa: {LRM}Contact card omitted",
    f"[1/16/24, 11:00:00{NNBSP}AM] Maple St Neighbors: {LRM}Avi Katz left",
]

#: Android 13 in Russian: "DD.MM.YYYY, HH:MM - ".
ANDROID_RU = [
    "15.01.2024, 21:05 - Сообщения и звонки защищены сквозным шифрованием. Никто вне этого "
    "чата, даже WhatsApp, не может прочитать или прослушать их. Нажмите, чтобы узнать больше.",
    '15.01.2024, 21:05 - Дана создал(а) группу "Бегуны Хайфы"',
    "15.01.2024, 21:06 - Дана добавил(а) Ави",
    "15.01.2024, 21:10 - +7 916 555-01-23 присоединился(-ась) к группе по ссылке-приглашению",
    "15.01.2024, 21:15 - Дана: Всем привет! Пробежка в субботу в 7:00",
    "15.01.2024, 21:16 - Ави: <Без медиафайлов>",
    "16.01.2024, 08:00 - Ави: Данное сообщение удалено",
    "16.01.2024, 08:02 - +7 916 555-01-23: Буду!",
    "16.01.2024, 09:30 - Ави вышел(-а)",
    "16.01.2024, 09:40 - Дана удалил(а) +7 916 555-01-23",
]

#: Android 13 in Arabic: Arabic-Indic digits with RLM inside the date, an Arabic comma, ص/م.
ANDROID_AR = [
    f"١٥{RLM}/١{RLM}/٢٠٢٤، ٩:٠٥ م - {RLM}الرسائل والمكالمات مشفرة تمامًا بين الطرفين. لا أحد خارج "
    "هذه الدردشة، ولا حتى واتساب، يمكنه قراءتها أو الاستماع إليها.",
    f'١٥{RLM}/١{RLM}/٢٠٢٤، ٩:٠٥ م - {RLM}دانا أنشأ المجموعة "جيران الحي"',
    f"١٥{RLM}/١{RLM}/٢٠٢٤، ٩:٠٦ م - {RLM}دانا أضاف علي",
    f"١٥{RLM}/١{RLM}/٢٠٢٤، ٩:٠٧ م - دانا: مساء الخير للجميع",
    f"١٥{RLM}/١{RLM}/٢٠٢٤، ٩:٠٨ م - علي: <تم استبعاد الوسائط>",
    f"١٦{RLM}/١{RLM}/٢٠٢٤، ٧:٣٠ ص - علي: تم حذف هذه الرسالة",
    f"١٦{RLM}/١{RLM}/٢٠٢٤، ٧:٣١ ص - {RLM}{phone('+966 50 555 0123')} انضم باستخدام رابط الدعوة "
    "الخاص بهذه المجموعة",
    f"١٦{RLM}/١{RLM}/٢٠٢٤، ١٢:١٥ م - {phone('+966 50 555 0123')}: شكرا على الإضافة",
    f"١٧{RLM}/١{RLM}/٢٠٢٤، ٨:٠٠ ص - {RLM}علي غادر",
]

#: Android in English (Canada): ISO dates, "a.m."/"p.m." after U+202F.
ANDROID_EN_CA_ISO = [
    "2024-01-15, 9:05\u202fp.m. - Messages and calls are end-to-end encrypted. No one outside "
    "of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
    '2024-01-15, 9:05\u202fp.m. - Dana Levi created group "Rink volunteers"',
    "2024-01-15, 9:06\u202fp.m. - Dana Levi added Avi Katz",
    "2024-01-15, 9:10\u202fp.m. - Dana Levi: Ice is ready Saturday 8 a.m.",
    "2024-01-15, 9:12\u202fp.m. - Avi Katz: <Media omitted>",
    "2024-01-16, 12:01\u202fa.m. - Avi Katz: late one, sorry",
    "2024-01-16, 6:45\u202fa.m. - +1 613-555-0188 joined using this group's invite link",
    "2024-01-16, 6:50\u202fa.m. - +1 613-555-0188: Count me in",
]

#: iPhone in English (Finland): "[D.M.YYYY, HH.MM.SS] " (dots in the time too).
IOS_EN_FI = [
    f"[1.2.2024, 12.00.00] Sauna club: {LRM}Messages and calls are end-to-end encrypted. No one "
    "outside of this chat, not even WhatsApp, can read or listen to them.",
    f'[1.2.2024, 12.00.05] Sauna club: {LRM}Aino created group "Sauna club"',
    "[1.2.2024, 12.01.00] Aino: Hello 😄",
    "[1.2.2024, 12.02.30] Jane Doe: Hey!",
    "P.S. Nice emoji 👀",
    "[13.2.2024, 18.15.00] +358 40 1234567: Good day!",
]

#: Android (UK English) export of a community's announcement group: only admins post.
ANDROID_EN_ANNOUNCEMENTS = [
    "07/03/2024, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
    '07/03/2024, 10:00 - Dana Levi created the community "Street 12 Parents"',
    "07/03/2024, 10:00 - This is the community's announcement group. Only community admins "
    "can send messages here.",
    "07/03/2024, 10:05 - Avi Katz joined from the community",
    "07/03/2024, 10:06 - +44 7700 900123 joined from the community",
    "07/03/2024, 10:10 - Dana Levi: School trip forms are due Friday.",
    "08/03/2024, 08:00 - Dana Levi: <Media omitted>",
    "15/03/2024, 08:00 - Dana Levi: Reminder: forms due today.",
]

#: The chat inside the Android Hebrew .zip "with media", next to its media and a shared document.
ANDROID_HE_ZIP_CHAT = [
    f"12.3.2024, 10:15 - {RLM}ההודעות והשיחות מוצפנות מקצה לקצה. לאף אחד מחוץ לצ'אט הזה, גם לא "
    "ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן.",
    f'12.3.2024, 10:15 - {RLM}דנה לוי יצר/ה את הקבוצה "הורי כיתה ב׳"',
    "12.3.2024, 10:16 - דנה לוי: בוקר טוב לכולם",
    "12.3.2024, 10:17 - יוסי כהן: IMG-20240312-WA0001.jpg (הקובץ מצורף)",
    "12.3.2024, 10:20 - מיכל אברהם: DOC-20240312-WA0002.txt (הקובץ מצורף)",
    "רשימת ציוד לטיול",
    "13.3.2024, 08:40 - דנה לוי: תודה!",
]


def text(lines: list[str], *, newline: str = "\n", bom: bool = False) -> bytes:
    body = newline.join(lines) + newline
    return (("\ufeff" if bom else "") + body).encode("utf-8")


def _zip(members: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            archive.writestr(info, data)
    return out.getvalue()


def android_he_media_zip() -> bytes:
    """A re-zipped folder holding an Android Hebrew export with media (and macOS leftovers)."""
    folder = "הורי כיתה ב/"
    chat = text(ANDROID_HE_ZIP_CHAT)
    # The shared document is a longer .txt than the chat itself.
    document = ("רשימת ציוד לטיול: מים, כובע, קרם הגנה, כריך, תפוח.\n" * 40).encode("utf-8")
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
    return _zip(
        [
            (folder + "צ'אט WhatsApp עם הורי כיתה ב׳.txt", chat, zipfile.ZIP_DEFLATED),
            (folder + "IMG-20240312-WA0001.jpg", jpeg, zipfile.ZIP_STORED),
            (folder + "DOC-20240312-WA0002.txt", document, zipfile.ZIP_STORED),
            ("__MACOSX/" + folder + "._IMG-20240312-WA0001.jpg", b"\x00\x05\x16\x07", 0),
        ]
    )


# --- Telegram Desktop's HTML export ----------------------------------------------------------

_HTML_HEAD = """<!DOCTYPE html>
<html>

 <head>

  <meta charset="utf-8"/>
<title>Exported Data</title>

  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>

  <link href="css/style.css" rel="stylesheet"/>

  <script src="js/script.js" type="text/javascript">

  </script>

 </head>

 <body onload="CheckLocation();">

  <div class="page_wrap">

   <div class="page_header">

    <div class="content">

     <div class="text bold">
רצים ת״א
     </div>

    </div>

   </div>

   <div class="page_body chat_page">

    <div class="history">
"""
_HTML_TAIL = """
    </div>

   </div>

  </div>

 </body>

</html>
"""


def _tg_service(msg_id: int, sentence: str) -> str:
    return f"""
     <div class="message service" id="message{msg_id}">

      <div class="body details">
{sentence}
      </div>

     </div>
"""


def _tg_message(
    msg_id: int,
    when: str,
    who: str | None,
    text: str,
    *,
    reply_to: int | None = None,
    photo: bool = False,
    forwarded_from: str | None = None,
    reactions: tuple[tuple[str, int], ...] = (),
) -> str:
    """One message; `who` None makes a "joined" message continuing the previous author."""
    hhmm = when.split(" ")[1][:5]
    parts = [
        f'\n     <div class="message default clearfix{"" if who else " joined"}" '
        f'id="message{msg_id}">\n'
    ]
    if who:
        initials = "".join(word[0] for word in who.split()[:2])
        parts.append(
            f"""
      <div class="pull_left userpic_wrap">

       <div class="userpic userpic{msg_id % 8 + 1}" style="width: 42px; height: 42px">

        <div class="initials" style="line-height: 42px">
{initials}
        </div>

       </div>

      </div>
"""
        )
    parts.append(
        f"""
      <div class="body">

       <div class="pull_right date details" title="{when} UTC+02:00">
{hhmm}
       </div>
"""
    )
    if who:
        parts.append(f"""
       <div class="from_name">
{who}
       </div>
""")
    if reply_to is not None:
        parts.append(f"""
       <div class="reply_to details">
In reply to <a href="#go_to_message{reply_to}" onclick="return GoToMessage({reply_to})">this \
message</a>
       </div>
""")
    if forwarded_from:
        parts.append(f"""
       <div class="forwarded body">

        <div class="from_name">
{forwarded_from}<span class="date details" title="01.01.2024 10:00:00 UTC+02:00"> \
01.01.2024 10:00:00</span>
        </div>

        <div class="text">
{text}
        </div>

       </div>
""")
    else:
        if photo:
            parts.append(f"""
       <div class="media_wrap clearfix">

        <a class="photo_wrap clearfix pull_left" href="photos/photo_{msg_id}@07-01-2024.jpg">

         <img class="photo" src="photos/photo_{msg_id}@07-01-2024_thumb.jpg" \
style="width: 260px; height: 195px"/>

        </a>

       </div>
""")
        if text:
            parts.append(f"""
       <div class="text">
{text}
       </div>
""")
    if reactions:
        spans = "".join(
            f"""
        <span class="reaction">
         <span class="emoji">{emoji}</span>
         <span class="count">{count}</span>
        </span>
"""
            for emoji, count in reactions
        )
        parts.append(f"""
       <span class="reactions">
{spans}
       </span>
""")
    parts.append("""
      </div>

     </div>
""")
    return "".join(parts)


def telegram_html_pages() -> tuple[str, str]:
    """Two pages of one group's HTML export (Telegram Desktop splits every 1,000 messages)."""
    first = [
        '\n     <div class="message service" id="message-1">\n\n      <div class="body details">'
        "\n7 January 2024\n      </div>\n\n     </div>\n",
        _tg_service(1, "דנה לוי created group «רצים ת״א»"),
        _tg_service(2, "דנה לוי invited Yossi Cohen, מיכל אברהם and Avi"),
        _tg_message(3, "07.01.2024 09:05:12", "דנה לוי", "בוקר טוב! ריצה מחר ב-6 &amp; קפה"),
        _tg_message(4, "07.01.2024 09:06:00", None, "נפגשים בנמל"),
        _tg_message(
            5,
            "07.01.2024 09:10:30",
            "Yossi Cohen",
            "אני בא",
            reply_to=3,
            reactions=(("👍", 3), ("🔥", 1)),
        ),
        _tg_message(6, "07.01.2024 09:12:00", "מיכל אברהם", "", photo=True),
        _tg_message(7, "07.01.2024 09:15:00", "Avi", "מסלול חדש", forwarded_from="Run TLV"),
    ]
    second = [
        # The first message of a page may continue the last author of the page before.
        _tg_message(8, "07.01.2024 09:16:00", None, "10 ק״מ"),
        '\n     <div class="message service" id="message-2">\n\n      <div class="body details">'
        "\n8 January 2024\n      </div>\n\n     </div>\n",
        _tg_message(9, "08.01.2024 06:30:00", "דנה לוי", "יצאנו", reply_to=8),
        _tg_service(10, "Noa joined group by link from דנה לוי"),
        _tg_message(11, "08.01.2024 07:00:00", "Noa", "היי לכולם"),
        _tg_service(12, "Avi left group"),
        _tg_service(13, "דנה לוי removed עומר"),
        _tg_service(14, "דנה לוי pinned «יצאנו»"),
    ]
    return _HTML_HEAD + "".join(first) + _HTML_TAIL, _HTML_HEAD + "".join(second) + _HTML_TAIL


def telegram_html_zip() -> bytes:
    """The export folder zipped: pages, style, script, a photo and a .txt file sent in chat."""
    first, second = telegram_html_pages()
    folder = "ChatExport_2024-01-08/"
    return _zip(
        [
            (folder + "messages.html", first.encode("utf-8"), zipfile.ZIP_DEFLATED),
            (folder + "messages2.html", second.encode("utf-8"), zipfile.ZIP_DEFLATED),
            (folder + "css/style.css", b".page_wrap { background: #fff; }\n", 8),
            (folder + "js/script.js", b"function CheckLocation() { return true; }\n", 8),
            (folder + "photos/photo_6@07-01-2024.jpg", b"\xff\xd8" + bytes(range(256)), 0),
            (folder + "files/route notes.txt", ("מסלול: נמל, פארק, חזרה\n" * 30).encode(), 0),
        ]
    )


FILES = {
    "android_he_dotted.txt": lambda: text(ANDROID_HE_DOTTED),
    "ios_en_us_nnbsp.txt": lambda: text(IOS_EN_US, newline="\r\n", bom=True),
    "android_ru_dotted.txt": lambda: text(ANDROID_RU),
    "android_ar_digits.txt": lambda: text(ANDROID_AR),
    "android_en_ca_iso.txt": lambda: text(ANDROID_EN_CA_ISO),
    "ios_en_fi_dotted_time.txt": lambda: text(IOS_EN_FI),
    "android_en_announcements.txt": lambda: text(ANDROID_EN_ANNOUNCEMENTS),
    "android_he_media.zip": android_he_media_zip,
    "telegram_html.zip": telegram_html_zip,
    "telegram_messages.html": lambda: telegram_html_pages()[0].encode("utf-8"),
}


def build(target: Path = HERE) -> dict[str, int]:
    """Write every file into `target`; return their sizes."""
    sizes = {}
    for name, make in FILES.items():
        data = make()
        (target / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes


if __name__ == "__main__":
    for name, size in build().items():
        print(f"{size:>8,}  {name}")
