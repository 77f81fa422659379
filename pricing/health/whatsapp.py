"""WhatsApp "Export chat" text (Android and iOS; English, Hebrew, Arabic, Russian) to events.

The whole file is matched at once by one compiled pattern (`re.findall` runs the loop in C);
dates and times are parsed once per distinct value and broadcast back with numpy, so a
million-message export is read in seconds. Message text is looked at only to classify the line
(media, deleted, join …) and is dropped before anything is returned.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.health.errors import (
    EXPECTED_FILES,
    EmptyExport,
    NotACommunity,
    NotAnExport,
    UnknownLayout,
)
from pricing.health.events import (
    UNKNOWN_LANGUAGE,
    UNKNOWN_LANGUAGE_NOTE,
    AdminSource,
    EventKind,
    ExportFormat,
    ParsedExport,
    PersonHasher,
    events_frame,
    normalise_person,
)
from pricing.health.whatsapp_lines import (
    KIND_CODES,
    SYSTEM_IN_AUTHOR,
    classify_bodies,
    classify_system_line,
    is_group_line,
    may_be_group_line,
)
from pricing.health.whatsapp_times import timestamps
from pricing.taxonomy import Platform

# --- the line layouts -------------------------------------------------------------------------

# Day and month in either order with the year last, or the year first (Swedish, ISO, Asian
# locales write "2024-01-15" or "2024/01/15").
# Korean and Hungarian phones write the year first with a dot and a space after each part
# ("2024. 1. 15.").
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"
    r"|\d{4}\. \d{1,2}\. \d{1,2}\.)"
)
# AM/PM as English ("PM", "p.m.", "p. m."), Hebrew ("אחה״צ") and Arabic ("م") phones write it.
_AMPM = r"(?:[AaPp]\.? ?[Mm]\.?|לפנה[\"״]צ|אחה[\"״]צ|ص|م)"
# Korean, Chinese and Japanese phones write the day half before the time ("오후 9:05", "下午9:05").
_AMPM_BEFORE = r"(?:오전|오후|上午|下午|中午|晚上|凌晨|早上|午前|午後) ?"
# Finnish and a few other locales separate hours from minutes with a dot ("12.00.00").
# (The lookaheads let the usual line, a digit right there, skip the alternatives at once.)
_TIME = rf"(?:(?=\D){_AMPM_BEFORE})?\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?: ?{_AMPM})?"
# Between the date and the time: a comma (Arabic phones: "،"), and a short word in some
# languages ("26/09/2019 à 22:39" in French, "[12.3.2022 klo 14.08.18]" in Finnish).
_SEP = rf"[,،]? (?:(?=[^\W\d_])(?!{_AMPM_BEFORE})[^\W\d_]{{1,4}}\.? )?"
# "Name: " is optional (Android system lines have none); a message may start on the next line,
# its header then ending right after "Name:". The possessive quantifier stops the engine from
# backtracking through a long colon-free line.
_AUTHOR_BODY = r"(?:([^:\n]{1,100}+):(?: |$))?([^\n]*)"

#: Android: "12/03/2024, 14:05 - Name: text", "3/12/24, 2:05 PM - Name: …", "12.3.2024, 14:05 - …"
ANDROID_RE = re.compile(rf"^({_DATE}){_SEP}({_TIME}) - {_AUTHOR_BODY}", re.MULTILINE)
#: iOS: "[12/03/2024, 14:05:33] Name: text", "[3/12/24, 2:05:33 PM] Name: text"
IOS_RE = re.compile(rf"^\[({_DATE}){_SEP}({_TIME})\] {_AUTHOR_BODY}", re.MULTILINE)

_ANDROID_PREFIX = re.compile(rf"^{_DATE}{_SEP}{_TIME} - ")
_IOS_PREFIX = re.compile(rf"^\[{_DATE}{_SEP}{_TIME}\] ")
# Something date- or time-shaped near the start of a line: a log, but not one we read.
_LOOSE_STAMP = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\b\d{1,2}:\d{2}\b")

# Direction marks Hebrew phones insert, and the odd spaces WhatsApp writes (U+202F before AM/PM).
_STRIP = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u061c"
_SPACES = "\u202f\u00a0\u2009"
# Phones set to Arabic (or Persian) may write dates and times in Arabic-Indic digits.
_ARABIC_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_DIGIT_TABLE = {0x0660 + k: ord("0") + k for k in range(10)} | {
    0x06F0 + k: ord("0") + k for k in range(10)
}

# An iOS first line whose body starts with a left-to-right mark (a system line).
_IOS_MARKED_FIRST = re.compile(r"^\[[^\]\n]{6,40}\] ([^\n]{1,100}?): [\u200e\u200f]([^\n]{0,100})")

_KIND_VALUES = np.array([kind.value for kind in EventKind], dtype=object)

#: How many lines are sniffed to recognise the layout.
SNIFF_LINES = 400


def clean_text(text: str) -> str:
    """Drop direction marks, normalise odd spaces, line ends and Arabic-Indic digits."""
    if _ARABIC_DIGITS.search(text, 0, 4096):
        text = text.translate(_DIGIT_TABLE)
    for mark in _STRIP:
        if mark in text:
            text = text.replace(mark, "")
    for space in _SPACES:
        if space in text:
            text = text.replace(space, " ")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def sniff_layout(text: str) -> ExportFormat | None:
    """Tell whether cleaned text is an Android or iOS export, or None when it is neither."""
    lines = [line for line in text.split("\n", SNIFF_LINES)[:SNIFF_LINES] if line.strip()]
    if not lines:
        return None
    android = sum(1 for line in lines if _ANDROID_PREFIX.match(line))
    ios = sum(1 for line in lines if _IOS_PREFIX.match(line))
    best = max(android, ios)
    # The first line of a real export is always a header; later ones may be continuations.
    first_ok = _ANDROID_PREFIX.match(lines[0]) or _IOS_PREFIX.match(lines[0])
    if best == 0 or (not first_ok and best < 0.2 * len(lines)):
        return None
    return ExportFormat.WHATSAPP_IOS if ios > android else ExportFormat.WHATSAPP_ANDROID


def looks_like_a_log(text: str) -> bool:
    """Tell whether text has date- or time-shaped line starts (a chat log of some kind)."""
    lines = [line for line in text.split("\n", SNIFF_LINES)[:SNIFF_LINES] if line.strip()]
    stamped = sum(1 for line in lines if _LOOSE_STAMP.search(line[:40]))
    return bool(lines) and stamped >= max(3, 0.3 * len(lines))


def first_stamped_line(text: str) -> int:
    """The 1-based number of the first line starting with something date- or time-shaped (the
    first line of a log Kesher does not read), else of the first non-blank line."""
    lines = text.split("\n", SNIFF_LINES)[:SNIFF_LINES]
    for number, line in enumerate(lines, start=1):
        if _LOOSE_STAMP.search(line[:40]):
            return number
    return next((n for n, line in enumerate(lines, start=1) if line.strip()), 1)


def parse_whatsapp(
    text: str,
    *,
    hasher: PersonHasher,
    admin_names: Iterable[str] = (),
    timezone: str,
) -> ParsedExport:
    """Parse a WhatsApp chat export already decoded to text."""
    # iPhones start an export with the encryption notice under the chat's name, its text led by
    # a direction mark: in a language Kesher does not read, that line is all that tells.
    first_marked = _IOS_MARKED_FIRST.match(text[:2000].lstrip(_STRIP))
    chat_name = clean_text(first_marked.group(1)).strip() if first_marked else None
    if first_marked and chat_name and _filed_under_actor(chat_name, clean_text(first_marked[2])):
        chat_name = None  # "Boris: Boris created group …" names a person, not the chat
    name_writes = bool(first_marked and chat_name and _name_writes(text, first_marked[1]))
    text = clean_text(text)
    layout = sniff_layout(text)
    if layout is None:
        if looks_like_a_log(text):
            raise UnknownLayout(
                "This looks like a chat log, but not in a layout Kesher reads. Expected a "
                "WhatsApp export, whose lines start like '12/03/2024, 14:05 - Name: …' (Android) "
                "or '[12/03/2024, 14:05:33] Name: …' (iPhone).",
                line=first_stamped_line(text),
            )
        raise NotAnExport(f"This file is not a chat export. Kesher reads {EXPECTED_FILES}.")
    pattern = IOS_RE if layout is ExportFormat.WHATSAPP_IOS else ANDROID_RE
    matches = pattern.findall(text)
    rows = np.array(matches, dtype=object).reshape(-1, 4)
    del matches
    lines_read = text.count("\n") + (0 if text.endswith("\n") else 1)

    local, layout_info, notes = timestamps(rows[:, 0], rows[:, 1], text, pattern)
    pasted = _out_of_sequence(local)
    if pasted.any():
        rows, local = rows[~pasted], local[~pasted]
        notes.append(
            f"{int(pasted.sum())} line(s) shaped like messages but dated out of sequence (a "
            "date pasted inside a message) were read as part of the message before them."
        )
    stamps = pd.DatetimeIndex(local).tz_localize(
        timezone, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
    )

    authors_raw: npt.NDArray[np.object_] = rows[:, 2]
    bodies: npt.NDArray[np.object_] = rows[:, 3]
    if layout is ExportFormat.WHATSAPP_IOS and chat_name and ":" in chat_name:
        authors_raw, bodies = _rejoin_chat_name(authors_raw, bodies, chat_name)
    has_author = authors_raw != ""
    codes, uniques = pd.factorize(authors_raw)
    # Would-be authors that are really system lines with a colon in them.
    fake = np.array(
        [not u or bool(SYSTEM_IN_AUTHOR.search(u)) for u in uniques] + [True], dtype=bool
    )
    fake_rows = fake[codes] & has_author
    if fake_rows.any():
        idx = np.flatnonzero(fake_rows)
        bodies = bodies.copy()
        bodies[idx] = [f"{authors_raw[i]}: {bodies[i]}" for i in idx]
        has_author &= ~fake_rows
    if layout is ExportFormat.WHATSAPP_IOS:
        has_author &= ~_ios_group_rows(authors_raw, bodies, has_author, chat_name)

    kinds = np.full(len(rows), KIND_CODES[EventKind.MESSAGE], dtype=np.int8)
    recognised = classify_bodies(bodies, has_author, kinds)
    if recognised["guessed_media"]:
        notes.append(
            f"{recognised['guessed_media']} messages of the same bracketed text were counted as "
            "media: WhatsApp's media placeholder in a language Kesher does not read."
        )

    # System lines: Python-level, but there are few of them.
    system_idx = np.flatnonzero(~has_author)
    extra_rows: list[int] = []
    extra_kinds: list[int] = []
    extra_people: list[str] = []
    subject_of = np.full(len(rows), None, dtype=object)
    actors: set[str] = set()
    languages: dict[str, int] = {}
    unrecognised = unread_group_lines = 0
    group_lines = 0
    for i in system_idx:
        line = classify_system_line(bodies[i])
        kinds[i] = KIND_CODES[line.kind]
        if line.language is None:
            unrecognised += 1
            unread_group_lines += may_be_group_line(bodies[i])
            continue
        languages[line.language] = languages.get(line.language, 0) + 1
        group_lines += is_group_line(line, bodies[i])
        if line.actor:  # only "created", "added" and "removed" lines name an actor
            actors.add(line.actor)
        if line.subjects:
            subject_of[i] = hasher.hash(line.subjects[0])
            for person in line.subjects[1:]:
                extra_rows.append(int(i))
                extra_kinds.append(KIND_CODES[line.kind])
                extra_people.append(hasher.hash(person))
    recognised["system"] = sum(languages.values())
    unknown = _unknown_language(recognised, unrecognised, chat_name is not None)
    if unknown:
        notes.append(UNKNOWN_LANGUAGE_NOTE)

    content = np.isin(
        kinds,
        [
            KIND_CODES[EventKind.MESSAGE],
            KIND_CODES[EventKind.MEDIA],
            KIND_CODES[EventKind.DELETED],
        ],
    )
    if not content.any():
        raise EmptyExport(
            f"The chat holds no messages, only {len(system_idx)} system line(s) such as "
            "'joined' or the encryption notice. Export a chat that has conversation in it."
        )

    private_note = _check_community(
        len(np.unique(codes[has_author])),
        group_lines,
        unread=unread_group_lines if not unknown else max(unread_group_lines, 1),
        name_writes=name_writes,
    )
    notes.extend(private_note)

    hashed = np.array([hasher.hash(u) if u else None for u in uniques] + [None], dtype=object)
    author = hashed[codes]
    author[~has_author] = subject_of[~has_author]

    order = np.argsort(
        np.concatenate([np.arange(len(rows)), np.array(extra_rows, np.int64)]), kind="stable"
    )
    all_kinds = np.concatenate([kinds, np.array(extra_kinds, np.int8)])[order]
    all_authors = np.concatenate([author, np.array(extra_people, dtype=object)])[order]
    all_stamps = stamps.append(stamps[np.array(extra_rows, np.int64)])[order]
    events = events_frame(author=all_authors, ts=all_stamps, kind=_KIND_VALUES[all_kinds])

    admins, admin_source, admin_notes = _admins(hasher, admin_names, actors, events)
    if unknown:
        layout_info["language"] = UNKNOWN_LANGUAGE
    elif languages:
        layout_info["language"] = max(languages, key=lambda lang: languages[lang])
    return ParsedExport(
        source=layout,
        platform=Platform.WHATSAPP_GROUP,
        events=events,
        admins=admins,
        admin_source=admin_source,
        timezone=timezone,
        lines_read=lines_read,
        notes=tuple(notes + admin_notes),
        layout=layout_info,
    )


def _rejoin_chat_name(
    authors: npt.NDArray[np.object_], bodies: npt.NDArray[np.object_], chat_name: str
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Give back the whole name of a group whose name has a colon ("Runners: 10K"), which the
    line pattern cut at its first colon, to the lines iOS files under it."""
    head = chat_name.split(":", 1)[0]
    prefix = chat_name + ": "
    authors, bodies = authors.copy(), bodies.copy()
    for i in np.flatnonzero(authors == head).tolist():
        whole = f"{authors[i]}: {bodies[i]}"
        if whole.startswith(prefix):
            authors[i], bodies[i] = chat_name, whole[len(prefix) :]
    return authors, bodies


def _ios_group_rows(
    authors: npt.NDArray[np.object_],
    bodies: npt.NDArray[np.object_],
    has_author: npt.NDArray[np.bool_],
    chat_name: str | None,
) -> npt.NDArray[np.bool_]:
    """Find iOS system lines, which iOS writes under the group's name as if it were a person.

    The group's name is the author of the export's first line when its body starts with a
    left-to-right mark (the encryption notice, in whatever language), or of any system line
    recognised among the first authored lines.
    """
    group_names: set[str] = {chat_name} if chat_name else set()
    head = np.flatnonzero(has_author)[:50]
    for i in head:
        read = classify_system_line(bodies[i]).language is not None
        if read and not _filed_under_actor(authors[i], bodies[i]):
            group_names.add(authors[i])
    notice = pd.Series(bodies, dtype=object).str.startswith(
        ("Messages and calls are end-to-end encrypted", "ההודעות והשיחות מוצפנות")
    )
    group_names.update(authors[notice.to_numpy(dtype=bool) & has_author])
    # Newer iPhones file some system lines under the person who acted ("Boris: Boris created
    # group …", Pustur/whatsapp-chat-parser#258): a line naming its own author first (or, in
    # Arabic, after the verb) and read as a system line is one; nobody else writes their own
    # contact name at the head of a message.
    codes, uniques = pd.factorize(authors)
    heads = np.array([f"{u.lstrip('~').strip()} " for u in uniques] + [" "], dtype=object)
    candidates = [
        body.startswith((head, *_ARABIC_VERBS))
        for body, head in zip(bodies.tolist(), heads[codes].tolist(), strict=True)
    ]
    by_actor = np.zeros(len(authors), dtype=bool)
    for i in np.flatnonzero(np.array(candidates, dtype=bool) & has_author).tolist():
        by_actor[i] = _filed_under_actor(authors[i], bodies[i])
    if not group_names:
        return by_actor & has_author
    in_group: npt.NDArray[np.bool_] = (
        pd.Series(authors, dtype=object).isin(group_names).to_numpy(dtype=bool)
    )
    return (in_group | by_actor) & has_author


# Arabic system lines start with their verb and name the actor after it.
_ARABIC_VERBS = ("أنشأ", "غيّر", "غير", "ثبّت", "ثبت", "أضاف", "أزال")


def _filed_under_actor(author: str, body: str) -> bool:
    """Tell whether an iPhone row is a system line filed under the person who acted."""
    body, name = body.strip(), author.lstrip("~").strip()  # "~ Dana": not in the contacts
    if not (body.startswith(f"{name} ") or f" {name} " in f" {body[:60]} "):
        return False
    line = classify_system_line(body)
    if line.language is None:
        return False
    return body.startswith(f"{name} ") or (line.language == "ar" and line.actor == name)


def _unknown_language(recognised: dict[str, int], unrecognised: int, ios_marked: bool) -> bool:
    """Tell whether the export has system lines but none in a language Kesher reads (then
    messages and authors are still measured, but joins and leaves are unknown)."""
    return recognised["system"] == 0 and (unrecognised > 0 or ios_marked)


def _out_of_sequence(local: npt.NDArray[np.datetime64]) -> npt.NDArray[np.bool_]:
    """Rows whose time breaks the export's order: lines inside a message that start with a
    date ("31/12/2025, 10:00 - final race"), which would otherwise become messages dated in
    another year and move the report's end there.

    WhatsApp writes messages in order (an iPhone may step back a few minutes), so the rows kept
    are a longest run in time order (hour precision; on a tie the later row is kept) and the
    others dropped, when some row steps back by more than a day. A file with many such rows
    (two exports pasted together) is left as it is: that is not a pasted line or two.
    """
    seconds = local.astype("datetime64[s]").astype(np.int64)
    if len(seconds) < 3 or not (np.diff(seconds) < -86_400).any():
        return np.zeros(len(seconds), dtype=bool)
    keys = (seconds // 3600).tolist()
    tails: list[int] = []
    tail_rows: list[int] = []
    parent = [-1] * len(keys)
    for i, key in enumerate(keys):
        pos = bisect.bisect_right(tails, key)
        if pos == len(tails):
            tails.append(key)
            tail_rows.append(i)
        else:
            tails[pos] = key
            tail_rows[pos] = i
        parent[i] = tail_rows[pos - 1] if pos else -1
    keep = np.zeros(len(keys), dtype=bool)
    row = tail_rows[-1]
    while row >= 0:
        keep[row] = True
        row = parent[row]
    dropped = ~keep
    if dropped.sum() > max(MAX_PASTED_LINES, 0.02 * len(keys)):
        return np.zeros(len(keys), dtype=bool)
    return dropped


#: At most this many out-of-sequence lines (or 2% of the rows) are taken for pasted dates.
MAX_PASTED_LINES = 20


def _check_community(people: int, group_lines: int, *, unread: int, name_writes: bool) -> list[str]:
    """Refuse a private chat: two people at most, and no line that only a group has.

    WhatsApp exports a one-to-one chat in the same layout as a group. A group shows itself by
    system lines (someone joined, was added, left or was removed; the group was created or its
    subject changed); a chat between two people has none of them. When some system lines could
    not be read (`unread`: in a language Kesher does not read, or a wording it does not know,
    and none of the lines a private chat has too), their absence proves nothing: the chat is
    measured with a note, unless an iPhone filed its first line under someone who also writes
    in it (a private chat is filed under the contact's name, a group under the group's).
    """
    if people > 2 or group_lines:
        return []
    if name_writes:
        raise NotACommunity(
            "This looks like a private chat, not a group: the export's first line (the "
            "encryption notice) is filed under a name that also writes messages, which is how "
            "an iPhone exports a chat between two people; a group's is filed under the group's "
            "name. Kesher measures communities: export the group itself (open the group, then "
            "tap its name → Export chat)."
        )
    if unread:
        return [PRIVATE_UNREAD_NOTE]
    raise NotACommunity(
        f"This looks like a private chat, not a group: only {people} "
        f"{'person writes' if people == 1 else 'people write'} in it, and no line shows a "
        "group (no one joined, was added or left, and no group was created). Kesher measures "
        "communities: export the group itself (open the group, then ⋮ → More → Export chat)."
    )


#: Said when a chat of one or two writers cannot be told from a private chat.
PRIVATE_UNREAD_NOTE = (
    "At most two people write in this chat, and some of its system lines could not be read "
    "(a language or a wording Kesher does not know), so it could not be checked that this is a "
    "group and not a private chat; it was measured as a group."
)


def _name_writes(raw: str, raw_name: str) -> bool:
    """Tell whether the name an iPhone filed the first line under also writes messages (lines
    under it that do not start with a direction mark, as iPhone system lines do)."""
    head = re.compile(
        rf"^\[[^\]\n]{{6,40}}\] {re.escape(raw_name)}: (?![\u200e\u200f\s])", re.MULTILINE
    )
    return head.search(raw) is not None


def _admins(
    hasher: PersonHasher,
    admin_names: Iterable[str],
    actors: set[str],
    events: pd.DataFrame,
) -> tuple[frozenset[str], AdminSource, list[str]]:
    """Admins as named by the owner, else those seen adding or removing members."""
    named = [name for name in admin_names if normalise_person(name)]
    if named:
        admins = hasher.hash_all(named)
        seen = set(events["author"].dropna().unique())
        missing = len(admins - seen)
        notes = [f"{missing} named admin(s) never appear in the export."] if missing else []
        return admins, AdminSource.NAMED, notes
    if actors:
        return hasher.hash_all(actors), AdminSource.INFERRED, []
    return frozenset(), AdminSource.NONE, []
