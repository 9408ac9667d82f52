"""What the chain saw on one page, for ``drr debug-page``: columns, rows and cells."""

from __future__ import annotations

from dataclasses import dataclass

from extract.errors import UnreadableDocument
from extract.limits import Limits
from extract.pdf.cells import PageRows
from extract.pdf.geometry import Box, Ruling, union
from extract.pdf.reader import build_table, load_pages, resolve_columns, table_pages
from extract.pdf.table import PageTable


@dataclass(frozen=True)
class DebugCell:
    name: str  # record field, or the printed header of an extra column
    box: Box
    rows: tuple[int, ...]  # 1-based data rows the cell gives its value to


@dataclass(frozen=True)
class DebugPage:
    number: int
    width: float
    height: float
    layout: str
    edges: tuple[float, ...]
    rows: tuple[tuple[int, float, float], ...]  # (1-based row, top, bottom)
    cells: tuple[DebugCell, ...]
    rulings: tuple[Ruling, ...]  # drawn=False: a filled box's edge (a zebra row, a band)
    hidden_chars: int
    ruled: bool
    align: str = "bottom"  # how unruled cells sit in their rows, as measured
    continued: bool = False  # the first row began on the page before (a row broken by a page)
    header: tuple[float, float] | None = None  # the header block above the rows, top and bottom


def debug_page(data: bytes, number: int, limits: Limits) -> DebugPage:
    """Columns, row bands and cells the reader found on page ``number`` (1-based)."""
    pages, warnings = load_pages(data, limits)
    tables = table_pages(pages)
    table = build_table(tables, warnings)
    found = [i for i, p in enumerate(table.pages) if p.number == number]
    if not found:
        raise UnreadableDocument(f"page {number} has no text the reader could use")
    page, rows = table.pages[found[0]], table.rows[found[0]]
    bands = tuple(
        (rows.first_row + i + 1, max(band.top, 0.0), min(band.bottom, page.geometry.height))
        for i, band in enumerate(rows.bands)
    )
    cells = []
    for column, column_cells in enumerate(resolve_columns(table)):
        name = table.match.fields[column] or table.match.headers[column]
        for cell in column_cells:
            here = [f.box for f in cell.fragments if f.page == number]
            if here:
                rows_1 = tuple(r + 1 for r in cell.rows)
                cells.append(DebugCell(name, union(here), rows_1))
    previous = table.rows[found[0] - 1] if found[0] else None
    continued = previous is not None and previous.first_row + len(previous.bands) - 1 == (
        rows.first_row
    )
    return DebugPage(
        number,
        page.geometry.width,
        page.geometry.height,
        table.match.profile.name,
        page.edges,
        bands,
        tuple(cells),
        page.geometry.rulings,
        page.geometry.hidden_chars,
        page.ruled,
        table.align,
        continued,
        header_block(page, rows),
    )


def header_block(page: PageTable, rows: PageRows) -> tuple[float, float] | None:
    """The lines above the page's first row: its copy of the header, where it has one."""
    if not rows.bands:
        return None
    first = max(rows.bands[0].top, 0.0)
    above = [f.box[1] for f in page.fragments if f.baseline <= first]
    return (min(above), first) if above else None
