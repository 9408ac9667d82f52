"""Rebuild the small spreadsheet fixtures in this folder from the raw registers.

    python3 corpora/sheets/make_fixtures.py /work/shared/corpora-raw

Cuts, never edits: every cell is copied as read. See README.md in this folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import openpyxl
from odf.opendocument import OpenDocumentSpreadsheet, load
from odf.table import Table, TableCell, TableRow
from odf.text import P

HERE = Path(__file__).resolve().parent
NHSD = "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx"
PHE_ODS = (
    "phe-data-release-register-2017-2020/"
    "13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods"
)
PHE_CSV = "phe-data-release-register-2014-2018/PHE17-18.csv"
RELEASE_ROWS = 40  # enough to span several agreements (NIC numbers)
PHE_ROWS = 12


def nhs_digital_cut(raw: Path, out: Path) -> None:
    """The README sheet, the first RELEASE_ROWS DataReleases rows and their purpose statements."""
    source = openpyxl.load_workbook(raw / NHSD, read_only=True, data_only=True)
    releases = list(source["DataReleases"].iter_rows(values_only=True))[: RELEASE_ROWS + 1]
    wanted = {row[8] for row in releases[1:]}
    statements = [
        row
        for index, row in enumerate(source["PurposeStatements"].iter_rows(values_only=True))
        if index == 0 or row[0] in wanted
    ]
    readme = list(source["README"].iter_rows(values_only=True))
    source.close()
    book = openpyxl.Workbook()
    book.active.title = "README"
    for row in readme:
        book["README"].append(row)
    for title, rows in (("DataReleases", releases), ("PurposeStatements", statements)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(out)


def phe_ods_cut(raw: Path, out: Path) -> None:
    """The register sheet's header and first PHE_ROWS rows, plus a text-only Overview sheet."""
    from odf.namespaces import TABLENS

    document = load(str(raw / PHE_ODS))
    tables = {
        t.getAttrNS(TABLENS, "name"): t for t in document.spreadsheet.getElementsByType(Table)
    }
    register = tables["Release_Register_Apr17-Sept20"]
    rows = [_row_texts(row) for row in register.getElementsByType(TableRow)[: PHE_ROWS + 1]]
    cut = OpenDocumentSpreadsheet()
    overview = Table(name="Overview")
    overview.addElement(_odf_row(["Data Release Register April 2017 to September 2020"]))
    cut.spreadsheet.addElement(overview)
    sheet = Table(name="Release_Register_Apr17-Sept20")
    for texts in rows:
        sheet.addElement(_odf_row(texts))
    cut.spreadsheet.addElement(sheet)
    cut.save(str(out))


def _row_texts(row: TableRow) -> list[str]:
    from odf import teletype
    from odf.namespaces import TABLENS

    texts: list[str] = []
    for cell in row.getElementsByType(TableCell):
        repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
        paragraphs = [teletype.extractText(p) for p in cell.getElementsByType(P)]
        texts.extend(["\n".join(paragraphs)] * min(repeat, 64))
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _odf_row(texts: list[str]) -> TableRow:
    row = TableRow()
    for text in texts:
        cell = TableCell(valuetype="string")
        for line in text.split("\n"):
            cell.addElement(P(text=line))
        row.addElement(cell)
    return row


def main(raw: Path) -> None:
    nhs_digital_cut(raw, HERE / "nhs-digital-2021-02-cut.xlsx")
    phe_ods_cut(raw, HERE / "phe-odr-2017-2020-cut.ods")
    shutil.copyfile(raw / PHE_CSV, HERE / "phe-odr-2017-18.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpora-raw"))
