"""``drr debug-page``: the page rendered with what the reader found drawn over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from extract.limits import Limits
from extract.pdf.debug import debug_page
from workers.cli import main

PDFS = Path(__file__).resolve().parent.parent / "corpora" / "pdfs"


def test_debug_page_finds_the_continued_merged_cell_on_the_next_page():
    found = debug_page((PDFS / "nhsd-releases-ruled.pdf").read_bytes(), 3, Limits())
    assert found.layout == "nhs-digital-monthly" and len(found.edges) == 12 and found.ruled
    first_row = found.rows[0][0]
    # The block cut by the break between pages 2 and 3 gives its value to rows above page 3.
    started_earlier = [c for c in found.cells if c.name == "organisation" and c.rows[0] < first_row]
    assert started_earlier and all(len(c.rows) > 1 for c in started_earlier)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_drr_debug_page_draws_columns_over_the_rendered_page(tmp_path, capsys):
    out = tmp_path / "page.png"
    assert main(["debug-page", str(PDFS / "hscic-unruled-cut.pdf"), "1", "-o", str(out)]) == 0
    assert "8 columns, 21 rows" in capsys.readouterr().err
    image = Image.open(out).convert("RGB")
    assert image.size == (1170, 827)  # A4 landscape at 100 dpi
    found = debug_page((PDFS / "hscic-unruled-cut.pdf").read_bytes(), 1, Limits())
    x = round(found.edges[3] * 100 / 72)
    y = round((found.rows[2][1] + found.rows[2][2]) / 2 * 100 / 72)
    red, _green, blue = image.getpixel((x, y))
    assert blue > 150 and red < 100  # the column edge is drawn in blue


def test_debug_page_of_a_missing_page_is_an_error(capsys):
    assert main(["debug-page", str(PDFS / "phe-unruled-portrait.pdf"), "7", "-o", "/dev/null"]) == 1
    assert "page 7" in capsys.readouterr().err
