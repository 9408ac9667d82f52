"""The held-out producer corpus ``corpora/producers-unseen``: families nobody tuned the reader on.

    python corpora/tools/producers/generate.py --unseen   # -> corpora/producers-unseen

Two producers none of the committed families uses: fpdf2 (``FPDF.table()``) and WeasyPrint
(an HTML engine other than Chromium). Their rows come from the stretches of the registers
that the committed corpora (``corpora/pdfs``, ``corpora/producers``) print least: NHS
Digital rows 1330-1744, 60-89 and 940-979, PurposeStatements rows 280-359 and 400-449 (no
committed PDF prints them); the PHE register's 76 rows are all printed somewhere, so its
files reprint them in another house style. The two families share no row of the NHS Digital or
PurposeStatements sources.

Held out: never open these PDFs' readings, goldens-vs-output diffs or per-file failures
while tuning the reader; report totals only (``bench_pdf.py --held-out fpdf2 weasyprint``).
"""

from __future__ import annotations

from common import Style

UNSEEN: dict[str, tuple[Style, ...]] = {
    "fpdf2": (
        # split_rows=True: fpdf2 never breaks a row, so merged cells are printed as blank
        # cells under the release's first row and a release may run over a page break;
        # split_rows=False: true rowspan cells, a release kept on one page.
        Style("fp-hscic-grid-top", "hscic", rows=60, skip=1330, rules="grid", valign="top", size=8),
        Style(
            "fp-nhsd-horizontal-band-spans",
            "nhsd",
            rows=45,
            skip=1390,
            rules="horizontal",
            valign="middle",
            band=True,
            header_center=True,
            size=8,
            split_rows=False,
        ),
        Style(
            "fp-phe-zebra-portrait",
            "phe",
            rows=40,
            skip=0,
            rules="zebra",
            valign="bottom",
            landscape=False,
            size=8,
            right_ids=True,
        ),
        Style(
            "fp-purposes-none-titled",
            "purposes",
            rows=40,
            skip=280,
            rules="none",
            valign="top",
            landscape=False,
            size=10,
            title=True,
            serif=True,
        ),
        Style(
            "fp-nhsd-header-rule-noid",
            "nhsd",
            rows=50,
            skip=1435,
            rules="header",
            valign="top",
            row_id=False,
            header_lines=4,
            size=7,
        ),
        Style(
            "fp-hscic-none-page1",
            "hscic",
            rows=70,
            skip=1485,
            rules="none",
            valign="bottom",
            repeat_header=False,
            right_ids=True,
            title=True,
            serif=True,
        ),
        Style(
            "fp-nhsd-grid-wrapped-spans",
            "nhsd",
            rows=40,
            skip=1555,
            rules="grid",
            valign="middle",
            header_lines=6,
            band=True,
            size=9,
            split_rows=False,
        ),
        Style(
            "fp-phe-header-rule-centred",
            "phe",
            rows=36,
            skip=40,
            rules="header",
            valign="middle",
            header_center=True,
            header_lines=3,
            size=11,
        ),
    ),
    "weasyprint": (
        Style("wp-hscic-zebra-middle", "hscic", rows=60, skip=1595, rules="zebra", valign="middle"),
        Style(
            "wp-nhsd-grid-top-band",
            "nhsd",
            rows=45,
            skip=1655,
            rules="grid",
            valign="top",
            band=True,
            header_lines=5,
            size=8,
        ),
        Style(
            "wp-phe-none-titled-portrait",
            "phe",
            rows=30,
            skip=10,
            rules="none",
            valign="top",
            title=True,
            landscape=False,
            size=10,
            right_ids=True,
        ),
        Style(
            "wp-purposes-horizontal-centred",
            "purposes",
            rows=40,
            skip=320,
            rules="horizontal",
            valign="bottom",
            header_center=True,
        ),
        Style(
            "wp-nhsd-none-page1-noid",
            "nhsd",
            rows=45,
            skip=1700,
            rules="none",
            valign="middle",
            repeat_header=False,
            row_id=False,
            serif=True,
            size=8,
        ),
        Style(
            "wp-hscic-header-rule-portrait",
            "hscic",
            rows=30,
            skip=60,
            rules="header",
            valign="bottom",
            landscape=False,
            size=7,
            right_ids=True,
        ),
        Style(
            "wp-nhsd-horizontal-nosplit",
            "nhsd",
            rows=40,
            skip=940,
            rules="horizontal",
            valign="top",
            split_rows=False,
            title=True,
            header_center=True,
            size=11,
        ),
        Style(
            "wp-purposes-grid-serif",
            "purposes",
            rows=50,
            skip=400,
            rules="grid",
            valign="middle",
            serif=True,
            header_lines=3,
            size=7,
        ),
    ),
}
