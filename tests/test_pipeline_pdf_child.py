"""``drr extract`` makes a PDF's records whole in the bounded child (``extracted_records``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extract import errors
from extract.limits import Limits
from workers.pipeline import extract_records, extracted_records

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "corpora" / "pdfs" / "hscic-ruled.pdf"
BROKEN = ROOT / "tests" / "fuzz_findings" / "pdf-page-tree-kid-is-a-number.pdf"


def test_a_pdfs_records_are_those_made_here() -> None:
    data = PDF.read_bytes()
    records = extracted_records(data, PDF.name, Limits())
    assert records == extract_records(data, PDF.name, Limits())[1]
    assert len(records) > 10


def test_a_pdfs_failure_comes_back_as_the_same_error() -> None:
    data = BROKEN.read_bytes()
    with pytest.raises(errors.DrrError) as here:
        extract_records(data, BROKEN.name, Limits())
    with pytest.raises(type(here.value)) as there:
        extracted_records(data, BROKEN.name, Limits())
    assert str(there.value) == str(here.value)


def test_other_formats_and_bad_input_are_read_as_before() -> None:
    text = b"not a register at all\n"
    for data, name in ((text, "notes.txt"), (b"", "empty.pdf"), (b"%PDF-1.4 broken", "x.pdf")):
        with pytest.raises(errors.DrrError) as here:
            extract_records(data, name, Limits())
        with pytest.raises(type(here.value)) as there:
            extracted_records(data, name, Limits())
        assert str(there.value) == str(here.value)


def test_extracting_a_pdf_imports_neither_pdfminer_nor_pydantic_here() -> None:
    code = (
        "import sys; from extract.limits import Limits;"
        "from workers.pipeline import extracted_records;"
        f"records = extracted_records(open({str(PDF)!r}, 'rb').read(), 'a.pdf', Limits());"
        "print(len(records), 'pydantic' in sys.modules, 'pdfminer' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out[1:] == ["False", "False"] and int(out[0]) > 10
