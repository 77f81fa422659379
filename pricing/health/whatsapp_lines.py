"""What a WhatsApp body or system line says: English, Hebrew, Arabic and Russian in full;
French, Spanish, German, Portuguese, Italian and Turkish for joins, leaves, adds, removals,
the group's creation and the media and deleted placeholders.

The vocabularies of media and deleted-message placeholders and of system lines (joins, leaves,
adds, subject changes …), and the two readers over them: one system line at a time, and every
authored body of an export at once. Split from `pricing.health.whatsapp`, which reads the
layouts and timestamps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pricing.health.events import EventKind
from pricing.health.whatsapp_placeholders import LOCATION_WORDS, PHRASE_ENDINGS, placeholder_kind

# --- what a message body can be ---------------------------------------------------------------

_MEDIA_EXACT = frozenset(
    {
        "<Media omitted>",
        "<המדיה לא נכללה>",
        "<המדיה הוסרה>",
        "<מדיה לא נכללה>",
        "<تم استبعاد الوسائط>",
        "<Без медиафайлов>",
        "<Медиафайлы пропущены>",
        "<Médias omis>",
        "<Multimedia omitido>",
        "<Medien ausgeschlossen>",
        "<Mídia oculta>",
        "<Arquivo de mídia oculto>",
        "<Media omessi>",
        "<Medya dahil edilmedi>",
        # Android writes "null" for a view-once photo or video, and this for a live location.
        "null",
        "live location shared",
        "מיקום בזמן אמת משותף",
    }
)
_DELETED_EXACT = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
        "הודעה זו נמחקה",
        "ההודעה הזו נמחקה",
        "ההודעה נמחקה",
        "מחקת הודעה זו",
        "מחקת את ההודעה הזו",
        "מחקת את ההודעה",
        "تم حذف هذه الرسالة",
        "لقد حذفت هذه الرسالة",
        "Данное сообщение удалено",
        "Данное сообщение удалено.",
        "Это сообщение удалено",
        "Вы удалили данное сообщение",
        "Вы удалили это сообщение",
        "Ce message a été supprimé",
        "Vous avez supprimé ce message",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje.",
        "Este mensaje fue eliminado",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht.",
        "Esta mensagem foi apagada",
        "Mensagem apagada",
        "Você apagou esta mensagem",
        "Questo messaggio è stato eliminato",
        "Hai eliminato questo messaggio",
        "Bu mesaj silindi",
        "Bu mesajı sildiniz",
    }
)
# Only short bodies can be placeholders, so only they are matched against this.
_PLACEHOLDER_RE = re.compile(
    r"(?P<media>^<[^>\n]{2,40} omitted>$"
    r"|(?i:image|photo|video|audio|sticker|GIF|document|Contact card|video note|voice message"
    r"|voice note)s? omitted$"
    r"|^<attached: |^<מצורף: |\((?:file attached|הקובץ מצורף|קובץ מצורף)\)$"
    r"|^\S+(?: \S+){0,2} (?:הושמט|הושמטה|הושמטו)$|^(?:[Ll]ocation|מיקום|الموقع|Местоположение)"
    r": https?://"
    # Android in other languages: "<Médias omis>", "<Medien ausgeschlossen>" …
    r"|^<[^>\n]{0,30}(?i:media|médias|multimedia|medien|mídia|medya|медиа|وسائط|מדיה)[^>\n]{0,30}>$"
    # iOS in other languages: "imagen omitida", "Bild weggelassen", "изображение отсутствует" …
    r"|^(?i:image|imagen|imagem|immagine|bild|görüntü|fotoğraf|photo|foto|vidéo|video|vídeo"
    r"|audio|áudio|ses|sticker|autocollant|figurinha|çıkartma|gif|document|documento|dokument"
    r"|belge|изображение|фото|видео|аудио|стикер|документ|صورة|الصورة|فيديو|ملصق)"
    r" (?:omitid[oa]|omis|omise|absente?|weggelassen|ocultad[oa]|omess[oa]|dahil edilmedi"
    r"|отсутствует|пропущен[оа]?|محذوفة|محذوف|مستبعدة|مستبعد)$"
    r"|^تم استبعاد \S+$)"
    r"|(?P<deleted>^This message was deleted|^ה?הודעה (?:זו|הזו) נמחקה|^ההודעה נמחקה"
    r"|^מחקת (?:את )?ה?הודעה|^تم حذف هذه الرسالة|^(?:Данное|Это) сообщение (?:было )?удалено"
    r"|^Ce message a été supprimé|^Vous avez supprimé ce message|^Se eliminó este mensaje"
    r"|^Eliminaste este mensaje|^Este mensaje fue eliminado|^Diese Nachricht wurde gelöscht"
    r"|^Du hast diese Nachricht gelöscht|^Esta mensagem foi (?:apagada|eliminada)"
    r"|^Mensagem apagada|^(?:Você apagou|Apagaste) esta mensagem"
    r"|^Questo messaggio è stato eliminato|^Hai eliminato questo messaggio|^Bu mesaj(?:ı)? sil)"
    r"|(?P<bracket>^<[^>\n]{2,60}>$)"
)
_PLACEHOLDER_MAX_LEN = 120
_PLACEHOLDER_PREFIXES = (
    "<",
    "This message",
    "You deleted",
    "הודעה",
    "ההודעה",
    "מחקת",
    "location: ",
    "Location: ",
    "מיקום",
    "null",
    "live location",
    "الموقع",
    "تم حذف",
    "لقد حذفت",
    "Данное",
    "تم استبعاد",
    "Это сообщение",
    "Вы удалили",
    "Местоположение",
    "Ce message",
    "Vous avez supprimé",
    "Se eliminó",
    "Eliminaste",
    "Este mensaje",
    "Diese Nachricht",
    "Du hast diese",
    "Esta mensagem",
    "Mensagem apagada",
    "Você apagou",
    "Apagaste",
    "Questo messaggio",
    "Hai eliminato",
    "Bu mesaj",
)
_PLACEHOLDER_SUFFIXES = (
    "omitted",
    ")",
    "הושמט",
    "הושמטה",
    "הושמטו",
    ">",
    "удалено",
    "משותף",
    # iOS media placeholders in other languages.
    "omitida",
    "omitido",
    "omis",
    "omise",
    "absente",
    "absent",
    "weggelassen",
    "ocultada",
    "ocultado",
    "omessa",
    "omesso",
    "dahil edilmedi",
    "отсутствует",
    "пропущено",
    "пропущен",
    "пропущена",
    "محذوفة",
    "محذوف",
    "مستبعدة",
    "مستبعد",
)

# System lines of the other languages: the join, leave, add, remove and creation lines (the
# wording of each was written from the apps' translations as remembered, not checked against
# real exports: the least certain part). Lines changing the group's picture or description come
# before "removed X", which they would otherwise look like.
_OTHER_LANGUAGES: tuple[tuple[str, EventKind, str], ...] = (
    # French.
    (r"^Les messages et (?:les )?appels sont chiffrés", EventKind.SYSTEM, "fr"),
    (r"^(?P<actor>.+?) a créé (?:le |ce )?groupe", EventKind.SYSTEM, "fr"),
    (r"^Vous avez créé (?:le |ce )?groupe", EventKind.SYSTEM, "fr"),
    (
        r"^(?:.+? )?a (?:modifié|changé|supprimé l'icône|supprimé la description|épinglé)",
        EventKind.SYSTEM,
        "fr",
    ),
    (r"^(?P<subj>.+?) a rejoint(?: le groupe| ce groupe)?(?:\s|$)", EventKind.JOIN, "fr"),
    (r"^(?P<subj>.+?) (?:a été|ont été) ajouté", EventKind.JOIN, "fr"),
    (r"^(?P<actor>.+?) a ajouté (?P<subjs>.+)$", EventKind.JOIN, "fr"),
    (r"^Vous avez ajouté (?P<subjs>.+)$", EventKind.JOIN, "fr"),
    (r"^(?P<subj>.+?) (?:est parti|est sorti|a quitté)", EventKind.LEAVE, "fr"),
    (r"^Vous êtes parti|^Vous avez quitté", EventKind.LEAVE, "fr"),
    (r"^(?P<actor>.+?) a retiré (?P<subjs>.+)$", EventKind.LEAVE, "fr"),
    (r"^Vous avez retiré (?P<subjs>.+)$", EventKind.LEAVE, "fr"),
    # Spanish (Spain and Latin America).
    (r"^Los mensajes y (?:las )?llamadas están cifrad", EventKind.SYSTEM, "es"),
    (r"^(?P<actor>.+?) creó (?:el |este )?grupo", EventKind.SYSTEM, "es"),
    (r"^Creaste (?:el |este )?grupo", EventKind.SYSTEM, "es"),
    (
        r"^(?:.+? )?(?:cambió|fijó|eliminó (?:el ícono|el icono|la descripción))",
        EventKind.SYSTEM,
        "es",
    ),
    (r"^(?P<subj>.+?) se unió(?:\s|$)", EventKind.JOIN, "es"),
    (r"^(?P<actor>.+?) (?:añadió|agregó) a (?P<subjs>.+)$", EventKind.JOIN, "es"),
    (r"^(?:Añadiste|Agregaste) a (?P<subjs>.+)$", EventKind.JOIN, "es"),
    (r"^(?P<subj>.+?) salió(?: del grupo)?$", EventKind.LEAVE, "es"),
    (r"^Saliste(?: del grupo)?$", EventKind.LEAVE, "es"),
    (r"^(?P<actor>.+?) eliminó a (?P<subjs>.+)$", EventKind.LEAVE, "es"),
    (r"^Eliminaste a (?P<subjs>.+)$", EventKind.LEAVE, "es"),
    # German.
    (r"^Nachrichten (?:und Anrufe )?sind Ende-zu-Ende", EventKind.SYSTEM, "de"),
    (r"^(?P<actor>.+?) hat (?:die )?Gruppe .*erstellt", EventKind.SYSTEM, "de"),
    (r"^Du hast (?:die )?Gruppe .*erstellt", EventKind.SYSTEM, "de"),
    (
        r"^(?:.+? )?(?:hat|hast) (?:das |die |den )?(?:Gruppen\S*|Betreff|Beschreibung|Nachricht"
        r" angeheftet)",
        EventKind.SYSTEM,
        "de",
    ),
    (r"^(?P<subj>.+?) ist .*beigetreten$", EventKind.JOIN, "de"),
    (r"^(?P<subj>.+?) wurde hinzugefügt$", EventKind.JOIN, "de"),
    (r"^Du hast (?P<subjs>.+) hinzugefügt$", EventKind.JOIN, "de"),
    (r"^(?P<actor>.+?) hat (?P<subjs>.+) hinzugefügt$", EventKind.JOIN, "de"),
    (r"^(?P<subj>.+?) (?:hat|hast) die Gruppe verlassen$", EventKind.LEAVE, "de"),
    (r"^Du hast (?P<subjs>.+) entfernt$", EventKind.LEAVE, "de"),
    (r"^(?P<actor>.+?) hat (?P<subjs>.+) entfernt$", EventKind.LEAVE, "de"),
    # Portuguese (Brazil and Portugal).
    (
        r"^As mensagens e (?:as )?(?:chamadas|ligações) (?:são|estão) protegidas",
        EventKind.SYSTEM,
        "pt",
    ),
    (r"^(?P<actor>.+?) criou (?:o |este )?grupo", EventKind.SYSTEM, "pt"),
    (r"^Você criou (?:o |este )?grupo|^Criou (?:o |este )?grupo", EventKind.SYSTEM, "pt"),
    (
        r"^(?:.+? )?(?:mudou|alterou|fixou|(?:removeu|apagou) (?:a )?(?:imagem|foto|descrição))",
        EventKind.SYSTEM,
        "pt",
    ),
    (r"^(?P<subj>.+?) entrou(?:\s|$)", EventKind.JOIN, "pt"),
    (r"^(?P<subj>.+?) foi adicionad[oa]", EventKind.JOIN, "pt"),
    (r"^(?P<actor>.+?) adicionou (?P<subjs>.+)$", EventKind.JOIN, "pt"),
    (r"^(?P<subj>.+?) saiu(?: do grupo)?$", EventKind.LEAVE, "pt"),
    (r"^(?P<actor>.+?) removeu (?P<subjs>.+)$", EventKind.LEAVE, "pt"),
    # Italian.
    (r"^I messaggi e le chiamate sono crittografati", EventKind.SYSTEM, "it"),
    (r"^(?P<actor>.+?) ha creato (?:il |questo )?gruppo", EventKind.SYSTEM, "it"),
    (r"^Hai creato (?:il |questo )?gruppo", EventKind.SYSTEM, "it"),
    (
        r"^(?:.+? )?(?:ha|hai) (?:modificato|cambiato|fissato|eliminato l'immagine"
        r"|rimosso l'immagine|eliminato la descrizione)",
        EventKind.SYSTEM,
        "it",
    ),
    (r"^(?P<subj>.+?) si è unit[oa](?:/a)?(?:\s|$)", EventKind.JOIN, "it"),
    (r"^(?P<subj>.+?) è stat[oa](?:/a)? aggiunt", EventKind.JOIN, "it"),
    (r"^(?P<actor>.+?) ha aggiunto (?P<subjs>.+)$", EventKind.JOIN, "it"),
    (r"^Hai aggiunto (?P<subjs>.+)$", EventKind.JOIN, "it"),
    (r"^(?P<subj>.+?) è uscit[oa](?:/a)?(?: dal gruppo)?$", EventKind.LEAVE, "it"),
    (r"^Sei uscit[oa](?:/a)?", EventKind.LEAVE, "it"),
    (r"^(?P<actor>.+?) ha rimosso (?P<subjs>.+)$", EventKind.LEAVE, "it"),
    (r"^Hai rimosso (?P<subjs>.+)$", EventKind.LEAVE, "it"),
    # Turkish: "Dana, Avi adlı kişiyi ekledi" (added), "Avi ayrıldı" (left).
    (r"^Mesajlar ve aramalar uçtan uca şifreli", EventKind.SYSTEM, "tr"),
    # The name ends at the first space (lazily, as `.+?` did); a name of any letters but a
    # space keeps the line linear: `.+?` then `.*` tried every space of a long line (quadratic).
    (r"^(?P<actor>[^ \n]+?),? .*grub\S* oluşturdu", EventKind.SYSTEM, "tr"),
    (r"^(?:.+? )?(?:değiştirdi|sabitledi|sildi)$", EventKind.SYSTEM, "tr"),
    # "Emirço sizi ekledi" (added you): a real iPhone export, mtln/chat-export#16.
    (r"^(?P<actor>.+?) sizi ekledi$", EventKind.JOIN, "tr"),
    (r"^(?P<actor>.+?) sizi çıkardı$", EventKind.LEAVE, "tr"),
    (r"^(?P<subj>[^ \n]+?),? .*katıldı$", EventKind.JOIN, "tr"),
    (r"^(?P<subj>.+?) eklendi$", EventKind.JOIN, "tr"),
    (
        r"^(?P<actor>.+?), (?P<subjs>.+?) (?:adlı kişiyi |adlı kişileri |kişisini )?ekledi$",
        EventKind.JOIN,
        "tr",
    ),
    (r"^(?P<subjs>.+?) (?:adlı kişiyi |adlı kişileri |kişisini )?eklediniz$", EventKind.JOIN, "tr"),
    (r"^(?P<subj>.+?) (?:gruptan )?ayrıldı$", EventKind.LEAVE, "tr"),
    (
        r"^(?P<actor>.+?), (?P<subjs>.+?) (?:adlı kişiyi |adlı kişileri |kişisini )?çıkardı$",
        EventKind.LEAVE,
        "tr",
    ),
    (
        r"^(?P<subjs>.+?) (?:adlı kişiyi |adlı kişileri |kişisini )?çıkardınız$",
        EventKind.LEAVE,
        "tr",
    ),
)

# System lines, English then Hebrew. Named groups: actor (who did it: only admins add or remove
# members), subj (one person joining or leaving), subjs (a list of people).
_SYSTEM_PATTERNS: tuple[tuple[re.Pattern[str], EventKind, str], ...] = tuple(
    (re.compile(pattern), kind, lang)
    for pattern, kind, lang in (
        (r"^Messages and calls are end-to-end encrypted", EventKind.SYSTEM, "en"),
        (r"^Messages to this (?:group|chat) are now secured", EventKind.SYSTEM, "en"),
        (
            r"^(?P<actor>.+?) created (?:group|this group|the group|the community|this community)",
            EventKind.SYSTEM,
            "en",
        ),
        (
            r"^(?:.+? )?(?:changed (?:the|this|their|to)|deleted this group|pinned a message"
            r"|turned (?:on|off) |reset this group|is now an admin|'re now an admin"
            r"|^You're now an admin|are now an admin|is no longer an admin"
            r"|started a (?:voice|video) call"
            r"|requested to join|was added to the community|security code with )",
            EventKind.SYSTEM,
            "en",
        ),
        (r"^(?:Missed (?:voice|video|group) call|This (?:group|chat) )", EventKind.SYSTEM, "en"),
        (r"^(?P<subj>.+?) joined (?:using|via) (?:this|the|a|an|your) ", EventKind.JOIN, "en"),
        (r"^(?P<subj>.+?) (?:was|were) added$", EventKind.JOIN, "en"),
        (
            r"^(?P<subj>.+?) joined(?: from the community| the group| this group)?$",
            EventKind.JOIN,
            "en",
        ),
        # "X added you to a group in the community: C" (lucasrodes/whatstk#147).
        (r"^(?P<actor>.+?) added you(?: to .*)?$", EventKind.JOIN, "en"),
        (r"^(?P<actor>.+?) added (?P<subjs>.+)$", EventKind.JOIN, "en"),
        (r"^(?P<subj>.+?) left$", EventKind.LEAVE, "en"),
        (r"^(?P<subj>.+?) (?:was|were) removed$", EventKind.LEAVE, "en"),
        (r"^(?P<actor>.+?) removed (?P<subjs>.+)$", EventKind.LEAVE, "en"),
        (
            r"^ה?הודעות ו?השיחות מוצפנות|^הודעות ושיחות מוצפנות|^כעת ההודעות .*מאובטחות"
            r"|^ההודעות שהנך שולח/ת",
            EventKind.SYSTEM,
            "he",
        ),
        # Real Hebrew exports (docs/health.md): "הקבוצה נוצרה על ידי X", "X יצר/ה את קבוצת".
        (r"^(?P<actor>.+?) (?:יצר/ה|יצרה|יצר) (?:את )?(?:ה)?קבוצ[הת]", EventKind.SYSTEM, "he"),
        (r"^הקבוצה נוצרה על ידי (?P<actor>.+)$", EventKind.SYSTEM, "he"),
        (r"^יצרת (?:את )?(?:ה)?קבוצ[הת]", EventKind.SYSTEM, "he"),
        (
            r"^(?:.+? )?(?:שינה/תה|שינתה|שינה|שינית|מחק/ה את|מחקה את|הצמיד/ה|הצמידה|הצמיד"
            r"|הפך/ה ל|הפכה ל|הפך ל|הפכת |קוד האבטחה|החליף/ה את|החליפה את|החליף את"
            r"|החלפת את|השתנתה על ידי|השתנה על ידי|שונה על ידי|הנושא שונה)",
            EventKind.SYSTEM,
            "he",
        ),
        (
            r"^(?:שיחה קולית|שיחת וידאו) שלא נענתה|^את/ה (?:כבר )?מנהל|^הינך מנהל",
            EventKind.SYSTEM,
            "he",
        ),
        (r"^ההצטרפות של (?P<subj>.+?) בוצעה", EventKind.JOIN, "he"),
        (r"^הצטרפת", EventKind.JOIN, "he"),
        (r"^(?P<subj>.+?) (?:הצטרף/ה|הצטרפה|הצטרף)(?:\s|$)", EventKind.JOIN, "he"),
        # "צירף/ה" (attached) is the real exports' "added"; "הוסיף/ה" as remembered.
        (
            r"^(?P<actor>.+?) (?:הוסיף/ה|הוסיפה|הוסיף|צירף/ה|צירפה|צירף) את (?P<subjs>.+)$",
            EventKind.JOIN,
            "he",
        ),
        (r"^(?:הוספת|צירפת) את (?P<subjs>.+)$", EventKind.JOIN, "he"),
        (r"^(?P<actor>.+?) (?:הוסיף/ה|הוסיפה|הוסיף|צירף/ה|צירפה|צירף) אותך", EventKind.JOIN, "he"),
        (r"^(?:צורפת|נוספת) על ידי (?P<actor>.+)$", EventKind.JOIN, "he"),
        (
            r"^(?P<subjs>.+?) (?:צורף/ה|צורפה|צורף|צורפו)(?: לקבוצה)?(?: על ידי (?P<actor>.+))?$",
            EventKind.JOIN,
            "he",
        ),
        (r"^הוסרת", EventKind.LEAVE, "he"),
        (r"^(?P<actor>.+?) (?:הסיר/ה|הסירה|הסיר) אותך", EventKind.LEAVE, "he"),
        (r"^יצאת(?: מהקבוצה)?$", EventKind.LEAVE, "he"),
        (r"^(?P<subj>.+?) (?:יצא/ה|יצאה|יצא)(?: מהקבוצה)?$", EventKind.LEAVE, "he"),
        (r"^(?P<actor>.+?) (?:הסיר/ה|הסירה|הסיר) את (?P<subjs>.+)$", EventKind.LEAVE, "he"),
        (r"^הסרת את (?P<subjs>.+)$", EventKind.LEAVE, "he"),
        # Newer Hebrew wording: "X נוסף/ה" (was added), "X עזב/ה" (left), "X הוסר/ה".
        (r"^(?P<subj>.+?) (?:נוסף/ה|נוספה|נוסף)(?: לקבוצה)?$", EventKind.JOIN, "he"),
        (r"^(?P<subj>.+?) (?:עזב/ה|עזבה|עזב)(?: את ה(?:קבוצה|קהילה))?$", EventKind.LEAVE, "he"),
        (r"^(?P<subj>.+?) (?:הוסר/ה|הוסרה|הוסר)(?: מה(?:קבוצה|קהילה))?$", EventKind.LEAVE, "he"),
        (r"^(?:עזבת|נוספת)", EventKind.SYSTEM, "he"),
        (r"קהילה|קבוצת (?:ה)?הכרזות", EventKind.SYSTEM, "he"),
        # Arabic.
        # The notice, older notice (whats_json) and security code (key G)W)p) in Arabic.
        (
            r"^الرسائل والمكالمات مشفرة|^(?:إن )?الرسائل التي ترسلها|^تغيّر رمز أمانك",
            EventKind.SYSTEM,
            "ar",
        ),
        # Arabic puts the verb first: "انضم X باستخدام رابط المجموعة" (real iPhone exports).
        (
            r"^(?:انضم|انضمت|انضم/ت) (?P<subj>.+?) (?:باستخدام|عبر|من خلال|بواسطة) ",
            EventKind.JOIN,
            "ar",
        ),
        (r"^(?P<actor>.+?) (?:أنشأ|أنشأت|أنشأ/ت) (?:ال)?مجموعة", EventKind.SYSTEM, "ar"),
        # Verb first, as the join above (not checked against a real export).
        (r"^(?:أنشأ|أنشأت) (?P<actor>.+?) (?:ال)?مجموعة", EventKind.SYSTEM, "ar"),
        (r"^(?:غادر|غادرت) (?P<subj>.+)$", EventKind.LEAVE, "ar"),
        (r"^(?:.+? )?(?:غيّر|غير|غيّرت|غيرت|قام بتغيير|ثبّت|ثبت) ", EventKind.SYSTEM, "ar"),
        (r"^(?P<subj>.+?) (?:انضم|انضمت|انضم/ت)(?:\s|$)", EventKind.JOIN, "ar"),
        (r"^(?P<actor>.+?) (?:أضافك|أضافتك)$", EventKind.JOIN, "ar"),
        (r"^(?P<actor>.+?) (?:أزالك|أزالتك)$", EventKind.LEAVE, "ar"),
        (r"^(?P<actor>.+?) (?:أضاف|أضافت|أضاف/ت) (?P<subjs>.+)$", EventKind.JOIN, "ar"),
        (r"^(?P<subj>.+?) (?:غادر|غادرت|غادر/ت)(?:\s.*)?$", EventKind.LEAVE, "ar"),
        (r"^(?P<actor>.+?) (?:أزال|أزالت|أزال/ت|قام بإزالة) (?P<subjs>.+)$", EventKind.LEAVE, "ar"),
        # Community announcement groups (Arabic).
        (r"المجتمع|مجتمع|مجموعة الإعلانات|مجموعة الاعلانات", EventKind.SYSTEM, "ar"),
        # Russian.
        (r"^(?:Ваши )?[Сс]ообщения и звонки защищены", EventKind.SYSTEM, "ru"),
        (r"^(?P<actor>.+?) создал\S* (?:группу|эту группу|сообщество)", EventKind.SYSTEM, "ru"),
        (r"^(?:.+? )?(?:изменил|закрепил|сменил|удалил\S* эту группу)", EventKind.SYSTEM, "ru"),
        (r"^(?P<subj>.+?) присоединил", EventKind.JOIN, "ru"),
        (r"^(?P<actor>.+?) добавил\S* (?P<subjs>.+)$", EventKind.JOIN, "ru"),
        (r"^(?P<subj>.+?) (?:вышел|вышла)\S*(?: из группы)?$", EventKind.LEAVE, "ru"),
        (r"^(?P<actor>.+?) удалил\S* (?P<subjs>.+)$", EventKind.LEAVE, "ru"),
        (r"^(?P<subj>.+?) покинул\S*(?: группу)?$", EventKind.LEAVE, "ru"),
        (r"^(?:.+? )?(?:сообществ|канал(?:е|а)? объявлений)", EventKind.SYSTEM, "ru"),
        *_OTHER_LANGUAGES,
        # Community announcement groups (English).
        (r"community|announcement group", EventKind.SYSTEM, "en"),
    )
)
# An Android system line with a colon in it ("X changed the subject to "a: b"") can look like
# "Name: text"; a would-be author containing one of these is really a system line.
SYSTEM_IN_AUTHOR = re.compile(
    r" (?:changed|created group|added|removed) |(?:שינה/תה|שינתה|שינה|יצר/ה|הוסיף/ה|הסיר/ה) "
    r"| (?:изменил|создал|добавил|удалил|сменил)\S* | (?:غيّر|غير|أنشأ|أضاف|أزال)\S* "
    r"| a (?:modifié|changé|créé) | (?:cambió|creó|mudou|alterou|criou|değiştirdi) "
    r"| ha (?:modificato|cambiato|creato) | hat (?:den|die|das) "
)
_LIST_SPLIT = re.compile(
    r"[,،]\s*(?:and\s+)?|\s+and\s+|\s+ו-|\s+ואת\s+|\s+и\s+|\s+(?:et|y|und|e|ve)\s+"
)
_YOU = frozenset(
    {"you", "You", "אתה", "את", "את/ה", "Вы", "вы", "أنت", "انت", "Vous", "Tú", "Du", "Você", "Sen"}
)

KIND_CODES = {kind: code for code, kind in enumerate(EventKind)}


@dataclass(frozen=True, slots=True)
class SystemLine:
    """What a system line says: its kind, who acted, and who joined or left."""

    kind: EventKind
    actor: str | None
    subjects: tuple[str, ...]
    language: str | None  # None: not recognised


def classify_system_line(body: str) -> SystemLine:
    """Read one WhatsApp system line (no author), in any language of `_SYSTEM_PATTERNS`."""
    text = body.strip().removesuffix(".")  # iPhones end some system lines with a stop
    for pattern, kind, lang in _SYSTEM_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        actor = groups.get("actor")
        subjects: list[str] = []
        if groups.get("subj"):
            subjects.append(groups["subj"])
        if groups.get("subjs"):
            subjects.extend(part for part in _LIST_SPLIT.split(groups["subjs"]) if part.strip())
        if kind in (EventKind.JOIN, EventKind.LEAVE) and not subjects:
            subjects.append("you")
        return SystemLine(
            kind=kind,
            actor=None if actor is None or actor.strip() in _YOU else actor.strip(),
            subjects=tuple(s.strip().strip("\"'“”") for s in subjects),
            language=lang,
        )
    return SystemLine(kind=EventKind.SYSTEM, actor=None, subjects=(), language=None)


#: System lines a chat between two people has too: the encryption notice, calls, security
#: codes, disappearing messages, pins, blocking, number changes, business accounts.
_PRIVATE_TOO = re.compile(
    r"encrypted|secured|security code|missed|call|disappearing|pinned|blocked|business"
    r"|phone number|new number|מוצפנות|מאובטחות|קוד האבטחה|שיחה|שיחת|נעלמות|הצמיד|חסמת|מספר"
    r"|مشفرة|مكالمة|رمز الأمان|رمز أمان|التشفير|ثبّت|ثبت|защищены|звон|код безопасности|закрепил"
    r"|chiffrés|cifrad|Ende-zu-Ende|protegidas|crittografati|şifreli|appel|llamada|Anruf"
    r"|chamada|ligação|chiamata|arama|épinglé|fijó|angeheftet|fixou|fissato|sabitledi",
    re.IGNORECASE,
)


def may_be_group_line(body: str) -> bool:
    """Tell whether a system line Kesher does not read could be one only a group has (it is
    none of the lines a private chat has too: encryption, calls, security codes …)."""
    return _PRIVATE_TOO.search(body) is None


def is_group_line(line: SystemLine, body: str) -> bool:
    """Tell whether a recognised system line could only be written in a group: a join, a
    leave, someone adding or removing, the group created, its subject or icon changed …"""
    if line.language is None:
        return False
    if line.kind in (EventKind.JOIN, EventKind.LEAVE) or line.actor:
        return True
    return _PRIVATE_TOO.search(body) is None


def classify_bodies(
    bodies: npt.NDArray[np.object_],
    has_author: npt.NDArray[np.bool_],
    kinds: npt.NDArray[np.int8],
) -> dict[str, int]:
    """Mark media and deleted messages in `kinds`; count what was recognised."""
    texts = bodies.tolist()
    # A cheap test on both ends of every body; the pattern only runs on the few that pass.
    prefixes = _PLACEHOLDER_PREFIXES + LOCATION_WORDS
    suffixes = _PLACEHOLDER_SUFFIXES + PHRASE_ENDINGS
    ends = np.array([t.startswith(prefixes) or t.endswith(suffixes) for t in texts], dtype=bool)
    counts = {"media": 0, "deleted": 0, "unknown_brackets": 0, "guessed_media": 0}
    brackets: dict[str, list[int]] = {}
    media, deleted = KIND_CODES[EventKind.MEDIA], KIND_CODES[EventKind.DELETED]
    search = _PLACEHOLDER_RE.search
    for i in np.flatnonzero(ends & has_author).tolist():
        body = texts[i]
        group = placeholder_kind(body)
        if group is not None:
            pass
        elif body in _MEDIA_EXACT:
            group = "media"
        elif body in _DELETED_EXACT:
            group = "deleted"
        elif len(body) <= _PLACEHOLDER_MAX_LEN and (match := search(body)) is not None:
            group = match.lastgroup
        else:
            continue
        if group == "media":
            kinds[i] = media
            counts["media"] += 1
        elif group == "deleted":
            kinds[i] = deleted
            counts["deleted"] += 1
        else:
            counts["unknown_brackets"] += 1
            brackets.setdefault(body.strip().lower(), []).append(i)
    # Android's "<Media omitted>" in a language Kesher does not know ("<मीडिया छोड़ दिया गया>"):
    # the one whole-body "<…>" that keeps coming back is WhatsApp's, not a person's.
    if brackets:
        repeated = max(brackets.values(), key=len)
        if len(repeated) >= MIN_REPEATED_PLACEHOLDER:
            kinds[repeated] = media
            counts["media"] += len(repeated)
            counts["guessed_media"] = len(repeated)
    return counts


#: A whole-body "<…>" Kesher does not know is taken for the media placeholder from this many.
MIN_REPEATED_PLACEHOLDER = 3
