"""A numeric row id right-aligned under its left-aligned header: found by an independent
check on random renderings (``pr9502``, its prose-free twin read 0 rows and no error).

Wide enough a Row ID column, the ids ("1684", right-aligned) never reach under the header
("Row ID", left-aligned), so a white river runs between them from top to bottom and the
column was read as two: "Row ID" with no cells, and a header-less column of ids. The
header still matched its layout, the row-id column was empty, and the table gave no
rows. A column with a header and no cells beside one with cells and no header is now
read as one column (``header.headerless_edges``).
"""

from __future__ import annotations

from pdfminer.fontmetrics import FONT_METRICS
from test_pdf_helpers import make_pdf, text

from extract.pdf import read_pdf

ROWS = [("1684", "Sheffield City Council", "Audit"), ("1685", "UCL", "Research")]


def width(value: str, size: int = 10) -> float:
    return sum(FONT_METRICS["Helvetica"][1][c] for c in value) * size / 1000


def test_right_aligned_ids_under_a_left_aligned_header_are_one_column():
    id_right = 100.0  # "Row ID" ends near x = 70, the ids start near x = 78
    xs = [130.0, 260.0]
    out = text(40, 800, "Row ID") + text(xs[0], 800, "Organisation Name")
    out += text(xs[1], 800, "Purpose")
    for i, (row_id, org, purpose) in enumerate(ROWS):
        y = 780 - 20 * i
        out += text(id_right - width(row_id), y, row_id)
        out += text(xs[0], y, org) + text(xs[1], y, purpose)
    rows = read_pdf(make_pdf([out]))
    assert [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in rows] == ROWS
