"""``PdfSettings``: one frozen object holding the PDF reader's thresholds (issue 9, item 3)."""

from __future__ import annotations

import dataclasses

import pytest

from extract.pdf import columns, header, lines, prose, reader, rows
from extract.pdf.settings import PdfSettings

# Module constants that stages still read: each must be PdfSettings()'s default, so that the
# settings object describes the reader as it runs (a constant changed alone fails here).
STILL_CONSTANTS = [
    (lines, "WORD_GAP", "word_gap"),
    (lines, "OVERPRINT", "overprint"),
    (columns, "SNAP", "snap"),
    (columns, "BIN", "river_bin"),
    (columns, "STRONG", "strong_starts"),
    (columns, "WORD_GAP", "word_gap"),
    (rows, "BLOCK_PITCH", "block_pitch"),
    (prose, "SAME_PARAGRAPH", "same_paragraph"),
    (prose, "DETACHED", "detached"),
    (prose, "SAME_MARGIN", "same_margin"),
    (prose, "BRIDGE", "prose_bridge"),
    (prose, "SHAPE_CHARS", "shape_chars"),
    (prose, "FEW_COLUMNS", "few_columns"),
    (prose, "MIN_ROWS_SEEN", "min_rows_seen"),
    (prose, "TABLE_COLUMNS", "table_columns"),
]


@pytest.mark.parametrize(("module", "constant", "field"), STILL_CONSTANTS)
def test_module_constant_is_the_settings_default(module, constant, field):
    assert getattr(module, constant) == getattr(PdfSettings(), field)


def test_settings_are_frozen():
    settings = PdfSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.snap = 2.0  # type: ignore[misc]


def test_every_field_has_a_unit_comment():
    source = (reader.__file__.rsplit("/", 1)[0]) + "/settings.py"
    text = open(source, encoding="utf-8").read()
    for field in dataclasses.fields(PdfSettings):
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{field.name}:"))
        comment = line.split("#", 1)[1].strip()
        assert comment.split(":", 1)[0] in {"pt", "size", "pitch", "share", "count"}, field.name
