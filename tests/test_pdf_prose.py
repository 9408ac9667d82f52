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
from extract.record import Row

PDFS = Path(__file__).resolve().parent.parent / "corpora" / "pdfs"
NOT_READ = "not read as rows (prose outside the table's columns)"

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
}
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


@pytest.mark.parametrize("name", sorted(n for n in PROSE if "unruled" in n))
def test_without_the_prose_step_these_pdfs_are_misread(monkeypatch, name):
    """The corpus can tell: with prose kept as table, rows are invented, lost or refused.

    (Not hscic-ruled-notes: a ruled grid bounds its rows by its rules, so prose outside
    it was never read as rows; only the warning is new there.)
    """
    monkeypatch.setattr(reader, "unread_lines", lambda lines: reader.NOTHING_UNREAD)
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
