"""The fast content-stream tokenizer against pdfminer.six's own parser, and its fallback.

``extract.pdf.content.tokens`` replaces ``PDFContentParser`` for speed; this fence makes
every page and form of every committed PDF (the golden corpus and the producers' corpus)
give the same operands and operators through both, so a pdfminer.six upgrade or a new
producer that parts ways shows here, not as a silently misread register.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT, PSKeyword, PSLiteral

from extract.pdf.content import Unknown, pdfminer_tokens, run, tokens

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "corpora" / "pdfs").glob("*.pdf")) + sorted(
    (ROOT / "corpora" / "producers").glob("**/*.pdf")
)


def content_streams(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) of every page's content and every form XObject in the file."""
    doc = PDFDocument(PDFParser(io.BytesIO(path.read_bytes())))
    for number, page in enumerate(PDFPage.create_pages(doc), 1):
        yield f"page {number}", b"\n".join(s.get_data() for s in page.contents)
    for xref in doc.xrefs:
        for objid in xref.get_objids():
            obj = resolve1(doc.getobj(objid)) if objid else None
            if isinstance(obj, PDFStream) and obj.get("Subtype") is LIT("Form"):
                yield f"form {objid}", obj.get_data()


def canonical(value: Any) -> Any:
    """One spelling for both parsers: keywords inside arrays are str in the fast path."""
    if isinstance(value, PSKeyword):
        return ("keyword", value.name)
    if isinstance(value, str):
        return ("keyword", value.encode("latin-1"))
    if isinstance(value, PSLiteral):
        return ("name", value.name)
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {canonical(k): canonical(v) for k, v in value.items()}
    return value


def without_inline_images(pairs: Iterator[tuple[bool, Any]]) -> list[tuple[bool, Any]]:
    """pdfminer.six's tokens less its inline images, which the fast path skips by design."""
    out: list[tuple[bool, Any]] = []
    for is_operator, value in pairs:
        if isinstance(value, PDFStream):
            continue
        if is_operator and value in (b"BI", b"ID", b"EI"):
            continue
        out.append((is_operator, canonical(value)))
    return out


def test_the_corpus_is_there():
    assert len(CORPUS) >= 18


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT / "corpora")))
def test_fast_tokens_equal_pdfminer_tokens_on_every_page(path: Path) -> None:
    streams = 0
    for where, data in content_streams(path):
        fast = [(op, canonical(v)) for op, v in tokens(data)]
        reference = without_inline_images(pdfminer_tokens(data))
        assert fast == reference, f"{path.name} {where}"
        streams += 1
    assert streams > 0


@pytest.mark.parametrize(
    ("data", "boundary"),
    [
        (b"BT /F1 9 Tf ET ) 1 0 0 1 5 5 cm", 14),  # a stray ")"
        (b"q 1 0 0 1 0 0 cm Q { 1 } pop", 18),  # a procedure, which content never holds
        (b"0 0 m ] 5 5 l S", 5),  # a bracket closing nothing
        (b"[1 2 >> re", 0),  # a dictionary end closing an array
        (b"1 w <zz> Tj", 3),  # a hex string with letters no hex string has
    ],
)
def test_the_fast_path_gives_up_at_what_it_does_not_know(data: bytes, boundary: int) -> None:
    with pytest.raises(Unknown) as raised:
        list(tokens(data))
    assert raised.value.boundary == boundary


class Recorder:
    """An interpreter that records the text operators it is asked to run, with operands."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def do_BT(self) -> None:
        self.calls.append(("BT", ()))

    def do_ET(self) -> None:
        self.calls.append(("ET", ()))

    def do_Tf(self, font: Any, size: Any) -> None:
        self.calls.append(("Tf", (font, size)))

    def do_Td(self, x: Any, y: Any) -> None:
        self.calls.append(("Td", (x, y)))

    def do_Tj(self, text: Any) -> None:
        self.calls.append(("Tj", (text,)))


def test_after_the_fast_path_gives_up_pdfminer_runs_the_rest_once() -> None:
    # The stray ")" is after "Tf": everything before it ran once, the rest is pdfminer's.
    data = b"BT /F1 9 Tf ) 72 700 Td (x) Tj ET"
    recorder = Recorder()
    run(recorder, data)
    assert recorder.calls == [
        ("BT", ()),
        ("Tf", (LIT("F1"), 9)),
        ("Td", (72, 700)),
        ("Tj", (b"x",)),
        ("ET", ()),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"/F1 9.5 Tf [(a\\(b\\)) -12 <48 65>] TJ /Na#20me 0 .5 -3 Td",
        b"<< /K [1 2] /N null /B true >> BDC [null false] TJ null",
        b"(a(b)c\\n\\101\\\\\\\r\n) Tj +.5 -.0 1. 007 Td % a comment\r\n/ Do",
        b"<4 8\n6 5 70> Tj <> Tj () Tj [[1 [2]] << /A << /B 3 >> >>] TJ",
        b"q BI /W 2 /H 2 ID \x00EI\xff\x00 EI Q",
        # operators with numbers only, in one match (_SIMPLE): these must cut the same
        b"1\x000\x0c0 1\r\n72 700 cm T* 0 0 0 rg % 1 2 re\n3 4 re 5 true 6 false null",
        b"1 2 3 re 4 -5.5 .5 5. +6 l 1 /F1 Tf 7 (x)Tj 8 9 BI /W 1 ID x EI 0 0 m",
        b"1 2 m % comment Td\r3 4 l 5 w x 5 y b 6 ' 7 \" 8 * 9",
    ],
)
def test_fast_tokens_equal_pdfminer_tokens_on_hand_written_streams(data: bytes) -> None:
    assert [(op, canonical(v)) for op, v in tokens(data)] == without_inline_images(
        pdfminer_tokens(data)
    )


def test_an_odd_last_hex_digit_is_read_as_the_pdf_reference_says_not_as_pdfminer_does() -> None:
    # PDF 1.7, 7.3.4.3: a final odd digit is followed by 0. pdfminer.six reads <48657> as
    # b"He\x07"; the fast path keeps the standard's b"Hep", a deliberate difference.
    assert next(iter(tokens(b"<48657> Tj"))) == (False, b"Hep")
    assert next(iter(pdfminer_tokens(b"<48657> Tj"))) == (False, b"He\x07")
