"""PDF register extraction: drr against the tools users reach for, in one run, per family.

    python benchmarks/bench_pdf.py [--pdfs corpora/pdfs] [--repeat 1]
    python benchmarks/bench_pdf.py --corpus corpora/producers [--held-out latex]
    python benchmarks/bench_pdf.py --dir /tmp/batch        # a random batch (random_batch.py)

The PDFs come in *families*, one per producer: ``calc`` is ``corpora/pdfs`` (LibreOffice
Calc; printed column order from ``corpora/tools/render_pdfs.py``); ``--corpus`` adds each
folder of ``corpora/producers`` (writer, chromium, reportlab, latex; column order from the
folder's ``manifest.json``); ``--dir`` scores a flat folder of a random batch instead (its
manifest names each file's family). On every golden PDF this runs drr, pdfplumber
(``lines`` and ``text`` strategies), camelot (``lattice``, ``stream``, ``network``,
``hybrid``), tabula-py (``lattice``, ``stream``) and, for time only, pdfminer.six's own
``extract_pages`` with default LAParams. It prints, per family and per tool: rows exactly
right, rows out against rows in (a tool that splits a row in two or invents rows gives
more rows than the golden has; one that merges rows gives fewer), cells exactly right,
files refused (the tool raised), merged blocks crossing a page read right, seconds per
page; then the totals, a per-file table and, for drr, every file not read exactly. A
family named by ``--held-out`` prints only its totals: no per-file line, no failure
detail, no error message. ``--skip TOOL`` leaves a slow anchor out.

Scoring, the same for every tool (whitespace is ignored everywhere):
- A table row is a list of cell texts. drr's named fields are put in the printed column
  order; the anchors' table cells are taken by position, after dropping rows that repeat
  the header and columns that are empty throughout a table (the ``text`` and ``stream``
  strategies invent them). Tables of every page are concatenated.
- Merged cells get the anchors' own best treatment: camelot lattice runs with
  ``copy_text=["v"]``, and pdfplumber's ``None`` (a cell covered by a merged cell) is
  filled from the cell above, which is what its table model means.
- Rows exact: golden rows found, cell for cell, among the tool's rows (a multiset match,
  so order and invented rows are not held against anyone: rows out shows them). Cells
  exact: each golden row is paired with the tool's first unused row with the same first
  cell, and equal cells are counted. Merged blocks across a page: blocks of 2+ golden rows
  on 2+ pages (pages as drr reports them) whose rows are all exact.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import logging
import math
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.pdf import read_pdf
from extract.record import Row

_SPACE = re.compile(r"\s+")
Table = list[list[str]]


def squash(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""  # None: pdfplumber's covered cell; NaN: pandas' empty cell (tabula)
    return _SPACE.sub("", str(value))


@dataclass(frozen=True)
class Col:
    """A printed column: its header text and the record field it maps to (None: extra)."""

    header: str
    field: str | None


@dataclass(frozen=True)
class Doc:
    path: Path
    family: str
    columns: Sequence[Any]  # Col or render_pdfs.Column: .header and .field
    golden: list[dict]


def read_golden(pdf: Path) -> list[dict]:
    with open(pdf.with_suffix(".golden.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def calc_docs(folder: Path) -> list[Doc]:
    """The Calc corpus: column order from the generator's specs."""
    specs = load_specs()
    return [
        Doc(path, "calc", specs[path.stem].columns, read_golden(path))
        for path in sorted(folder.glob("*.pdf"))
    ]


def manifest_docs(folder: Path) -> list[Doc]:
    """A folder with a ``manifest.json`` (a producer family, or a flat random batch)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [
        Doc(
            folder / f"{name}.pdf",
            entry["family"],
            [Col(c["header"], c["field"]) for c in entry["columns"]],
            read_golden(folder / f"{name}.pdf"),
        )
        for name, entry in sorted(manifest.items())
    ]


def corpus_docs(corpus: Path) -> list[Doc]:
    return [
        doc for sub in sorted(corpus.glob("*/manifest.json")) for doc in manifest_docs(sub.parent)
    ]


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


def run_tabula(mode: str) -> Callable[[Path], list[Table]]:
    def run(path: Path) -> list[Table]:
        import tabula

        frames = tabula.read_pdf(
            str(path),
            pages="all",
            lattice=mode == "lattice",
            stream=mode == "stream",
            pandas_options={"header": None},  # the header is a row, dropped as the others'
            silent=True,
        )
        assert isinstance(frames, list)  # DataFrames, as pandas_options asks
        return [[[squash(c) for c in row] for row in f.values.tolist()] for f in frames]

    return run


TOOLS: dict[str, Callable[[Path], Any]] = {
    "drr": run_drr,
    "pdfplumber lines": run_pdfplumber("lines"),
    "pdfplumber text": run_pdfplumber("text"),
    "camelot lattice": run_camelot("lattice"),
    "camelot stream": run_camelot("stream"),
    "camelot network": run_camelot("network"),
    "camelot hybrid": run_camelot("hybrid"),
    "tabula lattice": run_tabula("lattice"),
    "tabula stream": run_tabula("stream"),
}


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


@dataclass
class Result:
    """One tool on one file."""

    rows_ok: int = 0
    rows_in: int = 0
    rows_out: int = 0
    cells_ok: int = 0
    cells: int = 0
    blocks_ok: int = 0
    blocks: int = 0
    seconds: float = 0.0
    pages: int = 0
    refused: str = ""  # the tool's error, when it raised
    files_refused: int = 0
    missing: list[int] = field(default_factory=list)  # golden rows not found exactly


def got_rows(name: str, doc: Doc, result: Any) -> list[list[str]]:
    if name == "drr":
        return [positional(doc.columns, r.fields.model_dump()) for r in result]
    return anchor_rows(result, [squash(c.header) for c in doc.columns])


def run_tool(name: str, doc: Doc, repeat: int, pages: int) -> tuple[Result, Any]:
    gold = [positional(doc.columns, g["fields"]) for g in doc.golden]
    refused = ""
    try:
        result, seconds = timed(TOOLS[name], doc.path, repeat)
    except Exception as exc:  # noqa: BLE001 - a tool failing is a result, not a crash
        refused, result, seconds = f"{type(exc).__name__}: {exc}", [], 0.0
    got = got_rows(name, doc, result)
    rows_ok, cells_ok, cells, exact = score(gold, got)
    outcome = Result(
        rows_ok=rows_ok,
        rows_in=len(gold),
        rows_out=len(got),
        cells_ok=cells_ok,
        cells=cells,
        seconds=seconds,
        pages=pages,
        refused=refused,
        files_refused=int(bool(refused)),
        missing=[i for i in range(len(gold)) if i not in exact],
    )
    return outcome, (result if name == "drr" else None)


def run_doc(doc: Doc, tools: list[str], repeat: int) -> tuple[dict[str, Result], float]:
    """Every tool on one file; and extract_pages' time for the file."""
    pages = page_count(doc.path)
    _, baseline = timed(run_pdfminer, doc.path, repeat)
    results: dict[str, Result] = {}
    drr_rows: list[Row] = []
    for name in tools:
        results[name], rows = run_tool(name, doc, repeat, pages)
        if name == "drr":
            drr_rows = rows
    blocks = crossing_blocks(doc.golden, drr_rows)
    for outcome in results.values():
        missing = set(outcome.missing)
        outcome.blocks = len(blocks)
        outcome.blocks_ok = sum(1 for members in blocks if not missing & set(members))
    return results, baseline


def add(total: Result, one: Result) -> None:
    counts = ("rows_ok", "rows_in", "rows_out", "cells_ok", "cells", "blocks_ok", "blocks")
    for name in (*counts, "files_refused"):
        setattr(total, name, getattr(total, name) + getattr(one, name))
    total.seconds += one.seconds
    total.pages += one.pages


def table(title: str, totals: dict[str, Result], base: Result) -> None:
    base_per_page = base.seconds / max(base.pages, 1)
    files = totals.get("_files", Result()).rows_in
    print(f"\n### {title} ({files} files, {base.pages} pages)\n")
    print(
        "| tool | rows exact | rows out / in | cells exact | files refused "
        "| merged blocks across a page | s/page | × extract_pages |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, t in totals.items():
        if name == "_files":
            continue
        per_page = t.seconds / max(t.pages, 1)
        print(
            f"| {name} | {100 * t.rows_ok / max(t.rows_in, 1):.1f}% ({t.rows_ok}/{t.rows_in}) "
            f"| {t.rows_out} / {t.rows_in} | {100 * t.cells_ok / max(t.cells, 1):.1f}% "
            f"| {t.files_refused} | {t.blocks_ok}/{t.blocks} | {per_page:.3f} "
            f"| {per_page / max(base_per_page, 1e-9):.2f} |"
        )
    print(
        f"| pdfminer extract_pages (default LAParams, time only) | | | | | | {base_per_page:.3f} | 1.00 |"
    )


def per_file(runs: list[tuple[Doc, dict[str, Result]]], tools: list[str]) -> None:
    print("\n### rows exact per PDF (rows out in brackets when they differ from rows in)\n")
    print("| family | file | " + " | ".join(tools) + " |")
    print("| --- | --- |" + " ---: |" * len(tools))
    for doc, results in runs:
        cells = []
        for name in tools:
            r = results[name]
            out = f" ({r.rows_out})" if r.rows_out != r.rows_in else ""
            cells.append("refused" if r.refused else f"{r.rows_ok}/{r.rows_in}{out}")
        print(f"| {doc.family} | {doc.path.stem} | " + " | ".join(cells) + " |")


def drr_failures(runs: list[tuple[Doc, dict[str, Result]]]) -> None:
    """Every file drr did not read exactly: refused with its reason, or which rows."""
    lines = []
    for doc, results in runs:
        r = results.get("drr")
        if r is None or (r.rows_ok == r.rows_in and r.rows_out == r.rows_in and not r.refused):
            continue
        if r.refused:
            lines.append(f"- {doc.family}/{doc.path.stem}: refused: {r.refused}")
            continue
        first = ", ".join(str(i) for i in r.missing[:8]) + (" …" if len(r.missing) > 8 else "")
        lines.append(
            f"- {doc.family}/{doc.path.stem}: {r.rows_ok}/{r.rows_in} exact, {r.rows_out} rows "
            f"out for {r.rows_in} in; golden rows not found: {first or 'none'}"
        )
    if lines:
        print("\n### drr: files not read exactly\n")
        print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pdfs", type=Path, default=ROOT / "corpora" / "pdfs", help="the Calc corpus, family calc"
    )
    parser.add_argument("--corpus", type=Path, help="also every family folder in it")
    parser.add_argument("--dir", type=Path, help="score this random batch only")
    parser.add_argument(
        "--held-out",
        nargs="*",
        default=[],
        metavar="FAMILY",
        help="families to print totals for, nothing else",
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=sorted(TOOLS),
        metavar="TOOL",
        help=f"tools to leave out, of: {', '.join(TOOLS)}",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each tool N times, keep the best"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    if args.dir:
        docs = manifest_docs(args.dir)
    else:
        docs = calc_docs(args.pdfs) + (corpus_docs(args.corpus) if args.corpus else [])
    tools = [name for name in TOOLS if name not in args.skip]
    report(docs, tools, args.repeat, set(args.held_out))


def report(docs: list[Doc], tools: list[str], repeat: int, held_out: set[str]) -> None:
    runs: list[tuple[Doc, dict[str, Result]]] = []
    families: dict[str, dict[str, Result]] = {}
    bases: dict[str, Result] = {}
    for doc in docs:
        results, baseline = run_doc(doc, tools, repeat)
        runs.append((doc, results))
        family = families.setdefault(doc.family, {name: Result() for name in ["_files", *tools]})
        family["_files"].rows_in += 1
        for name in tools:
            add(family[name], results[name])
        base = bases.setdefault(doc.family, Result())
        base.seconds += baseline
        base.pages += results[tools[0]].pages
        if doc.family not in held_out:
            for name in tools:
                if results[name].refused:
                    print(
                        f"{doc.path.name}: {name} failed: {results[name].refused}", file=sys.stderr
                    )
    everything: dict[str, Result] = {name: Result() for name in ["_files", *tools]}
    for name, family in families.items():
        note = " — held out: totals only" if name in held_out else ""
        table(f"family {name}{note}", family, bases[name])
        for tool, total in family.items():
            add(everything[tool], total)
    everything["_files"].rows_in = len(docs)
    all_base = Result(
        seconds=sum(b.seconds for b in bases.values()), pages=sum(b.pages for b in bases.values())
    )
    if len(families) > 1:
        table(f"all families: {', '.join(families)}", everything, all_base)
    shown = [(doc, results) for doc, results in runs if doc.family not in held_out]
    if shown:
        per_file(shown, tools)
        drr_failures(shown)


if __name__ == "__main__":
    main()
