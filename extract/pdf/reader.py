"""``read_pdf``: a register PDF's table rows, rebuilt from page geometry.

The chain, each step a small function of its own module, the document measured, not
assumed:
pages (chars, rulings and filled boxes; clip-aware and bounded: ``pages``) -> column
edges (rules, else white rivers: ``columns``) -> fragments, a column's printed line
(``lines``) -> the header, found by its content on every page that prints it
(``header``) -> the cells' vertical alignment, measured (``rows.measure_alignment``) ->
row bands (rules, fills, else the anchor column's text as aligned, a row broken by a page
given its own band: ``bands``, ``rows``) -> the table's end: bands after the last row
that are notes typed in its columns (``prose``; ``drop_trailing_notes``) -> cells per
column, merged cells filled by alignment, page-cut cells and broken rows joined
(``cells``) -> ``Row`` with provenance. ``table`` holds the types passed along.

Unsure results say so: a value a merged cell gives to blank rows in an unruled table
sets ``needs_review``; pages skipped (no text layer, no table, columns that don't fit the
header) are named in the first row's warnings.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from extract.errors import DocumentTooLarge, EmptyRegister, UnreadableDocument
from extract.limits import Limits
from extract.pdf.bands import band_texts, has_text, page_bands
from extract.pdf.cells import (
    Cell,
    PageRows,
    aligned_cells,
    blank_rows,
    fill_centred,
    fill_downwards,
    fill_upwards,
    join_across_pages,
    ruled_cells,
    unruled_cells,
)
from extract.pdf.columns import SNAP, edges_from_rivers, edges_from_rulings, phrase_starts
from extract.pdf.geometry import PageGeometry, union
from extract.pdf.header import (
    first_header,
    headerless_edges,
    is_header_repeat,
    letters,
    repeated_header,
    with_repeated_lines,
)
from extract.pdf.lines import Fragment, chars_to_fragments
from extract.pdf.pages import bounded_pages
from extract.pdf.prose import (
    RowLook,
    Unread,
    furniture,
    id_shape,
    printed_lines,
    trailing_non_rows,
    unread_count,
    unread_lines,
)
from extract.pdf.rows import (
    Align,
    Band,
    cell_gap_range,
    cell_gaps,
    line_pitch,
    measure_alignment,
    rules_across,
    rules_within,
    text_blocks,
)
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings
from extract.pdf.table import PageTable, Table
from extract.profiles import HeaderMatch, row_to_field_data
from extract.rowdata import RowData, SpanData
from extract.text import join_lines

DEFAULT_LIMITS = Limits()
# the cells registers merge over a release (the agreement's reference too: one per release)
MERGING_FIELDS = ("organisation", "purpose", "reference")
REFERENCE_HEAD = re.compile(r"[A-Z]{3,}[-_ ]")  # a reference's leading code: 'DARS-', 'NIC-'


def load_pages(data: bytes, limits: Limits) -> tuple[list[PageGeometry], list[str]]:
    """Every page's geometry within the page and time bounds, with pages lacking text."""
    pages = bounded_pages(data, limits)  # in a child process: time and memory are bounded
    warnings = [
        f"page {page.number} has no text layer (scanned?); not read"
        for page in pages
        if not any(not c.text.isspace() for c in page.chars)
    ]
    if not pages:
        raise UnreadableDocument("the PDF has no pages")
    if len(warnings) == len(pages):
        raise UnreadableDocument(
            "no page has a text layer: the PDF looks scanned (image only); drr does not OCR"
        )
    return pages, warnings


def page_tables(
    pages: Sequence[PageGeometry],
    not_edges: frozenset[float] = frozenset(),
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[PageTable]:
    """Column edges and fragments of every page with text: rules first, else rivers.

    Lines of prose around the table (``prose``) are left out of the fragments; river
    edges in ``not_edges`` are not edges (see ``headerless_edges``).
    """
    texty = [p for p in pages if any(not c.text.isspace() for c in p.chars)]
    ruled = {p.number: edges_from_rulings(p.rulings, settings) for p in texty}
    unruled = [p for p in texty if not ruled[p.number]]
    unruled_starts = phrase_starts(unruled)
    # Ruled pages judge their phrases by their own starts: an unruled notes page's starts
    # say nothing about the table's columns, and with them two cells a few points apart
    # across a rule read as one phrase, the line as prose, and a row's first line is lost.
    ruled_starts = phrase_starts([p for p in texty if ruled[p.number]])
    rivers = (
        edges_from_rivers(
            unruled,
            settings.river_min_gap,
            settings.river_bridge,
            starts=unruled_starts,
            settings=settings,
        )
        if unruled
        else []
    )
    rivers = [e for e in rivers if e not in not_edges]
    tables = []
    for page in texty:
        edges = ruled[page.number] or rivers
        starts = ruled_starts if ruled[page.number] else unruled_starts
        printed = chars_to_fragments(page.number, page.chars, edges, settings)
        lines = printed_lines(page.chars, printed, edges, starts, settings)
        unread = unread_lines(lines, settings)
        fragments = table_fragments(printed, unread)
        tables.append(
            PageTable(page, tuple(edges), bool(ruled[page.number]), fragments, unread, tuple(lines))
        )
    return tables


def table_fragments(fragments: Sequence[Fragment], unread: Unread) -> tuple[Fragment, ...]:
    """The fragments that are not on a line of prose around the table."""
    if not unread.baselines:
        return tuple(fragments)
    dropped = sorted(unread.baselines)
    return tuple(f for f in fragments if not near(dropped, f.baseline, f.size / 3))


def near(ordered: Sequence[float], value: float, tolerance: float) -> bool:
    i = bisect_left(ordered, value - tolerance)
    return i < len(ordered) and ordered[i] <= value + tolerance


def unbroken(fragments: Sequence[Fragment], width: float) -> list[str]:
    """Lines in order, each word that a line break cut joined back on its first line."""
    ordered = sorted(fragments, key=lambda f: (f.page, f.baseline))
    texts = [f.text for f in ordered]
    for i in range(len(ordered) - 1, 0, -1):
        if broken_word(ordered[i - 1], ordered[i], width):
            texts[i - 1] = texts[i - 1].rstrip() + texts.pop(i).lstrip()
    return texts


def text_width(page: PageTable, column: int) -> float:
    """The width a column's text may fill: between its edges, less the padding its lines
    keep from the left edge (the least on the page), kept on the right too."""
    x0, x1 = page.edges[column], page.edges[column + 1]
    left = min((f.box[0] for f in page.column(column)), default=x0)
    return x1 - x0 - 2 * max(left - x0, 0.0)


def anchor_column(
    pages: Sequence[PageTable],
    match: HeaderMatch,
    pitch: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> int:
    """The column whose cells mark the rows: the row id, else the one with most cells.

    Without a row id, the column that is never merged nor blank has the most cells; only
    short cells count, so a column of paragraphs (several runs of lines a cell) loses; a
    table so narrow that no column has short cells on half as many blocks as the busiest
    one has counts cells of up to 4, then 8 lines as short.
    Unruled pages are counted; with none, the ruled ones, every cell (a grid's rules part
    its cells, however long: a merged column's blank rows would otherwise make a row
    without an anchor cell look broken by the page).
    """
    if "row_id" in match.fields:
        return match.fields.index("row_id")
    unruled = [page for page in pages if not page.ruled]
    sizes = [
        [len(block) for page in unruled or pages for block in text_blocks(page.column(c), pitch)]
        for c in range(len(match.headers))
    ]
    if not unruled:
        counts = [len(s) for s in sizes]
        return counts.index(max(counts))
    return busiest_short_column(sizes, settings.max_anchor_lines)


def busiest_short_column(sizes: Sequence[Sequence[int]], max_lines: int = 8) -> int:
    """The column with most short cells (blocks of at most 2 lines, or 4 or 8 where no
    column has that many short blocks on half as many as the busiest column has blocks),
    given each column's text blocks' line counts; never longer than ``max_lines``."""
    most = max(len(s) for s in sizes)
    longest = 2
    while True:
        counts = [sum(1 for n in s if n <= longest) for s in sizes]
        # a narrow table wraps every short value: where no column has short cells on half
        # as many blocks as the busiest column has, longer cells count as short
        if max(counts) >= most / 2 or longest >= max_lines:
            return counts.index(max(counts))
        longest *= 2


@dataclass(frozen=True)
class TableHead:
    """The header stage's answer: the header's page, its match and band, the table's line
    pitch, its anchor column and its rows' alignment."""

    start: int  # index of the header's page among the pages with text
    match: HeaderMatch
    band: Band
    pitch: float
    anchor: int
    align: Align


def table_head(pages: Sequence[PageTable], settings: PdfSettings = DEFAULT_SETTINGS) -> TableHead:
    """The header stage: the header found on the first pages, its repeated lines, then the
    anchor column and the rows' alignment measured under it."""
    pitch = line_pitch([f for p in pages for f in p.fragments])
    start, match, header_band = first_header(pages, pitch, settings)
    match, header_band = with_repeated_lines(pages[start:], match, header_band, pitch, settings)
    anchor = anchor_column(pages[start:], match, pitch, settings)
    align = table_alignment(pages[start:], anchor, header_band)
    return TableHead(start, match, header_band, pitch, anchor, align)


def build_table(
    pages: Sequence[PageTable],
    warnings: Sequence[str],
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> Table:
    """The chain from the pages' lines to the table: header -> row bands -> table end."""
    head = table_head(pages, settings)
    start, match, pitch, anchor, align = head.start, head.match, head.pitch, head.anchor, head.align
    notes = list(warnings) + [
        f"page {p.number} has no register table; not read" for p in pages[:start]
    ]
    kept, rows = table_rows(pages[start:], head, notes, settings)
    kept, rows = drop_trailing_notes(kept, rows, anchor, pitch, align, settings)
    if not any(r.bands for r in rows):
        unread = notes[len(warnings) + start :]
        raise EmptyRegister(no_rows_reason(pages[start], match, anchor, unread))
    return Table(
        match,
        tuple(kept),
        tuple(rows),
        pitch,
        tuple(notes),
        unruled_cell_gap(kept, rows, pitch) if align == "bottom" else None,
        unread_notices(notice_pages(pages[start:], kept)),
        align,
        anchor,
    )


def table_rows(
    pages: Sequence[PageTable],
    head: TableHead,
    notes: list[str],
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> tuple[list[PageTable], list[PageRows]]:
    """The row-band stage: every page's row bands from the header's page on (``pages``),
    rows broken by a page joined; a page whose columns are not the header's is noted in
    ``notes`` and left out."""
    match, header_band, pitch = head.match, head.band, head.pitch
    anchor, align = head.anchor, head.align
    rows: list[PageRows] = []
    kept: list[PageTable] = []
    shapes: Counter[str | None] = Counter()  # the row ids' shapes so far
    next_row = 0
    for page in pages:
        if len(page.edges) - 1 != len(match.headers):
            notes.append(
                f"page {page.number} has {len(page.edges) - 1} columns where the header has"
                f" {len(match.headers)}; not read"
            )
            continue
        first = page is pages[0]
        below = (
            header_band.bottom
            if first
            else repeated_header(page, match, header_band, pitch, settings)
        )
        more = page is not pages[-1]
        # a row's rest is looked for where the page before ended on a row with its id (a
        # rest then joins that row); a part without an id has its id on this page
        begun = bool(rows) and bool(rows[-1].bands)
        begun = begun and has_text(kept[-1], rows[-1].bands[-1], anchor)
        cut = begun and printed_from_top(kept[-1], rows[-1].bands[-1], anchor)
        bands = page_bands(page, anchor, pitch, align, below, more=more, begun=begun, cut=cut)
        if below is not None:  # rows under the header; a band holding both, cut at its bottom
            bands = [replace(b, top=max(b.top, below)) for b in bands if b.bottom > below + SNAP]
        elif bands and is_header_repeat(band_texts(page, bands[0]), match.headers):
            bands = bands[1:]
        if first and bands and not has_text(page, bands[0], anchor):
            bands = bands[1:]  # the rest of the header: no row starts above the first id
        if bands and is_header_repeat(band_texts(page, bands[-1]), match.headers):
            bands = bands[:-1]  # a header printed at the foot of a page, its rows overleaf
        page, bands = without_inner_headers(page, bands, match.headers)
        ids = match.fields[anchor] in ("row_id", "reference")  # the anchor holds codes
        if ids:
            before = [anchor_word(p, b, anchor) for p, r in zip(kept, rows) for b in r.bands]
            if more:
                bands = with_foot_id_joined(page, bands, anchor, before, settings)
            bands = with_two_ids_split(page, bands, anchor, before, settings)
        elif more:
            before = [anchor_word(p, b, anchor) for p, r in zip(kept, rows) for b in r.bands]
            bands = with_foot_word_joined(page, bands, anchor, before)
        joined = bool(rows) and bool(bands) and row_goes_on(kept[-1], rows[-1], page, bands, anchor)
        if ids and not joined and rows and rows[-1].bands and bands:
            joined = id_cut(
                [anchor_word(page, b, anchor) for b in bands]
                + [anchor_word(p, b, anchor) for p, r in zip(kept, rows) for b in r.bands],
                anchor_word(kept[-1], rows[-1].bands[-1], anchor),
                anchor_word(page, bands[0], anchor),
            )
        odd = bool(bands) and ids and odd_id(shapes, page, bands[0], anchor, settings)
        joined = joined or (odd and bool(rows) and bool(rows[-1].bands))
        if not joined and rows and rows[-1].bands and bands:
            words = Counter(anchor_word(page, b, anchor) for b in bands)
            words.update(anchor_word(p, b, anchor) for p, r in zip(kept, rows) for b in r.bands)
            cut = anchor_word(kept[-1], rows[-1].bands[-1], anchor)
            joined = word_cut(words, cut, anchor_word(page, bands[0], anchor))
        # a page's last id may be the first part of one a page break cut ('FILE01' /
        # '11698'): its shape is no evidence of the ids' shape until the page after
        shapes.update(
            band_shape(page, b, anchor, settings)
            for b in bands[1 if joined else 0 : -1 if more else None]
        )
        kept.append(page)
        rows.append(PageRows(page.number, tuple(bands), next_row - joined))
        next_row += len(bands) - joined
    return kept, rows


def without_inner_headers(
    page: PageTable, bands: Sequence[Band], headers: Sequence[str]
) -> tuple[PageTable, list[Band]]:
    """The page's rows without a copy of the header printed between them, and its text
    left out of the cells (ReportLab repeats the header where it splits a long table
    at a merged cell, mid-page; a merged column with no rule under it would take it in).
    """
    inner = [b for b in bands[1:-1] if is_header_repeat(band_texts(page, b), headers)]
    if not inner:
        return page, list(bands)
    named = [letters(h) for h in headers]

    def header_line(f: Fragment) -> bool:  # a line of the header's cell in its column
        return any(b.holds(f.baseline) for b in inner) and letters(f.text) in named[f.column]

    fragments = tuple(f for f in page.fragments if not header_line(f))
    return replace(page, fragments=fragments), [b for b in bands if b not in inner]


def printed_from_top(page: PageTable, band: Band, anchor: int) -> bool:
    """Whether a band has text below its anchor cell's last line: a bottom-aligned row
    printed from its top, as a producer prints a row the page break cuts."""
    ids = [f.baseline for f in page.column(anchor) if band.holds(f.baseline)]
    if not ids:
        return False
    last = max(ids) + 0.25 * page.fragments[0].size if page.fragments else max(ids)
    return any(band.holds(f.baseline) and f.baseline > last for f in page.fragments)


def band_shape(
    page: PageTable, band: Band, anchor: int, settings: PdfSettings = DEFAULT_SETTINGS
) -> str | None:
    """The shape (``prose.id_shape``) of a band's anchor cell."""
    texts = [f.text for f in page.column(anchor) if band.holds(f.baseline)]
    return id_shape(join_lines(texts), settings)


def odd_id(
    shapes: Counter[str | None],
    page: PageTable,
    band: Band,
    anchor: int,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> bool:
    """Whether a page's first row id has a shape no id before it has, where they all had
    one (``DARS-NIC-`` / ``181948-L5P9K-v2.2``: the rest of an id a page break cut, its
    row going on from the page before, in a grid that closes each part with a rule)."""
    if len(shapes) != 1 or None in shapes or sum(shapes.values()) < settings.min_rows_seen:
        return False
    return band_shape(page, band, anchor, settings) not in shapes


def with_foot_id_joined(
    page: PageTable,
    bands: list[Band],
    anchor: int,
    before: Sequence[str] = (),
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Band]:
    """A page's last bands made one where their ids are parts of one id a narrow column
    stacked ('System' / 'Access' / '01' / '99' under a row printed from its top at the
    page's foot, each line taken for a row): the bands after the last whole id (of the
    commonest shape of the document's ids so far, 'A9', and at least their median length)
    joined have the whole shape or its start (the rest overleaf, ``id_cut``) and are no
    longer than an id ('SystemAcces' / 's012' / '3')."""
    words = [anchor_word(page, b, anchor) for b in bands]
    shapes = [full_shape(w) for w in words]
    commonest = commonest_shape([*words, *before])
    if commonest is None or commonest[1] < 2:
        return bands
    common = commonest[0]
    length = id_length([*words, *before], common, settings)
    short = length is not None and len(words[-1]) < length
    if len(bands) >= 2 and shapes[-1] is not None and (shapes[-1] != common or short):
        # the last whole id and the next one's start in one band, its rest under it
        split = id_split(page, bands[-2], anchor, common, words[-1], length)
        if split is not None:
            return [
                *bands[:-2],
                replace(bands[-2], bottom=split),
                replace(bands[-2], top=split, bottom=bands[-1].bottom),
            ]
    lengths = sorted(len(w) for w in [*words, *before] if full_shape(w) == common)
    usual = lengths[len(lengths) // 2]
    whole_ids = [i for i, w in enumerate(words) if shapes[i] == common and len(w) >= usual]
    if not whole_ids:
        return bands
    last = whole_ids[-1]
    tail = shapes[last + 1 :]
    if len(tail) < 2 or any(x is None for x in tail):
        return bands
    joined = "".join(words[last + 1 :])
    whole = full_shape(joined)
    if whole is None or not common.startswith(whole) or len(joined) > usual:
        return bands
    return [*bands[: last + 1], replace(bands[last + 1], bottom=bands[-1].bottom)]


def with_foot_word_joined(
    page: PageTable, bands: list[Band], anchor: int, before: Sequence[str] = ()
) -> list[Band]:
    """A page's last two bands made one where their anchor cells are one value a narrow
    column stacked, cut where the row printed from its top met the page's foot ('Syst em
    Acc' / 'ess'): joined, a value the column holds more often than either part
    (``word_cut``, on the anchor cells of the document so far and this page)."""
    if len(bands) < 2:
        return bands
    words = Counter([*before, *(anchor_word(page, b, anchor) for b in bands)])
    if word_cut(words, *(anchor_word(page, b, anchor) for b in bands[-2:])):
        return [*bands[:-2], replace(bands[-2], bottom=bands[-1].bottom)]
    return bands


def with_two_ids_split(
    page: PageTable,
    bands: list[Band],
    anchor: int,
    before: Sequence[str] = (),
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Band]:
    """Bands whose anchor cell is two whole ids of the document's commonest shape, one
    under the other ('DRR84' / 'DRR85': a narrow column stacks each id in lines and no
    gap between the two was taken for a row's end), split midway between them."""
    words = [anchor_word(page, b, anchor) for b in bands]
    commonest = commonest_shape([*words, *before])
    if commonest is None or commonest[1] < settings.min_rows_seen:
        return bands
    common = commonest[0]
    length = id_length([*words, *before], common, settings)
    out: list[Band] = []
    for band, word in zip(bands, words, strict=True):
        split = None
        twice = (
            length is not None
            and full_shape(word) == common
            and 2 * length <= len(word) <= 2 * length + 2
        )
        if full_shape(word) == common + common or twice:
            split = id_split(page, band, anchor, common, "", length)
        if split is None:
            out.append(band)
        else:
            out += [replace(band, bottom=split), replace(band, top=split)]
    return out


def commonest_shape(words: Iterable[str]) -> tuple[str, int] | None:
    """The commonest whole shape (``full_shape``) of these ids and how many have it; None
    where none has one."""
    seen = Counter(x for x in map(full_shape, words) if x is not None)
    return seen.most_common(1)[0] if seen else None


def id_length(
    words: Sequence[str], common: str, settings: PdfSettings = DEFAULT_SETTINGS
) -> int | None:
    """The ids' one length, where 80% (``odd_share``) of those of the ``common`` shape have
    it (numbers stacked a digit a line, '1616161' / '7', differ from '1616' / '1617' by
    length only); an id one longer is whole too (the count grows a digit: 'DRR99', 'DRR100')."""
    lengths = Counter(len(w) for w in words if full_shape(w) == common)
    if not lengths:
        return None
    length, count = lengths.most_common(1)[0]
    enough = count >= settings.min_rows_seen and count >= settings.odd_share * lengths.total()
    return length if enough else None


def id_split(
    page: PageTable,
    band: Band,
    anchor: int,
    common: str,
    rest: str,
    length: int | None = None,
) -> float | None:
    """Where a band's anchor cell is a whole id (of the ``common`` shape, and of the ids'
    ``length`` where they have one) with another id's start under it that the next band's
    ``rest`` completes ('DRR79' / 'DRR8' over '0'): midway between the two lines, else
    None."""

    def whole(word: str) -> bool:
        return full_shape(word) == common and (length is None or length <= len(word) <= length + 1)

    lines = sorted(
        (f for f in page.column(anchor) if band.holds(f.baseline)), key=lambda f: f.baseline
    )
    for j in range(1, len(lines)):
        head = "".join(f.text for f in lines[:j]).replace(" ", "")
        tail = "".join(f.text for f in lines[j:]).replace(" ", "")
        if whole(head) and whole(tail + rest):
            return (lines[j - 1].baseline + lines[j].baseline) / 2
    return None


def id_cut(words: Sequence[str], before: str, after: str) -> bool:
    """Whether a page break cut an id in two ('Syste' / 'mAccess0193'): the first part's
    shape is a part of the ids' commonest shape and the two joined have it whole."""
    commonest = commonest_shape(words)
    if commonest is None or not before or not after:
        return False
    common = commonest[0]
    first = full_shape(before)
    return (
        first is not None
        and first != common
        and common.startswith(first)
        and full_shape(before + after) == common
    )


def anchor_word(page: PageTable, band: Band, anchor: int) -> str:
    """A band's anchor cell with its white space taken out."""
    return "".join(f.text for f in page.column(anchor) if band.holds(f.baseline)).replace(" ", "")


def word_cut(words: Counter[str], before: str, after: str) -> bool:
    """Whether a page break cut an anchor cell's word in two ('Ongoin' / 'g'): the two
    parts, joined, are a value the column holds more often than either part (each part
    seen once per cut: the document's own words tell a cut word from two cells; unique
    ids never match)."""
    if not before or not after:
        return False
    return words[before + after] > max(words[before], words[after])


def row_goes_on(
    page: PageTable, rows: PageRows, after: PageTable, bands: Sequence[Band], anchor: int
) -> bool:
    """Whether a row broke across the page break: the next page's first band has text
    but no anchor cell (the row's id printed before the break), or this page's last band
    has text but no anchor cell and the next page's first one has (printed after it)."""
    if not rows.bands:
        return False
    if not has_text(after, bands[0], anchor):
        return has_text(after, bands[0])
    return not has_text(page, rows.bands[-1], anchor) and has_text(page, rows.bands[-1])


def row_count(table: Table) -> int:
    """Data rows: bands, a row broken across a page break once."""
    return max((r.first_row + len(r.bands) for r in table.rows), default=0)


def table_alignment(pages: Sequence[PageTable], anchor: int, header: Band) -> Align:
    """The unruled pages' cell alignment, measured below the header and above the last
    row (what follows the last row may be notes joined to its id)."""
    pitch = line_pitch([f for p in pages for f in p.fragments])
    evidence = []
    for page in pages:
        if page.ruled:
            continue
        body = [
            [f for f in page.column(c) if f.page != header.page or f.baseline > header.bottom]
            for c in range(len(page.edges) - 1)
        ]
        evidence.append((body[anchor], [col for c, col in enumerate(body) if c != anchor]))
    if evidence and evidence[-1][0]:
        end = text_blocks(evidence[-1][0], pitch)[-1][0].baseline - 0.25 * pitch
        last = [[f for f in column if f.baseline < end] for column in evidence[-1][1]]
        evidence[-1] = ([f for f in evidence[-1][0] if f.baseline < end], last)
    return measure_alignment(evidence, pitch)


def no_rows_reason(page: PageTable, match: HeaderMatch, anchor: int, unread: Sequence[str]) -> str:
    """Why a table whose header was found gave no row, for a person to act on."""
    found = f"page {page.number}: found the {match.profile.name} header but read no rows under it"
    if unread:  # every page's columns disagree with the header's: the columns were misread
        return f"{found}: {'; '.join(unread)} (columns the reader could not find)"
    return (
        f"{found}: no text under the header in its '{match.headers[anchor]}' column, which"
        " marks the rows (the export is empty or cut off after its header)"
    )


def notice_pages(pages: Sequence[PageTable], kept: Sequence[PageTable]) -> list[PageTable]:
    """The pages from the header on, with the kept pages' notes as trimmed."""
    trimmed = {p.number: p for p in kept}
    return [trimmed.get(p.number, p) for p in pages]


def drop_trailing_notes(
    pages: list[PageTable],
    rows: list[PageRows],
    anchor: int,
    pitch: float,
    table_align: Align = "bottom",
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> tuple[list[PageTable], list[PageRows]]:
    """The table without what follows its last row: notes, a key, a glossary, not rows.

    - its last bands that are notes typed in its columns (``prose.trailing_non_rows``);
    - lines joined to the last row's id where every other id is one line (a heading or a
      key right under the last row, at the cells' line pitch, joins the id's cell);
    - every line below the last row on its page: register cells are bottom-aligned, so no
      row has text below its anchor's last line (nor a ruled row below its rule).

    Their lines join the page's unread lines, so the page's warning counts them.
    """
    bands = [(i, band) for i, page_rows in enumerate(rows) for band in page_rows.bands]
    if not bands:
        return pages, rows
    looks = [
        look
        for page, page_rows in zip(pages, rows)
        for look in row_looks(page, page_rows, anchor, settings)
    ]

    def holds_prose(k: int) -> bool:
        i, band = bands[k]
        return any(band.holds(line.baseline) and line.crosses for line in pages[i].lines)

    drop = trailing_non_rows(looks, holds_prose, settings)
    pages, rows = list(pages), list(rows)
    for i in sorted({i for i, _ in bands[len(bands) - drop :]}):
        gone = [b for j, b in bands[len(bands) - drop :] if j == i]
        rows[i] = replace(rows[i], bands=rows[i].bands[: len(rows[i].bands) - len(gone)])
        pages[i] = notes_below(pages[i], gone[0].top)
    if drop == len(bands):
        return pages, rows
    last, _ = bands[len(bands) - drop - 1]
    end = rows[last].bands[-1]
    if (
        not pages[last].ruled
        and table_align == "bottom"
        and id_wraps_alone(looks[: len(bands) - drop], settings)
    ):
        first = first_line(pages[last].column(anchor), end)
        if id_joined(looks[: len(bands) - drop], first.text, settings) and row_ends_at(
            pages[last], end, first.baseline
        ):
            end = Band(end.page, end.top, first.baseline + 0.3 * pitch, first.baseline)
            rows[last] = replace(rows[last], bands=(*rows[last].bands[:-1], end))
    pages[last] = notes_below(pages[last], end.bottom)
    return pages, rows


def id_wraps_alone(looks: Sequence[RowLook], settings: PdfSettings = DEFAULT_SETTINGS) -> bool:
    """Every row's id is one line but the last one's: what follows it joined its cell."""
    return (
        len(looks) > settings.min_rows_seen
        and looks[-1].lines > 1
        and all(look.lines == 1 for look in looks[:-1])
    )


def first_line(anchor: Sequence[Fragment], band: Band) -> Fragment:
    return min((f for f in anchor if band.holds(f.baseline)), key=lambda f: f.baseline)


def row_ends_at(page: PageTable, band: Band, baseline: float) -> bool:
    """Whether some column's text in the band ends on ``baseline``, none going on below it.

    Bottom-aligned cells all end on their row's last line: a column with text on the line
    but none below says the row ended there, and what is below is not the row's.
    """
    on_line: set[int] = set()
    below: set[int] = set()
    for f in page.fragments:
        if band.holds(f.baseline) and f.baseline >= baseline - 0.01:
            (on_line if f.baseline <= baseline + 0.01 else below).add(f.column)
    return bool(on_line - below)


def id_joined(
    looks: Sequence[RowLook], first: str, settings: PdfSettings = DEFAULT_SETTINGS
) -> bool:
    """The last id's first line alone has an id's shape, and with the lines after it not.

    (An id that wraps keeps its shape: "DARS-NIC-1033" / "33-G9P5T" is "A-A-" either way.)
    """
    shapes = {look.shape for look in looks[:-1]}
    return id_shape(first, settings) in shapes and looks[-1].shape not in shapes


def row_looks(
    page: PageTable, rows: PageRows, anchor: int, settings: PdfSettings = DEFAULT_SETTINGS
) -> list[RowLook]:
    """What each band of a page shows: its anchor cell's id shape and lines, columns filled."""
    bottoms = [b.bottom for b in rows.bands]
    anchors: list[list[str]] = [[] for _ in bottoms]
    filled: list[set[int]] = [set() for _ in bottoms]
    for f in page.fragments:
        i = bisect_left(bottoms, f.baseline)
        if i < len(bottoms) and rows.bands[i].holds(f.baseline):
            filled[i].add(f.column)
            if f.column == anchor:
                anchors[i].append(f.text)
    return [
        RowLook(id_shape(join_lines(texts), settings), len(columns), len(texts))
        for texts, columns in zip(anchors, filled, strict=True)
    ]


def notes_below(page: PageTable, top: float) -> PageTable:
    """The page with every line below ``top`` (the first band of notes) left unread."""
    below = [
        line
        for line in page.lines
        if line.baseline > top and line.baseline not in page.unread.baselines
    ]
    unread = Unread(
        page.unread.baselines + tuple(line.baseline for line in below),
        page.unread.above,
        page.unread.below + tuple(line.text for line in below),
    )
    fragments = tuple(f for f in page.fragments if f.baseline <= top)
    return replace(page, fragments=fragments, unread=unread)


def unread_notices(pages: Sequence[PageTable]) -> tuple[str, ...]:
    """Say how many lines of prose around the table were not read, page by page.

    Running heads and footers (the same on every page but for the numbers) go unsaid.
    """
    repeated = furniture([p.unread.above + p.unread.below for p in pages])
    notices = []
    for page in pages:
        for where, texts in (("above", page.unread.above), ("after", page.unread.below)):
            count = unread_count(texts, repeated)
            if count:
                lines = "line" if count == 1 else "lines"
                notices.append(
                    f"{count} {lines} of text {where} the table on page {page.number}"
                    " not read as rows (notes and prose around the table)"
                )
    return tuple(notices)


def unruled_cell_gap(
    pages: Sequence[PageTable], rows: Sequence[PageRows], pitch: float
) -> tuple[float, float] | None:
    gaps: list[float] = []
    for page, page_rows in zip(pages, rows, strict=True):
        if not page.ruled:
            ends = sorted(b.baseline for b in page_rows.bands if b.baseline is not None)
            columns = [page.column(c) for c in range(len(page.edges) - 1)]
            gaps += cell_gaps(columns, ends, pitch)
    return cell_gap_range(gaps)


def column_cells(
    table: Table,
    column: int,
    releases: frozenset[int] | None = None,
    within: frozenset[int] = frozenset(),
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Cell]:
    """A column's cells; ``releases`` (top-aligned and centred tables): the rows where the
    organisation's cells start, where no cell of another column goes on from the row
    above (``release_starts``); ``within``: rows inside one of them (``release_insides``)."""
    cells: list[Cell] = []
    for page, rows in zip(table.pages, table.rows):
        fragments = [
            f for f in page.column(column) if rows.bands and f.baseline > rows.bands[0].top
        ]
        if page.ruled:
            x0, x1 = page.edges[column], page.edges[column + 1]
            own = ruled_cells(rows, column, x0, x1, page.geometry.rulings, fragments)
            if own and own[-1].open_below and not foot_ruled(page, rows):
                own[-1] = replace(own[-1], open_below=False)  # no page-foot rule at all
            span = continued_rows(table, page, rows) if own and cells else None
            merging = table.match.fields[column] in MERGING_FIELDS
            if span and own[0].rows == span and (len(span) > 1 or merging):
                own[0] = replace(own[0], continued=True)  # one row: no other column merges
            cells += own
        elif table.align != "bottom":
            cut = clipped_below(page, rows, column)
            centred = table.align == "center"
            x0, x1 = page.edges[column], page.edges[column + 1]
            drawn = [r for r in page.geometry.rulings if r.drawn]  # a row's fill runs under a
            # merged cell as well: only drawn rules say where a column's cells part
            rules = rules_across(drawn, x0, x1) if rows_ruled(page, rows) else []
            merging = table.match.fields[column] in MERGING_FIELDS
            if merging and cells:
                cells = rest_of_cell_above(cells, rows, fragments, rules)
            own = aligned_cells(
                rows, column, fragments, table.pitch, centred, cut, releases, rules, merging, within
            )
            # no release starts on the page's first row: the text above the column's
            # first rule is the rest of the cell above, printed in both parts
            new_release = releases is None or rows.first_row in releases
            rest = merging and bool(cells) and bool(own) and not new_release
            if rest and goes_on_overleaf(cells[-1], own[0], rows, rules):
                own[0] = replace(own[0], continued=True)
            cells += own
        else:
            cut = clipped_below(page, rows, column)
            if table.match.fields[column] not in MERGING_FIELDS:
                ends = sorted(b.baseline for b in rows.bands if b.baseline is not None)
            else:  # a column registers merge ends its cells where a release ends
                ends = release_ends(table, page, rows) if column != organisation(table) else []
                ends = sorted({*ends, *references_run_together(table, page, rows)})
            k = table.pages.index(page)
            later = (table.pages[k + 1], table.rows[k + 1]) if k + 1 < len(table.pages) else None
            parts = broken_row_parts(page, rows, table.anchor, table.pitch, later)
            if table.match.fields[column] in MERGING_FIELDS and release_from_top(table, page, rows):
                parts = (parts[0], None)  # the release's merged cells go on through the part
            if table.match.fields[column] in MERGING_FIELDS and cells and cells[-1].open_below:
                cells = closed_overleaf(page, rows, column, cells, fragments)
            cells += unruled_cells(
                rows, column, fragments, table.pitch, table.cell_gap, cut, ends, parts, settings
            )
    return [c for c in join_across_pages(cells) if c.fragments]


def broken_row_parts(
    page: PageTable,
    rows: PageRows,
    anchor: int,
    pitch: float,
    later: tuple[PageTable, PageRows] | None,
) -> tuple[float | None, float | None]:
    """Bottom-aligned pages: where the part of a row broken across the page break that
    holds no id ends (the page's first band, its rest: ``bands.continued_part``), and
    where the part that holds its id starts, when its text runs from the part's top
    (text of two columns or more below the id's line: no bottom-aligned cell ends there;
    or the next page starts with the row's rest). Cells start at both (``unruled_cells``).
    ``later``: the next page and its rows."""
    if not rows.bands:
        return None, None
    first, last = rows.bands[0], rows.bands[-1]
    rest = first.bottom if is_rest(page, first, anchor) else None
    if later is None or len(rows.bands) < 2:
        return rest, None
    next_page, next_rows = later
    if next_rows.bands and is_rest(next_page, next_rows.bands[0], anchor):
        return rest, last.top
    below = {
        f.column
        for f in page.fragments
        if last.baseline is not None
        and last.holds(f.baseline)
        and f.baseline > last.baseline + 0.5 * pitch
    }
    return rest, last.top if len(below) >= 2 else None


def release_from_top(table: Table, page: PageTable, rows: PageRows) -> bool:
    """Bottom-aligned: whether the page's last organisation cell ends on no row's last line
    (a release the page break cut, its cells printed from their top: Chromium), so the
    merged cells of that release run on through the part of the row going on overleaf."""
    column = organisation(table)
    if column is None or not rows.bands:
        return False
    lines = [f for f in page.column(column) if f.baseline > rows.bands[0].top]
    blocks = text_blocks(lines, table.pitch)
    if not blocks:
        return False
    end = blocks[-1][-1].baseline
    ends = [b.baseline for b in rows.bands if b.baseline is not None]
    return not any(abs(end - e) <= 0.25 * table.pitch for e in ends)


def is_rest(page: PageTable, band: Band, anchor: int) -> bool:
    """Whether a band is the rest of a row begun overleaf: text, and no anchor cell."""
    return not has_text(page, band, anchor) and has_text(page, band)


def rest_of_cell_above(
    cells: Sequence[Cell], rows: PageRows, fragments: Sequence[Fragment], rules: Sequence[float]
) -> list[Cell]:
    """A merged cell a page break cut, in a column whose own rules part its cells
    (Writer, horizontal rules, text centred): its text printed in the part before the
    break, the rows overleaf above the column's first rule blank. Those rows are the rest
    of the cell above when it reached the last row before the break."""
    if not rows.bands or not rules:
        return list(cells)
    top = rows.bands[0].top
    below = [y for y in rules if y > top + SNAP]
    if not below:
        return list(cells)
    # rows wholly above that rule (a page's first band is open above when no header is
    # repeated: the table's top border over it is no rule under it)
    span = [
        rows.first_row + i for i, band in enumerate(rows.bands) if band.bottom <= below[0] + SNAP
    ]
    previous = cells[-1]
    if not span or previous.rows[-1] < rows.first_row - 1:
        return list(cells)  # the cell above ended before the break
    if any(f.baseline < below[0] for f in fragments):
        return list(cells)  # the part overleaf prints text of its own
    grown = sorted(set(previous.rows) | set(span))
    return [*cells[:-1], replace(previous, rows=grown)]


def closed_overleaf(
    page: PageTable, rows: PageRows, column: int, cells: list[Cell], fragments: Sequence[Fragment]
) -> list[Cell]:
    """Bottom-aligned, a merging column's cell the page break cut (printed from its top on
    the page before, Chromium): where this page's rows are ruled, the blank rows above
    the column's first rule are its rest (``rest_of_cell_above``), and it goes on no
    further: the next cell overleaf is another release's, not its rest."""
    if not rows_ruled(page, rows):
        return cells
    x0, x1 = page.edges[column], page.edges[column + 1]
    rules = rules_across([r for r in page.geometry.rulings if r.drawn], x0, x1)
    grown = rest_of_cell_above(cells, rows, fragments, rules)
    if grown[-1].rows == cells[-1].rows:
        return cells
    return [*grown[:-1], replace(grown[-1], open_below=False)]


def goes_on_overleaf(previous: Cell, cell: Cell, rows: PageRows, rules: Sequence[float]) -> bool:
    """Whether a page's first cell of a ruled merging column could be the rest of the
    cell above: it starts on the page's first row, its text above the column's first
    rule, and the cell above reached the last row before the break."""
    if not rows.bands or not rules or cell.rows[0] != rows.first_row:
        return False
    below = [y for y in rules if y > rows.bands[0].top + SNAP]
    if not below or not cell.fragments or cell.fragments[-1].baseline > below[0]:
        return False
    return previous.rows[-1] >= rows.first_row - 1


def foot_ruled(page: PageTable, rows: PageRows) -> bool:
    """Whether any column of a ruled page has a rule under its last row.

    A cell with no rule below it at a page's foot is cut by the break where the other
    columns close their rows (a merged cell going on overleaf); where no column does
    (LaTeX's longtable draws no rule at a page's foot), it says nothing of the kind.
    """
    if not rows.bands:
        return False
    last = rows.bands[-1]
    middle = (last.top + last.bottom) / 2
    for column in range(len(page.edges) - 1):
        ys = rules_across(page.geometry.rulings, page.edges[column], page.edges[column + 1])
        if ys and ys[-1] > middle:
            return True
    return False


def continued_rows(table: Table, page: PageTable, rows: PageRows) -> list[int] | None:
    """The rows a release merged across the page break spans at a ruled page's top.

    Writer draws a merged cell that a page break cuts as two, each closed by its rules,
    its text where it falls: a column whose first cell spans the page's first rows with
    no rule between them and shows no text is the rest of the cell above it (one row
    only: two such columns, a row may lack one value), and so is every column's first
    cell that spans the same rows.
    """
    if page is table.pages[0] or not rows.bands:
        return None
    blank: list[tuple[int, ...]] = []
    for c, field_name in enumerate(table.match.fields):
        if field_name not in MERGING_FIELDS:
            continue
        x0, x1 = page.edges[c], page.edges[c + 1]
        cells = ruled_cells(rows, c, x0, x1, page.geometry.rulings, page.column(c))
        if cells and cells[0].rows[0] == rows.first_row and not cells[0].fragments:
            blank.append(tuple(cells[0].rows))
    for span in blank:
        if len(span) > 1 or blank.count(span) > 1:
            return list(span)
    return None


def rows_ruled(page: PageTable, rows: PageRows) -> bool:
    """Whether the page draws a rule (or a fill's edge) between most of its rows, in some
    column: then a column's own rules say where its cells part."""
    ys = rules_within(page.geometry.rulings, page.edges)
    inner = [band.bottom for band in rows.bands[:-1]]
    drawn = sum(any(abs(y - cut) <= SNAP for y in ys) for cut in inner)
    return bool(inner) and drawn >= 0.8 * len(inner)


def release_starts(table: Table, org_cells: Sequence[Cell] | None) -> frozenset[int] | None:
    """The rows where the organisation's cells start: a release starts there. None when
    the table has no organisation column or its cells are bottom-aligned."""
    if org_cells is None or table.align == "bottom":
        return None
    return frozenset(cell.rows[0] for cell in org_cells)


def release_insides(org_cells: Sequence[Cell] | None) -> frozenset[int]:
    """The rows whose boundary with the row above an organisation's cell's text crosses:
    one release goes on there (a centred merged cell sits over its rows' boundaries)."""
    return frozenset(row for cell in org_cells or () for row in cell.rows[1:])


def organisation(table: Table) -> int | None:
    fields = table.match.fields
    return fields.index("organisation") if "organisation" in fields else None


def release_ends(table: Table, page: PageTable, rows: PageRows) -> list[float]:
    """Last baselines of the organisation's cells on an unruled page: where releases end."""
    column = organisation(table)
    if column is None or not rows.bands:
        return []
    row_ends = sorted(b.baseline for b in rows.bands if b.baseline is not None)
    lines = [f for f in page.column(column) if f.baseline > rows.bands[0].top]
    blocks = text_blocks(lines, table.pitch, row_ends, table.cell_gap)
    return sorted(block[-1].baseline for block in blocks)


def references_run_together(table: Table, page: PageTable, rows: PageRows) -> list[float]:
    """Where a release ends inside a run of the reference column's lines that holds
    several references: a line that starts as the run's first does ('DARS-NIC-') starts
    the next one (cells with no padding run together at the line pitch, in every column
    that merges; a release has one reference, so each one ends a release)."""
    fields = table.match.fields
    if "reference" not in fields or not rows.bands:
        return []
    column = fields.index("reference")
    if column == table.anchor:
        return []
    row_ends = sorted(b.baseline for b in rows.bands if b.baseline is not None)
    lines = [f for f in page.column(column) if f.baseline > rows.bands[0].top]
    ends = []
    for block in text_blocks(lines, table.pitch, row_ends, table.cell_gap):
        head = REFERENCE_HEAD.match(block[0].text)
        if head is None:
            continue
        ends += [a.baseline for a, f in pairwise(block) if f.text.startswith(head.group())]
    return ends


def clipped_below(page: PageTable, rows: PageRows, column: int) -> bool:
    """Whether text of this column was drawn, clipped away, below the page's last row.

    A merged cell cut by the page break is drawn whole on both pages and clipped: the
    invisible rest below the last row says the column's last cell goes on overleaf.
    """
    if not rows.bands:
        return False
    x0, x1, bottom = page.edges[column], page.edges[column + 1], rows.bands[-1].bottom
    return any(x0 <= (b[0] + b[2]) / 2 <= x1 and b[1] >= bottom for b in page.geometry.hidden)


def merges(table: Table, column: int, cells: Sequence[Cell], org_blanks: set[int]) -> bool:
    """Whether an unruled column merges cells over a release, so its blanks get filled:
    it is one registers merge, or it has a merged cell, or its blanks are (but for one in
    twenty, a row broken by a page) the organisation's."""
    if table.match.fields[column] in MERGING_FIELDS:
        return True
    if any(len(c.rows) > 1 for c in cells):
        return True
    blanks = blank_rows(cells, row_count(table))
    return bool(blanks) and bool(org_blanks) and len(blanks - org_blanks) * 20 <= len(blanks)


def resolve_columns(table: Table, settings: PdfSettings = DEFAULT_SETTINGS) -> list[list[Cell]]:
    """Every column's cells, merged blocks of unruled pages filled upwards."""
    org_column = organisation(table)
    org_cells = None if org_column is None else column_cells(table, org_column, settings=settings)
    spans = org_cells
    if org_cells is not None and table.align == "center" and not all(p.ruled for p in table.pages):
        # a centred organisation's text sits in the middle of its release, not on its first
        # row: its cells centred over their blank rows tell where releases start
        spans = fill_centred(org_cells, row_extents(table), table.pitch, settings)
    releases = release_starts(table, spans)
    within = release_insides(spans) if releases is not None else frozenset()
    columns = [
        org_cells
        if c == org_column and org_cells is not None
        else column_cells(table, c, releases, within, settings)
        for c in range(len(table.match.headers))
    ]
    if all(page.ruled for page in table.pages):
        return columns
    total = row_count(table)
    org = table.match.fields.index("organisation") if "organisation" in table.match.fields else 0
    org_blanks = blank_rows(columns[org], total)
    downwards = table.align == "top" or values_on_first_rows(
        table.match.fields, columns, total, table.align == "center"
    )
    return [
        fill_blanks(table, cells, total, downwards, settings)
        if merges(table, c, cells, org_blanks)
        else cells
        for c, cells in enumerate(columns)
    ]


def values_on_first_rows(
    fields: Sequence[str | None],
    columns: Sequence[Sequence[Cell]],
    total: int,
    centred: bool = False,
) -> bool:
    """Whether the merged cells' values sit on their blocks' first rows, not their last.

    Calc prints a bottom-aligned merged cell at its block's foot; LaTeX (``multirow``
    aside) puts the value on the block's first row, whatever the alignment. The table's
    ends tell which: values at the foot leave the table's first row blank in every column
    that merges (two or more: a release blanks them all), values on top its last row. One
    blank cell says nothing (a row may have no organisation); nor does no evidence, and
    the foot stays. Centred (``centred``), the same ends say it only where no merging
    cell's text reaches over a row's edge: a value on its first row lies in that row
    (LaTeX's ``m`` columns), a centred merged cell's long text in the middle of its block.
    """
    merging = [cells for c, cells in enumerate(columns) if fields[c] in MERGING_FIELDS]
    if len(merging) < 2 or total < 2:
        return False
    if centred and any(len(cell.rows) > 1 for cells in merging for cell in cells):
        return False  # a text over several rows is centred on its block, not on its row
    blanks = [blank_rows(cells, total) for cells in merging]
    first_blank = all(0 in b for b in blanks)
    last_blank = all(total - 1 in b for b in blanks)
    return last_blank and not first_blank


def fill_blanks(
    table: Table,
    cells: list[Cell],
    total: int,
    downwards: bool,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Cell]:
    """A merging column's blank rows given to the merged cell they belong to, by alignment
    (``downwards``: values on their blocks' first rows)."""
    if downwards:
        return fill_downwards(cells, total)
    if table.align == "center":
        return fill_centred(cells, row_extents(table), table.pitch, settings)
    return fill_upwards(cells)


def row_extents(table: Table) -> list[tuple[int, float, float]]:
    """Every row's page, top and bottom (a row broken by a page: its band with the anchor
    cell); an open top is as far above its middle as the bottom is below."""
    extents: dict[int, tuple[int, float, float]] = {}
    for page_rows in table.rows:
        for i, band in enumerate(page_rows.bands):
            middle = band.start if band.start is not None else band.bottom
            top = band.top if band.top != float("-inf") else 2 * middle - band.bottom
            if band.start is not None or page_rows.first_row + i not in extents:
                extents[page_rows.first_row + i] = (page_rows.page, top, band.bottom)
    return [extents[i] for i in range(row_count(table))]


def cell_span(cell: Cell) -> SpanData:
    """Page and box of a cell: the page that holds most of its lines."""
    pages = [f.page for f in cell.fragments]
    page = max(set(pages), key=pages.count)
    return SpanData(page=page, bbox=union([f.box for f in cell.fragments if f.page == page]))


def cell_text(cell: Cell, width: float) -> str:
    """A cell's lines joined, words cut by a line break whole (``unbroken``)."""
    return join_lines(unbroken(cell.fragments, width))


def broken_word(line: Fragment, after: Fragment, width: float) -> bool:
    """Whether a line break cut a word: the line is one word, full (not one more character
    would fit), and with the next line's first word wider than the column's text, so no
    line could hold the word and the producer cut it where the line was full (Writer and
    browsers move a word too wide for the column to a line of its own, then cut it).
    Geometry cannot tell every cut: a break at a space often leaves a one-word line as
    full in a narrow column, so only codes (a digit in them: ids, references, sections)
    are rejoined; ReportLab cuts words mid-line; headers are not rejoined this way (see
    ``header_text``)."""
    last, first = line.text.strip(), after.text.split(" ", 1)[0]
    if " " in last or not (last and first and last[-1].isalnum() and first[0].isalnum()):
        return False  # a word too wide for the column starts a line of its own
    if not any(c.isdigit() for c in last + first) or (last.isalpha() and first.isdigit()):
        return False  # in prose a full one-word line is as often two words ("Personally"),
    # and a word before a number ("Regulation" / "3") is two
    line_width = line.box[2] - line.box[0]
    per_char = line_width / max(len(line.text), 1)
    full = line_width + per_char > width
    return full and (len(last) + len(first)) * per_char > width * 1.02


def column_widths(table: Table, columns: Sequence[Sequence[Cell]]) -> list[float]:
    """Each column's text width (``text_width``), measured on the table's first page."""
    return [text_width(table.pages[0], c) for c in range(len(columns))]


def assemble_rows(
    table: Table, columns: Sequence[Sequence[Cell]], settings: PdfSettings = DEFAULT_SETTINGS
) -> list[RowData]:
    total = row_count(table)
    row_pages = [0] * total
    for page_rows in reversed(table.rows):  # a broken row is on the page it starts on
        for i in range(len(page_rows.bands)):
            row_pages[page_rows.first_row + i] = page_rows.page
    texts: list[list[str | None]] = [[None] * len(columns) for _ in range(total)]
    rows = [
        RowData(
            fields=row_to_field_data(table.match, []),
            layout=table.match.profile.name,
            pages=[row_pages[i]],
        )
        for i in range(total)
    ]
    widths = column_widths(table, columns)
    for c, cells in enumerate(columns):
        name = table.match.fields[c] or table.match.headers[c]
        for cell in cells:
            text, span = cell_text(cell, widths[c]), cell_span(cell)
            for r in cell.rows:
                texts[r][c] = text
                rows[r].cells[name] = span
                rows[r].pages = sorted({*rows[r].pages, *(f.page for f in cell.fragments)})
                if len(cell.rows) > 1:
                    rows[r].warnings.append(
                        f"{name} taken from a merged cell spanning rows"
                        f" {cell.rows[0] + 1}-{cell.rows[-1] + 1}"
                    )
                rows[r].needs_review = rows[r].needs_review or cell.inferred
    for row, values in zip(rows, texts):
        row.fields = row_to_field_data(table.match, values)
    if rows and table.warnings:
        rows[0].warnings.extend(table.warnings)
        rows[0].needs_review = True
    if rows:
        rows[0].warnings.extend(table.notices)
    anchor = table.match.fields[table.anchor]
    if anchor in ("row_id", "reference"):
        for i in odd_anchor_rows([getattr(row.fields, anchor) for row in rows], settings):
            rows[i].warnings.append(
                f"{anchor} {getattr(rows[i].fields, anchor)!r} is not shaped like the other"
                " rows' ids: a row boundary here may be wrong (a row split in two, or two"
                " rows run together)"
            )
            rows[i].needs_review = True
    return rows


def odd_anchor_rows(
    values: Sequence[str | None], settings: PdfSettings = DEFAULT_SETTINGS
) -> list[int]:
    """Rows whose anchor id is unlike the register's own ids, where nearly all are alike.

    Shapes are whole (``full_shape``: letter runs A, digit runs 9, white space dropped),
    so the rest of an id cut by a break ('01' / '93' under 'System Access 0193',
    'DARS-NIC-31491-' without its suffix) differs from the ids around it. Where the commonest
    shape is on fewer rows (``odd_share`` of the settings; none below ``part_share``), only
    an id shaped like a part of it, or like it with more after it (two ids run together),
    is odd. Nothing is changed:
    the rows are only flagged, the reader cannot tell which boundary is the true one.
    """
    shapes = [full_shape(v) for v in values]
    known = [s for s in shapes if s is not None]
    if len(known) < settings.min_rows_seen:
        return []
    common, count = Counter(known).most_common(1)[0]
    if count < settings.part_share * len(values):
        return []
    alike = count >= settings.odd_share * len(values)
    odd = []
    for i, (value, shape) in enumerate(zip(values, shapes, strict=True)):
        if value is None:
            continue  # an empty id is told by the cells (blank_rows, merged cells)
        part = (
            shape is not None
            and shape != common
            and (common.startswith(shape) or common.endswith(shape) or run_together(shape, common))
        )
        if part or (alike and shape != common):
            odd.append(i)
    return odd


def run_together(shape: str, common: str) -> bool:
    """Whether a shape is the common one with the start of another after it (two ids)."""
    rest, lead = shape[len(common) :], common[: min(3, len(common))]
    return shape.startswith(common) and rest[: len(lead)] == lead


def full_shape(value: str | None) -> str | None:
    """An id's whole shape: letter runs as A, digit runs as 9, white space dropped."""
    if not value:
        return None
    squeezed = "".join(value.split())
    return re.sub(r"[0-9]+", "9", re.sub(r"[A-Za-z]+", "A", squeezed))


def table_pages(
    pages: Sequence[PageGeometry], settings: PdfSettings = DEFAULT_SETTINGS
) -> list[PageTable]:
    """``page_tables``, a header-less column joined to its neighbour (``headerless_edges``)."""
    tables = page_tables(pages, settings=settings)
    merge = headerless_edges(tables, settings)
    return page_tables(pages, merge, settings) if merge else tables


def read_pdf(
    data: bytes, limits: Limits = DEFAULT_LIMITS, settings: PdfSettings | None = None
) -> list[RowData]:
    """Every table row of a register PDF, as plain data (``extract.pdf.read_pdf`` gives
    the record models). Raises ``ExtractError`` with a reason.

    ``settings`` (``PdfSettings``, the defaults if None) is resolved here, once, and handed
    to the stages that read its thresholds."""
    settings = settings or DEFAULT_SETTINGS
    pages, warnings = load_pages(data, limits)  # pages: chars and rulings, bounded
    tables = table_pages(pages, settings)  # lines, column edges, prose around the table
    table = build_table(tables, warnings, settings)  # header -> row bands -> table end
    columns = resolve_columns(table, settings)  # cells, merged cells filled
    rows = assemble_rows(table, columns, settings)  # records
    if len(rows) > limits.max_rows:
        raise DocumentTooLarge(f"{len(rows):,} rows is over the {limits.max_rows:,}-row limit")
    return rows
