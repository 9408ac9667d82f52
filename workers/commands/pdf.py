"""``drr debug-page FILE PAGE -o page.png``: what the PDF reader saw on one page.

The page is rendered by poppler (``pdftoppm -png -r 100``) and the reader's findings are
drawn over it with Pillow: column edges in blue, row bands in green (numbered), each
cell's text box in red (with the rows a merged cell gives its value to), rulings in grey,
filled boxes' edges in orange, the header block shaded blue, a row continued from the page
before labelled "(continued)".
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from extract.errors import DrrError, UnreadableDocument
from workers.io import error, read_input
from workers.settings import Settings

DPI = 100
SCALE = DPI / 72  # PDF points to pixels


def register(sub: argparse._SubParsersAction) -> None:
    text = "draw the columns, rows and cells the PDF reader found on one page"
    parser = sub.add_parser("debug-page", help=text, description=text)
    parser.add_argument("file", metavar="FILE", help="a register PDF")
    parser.add_argument("page", metavar="PAGE", type=int, help="1-based page number")
    parser.add_argument(
        "-o", "--output", default="page.png", help="PNG to write (default: page.png)"
    )
    parser.set_defaults(func=run_debug_page)


def run_debug_page(args: argparse.Namespace, settings: Settings) -> int:
    from extract.pdf.debug import debug_page

    try:
        data = read_input(args.file)
        check_page(data, args.file, args.page)
        found = debug_page(data, args.page, settings.limits)
        image = render_page(data, args.page)
    except (DrrError, OSError, RuntimeError) as exc:
        error(f"{args.file}: {exc}")
        return 1
    draw(image, found).save(args.output)
    print(
        f"{args.output}: page {found.number}, layout {found.layout}, {len(found.edges) - 1} columns,"
        f" {len(found.rows)} rows{' (the first continued)' if found.continued else ''},"
        f" {len(found.cells)} cells, cells {found.align}-aligned, {found.hidden_chars} clipped"
        " characters dropped",
        file=sys.stderr,
    )
    return 0


def check_page(data: bytes, filename: str, page: int) -> None:
    """Refuse what is not a PDF as ``drr extract`` does (by its bytes), and a page the PDF
    does not have, saying how many it has: not "no text the reader could use"."""
    from extract.detect import detect_format

    fmt = detect_format(data, filename)  # a .pdf that is not one: extract's own message
    if fmt != "pdf":
        raise UnreadableDocument(f"not a PDF (the bytes are {fmt}): debug-page draws PDF pages")
    if page < 1:
        raise UnreadableDocument(f"page {page} is out of range: pages are numbered from 1")
    count = page_count(data)
    if count is not None and page > count:
        plural = "page" if count == 1 else "pages"
        raise UnreadableDocument(f"page {page} is out of range: the PDF has {count} {plural}")


def page_count(data: bytes) -> int | None:
    """The PDF's number of pages as poppler's ``pdfinfo`` reads it; None if it cannot tell
    (rendering with poppler then says what is wrong)."""
    if shutil.which("pdfinfo") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        done = subprocess.run(["pdfinfo", str(source)], capture_output=True, timeout=60,
                              check=False)
    for line in done.stdout.decode(errors="replace").splitlines():
        name, _, value = line.partition(":")
        if name == "Pages" and value.strip().isdigit():
            return int(value)
    return None


def render_page(data: bytes, page: int):
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm (poppler-utils) is needed to render the page")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        done = subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(DPI),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(Path(tmp) / "page"),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"pdftoppm could not render page {page}: {done.stderr.decode()[:200]}"
            )
        return Image.open(io.BytesIO((Path(tmp) / "page.png").read_bytes())).convert("RGB")


def draw(image, found):
    from PIL import ImageDraw

    canvas = ImageDraw.Draw(image, "RGBA")
    px = lambda value: value * SCALE
    if found.header:
        canvas.rectangle(
            [px(found.edges[0]), px(found.header[0]), px(found.edges[-1]), px(found.header[1])],
            fill=(120, 170, 255, 50),
        )
        canvas.text((px(found.edges[0]) + 2, px(found.header[0]) - 11), "header", fill=(0, 60, 200))
    for ruling in found.rulings:  # drawn rules grey, a filled box's edges orange
        canvas.line(
            [px(ruling.x0), px(ruling.top), px(ruling.x1), px(ruling.bottom)],
            fill=(128, 128, 128, 160) if ruling.drawn else (255, 140, 0, 200),
            width=3 if ruling.drawn else 2,
        )
    top = min((t for _, t, _ in found.rows), default=0.0)
    bottom = max((b for _, _, b in found.rows), default=found.height)
    for edge in found.edges:
        canvas.line([px(edge), px(top), px(edge), px(bottom)], fill=(0, 90, 255, 200), width=2)
    for row, row_top, row_bottom in found.rows:
        canvas.line(
            [px(found.edges[0]), px(row_bottom), px(found.edges[-1]), px(row_bottom)],
            fill=(0, 170, 0, 220),
            width=2,
        )
        goes_on = found.continued and row == found.rows[0][0]
        label = f"{row} (continued)" if goes_on else str(row)
        canvas.text((2, px(row_bottom) - 12), label, fill=(0, 130, 0, 255))
    for cell in found.cells:
        x0, y0, x1, y1 = (px(v) for v in cell.box)
        merged = len(cell.rows) > 1
        canvas.rectangle([x0, y0, x1, y1], outline=(220, 0, 0, 230), width=2 if merged else 1)
        if merged:
            canvas.text(
                (x0 + 2, y0 - 11), f"rows {cell.rows[0]}-{cell.rows[-1]}", fill=(200, 0, 0, 255)
            )
    return image
