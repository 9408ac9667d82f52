"""An edition nobody wrote a profile for, made by hand from real register rows
(tests/editions_check/make_fixture.py): a header over two rows with group headings merged
over the columns they group, and purpose statements under references without prefix or
version, two versions of one agreement printing one reference."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from extract.limits import Limits
from extract.sheets import read_xlsx, two_row_header

FIXTURE = Path(__file__).resolve().parent / "editions_check" / "nhsd-merged-header.xlsx"


@pytest.fixture(scope="module")
def edition():
    book = openpyxl.load_workbook(FIXTURE)
    releases = [[c.value for c in r] for r in book["Register"].iter_rows(min_row=5)]
    statements = {r[0].value: r[2].value for r in book["Agreement purposes"].iter_rows(min_row=2)}
    return releases, statements, read_xlsx(FIXTURE.read_bytes(), Limits())


def test_second_header_row_is_no_record_and_columns_are_read(edition):
    releases, _, rows = edition
    assert len(rows) == len(releases) == 10  # the "ID, Organisation, Dataset ..." row is no record
    for row, release in zip(rows, releases, strict=True):
        f = row.fields
        assert (f.row_id, f.organisation, f.data_type, f.data_provided) == tuple(release[:4])
        assert (f.sensitivity, f.legal_basis, f.frequency, f.reference) == tuple(release[4:8])
        assert row.needs_review  # content decided columns: the record says so
    assert [r.cells["organisation"].lines for r in rows[:2]] == [(5, 5), (6, 6)]


def test_merged_group_heading_names_each_column_it_groups(edition):
    *_, rows = edition
    warnings = rows[0].warnings
    assert any("column 'Data Identifiable?'" in w for w in warnings), warnings
    assert not any("column 4" in w for w in warnings)  # no column left nameless


def test_statement_under_reference_without_prefix_or_version_is_joined(edition):
    _, statements, rows = edition
    joined = [r for r in rows if r.fields.reference.startswith("DARS-NIC-110660")]
    assert len(joined) == 6
    for row in joined:
        assert row.fields.purpose.split() == statements["NIC 110660 G9W6M"].split()


def test_two_versions_printed_as_one_reference_are_not_guessed_and_the_warning_counts_them(edition):
    *_, rows = edition
    versions = [r for r in rows if r.fields.reference.startswith("DARS-NIC-392201")]
    assert len(versions) == 4
    for row in versions:
        assert row.fields.purpose is None and row.needs_review
        version = row.fields.reference.rsplit("-v", 1)[1]
        assert any(
            "2 rows for agreement DARS-NIC-392201-S6C3W (they print no version), "
            f"none of version {version}" in w for w in row.warnings
        ), row.warnings


def test_first_data_row_under_a_one_row_header_is_not_taken_for_a_second_header():
    top = ["RowID", "Organisation Name", "Type of Data Provided", None, "Frequency"]
    first = ["DSfC0001", "NHS Stockport CCG", "Acute-Local Provider Flows", "Sensitive", "One-Off"]
    assert two_row_header(top, first) is None
    names = ["ID", "Organisation", "Dataset", "Identifiable?", None]
    assert two_row_header(["Release", "Recipient", "Data", None, "Frequency"], names) == [
        "Release ID", "Recipient Organisation", "Data Dataset", "Data Identifiable?", "Frequency"
    ]
