"""The held-out producer corpus (``corpora/producers-unseen``: fpdf2, WeasyPrint) is what its
generator printed, and its producers keep every character of the cells they print.

No test here reads these files with drr or asserts how well anything reads them: they are
held out, scored by totals only (``bench_pdf.py --held-out fpdf2 weasyprint``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from extract.profiles import match_header

ROOT = Path(__file__).resolve().parent.parent
UNSEEN_DIR = ROOT / "corpora" / "producers-unseen"
RAW = ROOT.parent / "shared" / "corpora-raw"
# Appended, not prepended: the generator's module names (common, generate) must not shadow
# anything another test imports.
sys.path.append(str(ROOT / "corpora" / "tools" / "producers"))
sys.path.append(str(ROOT / "benchmarks"))

from bench_pdf import read_golden  # found by the path above
from common import SOURCES, Style, check_text, render_pdfs, select_rows  # found by the path above
from generate import FAMILIES, MODULES, render_one
from unseen import UNSEEN

PDFS = sorted(UNSEEN_DIR.glob("*/*.pdf"))
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="needs ../shared/corpora-raw")


def style_of(pdf: Path) -> Style:
    return next(s for s in UNSEEN[pdf.parent.name] if s.name == pdf.stem)


def manifest(pdf: Path) -> dict:
    entries = json.loads((pdf.parent / "manifest.json").read_text(encoding="utf-8"))
    return entries[pdf.stem]


def test_every_held_out_family_has_its_files_and_nothing_else():
    on_disk = {(p.parent.name, p.stem) for p in PDFS}
    specified = {(family, s.name) for family, styles in UNSEEN.items() for s in styles}
    assert on_disk == specified
    assert sorted(UNSEEN) == ["fpdf2", "weasyprint"]
    assert all(len(styles) == 8 for styles in UNSEEN.values())
    for folder in UNSEEN_DIR.iterdir():
        if folder.is_dir():
            entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            assert sorted(entries) == sorted(s.name for s in UNSEEN[folder.name])


def test_held_out_families_stay_out_of_the_default_draw():
    # random_batch.py draws sorted(FAMILIES) unless --producers names others
    assert not set(UNSEEN) & set(FAMILIES)
    assert set(UNSEEN) <= set(MODULES)


def test_the_two_families_share_no_row_of_the_sources_that_have_unprinted_rows():
    printed: dict[str, dict[str, set[int]]] = {}
    for family, styles in UNSEEN.items():
        for s in styles:
            rows = printed.setdefault(family, {}).setdefault(SOURCES[s.layout], set())
            assert not rows & set(range(s.skip, s.skip + s.rows)), s.name
            rows.update(range(s.skip, s.skip + s.rows))
    for source in ("nhsd", "purposes"):
        assert not printed["fpdf2"].get(source, set()) & printed["weasyprint"].get(source, set())


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_manifest_and_golden_are_well_formed(pdf):
    style = style_of(pdf)
    entry = manifest(pdf)
    assert entry["family"] == pdf.parent.name
    assert entry["style"] == asdict(style)
    assert entry["columns"] == [
        {"header": " ".join(c.header.split()), "field": c.field} for c in style.columns()
    ]
    rows = read_golden(pdf)
    assert len(rows) == style.rows == entry["rows"]
    assert 20 <= style.rows <= 80
    assert [r["row_index"] for r in rows] == list(range(style.rows))
    fields = [c.field for c in style.columns() if c.field]
    assert all(list(r["fields"]) == [*fields, "extra"] for r in rows)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf.stat().st_size < 300_000


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_headers_are_known_to_a_layout_profile(pdf):
    columns = manifest(pdf)["columns"]
    match = match_header([c["header"] for c in columns])
    assert match is not None
    assert list(match.fields) == [c["field"] for c in columns]


@needs_raw
@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_is_the_generators_input(pdf):
    style = style_of(pdf)
    expected = render_pdfs.golden(style.calc_spec(), select_rows(style, RAW))
    assert read_golden(pdf) == json.loads(json.dumps(expected, ensure_ascii=False))


def producer_available(family: str) -> None:
    if family == "fpdf2":
        pytest.importorskip("fpdf")
        if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
            pytest.skip("needs Debian's fonts-dejavu-core")
        return
    try:
        import weasyprint  # noqa: F401 - needs Pango from the system
    except (ImportError, OSError) as exc:
        pytest.skip(f"weasyprint not usable here: {exc}")


@needs_raw
@pytest.mark.parametrize("family", sorted(UNSEEN))
def test_a_small_rendering_keeps_every_printed_character(family, tmp_path):
    producer_available(family)
    # A short table with merged cells, a header band and serif text (fpdf2: Times).
    style = replace(UNSEEN[family][1], name=f"{family}-small", rows=12, serif=True, size=11)
    pdf = render_one(family, style, RAW, tmp_path)  # runs check_text, which raises on loss
    assert pdf.is_file()
    assert len(read_golden(pdf)) == 12
    rows = select_rows(style, RAW)
    check_text(style, rows, pdf)
    # the check can fail: a cell the PDF does not print is found missing
    altered = [dict(row) for row in rows]
    first = next(c for c in style.columns() if c.field == "organisation")
    altered[0][first.source] += " \u01c2\u01c2"  # ǂ: in no register row
    with pytest.raises(ValueError, match="text missing"):
        check_text(style, altered, pdf)
