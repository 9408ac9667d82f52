"""Family ``reportlab``: a ReportLab ``LongTable`` of ``Paragraph`` cells, as report code prints.

``SPAN`` for a release's merged cells, ``repeatRows`` for a header on every page (or 0),
``splitInRow`` to let a tall row break over a page, ``GRID`` / ``LINEBELOW`` /
``ROWBACKGROUNDS`` / ``BACKGROUND`` for the rules and fills. Built with ``invariant`` set,
so the same rows give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from common import BAND, PROSE, TITLE, ZEBRA, Style, block_spans, header_text, widths
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

MARGIN = 12 * mm
VALIGN = {"top": "TOP", "middle": "MIDDLE", "bottom": "BOTTOM"}
RULES: dict[str, list[tuple[Any, ...]]] = {
    "grid": [("GRID", (0, 0), (-1, -1), 0.5, colors.black)],
    "horizontal": [
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.black),
    ],
    "header": [("LINEBELOW", (0, 0), (-1, 0), 1, colors.black)],
    "none": [],
    "zebra": [("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(ZEBRA)])],
}


def paragraph_styles(style: Style) -> dict[str, ParagraphStyle]:
    face = "Times-Roman" if style.serif else "Helvetica"
    bold = "Times-Bold" if style.serif else "Helvetica-Bold"
    body = ParagraphStyle("body", fontName=face, fontSize=style.size, leading=style.size * 1.2)
    return {
        "body": body,
        "id": ParagraphStyle("id", parent=body, alignment=TA_RIGHT),
        "head": ParagraphStyle(
            "head",
            parent=body,
            fontName=bold,
            alignment=TA_CENTER if style.header_center else TA_LEFT,
            textColor=colors.white if style.band else colors.black,
        ),
        "title": ParagraphStyle(
            "title", parent=body, fontName=bold, fontSize=style.size * 1.6, leading=style.size * 2
        ),
    }


def cells(style: Style, rows: list[dict[str, str]]) -> list[list[Any]]:
    styles = paragraph_styles(style)
    head = [
        Paragraph(
            "<br/>".join(escape(t) for t in header_text(c, style.header_lines)), styles["head"]
        )
        for c in style.columns()
    ]
    body = [
        [
            Paragraph(
                escape(row[c.source]),
                styles["id" if style.right_ids and c.field == "row_id" else "body"],
            )
            for c in style.columns()
        ]
        for row in rows
    ]
    hidden = {
        i for first, n in block_spans(style, rows).items() for i in range(first + 1, first + n)
    }
    merged = style.merged_fields()
    for i in hidden:  # a spanned cell prints its first row's value only
        for c, col in enumerate(style.columns()):
            if col.field in merged:
                body[i][c] = ""
    return [head, *body]


def table_style(style: Style, rows: list[dict[str, str]]) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), VALIGN[style.valign]),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *RULES[style.rules],
    ]
    if style.band:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(BAND)))
    for c, col in enumerate(style.columns()):
        if col.field in style.merged_fields():
            for first, n in block_spans(style, rows).items():
                commands.append(("SPAN", (c, first + 1), (c, first + n)))
    return commands


def render(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    rl_config.invariant = 1  # no creation date or random id: the same rows, the same bytes
    size = landscape(A4) if style.landscape else A4
    doc = SimpleDocTemplate(
        str(pdf),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=TITLE,
    )
    width = size[0] - 2 * MARGIN
    table = LongTable(
        cells(style, rows),
        colWidths=[width * share for share in widths(style)],
        repeatRows=1 if style.repeat_header else 0,
        splitInRow=1 if style.split_rows else 0,
        style=table_style(style, rows),
    )
    story: list[Any] = []
    if style.title:
        styles = paragraph_styles(style)
        story += [
            Paragraph(TITLE, styles["title"]),
            Paragraph(escape(PROSE), styles["body"]),
            Spacer(1, style.size),
        ]
    doc.build([*story, table])
