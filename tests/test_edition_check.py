"""An edition nobody wrote a profile for, made by hand from real register rows
(tests/editions_check/make_fixture.py): a header over two rows with group headings merged
over the columns they group, and purpose statements under references without prefix or
version, two versions of one agreement printing one reference."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from extract.content_columns import leftmost_purpose
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
            f"none of version {version}); took what all of them say alike: organisation_type"
            in w for w in row.warnings
        ), row.warnings
        assert row.fields.organisation_type == "Supplier"  # both statements say so


def test_first_data_row_under_a_one_row_header_is_not_taken_for_a_second_header():
    top = ["RowID", "Organisation Name", "Type of Data Provided", None, "Frequency"]
    first = ["DSfC0001", "NHS Stockport CCG", "Acute-Local Provider Flows", "Sensitive", "One-Off"]
    assert two_row_header(top, first) is None
    names = ["ID", "Organisation", "Dataset", "Identifiable?", None]
    assert two_row_header(["Release", "Recipient", "Data", None, "Frequency"], names) == [
        "Release ID", "Recipient Organisation", "Data Dataset", "Data Identifiable?", "Frequency"
    ]


PHE_CUT = Path(__file__).resolve().parent.parent / "corpora" / "sheets" / "phe-odr-2017-2020-cut.ods"
# PHE's 2017-2020 columns as a later version might print them: renamed, reordered, a row
# number first; the Technical summary (the phe-odr-2017 profile's purpose) as "Project
# summary", left of the "Lay summary" the generic profile names as a purpose.
PHE_RENAMED = {
    "Date of release": "Date of release",
    "Applicant's organisation": "Recipient",
    "Applicant's organisation type": "Recipient type",
    "ODR reference": "ODR ref",
    "Data source": "Datasets released",
    "Type of data": "Identifiability level",
    "Legal basis for the release of personally identifiable data": "Lawful basis",
    "Technical summary": "Project summary",
    "Lay summary overview:": "Lay summary",
    "Why is this project being conducted?": "Why is this project being done?",
    "Funders and collaborators": "Funders",
}


def test_purpose_is_the_leftmost_column_headed_and_filled_as_one():
    sheet = next(
        t for t in load(str(PHE_CUT)).spreadsheet.getElementsByType(Table)
        if t.getAttribute("name").startswith("Release_Register")
    )
    table = [
        [teletype.extractText(c) for c in r.getElementsByType(TableCell)]
        for r in sheet.getElementsByType(TableRow)
    ]
    head, body = table[0], [r for r in table[1:] if any(r)]
    order = [head.index(h) for h in PHE_RENAMED]
    book = openpyxl.Workbook()
    book.active.append(["Row no.", *PHE_RENAMED.values()])
    for n, r in enumerate(body, 1):
        book.active.append([n, *(r[i] if i < len(r) else None for i in order)])
    out = io.BytesIO()
    book.save(out)
    rows = read_xlsx(out.getvalue(), Limits())
    technical, lay = head.index("Technical summary"), head.index("Lay summary overview:")
    assert len(rows) == len(body) >= 10
    for row, r in zip(rows, body, strict=True):
        assert row.fields.purpose.split() == r[technical].split()
        assert row.fields.extra["Lay summary"].split() == r[lay].split()


def test_purpose_stays_where_the_profile_put_it_when_the_left_column_is_less_surely_prose():
    headers = ["Project summary", "Lay summary"]
    fixed = {1: "purpose"}
    assert leftmost_purpose(fixed, headers, [{"purpose": 0.7}, {"purpose": 0.9}]) == fixed
    assert leftmost_purpose(fixed, headers, [{"purpose": 0.95}, {"purpose": 0.9}]) == {0: "purpose"}
    # a benefit column is never the purpose, however long its prose
    assert leftmost_purpose(fixed, ["Expected benefits", "Lay summary"], [{"purpose": 1.0}, {"purpose": 0.5}]) == fixed


def _edition_bytes(purpose_ref, release_ref=None) -> bytes:
    """The fixture with the statements' and (optionally) the releases' references rewritten."""
    book = openpyxl.load_workbook(FIXTURE)
    for row in book["Agreement purposes"].iter_rows(min_row=2):
        row[0].value = purpose_ref(row[0].value)
    if release_ref is not None:
        for row in book["Register"].iter_rows(min_row=5):
            row[7].value = release_ref(row[7].value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_statement_under_the_agreement_number_alone_is_joined(edition):
    _, statements, _ = edition
    # "NIC 110660 G9W6M" -> "NIC 110660", as the brief's "NIC 123456"
    rows = read_xlsx(_edition_bytes(lambda ref: " ".join(ref.split()[:2])), Limits())
    joined = [r for r in rows if r.fields.reference.startswith("DARS-NIC-110660")]
    assert len(joined) == 6
    for row in joined:
        assert row.fields.purpose.split() == statements["NIC 110660 G9W6M"].split()
    assert all(r.fields.purpose is None for r in rows if "392201" in r.fields.reference)


def test_a_release_printing_no_version_is_told_why_it_was_not_joined():
    versions = iter(["0.4", "1.3"] + ["9.9"] * 20)
    rows = read_xlsx(
        _edition_bytes(
            lambda ref: f"{ref} v{next(versions)}" if "392201" in ref else ref,
            lambda ref: ref.rsplit("-v", 1)[0],
        ),
        Limits(),
    )
    unjoined = [r for r in rows if "392201" in r.fields.reference]
    assert len(unjoined) == 4
    for row in unjoined:
        assert row.fields.purpose is None and row.needs_review
        assert any(
            "2 rows for agreement DARS-NIC-392201-S6C3W, and this row prints no version" in w
            for w in row.warnings
        ), row.warnings
    assert all(r.fields.purpose for r in rows if "110660" in r.fields.reference)


def test_bilingual_headers_and_data_sets_listed_in_one_cell(edition):
    """One row per release with its agreement's data sets listed in one cell, and each
    header printed in Welsh and English, as Welsh publishers print them."""
    releases, _, _ = edition
    listed: dict[str, list[str]] = {}
    for r in releases:
        listed.setdefault(r[7], []).append(r[2])
    book = openpyxl.Workbook()
    book.active.append([
        "Sefydliad / Organisation", "Setiau data / Datasets", "Amlder / Frequency",
        "Sensitifrwydd / Sensitivity", "Sail gyfreithiol / Legal basis", "Cyfeirnod / Reference",
    ])
    for r in releases:
        book.active.append([r[1], "; ".join(listed[r[7]]), r[6], r[4], r[5], r[7]])
    out = io.BytesIO()
    book.save(out)
    rows = read_xlsx(out.getvalue(), Limits())
    assert len(rows) == len(releases)
    for row, r in zip(rows, releases, strict=True):
        f = row.fields
        assert (f.organisation, f.frequency, f.sensitivity, f.legal_basis) == (r[1], r[6], r[4], r[5])
        assert f.data_type == "; ".join(listed[r[7]]) and f.reference == r[7]
        assert not row.warnings and not row.needs_review  # each header and its cells agree


@pytest.mark.parametrize(("header", "read"), [("Date added", False), ("Record created", False),
                                              ("Published", False), ("Released on", True)])
def test_a_bookkeeping_date_is_no_release_date(edition, header, read):
    """An edition's own metadata dates hold dates like a release date column; only the
    header tells them apart."""
    releases, _, _ = edition
    book = openpyxl.Workbook()
    book.active.append(["Recipient", "Datasets released", "Release type", "Agreement", header])
    for n, r in enumerate(releases):
        book.active.append([r[1], r[2], r[6], r[7], dt.date(2019, 12, 1 + n)])
    out = io.BytesIO()
    book.save(out)
    rows = read_xlsx(out.getvalue(), Limits())
    assert len(rows) == len(releases)
    for n, row in enumerate(rows):
        assert row.fields.data_type == releases[n][2]
        if read:
            assert row.fields.date_released == f"2019-12-{1 + n:02d}"
        else:
            assert row.fields.date_released is None
            assert row.fields.extra[header] == f"2019-12-{1 + n:02d}"


def test_an_objective_unchanged_between_versions_is_taken_when_the_version_cannot_be_told(edition):
    _, statements, _ = edition
    book = openpyxl.load_workbook(FIXTURE)
    sheet = book["Agreement purposes"]
    first = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "NIC 110660 G9W6M")
    # a second statement of 110660 (another version, printed without it): same objective,
    # another organisation type
    sheet.append(["NIC 110660 G9W6M", first[1].value, first[2].value, "Other"])
    out = io.BytesIO()
    book.save(out)
    rows = [r for r in read_xlsx(out.getvalue(), Limits()) if "110660" in r.fields.reference]
    assert len(rows) == 6
    for row in rows:
        assert row.fields.purpose.split() == statements["NIC 110660 G9W6M"].split()
        assert row.fields.organisation_type is None and row.needs_review
        assert any("took what all of them say alike: purpose" in w for w in row.warnings)
