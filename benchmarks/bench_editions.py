"""Unseen editions: how many release rows drr reads whole from register editions nobody
wrote a profile for (issue 11), and how fast.

    python3 benchmarks/bench_editions.py [--set tuning|heldout|heldout2|all] [--rows N]

Makes the editions with ``corpora/tools/editions/make_editions.py`` (headers renamed,
reworded, misspelt or blank; columns reordered and dropped; title rows; sheets renamed
and reordered; purpose statements on their own sheet under references written another
way; XLSX, ODS, CSV) from NHS Digital's February 2021 workbook in ../shared, reads each
through ``extract.read_document`` on one core, and prints per edition: release rows,
rows with every checked field right, rows whose purpose was joined (right and not
empty), rows flagged ``needs_review``, and CPU rows/s. A row is right when each of
``make_editions.CHECKED`` (``PHE_CHECKED`` for ``--set phe``) equals what drr reads from
the published register with its curated profile. The ``heldout`` set was never run while the readers were tuned.
Figures are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "corpora" / "tools" / "editions"))

from make_editions import (
    Edition,
    editions,
    load_phe_source,
    load_source,
    phe_editions,
)

from extract import read_document
from extract.errors import ExtractError


def score(edition: Edition) -> tuple[int, int, int, int, float, Counter[str], str]:
    """Rows right, purposes joined, rows flagged, rows read, CPU seconds, wrong fields."""
    start = time.process_time()
    try:
        records = read_document(edition.data, edition.filename).records
    except ExtractError as exc:
        return 0, 0, 0, 0, time.process_time() - start, Counter(), f"{type(exc).__name__}: {exc}"
    cpu = time.process_time() - start
    right = joined = flagged = 0
    wrong: Counter[str] = Counter()
    for record, truth in zip(records, edition.truth, strict=False):
        bad = [f for f in truth if getattr(record.fields, f) != truth[f]]
        wrong.update(bad)
        right += not bad
        joined += record.fields.purpose is not None and record.fields.purpose == truth["purpose"]
        flagged += record.needs_review
    if len(records) != len(edition.truth):
        wrong["row count"] += abs(len(records) - len(edition.truth))
    return right, joined, flagged, len(records), cpu, wrong, records[0].source.layout if records else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--set", choices=["tuning", "heldout", "heldout2", "phe", "all"], default="tuning"
    )
    parser.add_argument("--rows", type=int, default=None, help="first N release rows only")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.set == "phe":  # the second publisher, held out whole
        chosen = list(phe_editions(load_phe_source(args.shared)))
    else:
        chosen = list(editions(load_source(args.shared, args.rows), args.set))
    print(f"load average {os.getloadavg()[0]:.1f}; {len(chosen[0].truth)} release rows per edition")
    print("| edition | rows | every field right | purpose joined | needs_review | CPU rows/s | layout / wrong fields |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    totals: dict[str, list[float]] = {}
    for edition in chosen:
        right, joined, flagged, rows, cpu, wrong, note = score(edition)
        n = len(edition.truth)
        key = f"{edition.pool} {edition.fmt}"
        t = totals.setdefault(key, [0, 0, 0, 0, 0.0])
        for i, v in enumerate((n, right, joined, flagged, cpu)):
            t[i] += v
        shown = ", ".join(f"{f} {c}" for f, c in wrong.most_common(4))
        print(f"| {edition.name} | {n} | {right / n:.2%} | {joined / n:.2%} | {flagged / n:.0%} "
              f"| {rows / cpu if cpu else 0:,.0f} | {note[:60]}{'; ' + shown if shown else ''} |")
    print()
    print("| set | rows | every field right | purpose joined | needs_review | CPU rows/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key, (n, right, joined, flagged, cpu) in totals.items():
        print(f"| {key} | {n:.0f} | {right / n:.2%} | {joined / n:.2%} | {flagged / n:.0%} "
              f"| {n / cpu:,.0f} |")


if __name__ == "__main__":
    main()
