"""Unseen register editions, made from a real one: the test of reading editions nobody
wrote a profile for (issue 11).

    python3 corpora/tools/editions/make_editions.py OUT_DIR [--set tuning|heldout|all]
        [--rows N] [--shared ../shared]

Each edition is NHS Digital's February 2021 register workbook
(``../shared/corpora-raw/nhs-digital-release-register-2021-02``), every cell kept as
published, but laid out as another edition might be: headers renamed, reworded or
misspelt, some left blank; columns reordered, some dropped; title rows above the header;
sheets renamed and reordered; and the purpose statements on their own sheet under
references written differently from the release rows' (no ``DARS-`` prefix, no version
suffix, other case, spaces or underscores). A CSV edition has one table, so its purpose
statements are columns of the release rows. Written as XLSX, ODS and CSV.

The truth of every release row is what drr reads from the published workbook with its
curated profile (``nhs-digital-monthly`` joined to ``nhs-digital-purpose-statements``).

Two sets, drawn from disjoint pools of wordings, reference styles and layouts:

- ``tuning``: XLSX only, from the TUNING pools. The readers were tuned on these.
- ``heldout``: XLSX, ODS and CSV from the HELD_OUT pools, which were written before any
  tuning and never looked at while tuning; ODS and CSV editions are held out whole. Its
  first run (round 1) led to fixes, so it is no longer unseen:
- ``heldout2``: XLSX, ODS and CSV from the HELD_OUT_2 pools, written after round 1 and
  before its fixes, run once after them (round 2).
- ``phe``: a second publisher, PHE's 2014-2018 register (four CSV exports, one table with
  the purpose inline) re-laid the same way, held out whole; its first run found date
  columns headed "Released" or "Date" unread, and the fix (dates known by their cells)
  was measured on it again, so it is no longer unseen.

Writes OUT_DIR/<edition>.<ext> and OUT_DIR/<edition>.truth.jsonl (the expected fields of
each release row, in order).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

RAW = "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx"
# The fields an edition must give every release row, as the published edition gives them.
CHECKED = (
    "row_id", "organisation", "organisation_type", "data_type", "data_provided", "sensitivity",
    "legal_basis", "purpose", "frequency", "reference",
)
# Release-sheet columns of the published workbook, by position, and the field each holds.
RELEASE_FIELDS = {
    0: "row_id", 1: "organisation", 2: "data_type", 3: "data_provided", 4: "sensitivity",
    5: "legal_basis", 6: "purpose", 7: "frequency", 8: "reference",
}
STATEMENT_FIELDS = {0: "reference", 1: "organisation", 2: "purpose", 7: "organisation_type"}

# Header wordings per column: renamed, reworded, misspelt; "" leaves the header blank.
TUNING = {
    "headers": {
        "row_id": ["RowID", "Row ID", "Row no", "Line ID", ""],
        "organisation": ["Organisation Name", "Recipient organisation", "Organization name",
                         "Organisaton Name"],
        "data_type": ["Type of Data Provided", "Data set", "Datset provided",
                      "Type of data provded", "Data Sets Released"],
        "data_provided": ["Data provided to customer", "Identifiability",
                          "Level of identifiability", "Data provied to customer"],
        "sensitivity": ["Sensitive or Non-Sensitive", "Sensitivity", "Sensitve or non sensitive",
                        "Data sensitivity"],
        "legal_basis": ["Legal Basis for Provision of Data", "Legal basis", "Legal gateway",
                        "Legal Basis for Provison of Data (Dissemination)"],
        "purpose": ["Purpose", "", None],  # None: the (empty) column is dropped
        "frequency": ["Frequency", "How often", "Frequncy", "Release frequency"],
        "reference": ["NIC Number", "NIC No.", "Agreement reference", "NIC Numbr"],
        "s.reference": ["Reference Number", "NIC", "Reference", "Ref Number"],
        "s.organisation": ["Organisation", "Organisation name", "Org"],
        "s.purpose": ["Objective for Processing", "Objective", "Purpose of processing",
                      "Objectve for processing"],
        "s.organisation_type": ["Organisation Type", "Type of organisation", "Org type", "Sector"],
    },
    "key_styles": ["no_dars", "no_version", "lower"],
    "sheets": [("DataReleases", "PurposeStatements"), ("Releases", "Purposes")],
    "titles": [[], ["Data Release Register"]],
    "formats": ["xlsx"],
    "seeds": [11, 12, 13, 14, 15, 16, 17, 18],
}
HELD_OUT = {
    "headers": {
        "row_id": ["ID", "Record", "Rowid", ""],
        "organisation": ["Customer", "Data recipient organisation", "Name of organisation",
                         "Organistion Name", "Recipient"],
        "data_type": ["Type of Dta Provided", "Dataset name", "Data asset", "Product", "What data"],
        "data_provided": ["Data provided to custome:\nIdentifiable, Anonymised", "Form of data",
                          "Identifiable or anonymised?", "Data format"],
        "sensitivity": ["Sensitive / Non-Sensitive", "Senstivity", "Is it sensitive?", "Category"],
        "legal_basis": ["Statutory basis", "Lawful basis", "Legal Bassis", "Basis for release"],
        "purpose": ["Purpse", "Reason", None],
        "frequency": ["Freqency", "One off or ongoing", "Regularity", "Recurrence"],
        "reference": ["DSA", "NIC ref", "Agreement", "Application number"],
        "s.reference": ["Agreement Number", "NIC reference", "Refernce Number", "Key"],
        "s.organisation": ["Recipient", "Organsation", "Customer name"],
        "s.purpose": ["Aims", "Why the data is needed", "Objective for Procesing",
                      "Purpose statement"],
        "s.organisation_type": ["Organisation category", "Orgnisation Type", "Kind of body",
                                "Sector type"],
    },
    "key_styles": ["bare", "spaced", "underscore_lower"],
    "sheets": [("Register", "Statements"), ("Sheet1", "Sheet2"), ("Releases 2019 Q3", "Purpose")],
    "titles": [["NHS Digital", "Register of approved data releases", ""], ["Quarter 3"]],
    "formats": ["xlsx", "ods", "csv"],
    "seeds": [101, 102, 103],
}
# Written after the first held-out run (round 1: HELD_OUT above) and before the fixes that
# run led to, so that the fixes are measured on wordings nobody tuned on (round 2).
HELD_OUT_2 = {
    "headers": {
        "row_id": ["Row", "Release ID", "Row Number", "Rw ID"],
        "organisation": ["Organisation receiving data", "Recipient Name", "Orgnaisation",
                         "Data controller"],
        "data_type": ["Data Set Name", "Datsets", "Dataset(s) released", "Source data"],
        "data_provided": ["Identifiable / Anonymised", "Data provided", "Type of data released",
                          "Identifiabilty"],
        "sensitivity": ["Sensitive?", "Sensitivity flag", "Sensitive or not", "Senitivity"],
        "legal_basis": ["Legal Basis for Provison", "Legal basis (dissemination)",
                        "Basis in law", "Gateway"],
        "purpose": ["Purpose of release", "Purpos", None],
        "frequency": ["Frequency of release", "Freq.", "One-off / ongoing", "Type of release"],
        "reference": ["Agreement Reference Number", "NIC #", "DARS reference", "Ref"],
        "s.reference": ["Agreement ref", "NIC Numbr", "Reference No.", "ID"],
        "s.organisation": ["Organisation Nme", "Data controller", "Recipient organisation"],
        "s.purpose": ["Objectives", "Purpose of the agreement", "Processing objective",
                      "Description"],
        "s.organisation_type": ["Type", "Organisation sector", "Org. type", "Organistion Type"],
    },
    "key_styles": ["no_dars_lower", "spaced_no_version", "bare_lower"],
    "sheets": [("Data Releases", "Purpose Statements"), ("Tab 1", "Tab 2"), ("DARS", "Objectives")],
    "titles": [["Register of Approved Data Releases", "Published quarterly"], []],
    "formats": ["xlsx", "ods", "csv"],
    "seeds": [201, 202, 203],
}
POOLS = {"tuning": TUNING, "heldout": HELD_OUT, "heldout2": HELD_OUT_2}

# A second publisher, held out whole (never tuned on): PHE's Office for Data Release register
# 2014/15-2017/18 (the four CSV exports, 239 rows: one table, the purpose in it).
PHE_RAW = "phe-data-release-register-2014-2018"
PHE_FILES = ("PHE14-15.csv", "PHE15-16.csv", "PHE16-17.csv", "PHE17-18.csv")
PHE_CHECKED = (
    "row_id", "reference", "organisation", "organisation_type", "purpose", "data_type",
    "data_provided", "legal_basis", "date_released",
)
PHE_POOL = {
    "headers": {
        "row_id": ["Row ID", "Row", "DRR number", "", "Line"],
        "reference": ["ODR Reference", "ODR ref", "Application reference", "Reference no",
                      "ODR Refernce"],
        "organisation": ["Data Recipient", "Recipient", "Organisation", "Applicant organisation",
                         "Data Recipent"],
        "organisation_type": ["Organisation Type", "Type of organisation", "Sector",
                              "Recipient type"],
        "purpose": ["Purpose", "Purpose of study", "Project summary", "Purpse",
                    "Description of project"],
        "data_type": ["Data Source", "Data set", "Source of data", "Datasets supplied",
                      "Data Sorce"],
        "data_provided": ["Data Type provided to applicant", "Data type",
                          "Level of identifiability", "Identifiable?"],
        "legal_basis": ["Legal basis for the release of personally identifiable data",
                        "Legal basis", "Legal gateway", "Statutory basis"],
        "date_released": ["Date of release", "Release date", "Released", "Date released", "Date"],
    },
    "titles": [[], ["PHE Office for Data Release", "Data release register"]],
    "formats": ["xlsx", "ods", "csv"],
    "seeds": [301, 302, 303],
}
# The publisher's own other columns, kept under other names or dropped.
OTHER_RELEASE_HEADERS = {9: ["MR Number", "MR"], 10: ["Opt-outs applied", "National data opt-out"],
                         11: ["Common law duty", "Confidentiality"]}
OTHER_STATEMENT_HEADERS = {3: ["Processing Activities", "Activities"],
                           4: ["Expected Output", "Outputs"],
                           5: ["Expected Measurable Benefits", "Benefits expected"],
                           6: ["Yielded Benefits", "Benefits so far"]}
_NIC = re.compile(r"^(?:DARS-)?NIC-(\d+)-([A-Z0-9]+)(?:-v([\d.]+))?\s*$")


@dataclass(frozen=True)
class Edition:
    name: str  # e.g. heldout-ods-101
    filename: str
    data: bytes
    truth: list[dict[str, str | None]]  # the expected CHECKED fields of each release row
    pool: str
    fmt: str


@dataclass(frozen=True)
class Source:
    releases: list[list[str | None]]  # header first
    statements: list[list[str | None]]
    truth: list[dict[str, str | None]]


def load_source(shared: Path, rows: int | None = None) -> Source:
    """The published workbook's two sheets (the first ``rows`` release rows and the
    statements they need) and what drr reads from it with the curated profile."""
    import openpyxl

    from extract import read_document

    path = shared / "corpora-raw" / RAW
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    releases = [list(r) for r in book["DataReleases"].iter_rows(values_only=True)]
    statements = [list(r) for r in book["PurposeStatements"].iter_rows(values_only=True)]
    book.close()
    document = read_document(path.read_bytes(), path.name)
    truth = [{f: getattr(r.fields, f) for f in CHECKED} for r in document.records]
    if rows is not None:
        releases, truth = releases[: rows + 1], truth[:rows]
        wanted = {r[8] for r in releases[1:]}
        statements = [statements[0]] + [r for r in statements[1:] if r[0] in wanted]
    return Source(releases, statements, truth)


@dataclass(frozen=True)
class PheSource:
    header: list[str]
    rows: list[list[str | None]]
    truth: list[dict[str, str | None]]


def load_phe_source(shared: Path) -> PheSource:
    """The four PHE CSV exports' rows under one header, and what drr reads from each."""
    from extract import read_document

    header: list[str] = []
    rows: list[list[str | None]] = []
    truth: list[dict[str, str | None]] = []
    for name in PHE_FILES:
        path = shared / "corpora-raw" / PHE_RAW / name
        records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        header = [h.strip() for h in records[0][:9]]
        rows += [[c or None for c in r[:9]] for r in records[1:] if any(c.strip() for c in r)]
        document = read_document(path.read_bytes(), name)
        truth += [{f: getattr(r.fields, f) for f in PHE_CHECKED} for r in document.records]
    assert len(rows) == len(truth), "every non-empty CSV record is one register row"
    return PheSource(header, rows, truth)


def phe_editions(source: PheSource) -> Iterator[Edition]:
    for fmt in PHE_POOL["formats"]:
        for seed in PHE_POOL["seeds"]:
            yield make_phe_edition(source, fmt, seed)


def make_phe_edition(source: PheSource, fmt: str, seed: int) -> Edition:
    """One table: headers renamed, reworded, misspelt or blank, columns reordered, titles."""
    from extract.profiles import match_header

    rng = random.Random(f"phe-{fmt}-{seed}")
    fields = match_header(source.header).fields
    cols = [(i, rng.choice(PHE_POOL["headers"][f])) for i, f in enumerate(fields) if f]
    rng.shuffle(cols)
    table = [[t] for t in rng.choice(PHE_POOL["titles"])] + [[h for _, h in cols]]
    table += [[row[i] for i, _ in cols] for row in source.rows]
    name = f"phe-{fmt}-{seed}"
    if fmt == "csv":
        data = _csv_bytes(table, rng)
    elif fmt == "xlsx":
        data = _xlsx_bytes([("Register", table)])
    else:
        data = _ods_bytes([("Register", table)])
    return Edition(name, f"{name}.{fmt}", data, source.truth, "phe", fmt)


def editions(source: Source, which: str = "all") -> Iterator[Edition]:
    """Every edition of the set, in a fixed order; the same source gives the same bytes."""
    for pool_name in tuple(POOLS) if which == "all" else (which,):
        pool = POOLS[pool_name]
        for fmt in pool["formats"]:
            for seed in pool["seeds"]:
                yield make_edition(source, pool_name, fmt, seed)


def make_edition(source: Source, pool_name: str, fmt: str, seed: int) -> Edition:
    pool = POOLS[pool_name]
    rng = random.Random(f"{pool_name}-{fmt}-{seed}")
    release_cols = _columns(rng, pool, RELEASE_FIELDS, OTHER_RELEASE_HEADERS, "")
    statement_cols = _columns(rng, pool, STATEMENT_FIELDS, OTHER_STATEMENT_HEADERS, "s.")
    style = rng.choice(pool["key_styles"])
    titles = rng.choice(pool["titles"])
    release_sheet, statement_sheet = rng.choice(pool["sheets"])
    ambiguous = _ambiguous_agreements(source.statements)
    statements = [
        [_rewrite_key(row[0], style, ambiguous), *row[1:]] for row in source.statements[1:]
    ]
    name = f"{pool_name}-{fmt}-{seed}"
    if fmt == "csv":
        by_key = {row[0]: row for row in source.statements[1:]}
        # one table: the statement's own reference and organisation would repeat the row's
        merged_cols = [c for c in release_cols if c[0] != 6] + [
            (100 + i, h) for i, h in statement_cols if i not in (0, 1)
        ]
        rng.shuffle(merged_cols)
        table = [[h for _, h in merged_cols]]
        for row in source.releases[1:]:
            statement = by_key.get(row[8], [None] * 8)
            table.append(
                [statement[i - 100] if i >= 100 else row[i] for i, _ in merged_cols]
            )
        data = _csv_bytes([[t] for t in titles] + table, rng)
    else:
        sheets = [
            (release_sheet, [[t] for t in titles] + _table(source.releases, release_cols)),
            (statement_sheet, _table([source.statements[0], *statements], statement_cols)),
        ]
        if rng.random() < 0.5:
            sheets.reverse()
        if rng.random() < 0.5:
            sheets.insert(0, ("Notes", [["Register of approved data releases"], ["See tabs."]]))
        data = _xlsx_bytes(sheets) if fmt == "xlsx" else _ods_bytes(sheets)
    return Edition(name, f"{name}.{fmt}", data, source.truth, pool_name, fmt)


def _columns(
    rng: random.Random,
    pool: dict,
    fields: dict[int, str],
    others: dict[int, list[str]],
    prefix: str,
) -> list[tuple[int, str]]:
    """(source column, printed header) in the edition's order; dropped columns left out."""
    cols: list[tuple[int, str]] = []
    for index, field in fields.items():
        header = rng.choice(pool["headers"][prefix + field])
        if header is not None:
            cols.append((index, header))
    for index, names in others.items():
        if rng.random() < 0.8:
            cols.append((index, rng.choice(names)))
    rng.shuffle(cols)
    return cols


def _table(rows: list[list[str | None]], cols: list[tuple[int, str]]) -> list[list[str | None]]:
    out: list[list[str | None]] = [[h for _, h in cols]]
    for row in rows[1:]:
        out.append([row[i] if i < len(row) else None for i, _ in cols])
    return out


def _ambiguous_agreements(statements: list[list[str | None]]) -> set[str]:
    """Agreements with more than one version among the statements: an edition that drops
    the version must keep it on these, or two statements would share one key."""
    seen: dict[str, int] = {}
    for row in statements[1:]:
        m = _NIC.match(row[0] or "")
        if m:
            seen[m[1]] = seen.get(m[1], 0) + 1
    return {n for n, count in seen.items() if count > 1}


def _rewrite_key(key: str | None, style: str, ambiguous: set[str]) -> str | None:
    """A purpose statement's reference as another edition writes it."""
    if key is None:
        return None
    m = _NIC.match(key)
    if not m:  # CASEMIX_MONITOR, GPCENSUS: other case and spacing only
        return key.strip().lower().replace("_", " ") if "lower" in style else key.strip()
    number, code, version = m[1], m[2], m[3]
    keep_version = version and (number in ambiguous or style in ("no_dars", "lower", "spaced"))
    tail = f"-v{version}" if keep_version else ""
    if style == "no_dars":
        return f"NIC-{number}-{code}{tail}"
    if style == "no_version":
        return f"DARS-NIC-{number}-{code}{tail}"
    if style == "lower":
        return f"dars-nic-{number}-{code}{tail}".lower()
    if style == "bare":
        return f"{number}-{code}{tail}"
    if style == "spaced":
        return f"NIC {number} {code}" + (f" v{version}" if keep_version else "")
    if style == "no_dars_lower":
        return f"nic-{number}-{code}{tail}".lower()
    if style == "spaced_no_version":
        return f"NIC {number} {code}" + (f" V{version}" if number in ambiguous else "")
    if style == "bare_lower":
        return f"{number}-{code}{tail}".lower()
    return f"nic_{number}_{code}{tail.replace('-', '_')}".lower()  # underscore_lower


def _xlsx_bytes(sheets: list[tuple[str, list[list[str | None]]]]) -> bytes:
    import openpyxl

    # not write_only: that mode writes no <dimension>, and openpyxl then scans a whole sheet
    # to size it before drr reads a row (Excel and LibreOffice always write one)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ods_bytes(sheets: list[tuple[str, list[list[str | None]]]]) -> bytes:
    """A minimal ODS package (mimetype, manifest, content.xml) that spreadsheet programs open."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>"
    )
    parts = [head]
    for title, rows in sheets:
        parts.append(f'<table:table table:name="{escape(title, {chr(34): "&quot;"})}">')
        for row in rows:
            parts.append("<table:table-row>")
            for cell in row:
                if cell is None or cell == "":
                    parts.append("<table:table-cell/>")
                    continue
                paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in cell.split("\n"))
                parts.append(f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>')
            parts.append("</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", "".join(parts), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _csv_bytes(rows: list[list[str | None]], rng: random.Random) -> bytes:
    delimiter = rng.choice([",", ";", "\t"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return out.getvalue().encode("utf-8-sig" if rng.random() < 0.5 else "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--set", choices=[*POOLS, "all"], default="all")
    parser.add_argument("--rows", type=int, default=None, help="first N release rows only")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = load_source(args.shared, args.rows)
    for edition in editions(source, args.set):
        (args.out / edition.filename).write_bytes(edition.data)
        with (args.out / f"{edition.name}.truth.jsonl").open("w", encoding="utf-8") as out:
            for row in edition.truth:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{edition.filename}: {len(edition.truth)} release rows, {len(edition.data):,} bytes")


if __name__ == "__main__":
    main()
