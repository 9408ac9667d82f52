"""Cells of one column: which rows each covers and what it says, merged blocks included.

A cell is a run of fragments of one column and the rows (global, 0-based data-row
indices) it belongs to. In a ruled grid the column's own horizontal rules bound its
cells, so a vertically merged cell is simply a cell that covers several rows. With no
rules, a cell is a run of lines at the line pitch, and it belongs to the rows its lines
reach; bottom alignment puts a merged cell's text in the last rows of its block, so in
columns that merge, blank cells above a value are filled from it (``fill_upwards``).
A cell cut by a page break is continued on the next page (``join_across_pages``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from extract.pdf.geometry import Ruling
from extract.pdf.lines import Fragment
from extract.pdf.rows import Band, at_rules, rules_across, text_blocks
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings


@dataclass
class Cell:
    column: int
    page: int
    rows: list[int]
    fragments: list[Fragment]
    open_below: bool = False  # the page break cut it: it goes on at the next page's top
    inferred: bool = field(default=False)  # rows added by fill_upwards, not seen drawn
    continued: bool = False  # the rest of the cell ending the page before (``goes_on``)


@dataclass(frozen=True)
class PageRows:
    """The data rows of one page: their bands and their global indices."""

    page: int
    bands: tuple[Band, ...]
    first_row: int

    def row_of(self, baseline: float) -> int | None:
        for i, band in enumerate(self.bands):
            if band.holds(baseline):
                return self.first_row + i
        return None


def ruled_cells(
    rows: PageRows,
    column: int,
    x0: float,
    x1: float,
    rulings: Sequence[Ruling],
    fragments: Sequence[Fragment],
) -> list[Cell]:
    """Cells of one column of a ruled page: the column's own rules bound them."""
    ys = rules_across(rulings, x0, x1)
    if not ys or not rows.bands:
        return []
    cells: dict[int, Cell] = {}
    for i, band in enumerate(rows.bands):
        middle = (band.top + band.bottom) / 2
        slot = bisect_left(ys, middle) - 1
        if slot < 0:
            continue
        cell = cells.setdefault(
            slot, Cell(column, rows.page, [], [], open_below=slot == len(ys) - 1)
        )
        cell.rows.append(rows.first_row + i)
    for slot, cell in cells.items():
        top = ys[slot]
        bottom = ys[slot + 1] if slot + 1 < len(ys) else float("inf")
        cell.fragments = [f for f in fragments if top < f.baseline <= bottom]
    return [cells[slot] for slot in sorted(cells)]


def unruled_cells(
    rows: PageRows,
    column: int,
    fragments: Sequence[Fragment],
    pitch: float,
    cell_gap: tuple[float, float] | None = None,
    clipped_below: bool = False,
    release_ends: Sequence[float] = (),
    broken: tuple[float | None, float | None] = (None, None),
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Cell]:
    """Cells of one column of an unruled page: runs of lines at the line pitch.

    ``broken`` (``reader.broken_row_parts``): where the rest of a row begun overleaf
    ends, and where the part of a row going on overleaf whose text runs from its top
    starts; a cell starts at each. That part's cells end on the page: what goes on is in
    the next page's band of the same row, and joins by its row (``join_across_pages``).
    """
    if not rows.bands:
        return []
    last_band = rows.bands[-1]
    rest, flowing = broken
    below = settings.cell_below_band  # text this far under the last band is its row's
    cells: list[Cell] = []
    row_ends = sorted(band.baseline for band in rows.bands if band.baseline is not None)
    blocks = text_blocks(fragments, pitch, row_ends, cell_gap, release_ends)
    for block in cut_blocks(blocks, [y for y in (rest, flowing) if y is not None]):
        last = rows.row_of(block[-1].baseline)
        open_below = False
        if last is None and 0 < block[-1].baseline - last_band.bottom <= below * pitch:
            last, open_below = rows.first_row + len(rows.bands) - 1, True
        if last is None:
            continue  # above the first row (a header) or far below the table (a footer)
        first = rows.row_of(block[0].baseline)
        if first is None:  # above the first row's band (cut off at the top), or below the last
            first = last if block[0].baseline > last_band.bottom else rows.first_row
        if flowing is not None and block[0].baseline > flowing:
            open_below = False
        elif last == rows.first_row + len(rows.bands) - 1:
            # A bottom-aligned cell ends on its row's bottom line; one that doesn't was
            # cut by the page break and goes on overleaf.
            row_baseline = last_band.bottom if last_band.baseline is None else last_band.baseline
            open_below = (
                open_below
                or clipped_below  # the cell's clipped-away rest was drawn below the page
                or abs(row_baseline - block[-1].baseline) > settings.cell_row_baseline * pitch
            )
        cell = Cell(column, rows.page, list(range(first, last + 1)), list(block), open_below)
        if cells and cell.rows[0] <= cells[-1].rows[-1]:
            cell = join_paragraphs(cells.pop(), cell)
        cells.append(cell)
    return cells


def cut_blocks(blocks: list[list[Fragment]], cuts: Sequence[float]) -> list[list[Fragment]]:
    """Runs of lines, each cut where it crosses one of ``cuts`` (a y)."""
    if not cuts:
        return blocks
    out: list[list[Fragment]] = []
    for block in blocks:
        out.append([block[0]])
        for above, f in pairwise(block):
            if any(above.baseline < y < f.baseline for y in cuts):
                out.append([])
            out[-1].append(f)
    return out


def aligned_cells(
    rows: PageRows,
    column: int,
    fragments: Sequence[Fragment],
    pitch: float,
    centred: bool,
    clipped_below: bool = False,
    releases: frozenset[int] | None = None,
    rules: Sequence[float] = (),
    merging: bool = True,
    within: frozenset[int] = frozenset(),
) -> list[Cell]:
    """Cells of one column of an unruled page whose cells are top-aligned or centred.

    The rows' bands hold whole rows (they were cut where the cells' lines end), so a run
    of lines at the pitch that reaches into several bands is a merged cell, unless a rule
    drawn across the column parts it (``at_rules``) or, with no such rules, ``cut_run``
    cuts it: cells with hardly any padding follow each other at the line pitch. The page's last cell goes on overleaf when the rest of its text was drawn
    below, clipped away. ``within``: rows that go on from the row above inside one merged
    cell of the organisation (its text crosses their boundary): no merging column's cell
    parts there.
    """
    cells: list[Cell] = []
    for run in text_blocks(fragments, pitch):
        parts = (
            at_rules(run, rules)
            if rules
            else cut_run(rows, run, pitch, centred, releases, merging, within)
        )
        for block in parts:
            first, last = rows.row_of(block[0].baseline), rows.row_of(block[-1].baseline)
            if first is None or last is None:
                continue  # the header above, or notes below the table
            if rules:
                first, last = ruled_span(rows, block, rules, first, last)
            cell = Cell(column, rows.page, list(range(first, last + 1)), list(block))
            if cells and cell.rows[0] <= cells[-1].rows[-1]:
                cell = join_paragraphs(cells.pop(), cell)
            cells.append(cell)
    if cells and clipped_below:
        cells[-1].open_below = True
    return cells


def ruled_span(
    rows: PageRows, block: Sequence[Fragment], rules: Sequence[float], first: int, last: int
) -> tuple[int, int]:
    """The rows between the column's own rules above and below a cell's text: a merged
    cell covers them all, wherever its text sits (centred, it may lie in any of them).
    Without a rule on a side (the page's top or foot), the text's own row ends it."""
    above = [y for y in rules if y < block[0].baseline - 0.5 * block[0].size]
    below = [y for y in rules if y > block[-1].baseline]
    inside = [
        rows.first_row + i
        for i, band in enumerate(rows.bands)
        if (not above or (band.top + band.bottom) / 2 > max(above))
        and (not below or (band.top + band.bottom) / 2 < min(below))
    ]
    if not inside:
        return first, last
    return min(first, inside[0]) if above else first, max(last, inside[-1]) if below else last


def cut_run(
    rows: PageRows,
    run: Sequence[Fragment],
    pitch: float,
    centred: bool,
    releases: frozenset[int] | None,
    merging: bool = True,
    within: frozenset[int] = frozenset(),
) -> list[list[Fragment]]:
    """A run of lines as cells: cut where a release starts; then where each part sits in
    its band as a cell of that row (``own_cells``), unless the cells are top-aligned in a
    column that merges cells over a release (organisation, purpose, reference): there a
    merged cell's next line often falls on the next row's first line, so only releases
    cut it."""
    parts = [list(run)] if releases is None else at_releases(rows, run, releases)
    if releases is not None and merging and not centred:
        return parts
    kept = within if merging else frozenset()
    return [cell for part in parts for cell in own_cells(rows, part, pitch, centred, kept)]


def at_releases(
    rows: PageRows, run: Sequence[Fragment], releases: frozenset[int]
) -> list[list[Fragment]]:
    """A run of lines cut where it crosses into a row where a release starts."""
    parts: list[list[Fragment]] = []
    previous: int | None = None
    for f in run:
        row = rows.row_of(f.baseline)
        if not parts or (row != previous and row in releases):
            parts.append([])
        parts[-1].append(f)
        previous = row
    return parts


def own_cells(
    rows: PageRows,
    run: Sequence[Fragment],
    pitch: float,
    centred: bool,
    within: frozenset[int] = frozenset(),
) -> list[list[Fragment]]:
    """A run of lines cut at the row bands when every part sits in its band as a cell of
    that row would: starting on its first line (top-aligned), or centred on its middle;
    never between two rows one merged cell of the organisation spans (``within``: a
    purpose centred over a release's rows may halve into two parts each centred on its
    row)."""
    parts: dict[int, list[Fragment]] = {}
    for f in run:
        row = rows.row_of(f.baseline)
        parts.setdefault(-1 if row is None else row, []).append(f)
    if len(parts) < 2 or -1 in parts or any(row in within for row in list(parts)[1:]):
        return [list(run)]
    for row, part in parts.items():
        start = rows.bands[row - rows.first_row].start
        edge = (part[0].baseline + part[-1].baseline) / 2 if centred else part[0].baseline
        if start is None or abs(edge - start) > 0.25 * pitch:
            return [list(run)]
    return list(parts.values())


def join_paragraphs(upper: Cell, lower: Cell) -> Cell:
    """Two runs of lines in the same row are one cell whose text has a blank line."""
    rows = list(range(upper.rows[0], max(upper.rows[-1], lower.rows[-1]) + 1))
    return Cell(lower.column, lower.page, rows, upper.fragments + lower.fragments, lower.open_below)


def join_across_pages(cells: Sequence[Cell]) -> list[Cell]:
    """Cells of one column in document order, each page-cut cell joined to its rest.

    A cut cell may show no text on its first page (bottom alignment puts the text
    overleaf, and the copy drawn on the first page is clipped away), so empty cells
    take part too; the caller drops those still empty.
    """
    joined: list[Cell] = []
    for cell in cells:
        previous = joined[-1] if joined else None
        goes_on = previous is not None and (
            previous.open_below or cell.rows[0] == previous.rows[-1] or cell.continued
        )
        if previous is not None and goes_on and cell.page > previous.page:
            rows = range(previous.rows[0], cell.rows[-1] + 1)
            joined[-1] = Cell(
                cell.column,
                cell.page,
                list(rows),
                previous.fragments + cell.fragments,
                cell.open_below,
            )
        else:
            joined.append(cell)
    return joined


def fill_upwards(cells: Sequence[Cell]) -> list[Cell]:
    """Give each cell the blank rows above it: a bottom-aligned merged cell's upper rows."""
    filled: list[Cell] = []
    next_free = 0
    for cell in cells:
        if not cell.fragments:
            continue
        first = min(cell.rows[0], max(next_free, 0))
        grown = first < cell.rows[0]
        rows = list(range(first, cell.rows[-1] + 1))
        filled.append(Cell(cell.column, cell.page, rows, cell.fragments, cell.open_below, grown))
        next_free = cell.rows[-1] + 1
    return filled


def fill_downwards(cells: Sequence[Cell], row_count: int) -> list[Cell]:
    """Give each cell the blank rows below it: a top-aligned merged cell's lower rows."""
    shown = [cell for cell in cells if cell.fragments]
    filled: list[Cell] = []
    for i, cell in enumerate(shown):
        end = shown[i + 1].rows[0] - 1 if i + 1 < len(shown) else row_count - 1
        last = max(cell.rows[-1], end)
        rows = list(range(cell.rows[0], last + 1))
        grown = last > cell.rows[-1]
        filled.append(Cell(cell.column, cell.page, rows, cell.fragments, cell.open_below, grown))
    return filled


def fill_centred(
    cells: Sequence[Cell],
    extents: Sequence[tuple[int, float, float]],
    pitch: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Cell]:
    """Give each cell the blank rows around it that centre it: a centred merged cell.

    ``extents`` are the rows' pages, tops and bottoms. Blank rows no span claims (see
    ``centred_span``) stay blank.
    """
    shown = [cell for cell in cells if cell.fragments]
    filled: list[Cell] = []
    free = 0
    for i, cell in enumerate(shown):
        stop = shown[i + 1].rows[0] - 1 if i + 1 < len(shown) else len(extents) - 1
        first, last = centred_span(cell, free, stop, extents, pitch, settings.cell_centred)
        grown = (first, last) != (cell.rows[0], cell.rows[-1])
        rows = list(range(first, last + 1))
        filled.append(Cell(cell.column, cell.page, rows, cell.fragments, cell.open_below, grown))
        free = last + 1
    return filled


def centred_span(
    cell: Cell,
    free: int,
    stop: int,
    extents: Sequence[tuple[int, float, float]],
    pitch: float,
    near: float = DEFAULT_SETTINGS.cell_centred,
) -> tuple[int, int]:
    """The rows from ``free`` to ``stop`` around the cell's, on its page, that centre it.

    The widest span whose middle is within half a line of the text's middle wins (every
    row of a release has a value in a merging column), else the nearest.
    """
    text = (cell.fragments[0].baseline + cell.fragments[-1].baseline) / 2
    page = extents[cell.rows[0]][0]
    spans = [
        (s, e)
        for s in range(free, cell.rows[0] + 1)
        for e in range(cell.rows[-1], stop + 1)
        if extents[s][0] == page == extents[e][0]
    ]

    def off(span: tuple[int, int]) -> float:
        return abs((extents[span[0]][1] + extents[span[1]][2]) / 2 - text)

    centred = [span for span in spans if off(span) <= near * pitch]
    if centred:
        return max(centred, key=lambda span: span[1] - span[0])
    return min(spans or [(cell.rows[0], cell.rows[-1])], key=off)


def blank_rows(cells: Sequence[Cell], row_count: int) -> set[int]:
    covered = {row for cell in cells if cell.fragments for row in cell.rows}
    return set(range(row_count)) - covered
