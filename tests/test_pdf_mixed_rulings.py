"""A real row lost by the prose step: found by an independent check on random renderings.

A ruled register whose notes come on a page of their own (no rules there) had the first
line of the first row on page 2 dropped as "prose above the table", so that row lost its
id's first line and the first line of every cell (rendered case: DataReleases, ruled,
no print titles, notes on a new page; "SystemAccess0399" read as "ess0399").

Cause: ``reader.page_tables`` counts the phrase starts (where column text begins) on the
unruled pages only when there are any (``phrase_starts(unruled or texty)``) and hands
them to ``printed_lines`` for every page, ruled ones included. On the ruled pages the
starts of the notes page say nothing of the columns, so ``columns.line_spans`` joins a
cell's last word, its trailing space and the next cell's first word (less than a font
size apart, "not at a strong start") into one phrase across the rule; the line
"crosses" (``prose.PrintedLine.crosses``), is prose, and above the page's first table
line it is dropped (``prose.unread_lines``). The reader before the prose step (1aa3d28)
reads the row whole. Fixed: ruled pages now judge phrases by the ruled pages' own starts.
"""

from __future__ import annotations

from pdfminer.fontmetrics import FONT_METRICS
from test_pdf_helpers import make_pdf, text

from extract.pdf import read_pdf

EDGES = [40.0, 90.0, 200.0, 400.0]  # Row ID | Organisation Name | Purpose, ruled
PAD = 3.0


def width(value: str, size: int = 10) -> float:
    widths = FONT_METRICS["Helvetica"][1]
    return sum(widths[c] for c in value) * size / 1000


def grid(ys: list[float]) -> bytes:
    """Vertical rules at every edge from the top to the bottom rule, a rule at every y."""
    out = b"0.5 w\n"
    for x in EDGES:
        out += b"%.2f %.2f m %.2f %.2f l S\n" % (x, ys[0], x, ys[-1])
    for y in ys:
        out += b"%.2f %.2f m %.2f %.2f l S\n" % (EDGES[0], y, EDGES[-1], y)
    return out


def cells(y: float, row: list[str]) -> bytes:
    return b"".join(text(x + PAD, y, v) for x, v in zip(EDGES[:-1], row, strict=True) if v)


def page_one() -> bytes:
    out = grid([810, 790, 770, 750])
    out += cells(794, ["Row ID", "Organisation Name", "Purpose"])
    out += cells(774, ["1", "NICOR", "Audit of cancer care"])
    out += cells(754, ["2", "UCL", "Research"])
    return out


def page_two() -> bytes:
    """Row 3 on two lines; its organisation's first line runs up to the rule, a trailing
    space after it, and the purpose starts just past the rule: tight but inside its cell."""
    org = "NHS Leeds CCG"
    out = grid([812, 780, 760])
    out += text(EDGES[2] - 0.8 - width(org), 800, org + " ")  # ends 0.8 pt left of the rule
    out += text(EDGES[2] + PAD, 800, "Commissioning of")
    out += cells(786, ["3", "North", "acute services"])
    out += cells(764, ["4", "UCL", "Invoice validation"])
    return out


def notes_page() -> bytes:
    """The register's notes on a page of their own, no rules (a paragraph)."""
    out = text(40, 800, "Notes")
    out += text(
        40, 780, "Releases are listed in the order in which the data left the organisation."
    )
    out += text(40, 766, "Purpose statements longer than the space available are shortened.")
    return out


EXPECTED = [
    ("1", "NICOR", "Audit of cancer care"),
    ("2", "UCL", "Research"),
    ("3", "NHS Leeds CCG North", "Commissioning of acute services"),
    ("4", "UCL", "Invoice validation"),
]


def fields(pages: list[bytes]) -> list[tuple[str | None, ...]]:
    rows = read_pdf(make_pdf(pages))
    return [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in rows]


def test_the_ruled_table_alone_is_read_whole():
    assert fields([page_one(), page_two()]) == EXPECTED


def test_a_notes_page_without_rules_does_not_cut_a_ruled_rows_first_line():
    assert fields([page_one(), page_two(), notes_page()]) == EXPECTED
