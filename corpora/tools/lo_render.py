"""Print one spreadsheet to PDF through LibreOffice's UNO API (run by the system python3).

``soffice --convert-to pdf`` keeps the row heights stored in an openpyxl workbook (none),
so wrapped text would be cut. Here every row gets its optimal height first, and a merged
block whose text needs more room than its rows give grows its last row (a paragraph merged
across the columns is measured at their summed width), as a person fixing the sheet
before printing would. Usage: ``/usr/bin/python3 lo_render.py IN.xlsx OUT.pdf``.
"""

import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(100):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:  # noqa: BLE001 - UNO raises its own types until soffice listens
            time.sleep(0.2)
    raise RuntimeError("LibreOffice did not start")


def needed_height(scratch, col, source, width):
    """Height the text of a merged cell needs, measured alone in a scratch row of its width."""
    cell = scratch.getCellByPosition(col, 0)
    cell.setString(source.getString())
    for name in ("CharFontName", "CharHeight", "CharWeight", "IsTextWrapped"):
        cell.setPropertyValue(name, source.getPropertyValue(name))
    scratch.Columns.getByIndex(col).Width = width
    row = scratch.Rows.getByIndex(0)
    row.OptimalHeight = True
    return row.Height


def fit_merged(sheet, scratch):
    used = sheet.createCursor()
    used.gotoEndOfUsedArea(False)
    last_col, last_row = used.RangeAddress.EndColumn, used.RangeAddress.EndRow
    for col in range(last_col + 1):
        for row in range(1, last_row + 1):
            cell_range = sheet.getCellRangeByPosition(col, row, col, row)
            cursor = sheet.createCursorByRange(cell_range)
            cursor.collapseToMergedArea()
            span = cursor.RangeAddress
            if span.StartRow != row or span.StartColumn != col:
                continue
            source = sheet.getCellByPosition(col, row)
            across = span.EndColumn > col and source.getPropertyValue("IsTextWrapped")
            if span.EndRow == row and not across:
                continue  # optimal height already fits it (a one-line title is not wrapped)
            columns = range(col, span.EndColumn + 1)
            width = sum(sheet.Columns.getByIndex(c).Width for c in columns)
            rows = [sheet.Rows.getByIndex(r) for r in range(span.StartRow, span.EndRow + 1)]
            need = needed_height(scratch, col, source, width)
            have = sum(r.Height for r in rows)
            if need > have:
                rows[-1].Height = rows[-1].Height + (need - have)


def main(src, dst):
    pipe = f"drr{os.getpid()}"
    profile = tempfile.mkdtemp()
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        desktop = connect(pipe)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (prop("Hidden", True),)
        )
        sheets = doc.Sheets
        sheet = sheets.getByIndex(0)
        sheet.Rows.OptimalHeight = True
        sheets.insertNewByName("scratch", 1)
        fit_merged(sheet, sheets.getByName("scratch"))
        sheets.removeByName("scratch")
        doc.storeToURL(
            uno.systemPathToFileUrl(os.path.abspath(dst)), (prop("FilterName", "calc_pdf_Export"),)
        )
        doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001, S110 - soffice may already be gone
            pass
        office.wait(timeout=60) if office.poll() is None else None


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
