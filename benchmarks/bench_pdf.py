"""PDF register extraction: drr against the tools users reach for, in one run.

    python benchmarks/bench_pdf.py [--pdfs corpora/pdfs] [--repeat 1] [--markdown]

On every golden PDF of ``corpora/pdfs`` this runs drr, pdfplumber (``lines`` and ``text``
strategies), camelot (``lattice`` and ``stream``) and, for time only, pdfminer.six's own
``extract_pages`` with default LAParams. It prints, per tool: rows exactly right, cells
exactly right, merged blocks crossing a page read right, seconds per page and the ratio
to ``extract_pages``.

Scoring, the same for every tool (whitespace is ignored everywhere):
- A table row is a list of cell texts. drr's named fields are put in the printed column
  order; the anchors' table cells are taken by position, after dropping rows that repeat
  the header and columns that are empty throughout a table (the ``text`` and ``stream``
  strategies invent them). Tables of every page are concatenated.
- Merged cells get the anchors' own best treatment: camelot lattice runs with
  ``copy_text=["v"]``, and pdfplumber's ``None`` (a cell covered by a merged cell) is
  filled from the cell above, which is what its table model means.
- Rows exact: golden rows found, cell for cell, among the tool's rows (a multiset match,
  so order and invented rows are not held against anyone). Cells exact: each golden row
  is paired with the tool's first unused row with the same first cell, and equal cells
  are counted. Merged blocks across a page: blocks of 2+ golden rows on 2+ pages (pages
  as drr reports them) whose rows are all exact.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import logging
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.pdf import read_pdf
from extract.record import Row

_SPACE = re.compile(r"\s+")
Table = list[list[str]]


def squash(value: object) -> str:
    return "" if value is None else _SPACE.sub("", str(value))


def load_specs() -> dict[str, Any]:
    """The generator's specs: the printed column order of every corpus PDF."""
    path = ROOT / "corpora" / "tools" / "render_pdfs.py"
    spec = importlib.util.spec_from_file_location("render_pdfs", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_pdfs"] = module
    spec.loader.exec_module(module)
    return {s.name: s for s in module.SPECS}


def positional(columns: Any, fields: dict[str, Any]) -> list[str]:
    """A record's fields in printed column order."""
    out = []
    for column in columns:
        if column.field:
            out.append(squash(fields.get(column.field)))
        else:
            header = " ".join(column.header.split())
            out.append(squash(fields.get("extra", {}).get(header)))
    return out


# the tools ---------------------------------------------------------------------------------


def run_drr(path: Path) -> list[Row]:
    return read_pdf(path.read_bytes())


def run_pdfplumber(strategy: str) -> Callable[[Path], list[Table]]:
    def run(path: Path) -> list[Table]:
        import pdfplumber

        settings = {"vertical_strategy": strategy, "horizontal_strategy": strategy}
        with pdfplumber.open(path) as pdf:
            tables = [t for page in pdf.pages for t in page.extract_tables(settings)]
        if strategy == "lines":
            tables = [fill_down(t) for t in tables]
        return [[[squash(c) for c in row] for row in t] for t in tables]

    return run


def fill_down(table: list[list[str | None]]) -> list[list[str | None]]:
    """pdfplumber's ``None``: the cell is covered by the merged cell above it."""
    out: list[list[str | None]] = []
    for row in table:
        if out:
            row = [out[-1][i] if c is None and i < len(out[-1]) else c for i, c in enumerate(row)]
        out.append(row)
    return out


def run_camelot(flavor: str) -> Callable[[Path], list[Table]]:
    def run(path: Path) -> list[Table]:
        import camelot

        options: dict[str, Any] = {"copy_text": ["v"]} if flavor == "lattice" else {}
        tables = camelot.read_pdf(str(path), pages="all", flavor=flavor, **options)
        return [[[squash(c) for c in row] for row in t.df.values.tolist()] for t in tables]

    return run


def run_pdfminer(path: Path) -> None:
    from pdfminer.high_level import extract_pages

    for _ in extract_pages(io.BytesIO(path.read_bytes())):
        pass


# scoring -----------------------------------------------------------------------------------


def drop_empty_columns(table: Table) -> Table:
    width = max((len(r) for r in table), default=0)
    rows = [r + [""] * (width - len(r)) for r in table]
    keep = [i for i in range(width) if any(r[i] for r in rows)]
    return [[r[i] for i in keep] for r in rows]


def is_header(row: list[str], header: list[str]) -> bool:
    named = [h for h in header if h]
    same = sum(1 for cell, h in zip(row, header) if cell and cell == h)
    return bool(named) and same * 2 >= len(named)


def anchor_rows(tables: list[Table], header: list[str]) -> list[list[str]]:
    rows = []
    for table in tables:
        for row in drop_empty_columns(table):
            if not is_header(row, header):
                rows.append(row)
    return rows


def score(gold: list[list[str]], got: list[list[str]]) -> tuple[int, int, int, set[int]]:
    """(rows exact, cells exact, cells in all, indices of golden rows found exactly)."""
    available = Counter(tuple(r) for r in got)
    exact: set[int] = set()
    for i, row in enumerate(gold):
        if available[tuple(row)] > 0:
            available[tuple(row)] -= 1
            exact.add(i)
    unused = list(range(len(got)))
    cells = 0
    for row in gold:
        for j in unused:
            if got[j] and got[j][0] == row[0]:
                cells += sum(1 for a, b in zip(row, got[j]) if a == b)
                unused.remove(j)
                break
    return len(exact), cells, sum(len(r) for r in gold), exact


def crossing_blocks(golden: list[dict], drr_rows: list[Row]) -> list[list[int]]:
    blocks: dict[str, list[int]] = {}
    for i, g in enumerate(golden):
        blocks.setdefault(g["block"], []).append(i)
    return [
        members
        for members in blocks.values()
        if len(members) > 1
        and len({p for i in members if i < len(drr_rows) for p in drr_rows[i].pages}) > 1
    ]


# the run -----------------------------------------------------------------------------------


def timed(func: Callable[[Path], Any], path: Path, repeat: int) -> tuple[Any, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func(path)
        best = min(best, time.perf_counter() - started)
    return result, best


def page_count(path: Path) -> int:
    from pdfminer.pdfpage import PDFPage

    with open(path, "rb") as f:
        return sum(1 for _ in PDFPage.get_pages(f))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT / "corpora" / "pdfs")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each tool N times, keep the best"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    specs = load_specs()
    tools: dict[str, Callable[[Path], Any]] = {
        "drr": run_drr,
        "pdfplumber lines": run_pdfplumber("lines"),
        "pdfplumber text": run_pdfplumber("text"),
        "camelot lattice": run_camelot("lattice"),
        "camelot stream": run_camelot("stream"),
    }
    totals = {name: Counter() for name in [*tools, "pdfminer extract_pages"]}
    per_doc: dict[str, dict[str, str]] = {}
    for path in sorted(args.pdfs.glob("*.pdf")):
        spec = specs[path.stem]
        golden = [json.loads(line) for line in path.with_suffix(".golden.jsonl").open()]
        gold_rows = [positional(spec.columns, g["fields"]) for g in golden]
        header = [squash(c.header) for c in spec.columns]
        pages = page_count(path)
        _, seconds = timed(run_pdfminer, path, args.repeat)
        totals["pdfminer extract_pages"].update(seconds_ms=int(seconds * 1000), pages=pages)
        drr_rows: list[Row] = []
        per_doc[path.stem] = {}
        for name, func in tools.items():
            try:
                result, seconds = timed(func, path, args.repeat)
            except Exception as exc:  # noqa: BLE001 - an anchor failing is a result, not a crash
                print(f"{path.name}: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                result, seconds = [], 0.0
            if name == "drr":
                drr_rows = result
                got = [positional(spec.columns, r.fields.model_dump()) for r in result]
            else:
                got = anchor_rows(result, header)
            rows_ok, cells_ok, cells, exact = score(gold_rows, got)
            blocks = crossing_blocks(golden, drr_rows)
            blocks_ok = sum(1 for members in blocks if all(i in exact for i in members))
            totals[name].update(
                rows_ok=rows_ok,
                rows=len(gold_rows),
                cells_ok=cells_ok,
                cells=cells,
                blocks_ok=blocks_ok,
                blocks=len(blocks),
                seconds_ms=int(seconds * 1000),
                pages=pages,
            )
            per_doc[path.stem][name] = f"{rows_ok}/{len(gold_rows)}"
    print_report(totals, per_doc)


def print_report(totals: dict[str, Counter], per_doc: dict[str, dict[str, str]]) -> None:
    base = totals["pdfminer extract_pages"]
    base_per_page = base["seconds_ms"] / 1000 / max(base["pages"], 1)
    print(
        "| tool | rows exact | cells exact | merged blocks across a page | s/page | × extract_pages |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, t in totals.items():
        per_page = t["seconds_ms"] / 1000 / max(t["pages"], 1)
        if name == "pdfminer extract_pages":
            print(f"| {name} (default LAParams, time only) | | | | {per_page:.3f} | 1.00 |")
            continue
        print(
            f"| {name} | {100 * t['rows_ok'] / t['rows']:.1f}% ({t['rows_ok']}/{t['rows']}) "
            f"| {100 * t['cells_ok'] / t['cells']:.1f}% "
            f"| {t['blocks_ok']}/{t['blocks']} | {per_page:.3f} | {per_page / base_per_page:.2f} |"
        )
    names = list(next(iter(per_doc.values())))
    print()
    print("| rows exact per PDF | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for doc, results in per_doc.items():
        print(f"| {doc} | " + " | ".join(results[n] for n in names) + " |")


if __name__ == "__main__":
    main()
