"""Render real register rows into register-like PDFs, with golden rows, through LibreOffice.

Each spec below builds one spreadsheet the way publishers print their registers
(openpyxl: wrapped, bottom-aligned cells; organisation and purpose merged over the
rows of one release; a header repeated by print titles or printed once; ruled grid or
no rules; landscape or portrait, fitted to the page width) and prints it to PDF with
LibreOffice (``lo_render.py``: headless ``soffice`` over UNO, so rows get their optimal
height first, which ``soffice --convert-to pdf`` of an openpyxl workbook does not do). The golden rows are the generator's input, so
they do not depend on any PDF reader.

    python corpora/tools/render_pdfs.py --raw ../shared/corpora-raw --out corpora/pdfs

Needs LibreOffice (``soffice``) only when regenerating; the outputs are committed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

NHSD_WORKBOOK = "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx"
PHE_CSV = "phe-data-release-register-2014-2018/PHE15-16.csv"
# Long purpose statements (median 6,000 characters) would make rows taller than a page,
# which no spreadsheet prints faithfully; cells are cut at a word boundary instead.
MAX_CELL_CHARS = 360
MAX_BLOCK_ROWS = 5
SYSTEM_PYTHON = "/usr/bin/python3"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    header: str
    field: str | None  # record field the reader should map it to; None: fields.extra
    width: float  # spreadsheet column width (characters)
    source: str  # key in the source row


@dataclass(frozen=True)
class Spec:
    name: str
    source: str  # "nhsd" (DataReleases + objectives), "purposes" (PurposeStatements), "phe"
    columns: tuple[Column, ...]
    rows: int
    skip: int = 0
    ruled: bool = True
    font: str = "Liberation Sans"
    size: float = 9
    landscape: bool = True
    print_titles: bool = True
    title: str = ""  # a title row above the header, merged across the table
    preamble: tuple[str, ...] = ()  # prose paragraphs between the title and the header
    after: tuple[str | tuple[str, ...], ...] = ()  # after the last row: prose (str), or
    # values typed in the table's own columns, A, B, … (tuple), as a key or glossary is
    after_gap: bool = True  # a blank row between the last row and what follows it
    after_new_page: bool = False  # the prose after the table starts a page of its own
    footer: str = ""  # page footer (LibreOffice codes: &P page, &N pages)
    footer_left: bool = False  # footer at the left margin, under the first columns
    keep_breaks: bool = False  # print the source's line and paragraph breaks inside cells
    numeric_ids: bool = False  # row ids as numbers, right-aligned as spreadsheets print them
    widths: tuple[float, ...] = ()  # column widths other than the layout's
    merged: tuple[str, ...] = ("organisation", "purpose")
    row_ids: str = "source"  # "source": the source's own id; "count": 1, 2, 3 as HSCIC printed
    notes: str = ""
    extra_options: dict[str, str] = field(default_factory=dict)
    valign: str = "bottom"  # the cells' vertical alignment: "bottom", "top" or "center"


HSCIC = (
    Column("Row ID", "row_id", 6, "row_id"),
    Column("Organisation Name", "organisation", 18, "organisation"),
    Column("Type of Data Provided", "data_type", 22, "data_type"),
    Column("Data provided to customer", "data_provided", 14, "data_provided"),
    Column("Sensitive or Non Sensitive", "sensitivity", 10, "sensitivity"),
    Column("Legal Basis for Provision of Data", "legal_basis", 22, "legal_basis"),
    Column("Purpose", "purpose", 48, "purpose"),
    Column("One off release or on-going releases", "frequency", 10, "frequency"),
)
NHSD = (
    Column("RowID", "row_id", 9, "row_id"),
    Column("Organisation Name", "organisation", 16, "organisation"),
    Column("Type of Data Provided", "data_type", 18, "data_type"),
    Column(
        "Data provided to customer:\nIdentifiable, Anonymised - ICO code compliant, "
        "Aggregated -anonymised",
        "data_provided",
        16,
        "data_provided",
    ),
    Column("Sensitive or Non-Sensitive", "sensitivity", 10, "sensitivity"),
    Column("Legal Basis for Provision of Data (Dissemination)", "legal_basis", 20, "legal_basis"),
    Column("Purpose", "purpose", 40, "purpose"),
    Column("Frequency", "frequency", 9, "frequency"),
    Column("NIC Number", "reference", 14, "reference"),
    Column("Patient Opt-Outs applied", None, 12, "opt_outs"),
    Column("Common law duty of confidentiality", None, 18, "common_law"),
)
PHE = (
    Column("Row ID", "row_id", 7, "row_id"),
    Column("ODR Reference", "reference", 11, "reference"),
    Column("Data Recipient", "organisation", 18, "organisation"),
    Column("Organisation Type", "organisation_type", 14, "organisation_type"),
    Column("Purpose", "purpose", 50, "purpose"),
    Column("Data Source", "data_type", 16, "data_type"),
    Column("Data Type provided to applicant", "data_provided", 14, "data_provided"),
    Column(
        "Legal basis for the release of personally identifiable data",
        "legal_basis",
        14,
        "legal_basis",
    ),
    Column("Date of release", "date_released", 10, "date_released"),
)
PURPOSES = (
    Column("Reference Number", "reference", 16, "reference"),
    Column("Organisation", "organisation", 20, "organisation"),
    Column("Objective for Processing", "purpose", 60, "purpose"),
    Column("Organisation Type", "organisation_type", 14, "organisation_type"),
)
# Another register's vocabulary: only the generic profile's synonyms can map it.
RENAMED = (
    Column("No", "row_id", 7, "row_id"),
    Column("Institution", "organisation", 20, "organisation"),
    Column("Project details", "purpose", 55, "purpose"),
    Column("Dataset", "data_type", 20, "data_type"),
    Column("Legal basis", "legal_basis", 16, "legal_basis"),
    Column("Approval status", None, 12, "opt_outs"),
)

# Prose registers print around their tables (written for these files, in the registers'
# manner; the wording of no real register is copied). "# " marks a heading, "" a blank row.
PREAMBLE = (
    (
        "This register lists every release of identifiable, de-identified and anonymised data"
        " made by the organisation in the period shown, as required by section 260 of the"
        " Health and Social Care Act 2012. Each row is one release; releases made under one"
        " data sharing agreement share the organisation and purpose cells. Terms used in the"
        " register are explained in the notes after the table."
    ),
)
NOTES = (
    "# Notes",
    (
        "Releases are listed in the order in which the data left the organisation. Where one"
        " agreement covers several releases the purpose is printed once for the agreement."
        " Purpose statements longer than the space available are shortened; the full"
        " statement is available on request."
    ),
    (
        "Data released under section 251 of the NHS Act 2006 was released with the support"
        " of the Confidentiality Advisory Group (CAG), which advises the Secretary of State"
        " for Health and Social Care on the use of confidential patient information without"
        " consent. The CAG reference is given in the legal basis where one applies."
    ),
    "# Glossary of terms",
    (
        "HES – Hospital Episode Statistics: records of admitted patient care, outpatient"
        " appointments and A&E attendances at NHS hospitals in England."
    ),
    "ONS – Office for National Statistics; civil registration data (births and deaths).",
    (
        "Section 251 – section 251 of the NHS Act 2006 and the Health Service (Control of"
        " Patient Information) Regulations 2002, which allow confidential patient information"
        " to be used without consent for defined medical purposes."
    ),
    (
        "Sensitive – data that includes sensitive personal data as defined by the Data"
        " Protection Act, for example information about a person's health."
    ),
    "Non Sensitive – data that includes no sensitive fields.",
    (
        "Anonymised – ICO code compliant: data anonymised in line with the Information"
        " Commissioner's Office code of practice on anonymisation."
    ),
    "",
    (
        "Contact: enquiries@nhsdigital.nhs.uk, 0300 303 5678. Published under the Open"
        " Government Licence v3.0."
    ),
)
# A key typed in the table's own columns, term in column A, meaning in column B: it fits
# the column grid, so only the table's own evidence (the row ids) tells it from rows.
KEY = (
    ("Key:",),
    ("HES", "Hospital Episode Statistics"),
    ("ONS", "Office for National Statistics"),
    ("CAG", "Confidentiality Advisory Group"),
    ("DSA", "Data Sharing Agreement"),
    ("SUS", "Secondary Uses Service"),
)
FOOTNOTE = (
    "Page &P of &N — Data Release Register, February 2021. Contains public sector"
    " information licensed under the Open Government Licence v3.0 (OGL)"
)

SPECS = (
    Spec(
        "hscic-ruled",
        "nhsd",
        HSCIC,
        rows=60,
        skip=0,
        row_ids="count",
        notes="HSCIC 8-column layout, ruled grid, Liberation Sans 9pt, landscape",
    ),
    Spec(
        "hscic-unruled",
        "nhsd",
        HSCIC,
        rows=60,
        skip=130,
        ruled=False,
        font="DejaVu Serif",
        size=8,
        row_ids="count",
        notes="HSCIC 8 columns, no rules, DejaVu Serif 8pt",
    ),
    Spec(
        "hscic-unruled-cut",
        "nhsd",
        HSCIC,
        rows=60,
        skip=100,
        ruled=False,
        font="DejaVu Serif",
        size=8,
        row_ids="count",
        notes="HSCIC 8 columns, no rules: a merged purpose cut by the page break",
    ),
    Spec(
        "nhsd-releases-ruled",
        "nhsd",
        NHSD,
        rows=45,
        skip=400,
        size=8,
        merged=("organisation", "purpose", "reference"),
        notes="NHS Digital DataReleases 11 columns, ruled, organisation/purpose/NIC merged",
    ),
    Spec(
        "nhsd-releases-unruled",
        "nhsd",
        NHSD,
        rows=45,
        skip=700,
        ruled=False,
        font="Liberation Serif",
        size=9,
        landscape=True,
        merged=("organisation", "purpose", "reference"),
        notes="NHS Digital DataReleases, no rules, Liberation Serif 9pt",
    ),
    Spec(
        "nhsd-releases-unruled-wide",
        "nhsd",
        NHSD,
        rows=45,
        skip=375,
        ruled=False,
        size=10,
        merged=("organisation", "purpose", "reference"),
        widths=(12.63, 10.8, 20.39, 15.7, 10.77, 14.35, 30.91, 9.0, 11.19, 12.11, 11.2),
        notes="DataReleases, no rules, Liberation Sans 10 over 7 pages; a merged purpose cut"
        " by a page break right on a row's last baseline (only its clipped rest tells)",
    ),
    Spec(
        "phe-unruled-portrait",
        "phe",
        PHE,
        rows=60,
        skip=0,
        ruled=False,
        landscape=False,
        print_titles=False,
        merged=(),
        size=8,
        notes="PHE register, portrait, no rules, header on page 1 only",
    ),
    Spec(
        "phe-ruled-narrow",
        "phe",
        PHE,
        rows=30,
        skip=30,
        font="Liberation Sans Narrow",
        size=9,
        merged=(),
        notes="PHE register, ruled, Liberation Sans Narrow, landscape",
    ),
    Spec(
        "hscic-unruled-titled",
        "nhsd",
        HSCIC,
        rows=50,
        skip=300,
        ruled=False,
        font="Liberation Sans",
        size=8,
        row_ids="count",
        title="Data Release Register - NHS Digital, February 2021 (rows reprinted in HSCIC layout)",
        footer="Page &P of &N",
        numeric_ids=True,
        notes="HSCIC 8 columns, no rules, title row, page footer, right-aligned numeric row ids",
    ),
    Spec(
        "phe-unruled-paragraphs",
        "phe",
        PHE,
        rows=40,
        skip=20,
        ruled=False,
        merged=(),
        font="DejaVu Sans",
        size=8,
        keep_breaks=True,
        notes="PHE register, no rules, purposes printed with their paragraph breaks",
    ),
    Spec(
        "purposes-unruled",
        "purposes",
        PURPOSES,
        rows=30,
        skip=40,
        ruled=False,
        landscape=False,
        merged=(),
        notes="NHS Digital PurposeStatements: no row-id column, no rules, portrait",
    ),
    Spec(
        "renamed-ruled",
        "nhsd",
        RENAMED,
        rows=35,
        skip=1200,
        font="DejaVu Sans",
        size=8,
        landscape=False,
        notes="generic synonyms (Institution, Project details), portrait",
    ),
    Spec(
        "hscic-unruled-notes",
        "nhsd",
        HSCIC,
        rows=36,
        skip=500,
        ruled=False,
        font="Liberation Sans",
        size=8,
        row_ids="count",
        after=NOTES,
        footer=FOOTNOTE,
        footer_left=True,
        notes="HSCIC 8 columns, no rules: notes and a glossary after the last row, on the"
        " page where the table ends; a long footnote at the left margin on every page",
    ),
    Spec(
        "nhsd-unruled-glossary-page",
        "nhsd",
        NHSD,
        rows=24,
        skip=900,
        ruled=False,
        font="Liberation Serif",
        size=9,
        merged=("organisation", "purpose", "reference"),
        after=NOTES,
        after_new_page=True,
        notes="DataReleases, no rules: the notes and glossary on a page of their own, under"
        " the header the print titles repeat there too",
    ),
    Spec(
        "phe-unruled-preamble",
        "phe",
        PHE,
        rows=16,
        skip=60,
        ruled=False,
        merged=(),
        size=8,
        title="Public Health England – Office for Data Release: data release register 2015/16",
        preamble=PREAMBLE,
        after=NOTES[:3],
        notes="PHE register, no rules: a title and a paragraph above the header on page 1,"
        " notes after the table",
    ),
    Spec(
        "hscic-ruled-notes",
        "nhsd",
        HSCIC,
        rows=26,
        skip=1000,
        row_ids="count",
        title="Data Release Register - NHS Digital, February 2021",
        preamble=PREAMBLE,
        after=NOTES,
        footer=FOOTNOTE,
        footer_left=True,
        notes="HSCIC 8 columns, ruled: title and paragraph above the header, notes and"
        " glossary after the table, footnote on every page",
    ),
    Spec(
        "hscic-unruled-notes-tight",
        "nhsd",
        HSCIC,
        rows=22,
        skip=1100,
        ruled=False,
        font="Liberation Sans",
        size=8,
        row_ids="count",
        after=(NOTES[0], NOTES[1], *KEY[1:]),
        after_gap=False,
        notes="HSCIC 8 columns, no rules: a Notes heading (bold, larger) right under the"
        " last row with no blank row, a paragraph, then a glossary typed in columns A and B",
    ),
    Spec(
        "nhsd-ruled-key",
        "nhsd",
        NHSD,
        rows=20,
        skip=1300,
        size=8,
        merged=("organisation", "purpose", "reference"),
        after=KEY,
        after_gap=False,
        notes="DataReleases, ruled: a key typed in the grid's own columns (term in A,"
        " meaning in B, bordered) right under the last row, under a 'Key:' heading",
    ),
    Spec(
        "hscic-unruled-top",
        "nhsd",
        HSCIC,
        rows=60,
        skip=167,
        ruled=False,
        font="DejaVu Serif",
        size=8,
        row_ids="count",
        valign="top",
        notes="HSCIC 8 columns, no rules, cells top-aligned (merged cells' text on their"
        " first row)",
    ),
    Spec(
        "nhsd-releases-unruled-top",
        "nhsd",
        NHSD,
        rows=45,
        skip=737,
        ruled=False,
        font="Liberation Serif",
        size=8,
        merged=("organisation", "purpose", "reference"),
        valign="top",
        notes="DataReleases 11 columns, no rules, top-aligned, organisation/purpose/NIC"
        " merged; a merged purpose continued on the next page",
    ),
)


def clean(value: object) -> str:
    """Cell text as the golden wants it: whitespace runs as single spaces, cut to size."""
    text = _SPACES.sub(" ", "" if value is None else str(value)).strip()
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS].rsplit(" ", 1)[0]
    return text


def nhsd_rows(raw: Path) -> list[dict[str, str]]:
    """DataReleases rows with their NIC's objective as purpose, at most 5 rows per NIC."""
    from openpyxl import load_workbook

    book = load_workbook(raw / NHSD_WORKBOOK, read_only=True)
    objectives = {
        r[0]: r[2] for r in list(book["PurposeStatements"].iter_rows(values_only=True))[1:]
    }
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for r in list(book["DataReleases"].iter_rows(values_only=True))[1:]:
        seen[r[8]] = seen.get(r[8], 0) + 1
        if seen[r[8]] > MAX_BLOCK_ROWS:
            continue
        rows.append(
            {
                "row_id": clean(r[0]),
                "organisation": clean(r[1]),
                "data_type": clean(r[2]),
                "data_provided": clean(r[3]),
                "sensitivity": clean(r[4]),
                "legal_basis": clean(r[5]),
                "purpose": clean(objectives.get(r[8])),
                "frequency": clean(r[7]),
                "reference": clean(r[8]),
                "opt_outs": clean(r[10]),
                "common_law": clean(r[11]),
                "block": clean(r[8]),
            }
        )
    return rows


def purpose_rows(raw: Path) -> list[dict[str, str]]:
    """PurposeStatements rows: one agreement each, keyed by its reference (no row id)."""
    from openpyxl import load_workbook

    book = load_workbook(raw / NHSD_WORKBOOK, read_only=True)
    return [
        {
            "reference": clean(r[0]),
            "organisation": clean(r[1]),
            "purpose": clean(r[2]),
            "organisation_type": clean(r[7]),
            "block": clean(r[0]),
        }
        for r in list(book["PurposeStatements"].iter_rows(values_only=True))[1:]
    ]


def phe_rows(raw: Path) -> list[dict[str, str]]:
    with open(raw / PHE_CSV, encoding="utf-8", errors="replace", newline="") as f:
        table = list(csv.reader(f))
    keys = (
        "row_id",
        "reference",
        "organisation",
        "organisation_type",
        "purpose",
        "data_type",
        "data_provided",
        "legal_basis",
        "date_released",
    )
    return [
        {
            **{k: clean(v) for k, v in zip(keys, r)},
            "purpose_printed": with_breaks(r[4]),
            "block": f"phe{i}",
        }
        for i, r in enumerate(table[1:])
        if any(c.strip() for c in r)
    ]


def with_breaks(value: str) -> str:
    """The cell as the register typed it, paragraph breaks kept; ``clean`` of it is the golden."""
    lines = [_SPACES.sub(" ", line).strip() for line in value.replace("\r", "").split("\n")]
    text = "\n".join(lines).strip()
    words_kept = len(clean(value).split())
    kept: list[str] = []
    for match in re.finditer(r"\S+\s*", text):  # the same words as clean() keeps
        if len(kept) == words_kept:
            break
        kept.append(match.group())
    return "".join(kept).strip()


def blocks(rows: list[dict[str, str]]) -> Iterator[tuple[int, int]]:
    """(first, last) index of each run of rows from one release (one NIC)."""
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i]["block"] != rows[start]["block"]:
            yield start, i - 1
            start = i


def build_sheet(spec: Spec, rows: list[dict[str, str]], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = spec.name
    side = Side(style="thin", color="000000")
    border = Border(left=side, right=side, top=side, bottom=side) if spec.ruled else Border()
    align = Alignment(wrap_text=True, vertical=spec.valign, horizontal="left")
    font = Font(name=spec.font, size=spec.size)
    top = 1 + bool(spec.title) + len(spec.preamble)  # the header's row
    if spec.title:
        sheet.cell(1, 1, spec.title).font = Font(name=spec.font, size=spec.size * 1.5, bold=True)
        sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(spec.columns))
    for r, text in enumerate(spec.preamble, 1 + bool(spec.title)):
        prose_row(spec, sheet, r, text)
    for c, col in enumerate(spec.columns, 1):
        width = spec.widths[c - 1] if spec.widths else col.width
        sheet.column_dimensions[get_column_letter(c)].width = width
        cell = sheet.cell(top, c, col.header)
        cell.font = Font(name=spec.font, size=spec.size, bold=True)
        cell.alignment, cell.border = align, border
    for r, row in enumerate(rows, top + 1):
        for c, col in enumerate(spec.columns, 1):
            printed = row.get(f"{col.source}_printed") if spec.keep_breaks else None
            value = printed or row[col.source] or None
            if spec.numeric_ids and col.field == "row_id" and value and value.isdigit():
                sheet.cell(r, c, int(value)).font = font
                sheet.cell(r, c).border = border
                sheet.cell(r, c).alignment = Alignment(vertical=spec.valign)
                continue
            cell = sheet.cell(r, c, value)
            cell.font, cell.alignment, cell.border = font, align, border
            cell.number_format = "@"  # text: "1" stays left-aligned as printed registers do
    for first, last in blocks(rows):
        if first == last:
            continue
        for c, col in enumerate(spec.columns, 1):
            if col.field in spec.merged:
                sheet.merge_cells(
                    start_row=first + top + 1, end_row=last + top + 1, start_column=c, end_column=c
                )
    setup = sheet.page_setup
    setup.orientation = "landscape" if spec.landscape else "portrait"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if spec.print_titles:
        sheet.print_title_rows = f"{top}:{top}"
    if spec.footer:
        side_of_page = sheet.oddFooter.left if spec.footer_left else sheet.oddFooter.center
        side_of_page.text = spec.footer
    add_prose_after(spec, sheet, top + len(rows) + 1)
    book.save(path)


def prose_row(spec: Spec, sheet: Any, row: int, text: str) -> None:
    """A paragraph typed in column A and merged across the table, wrapped, no border.

    A line starting with "# " is a heading (bold, a size up); "" leaves a blank row.
    """
    if not text:
        return
    heading = text.startswith("# ")
    cell = sheet.cell(row, 1, text[2:] if heading else text)
    size = spec.size * 1.25 if heading else spec.size
    cell.font = Font(name=spec.font, size=size, bold=heading)
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    sheet.merge_cells(start_row=row, end_row=row, start_column=1, end_column=len(spec.columns))


def add_prose_after(spec: Spec, sheet: Any, first: int) -> None:
    """Notes after the last row: a blank row (or none), then the paragraphs and keys."""
    if not spec.after:
        return
    if spec.after_new_page:
        sheet.row_breaks.append(Break(id=first - 1))
    for r, item in enumerate(spec.after, first + spec.after_gap):
        if isinstance(item, tuple):
            key_row(spec, sheet, r, item)
        else:
            prose_row(spec, sheet, r, item)


def key_row(spec: Spec, sheet: Any, row: int, values: tuple[str, ...]) -> None:
    """Values typed in the table's own columns, styled as its cells (borders if ruled).

    A lone value ending in ":" is the key's heading, in bold; ruled tables border the whole
    row, as a grid applied to the key's range too.
    """
    side = Side(style="thin", color="000000")
    border = Border(left=side, right=side, top=side, bottom=side) if spec.ruled else Border()
    heading = len(values) == 1 and values[0].endswith(":")
    for c in range(1, len(spec.columns) + 1):
        cell = sheet.cell(row, c, values[c - 1] if c <= len(values) else None)
        cell.font = Font(name=spec.font, size=spec.size, bold=heading)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="left")
        cell.border = border


def select_rows(spec: Spec, raw: Path) -> list[dict[str, str]]:
    readers = {"nhsd": nhsd_rows, "phe": phe_rows, "purposes": purpose_rows}
    rows = readers[spec.source](raw)[spec.skip :]
    rows = rows[: spec.rows]
    if spec.row_ids == "count":
        rows = [{**row, "row_id": str(i)} for i, row in enumerate(rows, spec.skip + 1)]
    # Merged cells keep the top-left value; the golden gives it to every spanned row.
    return rows


def golden(spec: Spec, rows: list[dict[str, str]]) -> list[dict[str, object]]:
    out = []
    for i, row in enumerate(rows):
        fields: dict[str, object] = {}
        extra: dict[str, str] = {}
        for col in spec.columns:
            value = row[col.source] or None
            if col.field:
                fields[col.field] = value
            elif value:
                extra[clean(col.header)] = value
        fields["extra"] = extra
        out.append({"row_index": i, "block": row["block"], "fields": fields})
    return out


def convert(xlsx: Path, pdf: Path) -> None:
    # LibreOffice's own python has the UNO bridge; the project's interpreter may not.
    subprocess.run(
        [SYSTEM_PYTHON, str(Path(__file__).with_name("lo_render.py")), str(xlsx), str(pdf)],
        check=True,
        timeout=300,
    )


def render(spec: Spec, raw: Path, out: Path) -> None:
    rows = select_rows(spec, raw)
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / f"{spec.name}.xlsx"
        build_sheet(spec, rows, xlsx)
        convert(xlsx, out / f"{spec.name}.pdf")
    with open(out / f"{spec.name}.golden.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in golden(spec, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("../shared/corpora-raw"))
    parser.add_argument("--out", type=Path, default=Path("corpora/pdfs"))
    parser.add_argument("--only", nargs="*", help="spec names to render (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        if not args.only or spec.name in args.only:
            render(spec, args.raw, args.out)
            print(f"{spec.name}: {(args.out / (spec.name + '.pdf')).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
