"""``drr extract`` on a 150-row PDF register, as a whole process, against pdfminer.six.

    python benchmarks/bench_pdf_speed.py [--repeat 7] [--pdf FILE]

Issue 9's speed target: ``drr extract FILE > /dev/null`` run as a whole process (interpreter
start, imports, the isolated child, reading, JSON out) takes at most 0.5x the time of
pdfminer.six's ``extract_pages(FILE, laparams=LAParams())`` run in-process on the same
file (imports not counted for pdfminer). Both are pinned to CPU 0 and the best of
``--repeat`` runs is kept (the least disturbed by the other work on the machine).

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


def drr_command() -> list[str]:
    # The console script next to this interpreter, not a pyenv shim (a shell script whose
    # start-up is not drr's).
    script = Path(sys.executable).parent / "drr"
    return [str(script)] if script.exists() else [sys.executable, "-m", "workers.cli"]


def time_drr(pdf: Path, repeat: int) -> float:
    best = float("inf")
    cmd = ["taskset", "-c", "0", *drr_command(), "extract", str(pdf)]
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def time_pdfminer(pdf: Path, repeat: int) -> float:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    os.sched_setaffinity(0, {0})
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _page in extract_pages(pdf, laparams=LAParams()):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pdf", type=Path, help="another PDF (default: the 150-row register)")
    args = parser.parse_args()
    pdf = args.pdf or register_pdf()
    drr = time_drr(pdf, args.repeat)
    miner = time_pdfminer(pdf, args.repeat)
    print(f"file: {pdf} ({pdf.stat().st_size:,} bytes)")
    print(f"drr extract, whole process, best of {args.repeat}: {drr:.3f} s")
    print(f"pdfminer extract_pages(LAParams()), in-process, best of {args.repeat}: {miner:.3f} s")
    print(f"ratio drr / pdfminer: {drr / miner:.2f} (target <= 0.50)")


if __name__ == "__main__":
    main()
