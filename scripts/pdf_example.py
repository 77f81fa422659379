"""Render the example Hebrew agreement of docs/pdf-example-he.png.

`python scripts/pdf_example.py [PNG]` writes the PDF next to PNG (default: the working
directory) and, where poppler-utils' ``pdftoppm`` is installed, page 1 as that PNG, so a reviewer
can look at what the PDF module draws.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.documents.pdf import (  # noqa: E402
    Document,
    Footer,
    Heading,
    KeyValues,
    Paragraph,
    Signatures,
    Table,
    render_pdf,
)


def example() -> Document:
    """A Hebrew agreement with mixed-direction text, a table over two pages and signatures."""
    rows = [
        [str(i), f"הורים בגבעתיים {i}", "WhatsApp", f"{i} פוסטים", f"₪{i * 150:,}.00"]
        for i in range(1, 40)
    ]
    return Document(
        "הסכם התקשרות – Shorashim Foods",
        "he",
        [
            Paragraph("הסכם מס' 12 עם Shorashim Foods על סך ₪1,250.00 לתקופה 01/01–31/01"),
            Paragraph(
                'שָׁלוֹם וּבְרָכָה: טקסט עם ניקוד, סוגריים (כמו כאן), מירכאות "כפולות" ואחוזים 15%'
                " – ומספר טלפון 03-1234567."
            ),
            Heading("הצדדים"),
            KeyValues(
                [
                    ("מותג", 'Shorashim Foods בע"מ'),
                    ("קהילה", "הורים בגבעתיים"),
                    ("סכום", "₪1,250.00"),
                    ("תקופה", "01/01/2027 – 31/01/2027"),
                ]
            ),
            Heading("מיקומים"),
            Table(
                ["#", "קהילה", "ערוץ", "כמות", "סכום"],
                rows,
                align=["start", "start", "start", "start", "end"],
                widths=[0.5, 2.5, 1.2, 1.2, 1.3],
            ),
            Signatures(["הסוכנות (Kesher)", "בעלת הקהילה"]),
            Footer("SHA-256: 3f1c0a7d5e…9b2e"),
        ],
    )


def main(png: str = "pdf-example-he.png") -> None:
    """Write the example's PDF, and its first page as a PNG when pdftoppm is there."""
    target = Path(png)
    pdf = target.with_suffix(".pdf")
    pdf.write_bytes(render_pdf(example()))
    print(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        stem = target.with_suffix("")
        subprocess.run(  # noqa: S603
            [pdftoppm, "-r", "110", "-png", "-singlefile", "-f", "1", "-l", "1", pdf, stem],
            check=True,
        )
        print(target)


if __name__ == "__main__":
    main(*sys.argv[1:2])
