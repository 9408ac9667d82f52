"""PDF bytes -> ``PageGeometry``: characters and rulings from pdfminer.six, clip-aware.

No layout analysis runs (it is ~40% of pdfminer.six's time and tables don't need it):
``extract_pages(laparams=None)`` would switch it back on, so the interpreter drives our
own device. pdfminer.six ignores clipping paths (its issue 414); spreadsheets printed to
PDF draw a merged cell that straddles a page break in full on both pages and clip it,
so the interpreter here records ``W``/``W*`` with the ``q``/``Q`` stack and the device
drops every character whose centre lies outside the active clip.
"""

from __future__ import annotations

import importlib
import io
import logging
import sys
import types
from collections.abc import Iterator, Sequence
from itertools import starmap
from operator import attrgetter
from typing import Any, Literal, TypeVar


class _ImportedOnUse(types.ModuleType):
    """Stands for a module not imported yet: its first attribute asked for imports it."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def _pdfminer_utils() -> None:
    """Import ``pdfminer.utils`` without charset_normalizer, which it imports on every
    start (12-17 ms, a third of pdfminer.six's imports) for one function,
    ``make_compat_str``, that reading a page never calls: its module global is a stand-in
    that imports the real module when that function first uses it. Only pdfminer.utils
    sees the stand-in; it is out of ``sys.modules`` before this returns."""
    if "pdfminer.utils" in sys.modules or "charset_normalizer" in sys.modules:
        return
    stand_in = _ImportedOnUse("charset_normalizer")
    sys.modules["charset_normalizer"] = stand_in
    try:
        importlib.import_module("pdfminer.utils")
    finally:
        if sys.modules.get("charset_normalizer") is stand_in:
            del sys.modules["charset_normalizer"]


_pdfminer_utils()

from pdfminer import settings as pdfminer_settings  # after _pdfminer_utils()
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import (
    PDFGraphicState,
    PDFInterpreterError,
    PDFPageInterpreter,
    PDFResourceManager,
    PDFTextState,
)
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1, stream_value
from pdfminer.psexceptions import PSException
from pdfminer.utils import Matrix, apply_matrix_pt, mult_matrix

from extract.errors import DocumentTooLarge, UnreadableDocument
from extract.isolate import run_bounded
from extract.limits import Limits
from extract.pdf.content import run
from extract.pdf.geometry import Box, Char, PageGeometry, Ruling
from extract.pdf.inflate import InflationBudget, decode_within

# pdfminer.six logs every odd object at WARNING; a bad PDF is reported by our errors instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

S = TypeVar("S", PDFTextState, PDFGraphicState)
_char = tuple.__new__  # _char(Char, fields): a Char from its fields in order, in one C call
THIN = 2.0  # a filled box thinner than this (points) is drawn as a rule
NO_CLIP: Box = (-1e9, -1e9, 1e9, 1e9)
UNLIMITED = Limits(max_uncompressed_bytes=1 << 62, max_compression_ratio=1 << 62, max_pages=1 << 62)


def intersect(a: Box, b: Box) -> Box:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def path_box(path: Sequence[Any], ctm: Matrix) -> Box | None:
    """Device-space bounding box (y up) of a path's points, or None for an empty path."""
    points = [apply_matrix_pt(ctm, (seg[-2], seg[-1])) for seg in path if len(seg) >= 3]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def is_rectangle(path: Sequence[Any], ctm: Matrix) -> bool:
    """Whether a path is one axis-aligned rectangle (``re``, or four straight sides): not a
    glyph drawn as curves, a logo or a chart."""
    if any(seg[0] not in ("m", "l", "h", "re") for seg in path):
        return False
    points = [apply_matrix_pt(ctm, (seg[-2], seg[-1])) for seg in path if len(seg) >= 3]
    if len(points) > 5 or len(points) < 2:
        return False
    xs = {round(p[0], 1) for p in points}
    ys = {round(p[1], 1) for p in points}
    return len(xs) <= 2 and len(ys) <= 2


def copy_state(state: S) -> S:
    """A copy of a ``PDFTextState`` or ``PDFGraphicState``: the same attributes, the same
    values, as its ``copy()`` makes (``tests/test_pdf_state_copy.py`` holds them equal)."""
    copied = object.__new__(type(state))
    copied.__dict__.update(state.__dict__)
    return copied


def _glyph_text(font: Any, cid: int) -> str:
    try:
        return str(font.to_unichr(cid))
    except PDFUnicodeNotDefined:
        return "\ufffd"


class GeometryDevice(PDFTextDevice):
    """Collects visible characters and ruling lines of one page at a time."""

    def __init__(self, rsrcmgr: PDFResourceManager) -> None:
        super().__init__(rsrcmgr)
        self.clip: Box = NO_CLIP  # device space, y up; kept current by ClipInterpreter
        # Chars made as tuples are (``_char``): no call per field, as a frozen dataclass or
        # NamedTuple's own constructor would make.
        self.chars: list[Char] = []
        self.rulings: list[Ruling] = []
        self.hidden: list[Box] = []  # where clipped-away characters were drawn
        self.height = 0.0
        # Per font (kept alive here, so an id is never reused): cid -> width, cid -> text.
        # Both are pure functions of the font and the cid, asked once per glyph drawn.
        self._glyphs: dict[int, tuple[Any, dict[int, float], dict[int, str]]] = {}

    def begin_page(self, page: PDFPage, ctm: Matrix) -> None:
        x0, y0, x1, y1 = page.cropbox
        self.height = abs(y1 - y0)
        self.chars, self.rulings, self.hidden = [], [], []
        self.clip = (0.0, 0.0, abs(x1 - x0), self.height)

    def render_char(
        self,
        matrix: Matrix,
        font: Any,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: Any,
        graphicstate: Any,
    ) -> float:
        adv = font.char_width(cid) * fontsize * scaling
        a, b, c, d, e, f = matrix
        if b or c:  # rotated text is no part of a register table's cells
            return adv
        descent = font.get_descent() * fontsize + rise
        x0, x1 = sorted((e, e + a * adv))
        y0, y1 = sorted((f + d * descent, f + d * (descent + fontsize)))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        clip = self.clip
        if not (clip[0] <= cx <= clip[2] and clip[1] <= cy <= clip[3]):
            self.hidden.append((x0, self.height - y1, x1, self.height - y0))
            return adv
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = "\ufffd"
        h = self.height
        self.chars.append(_char(Char, (text, x0, x1, h - y1, h - y0, abs(d * fontsize), h - f)))
        return adv

    def render_string_horizontal(
        self,
        seq: Any,
        matrix: Matrix,
        pos: Any,
        font: Any,
        fontsize: float,
        scaling: float,
        charspace: float,
        wordspace: float,
        rise: float,
        dxscale: float,
        ncs: Any,
        graphicstate: Any,
    ) -> Any:
        """pdfminer.six's loop with ``render_char`` inlined, the same arithmetic in the same
        order (so the same floats), and each glyph's width and text asked of the font once:
        per-glyph calls were half the time of reading a page."""
        a, b, c, d, e, f = matrix
        if b or c:  # rotated text: no part of a table; pdfminer's loop only advances x
            return super().render_string_horizontal(
                seq, matrix, pos, font, fontsize, scaling, charspace, wordspace, rise,
                dxscale, ncs, graphicstate,
            )
        widths, texts = self._font_tables(font)
        descent = font.get_descent() * fontsize + rise
        clip, h, chars, hidden = self.clip, self.height, self.chars, self.hidden
        size = abs(d * fontsize)
        x, y = pos
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    width = widths.get(cid)
                    if width is None:
                        width = widths[cid] = font.char_width(cid)
                    adv = width * fontsize * scaling
                    ex = x * a + y * c + e  # utils.translate_matrix
                    fy = x * b + y * d + f
                    # sorted() of two, without the call: swapped only when the second is less
                    x0, x1 = ex, ex + a * adv
                    if x1 < x0:
                        x0, x1 = x1, x0
                    y0, y1 = fy + d * descent, fy + d * (descent + fontsize)
                    if y1 < y0:
                        y0, y1 = y1, y0
                    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                    if not (clip[0] <= cx <= clip[2] and clip[1] <= cy <= clip[3]):
                        hidden.append((x0, h - y1, x1, h - y0))
                    else:
                        text = texts.get(cid)
                        if text is None:
                            text = texts[cid] = _glyph_text(font, cid)
                        chars.append(_char(Char, (text, x0, x1, h - y1, h - y0, size, h - fy)))
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
            else:
                logging.getLogger("pdfminer.pdfdevice").warning(
                    "Cannot render horizontal string because %r is not a valid int, float or"
                    " bytes.", obj,
                )
        return (x, y)

    def _font_tables(self, font: Any) -> tuple[dict[int, float], dict[int, str]]:
        entry = self._glyphs.get(id(font))
        if entry is None:
            entry = self._glyphs[id(font)] = (font, {}, {})
        return entry[1], entry[2]

    def paint_path(
        self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Sequence[Any]
    ) -> None:
        if not (stroke or fill) or self.ctm is None:
            return
        if stroke:
            self._stroke_segments(path)
        else:
            box = path_box(path, self.ctm)
            if box and min(box[2] - box[0], box[3] - box[1]) < THIN:
                self._add_ruling(box)
            elif box and is_rectangle(path, self.ctm):
                # a filled box (a zebra row, a header band, a shaded cell): its top and
                # bottom edges part rows as a rule would
                x0, y0, x1, y1 = box
                self._add_ruling((x0, y0, x1, y0), drawn=False)
                self._add_ruling((x0, y1, x1, y1), drawn=False)

    def _stroke_segments(self, path: Sequence[Any]) -> None:
        assert self.ctm is not None
        start = last = None
        for seg in path:
            op = seg[0]
            if op == "m":
                start = last = apply_matrix_pt(self.ctm, (seg[1], seg[2]))
                continue
            point = start if op == "h" else apply_matrix_pt(self.ctm, (seg[-2], seg[-1]))
            if last is not None and point is not None:
                x0, x1 = sorted((last[0], point[0]))
                y0, y1 = sorted((last[1], point[1]))
                if min(x1 - x0, y1 - y0) < THIN:
                    self._add_ruling((x0, y0, x1, y1))
            last = point

    def _add_ruling(self, box: Box, drawn: bool = True) -> None:
        visible = intersect(box, self.clip)
        if visible[0] > visible[2] + 0.5 or visible[1] > visible[3] + 0.5:
            return
        x0, y0, x1, y1 = visible
        h = self.height
        kind: Literal["h", "v"] = "h" if (x1 - x0) >= (y1 - y0) else "v"
        if max(x1 - x0, y1 - y0) >= 1.0:
            self.rulings.append(Ruling(kind, x0, h - y1, x1, h - y0, drawn))


class ClipInterpreter(PDFPageInterpreter):
    """Tracks the clip path's bounding box through ``W``, ``W*``, ``q``, ``Q`` and forms."""

    device: GeometryDevice

    def init_state(self, ctm: Any) -> None:
        super().init_state(ctm)
        self.clip_stack: list[Box] = []

    def get_current_state(self) -> tuple[Matrix, PDFTextState, PDFGraphicState]:
        """What ``q`` saves, as pdfminer.six's own: the two states copied attribute for
        attribute (``copy_state``), without the ``__init__`` and the assignment one at a time
        of their ``copy()`` (q and Q come in thousands on a register's page)."""
        return (self.ctm, copy_state(self.textstate), copy_state(self.graphicstate))

    def do_TJ(self, seq: Any) -> None:
        """pdfminer.six's ``TJ`` less its copy of the graphic state for the device: this
        device reads none of it (and keeps none)."""
        if self.textstate.font is None:
            if pdfminer_settings.STRICT:
                raise PDFInterpreterError("No font specified!")
            return
        self.device.render_string(self.textstate, seq, self.graphicstate.ncs, self.graphicstate)

    def do_cm(self, a1: Any, b1: Any, c1: Any, d1: Any, e1: Any, f1: Any) -> None:
        """pdfminer.six's ``cm`` with its operands made floats in one step: its
        ``safe_matrix`` is six calls of ``safe_float`` for what is nearly always six
        numbers. Anything ``float()`` refuses goes to pdfminer.six's own, which warns."""
        try:
            matrix = (float(a1), float(b1), float(c1), float(d1), float(e1), float(f1))
        except (TypeError, ValueError, OverflowError):
            return super().do_cm(a1, b1, c1, d1, e1, f1)
        self.ctm = mult_matrix(matrix, self.ctm)
        self.device.set_ctm(self.ctm)
        return None

    def do_Tm(self, a: Any, b: Any, c: Any, d: Any, e: Any, f: Any) -> None:
        """pdfminer.six's ``Tm``, its operands made floats as in ``do_cm``."""
        try:
            matrix = (float(a), float(b), float(c), float(d), float(e), float(f))
        except (TypeError, ValueError, OverflowError):
            return super().do_Tm(a, b, c, d, e, f)
        self.textstate.matrix = matrix
        self.textstate.linematrix = (0, 0)
        return None

    def do_m(self, x: Any, y: Any) -> None:
        """pdfminer.six's ``m``, its operands made floats as in ``do_cm``."""
        try:
            point = ("m", float(x), float(y))
        except (TypeError, ValueError, OverflowError):
            return super().do_m(x, y)
        self.curpath.append(point)
        return None

    def do_l(self, x: Any, y: Any) -> None:
        """pdfminer.six's ``l``, its operands made floats as in ``do_cm``."""
        try:
            point = ("l", float(x), float(y))
        except (TypeError, ValueError, OverflowError):
            return super().do_l(x, y)
        self.curpath.append(point)
        return None

    def do_TL(self, leading: Any) -> None:
        """pdfminer.six's ``TL``, its operand made a float as in ``do_cm``."""
        try:
            self.textstate.leading = -float(leading)
        except (TypeError, ValueError, OverflowError):
            return super().do_TL(leading)
        return None

    def do_rg(self, r: Any, g: Any, b: Any) -> None:
        """pdfminer.six's ``rg``, its operands made floats as in ``do_cm``."""
        try:
            rgb = (float(r), float(g), float(b))
        except (TypeError, ValueError, OverflowError):
            return super().do_rg(r, g, b)
        self.graphicstate.ncolor = rgb
        self.graphicstate.ncs = self.csmap["DeviceRGB"]
        return None

    def do_q(self) -> None:
        self.clip_stack.append(self.device.clip)
        super().do_q()

    def do_Q(self) -> None:
        if self.clip_stack:
            self.device.clip = self.clip_stack.pop()
        super().do_Q()

    def do_W(self) -> None:
        # The clip is set by the next path-painting operator, on the path W saw.
        box = path_box(self.curpath, self.ctm)
        if box is not None:
            self.device.clip = intersect(self.device.clip, box)

    def do_W_a(self) -> None:
        self.do_W()

    def execute(self, streams: Any) -> None:
        # pdfminer.six's byte-at-a-time parser is most of its time: tokenize with a regex
        # instead (``content.run``), keeping its guard against circular form streams.
        valid = []
        self.stream_ids.clear()
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                continue
            valid.append(stream)
            self.stream_ids.add(stream.objid)
        run(self, b"\n".join(stream.get_data() for stream in valid))

    def do_Do(self, xobjid_arg: Any) -> None:
        # A form's content may reset the clip with its own q/Q: restore ours afterwards.
        clip = self.device.clip
        super().do_Do(xobjid_arg)
        self.device.clip = clip


class BoundedDocument(PDFDocument):
    """A ``PDFDocument`` whose objects cannot loop and whose streams cannot balloon.

    Every object comes through ``getobj``: a reference to an object that is itself a
    reference is followed here, iteratively, so a cycle (``4 0 R`` as object 4) is named
    instead of spinning pdfminer.six's ``resolve1`` for ever; an object needed while it is
    still being parsed (a stream whose ``/Length`` is itself) is refused instead of
    recursing; every stream is decoded once, within ``InflationBudget``.
    """

    def __init__(self, parser: PDFParser, budget: InflationBudget) -> None:
        self.budget = budget
        self.opening: set[int] = set()
        super().__init__(parser)

    def getobj(self, objid: int) -> object:
        obj = self._fetch(objid)
        seen = {objid}
        while isinstance(obj, PDFObjRef):
            if obj.objid in seen:
                raise UnreadableDocument(
                    f"object {objid} of the PDF refers to itself"
                    + (f" through {len(seen) - 1} other objects" if len(seen) > 1 else "")
                    + ": the file is corrupt"
                )
            seen.add(obj.objid)
            obj = self._fetch(obj.objid)
        if isinstance(obj, PDFStream):
            decode_within(obj, self.budget)
        return obj

    def _fetch(self, objid: int) -> object:
        if objid in self._cached_objs:
            return self._cached_objs[objid][0]
        if objid in self.opening:
            raise UnreadableDocument(
                f"object {objid} of the PDF needs itself to be read (its /Length?):"
                " the file is corrupt"
            )
        self.opening.add(objid)
        try:
            return super().getobj(objid)
        finally:
            self.opening.discard(objid)


def open_document(data: bytes, budget: InflationBudget) -> PDFDocument:
    try:
        doc = BoundedDocument(PDFParser(io.BytesIO(data)), budget)
    except PDFPasswordIncorrect as exc:
        raise UnreadableDocument(
            "the PDF is encrypted and needs a password: remove the password and submit it again"
        ) from exc
    except PDFEncryptionError as exc:
        raise UnreadableDocument(
            "the PDF is encrypted in a way drr cannot open: remove the encryption (print it to"
            " a new PDF) and submit it again"
        ) from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise UnreadableDocument(
            "not a readable PDF: it is corrupt or truncated (no usable cross-reference table"
            " or trailer)"
        ) from exc
    if not doc.is_extractable:
        raise UnreadableDocument("the PDF forbids text extraction")
    return doc


def declared_pages(doc: PDFDocument) -> int | None:
    """The page count the page tree declares, read before any page is."""
    try:
        count = resolve1(resolve1(doc.catalog["Pages"]).get("Count"))
    except (KeyError, AttributeError, PSException, ValueError, TypeError):
        return None
    return count if isinstance(count, int) else None


def iter_pages(data: bytes, limits: Limits | None = None) -> Iterator[PageGeometry]:
    """Every page's characters and rulings, one page at a time."""
    return map(unpack_page, packed_pages(data, limits))


def packed_pages(data: bytes, limits: Limits | None = None) -> Iterator[PackedPage]:
    """Every page's visible characters and rulings, one page at a time.

    Streams are bounded by ``limits`` (``BoundedDocument``); time and memory are not: a
    caller reading an untrusted document uses ``bounded_pages``.
    """
    limits = limits or UNLIMITED
    max_pages = limits.max_pages
    doc = open_document(
        data, InflationBudget(limits.max_uncompressed_bytes, limits.max_compression_ratio)
    )
    declared = declared_pages(doc)
    if declared is not None and declared > max_pages:
        raise DocumentTooLarge(
            f"{declared:,} pages is over the {max_pages:,}-page limit for one document"
        )
    rsrcmgr = PDFResourceManager(caching=True)
    device = GeometryDevice(rsrcmgr)
    interpreter = ClipInterpreter(rsrcmgr, device)
    pages = PDFPage.create_pages(doc)
    number = 0
    while True:
        try:
            page = next(pages)
        except StopIteration:
            if number == 0:
                raise UnreadableDocument(
                    "the PDF has no pages (its page tree is empty): export the register again"
                ) from None
            return
        except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
            raise UnreadableDocument(
                f"page {number + 1} cannot be read: the PDF is corrupt or truncated"
            ) from exc
        number += 1
        if number > max_pages:  # a page tree that lied about /Count
            raise DocumentTooLarge(f"over the {max_pages:,}-page limit for one document")
        try:
            interpreter.process_page(page)
        except (PSException, ValueError, KeyError, TypeError, AssertionError) as exc:
            raise UnreadableDocument(
                f"page {number} cannot be read: the PDF is corrupt or damaged there"
            ) from exc
        x0, y0, x1, y1 = page.cropbox
        rulings = list(map(_RULING_FIELDS, device.rulings))
        yield number, abs(x1 - x0), abs(y1 - y0), device.chars, rulings, tuple(device.hidden)


def bounded_pages(data: bytes, limits: Limits) -> list[PageGeometry]:
    """Every page, read in a child process bound by the document's time and memory limits.

    pdfminer.six has loops and allocations no bound inside this module can reach (an
    object cycle it resolves, an array nested 100,000 deep, forms drawing forms): the
    child is killed at ``limits.max_seconds`` and cannot grow past ``max_memory_bytes``.
    """
    packed = run_bounded(
        lambda: list(packed_pages(data, limits)),
        limits.max_seconds,
        limits.max_memory_bytes,
    )
    return [unpack_page(page) for page in packed]


_RULING_FIELDS = attrgetter("orientation", "x0", "top", "x1", "bottom", "drawn")
# A page's rulings as plain tuples: a frozen dataclass pickles field by field, ten times
# slower (Chars are tuples already).
PackedPage = tuple[int, float, float, list[Char], list[Any], tuple[Box, ...]]


def unpack_page(packed: PackedPage) -> PageGeometry:
    number, width, height, chars, rulings, hidden = packed
    return PageGeometry(
        number, width, height, tuple(chars), tuple(starmap(Ruling, rulings)), hidden
    )
