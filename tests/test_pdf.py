"""The PDF reader on the committed register PDFs (``corpora/pdfs``), against their golden rows.

The PDFs are LibreOffice printings of real register rows (see ``corpora/pdfs/README.md``);
the goldens are the generator's input, not any reader's output. Fields are compared with
whitespace removed, as the benchmark does: where LibreOffice wraps inside a word or after
a dash, the printed page cannot say whether a space was there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from pdfminer.pdfpage import PDFPage

from extract import read_document
from extract.pdf import read_pdf
from extract.pdf.pages import ClipInterpreter, iter_pages
from extract.record import Fields, Row

ROOT = Path(__file__).resolve().parent.parent
PDFS = ROOT / "corpora" / "pdfs"
NAMES = sorted(p.stem for p in PDFS.glob("*.pdf"))
_SPACE = re.compile(r"\s+")


def squash(value: str | None) -> str | None:
    return None if value is None else _SPACE.sub("", value)


def golden(name: str) -> list[dict]:
    lines = (PDFS / f"{name}.golden.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@cache
def rows_of(name: str) -> tuple[Row, ...]:
    return tuple(read_pdf((PDFS / f"{name}.pdf").read_bytes()))


def page_sizes(name: str) -> dict[int, tuple[float, float]]:
    with open(PDFS / f"{name}.pdf", "rb") as f:
        boxes = [page.mediabox for page in PDFPage.get_pages(f)]
    return {i: (box[2] - box[0], box[3] - box[1]) for i, box in enumerate(boxes, 1)}


def squashed_fields(fields: dict) -> dict:
    """Every record field (absent ones as None), whitespace removed."""
    out = {k: squash(fields.get(k)) for k in Fields.model_fields if k != "extra"}
    out["extra"] = {k: squash(v) for k, v in fields.get("extra", {}).items()}
    return out


def test_the_corpus_is_there_ruled_and_unruled():
    assert len(NAMES) >= 6
    assert any("unruled" in n for n in NAMES) and any("-ruled" in n for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_row_matches_its_golden_row(name):
    expected = golden(name)
    got = rows_of(name)
    assert len(got) == len(expected), "split, lost or invented rows"
    for row, gold in zip(got, expected, strict=True):
        assert squashed_fields(row.fields.model_dump()) == squashed_fields(gold["fields"]), (
            f"row {gold['row_index']}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_cell_text_is_printed_text_with_lines_joined(name):
    for row in rows_of(name):
        for value in [
            *row.fields.model_dump(exclude={"extra"}).values(),
            *row.fields.extra.values(),
        ]:
            assert value is None or value == " ".join(value.split())


@pytest.mark.parametrize("name", NAMES)
def test_every_field_says_where_it_was_printed(name):
    pages = page_sizes(name)
    for row in rows_of(name):
        assert row.pages and set(row.pages) <= set(pages)
        for field, value in row.fields.model_dump(exclude={"extra"}).items():
            if value is None:
                continue
            span = row.cells[field]
            width, height = pages[span.page]
            x0, top, x1, bottom = span.bbox
            assert span.page in row.pages
            assert 0 <= x0 < x1 <= width and 0 <= top < bottom <= height


def test_merged_blocks_that_cross_a_page_are_in_the_corpus_and_read_whole():
    crossing = 0
    for name in NAMES:
        blocks: dict[str, list[tuple[Row, dict]]] = {}
        for row, gold in zip(rows_of(name), golden(name), strict=True):
            blocks.setdefault(gold["block"], []).append((row, gold))
        for members in blocks.values():
            pages = {p for row, _ in members for p in row.pages}
            if len(members) > 1 and len(pages) > 1:
                crossing += 1
                for row, gold in members:
                    assert squash(row.fields.organisation) == squash(gold["fields"]["organisation"])
                    assert squash(row.fields.purpose) == squash(gold["fields"]["purpose"])
                    assert any("merged cell" in w for w in row.warnings)
    assert crossing >= 5


def test_invisible_copies_of_clipped_cells_are_not_read(monkeypatch):
    data = (PDFS / "nhsd-releases-ruled.pdf").read_bytes()
    assert sum(p.hidden_chars for p in iter_pages(data)) > 0
    expected = [squashed_fields(g["fields"]) for g in golden("nhsd-releases-ruled")]
    assert [squashed_fields(r.fields.model_dump()) for r in read_pdf(data)] == expected
    # Without clip tracking, the clipped copies turn up as text: the test can tell.
    monkeypatch.setattr(ClipInterpreter, "do_W", lambda self: None)
    assert [squashed_fields(r.fields.model_dump()) for r in read_pdf(data)] != expected


def test_a_cut_cell_ending_on_a_row_baseline_is_joined_by_its_clipped_rest(monkeypatch):
    from extract.pdf import reader

    name = "nhsd-releases-unruled-wide"  # page 6 shows the purpose's top part, page 7 the rest
    data = (PDFS / f"{name}.pdf").read_bytes()
    expected = [squash(g["fields"]["purpose"]) for g in golden(name)]
    assert [squash(r.fields.purpose) for r in read_pdf(data)] == expected
    monkeypatch.setattr(reader, "clipped_below", lambda page, rows, column: False)
    assert [squash(r.fields.purpose) for r in read_pdf(data)] != expected


def test_layout_profiles_are_matched_by_header():
    assert {r.layout for r in rows_of("hscic-ruled")} == {"hscic-2014"}
    assert rows_of("renamed-ruled")[0].layout == "generic"  # Institution, Project details


def test_a_header_printed_on_page_one_only_still_parses_later_pages():
    rows = rows_of("phe-unruled-portrait")  # printed without print titles
    later = [r for r in rows if r.pages[0] > 1]
    assert later and all(r.fields.row_id and r.fields.row_id.startswith("DRR") for r in later)
    expected = golden("phe-unruled-portrait")[-len(later) :]
    assert [squash(r.fields.purpose) for r in later] == [
        squash(g["fields"]["purpose"]) for g in expected
    ]


def test_read_document_dispatches_pdfs_here():
    doc = read_document((PDFS / "hscic-ruled.pdf").read_bytes(), "register.pdf")
    assert doc.format == "pdf" and len(doc.records) == len(golden("hscic-ruled"))
    assert doc.records[0].source.cells["organisation"].bbox is not None


def test_drr_extract_on_a_pdf():
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli", "extract", str(PDFS / "phe-ruled-narrow.pdf")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(golden("phe-ruled-narrow"))
    assert records[0]["source"]["format"] == "pdf" and records[0]["source"]["pages"] == [1]
