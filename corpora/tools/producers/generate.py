"""Render the committed producer corpus: real register rows printed by four more producers.

    python corpora/tools/producers/generate.py --raw ../shared/corpora-raw \\
        --out corpora/producers [--family writer chromium] [--only NAME ...]

Each family's files go to ``OUT/FAMILY/NAME.pdf`` with ``NAME.golden.jsonl`` (the rows the
generator printed, never a PDF reader's output) and the folder's ``manifest.json``.
``--unseen`` renders the held-out families of ``unseen.py`` (fpdf2, weasyprint) instead,
by default into ``corpora/producers-unseen``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

from common import SOURCES, Style, check_merges, check_text, select_rows, write_outputs
from unseen import UNSEEN

Renderer = Callable[[Style, list[dict[str, str]], Path], None]
MODULES = {
    "writer": "writer",
    "chromium": "chromium",
    "reportlab": "reportlab_tables",
    "latex": "latex",
    "fpdf2": "fpdf2_tables",  # held out: unseen.py
    "weasyprint": "weasyprint_html",  # held out: unseen.py
}

FAMILIES: dict[str, tuple[Style, ...]] = {
    "chromium": (
        Style("chr-hscic-grid", "hscic", rows=60, skip=0, rules="grid", valign="bottom"),
        Style(
            "chr-nhsd-zebra-band",
            "nhsd",
            rows=45,
            skip=400,
            rules="zebra",
            valign="middle",
            band=True,
            header_center=True,
            size=8,
        ),
        Style(
            "chr-phe-horizontal-portrait",
            "phe",
            rows=40,
            skip=0,
            rules="horizontal",
            valign="top",
            landscape=False,
            size=8,
            right_ids=True,
        ),
        Style(
            "chr-purposes-none-titled",
            "purposes",
            rows=30,
            skip=40,
            rules="none",
            valign="top",
            landscape=False,
            size=10,
            title=True,
        ),
        Style(
            "chr-nhsd-header-rule-noid",
            "nhsd",
            rows=50,
            skip=700,
            rules="header",
            valign="top",
            row_id=False,
            header_lines=4,
            size=7,
        ),
        Style(
            "chr-hscic-none-page1",
            "hscic",
            rows=70,
            skip=130,
            rules="none",
            valign="bottom",
            repeat_header=False,
            serif=True,
            right_ids=True,
            title=True,
        ),
        Style(
            "chr-nhsd-grid-nosplit",
            "nhsd",
            rows=40,
            skip=900,
            rules="grid",
            valign="middle",
            split_rows=False,
            header_lines=5,
            band=True,
            size=10,
        ),
        Style(
            "chr-phe-zebra-wrapped",
            "phe",
            rows=36,
            skip=40,
            rules="zebra",
            valign="bottom",
            header_lines=6,
            header_center=True,
            size=7,
        ),
    ),
    "writer": (
        Style("wri-hscic-grid-top", "hscic", rows=50, skip=200, rules="grid", valign="top"),
        Style(
            "wri-nhsd-horizontal-band",
            "nhsd",
            rows=45,
            skip=1000,
            rules="horizontal",
            valign="middle",
            band=True,
            header_center=True,
            size=8,
        ),
        Style(
            "wri-phe-header-rule-portrait",
            "phe",
            rows=30,
            skip=10,
            rules="header",
            valign="bottom",
            landscape=False,
            size=10,
            right_ids=True,
        ),
        Style(
            "wri-purposes-grid-titled",
            "purposes",
            rows=40,
            skip=100,
            rules="grid",
            valign="top",
            landscape=False,
            serif=True,
            title=True,
        ),
        Style(
            "wri-nhsd-none-noid",
            "nhsd",
            rows=40,
            skip=1100,
            rules="none",
            valign="top",
            row_id=False,
            header_lines=3,
            size=8,
        ),
        Style(
            "wri-hscic-zebra-page1",
            "hscic",
            rows=60,
            skip=500,
            rules="zebra",
            valign="bottom",
            repeat_header=False,
            size=7,
            right_ids=True,
        ),
        Style(
            "wri-nhsd-grid-nosplit",
            "nhsd",
            rows=35,
            skip=1200,
            rules="grid",
            valign="middle",
            header_lines=6,
            size=11,
            title=True,
            split_rows=False,
        ),
        Style(
            "wri-phe-none-middle",
            "phe",
            rows=50,
            skip=26,
            rules="none",
            valign="middle",
            serif=True,
            header_center=True,
        ),
    ),
    "reportlab": (
        Style(
            "rl-hscic-grid-middle",
            "hscic",
            rows=60,
            skip=300,
            rules="grid",
            valign="middle",
            size=8,
        ),
        Style(
            "rl-nhsd-zebra-noid",
            "nhsd",
            rows=45,
            skip=160,
            rules="zebra",
            valign="top",
            row_id=False,
            size=8,
            band=True,
        ),
        Style(
            "rl-phe-grid-portrait",
            "phe",
            rows=40,
            skip=30,
            rules="grid",
            valign="bottom",
            landscape=False,
            size=9,
            header_lines=3,
            right_ids=True,
        ),
        Style(
            "rl-purposes-horizontal",
            "purposes",
            rows=40,
            skip=200,
            rules="horizontal",
            valign="top",
            size=9,
            title=True,
        ),
        Style(
            "rl-nhsd-header-rule",
            "nhsd",
            rows=50,
            skip=600,
            rules="header",
            valign="bottom",
            size=7,
            header_center=True,
            serif=True,
        ),
        Style(
            "rl-hscic-none-page1",
            "hscic",
            rows=80,
            skip=800,
            rules="none",
            valign="top",
            repeat_header=False,
            size=9,
            right_ids=True,
        ),
        Style(
            "rl-nhsd-grid-band-nosplit",
            "nhsd",
            rows=30,
            skip=1300,
            rules="grid",
            valign="top",
            band=True,
            header_lines=4,
            size=11,
            split_rows=False,
            landscape=False,
        ),
        Style(
            "rl-phe-none-titled",
            "phe",
            rows=25,
            skip=50,
            rules="none",
            valign="middle",
            title=True,
            size=10,
        ),
    ),
    "latex": (
        Style("tex-hscic-grid", "hscic", rows=60, skip=250, rules="grid", valign="top", size=9),
        Style(
            "tex-nhsd-horizontal",
            "nhsd",
            rows=45,
            skip=450,
            rules="horizontal",
            valign="bottom",
            size=8,
            header_lines=3,
        ),
        Style(
            "tex-phe-zebra-band",
            "phe",
            rows=40,
            skip=20,
            rules="zebra",
            valign="middle",
            band=True,
            header_center=True,
            size=8,
            right_ids=True,
        ),
        Style(
            "tex-purposes-none-portrait",
            "purposes",
            rows=30,
            skip=250,
            rules="none",
            valign="top",
            landscape=False,
            size=10,
        ),
        Style(
            "tex-nhsd-header-rule-titled",
            "nhsd",
            rows=50,
            skip=1050,
            rules="header",
            valign="top",
            title=True,
            size=7,
            serif=True,
        ),
        Style(
            "tex-hscic-none-page1",
            "hscic",
            rows=70,
            skip=1150,
            rules="none",
            valign="bottom",
            repeat_header=False,
            right_ids=True,
            size=8,
        ),
        Style(
            "tex-nhsd-grid-noid",
            "nhsd",
            rows=35,
            skip=1250,
            rules="grid",
            valign="middle",
            row_id=False,
            header_lines=5,
            size=11,
            band=True,
        ),
        Style(
            "tex-phe-header-rule-portrait",
            "phe",
            rows=30,
            skip=45,
            rules="header",
            valign="bottom",
            landscape=False,
            size=8,
            header_lines=4,
            serif=True,
        ),
    ),
}


def renderer(family: str) -> Renderer:
    module = importlib.import_module(MODULES[family])
    return module.render  # type: ignore[no-any-return]


def render_one(family: str, style: Style, raw: Path, out: Path, *, flat: bool = False) -> Path:
    """Print one file and write its golden; in ``out/family`` or, ``flat``, in ``out``."""
    rows = select_rows(style, raw)
    check_merges(style, rows)
    folder = out if flat else out / family
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / f"{style.name}.pdf"
    renderer(family)(style, rows, pdf)
    check_text(style, rows, pdf)
    write_outputs(style, family, rows, pdf, folder)
    return pdf


def describe(style: Style) -> str:
    """One README table line: what this file varies."""
    parts = [
        style.rules,
        f"{style.valign}-aligned",
        f"{style.size:g} pt",
        "landscape" if style.landscape else "portrait",
        "serif" if style.serif else "",
        "header centred" if style.header_center else "",
        "header band" if style.band else "",
        f"header over {style.header_lines} lines" if style.header_lines else "",
        "" if style.repeat_header else "header on page 1 only",
        "title and prose above" if style.title else "",
        "merged cells" if style.merged_fields() and SOURCES[style.layout] == "nhsd" else "",
        "rows kept whole" if not style.split_rows else "",
        "right-aligned ids" if style.right_ids and style.row_id else "",
        "no row-id column" if not style.row_id or style.layout == "purposes" else "",
    ]
    return ", ".join(p for p in parts if p)


def readme_table(families: list[str]) -> str:
    return "\n".join(
        f"| `{family}/{s.name}` | {s.layout} | {s.rows} | {describe(s)} |"
        for family in families
        for s in (FAMILIES | UNSEEN)[family]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("../shared/corpora-raw"))
    parser.add_argument("--out", type=Path, help="default corpora/producers(-unseen)")
    parser.add_argument("--unseen", action="store_true", help="the held-out families instead")
    parser.add_argument("--family", nargs="*", choices=sorted(FAMILIES | UNSEEN))
    parser.add_argument("--only", nargs="*", help="file names to render (default: all)")
    parser.add_argument("--table", action="store_true", help="print the README's file table")
    args = parser.parse_args()
    known = UNSEEN if args.unseen else FAMILIES
    families = args.family or sorted(known)
    strays = [f for f in families if f not in known]
    if strays:  # a held-out family must not land among the open ones, nor the reverse
        fix = "not a held-out family (drop --unseen)" if args.unseen else "held out: add --unseen"
        parser.error(f"{', '.join(strays)}: {fix}")
    out = args.out or Path("corpora/producers-unseen" if args.unseen else "corpora/producers")
    if args.table:
        print(readme_table(families))
        return
    for family in families:
        for style in (FAMILIES | UNSEEN)[family]:
            if args.only and style.name not in args.only:
                continue
            pdf = render_one(family, style, args.raw, out)
            print(f"{family}/{style.name}: {pdf.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
