"""How well the text-dump reader rebuilds cells: each generated dump against its golden.

    python3 benchmarks/score_textdump.py

prints, per dump under ``corpora/textdumps`` and for the seed sample, the golden cells
reproduced exactly (whitespace aside), the cells given a wrong value (worse than an honest
null) and rows found against rows expected. The tests score with the same function.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.record import Row
from extract.textdump import COLUMNS, read_text_dump


@dataclass(frozen=True)
class CellScore:
    """How many golden cells came out exactly (whitespace aside), and how many were wrong
    rather than left empty: a wrong value is worse than an honest null."""

    correct: int
    total: int
    wrong: int  # cells given a value that is not the golden one
    rows_expected: int
    rows_found: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _norm(value: str | None) -> str:
    return "".join((value or "").split())


def score_cells(rows: list[Row], golden: list[dict]) -> CellScore:
    """Share of golden cells the rows reproduce; cells a golden row lists as undecided skipped."""
    by_id = {row.fields.row_id: row for row in rows}
    correct = total = wrong = 0
    for expected in golden:
        row = by_id.get(expected["row_id"])
        for name in COLUMNS:
            if name in expected.get("undecided", ()):
                continue
            got = getattr(row.fields, name) if row else None
            total += 1
            correct += _norm(got) == _norm(expected.get(name))
            wrong += got is not None and _norm(got) != _norm(expected.get(name))
    return CellScore(correct, total, wrong, len(golden), len(rows))


def dumps_with_goldens() -> list[tuple[Path, Path]]:
    pairs = [(ROOT / "corpora/samples/hscic-2014-sample.txt",
              ROOT / "corpora/goldens/hscic-2014-sample.golden.jsonl")]
    for dump in sorted((ROOT / "corpora/textdumps").glob("generated-*.txt")):
        pairs.append((dump, dump.with_suffix(".golden.jsonl")))
    return pairs


def main() -> int:
    for dump, golden_path in dumps_with_goldens():
        golden = [json.loads(line) for line in golden_path.read_text(encoding="utf-8").splitlines()]
        score = score_cells(read_text_dump(dump.read_text(encoding="utf-8")), golden)
        print(f"{dump.name:32} cells {score.correct}/{score.total} ({score.accuracy:.2%}) "
              f"wrong {score.wrong}  rows {score.rows_found}/{score.rows_expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
