"""Prose printed around a register's table (titles, preambles, notes, glossaries, footnotes)
is never read as rows, and the lines left unread are named in a warning.

The corpus PDFs with prose are described in ``corpora/pdfs/README.md``; their golden rows
are checked cell for cell by ``test_pdf.py`` like every other corpus PDF.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from test_pdf_helpers import make_pdf, table_page, text

from extract.errors import UnknownLayout
from extract.pdf import read_pdf, reader
from extract.pdf.prose import RowLook, id_shape, trailing_non_rows
from extract.pdf.table import NOTHING_UNREAD
from extract.record import Row

PDFS = Path(__file__).resolve().parent.parent / "corpora" / "pdfs"
NOT_READ = "not read as rows (notes and prose around the table)"

# name: the warnings about prose it must give (the footnote printed on every page of the
# hscic-*-notes files is page furniture, never counted)
PROSE = {
    "hscic-unruled-notes": [f"12 lines of text after the table on page 2 {NOT_READ}"],
    "nhsd-unruled-glossary-page": [f"11 lines of text after the table on page 3 {NOT_READ}"],
    "phe-unruled-preamble": [
        f"3 lines of text above the table on page 1 {NOT_READ}",
        f"4 lines of text after the table on page 2 {NOT_READ}",
    ],
    "hscic-ruled-notes": [
        f"3 lines of text above the table on page 1 {NOT_READ}",
        f"13 lines of text after the table on page 2 {NOT_READ}",
    ],
    # a Notes heading right under the last row, a paragraph, a key in columns A and B
    "hscic-unruled-notes-tight": [f"7 lines of text after the table on page 1 {NOT_READ}"],
    # "Key:" and five terms typed in the ruled grid's own columns, right under the last row
    "nhsd-ruled-key": [f"6 lines of text after the table on page 1 {NOT_READ}"],
}
# the files whose notes fit the table's columns: by geometry alone they are rows
IN_COLUMNS = ("hscic-unruled-notes-tight", "nhsd-ruled-key")
KEY_TERMS = {"Key:", "Notes", "HES", "ONS", "CAG", "DSA", "SUS"}
GLOSSARY_WORDS = ("Glossary", "Hospital Episode Statistics:", "enquiries@", "Open Government")


@cache
def rows_of(name: str) -> tuple[Row, ...]:
    return tuple(read_pdf((PDFS / f"{name}.pdf").read_bytes()))


def golden_count(name: str) -> int:
    return len((PDFS / f"{name}.golden.jsonl").read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("name", sorted(PROSE))
def test_the_prose_is_named_in_a_warning_on_the_first_row(name):
    rows = rows_of(name)
    assert len(rows) == golden_count(name)
    prose_warnings = [w for w in rows[0].warnings if NOT_READ in w]
    assert prose_warnings == PROSE[name]
    assert all(NOT_READ not in w for row in rows[1:] for w in row.warnings)


@pytest.mark.parametrize("name", sorted(PROSE))
def test_no_field_holds_prose(name):
    for row in rows_of(name):
        values = [*row.fields.model_dump(exclude={"extra"}).values(), *row.fields.extra.values()]
        assert not any(w in (v or "") for v in values for w in GLOSSARY_WORDS)


def test_unread_prose_alone_does_not_ask_for_review():
    rows = rows_of("nhsd-unruled-glossary-page")  # no merged cell inferred on its first row
    assert any(NOT_READ in w for w in rows[0].warnings) and not rows[0].needs_review


@pytest.mark.parametrize("name", IN_COLUMNS)
def test_no_key_term_or_heading_is_a_row_id(name):
    assert not any(set((row.fields.row_id or "").split()) & KEY_TERMS for row in rows_of(name))


@pytest.mark.parametrize("name", IN_COLUMNS)
def test_without_the_row_evidence_these_pdfs_are_misread(monkeypatch, name):
    """The key and the heading fit the columns: only the table's own evidence tells."""
    monkeypatch.setattr(
        reader,
        "drop_trailing_notes",
        lambda pages, rows, anchor, pitch, align, settings: (pages, rows),
    )
    assert len(read_pdf((PDFS / f"{name}.pdf").read_bytes())) > golden_count(name)


@pytest.mark.parametrize("name", sorted(n for n in PROSE if "unruled" in n))
def test_without_the_prose_step_these_pdfs_are_misread(monkeypatch, name):
    """The corpus can tell: with prose kept as table, rows are invented, lost or refused.

    (Not hscic-ruled-notes: a ruled grid bounds its rows by its rules, so prose outside
    it was never read as rows; only the warning is new there.)
    """
    monkeypatch.setattr(reader, "unread_lines", lambda lines, settings: NOTHING_UNREAD)
    monkeypatch.setattr(
        reader,
        "drop_trailing_notes",
        lambda pages, rows, anchor, pitch, align, settings: (pages, rows),
    )
    try:
        rows = read_pdf((PDFS / f"{name}.pdf").read_bytes())
    except UnknownLayout:
        return
    gold = [r.fields for r in rows_of(name)]
    assert [r.fields for r in rows] != gold


# hand-made pages -------------------------------------------------------------------------

TABLE = [
    ["Row ID", "Organisation Name", "Purpose"],
    ["1", "NICOR", "Audit of cancer care"],
    ["2", "UCL", "Research"],
    ["3", "NHS Leeds CCG", "Commissioning"],
    ["4", "NHS Leeds CCG", "Invoice validation"],
]
EXPECTED = [
    ("1", "NICOR", "Audit of cancer care"),
    ("2", "UCL", "Research"),
    ("3", "NHS Leeds CCG", "Commissioning"),
    ("4", "NHS Leeds CCG", "Invoice validation"),
]


def fields(rows: list[Row]) -> list[tuple[str | None, ...]]:
    return [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in rows]


def test_notes_after_the_last_row_are_not_rows():
    page = table_page(TABLE, [50, 120, 300])  # rows at y 800 .. 720, 20 apart
    page += text(50, 680, "Notes")  # after a blank row: short enough for the Row ID column
    page += text(50, 664, "HES - Hospital Episode Statistics: admitted patient care, outpatients")
    page += text(50, 652, "in England.")  # the paragraph's short last line
    page += text(50, 636, "ONS - Office for National Statistics, civil registration data")
    got = read_pdf(make_pdf([page]))
    assert fields(got) == EXPECTED
    assert got[0].warnings == [f"4 lines of text after the table on page 1 {NOT_READ}"]


def test_a_title_and_a_paragraph_above_the_header_are_not_rows():
    page = text(50, 820, "Data Release Register - February 2021, all releases of the year", 12)
    page += text(50, 804, "Each row is one release of data; the notes explain the terms used")
    page += text(50, 792, "below.")
    page += table_page(TABLE, [50, 120, 300], top=760)
    got = read_pdf(make_pdf([page]))
    assert fields(got) == EXPECTED
    assert got[0].warnings == [f"3 lines of text above the table on page 1 {NOT_READ}"]


def test_a_notes_page_after_the_table_gives_no_rows():
    notes = text(50, 800, "Notes")
    notes += text(50, 780, "Sensitive - data that includes sensitive personal data, for example")
    notes += text(50, 768, "health.")
    got = read_pdf(make_pdf([table_page(TABLE, [50, 120, 300]), notes]))
    assert fields(got) == EXPECTED
    assert got[0].warnings == [f"3 lines of text after the table on page 2 {NOT_READ}"]


def test_a_footnote_on_every_page_is_furniture_not_a_row_nor_a_warning():
    footnote = "Page {} of 2 - Data Release Register, Open Government Licence v3.0"
    pages = [
        table_page(TABLE[:3], [50, 120, 300]) + text(50, 60, footnote.format(1)),
        table_page([TABLE[0], *TABLE[3:]], [50, 120, 300]) + text(50, 60, footnote.format(2)),
    ]
    got = read_pdf(make_pdf(pages))
    assert fields(got) == EXPECTED
    assert not any(NOT_READ in w for w in got[0].warnings)


# a key or a notes heading in the table's own columns ------------------------------------

XS4 = [50, 120, 250, 330]
TABLE4 = [
    ["Row ID", "Organisation Name", "Data", "Purpose"],
    ["1", "NICOR", "HES", "Audit of cancer care"],
    ["2", "UCL", "ONS", "Research"],
    ["3", "NHS Leeds CCG", "HES", "Commissioning"],
    ["4", "NHS Leeds CCG", "SUS", "Invoice validation"],
]  # rows at y 800 .. 720, 20 apart; a line 12 below the last is at the cells' line pitch
KEY = [["HES", "Hospital Episode Statistics", "", ""], ["ONS", "Office for National Stats", "", ""]]


def rows4(page: bytes) -> list[tuple[str | None, ...]]:
    return [
        (r.fields.row_id, r.fields.organisation, r.fields.extra.get("Data"), r.fields.purpose)
        for r in read_pdf(make_pdf([page]))
    ]


def after_warning(page: bytes) -> list[str]:
    return [w for w in read_pdf(make_pdf([page]))[0].warnings if NOT_READ in w]


EXPECTED4 = [tuple(row) for row in TABLE4[1:]]


@pytest.mark.parametrize(
    "after",
    [
        table_page(KEY, XS4, top=680),  # after a blank row
        table_page(KEY, XS4, top=700),  # right under the last row
        table_page([["Key:", "", "", ""], *KEY], XS4, top=700),
    ],
    ids=["after-a-gap", "tight", "under-a-heading"],
)
def test_a_key_typed_in_the_tables_columns_is_not_rows(after):
    page = table_page(TABLE4, XS4) + after
    assert rows4(page) == EXPECTED4
    lines = len(KEY) + (b"Key:" in after)
    assert after_warning(page) == [f"{lines} lines of text after the table on page 1 {NOT_READ}"]


@pytest.mark.parametrize(
    "after",
    [
        text(50, 708, "Notes", 12),  # a larger font
        text(50, 708, "Notes"),  # the table's font, at its cells' line pitch
        text(50, 708, "Notes:") + table_page(KEY, XS4, top=696, step=12),
    ],
    ids=["larger", "at-the-pitch", "with-a-key"],
)
def test_a_notes_heading_right_under_the_last_row_ends_the_table(after):
    page = table_page(TABLE4, XS4) + after
    assert rows4(page) == EXPECTED4  # not a row, nor joined to row 4's id
    assert len(after_warning(page)) == 1


def test_a_last_row_with_empty_cells_but_an_id_is_a_row():
    page = table_page([*TABLE4, ["5", "", "", "Research"]], XS4)
    assert rows4(page) == [*EXPECTED4, ("5", None, None, "Research")]
    assert after_warning(page) == []


def test_a_last_id_that_wraps_is_read_whole():
    ids = ["NIC-1", "NIC-22", "NIC-333", "NIC-4444"]
    table = [TABLE4[0], *([i, "a", "b", "c"] for i in ids)]
    page = (
        table_page(table, XS4)
        + text(50, 700, "NIC-55")
        + table_page([["-7A", "a", "b", "c"]], XS4, top=688)
    )
    assert rows4(page)[-1] == ("NIC-55 -7A", "a", "b", "c")
    assert after_warning(page) == []


def test_a_line_with_no_id_under_the_last_row_is_counted_not_joined():
    page = table_page([*TABLE4, ["", "Totals", "4", ""]], XS4)
    assert rows4(page) == EXPECTED4
    assert after_warning(page) == [f"1 line of text after the table on page 1 {NOT_READ}"]


def test_id_shapes():
    assert id_shape("NIC-12345-A1B2C") == id_shape("NIC-9-ZZZ") == "A-9-"
    assert id_shape("12") == id_shape("1099") == "9"
    assert id_shape("HES") == "A" and id_shape("Key:") == "A:" and id_shape(" ") is None


def test_trailing_non_rows_stops_at_the_first_row():
    rows = [RowLook("9", 8)] * 5
    key = [RowLook("A:", 1), RowLook("A", 2), RowLook("A", 2)]
    assert trailing_non_rows([*rows, *key]) == 3
    assert trailing_non_rows([*rows, RowLook("9", 2)]) == 0  # an id of the table's shape
    assert trailing_non_rows([*rows, RowLook("A", 2), RowLook("9", 2), *key]) == 3
    assert trailing_non_rows([*rows, RowLook(None, 2)]) == 1  # no id where every row has one
    assert trailing_non_rows([*rows, RowLook(None, 8), RowLook(None, 2)]) == 0
    assert trailing_non_rows([RowLook("9", 2)] * 5 + key[1:]) == 0  # rows as sparse as it
    assert trailing_non_rows([*rows, RowLook("A", 7)], lambda i: i == 5) == 1  # prose


def test_a_tall_centred_header_line_bridged_over_narrow_columns_is_no_prose():
    """A centred header cell of many lines ("Data" / "provided" / … / "Identifiab") above
    the first line that fills several columns: its next line's short words in narrow
    columns ("Identifiab Sensi Legal Basis") bridge into one phrase over their edges, yet
    it goes on at the line pitch from the cell's line right above, so it is no prose."""
    from collections import Counter

    from extract.pdf.geometry import Char
    from extract.pdf.prose import PrintedLine, unread_lines

    def line(baseline: float, words: list[tuple[float, str]]) -> PrintedLine:
        chars = [
            Char(c, x + 5 * i, x + 5 * (i + 1), baseline - 10, baseline, 10.0, baseline)
            for x, word in words
            for i, c in enumerate(word)
        ]
        return PrintedLine(baseline, chars, edges, Counter())

    edges = [0.0, 100.0, 160.0, 200.0, 300.0]
    preamble = line(60.0, [(5.0, "This register lists every release made")])
    header = [line(141.0 + 12.7 * i, [(112.0, w)]) for i, w in enumerate(["Data", "to", ":"])]
    bridged = line(179.1, [(110.0, "Identifiab"), (163.0, "Sensi"), (191.0, "Legal")])
    row = line(190.0, [(5.0, "Row"), (110.0, "le,"), (210.0, "for")])
    unread = unread_lines([preamble, *header, bridged, row])
    assert unread.baselines == (60.0,)
