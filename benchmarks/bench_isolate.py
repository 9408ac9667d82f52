"""What the PDF bounds cost per document: pages read in-process vs in the bounded child.

    python3 benchmarks/bench_isolate.py [--repeat 5] [--dir corpora/pdfs]

Per file, the best of ``--repeat`` runs of (a) ``iter_pages`` in this process, as
``load_pages`` read pages before the bounds, and (b) ``bounded_pages``, as it reads them now:
a fork, the child's rlimits, the pages pickled back. Run it from a checkout of an older
commit too (it falls back to that commit's ``iter_pages`` signature) to compare the
in-process reading before and after the stream bounds. Measures its own checkout.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.limits import Limits
from extract.pdf import pages


def in_process(data: bytes, limits: Limits) -> object:
    if "limits" in inspect.signature(pages.iter_pages).parameters:
        return list(pages.iter_pages(data, limits))
    return list(pages.iter_pages(data, limits.max_pages, limits.max_uncompressed_bytes))  # type: ignore[arg-type]


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=ROOT / "corpora" / "pdfs")
    args = parser.parse_args()
    limits = Limits()
    bounded = getattr(pages, "bounded_pages", None)
    rows = []
    for path in sorted(args.dir.glob("**/*.pdf")):
        data = path.read_bytes()
        plain = best(lambda d=data: in_process(d, limits), args.repeat)
        forked = best(lambda d=data: bounded(d, limits), args.repeat) if bounded else float("nan")
        rows.append((path.name, plain, forked))
        print(f"{path.name:42} in-process {plain * 1000:8.1f} ms   bounded {forked * 1000:8.1f} ms")
    plain_total = sum(r[1] for r in rows)
    forked_total = sum(r[2] for r in rows)
    overhead = sorted(r[2] - r[1] for r in rows)
    print(
        f"{len(rows)} files: in-process {plain_total:.3f} s, bounded {forked_total:.3f} s;"
        f" overhead per document median {overhead[len(overhead) // 2] * 1000:.1f} ms,"
        f" max {overhead[-1] * 1000:.1f} ms"
        if bounded
        else f"{len(rows)} files: in-process {plain_total:.3f} s"
    )


if __name__ == "__main__":
    main()
