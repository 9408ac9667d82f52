"""Characters -> text lines inside each column (``Fragment``): the first step of the chain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter

from extract.pdf.columns import columns_of
from extract.pdf.geometry import Box, Char
from extract.pdf.settings import DEFAULT_SETTINGS, PdfSettings

_X0, _BASELINE = itemgetter(1), itemgetter(6)  # Char's fields as sort keys, read in C


@dataclass(frozen=True)
class Fragment:
    """One printed line of one cell: the characters of a column on a baseline."""

    page: int
    column: int
    baseline: float
    size: float
    box: Box
    text: str


def line_text(chars: Sequence[Char], word_gap: float = DEFAULT_SETTINGS.word_gap) -> str:
    """Characters of one line, left to right, with a space where the PDF leaves a gap
    (wider than ``word_gap`` font sizes)."""
    out: list[str] = []
    previous: Char | None = None
    for char in chars:
        if previous is not None and char.x0 - previous.x1 > word_gap * char.size:
            out.append(" ")
        out.append(char.text)
        previous = char
    return " ".join("".join(out).split())


def group_baselines(
    chars: Sequence[Char], overprint: float = DEFAULT_SETTINGS.overprint
) -> list[list[Char]]:
    """Characters grouped by baseline (within a third of their size), top to bottom.

    Two lines printed over one another (a cell's text overflowing its row into the line
    above) are not one line: see ``split_overprint``.
    """
    groups: list[list[Char]] = []
    for char in sorted(chars, key=_BASELINE):
        if groups and char.baseline - groups[-1][0].baseline <= char.size / 3:
            groups[-1].append(char)
        else:
            groups.append([char])
    return [line for group in groups for line in split_overprint(group, overprint)]


def overprinted(group: Sequence[Char], overprint: float = DEFAULT_SETTINGS.overprint) -> bool:
    """Whether letters on different baselines cover the same x: two lines, not one."""
    inked = sorted((c for c in group if not c.text.isspace()), key=lambda c: c.x0)
    return any(
        b.x0 < a.x1 - 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)
        and abs(a.baseline - b.baseline) > overprint * a.size
        for a, b in pairwise(inked)
    )


def split_overprint(
    group: list[Char], overprint: float = DEFAULT_SETTINGS.overprint
) -> list[list[Char]]:
    """``group`` as it is, or cut into its exact baselines when it is overprinted.

    A line's letters never cover each other, so letters that do, a little above or below
    one another, are two lines (cell text taller than its row, printed over the row
    above); their baselines are told apart to a tenth of the letters' size.
    """
    if group[-1].baseline - group[0].baseline <= overprint * group[0].size or not overprinted(
        group, overprint
    ):
        return [group]
    lines: list[list[Char]] = []
    for char in group:  # already in baseline order
        if lines and char.baseline - lines[-1][-1].baseline <= overprint * char.size:
            lines[-1].append(char)
        else:
            lines.append([char])
    return lines


def chars_to_fragments(
    page: int,
    chars: Sequence[Char],
    edges: Sequence[float],
    settings: PdfSettings = DEFAULT_SETTINGS,
) -> list[Fragment]:
    """Every column's printed lines on one page; characters outside the columns are dropped."""
    by_column: dict[int, list[Char]] = defaultdict(list)
    columns = columns_of([(char.x0 + char.x1) / 2 for char in chars], edges)
    for char, column in zip(chars, columns, strict=True):
        if column is not None:
            by_column[column].append(char)
    fragments = []
    for column, column_chars in by_column.items():
        for group in group_baselines(column_chars, settings.overprint):
            group.sort(key=_X0)
            text = line_text(group, settings.word_gap)
            if not text:
                continue
            box, baseline, size = _extent(group)
            fragments.append(Fragment(page, column, baseline, size, box, text))
    return sorted(fragments, key=lambda f: (f.baseline, f.column))


def _extent(group: Sequence[Char]) -> tuple[Box, float, float]:
    """The group's box, lowest baseline and largest size. A Char is a tuple: its fields
    transposed in C and each taken by min() or max() (six generators over the group were a
    tenth of a PDF's layout time)."""
    _, x0s, x1s, tops, bottoms, sizes, baselines = zip(*group, strict=True)
    return (min(x0s), min(tops), max(x1s), max(bottoms)), max(baselines), max(sizes)
