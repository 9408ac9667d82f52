"""Make HSCIC-2014-style register text dumps from real register rows, with golden rows.

Real releases (NHS Digital release register, February 2021: ``DataReleases`` joined to
``PurposeStatements`` by NIC number) are laid out in the 8-column HSCIC 2014 layout in an
XLSX sheet the way the 2014 register PDFs were: wrapped text, bottom-aligned cells, the
HSCIC column widths, landscape, the header row repeated on every page, and the
organisation and purpose of one agreement merged across its 2-5 rows. LibreOffice renders
the sheet to PDF, and pdfminer.six and pdftotext turn the PDF into text. The golden rows
are the generator's input, so they are known without reading the text.

    python3 corpora/tools/make_textdumps.py --out corpora/textdumps --seed 1 --rows 50

Needs LibreOffice (``soffice``) and poppler-utils (``pdftotext``); the tests need neither.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

# The checkout this script sits in, not whatever drr is installed: its columns are the
# ones the dumps must match.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from extract.textdump import COLUMNS

RAW = Path("/work/shared/corpora-raw/nhs-digital-release-register-2021-02")
WORKBOOK = RAW / "1. releaseregister_20210201_20210228.xlsx"

HEADERS = (
    "Row ID",
    "Organisation Name",
    "Type of Data Provided",
    "Data provided to customer: Identifiable, Pseudonymised, Anonymised, aggregated-anonymised",
    "Sensitive or Non Sensitive",
    "Legal Basis for Provision of Data",
    "Purpose",
    "One off release or on-going releases",
)
FIELDS = COLUMNS  # the golden rows' fields: the reader's columns, in printed order
# Column widths of the 2014 register PDFs, in characters of the body font.
WIDTHS = (6, 14, 60, 22, 10, 28, 100, 10)
FONT_PT = 8.0
LINE_PT = 11.0
MERGED = (1, 6)  # organisation and purpose are the cells the 2014 register merged


@dataclass
class Agreement:
    organisation: str
    purpose: str
    releases: list[tuple[str, str, str, str, str]]  # data type .. frequency


def first_paragraph(text: str, limit: int) -> str:
    """The opening of a purpose statement, cut at a sentence end so it reads as printed."""
    para = re.split(r"\n\s*\n", text.strip())[0].replace("\n", " ")
    para = re.sub(r"\s+", " ", para)
    if len(para) <= limit:
        return para
    cut = para.rfind(". ", 0, limit)
    return para[: cut + 1] if cut > 40 else para[:limit].rsplit(" ", 1)[0]


def load_agreements(limit: int) -> list[Agreement]:
    from openpyxl import load_workbook

    book = load_workbook(WORKBOOK, read_only=True)
    purposes = {
        r[0]: r[2] for r in book["PurposeStatements"].iter_rows(values_only=True, min_row=2)
    }
    groups: dict[str, list[tuple]] = defaultdict(list)
    for r in book["DataReleases"].iter_rows(values_only=True, min_row=2):
        if r[7] in ("One-Off", "Ongoing") and purposes.get(r[8]):
            groups[r[8]].append(r)
    agreements = []
    for nic, rows in groups.items():
        seen: dict[str, tuple] = {}
        for r in rows:
            seen.setdefault(r[2], r)  # one row per dataset, as the 2014 register had
        releases = [
            tuple(str(v).strip() for v in (r[2], r[3], r[4], r[5], r[7])) for r in seen.values()
        ]
        purpose = first_paragraph(purposes[nic], limit)
        agreements.append(Agreement(str(rows[0][1]).strip(), purpose, releases))  # type: ignore[arg-type]
    return agreements


def choose_blocks(agreements: list[Agreement], rng: random.Random, rows: int) -> list[Agreement]:
    """Agreements of 1 row (own cells) and of 2-5 rows (merged cells), about `rows` in all."""
    rng.shuffle(agreements)
    chosen: list[Agreement] = []
    total = 0
    for agreement in agreements:
        size = rng.choice((1, 1, 2, 3, 4, 5))
        if len(agreement.releases) < size:
            continue
        chosen.append(
            Agreement(agreement.organisation, agreement.purpose, agreement.releases[:size])
        )
        total += size
        if total >= rows:
            break
    return chosen


def lines_needed(text: str, width: int) -> int:
    """Wrapped line count, generous, so no cell is clipped in the rendered PDF."""
    words = text.split()
    lines, used = 1, 0
    for word in words:
        if used and used + 1 + len(word) > width * 0.85:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def write_sheet(
    ws: Worksheet, blocks: list[Agreement], first_id: int, widths: tuple[int, ...]
) -> list[dict]:
    # Single cells top-aligned and merged cells bottom-aligned: what puts a row's cells in
    # column order and its merged cells after its last row, as in the 2014 dumps.
    wrap = Alignment(wrap_text=True, vertical="top")
    font = Font(name="Liberation Sans", size=FONT_PT)
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.alignment, cell.font = wrap, Font(name="Liberation Sans", size=FONT_PT, bold=True)
    ws.row_dimensions[1].height = LINE_PT * 5
    golden, row_id = [], first_id
    for block in blocks:
        top = ws.max_row + 1
        for release in block.releases:
            values = (str(row_id), block.organisation, *release[:4], block.purpose, release[4])
            ws.append(values)
            for cell in ws[ws.max_row]:
                cell.alignment, cell.font = wrap, font
            golden.append(dict(zip(FIELDS, values)))
            row_id += 1
        size_rows(ws, block, top, widths)
    return golden


def size_rows(ws: Worksheet, block: Agreement, top: int, widths: tuple[int, ...]) -> None:
    """Row heights that fit every cell; merged cells share their rows' height."""
    bottom = top + len(block.releases) - 1
    heights = []
    for index, release in enumerate(block.releases):
        values = ("", "", *release[:4], "", release[4])
        heights.append(max(lines_needed(v, w) for v, w in zip(values, widths)))
    merged_need = max(
        lines_needed(block.organisation, widths[1]), lines_needed(block.purpose, widths[6])
    )
    while sum(heights) < merged_need:
        heights[heights.index(min(heights))] += 1
    for offset, lines in enumerate(heights):
        ws.row_dimensions[top + offset].height = LINE_PT * lines + 4
    if bottom > top:
        for column in MERGED:
            letter = "ABCDEFGH"[column]
            ws.merge_cells(f"{letter}{top}:{letter}{bottom}")
            ws[f"{letter}{top}"].alignment = Alignment(wrap_text=True, vertical="bottom")


def build_workbook(
    blocks: list[Agreement], first_id: int, path: Path, widths: tuple[int, ...] = WIDTHS
) -> list[dict]:
    book = Workbook()
    ws = book.active
    ws.title = "Data Release Register"
    for index, width in enumerate(widths):
        ws.column_dimensions["ABCDEFGH"[index]].width = width * FONT_PT / 10 * 1.15
    golden = write_sheet(ws, blocks, first_id, widths)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    book.save(path)
    return golden


def render(xlsx: Path, workdir: Path) -> Path:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(workdir), str(xlsx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return workdir / (xlsx.stem + ".pdf")


def pdfminer_rows(pdf: Path) -> str:
    """pdfminer.six text boxes, top to bottom then left to right, one page per form feed.

    Boxes whose tops lie within 2.5 points are one printed row (LibreOffice places a row's
    cells a fraction of a point apart); a generous char_margin joins neighbouring cells
    that share a baseline into one line, as the 2014 dumps do.
    """
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox

    params = LAParams(boxes_flow=None, char_margin=6.0, line_margin=0.3)
    pages = []
    for page in extract_pages(str(pdf), laparams=params):
        boxes = sorted((b for b in page if isinstance(b, LTTextBox)), key=lambda b: -b.y1)
        rows: list[list[LTTextBox]] = []
        for box in boxes:
            if rows and rows[-1][0].y1 - box.y1 <= 2.5:
                rows[-1].append(box)
            else:
                rows.append([box])
        ordered = [box for row in rows for box in sorted(row, key=lambda b: b.x0)]
        pages.append("\n".join(box.get_text() for box in ordered))
    return "\f".join(pages)


def pdf_to_text(pdf: Path, tool: str) -> str:
    if tool == "pdfminer-rows":
        return pdfminer_rows(pdf)
    if tool == "pdfminer":
        from pdfminer.high_level import extract_text

        return extract_text(str(pdf))
    args = ["pdftotext", *(["-raw"] if tool == "pdftotext-raw" else []), str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def mark_clipped(golden: list[dict], text: str) -> list[dict]:
    """Cells whose text the PDF does not show whole (clipped at a page break) are undecided."""
    printed = "".join(text.replace("-", "").split())
    for row in golden:
        clipped = [
            name
            for name in FIELDS
            if row[name] and "".join(row[name].replace("-", "").split()) not in printed
        ]
        if clipped:
            row["undecided"] = clipped
    return golden


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--purpose-chars", type=int, default=450)
    parser.add_argument(
        "--tool",
        default="pdfminer-rows",
        choices=("pdfminer-rows", "pdfminer", "pdftotext", "pdftotext-raw"),
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    blocks = choose_blocks(load_agreements(args.purpose_chars), rng, args.rows)
    name = f"generated-{args.seed:02d}"
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / f"{name}.xlsx"
        # Each dump gets its own column widths, so no width is fitted to one geometry.
        widths = tuple(max(4, round(w * rng.uniform(0.85, 1.2))) for w in WIDTHS)
        golden = build_workbook(blocks, rng.choice((1, 1, 101, 2001)), xlsx, widths)
        text = pdf_to_text(render(xlsx, Path(tmp)), args.tool)
    golden = mark_clipped(golden, text)
    (args.out / f"{name}.txt").write_text(text, encoding="utf-8")
    with (args.out / f"{name}.golden.jsonl").open("w", encoding="utf-8") as out:
        for row in golden:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(golden)} rows, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
