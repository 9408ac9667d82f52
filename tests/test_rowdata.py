"""The PDF reader's plain rows (``extract.rowdata``) dump to what the record models dump."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from extract.errors import ExtractError
from extract.pdf import read_pdf_data
from extract.record import Fields, Row, to_records
from extract.rowdata import FIELD_NAMES, FieldData, RowData, SpanData, record_dicts
from workers.pipeline import extracted_records, without_nul

ROOT = Path(__file__).resolve().parent.parent


def committed_pdfs() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.pdf"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / p for p in sorted(listed)]


def model_dicts(rows: list[RowData], sha: str, filename: str) -> list[dict]:
    models: list[Row] = [row.to_model() for row in rows]
    return [r.model_dump(mode="json") for r in to_records(models, sha, filename, "pdf")]


def test_field_names_are_the_models():
    assert (*FIELD_NAMES, "extra") == tuple(Fields.model_fields)
    assert tuple(FieldData.__dataclass_fields__) == tuple(Fields.model_fields)


def test_a_made_row_dumps_as_its_model():
    """Whole-number boxes become floats, as the model's validation makes them; extra keys,
    warnings and the review flag are kept in order."""
    fields = FieldData(
        row_id="DRR1", purpose="Research\nand audit", extra={"Zeta": "z", "Alpha": "a"}
    )
    rows = [
        RowData(
            fields,
            "nhs-digital",
            [1, 2],
            {"purpose": SpanData(2, (1, 2.5, 3, 4))},
            ["merged cell"],
            True,
        ),
        RowData(FieldData(), "nhs-digital", [2]),
    ]
    want = model_dicts(rows, "ab" * 32, "x.pdf")
    got = record_dicts(rows, "ab" * 32, "x.pdf", "pdf")
    assert got == want
    assert [list(g) for g in got] == [list(w) for w in want]
    assert repr(got) == repr(want)  # 1 and 1.0 are equal, but not in the JSON


def test_a_made_row_differing_from_its_model_is_caught():
    """The comparison above can fail: a box left as ints is not what the model dumps."""
    rows = [RowData(FieldData(row_id="1"), "l", [1], {"row_id": SpanData(1, (1, 2, 3, 4))})]
    got = record_dicts(rows, "cd" * 32, "y.pdf", "pdf")
    got[0]["source"]["cells"]["row_id"]["bbox"] = [1, 2, 3, 4]
    assert repr(got) != repr(model_dicts(rows, "cd" * 32, "y.pdf"))


@pytest.mark.parametrize("pdf", committed_pdfs(), ids=lambda p: p.stem)
def test_every_committed_pdf_dumps_as_its_models(pdf: Path):
    data = pdf.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        rows = read_pdf_data(data)
    except ExtractError as error:  # a hostile or empty PDF: its failure is another test's
        pytest.skip(f"not read: {type(error).__name__}")
    got = record_dicts(rows, sha, pdf.name, "pdf")
    assert repr(got) == repr(model_dicts(rows, sha, pdf.name))


def test_drr_extract_path_gives_the_models_records(tmp_path):
    """``extracted_records``' PDF path (the plain rows, in the child) against
    ``read_document``'s records, NUL handling included."""
    from extract import DEFAULT_LIMITS, read_document

    pdf = next(p for p in committed_pdfs() if "corpora/pdfs/" in p.as_posix())
    data = pdf.read_bytes()
    want = [
        without_nul(r.model_dump(mode="json"))
        for r in read_document(data, pdf.name, DEFAULT_LIMITS).records
    ]
    assert want
    assert repr(extracted_records(data, pdf.name, DEFAULT_LIMITS)) == repr(want)
