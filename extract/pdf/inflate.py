"""PDF streams decoded with a bound on what they inflate to: every filter, every stream.

pdfminer.six inflates a stream whole, through every filter of its chain, before anyone can
look at the result: a 4 KB page whose content stream sits behind two Flate filters becomes
4 GB. Here each stage that can grow its input (Flate, LZW, RunLength) stops one byte past
the stream's allowance, so a bomb costs at most that allowance. A stream's allowance is the
smaller of what is left of the document's ``Limits.max_uncompressed_bytes`` and
``max_compression_ratio`` times its own compressed size (streams under ``RATIO_FLOOR``
are never refused for their ratio: a tiny stream can compress very well innocently).

Image codecs (DCT, JPX, JBIG2, CCITT) are left encoded, as pdfminer.six leaves most of
them: nothing in drr reads pixels.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.lzw import LZWDecoder
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_CCITTFAX_DECODE,
    LITERALS_DCT_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_JBIG2_DECODE,
    LITERALS_JPX_DECODE,
    LITERALS_LZW_DECODE,
    LITERALS_RUNLENGTH_DECODE,
    PDFStream,
    int_value,
    resolve1,
)
from pdfminer.psparser import LIT
from pdfminer.utils import apply_png_predictor, apply_tiff_predictor

from extract.errors import DocumentTooLarge, UnreadableDocument

RATIO_FLOOR = 1 << 20  # the same floor as the zip-bomb guard of spreadsheets
MIB = 1 << 20
IMAGE_CODECS = (
    *LITERALS_DCT_DECODE,
    *LITERALS_JPX_DECODE,
    *LITERALS_JBIG2_DECODE,
    *LITERALS_CCITTFAX_DECODE,
)


class Overflow(Exception):
    """A stage produced more than its allowance."""


@dataclass
class InflationBudget:
    """What the document's streams may still inflate to, and the ratio any one may reach."""

    limit: int
    ratio: int
    used: int = 0
    measured: set[int] = field(default_factory=set)  # images, which stay encoded

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def allowance(self, raw_size: int) -> int:
        return min(self.remaining, max(RATIO_FLOOR, raw_size * self.ratio))


def inflate(data: bytes, cap: int) -> bytes:
    """Flate-decode at most ``cap`` bytes; a damaged stream gives what could be read.

    pdfminer.six reads a damaged stream one byte at a time and keeps the output unless the
    damage is before its last three bytes (a bad checksum): the same rule, bounded.
    """
    try:
        return b"".join(_inflated_parts(data, cap))
    except zlib.error:
        return _inflate_damaged(data, cap)


def inflated_size(data: bytes, cap: int) -> int:
    """How many bytes Flate data inflates to, counted a mebibyte at a time and not kept."""
    size = 0
    try:
        for part in _inflated_parts(data, cap):
            size += len(part)
    except zlib.error:
        pass  # a damaged image costs what could be read of it
    return size


def _inflated_parts(data: bytes, cap: int) -> Iterator[bytes]:
    """The inflated bytes a mebibyte at a time: a bomb costs ``cap``, not zlib's doubling
    buffer on the way to it."""
    inflater = zlib.decompressobj()
    size, pending = 0, data
    while pending:
        part = inflater.decompress(pending, MIB)
        size += len(part)
        if size > cap:
            raise Overflow
        yield part
        pending = inflater.unconsumed_tail
    while held := inflater.decompress(b"", MIB):  # output zlib still held at the input's end
        size += len(held)
        if size > cap:
            raise Overflow
        yield held


def _inflate_damaged(data: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj()
    out = bytearray()
    for position in range(len(data)):
        try:
            out += inflater.decompress(data[position : position + 1], cap + 1 - len(out))
        except zlib.error:
            return bytes(out) if position >= len(data) - 3 else b""
        if len(out) > cap:
            raise Overflow
    return bytes(out)


def lzw(data: bytes, cap: int) -> bytes:
    return _joined(LZWDecoder(io.BytesIO(data)).run(), cap)


def run_length(data: bytes, cap: int) -> bytes:
    """RunLengthDecode (PDF 1.7, 7.4.5), stopping past ``cap`` bytes."""
    return _joined(_runs(data), cap)


def _runs(data: bytes) -> Iterable[bytes]:
    position = 0
    while position < len(data) and data[position] != 128:
        length = data[position]
        if length < 128:
            yield data[position + 1 : position + length + 2]
            position += length + 2
        else:
            yield data[position + 1 : position + 2] * (257 - length)
            position += 2


def _joined(parts: Iterable[bytes], cap: int) -> bytes:
    out = bytearray()
    for part in parts:
        out += part
        if len(out) > cap:
            raise Overflow
    return bytes(out)


def decode_stage(data: bytes, name: Any, cap: int) -> bytes:
    """One filter of a chain; image codecs and unknown filters pass the bytes on unchanged."""
    if name in LITERALS_FLATE_DECODE:
        return inflate(data, cap)
    if name in LITERALS_LZW_DECODE:
        return lzw(data, cap)
    if name in LITERALS_RUNLENGTH_DECODE:
        return run_length(data, cap)
    if name in LITERALS_ASCII85_DECODE:
        return ascii85decode(data)
    if name in LITERALS_ASCIIHEX_DECODE:
        return asciihexdecode(data)
    return data


def predict(data: bytes, params: Any) -> bytes:
    """Undo a PNG or TIFF predictor, as pdfminer.six does; neither makes data grow."""
    params = resolve1(params)
    if not isinstance(params, dict) or "Predictor" not in params:
        return data
    predictor = int_value(params["Predictor"])
    colors = int_value(params.get("Colors", 1))
    columns = int_value(params.get("Columns", 1))
    bits = int_value(params.get("BitsPerComponent", 8))
    if predictor == 2:
        return apply_tiff_predictor(colors, columns, bits, data)
    if predictor >= 10:
        return apply_png_predictor(predictor, colors, columns, bits, data)
    return data


def decoded(stream: PDFStream, cap: int) -> bytes:
    """The stream's bytes through its whole filter chain, stopping at an image codec."""
    data = stream.rawdata or b""
    if stream.decipher:
        assert stream.objid is not None and stream.genno is not None
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for name, params in stream.get_filters():
        if name in IMAGE_CODECS:
            break
        data = predict(decode_stage(data, name, cap), params)
    return data


def measure(stream: PDFStream, cap: int) -> None:
    """Inflate an image only to count it: a lone Flate filter in chunks, else whole."""
    filters = stream.get_filters()
    if stream.decipher or len(filters) != 1 or filters[0][0] not in LITERALS_FLATE_DECODE:
        decoded(stream, cap)
    else:
        inflated_size(stream.rawdata or b"", cap)


def is_image(stream: PDFStream) -> bool:
    return resolve1(stream.attrs.get("Subtype")) is LIT("Image")


def describe(stream: PDFStream) -> str:
    """What a person would call the stream, from its own dictionary."""
    kind = resolve1(stream.attrs.get("Type"))
    subtype = resolve1(stream.attrs.get("Subtype"))
    names = {LIT("ObjStm"): "an object stream", LIT("XRef"): "a cross-reference stream"}
    subtypes = {LIT("Image"): "an image", LIT("Form"): "a form"}
    what = names.get(kind) or subtypes.get(subtype) or "a stream"
    return f"object {stream.objid}, {what},"


def decode_within(stream: PDFStream, budget: InflationBudget) -> None:
    """Decode ``stream`` in place within the budget, or raise ``DocumentTooLarge``.

    An image is inflated only to be measured (a bomb can hide there too) and then dropped:
    pdfminer.six never decodes one for text, and keeping scans' pixels would exhaust the
    document's budget on legitimate scanned-and-OCRed registers. Its ratio is not judged,
    since a blank page scanned to Flate compresses a thousand to one innocently: its own
    width and height bound it instead.
    """
    if stream.rawdata is None or stream.objid in budget.measured:
        return  # already decoded, or an image already measured
    if is_image(stream):
        measure_image(stream, budget)
        return
    raw_size = len(stream.rawdata)
    cap = budget.allowance(raw_size)
    try:
        data = decoded(stream, cap)
    except Overflow:
        raise DocumentTooLarge(_overflow_reason(stream, raw_size, cap, budget)) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise UnreadableDocument(
            f"{describe(stream)} cannot be decoded: the PDF is corrupt"
        ) from exc
    budget.used += len(data)
    stream.data, stream.rawdata = data, None


def measure_image(stream: PDFStream, budget: InflationBudget) -> None:
    """Refuse an image whose size, declared or inflated, is over the budget or its own
    dimensions; an image that says it is too big is refused before it is inflated."""
    declared = declared_pixels(stream)
    if declared > budget.remaining:
        raise DocumentTooLarge(
            f"{describe(stream)} declares {declared:,} bytes of pixels or more, over the"
            f" {budget.limit:,}-byte limit for one document: refused as a possible zip bomb;"
            " if the register is genuine, print it to a new PDF and submit that"
        )
    # four 16-bit colour components (CMYK) take eight times one 8-bit one, at most
    cap = min(budget.remaining, RATIO_FLOOR + 8 * declared)
    try:
        measure(stream, cap)
    except Overflow:
        raise DocumentTooLarge(
            f"{describe(stream)} inflates past what its own width and height allow: refused"
            " as a possible zip bomb; if the register is genuine, print it to a new PDF and"
            " submit that"
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise UnreadableDocument(
            f"{describe(stream)} cannot be decoded: the PDF is corrupt"
        ) from exc
    budget.measured.add(stream.objid)  # type: ignore[arg-type]


def declared_pixels(stream: PDFStream) -> int:
    """The fewest bytes an image's own dictionary says its samples take: one colour
    component (0 when it does not say)."""
    try:
        width, height, bits = (
            int_value(stream.attrs.get(key, default))
            for key, default in (("Width", 0), ("Height", 0), ("BitsPerComponent", 8))
        )
    except (TypeError, ValueError):
        return 0
    return max(width, 0) * max(height, 0) * max(bits, 1) // 8


def _overflow_reason(stream: PDFStream, raw_size: int, cap: int, budget: InflationBudget) -> str:
    if cap < budget.remaining:
        return (
            f"{describe(stream)} inflates from {raw_size:,} bytes to more than {budget.ratio}"
            " times that (the limit): refused as a possible zip bomb; if the register is genuine,"
            " print it to a new PDF and submit that"
        )
    return (
        f"its streams inflate to more than {budget.limit:,} bytes, the limit for one"
        f" document ({describe(stream).rstrip(',')}, goes past it): refused as a possible zip bomb; if the register"
        " is genuine, split it or print it to a new PDF and submit that"
    )
