"""Bad PDFs get a clear error or a warning naming the page: never a hang or a crash.

Every bad file is built here from a committed PDF or from bytes written in the test.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from test_pdf_helpers import make_pdf, table_page, text

from extract.errors import DocumentTooLarge, UnknownLayout, UnreadableDocument
from extract.limits import Limits
from extract.pdf import read_pdf

PDFS = Path(__file__).resolve().parent.parent / "corpora" / "pdfs"
TABLE = [
    ["Row ID", "Organisation Name", "Purpose"],
    ["1", "NICOR", "Research"],
    ["2", "NHS Leeds CCG", "Commissioning"],
    ["3", "NHS Leeds CCG", "Invoice validation"],
]


def register() -> bytes:
    return (PDFS / "phe-ruled-narrow.pdf").read_bytes()


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95])
def test_truncated_pdf_is_unreadable(fraction):
    data = register()
    with pytest.raises(UnreadableDocument, match="corrupt or truncated"):
        read_pdf(data[: int(len(data) * fraction)])


def test_corrupt_pdf_is_unreadable():
    junk = b"%PDF-1.7\n" + bytes(range(256)) * 40
    with pytest.raises(UnreadableDocument):
        read_pdf(junk)


def test_encrypted_pdf_names_the_password():
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(register()))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_pdf(out.getvalue())


def test_zero_page_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="no pages"):
        read_pdf(make_pdf([]))


def test_image_only_pdf_says_it_has_no_text_layer():
    pil = pytest.importorskip("PIL.Image")
    out = io.BytesIO()
    pil.new("RGB", (400, 300), "white").save(out, "PDF")
    with pytest.raises(UnreadableDocument, match="no page has a text layer"):
        read_pdf(out.getvalue())


def test_a_scanned_page_among_text_pages_is_named_in_a_warning():
    image_page = b"q 100 0 0 100 50 50 cm 0 g 0 0 1 1 re f Q"  # no text at all
    rows = read_pdf(make_pdf([table_page(TABLE, [50, 120, 300]), image_page]))
    assert [r.fields.organisation for r in rows] == ["NICOR", "NHS Leeds CCG", "NHS Leeds CCG"]
    assert "page 2 has no text layer (scanned?); not read" in rows[0].warnings
    assert rows[0].needs_review


def test_pdf_with_no_table_is_an_unknown_layout():
    letter = text(72, 760, "Dear colleague,") + text(72, 740, "Please find the register attached.")
    with pytest.raises(UnknownLayout, match="page 1"):
        read_pdf(make_pdf([letter]))


def test_page_bound():
    pages = [table_page(TABLE, [50, 120, 300])] * 3
    with pytest.raises(DocumentTooLarge, match="3 pages is over the 2-page limit"):
        read_pdf(make_pdf(pages), Limits(max_pages=2))
    assert len(read_pdf(make_pdf(pages), Limits(max_pages=3))) == 9


def test_time_bound_ends_the_reading():
    with pytest.raises(DocumentTooLarge, match=r"took over the 0-second limit for one document"):
        read_pdf(register(), Limits(max_seconds=0.0))


def test_row_bound():
    with pytest.raises(DocumentTooLarge, match="row limit"):
        read_pdf(make_pdf([table_page(TABLE, [50, 120, 300])]), Limits(max_rows=2))


def test_a_content_stream_of_garbage_does_not_crash():
    garbage = b"BT /F1 12 Tf ) ] >> << [ (unclosed 72 700 Td (x) Tj ET \xff\xfe q Q Q Q W n"
    with pytest.raises((UnreadableDocument, UnknownLayout)):
        read_pdf(make_pdf([garbage]))


def test_a_zip_bomb_content_stream_is_refused():
    bomb = zlib.compress(b" " * 3_000_000, 9)
    data = make_pdf([b""]).replace(
        b"<< /Length 0 >>\nstream\n\nendstream",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream",
    )
    with pytest.raises(DocumentTooLarge, match="inflate to more than 1,000,000 bytes"):
        read_pdf(data, Limits(max_uncompressed_bytes=1_000_000))


def test_a_cover_page_before_the_table_is_skipped_and_named():
    cover = text(72, 760, "Data Release Register") + text(72, 730, "Published under the OGL.")
    rows = read_pdf(make_pdf([cover, table_page(TABLE, [50, 120, 300])]))
    assert [r.fields.row_id for r in rows] == ["1", "2", "3"] and rows[0].pages == [2]
    assert "page 1 has no register table; not read" in rows[0].warnings
