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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Measure this checkout's code, not whichever copy of drr is installed: run as a script,
# Python puts benchmarks/ on the path, not the checkout.
sys.path.insert(0, str(ROOT))

from extract import read_document

SHARED = ROOT.parent / "shared"

INPUTS = [
    ROOT / "corpora/samples/hscic-2014-sample.txt",
    *sorted((ROOT / "corpora/textdumps").glob("generated-*.txt")),
    ROOT / "corpora/samples/reformatted-page-compufile.txt",
    SHARED / "corpora-raw/nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx",
    SHARED / "corpora-raw/phe-data-release-register-2017-2020/"
    "13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods",
    SHARED / "corpora-raw/phe-data-release-register-2014-2018/PHE.csv",
    SHARED / "corpora-raw/cprd-approved-studies/5. CPRD_links.csv",
]


def bench(path: Path, repeat: int) -> tuple[str, int, float, float]:
    """Format, rows, median CPU seconds and median wall seconds of one read."""
    data = path.read_bytes()
    cpu, wall, rows, fmt = [], [], 0, "?"
    for _ in range(repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        document = read_document(data, path.name)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        rows, fmt = len(document.records), document.format
    return fmt, rows, statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"load average {os.getloadavg()[0]:.1f}; median of {args.repeat} reads per input")
    print(f"| {'input':<50} | format | {'rows':>6} | CPU rows/s | wall rows/s |")
    print(f"| {'-' * 50} | ------ | {'-' * 6} | ---------: | ----------: |")
    total_rows, total_cpu, total_wall = 0, 0.0, 0.0
    for path in INPUTS:
        if not path.exists():
            print(f"| {path.name[:50]:<50} | missing |")
            continue
        fmt, rows, cpu, wall = bench(path, args.repeat)
        total_rows, total_cpu, total_wall = total_rows + rows, total_cpu + cpu, total_wall + wall
        print(f"| {path.name[:50]:<50} | {fmt:<6} | {rows:>6} | {rows / cpu:>10,.0f} | "
              f"{rows / wall:>11,.0f} |")
    print(f"| {'all inputs':<50} | {'':<6} | {total_rows:>6} | {total_rows / total_cpu:>10,.0f} | "
          f"{total_rows / total_wall:>11,.0f} |")


if __name__ == "__main__":
    main()
