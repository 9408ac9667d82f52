"""Unruled tables rendered with harsh column widths: found by an independent check on
random renderings (7 of 46 plain unruled renderings not read exactly).

- ``pl9026``: a table fitted to a portrait page prints at 3.2 pt; the NIC column's widest
  line ends 0.7 pt left of the opt-outs column's text. The river was measured on a grid of
  quarter points, which saw one empty slice (0.25 pt) of that strip, less than the
  narrowest gap kept (0.08 font sizes), so the two columns were read as one and their
  cells as one extra column. Rivers are now measured from the phrases' own ends.
- ``pl9012``: a purpose cell taller than its row overflows upward (cells are
  bottom-aligned) and its first line is printed 1.2 pt under the bold header "Purpose",
  a third of a letter. Both were grouped as one line and their letters interleaved
  ("PThuerp Hoesaelth ..."), so the header matched no field and the purpose of every row
  went to an extra column. Letters that cover each other are now two lines.
- A table whose header is found but which gives no row raises ``EmptyRegister`` with a
  reason, never an empty list.
"""

from __future__ import annotations

import pytest
from pdfminer.fontmetrics import FONT_METRICS
from test_pdf_helpers import make_pdf, text

from extract.errors import EmptyRegister
from extract.pdf import read_pdf
from extract.pdf.columns import BIN

SIZE = 4  # a wide table fitted to the page prints small
PITCH = 5.0
HEADER = ["Row ID", "Organisation Name", "Purpose"]


def width(value: str) -> float:
    widths = FONT_METRICS["Helvetica"][1]
    return sum(widths[c] for c in value) * SIZE / 1000


def draw(x: float, y: float, value: str) -> bytes:
    return text(x, y, value, SIZE)


def narrow_river_columns() -> list[float]:
    """Column x's where the organisation column's widest line (its header) ends 0.6 pt
    before the purpose column, the strip placed so a quarter-point grid from the table's
    left (x = 40) sees only one empty slice of it."""
    org_x = 60.0
    end = org_x + width(HEADER[1])
    org_x += (0.01 - (end - 40) % BIN) % BIN
    return [40.0, org_x, org_x + width(HEADER[1]) + 0.6]


ROWS = [
    ("1", "NICOR", "Audit"),
    ("2", "UCL", "Research"),
    ("3", "Leeds", "Invoice validation"),
]


def test_a_river_narrower_than_a_letter_still_parts_two_columns():
    xs = narrow_river_columns()
    out = b"".join(draw(x, 800, h) for x, h in zip(xs, HEADER, strict=True))
    for i, row in enumerate(ROWS):
        out += b"".join(draw(x, 790 - i * PITCH * 2, v) for x, v in zip(xs, row, strict=True))
    rows = read_pdf(make_pdf([out]))
    assert [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in rows] == ROWS


def test_a_cell_printed_over_the_header_does_not_garble_it():
    """Row 1's purpose has three lines, bottom-aligned to its id; its row is two lines
    tall, so its first line is printed a third of a letter under the header's line."""
    xs = [40.0, 70.0, 120.0]
    header_y = 800.0
    out = b"".join(draw(x, header_y, h) for x, h in zip(xs, HEADER, strict=True))
    first = header_y - 1.2  # overprints "Purpose"
    out += draw(xs[2], first, "Trusted research")
    out += draw(xs[2], first - PITCH, "environment for")
    out += draw(xs[2], first - 2 * PITCH, "cancer audit")
    out += draw(xs[0], first - 2 * PITCH, "1") + draw(xs[1], first - 2 * PITCH, "NICOR")
    y2 = first - 5 * PITCH
    out += draw(xs[0], y2, "2") + draw(xs[1], y2, "UCL") + draw(xs[2], y2, "Research")
    rows = read_pdf(make_pdf([out]))
    assert [r.fields.row_id for r in rows] == ["1", "2"]
    assert rows[1].fields.purpose == "Research"
    # the overprinted line cannot be told from the header's band: it is lost, not mixed in
    assert rows[0].fields.purpose == "environment for cancer audit"
    assert not rows[0].fields.extra


def test_a_header_with_no_rows_under_it_raises_with_a_reason():
    xs = [40.0, 70.0, 120.0]
    out = b"".join(draw(x, 800, h) for x, h in zip(xs, HEADER, strict=True))
    with pytest.raises(EmptyRegister, match="header but read no rows under it"):
        read_pdf(make_pdf([out]))
