"""Stage 7: parsed rows as records' rows, and what the document teaches (widths, knowledge)."""

from __future__ import annotations

from collections.abc import Iterable

from extract.record import CellSpan, Fields, Row
from extract.text import join_lines
from extract.textdump.floating import float_items
from extract.textdump.model import DumpSettings, Floating, ParsedRow
from extract.textdump.reattach import Assignment, assign_zone, runs_of, zones
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary

# ---------------------------------------------------------------- stage 7: rows


def attach_floating(
    rows: list[ParsedRow], settings: DumpSettings, wide: int = 60, vocab: Vocabulary = HSCIC_2014
) -> None:
    """Fill rows that lack a merged cell from the floating cells after them, with warnings."""
    items = [
        item
        for i, row in enumerate(rows)
        for item in float_items(row.floating, i, settings, wide, vocab=vocab)
    ]
    for members, group in zones(rows, items):
        assignments, undecided = assign_zone(rows, members, group, settings, vocab=vocab)
        if undecided:
            placed = {id(a.item) for a in assignments}
            _mark_undecided(rows, undecided, [i for i in group if id(i) not in placed], vocab=vocab)
        for assignment in assignments:
            _apply(rows, assignment)


def _span_text(indices: Iterable[int], rows: list[ParsedRow]) -> str:
    """Row ids as ranges, e.g. "37-44, 46-49"."""
    parts = []
    for run in runs_of(sorted(indices)):
        first, last = rows[run[0]].row_id, rows[run[-1]].row_id
        parts.append(first if len(run) == 1 else f"{first}-{last}")
    return ", ".join(parts)


def _apply(rows: list[ParsedRow], assignment: Assignment) -> None:
    span = _span_text(assignment.rows, rows)
    after = rows[assignment.item.after].row_id
    for index in assignment.rows:
        row = rows[index]
        for name, lines in (
            ("organisation", assignment.item.organisation),
            ("purpose", assignment.item.purpose),
        ):
            if lines and not row.cells.get(name):
                row.cells[name] = list(lines)
                row.warnings.append(
                    f"{name} taken from a merged cell floating after row {after}, "
                    f"given to rows {span}: {assignment.reason}"
                )
                row.needs_review = row.needs_review or assignment.review


def _mark_undecided(
    rows: list[ParsedRow], members: list[int], group: list[Floating], vocab: Vocabulary
) -> None:
    span = _span_text(members, rows)
    names = [join_lines([line.text for line in i.organisation]) for i in group if i.organisation]
    listed = "; ".join(names) if names else "unnamed"
    why = (
        f"one of {len(group)} floating merged cells ({listed}) found with rows {span}; "
        "the text does not decide which rows each spans"
        if group
        else f"no floating merged cell is left for rows {span}"
    )
    for index in members:
        row = rows[index]
        for name in vocab.mergeable:
            if not row.cells.get(name):
                row.warnings.append(f"{name} left empty: {why}")
        row.needs_review = True


def to_row(parsed: ParsedRow, vocab: Vocabulary = HSCIC_2014) -> Row:
    values = {name: parsed.text(name) for name in vocab.columns}
    cells = {
        name: CellSpan(lines=(lines[0].no, lines[-1].no))
        for name, lines in parsed.cells.items()
        if lines
    }
    pages = sorted({line.page for lines in parsed.cells.values() for line in lines} - {0})
    warnings = list(parsed.warnings)
    for name in vocab.mergeable:
        if values[name] is None and not any(w.startswith(name) for w in warnings):
            warnings.append(f"{name} not found in the text")
    return Row(
        fields=Fields.model_validate(values),
        layout=vocab.name,
        pages=pages,
        cells=cells,
        warnings=warnings,
        needs_review=parsed.needs_review or len(warnings) > len(parsed.warnings),
    )
