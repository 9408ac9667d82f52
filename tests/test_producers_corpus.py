"""The producer corpus (``corpora/producers``) is what its generator printed, and the PDF
benchmark's scoring tells a right reading from a wrong one.

No test here asserts how well drr reads these files: they are a benchmark's evidence.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from extract.profiles import match_header

ROOT = Path(__file__).resolve().parent.parent
PRODUCERS = ROOT / "corpora" / "producers"
# Appended, not prepended: the generator's module names (common, generate) must not shadow
# anything another test imports.
sys.path.append(str(ROOT / "corpora" / "tools" / "producers"))
sys.path.append(str(ROOT / "benchmarks"))

import bench_pdf  # found by the path above
from bench_pdf import read_golden
from generate import FAMILIES

PDFS = sorted(PRODUCERS.glob("*/*.pdf"))


def manifest(pdf: Path) -> dict:
    entries = json.loads((pdf.parent / "manifest.json").read_text(encoding="utf-8"))
    return entries[pdf.stem]


def test_every_family_has_its_files():
    on_disk = {(p.parent.name, p.stem) for p in PDFS}
    specified = {(family, s.name) for family, styles in FAMILIES.items() for s in styles}
    assert on_disk == specified
    assert all(6 <= len(styles) <= 10 for styles in FAMILIES.values())


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_has_the_rows_the_generator_printed(pdf):
    style = next(s for s in FAMILIES[pdf.parent.name] if s.name == pdf.stem)
    rows = read_golden(pdf)
    assert len(rows) == style.rows == manifest(pdf)["rows"]
    assert 20 <= style.rows <= 80
    assert [r["row_index"] for r in rows] == list(range(style.rows))
    fields = [c.field for c in style.columns() if c.field]
    assert all(list(r["fields"]) == [*fields, "extra"] for r in rows)
    assert pdf.stat().st_size < 300_000


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_headers_are_known_to_a_layout_profile(pdf):
    columns = manifest(pdf)["columns"]
    match = match_header([c["header"] for c in columns])
    assert match is not None
    assert list(match.fields) == [c["field"] for c in columns]


def test_a_golden_scores_full_marks_against_itself():
    doc = bench_pdf.manifest_docs(PRODUCERS / "writer")[0]
    gold = [bench_pdf.positional(doc.columns, g["fields"]) for g in doc.golden]
    rows_ok, cells_ok, cells, _ = bench_pdf.score(gold, copy.deepcopy(gold))
    assert rows_ok == len(gold) and cells_ok == cells


def test_a_row_split_in_two_is_not_full_marks():
    doc = bench_pdf.manifest_docs(PRODUCERS / "writer")[0]
    gold = [bench_pdf.positional(doc.columns, g["fields"]) for g in doc.golden]
    got = copy.deepcopy(gold)
    row = got.pop(3)  # the row read as two: its cells' text cut where a line broke
    top = [cell[: len(cell) // 2] for cell in row]
    bottom = [cell[len(cell) // 2 :] for cell in row]
    got[3:3] = [top, bottom]
    rows_ok, cells_ok, cells, exact = bench_pdf.score(gold, got)
    assert rows_ok == len(gold) - 1 and 3 not in exact
    assert cells_ok < cells
    assert len(got) == len(gold) + 1  # rows out against rows in shows the split
