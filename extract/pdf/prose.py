"""Text printed around the table that is not table: titles, paragraphs, notes, glossaries.

A line of the table never runs across a column edge: cells wrap inside their column, and
unruled columns are found where no table line crosses. A line of prose (a title, a
paragraph above the header, notes or a glossary after the last row, a footnote) is one
phrase running over several columns, so it does. Its short last line ("statistics.") does
not, but it starts where the paragraph does, one line below a line that does.

Lines of a page are sorted out around its *table lines* (not prose, text in two columns
or more; bottom-aligned cells end on their row's last line, so every row has one):

- above the first table line, prose is dropped (titles, running heads, a preamble);
  lines in one column stay (the rest of a cell cut by the page break);
- between the first and the last table line, nothing is dropped (nor even looked at);
- after the last table line, lines go on at the table's rhythm (a cut cell's lines) until
  the first line of prose or the first line after a blank gap: from there on, nothing is
  the table (a notes heading, notes, a glossary, a footnote);
- a page with prose and no table line (a notes page) is not table at all.

A key or glossary typed in the table's own columns ("HES" in the id column, "Hospital
Episode Statistics" in the next) crosses no edge: by geometry it is table. Once the rows
are known, the table's own evidence tells (``trailing_non_rows``): every row of a register
has an id of a few shapes in its anchor column (1, 2, 3…; NIC-…; DARS-NIC-…; a date) and
values in most columns, so the last rows with no id of those shapes that fill one or two
columns (or hold prose) are notes, not rows; the reader then leaves out every line below
the last row on its page (a heading right under it, even one joined to its id's cell).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from extract.pdf.columns import column_of, line_spans
from extract.pdf.geometry import Char
from extract.pdf.lines import Fragment, line_text
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings

_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[^\W\d_]+")
_SPACES = re.compile(r"\s+")


class PrintedLine:
    """One printed line across the whole page width; looked at only when asked."""

    def __init__(
        self,
        baseline: float,
        chars: Sequence[Char],
        edges: Sequence[float],
        starts: Counter[int],
        settings: PdfSettings = DEFAULT_SETTINGS,
    ) -> None:
        self.baseline = baseline
        self.unordered, self.edges, self.starts = chars, edges, starts
        self.settings = settings

    @cached_property
    def chars(self) -> list[Char]:
        return sorted(self.unordered, key=lambda c: c.x0)

    @cached_property
    def size(self) -> float:
        return max(c.size for c in self.unordered if not c.text.isspace())

    @cached_property
    def x0(self) -> float:
        return min(c.x0 for c in self.unordered if not c.text.isspace())

    @cached_property
    def spans(self) -> list[tuple[float, float]]:
        return line_spans(self.chars, self.starts, self.settings.prose_bridge, self.settings)

    @cached_property
    def crosses(self) -> bool:
        """A phrase of it runs across a column edge, and it is no row of phrases in three
        columns or more (a header whose "Row" runs over where right-aligned ids start)."""
        crossing = [crosses_edge(a, b, self.edges) for a, b in self.spans]
        if not any(crossing):
            return False
        within = {
            column_of((a + b) / 2, self.edges)
            for (a, b), across in zip(self.spans, crossing, strict=True)
            if not across
        }
        return len(within) < self.settings.table_columns

    @cached_property
    def columns(self) -> int:
        """Columns holding its text (a phrase that crosses no edge lies in one)."""
        return len({column_of((a + b) / 2, self.edges) for a, b in self.spans})

    @property
    def text(self) -> str:
        return line_text(self.chars, self.settings.word_gap)


@dataclass(frozen=True)
class Unread:
    """A page's lines that are not the table: their baselines, and the texts above / below."""

    baselines: tuple[float, ...]
    above: tuple[str, ...]
    below: tuple[str, ...]


def crosses_edge(x0: float, x1: float, edges: Sequence[float]) -> bool:
    i = bisect_right(edges, x0 + 0.5)
    return i < len(edges) and edges[i] < x1 - 0.5


def printed_lines(
    chars: Sequence[Char],
    fragments: Sequence[Fragment],
    edges: Sequence[float],
    starts: Counter[int],
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[PrintedLine]:
    """The page's printed lines, top to bottom: the fragments' baselines, with all their chars.

    A fragment's baseline is the lowest of its characters', which lie within a third of
    their size above it; fragments of one line in several columns are as close. Every
    fragment has a visible letter, so every line has one.
    """
    ordered = sorted(chars, key=lambda c: c.baseline)
    keys = [c.baseline for c in ordered]
    lines: list[PrintedLine] = []
    low = 0
    for top, bottom in line_extents(fragments):
        first, last = bisect_left(keys, top, low), bisect_right(keys, bottom, low)
        lines.append(PrintedLine(bottom, ordered[first:last], edges, starts, settings))
        low = last
    return lines


def line_extents(fragments: Sequence[Fragment]) -> list[tuple[float, float]]:
    """(top, bottom) baselines of each printed line: fragments' baselines clustered."""
    extents: list[tuple[float, float]] = []
    for f in sorted(fragments, key=lambda f: f.baseline):
        tolerance = f.size / 3
        if extents and f.baseline - extents[-1][1] <= tolerance:
            extents[-1] = (extents[-1][0], f.baseline)
        else:
            extents.append((f.baseline - tolerance, f.baseline))
    return extents


def is_prose(lines: Sequence[PrintedLine], i: int) -> bool:
    """Crosses a column edge, or is a one-column line of a paragraph of such lines."""
    line = lines[i]
    if line.crosses:
        return True
    return any(
        0 <= j < len(lines) and same_paragraph(lines[j], line) and lines[j].crosses
        for j in (i - 1, i + 1)
    )


def same_paragraph(prose: PrintedLine, line: PrintedLine) -> bool:
    settings = prose.settings
    return (
        abs(line.x0 - prose.x0) <= settings.same_margin
        and abs(line.size - prose.size) <= settings.same_size * prose.size
        and abs(line.baseline - prose.baseline) <= settings.same_paragraph * prose.size
        and line.columns == 1
    )


def goes_on_cell(lines: Sequence[PrintedLine], i: int) -> bool:
    """Whether a line that crosses an edge goes on, at the line pitch, from the one-column
    line right above it, a phrase of it starting in that column: a line of a tall header
    cell (a centred header's short words in narrow columns bridged into one phrase over
    their edges), not prose."""
    if i < 2 or is_prose(lines, i - 1) or lines[i - 1].columns != 1:
        return False  # a page's first line is no header cell's: a title over a preamble
    line, above = lines[i], lines[i - 1]
    if line.baseline - above.baseline > line.settings.same_paragraph * line.size:
        return False
    if abs(line.size - above.size) > line.settings.same_size * line.size:
        return False  # a heading over a paragraph
    a0, a1 = above.spans[0]
    column = column_of((a0 + a1) / 2, line.edges)
    return any(column_of(x0, line.edges) == column for x0, _ in line.spans)


def is_table_line(lines: Sequence[PrintedLine], i: int) -> bool:
    return lines[i].columns >= 2 and not is_prose(lines, i)


def unread_lines(lines: Sequence[PrintedLine], settings: PdfSettings = DEFAULT_SETTINGS) -> Unread:
    """The lines of one page that are not the table's (see the module's docstring)."""
    n = len(lines)
    first = next((i for i in range(n) if is_table_line(lines, i)), None)
    if first is None:
        dropped = [any(is_prose(lines, i) for i in range(n))] * n
        return Unread(baselines(lines, dropped), (), texts(lines, dropped))
    last = next(i for i in reversed(range(n)) if is_table_line(lines, i))
    dropped = [i < first and is_prose(lines, i) and not goes_on_cell(lines, i) for i in range(n)]
    previous = lines[last]
    for i in range(last + 1, n):
        gap = lines[i].baseline - previous.baseline
        if gap > settings.detached * previous.size or is_prose(lines, i):
            dropped[i:] = [True] * (n - i)
            break
        previous = lines[i]
    return Unread(
        baselines(lines, dropped),
        texts(lines[:first], dropped[:first]),
        texts(lines[last:], dropped[last:]),
    )


@dataclass(frozen=True)
class RowLook:
    """What a row band shows of itself: its anchor cell's id shape and the columns it fills."""

    shape: str | None  # None: the anchor cell is empty
    filled: int
    lines: int = 1  # printed lines of the anchor cell


def id_shape(text: str, settings: PdfSettings = DEFAULT_SETTINGS) -> str | None:
    """An id's shape: letter runs as A, digit runs as 9, spaces as one, its first
    ``settings.shape_chars``.

    "NIC-12345-A1B2C" and "NIC-9876-ZZ" are both "A-9-"; "12" and "1099" both "9".
    """
    squeezed = _SPACES.sub(" ", text.strip())
    if not squeezed:
        return None
    return _LETTERS.sub("A", _DIGITS.sub("9", squeezed))[: settings.shape_chars]


def trailing_non_rows(
    looks: Sequence[RowLook],
    holds_prose: Callable[[int], bool] = lambda i: False,
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> int:
    """How many of the table's last bands are notes typed in its columns, not rows.

    The candidates are the last bands that fill at most ``settings.few_columns`` columns or hold
    prose; the bands above them are the table. A candidate is not a row when every band
    of the table has an id in the anchor column, none of the candidate's shape, and it
    holds prose or fills fewer columns than any band of the table. Only the candidates
    below the last one that is a row are dropped: nothing above a row ever is.
    """
    start, prose = len(looks), set()
    while start > settings.min_rows_seen:
        if holds_prose(start - 1):
            prose.add(start - 1)
        elif looks[start - 1].filled > settings.few_columns:
            break
        start -= 1
    table = looks[:start]
    shapes = {look.shape for look in table}
    if start == len(looks) or None in shapes:
        return 0
    fewest = min(look.filled for look in table)
    kept = start
    for i in range(start, len(looks)):
        if looks[i].shape in shapes or (i not in prose and looks[i].filled >= fewest):
            kept = i + 1
    return len(looks) - kept


def baselines(lines: Sequence[PrintedLine], dropped: Sequence[bool]) -> tuple[float, ...]:
    return tuple(line.baseline for line, gone in zip(lines, dropped, strict=True) if gone)


def texts(lines: Sequence[PrintedLine], dropped: Sequence[bool]) -> tuple[str, ...]:
    return tuple(line.text for line, gone in zip(lines, dropped, strict=True) if gone)


def furniture(pages_lines: Sequence[Sequence[str]]) -> set[str]:
    """Lines printed on two pages or more, page numbers aside: running heads and footers."""
    seen: Counter[str] = Counter()
    for lines in pages_lines:
        seen.update({_DIGITS.sub("#", text) for text in lines})
    return {text for text, pages in seen.items() if pages >= 2}


def unread_count(lines: Sequence[str], repeated: set[str]) -> int:
    """How many of a page's dropped lines were not page furniture."""
    return sum(1 for text in lines if _DIGITS.sub("#", text) not in repeated)
