"""Characters -> text lines inside each column (``Fragment``): the first step of the chain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from extract.pdf.columns import column_of
from extract.pdf.geometry import Box, Char

WORD_GAP = 0.2  # a gap wider than this many font sizes between letters is a word space


@dataclass(frozen=True)
class Fragment:
    """One printed line of one cell: the characters of a column on a baseline."""

    page: int
    column: int
    baseline: float
    size: float
    box: Box
    text: str


def line_text(chars: Sequence[Char]) -> str:
    """Characters of one line, left to right, with a space where the PDF leaves a gap."""
    out: list[str] = []
    previous: Char | None = None
    for char in chars:
        if previous is not None and char.x0 - previous.x1 > WORD_GAP * char.size:
            out.append(" ")
        out.append(char.text)
        previous = char
    return " ".join("".join(out).split())


def group_baselines(chars: Sequence[Char]) -> list[list[Char]]:
    """Characters grouped by baseline (within a third of their size), top to bottom."""
    groups: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: c.baseline):
        if groups and char.baseline - groups[-1][0].baseline <= char.size / 3:
            groups[-1].append(char)
        else:
            groups.append([char])
    return groups


def chars_to_fragments(page: int, chars: Sequence[Char], edges: Sequence[float]) -> list[Fragment]:
    """Every column's printed lines on one page; characters outside the columns are dropped."""
    by_column: dict[int, list[Char]] = defaultdict(list)
    for char in chars:
        column = column_of((char.x0 + char.x1) / 2, edges)
        if column is not None:
            by_column[column].append(char)
    fragments = []
    for column, column_chars in by_column.items():
        for group in group_baselines(column_chars):
            group.sort(key=lambda c: c.x0)
            text = line_text(group)
            if not text:
                continue
            box = (
                min(c.x0 for c in group),
                min(c.top for c in group),
                max(c.x1 for c in group),
                max(c.bottom for c in group),
            )
            baseline = max(c.baseline for c in group)
            fragments.append(
                Fragment(page, column, baseline, max(c.size for c in group), box, text)
            )
    return sorted(fragments, key=lambda f: (f.baseline, f.column))
