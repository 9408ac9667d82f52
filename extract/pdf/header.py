"""The header stage: the table's header row found by its content, on the first pages and
again on every page that repeats it, whatever its cells' alignment, wrapping, colour or
cut words; and the river edges the header shows are not column edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import product

from extract.errors import UnknownLayout
from extract.pdf.bands import band_fragments, band_texts, page_bands
from extract.pdf.lines import Fragment
from extract.pdf.rows import ALIGNS, BLOCK_PITCH, Band, line_pitch, text_blocks
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings
from extract.pdf.table import PageTable
from extract.pdf.words import rejoin_cut_words
from extract.profiles import (
    HeaderMatch,
    field_for,
    known_spelling,
    load_profiles,
    match_header,
    normalise_header,
)
from extract.text import join_lines


def band_headers(page: PageTable, band: Band) -> list[str]:
    """A row band read as the header row (``header_text`` of each column)."""
    return [
        header_text([f.text for f in sorted(column, key=lambda f: f.baseline)])
        for column in band_fragments(page, band)
    ]


def header_text(lines: Sequence[str]) -> str:
    """A header cell's text; a word a narrow column broke ("Sensiti" / "ve") is rejoined.

    Lines are joined with spaces unless joining some break without one gives a header
    a layout profile knows, or the header has the letters of one (``known_spelling``: a
    header cut into many lines). Any other header (an extra column's) joins a word cut in
    two where the register spreadsheets' vocabulary says so (``words.rejoin_cut_words``).
    """
    plain = join_lines(list(lines))
    spelled = known_spelling(plain)
    if spelled is not None:  # a profile's header to the letter, not only a prefix of one
        return plain if normalise_header(plain) == spelled else spelled
    if len(lines) < 2 or known_header(plain):
        return plain
    if len(lines) <= 6:
        for glue in product((" ", ""), repeat=len(lines) - 1):
            text = lines[0] + "".join(g + line for g, line in zip(glue, lines[1:], strict=True))
            if known_header(text):
                return join_lines([text])
    return rejoin_cut_words(lines)


def known_header(text: str) -> bool:
    return any(field_for(text, profile) for profile in load_profiles())


def find_header(
    page: PageTable, pitch: float, settings: PdfSettings = DEFAULT_SETTINGS
) -> tuple[HeaderMatch, Band] | None:
    """The header row of a page, matched to a profile, whatever its cells' alignment.

    Tried as one of the first two rows of each alignment (``ALIGNS``), and as the first
    one to eight lines of the page's table text; the reading that maps most columns to
    record fields (to the letter, on a tie) wins, the first tried on a tie. Its band then
    takes in the rest of any header cell wrapped below it (``whole_header``).
    """
    best: tuple[HeaderMatch, Band] | None = None
    for band in header_candidates(page, pitch, settings):
        match = match_header(band_headers(page, band))
        if match is not None and (best is None or telling(match) > telling(best[0])):
            best = match, band
    return None if best is None else whole_header(page, *best, pitch, settings)


def telling(match: HeaderMatch) -> tuple[int, int]:
    """How well a header reading fits: columns mapped, then mapped to the letter."""
    return match.mapped, match.exact


def whole_header(
    page: PageTable,
    match: HeaderMatch,
    band: Band,
    pitch: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> tuple[HeaderMatch, Band]:
    """The header's band grown to the last line of every header cell it starts, when that
    makes more headers a field's name to the letter (a data row's lines never do)."""
    ends = [
        run[-1].baseline
        for c in range(len(page.edges) - 1)
        for run in text_blocks(page.column(c), pitch)
        if band.holds(run[0].baseline) and run[-1].baseline > band.bottom
    ]
    if not ends:
        return match, band
    grown = replace(band, bottom=max(ends) + settings.band_below * pitch, baseline=max(ends))
    again = match_header(band_headers(page, grown))
    if again is None or again.mapped < match.mapped or again.exact <= match.exact:
        return match, band
    return again, grown


def header_candidates(
    page: PageTable, pitch: float, settings: PdfSettings = DEFAULT_SETTINGS
) -> list[Band]:
    """Bands that may hold the header: rows as each alignment cuts them, then the page's
    first lines, one to eight of them."""
    bands = [band for align in ALIGNS for band in page_bands(page, 0, pitch, align)[:2]]
    baselines = sorted({round(f.baseline, 1) for f in page.fragments})[:8]
    below = settings.band_below
    return bands + [Band(page.number, float("-inf"), b + below * pitch, b) for b in baselines]


def first_header(
    pages: Sequence[PageTable], pitch: float, settings: PdfSettings = DEFAULT_SETTINGS
) -> tuple[int, HeaderMatch, Band]:
    """The first page with a register table's header (a cover page may come first), on the
    first ``header_search_pages`` pages."""
    for index, page in enumerate(pages[: settings.header_search_pages]):
        found = find_header(page, pitch, settings)
        if found is not None:
            return index, *found
    first = pages[0]
    bands = page_bands(first, 0, pitch)
    shown = " | ".join(t for t in band_texts(first, bands[0]) if t)[:200] if bands else ""
    raise UnknownLayout(
        f"page {first.number}: no register table found; its first row ({shown or 'empty'})"
        " matches no layout profile"
    )


def with_repeated_lines(
    pages: Sequence[PageTable],
    match: HeaderMatch,
    band: Band,
    pitch: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> tuple[HeaderMatch, Band]:
    """The header grown by the lines right under it that every later page prints at the
    same place, word for word: the header's wrapped rest ("Reference" / "Number"), which
    a profile may match without, and which no data row repeats on every page."""
    first, later = pages[0], pages[1:]
    if not later:
        return match, band
    seen = [{(f.column, round(f.baseline, 1), f.text) for f in p.fragments} for p in later]
    grown = band
    while True:
        last = max((f.baseline for f in first.fragments if grown.holds(f.baseline)), default=None)
        if last is None:
            break
        under = [  # the next line, at the pitch of the header's own lines
            f for f in first.fragments if grown.bottom < f.baseline <= last + BLOCK_PITCH * pitch
        ]
        if not under or not all(
            (f.column, round(f.baseline, 1), f.text) in lines for f in under for lines in seen
        ):
            break
        low = max(f.baseline for f in under)
        grown = replace(grown, bottom=low + settings.band_below * pitch, baseline=low)
    if grown == band:
        return match, band
    again = match_header(band_headers(first, grown))
    if again is None or again.mapped < match.mapped:
        return match, band
    return again, grown


def is_header_repeat(texts: Sequence[str], header: Sequence[str]) -> bool:
    """A page's first row repeats the header (print titles), maybe clipped, its words
    maybe cut elsewhere (letters compared, not spaces)."""
    named = [letters(h) for h in header if letters(h)]
    same = sum(1 for t, h in zip(texts, header) if letters(t) and letters(t) == letters(h))
    return bool(named) and same * 2 >= len(named)


def letters(text: str) -> str:
    # filter() with the str method runs in C: a generator here was 5% of a PDF's layout time
    return "".join(filter(str.isalnum, text.lower()))


def repeated_header(
    page: PageTable,
    match: HeaderMatch,
    header: Band,
    pitch: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> float | None:
    """The bottom of the page's own copy of the table's header, if it prints one: where
    the first page has it (print titles, ``thead``), else found as the first page's was,
    when the page's first line starts a header cell of its column (``starts_header``)."""
    same_place = replace(header, page=page.number)
    if is_header_repeat(band_texts(page, same_place), match.headers):
        return header.bottom
    top = [f for f in page.fragments if f.baseline <= min(g.baseline for g in page.fragments) + 1]
    if not any(starts_header(f, match.headers) for f in top):
        return None
    found = find_header(page, pitch, settings)
    if found is None or not is_header_repeat(band_texts(page, found[1]), match.headers):
        return None
    return found[1].bottom


def starts_header(fragment: Fragment, headers: Sequence[str]) -> bool:
    """Whether a line starts its column's header (four letters or more of it, or all of a
    shorter one): a bottom-aligned header's first line may be any column's."""
    if fragment.column >= len(headers):
        return False
    named, printed = letters(headers[fragment.column]), letters(fragment.text)
    return len(printed) >= min(4, len(named)) > 0 and named.startswith(printed)


def headerless_edges(
    pages: Sequence[PageTable], settings: PdfSettings = DEFAULT_SETTINGS
) -> frozenset[float]:
    """River edges that are not column edges, judged on the header's page: between a
    column with a header and no cells and one with cells and no header (one column, its
    header left-aligned and its values right-aligned: numeric row ids, with white between
    them all the way down), and through a word of the header (``words_cut``)."""
    pitch = line_pitch([f for p in pages for f in p.fragments])
    try:
        start, match, band = first_header(pages, pitch, settings)
    except UnknownLayout:
        return frozenset()
    page = pages[start]
    if page.ruled:
        return frozenset()
    body = {f.column for f in page.fragments if f.baseline > band.bottom}
    named = [bool(h) for h in match.headers]
    headerless = {
        page.edges[k]
        for k in range(1, len(named))
        if named[k - 1] != named[k]
        and (k - 1 in body) != (k in body)
        and named[k - 1] != (k - 1 in body)
    }
    return frozenset(headerless | words_cut(page, band, settings))


def words_cut(page: PageTable, band: Band, settings: PdfSettings = DEFAULT_SETTINGS) -> set[float]:
    """River edges that run through a word of the header ("Ro" | "w"): a header line that
    crosses where the right-aligned ids all start was taken for prose and left out of the
    rivers. No column edge cuts a word."""
    header = sorted((f for f in page.fragments if band.holds(f.baseline)), key=lambda f: f.box[0])
    cut: set[float] = set()
    for left in header:
        for right in header:
            gap = abs(right.box[0] - left.box[2])
            touching = gap < settings.header_touch * left.size  # one glyph after another
            if (
                right.column == left.column + 1
                and abs(right.baseline - left.baseline) < settings.header_same_line * left.size
                and touching
                and left.text[-1:].isalpha()
                and right.text[:1].isalpha()
            ):
                cut.add(page.edges[right.column])
    return cut
