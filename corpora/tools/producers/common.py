"""What every producer family shares: the style of one register PDF, its rows, its golden.

Rows, column layouts and goldens come from ``render_pdfs.py`` (the Calc corpus), so every
family prints the same real register rows under the same header texts; only the producer
and the house style differ. A ``Style`` is what a producer is asked to print; each
producer module turns it into a PDF with its own tool.
"""

from __future__ import annotations

import json
import math
import sys
import textwrap
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import render_pdfs  # the Calc generator's rows and layouts, found by the path above
from render_pdfs import Column

LAYOUTS: dict[str, tuple[Column, ...]] = {
    "hscic": render_pdfs.HSCIC,
    "nhsd": render_pdfs.NHSD,
    "phe": render_pdfs.PHE,
    "purposes": render_pdfs.PURPOSES,
}
# The source each layout prints; the HSCIC layout reprints NHS Digital rows numbered 1, 2, 3.
SOURCES = {"hscic": "nhsd", "nhsd": "nhsd", "phe": "phe", "purposes": "purposes"}
RULES = ("grid", "horizontal", "header", "none", "zebra")
VALIGNS = ("top", "middle", "bottom")
TITLE = "Data Release Register"
PROSE = render_pdfs.PREAMBLE[0]
BAND = "#1f4e79"  # the header band's fill (white bold text on it)
ZEBRA = "#dde7f0"  # the fill of every other row in zebra tables


@dataclass(frozen=True)
class Style:
    """One register PDF as a producer is asked to print it."""

    name: str
    layout: str  # a key of LAYOUTS
    rows: int
    skip: int  # rows of the source skipped before the printed ones
    rules: str = "grid"  # one of RULES
    valign: str = "bottom"  # one of VALIGNS
    header_center: bool = False
    band: bool = False  # header in a coloured band, white bold text
    repeat_header: bool = True  # the header on every page, or on page 1 only
    header_lines: int = 0  # break each header text over at most N lines (0: as it wraps)
    title: bool = False  # a title and a paragraph of prose above the table
    landscape: bool = True
    size: float = 9  # font size in points
    merge: bool = True  # organisation/purpose (and NIC) as rowspan cells over a release
    right_ids: bool = False  # row ids right-aligned
    row_id: bool = True  # False: the register prints no row-id column
    split_rows: bool = True  # rows may break over a page where the producer can
    serif: bool = False  # a serif face, else a sans

    def columns(self) -> tuple[Column, ...]:
        cols = LAYOUTS[self.layout]
        return tuple(c for c in cols if self.row_id or c.field != "row_id")

    def merged_fields(self) -> tuple[str, ...]:
        if not self.merge:
            return ()
        return (
            ("organisation", "purpose", "reference")
            if self.layout == "nhsd"
            else (
                "organisation",
                "purpose",
            )
        )

    def calc_spec(self) -> render_pdfs.Spec:
        """The Calc generator's spec for the same rows: its row selection and golden."""
        return render_pdfs.Spec(
            self.name,
            SOURCES[self.layout],
            self.columns(),
            rows=self.rows,
            skip=self.skip,
            row_ids="count" if self.layout == "hscic" else "source",
        )


@cache
def source_rows(source: str, raw: Path) -> list[dict[str, str]]:
    readers = {
        "nhsd": render_pdfs.nhsd_rows,
        "phe": render_pdfs.phe_rows,
        "purposes": render_pdfs.purpose_rows,
    }
    return readers[source](raw)


def select_rows(style: Style, raw: Path) -> list[dict[str, str]]:
    spec = style.calc_spec()
    rows = source_rows(spec.source, raw)[spec.skip : spec.skip + spec.rows]
    if spec.row_ids == "count":
        rows = [{**row, "row_id": str(i)} for i, row in enumerate(rows, spec.skip + 1)]
    return rows


def header_text(col: Column, lines: int) -> list[str]:
    """A header's printed lines: as typed, or broken at words into at most ``lines`` lines."""
    text = " ".join(col.header.split())
    if lines <= 0:
        return [text]
    width = max(math.ceil(len(text) / lines), max(len(w) for w in text.split()))
    return textwrap.wrap(text, width) or [text]


def block_spans(style: Style, rows: list[dict[str, str]]) -> dict[int, int]:
    """First row index of each release with 2+ rows -> its row count (the rowspan)."""
    if not style.merged_fields():
        return {}
    return {first: last - first + 1 for first, last in render_pdfs.blocks(rows) if last > first}


def check_merges(style: Style, rows: list[dict[str, str]]) -> None:
    """A merged cell prints its first row's value; the golden gives every row its own, so
    they must agree."""
    for first, n in block_spans(style, rows).items():
        for col in style.columns():
            if col.field in style.merged_fields():
                values = {rows[i][col.source] for i in range(first, first + n)}
                if len(values) > 1:
                    raise ValueError(f"{style.name}: rows {first}+{n} differ in {col.header}")


def covered(spans: dict[int, int]) -> set[int]:
    """Row indices whose merged cells are covered by a rowspan from a row above."""
    return {i for first, n in spans.items() for i in range(first + 1, first + n)}


def widths(style: Style) -> list[float]:
    """Relative column widths, summing to 1."""
    raw = [c.width for c in style.columns()]
    return [w / sum(raw) for w in raw]


def write_outputs(
    style: Style, family: str, rows: list[dict[str, str]], pdf: Path, out: Path
) -> None:
    """The golden beside the PDF, and the file's entry in the folder's manifest."""
    golden = render_pdfs.golden(style.calc_spec(), rows)
    with open(out / f"{style.name}.golden.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in golden)
    update_manifest(out, style, family, len(rows))


def manifest_entry(style: Style, family: str, rows: int) -> dict[str, object]:
    return {
        "family": family,
        "rows": rows,
        "columns": [
            {"header": " ".join(c.header.split()), "field": c.field} for c in style.columns()
        ],
        "style": asdict(style),
    }


def update_manifest(out: Path, style: Style, family: str, rows: int) -> None:
    """``manifest.json``: per PDF its family, row count, printed columns and style.

    The benchmark reads the printed column order from it (a golden's fields are named, a
    table's cells are positional); the tests check the goldens against it.
    """
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest[style.name] = manifest_entry(style, family, rows)
    path.write_text(
        json.dumps(dict(sorted(manifest.items())), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def printed_once(style: Style, rows: list[dict[str, str]]) -> Counter[str]:
    """The non-space characters the PDF must hold: every cell, a merged cell once."""
    hidden = covered(block_spans(style, rows))
    merged = style.merged_fields()
    wanted: Counter[str] = Counter()
    for i, row in enumerate(rows):
        for col in style.columns():
            if not (i in hidden and col.field in merged):
                wanted.update(c for c in row[col.source] if not c.isspace())
    return wanted


def check_text(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    """Fail when the producer lost or altered text (clipped, ligatures): then the golden
    would ask for text the PDF does not hold. Only a count of characters: the reading of
    the table is the benchmark's business."""
    from pdfminer.high_level import extract_text

    text = extract_text(str(pdf))
    missing = printed_once(style, rows) - Counter(c for c in text if not c.isspace())
    if missing:
        raise ValueError(f"{pdf}: text missing from the PDF: {dict(missing.most_common(8))}")
