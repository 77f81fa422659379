"""The posted text against the approved creative: the disclosure wording, and a readable diff.

Copying a post into a chat app changes invisible things: direction marks (LRM, RLM, the
embedding and isolate controls), non-breaking and doubled spaces, line breaks, the Unicode
form of Hebrew points. :func:`normalise` removes those before anything is compared, so only
a change a reader can see counts. The tracked link replaces the creative's placeholder when
the post runs, so every URL compares as one token (``<link>``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from campaigns.deals.creative import disclosure_present

#: Bidi controls and other invisible format characters a copy-paste adds or drops.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
LINK = "<link>"


def normalise(text: str) -> str:
    """NFC, without invisible marks, URLs as ``<link>``, whitespace runs as one space."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _URL.sub(LINK, text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class TextCheck:
    """What staff see next to a proof: is the disclosure there, is the text the approved one."""

    disclosure_ok: bool
    same_as_creative: bool
    #: (kind, text) pieces: ``same``, ``del`` (in the creative, not posted), ``ins`` (posted,
    #: not in the creative); words and single spaces, after :func:`normalise`.
    diff: tuple[tuple[str, str], ...]


def token_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as (kind, text) pieces: ``same``, ``del``, ``ins``.

    Words and the spaces or line breaks between them are compared as tokens, so joining the
    ``same`` and ``ins`` pieces gives ``new`` back exactly. The texts are compared as given
    (:func:`word_diff` normalises them first).
    """
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def word_diff(approved: str, posted: str) -> tuple[tuple[str, str], ...]:
    """The change from the approved text to the posted one, word by word (normalised)."""
    return tuple(token_diff(normalise(approved), normalise(posted)))


def check_text(posted: str, *, approved: str, disclosure: str) -> TextCheck:
    """Check pasted post text for the agreed disclosure wording and against the creative."""
    same = normalise(posted) == normalise(approved)
    return TextCheck(
        disclosure_ok=disclosure_present(posted, disclosure) if disclosure.strip() else True,
        same_as_creative=same,
        diff=word_diff(approved, posted),
    )
