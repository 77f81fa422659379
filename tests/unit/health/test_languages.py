"""WhatsApp exports from phones in other languages: read where known, measured where not."""

from __future__ import annotations

import time

import pytest

from pricing.health import analyse
from pricing.health.whatsapp import classify_system_line
from tests.unit.health.helpers import kinds, parse, person

LRM = "\u200e"

# (language, Android export) with, in order: the encryption notice, the group created, two
# members added, one joining by link, messages, a media placeholder, a deleted message, one
# leaving and one removed. Each file: 3 joins, 2 leaves, 3 messages, 1 media, 1 deleted.
ANDROID = {
    "fr": [
        "Les messages et les appels sont chiffrés de bout en bout. Aucun tiers, pas même "
        "WhatsApp, ne peut les lire ou les écouter.",
        "Anne a créé le groupe « Coureurs »",
        "Anne a ajouté Marc et Léa",
        "Paul a rejoint via le lien d'invitation de ce groupe",
        "Anne: Bonjour à tous",
        "Marc: Salut !",
        "Léa: <Médias omis>",
        "Paul: Ce message a été supprimé",
        "Paul: À demain",
        "Léa est parti(e)",
        "Anne a retiré Marc",
    ],
    "es": [
        "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este "
        "chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.",
        'Ana creó el grupo "Corredores"',
        "Ana añadió a Marcos y Lucía",
        "Pablo se unió usando el enlace de invitación de este grupo",
        "Ana: Hola a todos",
        "Marcos: ¡Hola!",
        "Lucía: <Multimedia omitido>",
        "Pablo: Se eliminó este mensaje.",
        "Pablo: Hasta mañana",
        "Lucía salió del grupo",
        "Ana eliminó a Marcos",
    ],
    "de": [
        "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses "
        "Chats kann sie lesen oder anhören.",
        "Anna hat die Gruppe „Läufer“ erstellt",
        "Anna hat Max und Lena hinzugefügt",
        "Paul ist über den Einladungslink dieser Gruppe beigetreten",
        "Anna: Hallo zusammen",
        "Max: Hallo!",
        "Lena: <Medien ausgeschlossen>",
        "Paul: Diese Nachricht wurde gelöscht.",
        "Paul: Bis morgen",
        "Lena hat die Gruppe verlassen",
        "Anna hat Max entfernt",
    ],
    "pt": [
        "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta.",
        'Ana criou o grupo "Corredores"',
        "Ana adicionou Marcos e Luísa",
        "Paulo entrou usando o link de convite deste grupo",
        "Ana: Olá a todos",
        "Marcos: Oi!",
        "Luísa: <Mídia oculta>",
        "Paulo: Mensagem apagada",
        "Paulo: Até amanhã",
        "Luísa saiu",
        "Ana removeu Marcos",
    ],
    "it": [
        "I messaggi e le chiamate sono crittografati end-to-end.",
        'Anna ha creato il gruppo "Corridori"',
        "Anna ha aggiunto Marco e Lucia",
        "Paolo si è unito/a tramite il link di invito al gruppo",
        "Anna: Ciao a tutti",
        "Marco: Ciao!",
        "Lucia: <Media omessi>",
        "Paolo: Questo messaggio è stato eliminato",
        "Paolo: A domani",
        "Lucia è uscito/a",
        "Anna ha rimosso Marco",
    ],
    "tr": [
        "Mesajlar ve aramalar uçtan uca şifrelidir.",
        'Ayşe, "Koşucular" grubunu oluşturdu',
        "Ayşe, Mehmet ve Elif adlı kişileri ekledi",
        "Can, bu grubun davet bağlantısıyla katıldı",
        "Ayşe: Herkese merhaba",
        "Mehmet: Selam!",
        "Elif: <Medya dahil edilmedi>",
        "Can: Bu mesaj silindi",
        "Can: Yarın görüşürüz",
        "Elif ayrıldı",
        "Ayşe, Mehmet adlı kişiyi çıkardı",
    ],
}
EXPECTED = {"message": 3, "media": 1, "deleted": 1, "join": 3, "leave": 2, "system": 2}


def android(lines: list[str]) -> bytes:
    return "".join(f"07.01.24, 09:{k:02d} - {line}\n" for k, line in enumerate(lines)).encode()


@pytest.mark.parametrize("language", sorted(ANDROID))
def test_joins_leaves_and_placeholders_are_read_in_other_languages(language: str) -> None:
    parsed = parse(android(ANDROID[language]))
    assert kinds(parsed) == EXPECTED
    assert parsed.layout["language"] == language
    joined = set(parsed.events.loc[parsed.events["kind"] == "join", "author"])
    names = {"fr": "Paul", "es": "Pablo", "de": "Paul", "pt": "Paulo", "it": "Paolo", "tr": "Can"}
    assert person(names[language]) in joined
    # The creator, who added and removed people, is the inferred admin.
    assert parsed.admin_source.value == "inferred"


# An iPhone in Spanish with its 12-hour clock ("p. m.") and the placeholders led by a mark.
IOS_SPANISH = (
    f"[7/1/24, 9:00:00 p. m.] Corredores: {LRM}Los mensajes y las llamadas están cifrados de "
    "extremo a extremo.\n"
    f'[7/1/24, 9:00:05 p. m.] Corredores: {LRM}Ana creó el grupo "Corredores".\n'
    f"[7/1/24, 9:00:09 p. m.] Corredores: {LRM}Ana añadió a Marcos.\n"
    "[7/1/24, 9:05:00 p. m.] Ana: Hola a todos\n"
    f"[7/1/24, 9:06:00 p. m.] Marcos: {LRM}imagen omitida\n"
    f"[7/1/24, 9:07:00 p. m.] Marcos: {LRM}Se eliminó este mensaje.\n"
)


def test_a_spanish_iphone_export_is_read_with_its_group_name_left_out() -> None:
    parsed = parse(IOS_SPANISH.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 2, "join": 1, "message": 1, "media": 1, "deleted": 1}
    assert person("Corredores") not in set(parsed.events["author"])
    assert parsed.events["ts"].iloc[0].hour == 21


# Dutch is not read: its lines are measured as messages and authors, joins are unknown.
DUTCH_ANDROID = [
    "Berichten en gesprekken zijn end-to-end versleuteld.",
    "Anna heeft de groep 'Lopers' aangemaakt",
    "Anna heeft Piet toegevoegd",
    "Anna: Hallo allemaal",
    "Piet: Hoi!",
    "Sanne: <Media weggelaten>",
    "Sanne heeft de groep verlaten",
]


def test_an_export_in_an_unknown_language_is_measured_without_joins_and_says_so() -> None:
    parsed = parse(android(DUTCH_ANDROID))
    assert kinds(parsed) == {"message": 2, "media": 1, "system": 4}
    assert parsed.layout["language"] == "unknown"
    assert any("language Kesher does not read" in note for note in parsed.notes)
    figures = analyse(parsed).period(30).figures
    assert figures.messages == 3
    assert figures.active_members == 3
    assert (figures.joins, figures.leaves, figures.growth_rate, figures.churn_rate) == (None,) * 4


def test_an_iphone_export_in_an_unknown_language_never_counts_the_group_as_a_person() -> None:
    text = (
        f"[07-01-2024 09:00:00] Lopers: {LRM}Berichten en gesprekken zijn end-to-end "
        "versleuteld.\n"
        f"[07-01-2024 09:00:05] Lopers: {LRM}Anna heeft Piet toegevoegd\n"
        "[07-01-2024 09:05:00] Anna: Hallo allemaal\n"
        "[07-01-2024 09:06:00] Piet: Hoi!\n"
        "[07-01-2024 09:07:00] Sanne: Goedemorgen\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert parsed.layout["language"] == "unknown"
    assert person("Lopers") not in set(parsed.events["author"])
    assert parsed.events["author"].nunique() == 3


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (f"{LRM}Bild weggelassen", "media"),
        (f"{LRM}image absente", "media"),
        (f"{LRM}vídeo ocultado", "media"),
        (f"{LRM}immagine omessa", "media"),
        (f"{LRM}görüntü dahil edilmedi", "media"),
        (f"{LRM}изображение отсутствует", "media"),
        ("\u200fتم استبعاد الصورة", "media"),
        (f"{LRM}Du hast diese Nachricht gelöscht.", "deleted"),
        (f"{LRM}Você apagou esta mensagem", "deleted"),
        ("Video omitido por error, lo mando luego", "message"),
    ],
)
def test_iphone_placeholders_in_other_languages(body: str, kind: str) -> None:
    text = (
        "[07.01.24, 09:00:00] Anna: Hallo\n"
        f"[07.01.24, 09:01:00] Max: {body}\n"
        "[07.01.24, 09:02:00] Lena: Hallo!\n"
    )
    assert parse(text.encode()).events["kind"].tolist() == ["message", kind, "message"]


@pytest.mark.parametrize(
    ("line", "kind", "actor", "subjects"),
    [
        ("Dana joined using your invite link", "join", None, ("Dana",)),
        ("You were removed", "leave", None, ("You",)),
        ("דנה לוי הוסיף/ה אותך", "join", "דנה לוי", ("you",)),
        ("דנה לוי הסיר/ה אותך", "leave", "דנה לוי", ("you",)),
        ("دانا أضافك", "join", "دانا", ("you",)),
        ("دانا أزالك", "leave", "دانا", ("you",)),
        ("Дана покинул(а) группу", "leave", None, ("Дана",)),
        ("Anna hat Max und Lena hinzugefügt.", "join", "Anna", ("Max", "Lena")),
        ("Ayşe, Mehmet adlı kişiyi ekledi", "join", "Ayşe", ("Mehmet",)),
        ("Vous avez ajouté Marc", "join", None, ("Marc",)),
        ("Anna hat das Gruppenbild entfernt", "system", None, ()),
        ("Ana removeu a imagem do grupo", "system", None, ()),
    ],
)
def test_system_lines_addressed_to_the_exporter_and_in_other_languages(
    line: str, kind: str, actor: str | None, subjects: tuple[str, ...]
) -> None:
    read = classify_system_line(line)
    assert (read.kind.value, read.actor, read.subjects) == (kind, actor, subjects)


# iPhones in Russian, Arabic (12-hour, Arabic comma) and Hebrew (12-hour): system lines filed
# under the group's name and led by a direction mark, placeholders with a full stop.
R = "\u200f"
L = LRM
IOS_RU = (
    f"[15.01.2024, 21:05:12] Бегуны: {L}Сообщения и звонки защищены сквозным шифрованием.\n"
    f"[15.01.2024, 21:05:13] Бегуны: {L}Дана создал(а) группу «Бегуны»\n"
    f"[15.01.2024, 21:05:14] Бегуны: {L}Дана добавил(а) Ави\n"
    "[15.01.2024, 21:06:00] Дана: Привет всем\n"
    f"[15.01.2024, 21:07:00] Ави: {L}изображение отсутствует\n"
    f"[15.01.2024, 21:08:00] Ави: {L}Это сообщение удалено.\n"
    f"[15.01.2024, 21:09:00] Бегуны: {L}Олег присоединился(-ась) по ссылке-приглашению\n"
    "[15.01.2024, 21:10:00] Олег: Всем привет\n"
    f"[15.01.2024, 21:11:00] Бегуны: {L}Олег вышел(-а)\n"
)
IOS_AR = (
    f"[15/1/2024، 9:05:12 م] مجموعة الجري: {L}الرسائل والمكالمات مشفرة تمامًا بين الطرفين.\n"
    f'[15/1/2024، 9:05:13 م] مجموعة الجري: {L}دانا أنشأ المجموعة "مجموعة الجري"\n'
    f"[15/1/2024، 9:05:14 م] مجموعة الجري: {L}دانا أضاف علي\n"
    "[15/1/2024، 9:06:00 م] دانا: مرحبا بالجميع\n"
    f"[15/1/2024، 9:07:00 م] علي: {L}تم استبعاد الصورة\n"
    f"[15/1/2024، 9:08:00 م] علي: {R}تم حذف هذه الرسالة.\n"
    f"[15/1/2024، 9:09:00 م] مجموعة الجري: {L}سامي انضم باستخدام رابط الدعوة لهذه المجموعة\n"
    "[15/1/2024، 9:10:00 م] سامي: أهلا\n"
    f"[15/1/2024، 9:11:00 م] مجموعة الجري: {L}سامي غادر\n"
)
IOS_HE = (
    f"[15.1.2024, 9:05:12 אחה״צ] ריצת בוקר: {L}ההודעות והשיחות מוצפנות מקצה לקצה. "
    "לאף אחד מחוץ לצ'אט הזה, גם לא ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן.\n"
    f'[15.1.2024, 9:05:13 אחה״צ] ריצת בוקר: {L}דנה לוי יצר/ה את הקבוצה "ריצת בוקר"\n'
    f"[15.1.2024, 9:05:14 אחה״צ] ריצת בוקר: {L}דנה לוי הוסיף/ה אותך\n"
    "[15.1.2024, 9:06:00 אחה״צ] דנה לוי: ערב טוב לכולם\n"
    f"[15.1.2024, 9:07:00 אחה״צ] {L}+972 52-555-0101: {L}תמונה הושמטה\n"
    f"[15.1.2024, 9:08:00 אחה״צ] {L}+972 52-555-0101: {L}ההודעה נמחקה.\n"
    f"[15.1.2024, 9:09:00 אחה״צ] ריצת בוקר: {L}רון הצטרף/ה באמצעות קישור ההזמנה לקבוצה\n"
    "[15.1.2024, 9:10:00 אחה״צ] רון: היי\n"
    f"[15.1.2024, 9:11:00 אחה״צ] ריצת בוקר: {L}רון יצא/ה\n"
)


@pytest.mark.parametrize(("text", "language"), [(IOS_RU, "ru"), (IOS_AR, "ar"), (IOS_HE, "he")])
def test_iphone_exports_in_russian_arabic_and_hebrew_are_read_in_full(
    text: str, language: str
) -> None:
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {
        "message": 2, "join": 2, "system": 2, "media": 1, "deleted": 1, "leave": 1
    }  # fmt: skip
    assert parsed.layout["language"] == language
    assert parsed.admin_source.value == "inferred"
    group = {"ru": "Бегуны", "ar": "مجموعة الجري", "he": "ריצת בוקר"}[language]
    assert person(group) not in set(parsed.events["author"])


def test_an_iphone_group_whose_name_has_a_colon_is_not_a_member() -> None:
    # In Dutch (not read), only the first line's mark tells the group's name.
    text = (
        f"[07-01-2024 09:00:00] Lopers: 10 km: {LRM}Berichten en gesprekken zijn end-to-end "
        "versleuteld.\n"
        f"[07-01-2024 09:00:05] Lopers: 10 km: {LRM}Anna heeft Piet toegevoegd\n"
        "[07-01-2024 09:05:00] Anna: Hallo allemaal\n"
        "[07-01-2024 09:06:00] Piet: Hoi!\n"
        "[07-01-2024 09:07:00] Sanne: Goedemorgen\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 2, "message": 3}
    assert person("Lopers") not in set(parsed.events["author"])
    assert parsed.events["author"].nunique() == 3


def _cpu_to_classify(line: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        classify_system_line(line)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("ending", [" added", " katıldı x", " grubu oluşturmadı"])
def test_a_long_system_line_costs_in_proportion_to_its_length(ending: str) -> None:
    """Two Turkish patterns ("… grubu oluşturdu", "… katıldı") tried every space as the end of
    the name and scanned the rest of the line from each: a crafted export of one long line
    without an author (any owner may upload one) cost seconds of CPU per line."""
    short, long = ("x " * 20_000) + ending, ("x " * 80_000) + ending
    assert _cpu_to_classify(long) < 8 * max(_cpu_to_classify(short), 0.001)
