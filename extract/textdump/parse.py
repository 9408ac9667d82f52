"""The chain of stages over a plain dump: learn what the document repeats, then parse its rows."""

from __future__ import annotations

from extract.text import join_lines
from extract.textdump.anchors import anchor_rows, id_breaks
from extract.textdump.cells import RowCut, cut_row, fill_cells, find_middle
from extract.textdump.floating import float_items
from extract.textdump.model import DEFAULT_SETTINGS, DumpSettings, Knowledge, Line, ParsedRow
from extract.textdump.rows import attach_floating
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary


def legal_width(lines: list[Line], settings: DumpSettings) -> int:
    """Longest a legal-basis line can be: a share of the long (purpose) lines' length."""
    lengths = sorted(len(line.text) for line in lines)
    if not lengths:
        return 40
    return max(40, int(lengths[int(len(lengths) * 0.95)] * settings.legal_ratio))


def wrapped_width(rows: list[ParsedRow], name: str, slack: int = 6) -> int:
    """A column's width as its cells show it: lines that wrapped (all but a cell's last)
    fill it nearly to the edge. Without enough such lines, no limit."""
    wrapped = [len(line.text) for row in rows for line in row.cells.get(name, [])[:-1]]
    return max(wrapped) + slack if len(wrapped) >= 3 else 10**6


def learn(
    rows: list[ParsedRow], settings: DumpSettings, wide: int, vocab: Vocabulary = HSCIC_2014
) -> Knowledge:
    """Data types, legal bases and organisations the document prints whole, to split
    other rows by."""
    data_types = {
        row.text("data_type") or ""
        for row in rows
        if not row.cells.get("organisation")
        and row.cells.get("data_type")
        and row.cells["data_type"][0].no != row.anchor.no  # alone on its line: no org beside it
    }
    legal = {row.text("legal_basis") or "" for row in rows if row.cells.get("purpose")}
    orgs = {row.text("organisation") or "" for row in rows}
    for index, row in enumerate(rows):
        for item in float_items(row.floating, index, settings, wide, vocab=vocab):
            orgs.add(join_lines([line.text for line in item.organisation]))
    return Knowledge(
        frozenset(d for d in data_types if len(d) > 3),
        frozenset(x for x in legal if x),
        frozenset(o for o in orgs if len(o) > 3),
        vocab,
    )


def parse_rows(
    lines: list[Line],
    settings: DumpSettings = DEFAULT_SETTINGS,
    anchors: tuple[list[Line], list[tuple[Line, list[Line]]]] | None = None,
    cuts: list[RowCut | None] | None = None,
    vocab: Vocabulary = HSCIC_2014,
) -> list[ParsedRow]:
    """Rows cut into cells in two passes (the second knows what the first saw whole), then
    floating merged cells reattached; `lines` are whitespace-collapsed, headers dropped;
    `anchors` (`anchor_rows(lines, vocab=vocab)` with default settings) and their `cuts`, if the format
    check made them."""
    if anchors is None or cuts is None or settings != DEFAULT_SETTINGS:
        anchors = anchor_rows(lines, settings, vocab=vocab)
        cuts = [cut_row(body, vocab=vocab) for _, body in anchors[1]]
    before, blocks = anchors
    legal_max = legal_width(lines, settings)
    first = [
        fill_cells(anchor, body, cut, Knowledge(vocab=vocab), settings, legal_max, vocab=vocab)
        for (anchor, body), cut in zip(blocks, cuts)
    ]
    knowledge = learn(first, settings, legal_max, vocab=vocab)
    narrower = min(legal_max, wrapped_width(first, "legal_basis"))
    rows = [
        fill_cells(anchor, body, cut, knowledge, settings, narrower, vocab=vocab)
        if _unsure(row)
        else row
        for row, (anchor, body), cut in zip(first, blocks, cuts)
    ]
    attach_floating(rows, settings, legal_max, vocab=vocab)
    id_breaks(rows)
    warn_unanchored(before, rows, vocab=vocab)
    return rows


def warn_unanchored(
    before: list[Line], rows: list[ParsedRow], vocab: Vocabulary = HSCIC_2014
) -> None:
    """Text before the first row id that reads like row cells is not dropped silently."""
    if not rows or find_middle(before, vocab=vocab) is None:
        return
    span = f"lines {before[0].no}-{before[-1].no}"
    rows[0].warnings.append(
        f"{span}, before row {rows[0].row_id}, hold row cells that no row id opens: "
        "a row may be missing"
    )
    rows[0].needs_review = True


def _unsure(row: ParsedRow) -> bool:
    """Rows whose cut the document's knowledge can change: an organisation sharing the id
    line with the data type, or a missing organisation or purpose."""
    data_type = row.cells.get("data_type") or []
    shares_id_line = bool(data_type) and data_type[0].no == row.anchor.no
    return shares_id_line or not row.cells.get("organisation") or not row.cells.get("purpose")
