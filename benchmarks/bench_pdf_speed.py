"""``drr extract`` on a 150-row PDF register, as a whole process, against pdfminer.six.

    python benchmarks/bench_pdf_speed.py [--repeat 9] [--pdf FILE] [--baseline DIR ...] [--cached-bytecode]

Issue 9's speed target: ``drr extract FILE > /dev/null`` run as a whole process (interpreter
start, imports, the isolated child, reading, JSON out) takes at most 0.5x the time of
pdfminer.six's ``extract_pages(FILE, laparams=LAParams())`` run in-process on the same
file (imports not counted for pdfminer). Wall and CPU time (user + system, drr's forked
child included) are both printed: on a shared machine CPU time is the steadier. Both are pinned to CPU 0 and the best of
``--repeat`` runs is kept (the least disturbed by the other work on the machine); the
two take turns, so a busy spell slows both.

The default input is the ``rl-hscic-grid-middle`` register of the producers' generator
(``corpora/tools/producers/generate.py``: ReportLab, HSCIC columns, ruled grid, 8 pt)
with 150 real rows instead of 60, rendered once into ``/tmp/drr-bench/rl-hscic-grid-150.pdf``
(LibreOffice Calc, which made ``corpora/pdfs``, is not installed on every machine).
Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = Path("/tmp/drr-bench")
ROWS = 150


def register_pdf() -> Path:
    """The 150-row register, rendered from real rows once and kept in CACHE."""
    pdf = CACHE / f"rl-hscic-grid-{ROWS}.pdf"
    if pdf.exists():
        return pdf
    sys.path.insert(0, str(ROOT / "corpora/tools"))
    sys.path.insert(0, str(ROOT / "corpora/tools/producers"))
    import generate  # the producers' generator; imported only when a render is needed

    style = next(s for s in generate.FAMILIES["reportlab"] if s.name == "rl-hscic-grid-middle")
    style = dataclasses.replace(style, name=pdf.stem, rows=ROWS, skip=0)
    generate.render_one("reportlab", style, ROOT.parent / "shared/corpora-raw", CACHE, flat=True)
    return pdf


Timing = tuple[float, float]  # wall seconds, CPU seconds (user + system)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def drr_env(cached_bytecode: bool) -> dict[str, str]:
    """This environment; with ``cached_bytecode``, compiled modules kept between runs (in
    CACHE, not the checkout), as an installed package has them. A machine that sets
    PYTHONDONTWRITEBYTECODE compiles drr's own source on every run."""
    env = dict(os.environ)
    if cached_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    return env


def time_drr_once(pdf: Path, checkout: Path, env: dict[str, str]) -> Timing:
    """The whole process: CPU time counts drr's forked child too (waited for by drr).
    ``python -m workers.cli`` run in ``checkout`` is that checkout's drr (the current
    directory comes first on the path), which is what the ``drr`` script runs."""
    cmd = ["taskset", "-c", "0", sys.executable, "-m", "workers.cli", "extract", str(pdf)]
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   cwd=checkout, env=env)
    return time.perf_counter() - start, children_cpu() - cpu


def time_pdfminer_once(pdf: Path) -> Timing:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    cpu, start = time.process_time(), time.perf_counter()
    for _page in extract_pages(pdf, laparams=LAParams()):
        pass
    return time.perf_counter() - start, time.process_time() - cpu


def best_times(
    pdf: Path, repeat: int, checkouts: list[Path], env: dict[str, str]
) -> tuple[list[Timing], Timing]:
    """Best of ``repeat`` for each (wall and CPU apart), the runs taking turns so that a
    busy spell on the machine slows all alike."""
    os.sched_setaffinity(0, {0})
    time_pdfminer_once(pdf)  # imports and first-use caches, not counted
    for checkout in checkouts:
        time_drr_once(pdf, checkout, env)  # the same for drr (and bytecode, if cached)
    drr: list[list[Timing]] = [[] for _ in checkouts]
    miner = []
    for _ in range(repeat):
        for runs, checkout in zip(drr, checkouts, strict=True):
            runs.append(time_drr_once(pdf, checkout, env))
        miner.append(time_pdfminer_once(pdf))
    return [best(runs) for runs in drr], best(miner)


def best(timings: list[Timing]) -> Timing:
    return min(t[0] for t in timings), min(t[1] for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--pdf", type=Path, help="another PDF (default: the 150-row register)")
    parser.add_argument("--cached-bytecode", action="store_true",
                        help="let drr keep its compiled modules between runs (see drr_env)")
    parser.add_argument("--baseline", type=Path, nargs="*", default=[],
                        help="other checkouts of drr to time in turn (e.g. a git archive of an"
                        " older commit)")
    args = parser.parse_args()
    pdf = args.pdf or register_pdf()
    checkouts = [ROOT, *args.baseline]
    drr, miner = best_times(pdf, args.repeat, checkouts, drr_env(args.cached_bytecode))
    print(f"file: {pdf} ({pdf.stat().st_size:,} bytes)")
    print(f"best of {args.repeat:<3}                        wall s   CPU s   ratio (wall, CPU)")
    for checkout, (wall, cpu) in zip(checkouts, drr, strict=True):
        print(f"drr extract, {str(checkout)[-22:]:>22}  {wall:7.3f} {cpu:7.3f}"
              f"   {wall / miner[0]:.2f} {cpu / miner[1]:.2f}")
    print(f"pdfminer extract_pages (in-process) {miner[0]:7.3f} {miner[1]:7.3f}   target <= 0.50")

if __name__ == "__main__":
    main()
