"""A fresh batch of register PDFs nobody has looked at: random rows, producer and style.

    python corpora/tools/producers/random_batch.py --seed 7 --n 20 --out /tmp/batch
    python benchmarks/bench_pdf.py --dir /tmp/batch

Rows are drawn from stretches of the sources no committed PDF prints (``corpora/pdfs`` and
``corpora/producers``), where the source has such stretches (the PHE register has 76 rows,
all printed somewhere). Each file gets a random producer (writer, chromium, reportlab,
latex) and a random choice of every style the committed files vary. The same seed gives
the same rows, styles and goldens. Nothing here is committed: the batch is scored only.

``--producers fpdf2 weasyprint`` (opt-in) draws from the named producers instead, the
held-out ones of ``unseen.py`` included, and then also avoids the rows that
``corpora/producers-unseen`` prints. Without it the draw is the same as before those
families existed, seed for seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from common import LAYOUTS, RULES, SOURCES, VALIGNS, Style, render_pdfs, source_rows
from generate import FAMILIES, render_one
from unseen import UNSEEN

MIN_ROWS, MAX_ROWS = 20, 80
SIZES = (7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11)
ATTEMPTS = 6  # a style a producer cannot print (a word too wide for LaTeX) is drawn again


def committed_rows(unseen: bool = False) -> dict[str, set[int]]:
    """Row indices of each source that a committed PDF prints (``unseen``: the held-out
    corpus's too)."""
    used: dict[str, set[int]] = {source: set() for source in set(SOURCES.values())}
    for spec in render_pdfs.SPECS:
        used[spec.source].update(range(spec.skip, spec.skip + spec.rows))
    for styles in [*FAMILIES.values(), *(UNSEEN.values() if unseen else ())]:
        for style in styles:
            source = SOURCES[style.layout]
            used[source].update(range(style.skip, style.skip + style.rows))
    return used


def draw_skip(rng: random.Random, total: int, count: int, used: set[int]) -> int:
    """A start whose window of ``count`` rows overlaps the committed rows least."""
    starts = range(max(total - count, 0) + 1)
    overlap = {s: len(used.intersection(range(s, s + count))) for s in starts}
    least = min(overlap.values())
    return rng.choice([s for s in starts if overlap[s] == least])


def draw_style(rng: random.Random, name: str, raw: Path, used: dict[str, set[int]]) -> Style:
    layout = rng.choice(sorted(LAYOUTS))
    total = len(source_rows(SOURCES[layout], raw))
    rows = rng.randint(MIN_ROWS, min(MAX_ROWS, total))
    return Style(
        name,
        layout,
        rows=rows,
        skip=draw_skip(rng, total, rows, used[SOURCES[layout]]),
        rules=rng.choice(RULES),
        valign=rng.choice(VALIGNS),
        header_center=rng.random() < 0.4,
        band=rng.random() < 0.3,
        repeat_header=rng.random() < 0.7,
        header_lines=rng.choice((0, 0, 3, 4, 5, 6)),
        title=rng.random() < 0.3,
        landscape=rng.random() < 0.7,
        size=rng.choice(SIZES),
        merge=rng.random() < 0.7,
        right_ids=rng.random() < 0.3,
        row_id=rng.random() < 0.8,
        split_rows=rng.random() < 0.6,
        serif=rng.random() < 0.3,
    )


def make_one(
    rng: random.Random,
    index: int,
    raw: Path,
    out: Path,
    used: dict[str, set[int]],
    producers: list[str] | None = None,
) -> str:
    """One random file; returns its producer. The batch folder is flat (``--dir``)."""
    for _ in range(ATTEMPTS):
        family = rng.choice(sorted(producers or FAMILIES))
        style = draw_style(rng, f"batch-{index:03d}", raw, used)
        try:
            render_one(family, style, raw, out, flat=True)
        except Exception as exc:  # noqa: BLE001 - any producer's refusal: draw again
            print(f"{style.name}: {family} could not print this style ({exc}); drawing again")
            continue
        return family
    raise RuntimeError(f"batch-{index:03d}: no printable style in {ATTEMPTS} draws")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--raw", type=Path, default=Path("../shared/corpora-raw"))
    parser.add_argument(
        "--producers",
        nargs="+",
        choices=sorted(FAMILIES | UNSEEN),
        help="draw from these producers only (opt-in; default: the committed families)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    used = committed_rows(unseen=bool(args.producers))
    for index in range(args.n):
        family = make_one(rng, index, args.raw, args.out, used, args.producers)
        print(f"batch-{index:03d}: {family}")


if __name__ == "__main__":
    main()
