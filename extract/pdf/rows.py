"""Row bands of one page: from the horizontal rules of the anchor column, or, with no
rules, from the anchor column's text (each row id's last line is its row's bottom, since
register cells are bottom-aligned).
"""

from __future__ import annotations

from bisect import bisect_left
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

    Within one column, most neighbouring lines are lines of the same wrapped cell: the
    pitch is the median of the distances near their lower quartile (lines of different
    rows are further apart by the cells' padding, sometimes by only 5%).
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
        for a, b in pairwise(sorted(baselines))
        if 0.9 * size <= b - a <= 1.6 * size
    )
    if not diffs:
        return 1.2 * size
    quartile = diffs[len(diffs) // 4]
    near = [d for d in diffs if abs(d - quartile) <= 0.03 * quartile]
    return near[len(near) // 2]


def text_blocks(
    fragments: Sequence[Fragment],
    pitch: float,
    row_ends: Sequence[float] = (),
    cell_gap: tuple[float, float] | None = None,
    release_ends: Sequence[float] = (),
) -> list[list[Fragment]]:
    """One column's fragments on one page grouped into cells: runs at the line pitch.

    ``row_ends`` are the rows' last baselines: a bottom-aligned cell ends on one, so a
    line there followed by a gap outside the range seen between lines of one cell
    (``cell_gap``) ends its cell, even when the cells' padding is too thin (or the rows
    too short) for the plain pitch test. With no padding at all, only ``release_ends``
    tell: where the organisation's cells end, a release ends, and so does every cell.
    """
    slack = max(0.03 * pitch, 0.12)
    within = (pitch - slack, pitch + slack) if cell_gap is None else cell_gap
    blocks: list[list[Fragment]] = []
    for fragment in sorted(fragments, key=lambda f: f.baseline):
        above = blocks[-1][-1].baseline if blocks else None
        if (
            above is not None
            and continues(fragment.baseline - above, above, pitch, within, row_ends)
            and not (release_ends and on_row_end(above, release_ends, pitch))
        ):
            blocks[-1].append(fragment)
        else:
            blocks.append([fragment])
    return blocks


def continues(
    gap: float, above: float, pitch: float, within: tuple[float, float], row_ends: Sequence[float]
) -> bool:
    """Whether a line ``gap`` below the line at ``above`` goes on with the same cell."""
    if not 0.8 * pitch <= gap <= BLOCK_PITCH * pitch + 0.05:
        return False  # too far apart, or closer than a cell's lines (text overflowing a row)
    if on_row_end(above, row_ends, pitch):
        return within[0] - 0.02 <= gap <= within[1] + 0.02
    return True


def on_row_end(baseline: float, row_ends: Sequence[float], pitch: float) -> bool:
    if not row_ends:
        return True  # nothing known of the rows: every line may end a cell
    i = bisect_left(row_ends, baseline - 0.25 * pitch)
    return i < len(row_ends) and row_ends[i] <= baseline + 0.25 * pitch


def cell_gaps(
    columns: Sequence[Sequence[Fragment]], row_ends: Sequence[float], pitch: float
) -> list[float]:
    """Gaps between two lines of one cell: those after lines off the row ends.

    A bottom-aligned cell ends on its row's last baseline, so a line anywhere else is
    followed by another line of its own cell: those gaps are the pitch plus rounding.
    """
    return [
        b.baseline - a.baseline
        for column in columns
        for a, b in pairwise(sorted(column, key=lambda f: f.baseline))
        if b.baseline - a.baseline <= BLOCK_PITCH * pitch + 0.05
        and not on_row_end(a.baseline, row_ends, pitch)
    ]


def cell_gap_range(gaps: Sequence[float]) -> tuple[float, float] | None:
    """The range of gaps within a cell; percentiles keep an odd line from deciding."""
    if len(gaps) < 20:
        return None
    ordered = sorted(gaps)
    return ordered[len(ordered) * 2 // 100], ordered[len(ordered) * 98 // 100]


def bands_from_anchor(page: int, anchor: Sequence[Fragment], pitch: float) -> list[Band]:
    """Row bands of an unruled page: each anchor cell's last baseline closes a row."""
    slack = 0.3 * pitch
    baselines = [block[-1].baseline for block in text_blocks(anchor, pitch)]
    if not baselines:
        return []  # a page with no row (its text all prose around the table)
    tops = [float("-inf")] + [b + slack for b in baselines[:-1]]
    return [Band(page, top, b + slack, b) for top, b in zip(tops, baselines, strict=True)]
