"""Row bands of one page, from all the evidence the page gives.

Rules drawn across the columns (``ruled_bands``); without column rules, the anchor
column's runs of lines as the cells are aligned (``rows.bands_from_anchor``), cut at
horizontal rules and the edges of filled rows (``cut_at_rules``), and a band of its own
for the part of a row a page break cut off from its anchor cell (``broken_parts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from extract.pdf.columns import SNAP
from extract.pdf.lines import Fragment
from extract.pdf.rows import (
    BLOCK_PITCH,
    Align,
    Band,
    bands_between,
    bands_from_anchor,
    rules_across,
    rules_within,
)
from extract.pdf.table import PageTable
from extract.text import join_lines


def page_bands(
    page: PageTable,
    anchor: int,
    pitch: float,
    align: Align = "bottom",
    below: float | None = None,
    more: bool = False,
    begun: bool = False,
    cut: bool = False,
) -> list[Band]:
    """Row bands: between the rules any column draws, else from the anchor column's text.

    With rules, every row boundary is drawn in the columns not merged across it, so the
    rules of all columns together give every row, whichever columns merge. Without, the
    rows are found from the text below ``below`` (the header's bottom) only, so a header
    aligned otherwise than the rows does not move them; text of a row broken by the page
    break gets a band of its own (``broken_parts``; ``more``: another page follows;
    ``begun``: a row may go on from the page before, ``continued_part``; ``cut``: the page
    before ended on a row printed from its top, its id above its last line, so a page break
    cut it and its rest opens this page, ``rest_above_gap``).
    """
    if page.ruled:
        return ruled_bands(page)
    columns = [
        [f for f in page.column(c) if below is None or f.baseline > below]
        for c in range(len(page.edges) - 1)
    ]
    others = [column for c, column in enumerate(columns) if c != anchor]
    rules = [
        y for y in rules_within(page.geometry.rulings, page.edges) if below is None or y > below
    ]
    bands = bands_from_anchor(page.number, columns[anchor], pitch, align, others, rules)
    if rules and bands:
        bands = cut_at_rules(bands, columns[anchor], rules, pitch)
        if align == "bottom" and begun:
            x0, x1 = page.edges[anchor], page.edges[anchor + 1]
            across = rules_across(page.geometry.rulings, x0, x1)  # clustered apart: near, not equal
            over_anchor = [y for y in across if any(abs(y - r) <= SNAP for r in rules)]
            bands = continued_part(bands, columns, anchor, over_anchor, pitch)
    elif bands and align == "bottom" and cut:
        bands = rest_above_gap(bands, columns, anchor, pitch)
    bands = broken_parts(page.number, bands, [f for c in columns for f in c], align, pitch, more)
    if below is not None and bands:
        bands[0] = replace(bands[0], top=max(bands[0].top, below))
    return bands


def broken_parts(
    page: int,
    bands: list[Band],
    fragments: Sequence[Fragment],
    align: Align,
    pitch: float,
    more: bool,
) -> list[Band]:
    """A band for the part of a row that a page break cut off from its anchor cell.

    Top-aligned or centred, text above the first row's own top is the end of a row begun
    on the page before; bottom-aligned, text below the last row in two columns or more
    (a footer fills one) is the start of a row whose id is printed overleaf.
    ``row_goes_on`` then gives the part the row's index.
    """
    if not bands:
        return bands
    first = bands[0]
    if align == "top" and first.start is not None:
        own_top = first.start - 0.25 * pitch
    elif align == "center" and first.start is not None:
        own_top = 2 * first.start - first.bottom
    else:
        own_top = None
    if own_top is not None and any(f.baseline <= own_top for f in fragments):
        return [Band(page, first.top, own_top), replace(first, top=own_top), *bands[1:]]
    last = bands[-1]
    under = {f.column for f in fragments if f.baseline > last.bottom}
    if align == "bottom" and more and len(under) >= 2:
        below = max(f.baseline for f in fragments) + 0.3 * pitch
        if goes_on_below(last, fragments, under, pitch):
            return [*bands[:-1], replace(last, bottom=below)]
        return [*bands, Band(page, last.bottom, below)]
    return bands


def goes_on_below(last: Band, fragments: Sequence[Fragment], under: set[int], pitch: float) -> bool:
    """Whether the text under a bottom-aligned page's last row is that row's own: in every
    column that has some, it goes on at the line pitch from a line of the row (a row the
    page break cut is printed from its top, its id on its first line: Chromium), where the
    start of a row whose id is printed overleaf would follow a cell's padding."""
    for column in under:
        lines = sorted(f.baseline for f in fragments if f.column == column)
        inside = [b for b in lines if last.holds(b)]
        below = [b for b in lines if b > last.bottom]
        if not inside or not below or below[0] - inside[-1] > BLOCK_PITCH * pitch + 0.05:
            return False
    return True


def rest_above_gap(
    bands: list[Band], columns: Sequence[Sequence[Fragment]], anchor: int, pitch: float
) -> list[Band]:
    """Bottom-aligned, no rules, the page before ending on a row the break cut: its rest,
    printed from this page's top, is the text of the first band above the first white gap
    across every column (no cell's lines cross it), with no row id in it."""
    first = bands[0]
    ids = [f.baseline for f in columns[anchor] if first.holds(f.baseline)]
    if not ids:
        return bands
    lines = sorted({f.baseline for column in columns for f in column if first.holds(f.baseline)})
    for above, below in pairwise(lines):
        if below - above > BLOCK_PITCH * pitch + 0.05:
            if above >= min(ids):
                return bands
            y = (above + below) / 2
            return [Band(first.page, first.top, y), replace(first, top=y), *bands[1:]]
    return bands


def continued_part(
    bands: list[Band],
    columns: Sequence[Sequence[Fragment]],
    anchor: int,
    rules: Sequence[float],
    pitch: float,
) -> list[Band]:
    """Bottom-aligned: text above a rule (or a fill's edge) drawn across the anchor column
    over the first row's anchor cell ends a row begun on the page before, in a band of
    its own (Writer prints a broken row's rest as a part of its own, its cells' text
    from the part's top, the row's id left on the first part).
    """
    first = bands[0]
    ids = [f.baseline for f in columns[anchor] if first.holds(f.baseline)]
    if not ids:
        return bands
    over = [y for y in rules if first.top < y < min(ids) - 0.7 * pitch]
    text = [f.baseline for column in columns for f in column if first.holds(f.baseline)]
    for y in sorted(over, reverse=True):
        if any(b < y for b in text):
            return [Band(first.page, first.top, y), replace(first, top=y), *bands[1:]]
    return bands


def cut_at_rules(
    bands: list[Band], anchor: Sequence[Fragment], rules: Sequence[float], pitch: float
) -> list[Band]:
    """Row bands of a page with horizontal rules or filled rows but no column rules: two
    rows are parted at a rule (a fill's edge) drawn between their anchor cells, the one
    nearest where their text would part them; the last row ends at the first rule under
    it. Rows with no rule between them keep the cut their text gives."""
    anchors = [sorted(f.baseline for f in anchor if band.holds(f.baseline)) for band in bands]
    if not all(anchors):
        return bands
    cuts = [band.bottom for band in bands]
    for i in range(len(bands) - 1):
        low, high = anchors[i][-1], anchors[i + 1][0] - 0.7 * pitch
        between = [y for y in rules if low < y < high]
        if between:
            cuts[i] = min(between, key=lambda y: abs(y - bands[i].bottom))
    last = anchors[-1][-1]
    under = [y for y in rules if last < y <= max(bands[-1].bottom, last) + 3 * pitch]
    if under:
        cuts[-1] = min(under)
    tops = [bands[0].top, *cuts[:-1]]
    return [replace(b, top=t, bottom=c) for b, t, c in zip(bands, tops, cuts, strict=True)]


def ruled_bands(page: PageTable) -> list[Band]:
    """Bands between the rules; and, where the column rules run on below the last one,
    the part of a row the page break cut (its bottom rule is drawn on the next page)."""
    ys = rules_within(page.geometry.rulings, page.edges)
    bands = bands_between(page.number, ys)
    sides = [r.bottom for r in page.geometry.rulings if r.orientation == "v"]
    if ys and sides and max(sides) > ys[-1] + 2 * SNAP:
        cut = Band(page.number, ys[-1], max(sides))
        bands += [cut] if has_text(page, cut) else []
    return bands


def band_lines(page: PageTable, band: Band) -> list[list[str]]:
    """Each column's printed lines within a row band."""
    return [[f.text for f in column] for column in band_fragments(page, band)]


def band_fragments(page: PageTable, band: Band) -> list[list[Fragment]]:
    """Each column's fragments within a row band."""
    columns: list[list[Fragment]] = [[] for _ in range(len(page.edges) - 1)]
    for f in page.fragments:
        if band.holds(f.baseline):
            columns[f.column].append(f)
    return columns


def band_texts(page: PageTable, band: Band) -> list[str]:
    return [join_lines(texts) for texts in band_lines(page, band)]


def has_text(page: PageTable, band: Band, column: int | None = None) -> bool:
    """Whether the band holds text (in ``column``, when given)."""
    return any(
        band.holds(f.baseline) for f in page.fragments if column is None or f.column == column
    )
