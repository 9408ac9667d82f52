"""Row bands of one page: from the horizontal rules of the anchor column, or, with no
rules, from the anchor column's text (each row id's last line is its row's bottom, since
register cells are bottom-aligned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from extract.pdf.columns import SNAP, cluster
from extract.pdf.geometry import Ruling
from extract.pdf.lines import Fragment

BLOCK_PITCH = 1.07  # lines of one cell follow at the line pitch; cells are further apart


@dataclass(frozen=True)
class Band:
    """A row's vertical extent on a page: fragments with top < baseline <= bottom."""

    page: int
    top: float
    bottom: float
    baseline: float | None = None  # the row's last baseline, when found from its text

    def holds(self, baseline: float) -> bool:
        return self.top < baseline <= self.bottom


def rules_across(rulings: Sequence[Ruling], x0: float, x1: float) -> list[float]:
    """y of the horizontal rules that cross the middle of the column from x0 to x1."""
    middle = (x0 + x1) / 2
    ys = [
        (r.top + r.bottom) / 2
        for r in rulings
        if r.orientation == "h" and r.x0 - SNAP <= middle <= r.x1 + SNAP
    ]
    return cluster(ys, SNAP)


def rules_within(rulings: Sequence[Ruling], edges: Sequence[float]) -> list[float]:
    """y of the horizontal rules drawn across any column of the table."""
    middles = [(a + b) / 2 for a, b in pairwise(edges)]
    ys = [
        (r.top + r.bottom) / 2
        for r in rulings
        if r.orientation == "h" and any(r.x0 - SNAP <= m <= r.x1 + SNAP for m in middles)
    ]
    return cluster(ys, SNAP)


def bands_between(page: int, ys: Sequence[float]) -> list[Band]:
    return [Band(page, top, bottom) for top, bottom in pairwise(ys) if bottom - top > SNAP]


def line_pitch(fragments: Sequence[Fragment]) -> float:
    """The distance between the baselines of a cell's consecutive lines.

    Within one column, most neighbouring lines are lines of the same wrapped cell, so the
    pitch is the lower quartile of those distances that are plausible for the font size.
    """
    by_column: dict[tuple[int, int], list[float]] = {}
    sizes = []
    for f in fragments:
        by_column.setdefault((f.page, f.column), []).append(f.baseline)
        sizes.append(f.size)
    size = sorted(sizes)[len(sizes) // 2] if sizes else 10.0
    diffs = sorted(
        b - a
        for baselines in by_column.values()
        for a, b in zip(sorted(baselines), sorted(baselines)[1:])
        if 0.9 * size <= b - a <= 1.6 * size
    )
    return diffs[len(diffs) // 4] if diffs else 1.2 * size


def text_blocks(fragments: Sequence[Fragment], pitch: float) -> list[list[Fragment]]:
    """One column's fragments on one page grouped into cells: runs at the line pitch."""
    blocks: list[list[Fragment]] = []
    for fragment in sorted(fragments, key=lambda f: f.baseline):
        if blocks and fragment.baseline - blocks[-1][-1].baseline <= BLOCK_PITCH * pitch + 0.05:
            blocks[-1].append(fragment)
        else:
            blocks.append([fragment])
    return blocks


def bands_from_anchor(page: int, anchor: Sequence[Fragment], pitch: float) -> list[Band]:
    """Row bands of an unruled page: each anchor cell's last baseline closes a row."""
    slack = 0.3 * pitch
    baselines = [block[-1].baseline for block in text_blocks(anchor, pitch)]
    tops = [float("-inf")] + [b + slack for b in baselines[:-1]]
    return [Band(page, top, b + slack, b) for top, b in zip(tops, baselines, strict=True)]
