"""Family ``latex``: a ``longtable`` typeset by pdfTeX, as a LaTeX report prints a register.

``\\endfirsthead`` / ``\\endhead`` for the header on every page or page 1 only; ``p``,
``m``, ``b`` columns (array) for top, middle, bottom alignment; ``colortbl`` fills for the
header band and zebra rows. A release's merged cells are set LaTeX's usual way: the value
on its first row, the cells under it blank, and no rule across them (``\\cline`` of the
other columns). A LaTeX table row never breaks over a page. Hyphenation is off (a hyphen
LaTeX adds would not be in the rows); ``glyphtounicode`` makes ligatures extract as their
letters; the date and trailer id are left out, so the same rows give the same bytes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from common import (
    BAND,
    PROSE,
    TITLE,
    ZEBRA,
    Column,
    Style,
    block_spans,
    covered,
    header_text,
    widths,
)

PT_PER_MM = 72.27 / 25.4
MARGIN_MM = 12
TABCOLSEP_PT = 3.0
RULE_PT = 0.4
MAX_OVERFULL_PT = TABCOLSEP_PT
OVERFULL = re.compile(r"Overfull \\hbox \(([0-9.]+)pt too wide\)")
WORD_EM = 0.66  # a word's width per character, in ems: generous for capitals in bold Helvetica
# TeX's special characters, and the T1 ligatures of -- `` '' ,, << >> !` ?` (a brace
# after the character stops the ligature).
ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
    '"': r"\textquotedbl{}",
    "-": "-{}",
    ",": ",{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "!": "!{}",
    "?": "?{}",
    "|": r"\textbar{}",
    "/": r"/\allowbreak{}",  # paths and URLs may break after a slash, as browsers do
    "•": r"\textbullet{}",
    "…": r"\textellipsis{}",
}


def escape(text: str) -> str:
    return "".join(ESCAPES.get(c, c) for c in text)


def column_widths_pt(style: Style, rows: list[dict[str, str]]) -> list[float]:
    """The layout's shares of the text width, each column at least as wide as its longest
    word: TeX does not break inside a word, and an author widens a column whose words
    stick out into the next one."""
    page_mm = 297 if style.landscape else 210
    text = (page_mm - 2 * MARGIN_MM) * PT_PER_MM
    n = len(style.columns())
    room = text - n * 2 * TABCOLSEP_PT - (n + 1) * RULE_PT
    floors = [longest_word(style, col, rows) * style.size * WORD_EM for col in style.columns()]
    shares = widths(style)
    if sum(floors) > room:  # the estimate is generous; the log tells (``check_overfull``)
        floors = [f * room / sum(floors) for f in floors]
    free = room - sum(floors)
    return [f + free * share for f, share in zip(floors, shares)]


def longest_word(style: Style, col: Column, rows: list[dict[str, str]]) -> int:
    words = [w for row in rows for w in re.split(r"[\s/-]+", row[col.source])]
    words += [
        w for line in header_text(col, style.header_lines) for w in re.split(r"[\s/-]+", line)
    ]
    return max((len(w) for w in words), default=0) + 1  # the hyphen a break leaves


def preamble(style: Style) -> str:
    orientation = ",landscape" if style.landscape else ""
    face = (
        r"\usepackage{mathptmx}"
        if style.serif
        else r"\usepackage[scaled]{helvet}\renewcommand\familydefault{\sfdefault}"
    )
    return "\n".join(
        [
            r"\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1",
            r"\documentclass{article}",
            rf"\usepackage[a4paper{orientation},margin={MARGIN_MM}mm]{{geometry}}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage[utf8]{inputenc}",
            face,
            r"\usepackage{array,longtable}",
            r"\usepackage[table]{xcolor}",
            r"\input{glyphtounicode}\pdfgentounicode=1",
            rf"\definecolor{{band}}{{HTML}}{{{BAND.lstrip('#')}}}",
            rf"\definecolor{{zebra}}{{HTML}}{{{ZEBRA.lstrip('#')}}}",
            r"\hyphenpenalty=10000 \uchyph=0 \sloppy",
            rf"\setlength{{\tabcolsep}}{{{TABCOLSEP_PT}pt}}\setlength{{\arrayrulewidth}}{{{RULE_PT}pt}}",
            r"\setlength{\LTpre}{0pt}\setlength{\LTleft}{0pt}",
            r"\pagestyle{empty}",
        ]
    )


def column_spec(style: Style, widths_pt: list[float]) -> str:
    kind = {"top": "p", "middle": "m", "bottom": "b"}[style.valign]
    bar = "|" if style.rules == "grid" else ""
    cols = []
    for col, width in zip(style.columns(), widths_pt):
        align = r"\raggedleft" if style.right_ids and col.field == "row_id" else r"\raggedright"
        cols.append(rf">{{{align}\arraybackslash}}{kind}{{{width:.2f}pt}}")
    return bar + bar.join(cols) + bar


def header_rows(style: Style, widths_pt: list[float]) -> str:
    kind = {"top": "p", "middle": "m", "bottom": "b"}[style.valign]
    bar = "|" if style.rules == "grid" else ""
    align = r"\centering" if style.header_center else r"\raggedright"
    colour = r"\color{white}" if style.band else ""
    cells = []
    for i, (col, width) in enumerate(zip(style.columns(), widths_pt)):
        text = r"\newline ".join(escape(t) for t in header_text(col, style.header_lines))
        left = bar if i == 0 else ""
        spec = f"{left}>{{{align}\\arraybackslash}}{kind}{{{width:.2f}pt}}{bar}"
        cells.append(rf"\multicolumn{{1}}{{{spec}}}{{{colour}\bfseries {text}}}")
    band = r"\rowcolor{band}" if style.band else ""
    rule = r"\hline" if style.rules in ("grid", "horizontal", "header") else ""
    top = r"\hline" if style.rules in ("grid", "horizontal") else ""
    return f"{top}\n{band}" + " & ".join(cells) + rf" \\ {rule}"


def rule_after(style: Style, i: int, hidden: set[int], n: int) -> str:
    """The rule under body row ``i``: none across merged cells that go on below it."""
    if style.rules not in ("grid", "horizontal"):
        return ""
    if i + 1 not in hidden:
        return r"\hline"
    merged = style.merged_fields()
    keep = [c for c, col in enumerate(style.columns(), 1) if col.field not in merged]
    return "".join(rf"\cline{{{c}-{c}}}" for c in keep) if len(keep) < n else r"\hline"


def body_rows(style: Style, rows: list[dict[str, str]]) -> list[str]:
    hidden = covered(block_spans(style, rows))
    merged = style.merged_fields()
    n = len(style.columns())
    out = []
    for i, row in enumerate(rows):
        cells = [
            "" if i in hidden and col.field in merged else escape(row[col.source])
            for col in style.columns()
        ]
        fill = r"\rowcolor{zebra}" if style.rules == "zebra" and i % 2 else ""
        out.append(fill + " & ".join(cells) + rf" \\ {rule_after(style, i, hidden, n)}")
    return out


def document(style: Style, rows: list[dict[str, str]]) -> str:
    widths_pt = column_widths_pt(style, rows)
    head = header_rows(style, widths_pt)
    repeat = head if style.repeat_header else ""
    intro = (
        rf"{{\fontsize{{{style.size * 1.6:.1f}}}{{{style.size * 2:.1f}}}\selectfont\bfseries "
        rf"{TITLE}\par}}\medskip{{}}{escape(PROSE)}\par\medskip{{}}"
        if style.title
        else ""
    )
    return "\n".join(
        [
            preamble(style),
            r"\begin{document}",
            rf"\fontsize{{{style.size}}}{{{style.size * 1.2:.1f}}}\selectfont",
            r"\noindent " + intro,
            rf"\begin{{longtable}}{{{column_spec(style, widths_pt)}}}",
            head,
            r"\endfirsthead",
            repeat,
            r"\endhead",
            *body_rows(style, rows),
            r"\end{longtable}",
            r"\end{document}",
        ]
    )


def render(style: Style, rows: list[dict[str, str]], pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "register.tex"
        source.write_text(document(style, rows), encoding="utf-8")
        for _ in range(2):  # longtable settles its page breaks on the second run
            subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
                cwd=tmp,
                check=True,
                timeout=300,
                capture_output=True,
            )
        check_overfull(style, (Path(tmp) / "register.log").read_text(errors="replace"))
        pdf.write_bytes((Path(tmp) / "register.pdf").read_bytes())


def check_overfull(style: Style, log: str) -> None:
    """Words sticking out of their column into the next one: an author would not print
    that (a few points, inside the cell padding, do not show)."""
    worst = max((float(m) for m in OVERFULL.findall(log)), default=0.0)
    if worst > MAX_OVERFULL_PT:
        raise ValueError(f"{style.name}: a word sticks out {worst:.1f} pt; widen or shrink")
