"""The entry points: the format check, the chain of stages, and the reader."""

from __future__ import annotations

from dataclasses import dataclass

from extract.errors import UnknownLayout
from extract.layout import Layout, load_layout
from extract.record import Row
from extract.textdump.anchors import anchor_rows, leading_number
from extract.textdump.cells import RowCut, cut_row, find_middle
from extract.textdump.laid_out import find_columns, looks_laid_out, read_layout_dump
from extract.textdump.lines import collapsed, drop_headers, raw_lines, same_lines
from extract.textdump.model import Line
from extract.textdump.parse import parse_rows
from extract.textdump.rows import to_row
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary, vocabulary_of

HSCIC_2014_LAYOUT = load_layout("hscic-2014")


@dataclass(frozen=True)
class DumpLines:
    """A dump's lines as the format check prepared them, for the reader to go on from:
    the check already does the reader's first stages, so they need not run twice."""

    raw: list[Line]  # lines as printed
    lines: list[Line]  # whitespace-collapsed, headers dropped
    laid_out: bool  # columns kept (pdftotext -layout): read by position
    anchors: tuple[list[Line], list[tuple[Line, list[Line]]]] | None  # plain dumps only
    cuts: list[RowCut | None]  # each anchored row's cut (plain dumps only)


def prepare_dump(text: str, vocab: Vocabulary = HSCIC_2014) -> DumpLines:
    """The reader's first stages: lines, headers dropped, and (plain dumps) row anchors
    and each row's cut."""
    raw = raw_lines(text)
    lines = drop_headers(collapsed(raw), vocab=vocab)
    if looks_laid_out(same_lines(raw, lines), vocab=vocab):
        return DumpLines(raw, lines, True, None, [])
    anchors = anchor_rows(lines, vocab=vocab)
    return DumpLines(
        raw, lines, False, anchors, [cut_row(body, vocab=vocab) for _, body in anchors[1]]
    )


def read_text_dump(
    text: str, prepared: DumpLines | None = None, layout: Layout = HSCIC_2014_LAYOUT
) -> list[Row]:
    """Every table row of a register text dump in `layout` (by default HSCIC-2014's), as
    extracted by pdfminer or pdftotext, or by `pdftotext -layout` (columns kept: read by
    position). `prepared`: what `sniff_text_dump` made of the same whole text, if it ran.
    Raises ``UnknownLayout`` for a layout-preserving dump whose columns do not fit."""
    vocab = vocabulary_of(layout)
    dump = prepare_dump(text, vocab=vocab) if prepared is None else prepared
    if not dump.laid_out:
        return [
            to_row(row, vocab=vocab)
            for row in parse_rows(dump.lines, anchors=dump.anchors, cuts=dump.cuts, vocab=vocab)
        ]
    raw = dump.raw
    laid_out = same_lines(raw, drop_headers(collapsed(raw), values_beside=False, vocab=vocab))
    columns = find_columns(laid_out)
    if columns is None:
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) whose columns do not line up "
            "down the page: its cells cannot be told apart by position, and read as plain "
            "lines they would mix; extract the text without -layout"
        )
    return [to_row(row, vocab=vocab) for row in read_layout_dump(laid_out, columns, vocab=vocab)]


DETECT_CHARS = 200_000  # the format check reads no further into a document


def looks_like_text_dump(text: str, layout: Layout = HSCIC_2014_LAYOUT) -> bool:
    """A dump has row ids in sequence and the layout's value vocabulary; a layout-preserving
    one may instead show them in its first and fourth columns."""
    return sniff_text_dump(text, layout) is not None


def sniff_text_dump(text: str, layout: Layout = HSCIC_2014_LAYOUT) -> DumpLines | None:
    """The format check (see `looks_like_text_dump`): None for text that is no dump, else
    the prepared lines, which `read_text_dump` reuses when they hold the whole text."""
    vocab = vocabulary_of(layout)
    head = text[:DETECT_CHARS]
    dump = prepare_dump(head, vocab=vocab)
    if not _has_dump_rows(dump, vocab=vocab):
        return None
    return dump if len(head) == len(text) else prepare_dump(text, vocab=vocab)


def _has_dump_rows(dump: DumpLines, vocab: Vocabulary) -> bool:
    lines = dump.lines
    if dump.laid_out:
        # ids opening lines and the value vocabulary: a register's, read or refused as one
        ids = sum(leading_number(line.text) is not None for line in lines)
        return ids >= 2 and find_middle(lines, vocab=vocab) is not None
    if len(dump.cuts) < 2:
        return False
    found = sum(cut is not None for cut in dump.cuts[:20])
    return found * 2 >= min(len(dump.cuts), 20)
