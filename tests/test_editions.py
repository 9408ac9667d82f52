"""Editions nobody wrote a profile for (issue 11): made from the real NHS Digital workbook
by corpora/tools/editions/make_editions.py, read whole, explained, and inferred as profiles.

Uses the tuning pool and held-out round 1 (already looked at); heldout2 is kept for the
benchmark (benchmarks/bench_editions.py), so later tuning has editions nobody has seen.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from extract import read_document
from extract.errors import UnknownLayout
from extract.limits import Limits
from extract.profiles import _profile_from_json, match_header
from extract.sheets import read_csv

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "corpora" / "tools" / "editions"))

from make_editions import CHECKED, load_phe_source, load_source, make_edition, make_phe_edition

ROWS = 60  # release rows per edition: several agreements, a few seconds for the whole module

pytestmark = pytest.mark.skipif(
    not (SHARED / "corpora-raw").is_dir(), reason="needs ../shared/corpora-raw"
)


@pytest.fixture(scope="module")
def source():
    return load_source(SHARED, ROWS)


@pytest.mark.parametrize(
    ("pool", "fmt", "seed"),
    [("tuning", "xlsx", 11), ("tuning", "xlsx", 18), ("heldout", "ods", 101),
     ("heldout", "csv", 102), ("heldout", "xlsx", 103)],
)
def test_an_unseen_edition_is_read_whole_and_says_what_it_trusted(source, pool, fmt, seed):
    edition = make_edition(source, pool, fmt, seed)
    document = read_document(edition.data, edition.filename)
    assert document.format == fmt
    assert len(document.records) == ROWS
    for record, truth in zip(document.records, edition.truth, strict=True):
        assert {f: getattr(record.fields, f) for f in CHECKED} == truth
        assert record.fields.purpose  # joined across sheets (or read inline from the CSV)
        # columns were read by content, not by a profile's header: every record says so
        assert record.needs_review
        assert any("by its content" in w for w in record.warnings)


@pytest.mark.parametrize(("fmt", "seed"), [("csv", 302), ("ods", 301)])
def test_a_second_publishers_edition_is_read_whole(fmt, seed):
    """PHE's register re-laid: one table, its purpose inline; a date column headed 'Date'
    or 'Released' is the release date by its cells."""
    edition = make_phe_edition(load_phe_source(SHARED), fmt, seed)
    records = read_document(edition.data, edition.filename).records
    assert len(records) == len(edition.truth)
    for record, truth in zip(records, edition.truth, strict=True):
        assert {f: getattr(record.fields, f) for f in truth} == truth


def test_statements_under_other_references_are_joined_and_misses_warned(source):
    edition = make_edition(source, "tuning", "xlsx", 12)
    records = read_document(edition.data, edition.filename).records
    assert all(r.fields.purpose for r in records)
    # drop one agreement's statement: its release rows say so, the others still join
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(edition.data))
    statements = next(s for s in book.worksheets if s.max_row < ROWS and s.max_column >= 5)
    first_key = records[0].fields.reference
    for row in statements.iter_rows(min_row=2):
        cells = [c.value for c in row]
        if any(isinstance(v, str) and first_key.split("-")[2] in v for v in cells):
            statements.delete_rows(row[0].row)
            break
    out = io.BytesIO()
    book.save(out)
    again = read_document(out.getvalue(), "cut.xlsx").records
    missing = [r for r in again if r.fields.reference == first_key]
    assert missing and all(r.fields.purpose is None and r.needs_review for r in missing)
    assert all(f"reference {first_key!r} has no row in" in " ".join(r.warnings) for r in missing)
    assert all(r.fields.purpose for r in again if r.fields.reference != first_key)


def test_known_fields_empty_on_every_row_name_the_unread_columns():
    """Silent nulls: no data set, purpose or frequency column found while other columns
    hold text. Real cells from the published workbook's columns content cannot place."""
    import openpyxl

    book = openpyxl.load_workbook(ROOT / "corpora/sheets/nhs-digital-2021-02-cut.xlsx",
                                  read_only=True, data_only=True)
    rows = list(book["DataReleases"].iter_rows(values_only=True))
    book.close()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Organisation Name", "NIC Number", "Legal basis", "Opt-outs", "Duty"])
    for r in rows[1:]:
        writer.writerow([r[1], r[8], r[5], r[10], r[11]])
    records = read_csv(out.getvalue(), Limits())
    first = records[0]
    assert first.needs_review
    assert any("'Opt-outs', 'Duty' hold text no field was read from" in w for w in first.warnings)
    assert all(r.fields.data_type is None and r.fields.frequency is None for r in records)
    assert not any("no field was read" in " ".join(r.warnings) for r in records[1:])


def test_profile_infer_prints_a_profile_that_matches_the_edition_and_can_be_saved(
    source, tmp_path, capsys
):
    from workers.cli import main

    edition = make_edition(source, "heldout", "xlsx", 101)
    path = tmp_path / edition.filename
    path.write_bytes(edition.data)
    assert main(["profile", "infer", str(path), "--name", "q3", "--write", str(tmp_path / "p")]) == 0
    layout = json.loads(capsys.readouterr().out)
    roles = {t["role"]: t for t in layout["tables"]}
    assert set(roles) == {"records", "looked up"}
    records, looked_up = roles["records"], roles["looked up"]
    assert records["join"]["on"] == "reference"
    assert records["profile"]["lookup"] == {"profile": looked_up["profile"]["name"], "on": "reference"}
    saved = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "p").glob("*.json")}
    assert set(saved) == {records["profile"]["name"], looked_up["profile"]["name"]}
    # the saved profile maps the edition's header row to the fields drr read it with
    profile = _profile_from_json(saved["q3"], "q3.json")
    headers = [c["header"] for c in records["columns"]]
    match = match_header(headers, (profile,))
    assert match is not None
    wanted = {c["field"] for c in records["columns"] if c["field"] and c["header"].strip()}
    assert {f for f in match.fields if f} == wanted


def test_extract_explain_says_per_column_what_it_became(source, tmp_path, capsys):
    from workers.cli import main

    edition = make_edition(source, "tuning", "xlsx", 18)
    path = tmp_path / edition.filename
    path.write_bytes(edition.data)
    assert main(["extract", "--explain", str(path), "-o", str(tmp_path / "out.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "'Type of data provded' -> data_type [content over header]" in err
    assert "'How often' -> frequency [content]" in err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == ROWS


def test_extract_explain_reads_standard_input_once(source, tmp_path, monkeypatch, capsys):
    """Explained from the bytes the extraction reads: stdin is not used up before it."""
    from workers.cli import main

    edition = make_edition(source, "tuning", "xlsx", 18)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(edition.data)))
    assert main(["extract", "--explain", "-", "-o", str(tmp_path / "out.jsonl")]) == 0
    assert "'How often' -> frequency [content]" in capsys.readouterr().err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == ROWS


def test_profile_infer_refuses_what_is_no_spreadsheet(tmp_path, capsys):
    from workers.cli import main

    path = tmp_path / "dump.txt"
    path.write_bytes((ROOT / "corpora/samples/hscic-2014-sample.txt").read_bytes())
    assert main(["profile", "infer", str(path)]) == 1
    assert "layouts are inferred for spreadsheets" in capsys.readouterr().err


def test_a_table_no_profile_maps_and_content_cannot_place_is_still_refused():
    with pytest.raises(UnknownLayout):
        read_csv("Colour,Shape,Size\nred,round,3\nblue,square,4\ngreen,oval,5\n", Limits())
