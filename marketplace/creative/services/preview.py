"""What the creative page shows besides the rows: text direction, preview style, the diff."""

from __future__ import annotations

import unicodedata

from campaigns.delivery.text import token_diff
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
    """The change from one version's text to another's, exactly as written (not normalised):
    :func:`campaigns.delivery.text.token_diff`, the same diff a proof is checked with."""
    return token_diff(old, new)
