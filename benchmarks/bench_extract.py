"""Extraction speed of text and spreadsheet registers, on one core.

    python3 benchmarks/bench_extract.py [--repeat N]

Pins itself to one CPU, reads each document from memory ``N`` times through
``extract.read_document`` (the same call the CLI makes) and prints rows/s per
input. Figures are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from extract import read_document

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

INPUTS = [
    ROOT / "corpora/samples/hscic-2014-sample.txt",
    *sorted((ROOT / "corpora/textdumps").glob("*.txt")),
    ROOT / "corpora/samples/reformatted-page-compufile.txt",
    SHARED / "corpora-raw/nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx",
    SHARED / "corpora-raw/phe-data-release-register-2017-2020/"
    "13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods",
    SHARED / "corpora-raw/phe-data-release-register-2014-2018/PHE.csv",
    SHARED / "corpora-raw/cprd-approved-studies/5. CPRD_links.csv",
]


def bench(path: Path, repeat: int) -> tuple[str, int, float]:
    data = path.read_bytes()
    timings, rows, fmt = [], 0, "?"
    for _ in range(repeat):
        start = time.perf_counter()
        document = read_document(data, path.name)
        timings.append(time.perf_counter() - start)
        rows, fmt = len(document.records), document.format
    return fmt, rows, statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"{'input':<58} {'format':<6} {'rows':>6} {'seconds':>8} {'rows/s':>9}")
    total_rows, total_seconds = 0, 0.0
    for path in INPUTS:
        if not path.exists():
            print(f"{path.name[:58]:<58} missing")
            continue
        fmt, rows, seconds = bench(path, args.repeat)
        total_rows, total_seconds = total_rows + rows, total_seconds + seconds
        print(f"{path.name[:58]:<58} {fmt:<6} {rows:>6} {seconds:>8.3f} {rows / seconds:>9,.0f}")
    print(f"{'all (median of each)':<58} {'':<6} {total_rows:>6} {total_seconds:>8.3f} "
          f"{total_rows / total_seconds:>9,.0f}")


if __name__ == "__main__":
    main()
