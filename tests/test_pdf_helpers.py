"""Tiny hand-written PDFs for the PDF reader's tests (imported by the other test_pdf files)."""

from __future__ import annotations


def make_pdf(contents: list[bytes], width: int = 595, height: int = 842) -> bytes:
    """A PDF with one page per content stream, Helvetica as /F1 (a standard font)."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for content in contents:
        stream_id = len(objects) + 1
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(len(objects) + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, stream_id)
        )
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text(x: float, y: float, value: str, size: int = 10) -> bytes:
    """Draw ``value`` with its baseline at (x, y), PDF coordinates (y up)."""
    escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"BT /F1 %d Tf %.2f %.2f Td (%s) Tj ET\n" % (size, x, y, escaped.encode("cp1252"))


def table_page(rows: list[list[str]], xs: list[float], top: float = 800, step: float = 20) -> bytes:
    """An unruled table: one line per row, each cell left-aligned at its column's x."""
    out = b""
    for i, row in enumerate(rows):
        for x, value in zip(xs, row, strict=True):
            if value:
                out += text(x, top - i * step, value)
    return out


def test_hand_written_pdfs_are_valid_for_pdfminer():
    import io

    from pdfminer.high_level import extract_text

    data = make_pdf([text(72, 700, "first (page)"), text(72, 700, "second")])
    assert extract_text(io.BytesIO(data)).split() == ["first", "(page)", "second"]
