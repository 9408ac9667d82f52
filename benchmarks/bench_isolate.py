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
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.limits import Limits
from extract.pdf import pages


def in_process(data: bytes, limits: Limits) -> object:
    if "limits" in inspect.signature(pages.iter_pages).parameters:
        return list(pages.iter_pages(data, limits))
    return list(pages.iter_pages(data, limits.max_pages, limits.max_uncompressed_bytes))  # type: ignore[call-arg, arg-type]


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the bounded child)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The least wall time and the least CPU time of ``repeat`` runs: on a shared machine
    wall time includes waiting for a core, CPU time does not."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
    return min(walls), min(cpus)


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
        plain = best(partial(in_process, data, limits), args.repeat)
        forked = best(partial(bounded, data, limits), args.repeat) if bounded else (0.0, 0.0)
        rows.append((plain, forked))
        print(
            f"{path.name:42} in-process {plain[0] * 1000:7.1f} ms wall {plain[1] * 1000:7.1f} ms"
            f" CPU   bounded {forked[0] * 1000:7.1f} ms wall {forked[1] * 1000:7.1f} ms CPU"
        )
    for index, what in ((0, "wall"), (1, "CPU")):
        plain_total = sum(r[0][index] for r in rows)
        forked_total = sum(r[1][index] for r in rows)
        extra = sorted(r[1][index] - r[0][index] for r in rows)
        print(
            f"{len(rows)} files, {what}: in-process {plain_total:.3f} s, bounded"
            f" {forked_total:.3f} s; overhead per document median"
            f" {extra[len(extra) // 2] * 1000:.1f} ms, max {extra[-1] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
