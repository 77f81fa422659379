"""Every pictograph the templates print has a glyph in the fonts the pages are drawn with."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
#: The fonts Kesher ships, and the symbol fonts of fonts-noto-core (installed by `make test`
#: with the Hebrew font; Chromium falls back to them for pictographs).
FONTS = [
    *sorted((ROOT / "marketplace" / "static" / "fonts").glob("*.ttf")),
    *sorted(Path("/usr/share/fonts/truetype/noto").glob("NotoSansSymbols*-Regular.ttf")),
]


def test_every_symbol_in_a_template_has_a_glyph() -> None:
    # 💬 on the Facebook preview had none: a new user saw an empty box next to "Comment".
    assert len(FONTS) > 4, "fonts-noto-core is not installed (sudo apt-get install fonts-noto-core)"
    drawable: set[int] = set()
    for font in FONTS:
        drawable |= set(TTFont(font).getBestCmap())
    missing = {
        f"{template.relative_to(ROOT)}: {char} U+{ord(char):04X}"
        for template in (ROOT / "templates").rglob("*.html")
        for char in template.read_text(encoding="utf-8")
        if unicodedata.category(char) == "So" and ord(char) not in drawable
    }
    assert not missing, sorted(missing)
