"""Family ``writer``: a Word document (python-docx) printed to PDF by LibreOffice Writer.

The register as a word processor table: the header row marked to repeat on each page
(``w:tblHeader``) or not, vertically merged cells (``w:vMerge``) over a release's rows,
table and cell borders, cell shading, rows allowed to break across pages or not
(``w:cantSplit``), then ``soffice --headless --convert-to pdf``.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from common import BAND, PROSE, TITLE, ZEBRA, Style, block_spans, header_text, widths
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

VALIGN = {
    "top": WD_ALIGN_VERTICAL.TOP,
    "middle": WD_ALIGN_VERTICAL.CENTER,
    "bottom": WD_ALIGN_VERTICAL.BOTTOM,
}
# Which table borders each rule style draws (the rest are "nil").
TABLE_BORDERS = {
    "grid": ("top", "left", "bottom", "right", "insideH", "insideV"),
    "horizontal": ("top", "bottom", "insideH"),
    "header": (),
    "none": (),
    "zebra": (),
}
MARGIN_MM = 12


def borders(table: Any, drawn: tuple[str, ...]) -> None:
    props = table._tbl.tblPr
    element = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if side in drawn else "nil")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:color"), "000000")
        element.append(edge)
    props.append(element)


def shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def rule_under(cell: Any) -> None:
    edges = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    edges.append(bottom)
    cell._tc.get_or_add_tcPr().append(edges)


def row_flag(row: Any, flag: str) -> None:
    element = OxmlElement(f"w:{flag}")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def write(
    cell: Any,
    lines: list[str],
    style: Style,
    *,
    align: Any,
    bold: bool = False,
    white: bool = False,
) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    for n, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold = bold
        if white:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        if n < len(lines) - 1:
            run.add_break()


def page_setup(doc: Any, style: Style) -> float:
    """A4 in the style's orientation; returns the text width in millimetres."""
    section = doc.sections[0]
    short, long = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if style.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if style.landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    normal = doc.styles["Normal"]
    normal.font.name = "Liberation Serif" if style.serif else "Liberation Sans"
    normal.font.size = Pt(style.size)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    return (297 if style.landscape else 210) - 2 * MARGIN_MM


def header(table: Any, style: Style) -> None:
    row = table.rows[0]
    if style.repeat_header:
        row_flag(row, "tblHeader")
    align = WD_ALIGN_PARAGRAPH.CENTER if style.header_center else WD_ALIGN_PARAGRAPH.LEFT
    for cell, col in zip(row.cells, style.columns()):
        cell.vertical_alignment = VALIGN[style.valign]
        write(
            cell,
            header_text(col, style.header_lines),
            style,
            align=align,
            bold=True,
            white=style.band,
        )
        if style.band:
            shade(cell, BAND)
        if style.rules == "header":
            rule_under(cell)


def body(table: Any, style: Style, rows: list[dict[str, str]]) -> None:
    spans = block_spans(style, rows)
    for c, col in enumerate(style.columns()):
        if col.field in style.merged_fields():
            for first, n in spans.items():
                table.cell(first + 1, c).merge(table.cell(first + n, c))
    for i, row in enumerate(rows):
        cells = table.rows[i + 1].cells
        if not style.split_rows:
            row_flag(table.rows[i + 1], "cantSplit")
        for cell, col in zip(cells, style.columns()):
            if style.rules == "zebra" and i % 2:
                shade(cell, ZEBRA)
            cell.vertical_alignment = VALIGN[style.valign]
            if cell.paragraphs[0].runs:  # a merged cell already written from its first row
                continue
            right = style.right_ids and col.field == "row_id"
            align = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
            write(cell, [row[col.source]] if row[col.source] else [], style, align=align)


def document(style: Style, rows: list[dict[str, str]]) -> Any:
    doc = Document()
    text_width = page_setup(doc, style)
    if style.title:
        title = doc.add_paragraph().add_run(TITLE)
        title.bold, title.font.size = True, Pt(style.size * 1.6)
        doc.add_paragraph(PROSE).paragraph_format.space_after = Pt(style.size)
    table = doc.add_table(rows=len(rows) + 1, cols=len(style.columns()))
    table.autofit = False
    borders(table, TABLE_BORDERS[style.rules])
    for c, share in enumerate(widths(style)):
        table.columns[c].width = Mm(text_width * share)  # the grid LibreOffice lays out
        for cell in table.columns[c].cells:
            cell.width = Mm(text_width * share)
    header(table, style)
    body(table, style, rows)
    return doc


def render(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{pdf.stem}.docx"
        document(style, rows).save(str(source))
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
        pdf.write_bytes((Path(tmp) / f"{pdf.stem}.pdf").read_bytes())
