"""Readers for the raw public registers in ``../shared/corpora-raw`` (read-only).

Used only by the build scripts in this folder, which turn the raw registers into the
small committed files that drr trains and tests on. Each reader yields plain dicts and
says which file and sheet each value came from, so the committed files can cite it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

RAW = Path("/work/shared/corpora-raw")
NHSD_2021 = "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx"
PHE_2017 = ("phe-data-release-register-2017-2020/"
            "13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods")
PHE_2014 = "phe-data-release-register-2014-2018"
TSIA = "theysolditanyway"


def _text(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def nhsd_2021_sheet(raw: Path, sheet: str) -> Iterator[dict[str, str]]:
    import openpyxl

    book = openpyxl.load_workbook(raw / NHSD_2021, read_only=True)
    rows = book[sheet].iter_rows(values_only=True)
    header = [_text(h) for h in next(rows)]
    for row in rows:
        yield {h: _text(v) for h, v in zip(header, row)}


def phe_2017_rows(raw: Path) -> Iterator[dict[str, str]]:
    import pandas as pd

    frame = pd.read_excel(raw / PHE_2017, sheet_name="Release_Register_Apr17-Sept20",
                          engine="odf", dtype=str)
    for record in frame.fillna("").to_dict("records"):
        yield {_text(k): _text(v) for k, v in record.items()}


def phe_2014_rows(raw: Path) -> Iterator[tuple[str, dict[str, str]]]:
    for path in sorted((raw / PHE_2014).glob("PHE1*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for record in csv.DictReader(handle):
                yield path.name, {_text(k): _text(v) for k, v in record.items() if k}


def tsia_pages(raw: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((raw / TSIA).glob("*.txt")):
        yield path.name, path.read_text(encoding="utf-8")
