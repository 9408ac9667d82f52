"""Columns known by their content (extract/content_columns.py) and agreement references as
join keys (extract/refkeys.py), on cells of the real registers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import openpyxl
import pytest

from extract.content_columns import (
    HEADER_FUZZY,
    HEADER_WORD,
    assign_columns,
    best_assignment,
    column_cells,
    contradicted,
    header_evidence,
    score_columns,
)
from extract.profiles import match_header
from extract.refkeys import canonical_reference, reference_key
from nlp.references import find_references

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "corpora/sheets/nhs-digital-2021-02-cut.xlsx"
PHE_CSV = ROOT / "corpora/sheets/phe-odr-2017-18.csv"


def _sheet(name: str) -> list[list[str | None]]:
    book = openpyxl.load_workbook(FIXTURE, read_only=True, data_only=True)
    rows = [[None if v is None else str(v) for v in r] for r in book[name].iter_rows(values_only=True)]
    book.close()
    return rows


@pytest.mark.parametrize("sheet", ["DataReleases", "PurposeStatements"])
def test_every_column_the_profile_maps_holds_what_its_header_says(sheet):
    """On the published workbook, content alone gives each mapped column its header's field."""
    rows = _sheet(sheet)
    headers = [h or "" for h in rows[0]]
    match = match_header(headers)
    blind = assign_columns([f"column {i}" for i in range(len(headers))],
                           score_columns(column_cells(rows[1:], len(headers))))
    for header, field, choice in zip(headers, match.fields, blind, strict=True):
        if field == "purpose" and sheet == "DataReleases":
            assert choice.field is None  # the published Purpose column is empty
        elif field is not None:
            assert choice.field == field, (header, choice)
            assert choice.by == "content"


def test_header_with_no_field_and_one_column_per_field():
    rows = _sheet("DataReleases")
    headers = ["RowID", "Organisation Name", "Datset", "Identifiability", "Sensitive?",
               "Gateway", "", "How often", "Agreement", "MR", "Opt-outs", "Common law"]
    choices = assign_columns(headers, score_columns(column_cells(rows[1:], len(headers))))
    fields = [c.field for c in choices]
    assert fields == ["row_id", "organisation", "data_type", "data_provided", "sensitivity",
                      "legal_basis", None, "frequency", "reference", None, None, None]
    assert choices[7].by == "content" and choices[0].by == "header+content"


def test_best_assignment_is_the_optimum_scipy_finds():
    from scipy.optimize import linear_sum_assignment

    rnd = random.Random(11)
    for _ in range(200):
        n, m = rnd.randint(1, 14), rnd.randint(1, 14)
        gain = [[rnd.choice([0.0, 0.5, 1.0, rnd.random()]) for _ in range(m)] for _ in range(n)]
        pairs = best_assignment(gain)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
        rows, cols = linear_sum_assignment([[-g for g in row] for row in gain])
        best = sum(gain[r][c] for r, c in zip(rows, cols, strict=True))
        assert sum(gain[r][c] for r, c in pairs) == pytest.approx(best)


def test_header_evidence_exact_misspelt_by_word_and_none():
    assert header_evidence("Frequency") == ("frequency", 1.0)
    assert header_evidence("Frequncy") == ("frequency", HEADER_FUZZY)
    assert header_evidence("Sensitve or non sensitive") == ("sensitivity", HEADER_FUZZY)
    assert header_evidence("Objectives of the study") == ("purpose", HEADER_WORD)
    assert header_evidence("Colour") == (None, 0.0)


def test_a_few_cells_never_overrule_a_header():
    score = {"purpose": 0.0, "organisation": 1.0}
    assert not contradicted(score, "purpose", filled=1)
    assert contradicted(score, "purpose", filled=5)
    assert not contradicted({"purpose": 0.0, "organisation": 0.3}, "purpose", filled=50)


def test_prose_columns_beside_the_purpose_are_told_apart_by_fill_and_header():
    rows = _sheet("PurposeStatements")
    # the objective moved right of the other prose columns, its header one no profile knows
    order = [0, 1, 3, 4, 5, 6, 2, 7]
    headers = ["Key", "Recipient", "Processing Activities", "Expected Output",
               "Expected Measurable Benefits", "Yielded Benefits", "Aims", "Kind"]
    moved = [[r[i] if i < len(r) else None for i in order] for r in rows[1:]]
    choices = assign_columns(headers, score_columns(column_cells(moved, len(headers))))
    assert [c.header for c in choices if c.field == "purpose"] == ["Aims"]


@pytest.mark.parametrize(
    ("printed", "base", "version"),
    [
        ("DARS-NIC-110660-G9W6M-v2.2", "DARS-NIC-110660-G9W6M", "2.2"),
        ("NIC-110660-G9W6M", "DARS-NIC-110660-G9W6M", None),
        ("nic 110660 g9w6m v2.2", "DARS-NIC-110660-G9W6M", "2.2"),
        ("110660-g9w6m", "DARS-NIC-110660-G9W6M", None),
        ("nic_110660_g9w6m_v2_2", "DARS-NIC-110660-G9W6M", "2.2"),
        ("NIC-154590-YG6QH ", "DARS-NIC-154590-YG6QH", None),
        ("ODR_2014_139a", "ODR_2014_139A", None),
        ("odr 2014 139A", "ODR_2014_139A", None),
        ("CASEMIX_MONITOR", "CASEMIXMONITOR", None),
        ("casemix monitor", "CASEMIXMONITOR", None),
    ],
)
def test_one_agreement_however_an_edition_writes_it(printed, base, version):
    assert reference_key(printed) == (base, version)


def test_empty_references_are_no_key():
    assert reference_key(None) is None
    assert reference_key("  ") is None
    assert reference_key("--") is None


def test_the_canonical_form_is_the_one_nlp_references_gives():
    """Every NIC reference in the collected references: refkeys (in extract, which may not
    import nlp) and nlp.references give the same canonical agreement."""
    seen = 0
    for line in (ROOT / "corpora/entities/references-collected.jsonl").open(encoding="utf-8"):
        for ref in find_references(json.loads(line)["text"]):
            if ref.scheme == "NIC" and ref.canonical.startswith("DARS-NIC-"):
                assert canonical_reference(ref.text) == ref.canonical, ref.text
                seen += 1
    assert seen >= 20


def test_phe_columns_read_by_content_agree_with_the_profile():
    """A second publisher: the PHE 2017/18 CSV, blind headers, content alone."""
    import csv

    rows = list(csv.reader(PHE_CSV.open(encoding="utf-8-sig")))
    headers = rows[0]
    match = match_header(headers)
    blind = assign_columns([f"c{i}" for i in range(len(headers))],
                           score_columns(column_cells(rows[1:], len(headers))))
    got = {c.field: match.fields[c.index] for c in blind if c.field}
    assert got["organisation"] == "organisation"
    assert got["reference"] == "reference"
    assert got["data_provided"] == "data_provided"
    assert got["legal_basis"] == "legal_basis"


def test_content_reading_is_bounded_on_wide_tables(monkeypatch):
    """A 300-column table no profile maps is not scored column by column (no register is
    that wide), and a sheet of many header-like rows is tried a few times only."""
    from extract import sheets
    from extract.errors import UnknownLayout
    from extract.limits import Limits

    scored = []
    real = sheets.score_columns
    monkeypatch.setattr(sheets, "score_columns", lambda cols, *a: scored.append(len(cols)) or real(cols, *a))
    rnd = random.Random(3)
    wide = [",".join(f"word{rnd.randint(0, 99)} text" for _ in range(300)) for _ in range(300)]
    with pytest.raises(UnknownLayout):
        sheets.read_csv("\n".join(wide), Limits())
    assert scored == []
    narrow = [",".join(f"word{rnd.randint(0, 99)} text" for _ in range(6)) for _ in range(300)]
    with pytest.raises(UnknownLayout):
        sheets.read_csv("\n".join(narrow), Limits())
    assert len(scored) == sheets.INFER_TRIES
