"""Extract every committed PDF with ``drr extract`` into a folder, to diff before/after a change.

    python benchmarks/pdf_snapshot.py OUT_DIR
    diff -r /tmp/before /tmp/after        # byte-identical output or not

Every PDF under corpora/ and tests/ (git-tracked) is run through the real command line
(``python -m workers.cli extract FILE``); stdout goes to ``OUT/<path>.out`` and the exit
code and stderr to ``OUT/<path>.err``, so a refusal changing is a difference too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def committed_pdfs() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.pdf"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    return [ROOT / p for p in sorted(listed)]


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    pdfs = committed_pdfs()
    for pdf in pdfs:
        rel = pdf.relative_to(ROOT).as_posix().replace("/", "__")
        done = subprocess.run([sys.executable, "-m", "workers.cli", "extract", str(pdf)],
                              check=False, cwd=ROOT, capture_output=True)
        (out / f"{rel}.out").write_bytes(done.stdout)
        (out / f"{rel}.err").write_bytes(f"exit {done.returncode}\n".encode() + done.stderr)
    print(f"{len(pdfs)} PDFs extracted to {out}")


if __name__ == "__main__":
    main()
