"""Row bands of one page: from the horizontal rules of the anchor column, or, with no
rules, from the anchor column's text and the cells' vertical alignment, measured on the
document (``measure_alignment``): a bottom-aligned row ends on its id's last line, a
top-aligned one starts on its id's first line, a centred one is centred on its id, and
ends where the lines centred on it end (``centred_cut``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from extract.pdf.columns import SNAP, cluster
from extract.pdf.geometry import Ruling
from extract.pdf.lines import Fragment

BLOCK_PITCH = 1.07  # lines of one cell follow at the line pitch; cells are further apart
Align = Literal["bottom", "top", "center"]
ALIGNS: tuple[Align, ...] = ("bottom", "top", "center")


@dataclass(frozen=True)
class Band:
    """A row's vertical extent on a page: fragments with top < baseline <= bottom."""

    page: int
    top: float
    bottom: float
    baseline: float | None = None  # the row's last baseline, when found from its text
    start: float | None = None  # top-aligned: the row's first baseline; centred: its middle

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


def bands_from_anchor(
    page: int,
    anchor: Sequence[Fragment],
    pitch: float,
    align: Align = "bottom",
    others: Sequence[Sequence[Fragment]] = (),
    rules: Sequence[float] = (),
) -> list[Band]:
    """Row bands of an unruled page, one per anchor cell, as the cells are aligned.

    ``others`` are the other columns' fragments: where a top-aligned or centred row ends
    is told by the lines of its cells, not by its anchor cell.
    """
    blocks = [part for block in text_blocks(anchor, pitch) for part in at_rules(block, rules)]
    if not blocks:
        return []  # a page with no row (its text all prose around the table)
    if align == "top":
        return top_bands(page, blocks, pitch, [*others, anchor])
    if align == "center":
        return centred_bands(page, blocks, pitch, [*others, anchor])
    slack = 0.3 * pitch
    values = Counter(" ".join(f.text for f in block) for block in blocks)
    baselines = [
        end
        for block in blocks
        for end in sorted({*bottom_ends(block, others, pitch), *value_ends(block, values)})
    ]
    tops = [float("-inf")] + [b + slack for b in baselines[:-1]]
    return [Band(page, top, b + slack, b) for top, b in zip(tops, baselines, strict=True)]


def bottom_ends(
    block: Sequence[Fragment], others: Sequence[Sequence[Fragment]], pitch: float
) -> list[float]:
    """Where rows end within one run of anchor lines, bottom-aligned: at its last line, and
    at a line before it where cells of two other columns end too (two ids with no gap
    between them in a narrow column ran together)."""
    last = block[-1].baseline
    inner = [f.baseline for f in block[:-1]]
    if not inner:
        return [last]
    ends = [run[-1].baseline for column in others for run in text_blocks(column, pitch)]
    tolerance = 0.2 * pitch
    cut = [y for y in inner if sum(abs(e - y) <= tolerance for e in ends) >= 2]
    return [*cut, last]


def value_ends(block: Sequence[Fragment], values: Counter[str]) -> list[float]:
    """Where rows end within one run of anchor lines that is no value of its own: where
    it parts into values the column prints as whole cells elsewhere on the page, twice or
    more ("System" / "Access" / "System" / "Access": cells with no padding between them
    run together at the line pitch, and no other column's gap parts them either)."""
    texts = [f.text for f in block]
    if len(texts) < 2 or values[" ".join(texts)] > 1:
        return []
    ends: list[float] = []
    start = 0
    while start < len(texts):
        end = next(
            (k for k in range(start + 1, len(texts) + 1) if values[" ".join(texts[start:k])] > 1),
            None,
        )
        if end is None:
            return []  # not every part is a value seen alone: no evidence
        ends.append(block[end - 1].baseline)
        start = end
    return ends if len(ends) > 1 else []


def at_rules(run: Sequence[Fragment], rules: Sequence[float]) -> list[list[Fragment]]:
    """A run of lines cut at the rules drawn between two of its lines (or a fill's edge):
    cells with no padding run together at the line pitch, a rule still parts them."""
    parts: list[list[Fragment]] = [[run[0]]]
    for above, f in pairwise(run):
        if any(above.baseline < y < f.baseline - 0.5 * f.size for y in rules):
            parts.append([])
        parts[-1].append(f)
    return parts


def top_bands(
    page: int,
    blocks: Sequence[Sequence[Fragment]],
    pitch: float,
    columns: Sequence[Sequence[Fragment]],
) -> list[Band]:
    """Top-aligned rows: each starts a quarter line above its anchor's first line (no line
    of a row is above its first); the last ends with the last run of lines at the pitch
    that starts on a row's first line (a cell of it, or a merged cell reaching it)."""
    starts = [block[0].baseline for block in blocks]
    tops = [float("-inf")] + [s - 0.25 * pitch for s in starts[1:]]
    ends = [
        run[-1].baseline
        for column in columns
        for run in text_blocks(column, pitch)
        if has_line(starts, run[0].baseline, 0.25 * pitch)
    ]
    bottoms = [*tops[1:], max([starts[-1], *ends]) + 0.3 * pitch]
    return [Band(page, t, b, None, s) for t, b, s in zip(tops, bottoms, starts, strict=True)]


def centred_bands(
    page: int,
    blocks: Sequence[Sequence[Fragment]],
    pitch: float,
    columns: Sequence[Sequence[Fragment]],
) -> list[Band]:
    """Centred rows: cut between two anchors where the lines centred on each end."""
    middles = [(block[0].baseline + block[-1].baseline) / 2 for block in blocks]
    baselines = [sorted(f.baseline for f in column) for column in columns]
    chained = chained_cells(baselines, middles, pitch)
    cuts = [
        chained.get(i) or centred_cut(a, b, baselines, pitch)
        for i, (a, b) in enumerate(pairwise(middles))
    ]
    below = [mirrored(middles[-1], float("inf"), ys, pitch) for ys in baselines]
    last = max([middles[-1], blocks[-1][-1].baseline, *(max(b[0], default=0.0) for b in below)])
    tops = [float("-inf"), *cuts]
    bottoms = [*cuts, last + 0.3 * pitch]
    return [Band(page, t, b, None, m) for t, b, m in zip(tops, bottoms, middles, strict=True)]


def chained_cells(
    columns: Sequence[Sequence[float]], middles: Sequence[float], pitch: float
) -> dict[int, float]:
    """Cuts after rows told by runs of lines with no gap between cells (no padding).

    In such a run each cell is centred on its row: from the run's first line, the cell
    of the first row below it ends as far below the row's middle as it began above, on
    a line of the run; the next cell begins on the next line. Cut ``i`` (after row ``i``)
    is half-way between the lowest end of row ``i`` and the highest start of row ``i+1``.
    """
    tolerance = 0.25 * pitch
    ends: dict[int, float] = {}
    starts: dict[int, float] = {}
    for ys in columns:
        for run in runs(ys, pitch):
            top, k = run[0], 0
            for i, middle in enumerate(middles):
                if middle < top - tolerance:
                    continue
                end = 2 * middle - top
                while k < len(run) and run[k] < end - tolerance:
                    k += 1
                if k == len(run) or run[k] > end + tolerance:
                    break  # not centred on this row: a merged cell, or no cell here
                starts[i] = min(starts.get(i, top), top)
                ends[i] = max(ends.get(i, end), run[k])
                if k + 1 == len(run):
                    break
                top, k = run[k + 1], k + 1
    return {
        i: (ends[i] + starts[i + 1]) / 2
        for i in range(len(middles) - 1)
        if i in ends and i + 1 in starts and ends[i] < starts[i + 1]
    }


def runs(ys: Sequence[float], pitch: float) -> list[list[float]]:
    """Baselines in runs of lines at the pitch."""
    out: list[list[float]] = []
    for y in ys:
        if out and y - out[-1][-1] <= BLOCK_PITCH * pitch + 0.05:
            out[-1].append(y)
        else:
            out.append([y])
    return out


def centred_cut(
    upper: float, lower: float, columns: Sequence[Sequence[float]], pitch: float
) -> float:
    """Where the row centred on ``upper`` ends and the one centred on ``lower`` begins.

    A centred cell's lines mirror each other about its row's middle: a line between the
    two middles belongs to the row about whose middle the column has its mirror image.
    The cut is half-way between the lowest line of the upper row and the highest of the
    lower one (half-way between the middles when no line tells).
    """
    low, high = upper, lower
    for ys in columns:
        mine, theirs = mirrored(upper, lower, ys, pitch)
        low = max([low, *mine])
        high = min([high, *theirs])
    return (low + high) / 2 if low < high else (upper + lower) / 2


def mirrored(
    upper: float, lower: float, ys: Sequence[float], pitch: float
) -> tuple[list[float], list[float]]:
    """Baselines strictly between two middles mirrored about the upper one only, and
    about the lower one only: by a line of the same run of lines (``one_run``)."""
    tolerance = 0.25 * pitch
    i = bisect_left(ys, upper + tolerance)
    mine, theirs = [], []
    for y in ys[i:]:
        if y >= lower - tolerance:
            break
        about_upper = one_run(ys, 2 * upper - y, y, pitch)
        about_lower = lower != float("inf") and one_run(ys, y, 2 * lower - y, pitch)
        if about_upper and not about_lower:
            mine.append(y)
        elif about_lower and not about_upper:
            theirs.append(y)
    return mine, theirs


def one_run(ys: Sequence[float], top: float, bottom: float, pitch: float) -> bool:
    """Whether lines on ``top`` and ``bottom`` and at the pitch all the way between them
    are printed: one cell's lines."""
    tolerance = 0.25 * pitch
    i = bisect_left(ys, top - tolerance)
    if i == len(ys) or ys[i] > top + tolerance:
        return False
    last = ys[i]
    for y in ys[i + 1 :]:
        if last >= bottom - tolerance:
            break
        if y - last > BLOCK_PITCH * pitch + 0.05:
            return False
        last = y
    return abs(last - bottom) <= tolerance


def has_line(ys: Sequence[float], y: float, tolerance: float) -> bool:
    i = bisect_left(ys, y - tolerance)
    return i < len(ys) and ys[i] <= y + tolerance


def measure_alignment(
    pages: Sequence[tuple[Sequence[Fragment], Sequence[Sequence[Fragment]]]], pitch: float
) -> Align:
    """How the table's cells sit in their rows: the edge (first line, last line, middle)
    the other columns' cells share with the anchor column's cell beside them.

    ``pages`` gives, for each unruled page, the anchor column's fragments and every other
    column's. Cells of as many lines as the anchor's share all three edges and say
    nothing; with no evidence, bottom (as spreadsheets print).
    """
    votes = dict.fromkeys(ALIGNS, 0)
    tolerance = 0.2 * pitch
    for anchor, columns in pages:
        anchor_blocks = text_blocks(anchor, pitch)
        for column in columns:
            for block in text_blocks(column, pitch):
                for a in beside(anchor_blocks, block, pitch):
                    votes["top"] += abs(a[0].baseline - block[0].baseline) <= tolerance
                    votes["bottom"] += abs(a[-1].baseline - block[-1].baseline) <= tolerance
                    middle = (a[0].baseline + a[-1].baseline) / 2
                    block_middle = (block[0].baseline + block[-1].baseline) / 2
                    votes["center"] += abs(middle - block_middle) <= tolerance
    best = max(ALIGNS, key=lambda align: votes[align])
    return best if votes[best] > votes["bottom"] else "bottom"


def beside(
    anchors: Sequence[Sequence[Fragment]], block: Sequence[Fragment], pitch: float
) -> list[Sequence[Fragment]]:
    """The anchor cells level with a cell of another line count."""
    first, last = block[0].baseline - pitch, block[-1].baseline + pitch
    return [
        a
        for a in anchors
        if len(a) != len(block) and a[0].baseline <= last and a[-1].baseline >= first
    ]
