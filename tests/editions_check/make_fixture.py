"""Writes nhsd-merged-header.xlsx: real rows of NHS Digital's February 2021 register laid
out as another edition might print them, for tests/test_edition_check.py.

Sheet "Register": two title rows, then a header over two rows (group headings merged over
the columns they group: "Data" over "Dataset", "Identifiable?", "Sensitive?"), then the
first 6 releases of agreement 110660 and up to 3 of each of the two versions of 392201.
Sheet "Agreement purposes": the statements of those agreements and of the first 20 of the
sheet (a statements sheet lists every agreement) under references written "NIC 110660
G9W6M", without prefix or version, so 392201's two versions print one reference.

    python tests/editions_check/make_fixture.py [../shared/corpora-raw/...xlsx]
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SOURCE = (
    HERE.parents[2] / "shared" / "corpora-raw" / "nhs-digital-release-register-2021-02"
    / "1. releaseregister_20210201_20210228.xlsx"
)
AGREEMENTS = ("DARS-NIC-110660-G9W6M-v2.2", "DARS-NIC-392201-S6C3W-v0.4", "DARS-NIC-392201-S6C3W-v1.3")


def main(source: Path = SOURCE) -> None:
    book = openpyxl.load_workbook(source, read_only=True)
    releases = [r for r in book["DataReleases"].iter_rows(min_row=2, values_only=True) if r[0]]
    statements = [r for r in book["PurposeStatements"].iter_rows(min_row=2, values_only=True)]
    out = openpyxl.Workbook()
    sheet = out.active
    sheet.title = "Register"
    sheet.append(["Data Release Register - Quarter 3 2019/20"])
    sheet.append([None])
    sheet.append(["Release", "Recipient", "Data", None, None, "Legal", "Frequency", "Agreement"])
    sheet.append(["ID", "Organisation", "Dataset", "Identifiable?", "Sensitive?", "Basis", None, "Number"])
    for cells in ("C3:E3", "G3:G4"):
        sheet.merge_cells(cells)
    for agreement in AGREEMENTS:
        for r in [r for r in releases if r[8] == agreement][:3 if "392201" in agreement else 6]:
            sheet.append([r[0], r[1], r[2], r[3], r[4], r[5], r[7], r[8]])
    purposes = out.create_sheet("Agreement purposes")
    purposes.append(["Agreement", "Data Controller", "Objective", "Type of organisation"])
    listed = [r for r in statements if str(r[0]).startswith("DARS-NIC-")]
    for r in [*listed[:20], *(r for r in listed if r[0] in AGREEMENTS)]:
        _, _, number, code, _ = r[0].split("-")
        purposes.append([f"NIC {number} {code}", r[1], r[2], r[7]])
    out.save(HERE / "nhsd-merged-header.xlsx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
