"""WhatsApp's own placeholder wordings, in the languages Kesher reads: what an export writes
in place of a file it left out, and in place of a deleted message.

Taken from the tables of github.com/starkdmi/whats_json (lib/src/patterns.dart), which were
collected from WhatsApp's iPhone Localizable.strings (v22.24.81) and Android strings.xml: the
apps' translations, not guesses. `pricing.health.whatsapp_lines` reads them next to its
older, remembered vocabulary (docs/health.md says which wordings each source confirms).
"""

from __future__ import annotations

import re

# iPhone "<kind> omitted" lines (keys n*sq0, I4|vp, a86Wu, 2K_mB, ~.KLq, Sk+0p, StaLC) and
# Android's "<Media omitted>" (export_media_omitted), brackets left off, lower case.
MEDIA_PHRASES = frozenset(
    {
        # Hebrew.
        "התמונה הושמטה",
        "סרטון הווידאו הושמט",
        "קטע קול הושמט",
        "סטיקר הושמט",
        "gif הושמט",
        "כרטיס איש קשר הושמט",
        "מסמך הושמט",
        "מדיה הושמטה",
        "מדיה הושמט",
        # Arabic: "not included" (لم يتم إدراج), and "stickers deleted" for a sticker.
        "لم يتم إدراج الصورة",
        "لم يتم إدراج الفيديوهات",
        "لم يتم إدراج المقاطع الصوتية",
        "لم يتم إدراج صورة gif",
        "لم يتم إدراج بطاقة جهة اتصال",
        "لم يتم إدراج المستند",
        "تم حذف الملصقات",
        "تم استبعاد الوسائط",
        "ملفات مفقودة",
        # Russian.
        "изображение отсутствует",
        "видео отсутствует",
        "аудиофайл отсутствует",
        "стикер не добавлен",
        "gif отсутствует",
        "карточка контакта отсутствует",
        "документ отсутствует",
        "файл пропущен",
        "без медиафайлов",
        "медиа отсутствует",
        "видеозаметка опущена",
        # French.
        "image absente",
        "vidéo absente",
        "audio omis",
        "sticker omis",
        "gif retiré",
        "fiche contact manquante",
        "document manquant",
        "fichier omis",
        "médias absente",
        "média manquante",
        # Spanish.
        "imagen omitida",
        "video omitido",
        "audio omitido",
        "sticker omitido",
        "gif omitido",
        "tarjeta de contacto omitida",
        "documento omitido",
        "archivo omitido",
        "archivos omitido",
        # German.
        "bild weggelassen",
        "video weggelassen",
        "audio weggelassen",
        "sticker weggelassen",
        "gif weggelassen",
        "kontaktkarte ausgelassen",
        "dokument weggelassen",
        "medien weggelassen",
        "medien fehlen",
        # Portuguese (Portugal's "não revelado", Brazil's "omitido"/"ocultado").
        "imagem não revelada",
        "vídeo não revelado",
        "ficheiro de áudio não revelado",
        "sticker não revelado",
        "gif não revelada",
        "contacto não revelado",
        "documento não revelado",
        "imagem ocultada",
        "vídeo omitido",
        "áudio ocultado",
        "figurinha omitida",
        "cartão do contato omitido",
        "mídia omitida",
        "ficheiro não revelado",
        # Italian.
        "immagine omessa",
        "video omesso",
        "audio omesso",
        "sticker non incluso",
        "gif esclusa",
        "scheda contatto omessa",
        "documento omesso",
        "media omesso",
        "media mancante",
        # Turkish.
        "görüntü dahil edilmedi",
        "video dahil edilmedi",
        "ses dahil edilmedi",
        "çıkartma dahil edilmedi",
        "gif dahil edilmedi",
        "kişi kartı dahil edilmedi",
        "belge dahil edilmedi",
        "medya atlanmış",
        # Android's live location (email_live_location_message).
        "live location shared",
        "משתף מיקום בשידור חי",
        "تمت مشاركة الموقع المباشر",
        "геоданные отправлены",
        "localisation en direct partagée",
        "ubicación en tiempo real compartida",
        "localização atual compartilhada",
        "live-standort wird geteilt",
        "posizione attuale condivisa",
        "mevcut konum paylaşıldı",
    }
)

# A file exported with the chat: iPhone "<attached: 00000012-PHOTO-….jpg>" (key zQ+5d) and
# Android "IMG-….jpg (file attached)" (email_file_attached), in each language.
_ATTACHED = re.compile(
    r"^<(?:attached|מצורף|المُرفق|المرفق|مرفق|прикреплено|pièce jointe|adjunto|anexo|anexado"
    r"|Anhang|angehängt|allegato|eklendi): [^>\n]+>$"
    r"|\((?:file attached|קובץ מצורף|הקובץ מצורף|الملف مرفق|файл добавлен|fichier joint"
    r"|archivo adjuntado|arquivo anexado|ficheiro anexado|Datei angehängt|file allegato"
    r"|dosya ekli)\)$"
)
# A shared location (email_location_message): "location: https://maps.google.com/?q=…".
_LOCATION = re.compile(
    r"^(?:location|מיקום|الموقع|местоположение|localisation|ubicación|localização|standort"
    r"|posizione|konum): https://maps\.google\.com/",
    re.IGNORECASE,
)
LOCATION_WORDS = tuple(
    word
    for lower in ("location", "מיקום", "الموقع", "местоположение", "localisation", "ubicación")
    + ("localização", "standort", "posizione", "konum")
    for word in (f"{lower}: ", f"{lower.capitalize()}: ")
)

# "This message was deleted" (qBly], revoked_msg_incoming) and "You deleted this message"
# (GHe7G, S?EA5, revoked_msg_outgoing), full stop left off, lower case.
DELETED_PHRASES = frozenset(
    {
        "הודעה זו נמחקה",
        "מחקת את ההודעה הזו",
        "מחקת הודעה זו",
        "تم حذف هذه الرسالة",
        "لقد حذَفت هذه الرسالة",
        "لقد حذفت هذه الرسالة",
        "أنت حذفت هذه الرسالة",
        "данное сообщение удалено",
        "вы удалили это сообщение",
        "вы удалили данное сообщение",
        "ce message a été supprimé",
        "vous avez supprimé ce message",
        "se eliminó este mensaje",
        "este mensaje fue eliminado",
        "eliminaste este mensaje",
        "diese nachricht wurde gelöscht",
        "du hast diese nachricht gelöscht",
        "esta mensagem foi apagada",
        "esta mensagem foi apagada pelo remetente",
        "mensagem apagada",
        "apagou esta mensagem",
        "você apagou esta mensagem",
        "questo messaggio è stato eliminato",
        "hai eliminato questo messaggio",
        "bu mesaj silindi",
        "bu mesajı sildiniz",
    }
)

# Arabic puts a document's name before its placeholder ("file.pdf • 22 صفحة لم يتم إدراج
# المستند"), as English does ("file.pdf • 3 pages document omitted").
DOCUMENT_AFTER_NAME = ("لم يتم إدراج المستند", "документ отсутствует", "מסמך הושמט")


#: The last word of every phrase, with and without an iPhone's full stop: a cheap first test.
PHRASE_ENDINGS = tuple(
    sorted(
        {
            ending
            for phrase in MEDIA_PHRASES | DELETED_PHRASES
            for word in (phrase.rsplit(" ", 1)[-1],)
            for ending in (word, f"{word}.", f"{word}>")
        }
    )
)


def placeholder_kind(body: str) -> str | None:
    """ "media" or "deleted" when `body` is one of WhatsApp's own placeholders, else None."""
    key = body.strip().strip("<>").strip().removesuffix(".").lower()
    if key in MEDIA_PHRASES:
        return "media"
    if key in DELETED_PHRASES:
        return "deleted"
    if len(body) <= 300 and (
        body.rstrip().endswith(DOCUMENT_AFTER_NAME)
        or _ATTACHED.search(body)
        or _LOCATION.match(body)
    ):
        return "media"
    return None
