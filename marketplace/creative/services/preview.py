"""What the creative page shows besides the rows: text direction, preview style, the diff."""

from __future__ import annotations

import difflib
import re
import unicodedata

from marketplace.deals.models import DealPlacement
from pricing.taxonomy import PlacementType, Platform


def text_direction(text: str) -> str:
    """``rtl`` when the first strong character is right-to-left (Hebrew, Arabic), else ``ltr``."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def preview_style(placement: DealPlacement) -> str:
    """Which channel the preview imitates: whatsapp, telegram, facebook, newsletter, generic."""
    if placement.placement_type in (
        PlacementType.NEWSLETTER_SPONSORSHIP,
        PlacementType.DEDICATED_SEND,
    ):
        return "newsletter"
    platform = placement.asset.platform
    if platform in (
        Platform.WHATSAPP_GROUP,
        Platform.WHATSAPP_COMMUNITY,
        Platform.WHATSAPP_CHANNEL,
    ):
        return "whatsapp"
    if platform in (Platform.TELEGRAM_CHANNEL, Platform.TELEGRAM_GROUP):
        return "telegram"
    if platform in (Platform.FACEBOOK_GROUP, Platform.FACEBOOK_PAGE):
        return "facebook"
    return "generic"


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as (kind, text) pieces: ``same``, ``del``, ``ins``.

    Words and the spaces or line breaks between them are compared as tokens, so joining the
    ``same`` and ``ins`` pieces gives ``new`` back exactly.
    """
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces
