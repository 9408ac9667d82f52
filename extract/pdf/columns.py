"""Column edges of a table: from vertical rulings where the grid is drawn, else from the
white "rivers" that run top to bottom between the columns of left-aligned wrapped text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from operator import itemgetter

from extract.pdf.geometry import Char, PageGeometry, Ruling
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings

_X0 = itemgetter(1)  # Char.x0 as a sort key, read in C (a Char is a tuple)

SNAP = 1.5  # rulings closer than this (points) are one edge drawn twice
BIN = 0.25  # river_bin's default, for tests/test_pdf_harsh_widths (points)


def cluster(values: Sequence[float], tolerance: float) -> list[float]:
    """Sorted values, each run closer than ``tolerance`` replaced by its mean."""
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tolerance:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def edges_from_rulings(
    rulings: Sequence[Ruling], settings: PdfSettings = DEFAULT_SETTINGS
) -> list[float]:
    """x of the vertical rules that run most of the grid's height (``long_ruling`` of the
    tallest): the column edges, where there are ``min_rulings`` of them."""
    verticals = [r for r in rulings if r.orientation == "v"]
    if len(verticals) < settings.min_rulings:
        return []
    tallest = max(r.bottom - r.top for r in verticals)
    long_enough = [
        (r.x0 + r.x1) / 2 for r in verticals if r.bottom - r.top >= settings.long_ruling * tallest
    ]
    edges = cluster(long_enough, settings.snap)
    return edges if len(edges) >= settings.min_rulings else []


def tenths(x: float) -> int:
    return round(x * 10)


def starts_near(starts: Counter[int], x: float) -> int:
    """Lines starting within 0.1 pt of x (a bold header sits a hair off its column)."""
    key = tenths(x)
    return starts[key - 1] + starts[key] + starts[key + 1]


def word_starts(chars: Sequence[Char]) -> Counter[int]:
    """How many lines start a phrase at each x (in tenths of a point) after white space.

    Only a letter with nothing printed just before it counts (first on its line, or
    half a letter or more from the last mark): a column's left edge collects one for
    every line of its cells, while a word inside repeated text ("ICO code", or a header
    printed on every page) is always preceded by its touching space and collects none.
    """
    return Counter(x for x, _, _ in start_keys(chars))


def start_keys(chars: Sequence[Char]) -> set[tuple[int, int, str]]:
    """Each phrase start as (x in tenths of a point, baseline in half points, its line's
    text from there): the same line printed at the same place on every page (a centred
    header repeated by the producer) is one start, not one per page."""
    keys: set[tuple[int, int, str]] = set()
    for row in baseline_rows(chars):
        previous: Char | None = None
        for i, char in enumerate(row):
            if not char.text.isspace() and (
                previous is None or char.x0 - previous.x1 > 0.5 * char.size
            ):
                rest = "".join([c.text for c in row[i : i + 12]])  # a list joins faster
                keys.add((tenths(char.x0), round(char.baseline * 2), rest))
            previous = char
    return keys


def baseline_rows(chars: Sequence[Char]) -> list[list[Char]]:
    rows: dict[int, list[Char]] = {}
    for char in chars:
        rows.setdefault(round(char.baseline * 2), []).append(char)
    return [sorted(row, key=_X0) for row in rows.values()]


Span = tuple[float, float]


def line_spans(
    row: Sequence[Char],
    starts: Counter[int],
    bridge: float,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Span]:
    """Horizontal extents of one line's phrases: words joined across their spaces.

    Spaces are drawn as characters, but a cell's line often ends in one that reaches
    into the white between columns, right up to the next column's first letter. So a
    space joins two words only when the word after it does not start where many lines
    start (a column's left edge), and gaps of up to ``bridge`` font sizes are kept.
    """
    spans: list[Span] = []
    start = end = None
    spaced = False
    for char in row:
        if char.text.isspace():
            spaced = True
            continue
        # a producer that draws no space glyph (pdfTeX) leaves a word space as a gap
        spaced = spaced or (end is not None and char.x0 - end > settings.word_gap * char.size)
        joins = end is not None and (
            char.x0 - end <= bridge * char.size
            or (
                spaced
                and starts_near(starts, char.x0) < settings.strong_starts
                and char.x0 - end < char.size
            )
        )
        if not joins:
            if start is not None and end is not None:
                spans.append((start, end))
            start = char.x0
        end = char.x1 if not joins or end is None else max(end, char.x1)
        spaced = False
    if start is not None and end is not None:
        spans.append((start, end))
    return spans


def phrase_starts(pages: Sequence[PageGeometry]) -> Counter[int]:
    """Where lines start phrases, over all the pages (see ``word_starts``)."""
    keys = set().union(*(start_keys(page.chars) for page in pages))
    return Counter(x for x, _, _ in keys)


def page_lines(
    pages: Sequence[PageGeometry],
    bridge: float,
    starts: Counter[int] | None = None,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[list[Span]]:
    """The phrases of every printed line of every page."""
    starts = phrase_starts(pages) if starts is None else starts
    return [
        line_spans(row, starts, bridge, settings)
        for page in pages
        for row in baseline_rows(page.chars)
    ]


def crosses_columns(span: Span, strong_starts: Sequence[float]) -> bool:
    """A phrase running over where many lines start: a title, a footer, a line of prose."""
    x0, x1 = span
    i = bisect_right(strong_starts, x0 + 1)
    return i < len(strong_starts) and strong_starts[i] < x1 - 1


def table_spans(
    lines: Sequence[Sequence[Span]], settings: PdfSettings = DEFAULT_SETTINGS
) -> list[Span]:
    """Phrases of the table's lines: phrases running across columns are left out.

    A line of prose may be cut into several phrases where one of its words happens to
    start at a column's edge; each part still runs across the other columns.
    """
    span_starts = Counter(round(x0 * 2) / 2 for line in lines for x0, _ in line)
    strong = max(settings.strong_starts, len(lines) // 20)
    strong_starts = sorted(x for x, n in span_starts.items() if n >= strong)
    return [span for line in lines for span in line if not crosses_columns(span, strong_starts)]


def white_strips(spans: Sequence[Span], x_min: float, x_max: float) -> list[Span]:
    """The white between ``x_min`` and ``x_max`` that no span covers, left to right."""
    strips: list[Span] = []
    reach = x_min
    for x0, x1 in sorted(spans):
        if x0 > reach:
            strips.append((reach, x0))
        reach = max(reach, x1)
    if x_max > reach:
        strips.append((reach, x_max))
    return strips


def edges_from_rivers(
    pages: Sequence[PageGeometry],
    min_gap: float = 0.08,
    bridge: float = 0.05,
    starts: Counter[int] | None = None,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[float]:
    """Column edges of an unruled table: the middle of every vertical strip no text crosses.

    Cell text is left-aligned and wraps inside its column, so between two columns there
    is always a strip of white (the cells' padding) that no line of any page crosses.
    Strips narrower than ``min_gap`` font sizes (capped at ``settings.river_gap_cap``, 0.75 pt; a table fitted to the
    page width may print at 3 pt, its padding a quarter point) are not columns' gaps, and
    lines that are one phrase across columns (a title, a page footer) do not count.
    Strips are measured from the phrases' own ends, not on a grid: a narrow column's
    widest line may end two thirds of a point from the next column's text, and a grid of
    quarter points could see only one empty slice of that strip.
    ``starts`` (``phrase_starts`` of the same pages) may be given when already counted.
    """
    chars = [c for page in pages for c in page.chars]
    if not chars:
        return []
    size = sorted(c.size for c in chars)[len(chars) // 2]
    narrowest = max(settings.river_bin, min(settings.river_gap_cap, min_gap * size))
    x_min, x_max = min(c.x0 for c in chars), max(c.x1 for c in chars)
    strips = white_strips(
        table_spans(page_lines(pages, bridge, starts, settings), settings), x_min, x_max
    )
    middles = [(x0 + x1) / 2 for x0, x1 in strips if x1 - x0 >= narrowest]
    edges = [x_min - 1.0, *middles, x_max + 1.0]
    return drop_slivers(edges, min(c.size for c in chars))


def drop_slivers(edges: list[float], min_width: float) -> list[float]:
    """Edges without the columns narrower than a letter: a stray glyph, not a column.

    A sliver joins the column on its left (its edge is dropped), the first one the next.
    """
    kept = list(edges)
    i = 1
    while i < len(kept) and len(kept) > 2:
        if kept[i] - kept[i - 1] < min_width:
            del kept[i if i < len(kept) - 1 else i - 1]
        else:
            i += 1
    return kept


def column_of(x: float, edges: Sequence[float]) -> int | None:
    """Index of the column between ``edges`` that holds x, None when outside the table."""
    if not edges or x < edges[0] or x > edges[-1]:
        return None
    lo, hi = 0, len(edges) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x < edges[mid]:
            hi = mid
        else:
            lo = mid
    return lo


def columns_of(xs: Sequence[float], edges: Sequence[float]) -> list[int | None]:
    """``column_of`` of each x. Over edges in order (as every caller's are) that is
    ``bisect_right`` less one, the last edge closing the last column: one C call per x
    instead of a loop in Python, for every character of a page."""
    if not edges or not all(a <= b for a, b in pairwise(edges)):
        return [column_of(x, edges) for x in xs]
    first, end, last = edges[0], edges[-1], max(len(edges) - 2, 0)
    return [
        None if x < first or x > end else i if (i := bisect_right(edges, x) - 1) < last else last
        for x in xs
    ]
