"""Layout-preserving dumps (`pdftotext -layout`): read by character position."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from extract.errors import UnknownLayout
from extract.textdump.anchors import id_breaks, is_row_number
from extract.textdump.cells import line_piece
from extract.textdump.model import Line, ParsedRow
from extract.textdump.parse import warn_unanchored
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary

# ---------------------------------------------------------------- layout-preserving dumps
#
# `pdftotext -layout` keeps the table's columns where they were printed: every cell is
# left-aligned in its column, and a column of spaces (a gutter) runs down the page
# between neighbouring columns. Such a dump is read by position, not by line grammar.


_EDGE = re.compile(r"(?<=  )\S")  # text starting after two spaces or more


def looks_laid_out(lines: list[Line], min_lines: int = 10, vocab: Vocabulary = HSCIC_2014) -> bool:
    """Whether lines were laid out in columns: most hold text after a run of 2+ spaces,
    and that text starts at a few recurring positions (in prose, or in a dump that
    doubles its spaces, the positions scatter)."""
    starts: dict[int, int] = {}
    spaced = 0
    for line in lines:
        if "  " not in line.text:
            continue
        found = [m.start() for m in _EDGE.finditer(line.text)]
        spaced += bool(found)
        for at in found:
            starts[at] = starts.get(at, 0) + 1
    if len(lines) < min_lines or spaced * 10 < len(lines) * 3:
        return False
    common = sorted(starts.values(), reverse=True)[: 2 * len(vocab.columns)]
    return sum(common) * 10 >= sum(starts.values()) * 7


@dataclass(frozen=True)
class Columns:
    """Where each printed column starts, in characters of a raw line, and the gutters."""

    starts: tuple[int, ...]
    gutters: tuple[tuple[int, int], ...]  # [start, end) of the spaces between columns


def find_columns(lines: list[Line], min_lines: int = 10) -> Columns | None:
    """Columns of a layout-preserving dump: runs of 2+ character positions blank on (nearly)
    every line, between spans that hold text on a fair share of lines; None for a dump
    whose lines were not laid out in columns."""
    if len(lines) < min_lines:
        return None
    width = max(len(line.text) for line in lines)
    used = [0] * (width + 1)
    for line in lines:
        for at, char in enumerate(line.text):
            if char != " ":
                used[at] += 1
    stray = len(lines) // 50  # a title or page footer may cross a gutter
    spans = _runs(i for i, count in enumerate(used) if count > stray)
    spans = [span for span in spans if max(used[span[0] : span[1]]) * 20 >= len(lines)]
    gutters = tuple((a[1], b[0]) for a, b in pairwise(spans) if b[0] - a[1] >= 2)
    if len(gutters) < 2 or not _shares_lines(lines, gutters):
        return None
    return Columns((0, *(end for _, end in gutters)), gutters)


def _runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive positions as [start, end) spans."""
    out: list[tuple[int, int]] = []
    for at in positions:
        if out and out[-1][1] == at:
            out[-1] = (out[-1][0], at + 1)
        else:
            out.append((at, at + 1))
    return out


def _shares_lines(lines: list[Line], gutters: tuple[tuple[int, int], ...]) -> bool:
    """Whether the columns are a table's: a good share of lines hold text on both sides of
    a gutter (ragged prose leaves a blank strip now and then, but never that)."""
    edges = [end for _, end in gutters]
    both = sum(
        any(line.text[:start].strip() and line.text[end:].strip() for start, end in gutters)
        for line in lines
        if len(line.text) > edges[0]
    )
    return both * 3 >= len(lines)


def read_layout_dump(
    lines: list[Line], columns: Columns, vocab: Vocabulary = HSCIC_2014
) -> list[ParsedRow]:
    """Rows of a layout-preserving dump (raw lines, headers dropped): a number in the first
    column is a row's id, and every line's text goes to the cell of the column it stands
    in. Cells sit at the top of their rows (the id line opens a row) or at the bottom (the
    id line ends it): the reading whose "data provided" and sensitivity cells read as
    whole values is taken; if neither does, the dump is refused."""
    if len(columns.starts) != len(vocab.columns):
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) in which "
            f"{len(columns.starts)} columns line up where the {vocab.name} layout has "
            f"{len(vocab.columns)}: its cells cannot be told apart by position; extract the text "
            "without -layout"
        )
    cut = [(line, _cut(line, columns)) for line in lines]
    readings = [_layout_rows(cut, columns, top, vocab=vocab) for top in (True, False)]
    rows, stray = max(readings, key=lambda reading: _whole_rows(reading[0], vocab))
    if not rows or _whole_rows(rows, vocab) * 10 < len(rows) * 9:
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) whose cells are neither at "
            "the top nor at the bottom of their rows: they cannot be given to rows by "
            "position; extract the text without -layout"
        )
    for row in rows:
        if not _is_whole_row(row, vocab=vocab):
            row.warnings.append(
                "the data-provided, sensitivity or frequency cells do not read as whole values"
            )
            row.needs_review = True
    id_breaks(rows)
    warn_unanchored(stray, rows, vocab=vocab)
    _warn_merged(rows, vocab=vocab)
    return rows


def _layout_rows(
    cut: list[tuple[Line, list[Line | None]]],
    columns: Columns,
    top: bool,
    vocab: Vocabulary,
) -> tuple[list[ParsedRow], list[Line]]:
    """Rows when the id line opens each row (`top`) or ends it; and the lines left over."""
    ids = [i for i, (_, pieces) in enumerate(cut) if pieces[0] and is_row_number(pieces[0].text)]
    if not ids:
        return [], []
    bounds = pairwise([*ids, len(cut)] if top else [-1, *ids])
    rows = []
    for at, (lo, hi) in zip(ids, bounds):
        anchor = cut[at][1][0]
        assert anchor is not None
        row = ParsedRow(anchor.text, anchor, {"row_id": [anchor]})
        for line, pieces in cut[lo:hi] if top else cut[lo + 1 : hi + 1]:
            _add_pieces(row, line, pieces, columns, vocab=vocab)
        rows.append(row)
    rest = cut[: ids[0]] if top else cut[ids[-1] + 1 :]
    return rows, [line_piece(line, " ".join(line.text.split())) for line, _ in rest]


def _is_whole_row(row: ParsedRow, vocab: Vocabulary) -> bool:
    provided, sensitivity = row.text("data_provided"), row.text("sensitivity")
    frequency = row.text("frequency")
    return bool(
        provided
        and _opens_provided(provided, vocab=vocab)
        and sensitivity
        and sensitivity.lower().rstrip(".") in vocab.sensitivities
        and (frequency is None or frequency in vocab.frequencies)
    )


def _whole_rows(rows: list[ParsedRow], vocab: Vocabulary) -> int:
    return sum(_is_whole_row(row, vocab) for row in rows)


def _cut(line: Line, columns: Columns) -> list[Line | None]:
    """A raw line's text in each column (None where the column is blank on it)."""
    ends = [*columns.starts[1:], None]
    out: list[Line | None] = []
    for start, end in zip(columns.starts, ends):
        piece = " ".join(line.text[start:end].split())
        out.append(line_piece(line, piece) if piece else None)
    return out


def _opens_provided(text: str, vocab: Vocabulary) -> bool:
    return text.split(" ", 1)[0].rstrip("-,;").lower() in vocab.data_provided_starts


def _add_pieces(
    row: ParsedRow, line: Line, pieces: list[Line | None], columns: Columns, vocab: Vocabulary
) -> None:
    for name, cell in zip(vocab.columns, pieces):
        if cell is not None and name != "row_id":
            row.cells.setdefault(name, []).append(cell)
    if pieces[0] is not None and pieces[0].text != row.row_id:
        row.warnings.append(f"line {line.no}: {pieces[0].text!r} in the row-id column is no id")
        row.needs_review = True
    if any(line.text[start:end].strip() for start, end in columns.gutters):
        row.warnings.append(
            f"line {line.no} runs across a column boundary: its cells may be cut wrongly"
        )
        row.needs_review = True


def _warn_merged(rows: list[ParsedRow], vocab: Vocabulary) -> None:
    """A merged cell prints once beside one of its rows: rows next to a row without an
    organisation or purpose may hold a cell that also belongs to it, or only part of it;
    and a cell whose text runs on into the next row's with no blank line between may be
    one merged cell cut in two."""
    for before, after in pairwise(rows):
        for name in vocab.mergeable:
            a, b = before.cells.get(name), after.cells.get(name)
            if a and b and a[-1].no + 1 >= b[0].no:
                note = (
                    f"{name} runs on from row {before.row_id} into row {after.row_id} with no "
                    "break: it may be one merged cell cut in two"
                )
                for row in (before, after):
                    row.warnings.append(note)
                    row.needs_review = True
    for index, row in enumerate(rows):
        for name in vocab.mergeable:
            if row.cells.get(name):
                continue
            for near in rows[max(index - 1, 0) : index + 2]:
                if near.cells.get(name) and not near.needs_review:
                    near.warnings.append(
                        f"{name} may be a merged cell shared with row {row.row_id} (which "
                        "prints none), or only part of one"
                    )
                    near.needs_review = True
