"""Family ``weasyprint``: the chromium family's HTML table laid out and printed by WeasyPrint.

The same web page as ``chromium.py`` builds (``thead`` repeated on every page or the header
as the body's first row, ``rowspan`` for a release's merged cells, CSS rules, fills,
``vertical-align``, ``@page`` size and orientation, ``break-inside: avoid`` for rows kept
whole), but a different engine lays it out and writes the PDF: WeasyPrint (Pango and
HarfBuzz for the text, pydyf for the file), whose table layout, line breaking, page breaks
inside rows and ``rowspan`` cells, and text drawing are its own. Fonts come from
fontconfig, as for Chromium (Liberation Sans, DejaVu Serif).
"""

from __future__ import annotations

from pathlib import Path

from chromium import page
from common import Style


def render(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    from weasyprint import HTML  # imported here: loading Pango takes a while

    HTML(string=page(style, rows)).write_pdf(str(pdf), uncompressed_pdf=False)
