"""Family ``fpdf2``: a table drawn with fpdf2's ``FPDF.table()``, as small Python scripts print.

``borders_layout`` for the rules (``ALL``, ``HORIZONTAL_LINES``, ``SINGLE_TOP_LINE``,
``NONE``), ``cell_fill_mode`` ``ROWS`` for zebra fills, ``repeat_headings`` for a header on
every page (or page 1 only), ``v_align`` and per-cell ``align``, a bold heading style (white
on a coloured band, or not). Body text keeps fpdf2's own default alignment, justified, as a
script that never sets ``text_align`` prints it.

fpdf2 never breaks a row, nor a ``rowspan``, over a page. So a release's merged cells are
printed two ways: where ``split_rows`` is False, as true ``rowspan`` cells (the release
stays on one page); where it is True, as the value on the release's first row and blank
cells under it with no rule across them (per-cell ``border``), so a release may run over a
page break with its merged value on the first page only.

Fonts: the sans files embed DejaVu Sans (a TTF subset, Debian's fonts-dejavu-core); the
serif files use the PDF's built-in Times (no font embedded, WinAnsi text) where every
printed character is in cp1252, else DejaVu Serif. The creation date is fixed, so the same
rows give the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from common import BAND, PROSE, TITLE, ZEBRA, Style, block_spans, covered, header_text, widths
from fpdf import FPDF
from fpdf.enums import CellBordersLayout, TableBordersLayout, TableCellFillMode, TableSpan
from fpdf.fonts import FontFace

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 12  # mm
BORDERS = {
    "grid": TableBordersLayout.ALL,
    "horizontal": TableBordersLayout.HORIZONTAL_LINES,
    "header": TableBordersLayout.SINGLE_TOP_LINE,
    "none": TableBordersLayout.NONE,
    "zebra": TableBordersLayout.NONE,
}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _cp1252(rows: list[dict[str, str]]) -> bool:
    try:
        for row in rows:
            for value in row.values():
                value.encode("cp1252")
        PROSE.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def font(pdf: FPDF, style: Style, rows: list[dict[str, str]]) -> str:
    """Register and return the family: built-in Times, DejaVu Serif or DejaVu Sans."""
    if style.serif and _cp1252(rows):
        pdf.core_fonts_encoding = "cp1252"  # fpdf2 writes core fonts as WinAnsiEncoding
        return "Times"
    name = "DejaVuSerif" if style.serif else "DejaVuSans"
    pdf.add_font(name, "", str(DEJAVU / f"{name}.ttf"))
    pdf.add_font(name, "B", str(DEJAVU / f"{name}-Bold.ttf"))
    return name


def blank_borders(style: Style, first: bool, last: bool) -> CellBordersLayout:
    """The borders of a merged column's cell printed as a blank under its release's first
    row: no rule across the release, the table's own rules around it."""
    if style.rules == "grid":
        border = CellBordersLayout.LEFT | CellBordersLayout.RIGHT
    elif style.rules == "horizontal":
        border = CellBordersLayout.NONE
    else:
        return CellBordersLayout.INHERIT
    if first:
        border |= CellBordersLayout.TOP
    if last:
        border |= CellBordersLayout.BOTTOM
    return CellBordersLayout(border)


def render(style: Style, rows: list[dict[str, str]], pdf_path: Path) -> None:
    pdf = FPDF(orientation="L" if style.landscape else "P", unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(TITLE)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    family = font(pdf, style, rows)
    if style.title:
        pdf.set_font(family, "B", style.size * 1.6)
        pdf.multi_cell(0, style.size * 0.6, TITLE, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", style.size)
        pdf.multi_cell(0, style.size * 0.45, PROSE, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(style.size * 0.4)
    pdf.set_font(family, "", style.size)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)

    cols = style.columns()
    merged = style.merged_fields()
    spans = block_spans(style, rows)
    hidden = covered(spans)
    true_spans = not style.split_rows  # rowspan cells (kept on a page), else blank cells
    last_of = {first + n - 1 for first, n in spans.items()}
    heading = FontFace(
        emphasis="B",
        color=(255, 255, 255) if style.band else None,
        fill_color=_rgb(BAND) if style.band else None,
    )
    with pdf.table(
        col_widths=[w * 100 for w in widths(style)],
        width=pdf.epw,
        borders_layout=BORDERS[style.rules],
        cell_fill_color=_rgb(ZEBRA) if style.rules == "zebra" else None,
        cell_fill_mode=TableCellFillMode.ROWS if style.rules == "zebra" else TableCellFillMode.NONE,
        headings_style=heading,
        repeat_headings=1 if style.repeat_header else 0,
        v_align=style.valign.upper(),
        line_height=style.size * 0.42,
        padding=(0.8, 1.0),
    ) as table:
        head = table.row()
        for col in cols:
            head.cell(
                "\n".join(header_text(col, style.header_lines)),
                align="CENTER" if style.header_center else "LEFT",
            )
        for i, row in enumerate(rows):
            line = table.row()
            for col in cols:
                if col.field in merged and i in hidden:
                    if true_spans:
                        line.cell(TableSpan.ROW)
                    else:
                        line.cell("", border=blank_borders(style, False, i in last_of))
                    continue
                if col.field in merged and i in spans:
                    # a rowspan: this cell, and TableSpan.ROW under it in the rows it covers
                    border = None if true_spans else blank_borders(style, True, False)
                    line.cell(row[col.source], border=border or CellBordersLayout.INHERIT)
                    continue
                align = "RIGHT" if col.field == "row_id" and style.right_ids else None
                line.cell(row[col.source], align=align)
    pdf.output(str(pdf_path))
