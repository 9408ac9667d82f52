"""Format detection and text decoding, checked through ``read_document`` as the CLI calls it.

Inputs are the committed register samples re-encoded or re-delimited the way real exports
come (Excel's "Unicode Text", tab- and pipe-separated files, title lines above the table);
expected fields come from reading the original sample, not from the code under test.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from extract import read_document
from extract.detect import decode_text, detect_format

ROOT = Path(__file__).resolve().parent.parent
HSCIC_DUMP = ROOT / "corpora" / "samples" / "hscic-2014-sample.txt"
PHE_CSV = ROOT / "corpora" / "sheets" / "phe-odr-2017-18.csv"


def fields_of(data: bytes, filename: str) -> list[dict]:
    return [r.fields.model_dump() for r in read_document(data, filename).records]


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")])  # fmt: skip
def test_utf16_with_a_bom_is_text_not_binary(bom, codec):
    text = "Organisation\tPurpose\tLegal basis\r\nCafé Trust\tResearch – cancer\ts251\r\n"
    data = bom + text.encode(codec)
    assert decode_text(data) == text.replace("\r\n", "\n")
    assert detect_format(data, "register.txt") == "csv"


def test_utf16_text_dump_reads_as_the_utf8_one_does():
    text = HSCIC_DUMP.read_text(encoding="utf-8")
    document = read_document(text.encode("utf-16"), "hscic.txt")  # LE with BOM, as Excel writes
    assert document.format == "text"
    assert [r.fields.model_dump() for r in document.records] == fields_of(
        text.encode("utf-8"), "hscic.txt"
    )


def test_utf16_csv_reads_as_the_utf8_one_does():
    data = PHE_CSV.read_bytes()
    utf16 = codecs.BOM_UTF16_LE + data.decode("utf-8").encode("utf-16-le")
    assert read_document(utf16, "phe.csv").format == "csv"
    assert fields_of(utf16, "phe.csv") == fields_of(data, "phe.csv")
