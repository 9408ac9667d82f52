"""Every corpus document's `drr extract` output, to check a change leaves them byte-identical.

    python3 corpora/tools/editions/corpus_snapshot.py OUT_DIR [--only xlsx,ods,csv,txt,...]
        [--shared /work/shared]
    diff -r BEFORE_DIR AFTER_DIR

To see one change alone while others edit the checkout, run it from an exported tree
(``git archive HEAD | tar -x -C /tmp/base``) before and after copying the changed files in.

Reads every register document under corpora/ and ../shared/corpora-raw/ (PDF, text, HTML,
XLSX, ODS, CSV; goldens, code and notes skipped) through the same call `drr extract`
makes, and writes one file per document: its JSON Lines exactly as `drr extract` writes
them, or the one-line error `drr extract` would print. Prints a sha256 per document too.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from extract import Limits
from extract.errors import DrrError
from workers.io import dumps
from workers.pipeline import extract_records

SUFFIXES = {".pdf", ".txt", ".html", ".xlsx", ".ods", ".csv", ".tsv"}


def documents(kinds: set[str], shared: Path) -> list[Path]:
    found = []
    for base in (ROOT / "corpora", shared / "corpora-raw"):
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix.lower() in kinds:
                found.append(path)
    return found


def output(path: Path) -> str:
    try:
        _, records = extract_records(path.read_bytes(), path.name, Limits())
    except DrrError as exc:
        return f"ERROR {type(exc).__name__}: {exc}\n"
    return "".join(dumps(record) + "\n" for record in records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", default=",".join(sorted(s[1:] for s in SUFFIXES)))
    args = parser.parse_args()
    kinds = {"." + k.strip().lower() for k in args.only.split(",")}
    args.out.mkdir(parents=True, exist_ok=True)
    for path in documents(kinds, args.shared):
        text = output(path)
        name = str(path.relative_to(path.parents[1])).replace("/", "__")
        (args.out / f"{name}.jsonl").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        print(f"{digest}  {text.count(chr(10)):>6}  {path.relative_to(path.parents[1])}", flush=True)


if __name__ == "__main__":
    main()
