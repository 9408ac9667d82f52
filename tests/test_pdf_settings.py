"""``PdfSettings``: one frozen object holding the PDF reader's thresholds (issue 9, item 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extract.errors import ExtractError
from extract.pdf import columns, rows
from extract.pdf.reader import odd_anchor_rows, read_pdf
from extract.pdf.settings import PdfSettings

PDF = Path(__file__).resolve().parent.parent / "corpora" / "pdfs" / "hscic-ruled.pdf"

# Module constants that stages still read: each must be PdfSettings()'s default, so that the
# settings object describes the reader as it runs (a constant changed alone fails here).
STILL_CONSTANTS = [
    (columns, "SNAP", "snap"),
    (columns, "BIN", "river_bin"),
    (rows, "BLOCK_PITCH", "block_pitch"),
]


@pytest.mark.parametrize(("module", "constant", "field"), STILL_CONSTANTS)
def test_module_constant_is_the_settings_default(module, constant, field):
    assert getattr(module, constant) == getattr(PdfSettings(), field)


def test_settings_are_frozen():
    settings = PdfSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.snap = 2.0  # type: ignore[misc]


def test_every_field_has_a_unit_comment():
    text = Path(__file__).resolve().parent.parent
    source = (text / "extract" / "pdf" / "settings.py").read_text(encoding="utf-8")
    for field in dataclasses.fields(PdfSettings):
        line = next(x for x in source.splitlines() if x.strip().startswith(f"{field.name}:"))
        comment = line.split("#", 1)[1].strip()
        assert comment.split(":", 1)[0] in {"pt", "size", "pitch", "share", "count"}, field.name


def test_read_pdf_uses_the_settings_it_is_given():
    data = PDF.read_bytes()
    assert read_pdf(data) == read_pdf(data, settings=PdfSettings())
    assert read_pdf(data)  # the header is on the first page: rows are read
    with pytest.raises(ExtractError):  # searched on no page, the header is never found
        read_pdf(data, settings=PdfSettings(header_search_pages=0))


def test_odd_ids_follow_the_shares_in_the_settings():
    ids = [f"DRR{n}" for n in range(1, 10)] + ["System"]
    assert odd_anchor_rows(ids) == [9]  # 9 of 10 alike: the odd one is flagged
    assert odd_anchor_rows(ids, PdfSettings(part_share=0.95)) == []  # too few alike to judge
    assert odd_anchor_rows(ids, PdfSettings(min_rows_seen=11)) == []  # 10 ids: too few seen


def test_prose_is_told_by_the_table_columns_in_the_settings():
    data = (PDF.parent / "hscic-unruled-notes.pdf").read_bytes()
    # a line crossing a column edge is prose unless its other phrases fill table_columns
    # columns; at 1, none is prose: the notes under the table are read as rows
    assert len(read_pdf(data, settings=PdfSettings(table_columns=1))) > len(read_pdf(data))
