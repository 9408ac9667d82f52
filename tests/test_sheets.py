"""Spreadsheet editions (XLSX, ODS, CSV) -> rows: real registers, and hostile files built here.

Expected values are computed independently of extract.sheets: plain openpyxl, odfpy and
the csv module read the same files, and the tests compare texts with all whitespace removed
(so the record contract's line joining is not re-implemented here).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from extract.detect import decode_text
from extract.errors import DocumentTooLarge, ExtractError, UnknownLayout, UnreadableDocument
from extract.limits import Limits
from extract.sheets import MAX_COLUMNS, read_csv, read_ods, read_xlsx, sniff_delimiter

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "corpora" / "sheets"
RAW = ROOT.parent / "shared" / "corpora-raw"  # the read-only reference data beside the repo
NHSD = RAW / "nhs-digital-release-register-2021-02" / "1. releaseregister_20210201_20210228.xlsx"
PHE_ODS = next((RAW / "phe-data-release-register-2017-2020").glob("*.ods"), None)
PHE_CSVS = RAW / "phe-data-release-register-2014-2018"
LIMITS = Limits()

needs_raw = pytest.mark.skipif(not NHSD.exists(), reason="raw registers not on this machine")


def squash(text: object) -> str:
    return "".join(str(text).split()) if text is not None else ""


def openpyxl_table(data: bytes, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return rows


# --- NHS Digital monthly workbook: DataReleases joined to PurposeStatements -------------------


@pytest.fixture(scope="module")
def nhsd() -> tuple[list, dict[str, tuple], list]:
    """The 2021 workbook read once: plain openpyxl's releases and statements, and our rows."""
    if not NHSD.exists():
        pytest.skip("raw registers not on this machine")
    data = NHSD.read_bytes()
    releases = openpyxl_table(data, "DataReleases")
    statements = {
        r[0]: (number, *r) for number, r in enumerate(openpyxl_table(data, "PurposeStatements"), 1)
    }
    return releases, statements, read_xlsx(data, LIMITS)


@needs_raw
def test_every_data_release_comes_out_with_its_purpose_statement(nhsd):
    releases, statements, rows = nhsd
    releases = [r for r in releases[1:] if any(r)]
    assert len(releases) == 5079 and len(statements) - 1 == 585
    assert len(rows) == len(releases)
    squashed = {key: (squash(s[3]), squash(s[4]), s[8]) for key, s in statements.items()}
    for row, release in zip(rows, releases, strict=True):
        objective, activities, organisation_type = squashed[release[8]]
        assert row.fields.row_id == release[0]
        assert row.fields.reference == release[8].strip()
        assert squash(row.fields.purpose) == objective
        assert row.fields.organisation_type == organisation_type
        assert squash(row.fields.extra.get("Processing Activities")) == activities
        assert not row.warnings


@needs_raw
def test_nhs_digital_rows_say_which_sheet_and_row_each_cell_came_from(nhsd):
    _, statements, rows = nhsd
    statement_rows = {key: s[0] for key, s in statements.items()}
    row = rows[1000]
    assert row.layout == "nhs-digital-monthly"
    assert row.cells["organisation"].sheet == "DataReleases"
    assert row.cells["organisation"].lines == (1002, 1002)  # header is row 1, rows[0] is row 2
    purpose = row.cells["purpose"]
    assert purpose.sheet == "PurposeStatements"
    assert purpose.lines == (statement_rows[row.fields.reference],) * 2


def test_fixture_cut_joins_and_keeps_publisher_columns_in_extra():
    data = (FIXTURES / "nhs-digital-2021-02-cut.xlsx").read_bytes()
    rows = read_xlsx(data, LIMITS)
    releases = openpyxl_table(data, "DataReleases")
    assert len(rows) == len(releases) - 1 == 40
    first = rows[0]
    assert first.fields.organisation == "NHS Stockport CCG"
    assert first.fields.data_provided == "Anonymised - ICO code compliant"
    assert first.fields.organisation_type == "Clinical Commissioning Group (CCG)"
    assert first.fields.purpose.startswith("INVOICE VALIDATION Invoice validation is part of")
    assert set(first.fields.extra) >= {
        "Patient Opt-Outs applied",
        "Common law duty of confidentiality",
    }


def test_a_reference_without_purpose_statement_is_flagged_not_dropped():
    book = _workbook(
        {
            "DataReleases": [
                ["RowID", "Organisation Name", "Type of Data Provided", "NIC Number"],
                ["R1", "Org A", "HES", "NIC-1"],
                ["R2", "Org B", "SUS", "NIC-2"],
            ],
            "PurposeStatements": [
                [
                    "Reference Number",
                    "Organisation",
                    "Objective for Processing",
                    "Yielded Benefits",
                ],
                ["NIC-1", "ORG A", "Commissioning", "Fewer readmissions"],
            ],
        }
    )
    rows = read_xlsx(book, LIMITS)
    assert [r.fields.purpose for r in rows] == ["Commissioning", None]
    assert rows[0].fields.extra == {"Yielded Benefits": "Fewer readmissions"}
    assert rows[0].fields.organisation == "Org A"  # the release's own cell wins
    assert not rows[0].needs_review
    assert rows[1].needs_review
    assert rows[1].warnings == [
        "reference 'NIC-2' has no row in sheet 'PurposeStatements' to complete this row from"
    ]


# --- PHE: ODS 2017-2020 and CSV 2014-2018 -----------------------------------------------------


def odfpy_register_rows(path: Path, sheet: str) -> list[list[str]]:
    """Rows of one ODS sheet as odfpy reads them (independent of extract.sheets)."""
    from odf import teletype
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = load(str(path))
    table = next(
        t
        for t in document.spreadsheet.getElementsByType(Table)
        if t.getAttrNS(TABLENS, "name") == sheet
    )
    rows = []
    for row in table.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell)[:20]:
            cells.append("\n".join(teletype.extractText(p) for p in cell.getElementsByType(P)))
        if any(c.strip() for c in cells):
            rows.append(cells)
    return rows


@pytest.mark.skipif(PHE_ODS is None, reason="raw registers not on this machine")
def test_phe_ods_register_every_row_with_technical_summary_as_purpose():
    expected = odfpy_register_rows(PHE_ODS, "Release_Register_Apr17-Sept20")
    header, body = expected[0], expected[1:]
    assert len(body) == 452
    rows = read_ods(PHE_ODS.read_bytes(), LIMITS)
    assert len(rows) == 452
    assert {r.layout for r in rows} == {"phe-odr-2017"}
    technical, lay = header.index("Technical summary"), header.index("Lay summary overview:")
    for row, cells in zip(rows, body, strict=True):
        assert row.fields.reference == cells[0].strip()
        assert squash(row.fields.organisation) == squash(cells[1])
        assert squash(row.fields.organisation_type) == squash(cells[2])
        assert squash(row.fields.purpose) == squash(cells[technical])
        assert squash(row.fields.extra.get("Lay summary overview:")) == squash(cells[lay])


def test_phe_ods_fixture_rows_and_provenance():
    path = FIXTURES / "phe-odr-2017-2020-cut.ods"
    rows = read_ods(path.read_bytes(), LIMITS)
    expected = odfpy_register_rows(path, "Release_Register_Apr17-Sept20")[1:]
    assert [r.fields.reference for r in rows] == [c[0] for c in expected]
    assert rows[0].fields.reference == "ODR1617_278"
    assert rows[0].fields.date_released == "10/04/2017"
    assert rows[0].cells["reference"].sheet == "Release_Register_Apr17-Sept20"
    assert rows[0].cells["reference"].lines == (2, 2)


@pytest.mark.skipif(not PHE_CSVS.exists(), reason="raw registers not on this machine")
@pytest.mark.parametrize(
    "name, count", [("PHE14-15.csv", 65), ("PHE15-16.csv", 76), ("PHE16-17.csv", 73),
                    ("PHE17-18.csv", 25), ("PHE.csv", 239)]
)  # fmt: skip
def test_phe_csv_editions_map_every_row(name, count):
    text = decode_text((PHE_CSVS / name).read_bytes())
    records = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True)][1:]
    records = [r for r in records if any(c.strip() for c in r)]
    assert len(records) == count
    rows = read_csv(text, LIMITS)
    assert {r.layout for r in rows} == {"phe-odr-2014"}
    reference, organisation = (2, 3) if name == "PHE.csv" else (1, 2)
    assert [r.fields.reference for r in rows] == [c[reference].strip() or None for c in records]
    assert [squash(r.fields.organisation) for r in rows] == [
        squash(c[organisation]) for c in records
    ]
    assert all(r.fields.purpose and r.fields.organisation_type for r in rows)


def test_csv_rows_carry_their_text_lines_across_multi_line_cells():
    text = decode_text((FIXTURES / "phe-odr-2017-18.csv").read_bytes())
    rows = read_csv(text, LIMITS)
    reader = csv.reader(io.StringIO(text))
    spans, last = [], 0
    for record in reader:
        spans.append((last + 1, reader.line_num))
        last = reader.line_num
    assert [r.cells["reference"].lines for r in rows] == spans[1:]
    assert any(first < last for first, last in spans)  # the fixture does have multi-line cells
    assert rows[0].cells["reference"].sheet is None


# --- other registers' CSV exports: which map, which are refused --------------------------------


@pytest.mark.skipif(not RAW.exists(), reason="raw registers not on this machine")
@pytest.mark.parametrize(
    "path, count, field, header",
    [
        ("cprd-approved-studies/5. CPRD_links.csv", 899, "purpose", "Lay Summary"),
        ("alspac-proposals/10. proposal_bristol.csv", 2756, "title", "Title of project"),
        ("slam-cris-projects/11. slam_nhs.csv", 420, "purpose", "Lay Summary"),
        ("nihr-bioresource-studies/9. NIHR Bioresources.csv", 113, "reference", "Study Code"),
    ],
)
def test_project_list_registers_map(path, count, field, header):
    text = decode_text((RAW / path).read_bytes())
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == count
    rows = read_csv(text, LIMITS)
    assert {r.layout for r in rows} == {"project-list"}
    got = [squash(getattr(r.fields, field)) for r in rows]
    want = [squash(r[header].removeprefix("Study code\n")) for r in table]
    assert got == want


@pytest.mark.skipif(not RAW.exists(), reason="raw registers not on this machine")
@pytest.mark.parametrize(
    "path, shown",
    [
        ("hscni-honest-broker-service/3. hsc_business.csv", "'Current Research Projects'"),
        ("hdruk-data-use-register-spec/Preprint Dataset 1*.csv", "'Check to be Made'"),
        ("hdruk-data-use-register-spec/Specification*.csv", "'5 Safes', 'Field', 'Definition'"),
        ("hdruk-data-use-register-spec/Recommendations*.csv", "'Field'"),
        ("nhs-data-uses-register-agreements-sample/agreement-labels-sample.csv", "'repo_path'"),
        ("theysolditanyway/INDEX.csv", "'folder', 'file', 'url'"),
    ],
)  # fmt: skip
def test_tables_that_are_not_registers_are_refused_with_their_headers(path, shown):
    with pytest.raises(UnknownLayout, match="has no register header") as caught:
        read_csv(decode_text(next(RAW.glob(path)).read_bytes()), LIMITS)
    assert shown in str(caught.value)


@pytest.mark.skipif(not RAW.exists(), reason="raw registers not on this machine")
def test_workbooks_that_are_not_registers_are_refused_naming_every_sheet():
    data = next((RAW / "hdruk-data-use-register-spec").glob("Commonality*.xlsx")).read_bytes()
    with pytest.raises(UnknownLayout, match="no sheet has a register header") as caught:
        read_xlsx(data, LIMITS)
    for sheet in ("'Sheet1'", "'Sheet2'", "'Scrappd Data Analysis'"):
        assert sheet in str(caught.value)


# --- finding the table; unknown headers; cell values -----------------------------------------


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_header_below_title_rows_is_found_and_other_sheets_skipped():
    data = _workbook(
        {
            "Notes": [["This register lists releases"], ["Contact: odr@example.org"]],
            "Register": [
                ["Data release register 2019"],
                [],
                ["Published by the custodian", None],
                ["Row ID", "Organisation Name", "Purpose", "Colour", "Date of release", "Count"],
                [7, "Org A", "Research\ninto  things", "blue", dt.datetime(2019, 4, 2), 3.0],
                [None, None, None, None, None, None],
                [8, "Org B", "Audit", None, dt.datetime(2019, 4, 3, 14, 30), 2.5],
            ],
        }
    )
    rows = read_xlsx(data, LIMITS)
    assert [r.fields.row_id for r in rows] == ["7", "8"]
    assert rows[0].fields.purpose == "Research into things"
    assert rows[0].fields.date_released == "2019-04-02"
    assert rows[1].fields.date_released == "2019-04-03 14:30:00"
    assert rows[0].fields.extra == {"Colour": "blue", "Count": "3"}
    assert rows[1].fields.extra == {"Count": "2.5"}
    assert [r.cells["organisation"].lines for r in rows] == [(5, 5), (7, 7)]
    assert {r.layout for r in rows} == {"generic"}


def test_workbook_without_register_header_names_its_sheets_and_headers():
    data = _workbook({"Summary": [["Quarter", "Count"], ["Q1", 4]], "Blank": []})
    with pytest.raises(UnknownLayout) as caught:
        read_xlsx(data, LIMITS)
    message = str(caught.value)
    assert "sheet 'Summary' (headers 'Quarter', 'Count')" in message
    assert "sheet 'Blank' (empty)" in message
    assert "extract/profiles/" in message


# --- CSV dialects --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed_through_multi_line_quoted_cells(delimiter):
    text = (
        delimiter.join(["Organisation", "Purpose", "Legal basis"]) + "\n"
        + delimiter.join(["Org A", '"Line one, with commas; and semicolons\nline two"', "s251"])
        + "\n" + delimiter.join(["Org B", "Audit", "Consent"]) + "\n"
    )  # fmt: skip
    assert sniff_delimiter(text) == delimiter
    rows = read_csv(text, LIMITS)
    assert [r.fields.organisation for r in rows] == ["Org A", "Org B"]
    assert rows[0].fields.purpose == "Line one, with commas; and semicolons line two"
    assert rows[0].cells["purpose"].lines == (2, 3)


def test_csv_title_line_above_a_semicolon_table():
    text = (
        "PHE register, 2019 edition\n\nOrganisation;Purpose\nOrg A;Audit, local\nOrg B;Research\n"
    )
    assert sniff_delimiter(text) == ";"
    rows = read_csv(text, LIMITS)
    assert [(r.fields.organisation, r.fields.purpose) for r in rows] == [
        ("Org A", "Audit, local"),
        ("Org B", "Research"),
    ]
    assert rows[0].cells["organisation"].lines == (4, 4)


def test_csv_with_bom_cp1252_and_ragged_rows():
    raw = (  # Windows-1252: \xe9 is é, \x96 an en dash
        b"Organisation,Purpose,Legal basis\r\n"
        b"Caf\xe9 Trust,Research \x96 cancer,s251\r\n"
        b"Org B,Audit\r\n"
        b"Org C,Audit,Consent,stray,\r\n"
    )
    rows = read_csv(decode_text(raw), LIMITS)
    assert rows[0].fields.organisation == "Café Trust"
    assert rows[0].fields.purpose == "Research – cancer"
    assert rows[1].fields.legal_basis is None and not rows[1].warnings
    assert rows[2].fields.extra == {"column 4": "stray"}
    assert rows[2].warnings == [
        "row 4 of the CSV table has cells past the header's 3 columns: kept in extra as column 4"
    ]
    assert read_csv("\ufeffOrganisation,Purpose\nA,B\n", LIMITS)[0].fields.organisation == "A"


def test_repeated_header_rows_of_concatenated_exports_are_not_records():
    text = "Organisation,Purpose\nA,x\nOrganisation,Purpose\nB,y\n"
    assert [r.fields.organisation for r in read_csv(text, LIMITS)] == ["A", "B"]


# --- bounds and hostile input --------------------------------------------------------------


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip built by hand: (name, stored bytes, crc, declared size, method) per member."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, payload, crc, size, method in members:
        offset = out.tell()
        encoded = name.encode()
        fields = (20, 0, method, 0, 0, crc, len(payload), size, len(encoded), 0)
        out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + encoded + payload)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<HHHHHHIIIHHHHHII", 20, 20, 0, method, 0, 0, crc, len(payload), size,
                          len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )  # fmt: skip
    directory = central.getvalue()
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), out.tell(), 0)
    return out.getvalue() + directory + b"PK\x05\x06" + end


def _zeros_deflated(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of that many MiB of zeros, built without compressing them all.

    After a full flush the compressor starts afresh, so every 1 MiB block compresses to
    the same bytes: one block's output repeated is a valid stream of the whole.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = bytes(1 << 20)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return piece * megabytes + compressor.flush(), crc


def test_zip_bomb_posing_as_xlsx_is_refused_before_inflating():
    stream, crc = _zeros_deflated(1024)  # 1 GiB of zeros in about 1 MB
    bomb = _raw_zip(
        [
            ("[Content_Types].xml", b"<Types/>", zlib.crc32(b"<Types/>"), 8, 0),
            ("xl/workbook.xml", b"<workbook/>", zlib.crc32(b"<workbook/>"), 11, 0),
            ("xl/worksheets/sheet1.xml", stream, crc, 1 << 30, 8),
        ]
    )
    assert len(bomb) < 2_000_000
    with pytest.raises(DocumentTooLarge, match="zip bomb"):
        read_xlsx(bomb, LIMITS)


def test_compression_ratio_is_bounded_even_under_the_size_limit():
    stream, crc = _zeros_deflated(64)
    bomb = _raw_zip([("xl/worksheets/sheet1.xml", stream, crc, 64 << 20, 8)])
    with pytest.raises(DocumentTooLarge, match="compresses .* to 1"):
        read_xlsx(bomb, LIMITS)


def test_member_lying_about_its_size_is_caught_by_bounded_inflation():
    stream, crc = _zeros_deflated(8)
    liar = _raw_zip([("xl/worksheets/sheet1.xml", stream, crc, 1000, 8)])
    with pytest.raises(DocumentTooLarge, match="inflates past its declared 1,000 bytes"):
        read_xlsx(liar, LIMITS)


def test_corrupt_workbooks_are_unreadable_not_crashes():
    good = _workbook({"R": [["Organisation", "Purpose"], ["A", "B"]]})
    with pytest.raises(UnreadableDocument, match="damaged zip"):
        read_xlsx(good[: len(good) // 2], LIMITS)
    broken = _rewrite_member(good, "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2])
    with pytest.raises(UnreadableDocument, match="damaged XLSX workbook"):
        read_xlsx(broken, LIMITS)


def test_rows_are_bounded_by_the_row_limit():
    text = "Organisation,Purpose\n" + "".join(f"Org {i},Audit\n" for i in range(500))
    assert len(read_csv(text, Limits(max_rows=500))) == 500
    with pytest.raises(DocumentTooLarge, match="499-row limit"):
        read_csv(text, Limits(max_rows=499))
    data = _workbook({"R": [["Organisation", "Purpose"]] + [[f"Org {i}", "x"] for i in range(50)]})
    with pytest.raises(DocumentTooLarge, match="row limit"):
        read_xlsx(data, Limits(max_rows=10))


def _ods(content_rows: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    content = (
        prolog
        + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="Register">'
        f"{content_rows}</table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _ods_row(*cells: str, repeat_rows: int = 1) -> str:
    body = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
        if c else "<table:table-cell/>"
        for c in cells
    )  # fmt: skip
    return f'<table:table-row table:number-rows-repeated="{repeat_rows}">{body}</table:table-row>'


def test_ods_repeats_are_expanded_where_they_carry_text_and_skipped_where_empty():
    huge_empty_tail = '<table:table-cell table:number-columns-repeated="16384"/>'
    rows = (
        _ods_row("Organisation", "Purpose", "Legal basis").replace(
            "</table:table-row>", huge_empty_tail + "</table:table-row>"
        )
        + _ods_row("", "", repeat_rows=1_048_000)
        + '<table:table-row><table:table-cell><text:p>Org<text:s text:c="2"/>A</text:p>'
        "<text:p>Ltd</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="2" office:value-type="string">'
        "<text:p>same</text:p></table:table-cell></table:table-row>"
        + _ods_row("Org B", "Audit", "Consent", repeat_rows=2)
    )
    result = read_ods(_ods(rows), LIMITS)
    assert [r.fields.organisation for r in result] == ["Org A Ltd", "Org B", "Org B"]
    assert result[0].fields.purpose == result[0].fields.legal_basis == "same"
    assert [r.cells["organisation"].lines[0] for r in result] == [1_048_002, 1_048_003, 1_048_004]


def test_ods_repeated_rows_count_against_the_row_limit():
    rows = _ods_row("Organisation", "Purpose") + _ods_row("Org", "Audit", repeat_rows=1_000_000)
    with pytest.raises(DocumentTooLarge, match="row limit"):
        read_ods(_ods(rows), Limits(max_rows=1000))


def test_ods_entity_expansion_is_refused():
    prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    data = _ods(_ods_row("Organisation", "Purpose"), prolog)
    with pytest.raises(UnreadableDocument, match="damaged ODS"):
        read_ods(data, LIMITS)


def test_reading_is_deterministic():
    data = (FIXTURES / "phe-odr-2017-2020-cut.ods").read_bytes()
    assert [r.model_dump() for r in read_ods(data, LIMITS)] == [
        r.model_dump() for r in read_ods(data, LIMITS)
    ]


def test_ods_comments_and_line_breaks_in_cells():
    rows = (
        _ods_row("Organisation", "Purpose")
        + "<table:table-row><table:table-cell><office:annotation><text:p>check this</text:p>"
        "</office:annotation><text:p>Org A</text:p></table:table-cell><table:table-cell>"
        "<text:p>Line<text:line-break/>broken<text:tab/>tabbed</text:p></table:table-cell>"
        "</table:table-row>"
    )
    [row] = read_ods(_ods(rows), LIMITS)
    assert row.fields.organisation == "Org A"
    assert row.fields.purpose == "Line broken tabbed"


def _rewrite_member(data: bytes, name: str, edit) -> bytes:
    archive, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info in archive.infolist():
            body = archive.read(info.filename)
            rewritten.writestr(info.filename, edit(body) if info.filename == name else body)
    return out.getvalue()


def test_a_stale_sheet_dimension_does_not_drop_rows():
    data = _workbook({"R": [["Organisation", "Purpose"], ["A", "x"], ["B", "y"], ["C", "z"]]})
    stale = _rewrite_member(
        data, "xl/worksheets/sheet1.xml", lambda b: b.replace(b'ref="A1:B4"', b'ref="A1:B2"')
    )
    assert stale != data
    book = openpyxl.load_workbook(io.BytesIO(stale), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 2  # what trusting it gives
    book.close()
    assert [r.fields.organisation for r in read_xlsx(stale, LIMITS)] == ["A", "B", "C"]


def test_ods_absurd_column_repeats_are_capped_not_allocated():
    rows = _ods_row("Organisation", "Purpose") + (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Org</text:p>'
        '</table:table-cell><table:table-cell table:number-columns-repeated="3"/>'
        '<table:table-cell table:number-columns-repeated="4000000000" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    [row] = read_ods(_ods(rows), LIMITS)
    assert row.fields.organisation == "Org" and row.fields.purpose is None
    # columns 5.. of a row cut at MAX_COLUMNS, past the 2-column header: extra, with a warning
    assert list(row.fields.extra) == [f"column {i}" for i in range(5, MAX_COLUMNS + 1)]
    assert len(row.warnings) == 1


def test_xlsx_entity_expansion_is_refused_quickly():
    laughs = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lollollollollol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i + 1, b"&l%d;" % i * 10) for i in range(9)
    ) + b"]>"  # fmt: skip
    data = _workbook({"R": [["Organisation", "Purpose"], ["A", "x"]]})
    bomb = _rewrite_member(
        data, "xl/worksheets/sheet1.xml", lambda b: laughs + b.replace(b"<t>A</t>", b"<t>&l9;</t>")
    )
    with pytest.raises(UnreadableDocument, match="damaged XLSX workbook"):
        read_xlsx(bomb, LIMITS)


def test_truncated_ods_content_is_unreadable():
    good = _ods(_ods_row("Organisation", "Purpose") + _ods_row("Org", "Audit"))
    assert len(read_ods(good, LIMITS)) == 1
    broken = _rewrite_member(good, "content.xml", lambda b: b[: len(b) // 2])
    with pytest.raises(UnreadableDocument, match="damaged ODS workbook"):
        read_ods(broken, LIMITS)


def test_a_cell_past_the_csv_modules_default_field_limit_is_read():
    purpose = "research " * 30_000  # 270 KB: over the csv module's 128 KiB default
    [row] = read_csv(f'Organisation,Purpose\nOrg A,"{purpose}"\n', LIMITS)
    assert row.fields.purpose == purpose.strip()


def test_reading_a_csv_leaves_the_process_wide_field_limit_alone():
    before = csv.field_size_limit(1000)  # as another library in the process might set it
    try:
        assert read_csv("Organisation,Purpose\nOrg A,Audit\n", LIMITS)
        assert csv.field_size_limit() == 1000
    finally:
        csv.field_size_limit(before)


# --- a register header with no rows under it ------------------------------------------------

NO_ROWS = "found the register header \\(profile {} at row {} of {}\\) but no data rows"


@pytest.mark.parametrize(
    "text, row",
    [("Organisation,Purpose,Legal basis\r\n", 1),
     ("Organisation,Purpose,Legal basis\n,,\n , ,\n,,\n", 1),
     ("Data release register 2019\n\nOrganisation;Purpose;Legal basis\n", 3)],
)  # fmt: skip
def test_a_csv_header_without_rows_fails_saying_so(text, row):
    with pytest.raises(ExtractError, match=NO_ROWS.format("generic", row, "the CSV table")) as e:
        read_csv(text, LIMITS)
    assert not isinstance(e.value, UnknownLayout)  # the layout is known; the rows are missing


def test_a_workbook_header_without_rows_fails_naming_its_sheet():
    data = _workbook(
        {
            "Notes": [["This register lists releases"]],
            "Register": [["Register 2019"], [], ["Organisation Name", "Purpose", "Legal basis"]],
        }
    )
    with pytest.raises(ExtractError, match=NO_ROWS.format("generic", 3, "sheet 'Register'")):
        read_xlsx(data, LIMITS)
    ods = _ods(_ods_row("Organisation", "Purpose") + _ods_row("", "", repeat_rows=5000))
    with pytest.raises(ExtractError, match=NO_ROWS.format("generic", 1, "sheet 'Register'")):
        read_ods(ods, LIMITS)
