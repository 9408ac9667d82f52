"""Family ``chromium``: an HTML table printed to PDF by Debian's headless Chromium.

The register as a web page: ``thead`` (which Chromium repeats on every page) or the header
as the body's first row (page 1 only), ``rowspan`` for a release's merged cells, CSS for
the rules, fills, alignment and page size.
"""

from __future__ import annotations

import html
import subprocess
import tempfile
from pathlib import Path

from common import BAND, PROSE, TITLE, ZEBRA, Style, block_spans, covered, header_text, widths

CHROMIUM = (
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--no-pdf-header-footer",
)
RULE_CSS = {
    "grid": "th, td { border: 0.6pt solid #000; }",
    "horizontal": "th, td { border-top: 0.6pt solid #000; border-bottom: 0.6pt solid #000; }",
    "header": "th { border-bottom: 1pt solid #000; }",
    "none": "",
    "zebra": f"tbody tr:nth-child(even) td {{ background: {ZEBRA}; }}",
}


def css(style: Style) -> str:
    face = (
        '"DejaVu Serif", "Liberation Serif", serif'
        if style.serif
        else '"Liberation Sans", sans-serif'
    )
    orientation = "landscape" if style.landscape else "portrait"
    parts = [
        f"@page {{ size: A4 {orientation}; margin: 12mm; }}",
        (
            f"body {{ font-family: {face}; font-size: {style.size}pt; "
            "-webkit-print-color-adjust: exact; print-color-adjust: exact; "
            # ligature glyphs (ﬁ, ﬀ in DejaVu Serif) would make the text differ from the rows
            "font-variant-ligatures: none; }"
        ),
        "table { border-collapse: collapse; width: 100%; table-layout: fixed; }",
        (
            f"th, td {{ padding: 2pt 3pt; text-align: left; vertical-align: {style.valign}; "
            "overflow-wrap: anywhere; }"
        ),
        f"th {{ text-align: {'center' if style.header_center else 'left'}; }}",
        "td.id { text-align: right; }" if style.right_ids else "",
        RULE_CSS[style.rules],
        f"th {{ background: {BAND}; color: #fff; }}" if style.band else "",
        "" if style.split_rows else "tr { break-inside: avoid; }",
        f"h1 {{ font-size: {style.size * 1.6}pt; }}",
    ]
    return "\n".join(p for p in parts if p)


def header_row(style: Style) -> str:
    cells = (
        "<th>"
        + "<br>".join(html.escape(line) for line in header_text(c, style.header_lines))
        + "</th>"
        for c in style.columns()
    )
    return "<tr>" + "".join(cells) + "</tr>"


def body_rows(style: Style, rows: list[dict[str, str]]) -> list[str]:
    spans = block_spans(style, rows)
    hidden = covered(spans)
    merged = style.merged_fields()
    out = []
    for i, row in enumerate(rows):
        cells = []
        for col in style.columns():
            if col.field in merged and i in hidden:
                continue
            span = f' rowspan="{spans[i]}"' if col.field in merged and i in spans else ""
            kind = ' class="id"' if col.field == "row_id" else ""
            cells.append(f"<td{kind}{span}>{html.escape(row[col.source])}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return out


def page(style: Style, rows: list[dict[str, str]]) -> str:
    cols = "".join(f'<col style="width:{100 * w:.2f}%">' for w in widths(style))
    head = f"<thead>{header_row(style)}</thead>" if style.repeat_header else ""
    first = "" if style.repeat_header else header_row(style)
    intro = f"<h1>{TITLE}</h1><p>{html.escape(PROSE)}</p>" if style.title else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>{css(style)}'
        f"</style></head><body>{intro}<table><colgroup>{cols}</colgroup>{head}<tbody>"
        f"{first}{''.join(body_rows(style, rows))}</tbody></table></body></html>"
    )


def render(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{style.name}.html"
        source.write_text(page(style, rows), encoding="utf-8")
        subprocess.run(
            [
                *CHROMIUM,
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={pdf.resolve()}",
                source.as_uri(),
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
