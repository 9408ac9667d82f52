"""Fuzz drr's readers through ``extract.read_document``, the call ``drr extract`` makes.

    python3 benchmarks/fuzz_readers.py --seconds N [--engine atheris|random] [--out DIR]

Seeds are the committed corpus (``corpora/pdfs``, ``sheets``, ``textdumps``, ``pages``,
``samples``) and shortened copies of its text files. Each input is mutated byte by byte or
by its structure: a PDF's inflated stream is changed and deflated again (the xref rebuilt),
a workbook's XML member is changed inside the zip, a CSV's or text dump's lines are
dropped, repeated, swapped or edited. The first byte of an input picks the file name it is
read under (``.pdf``, ``.csv``, none, ...), so names that contradict the bytes are fuzzed
too.

A *finding* is an input on which the reader raises anything but ``DrrError``, runs longer
than ``--alarm`` seconds, or grows the peak memory by more than ``--memory-mb``. Each
distinct finding (exception type and the innermost drr frame) is kept once in ``DIR``
with its input; ``DIR/stats.json`` holds executions, executions per second and the counts
per outcome, rewritten every 30 s and at the end. Refusals in which ``extract/isolate.py``
reports an unknown exception of the PDF reader's child process are DrrErrors, so not
findings, but they are kept the same way as kind ``masked``.

``--engine atheris`` (the default when atheris is installed) is coverage-guided: drr's own
``extract`` modules are instrumented and libFuzzer keeps inputs that reach new code; the
mutations above are its custom mutator, with libFuzzer's own byte mutations among them.
``--engine random`` mutates the seeds blindly, with no coverage, and needs nothing extra.

Long run of 2026-12-07 (2 shared cores, ``nice -n 10``, one campaign at a time), 1,503,277
executions in 2,713 s: ``--engine random --family zip --seconds 300`` 85,951 (286/s);
``--family pdf --seconds 300`` 2,474 (8.2/s); ``--engine atheris --family text --family zip``
44,792 in 481 s (93/s); ``--engine random --family text --seconds 1632`` 1,370,060 (840/s).
Findings and their tests: ``tests/fuzz_findings/``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
# Fuzz this checkout's code, not whichever copy of drr is installed.
sys.path.insert(0, str(ROOT))

SEED_FOLDERS = ("pdfs", "sheets", "textdumps", "pages", "samples")
SEED_SUFFIXES = {".pdf", ".xlsx", ".ods", ".csv", ".txt", ".html"}
# The first byte of a fuzz input picks its name; the reader is told the format by the bytes,
# the name only contradicts them or narrows text to a table.
NAMES = (
    "register.pdf", "register.xlsx", "register.ods", "register.csv",
    "register.txt", "register.tsv", "register", "register.html",
)
SHORT_LINES = (12, 40, 120)  # text seeds are also offered cut to their first lines

Kind = Literal["ok", "refused", "crash", "hang", "memory", "masked"]
FINDING_KINDS = ("crash", "hang", "memory")
# extract/isolate.py's words for an exception other than DrrError in the PDF reader's child
MASKED = ("UnreadableDocument: the reader failed on this document",
          "UnreadableDocument: the reader crashed on this document")
Reader = Callable[[bytes, str], object]
Mutator = Callable[[bytes, random.Random, Sequence[bytes]], bytes]


# --- seeds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes


def corpus_seeds(root: Path = ROOT) -> list[Seed]:
    """Every register document of the committed corpus, and short cuts of the text ones."""
    seeds: list[Seed] = []
    for folder in SEED_FOLDERS:
        for path in sorted((root / "corpora" / folder).iterdir()):
            if path.suffix in SEED_SUFFIXES and ".golden" not in path.name:
                data = path.read_bytes()
                seeds.append(Seed(path.name, data))
                seeds.extend(_short_cuts(path.name, data))
    return seeds


def _short_cuts(name: str, data: bytes) -> list[Seed]:
    """The first lines of a text seed, the first page of a PDF: small inputs run faster."""
    if name.endswith(".pdf"):
        first = first_page_only(data)
        return [Seed(name, first)] if first != data else []
    if not name.endswith((".txt", ".csv")):
        return []
    lines = data.splitlines(keepends=True)
    return [Seed(name, b"".join(lines[:n])) for n in SHORT_LINES if n < len(lines)]


_KIDS = re.compile(rb"/Kids\s*\[\s*(\d+\s+\d+\s+R)[^\]]*\]\s*/Count\s+\d+")


def first_page_only(pdf: bytes) -> bytes:
    """The page tree cut to its first page (a flat tree, as office suites write it)."""
    cut = _KIDS.sub(lambda m: b"/Kids[ " + m.group(1) + b" ]\n/Count 1", pdf, count=1)
    return rebuild_xref(cut) if cut != pdf else pdf


def family(document: bytes) -> str:
    """pdf, zip (XLSX, ODS) or text (CSV, dumps, pages): what the bytes are, not the name."""
    if b"%PDF-" in document[:1024]:
        return "pdf"
    if document.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


def encode_input(seed: Seed) -> bytes:
    """A fuzz input: one byte for the name, then the document."""
    return bytes([name_index(seed.name)]) + seed.data


def decode_input(data: bytes) -> tuple[str, bytes]:
    if not data:
        return NAMES[-1], b""
    return NAMES[data[0] % len(NAMES)], data[1:]


def name_index(filename: str) -> int:
    suffix = filename[filename.rfind("."):] if "." in filename else ""
    for index, name in enumerate(NAMES):
        if name.endswith(suffix) and suffix:
            return index
    return NAMES.index("register")


# --- one execution -----------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the per-input alarm; a BaseException so a reader's ``except Exception``
    cannot swallow it."""


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    detail: str = ""  # exception type and message, one line
    where: str = ""  # innermost drr frame (file:line function), else the innermost frame
    trace: str = ""

    @property
    def key(self) -> str:
        """What makes two findings the same: their kind, exception type and place."""
        return f"{self.kind}:{self.detail.split(':', 1)[0]}:{self.where}"


def read_document_reader(data: bytes, filename: str, seconds: float = 10.0) -> object:
    """``read_document`` with its own time bound just over the alarm: a PDF is read in a
    child process the alarm cannot reach, and drr's bound ends it instead."""
    from extract import Limits, read_document

    return read_document(data, filename, Limits(max_seconds=seconds))


def run_one(data: bytes, filename: str, alarm: float = 5.0, memory_mb: int = 1024,
            read: Reader | None = None) -> Outcome:
    """Read one input under an alarm and say how it ended.

    Slower than ``alarm`` seconds of wall time is a hang even when drr refuses the input
    cleanly at its own time bound: a small document must not cost seconds.
    """
    from extract.errors import DrrError

    reader = read or (lambda d, n: read_document_reader(d, n, alarm * 2))
    before = _peak_rss_mb()
    started = time.monotonic()
    try:
        with _alarm(alarm):
            reader(data, filename)
    except DrrError as exc:
        outcome = Outcome("refused", _one_line(exc))
    except Hang as exc:
        return Outcome("hang", f"Hang: over {alarm:g} s of CPU", _where(exc),
                       traceback.format_exc())
    except MemoryError as exc:
        return Outcome("memory", _one_line(exc), _where(exc), traceback.format_exc())
    except Exception as exc:  # noqa: BLE001 - anything but DrrError is what we look for
        return Outcome("crash", _one_line(exc), _where(exc), traceback.format_exc())
    else:
        outcome = Outcome("ok")
    return _bounded(outcome, time.monotonic() - started, _peak_rss_mb() - before, alarm,
                    memory_mb)


def _bounded(outcome: Outcome, seconds: float, grown_mb: float, alarm: float,
             memory_mb: int) -> Outcome:
    """An input that ended well but too slowly, or too big, is still a finding."""
    if seconds > alarm:
        return Outcome("hang", f"Slow: {seconds:.1f} s wall, then {outcome.detail or 'read'}")
    if grown_mb > memory_mb:
        return Outcome("memory", f"MemoryBound: peak RSS grew {grown_mb:,.0f} MiB, then "
                       f"{outcome.detail or 'read'}")
    return outcome


def _peak_rss_mb() -> float:
    """The largest peak of this process and of any child it waited for (PDFs are read in
    one); both only grow, so a jump past the bound is the last input's doing."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


class _alarm:
    """SIGVTALRM after ``seconds`` of CPU time spent by this process.

    A CPU-time timer, not SIGALRM: pytest-timeout and libFuzzer own the wall-clock alarm,
    and a reader that hangs is one that spins. Whatever timer was set before is restored.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False

    def __enter__(self) -> None:
        self.handler = signal.signal(signal.SIGVTALRM, self._fire)
        self.armed = True
        self.outer = signal.setitimer(signal.ITIMER_VIRTUAL, self.seconds)

    def __exit__(self, *_: object) -> None:
        self.armed = False
        signal.setitimer(signal.ITIMER_VIRTUAL, *self.outer)
        signal.signal(signal.SIGVTALRM, self.handler)

    def _fire(self, *_: object) -> None:
        if self.armed:
            raise Hang()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _where(exc: BaseException) -> str:
    """The innermost frame in drr's ``extract`` package, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}extract{os.sep}" in f.filename]
    if not (ours or frames):
        return ""
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return f"{shown}:{frame.lineno} {frame.name}"


# --- mutations: bytes --------------------------------------------------------------------------

INTERESTING = (
    b"\x00", b"\xff", b"\r", b"\n", b"\r\n", b"\t", b",", b";", b"|", b'"', b"\xef\xbb\xbf",
    b"\xff\xfe", b"%PDF-1.4\n", b"PK\x03\x04", b"<html>", b"<body>", b"-1", b"0",
    b"99999999999", b"NaN", b"\xc3", b"\xe2\x80\xa8", b"\x85", b"\xe2\x80\xa9",
    b"Row ID", b"Organisation", b"NIC-", b"1e309", b"(", b")", b"<", b">", b"[", b"]",
)


def flip_bits(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _flip in range(rng.choice((1, 1, 2, 8))):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def insert_interesting(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    at = rng.randint(0, len(data))
    piece = rng.choice(INTERESTING) * rng.choice((1, 1, 3, 64))
    return data[:at] + piece + data[at:]


def delete_range(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    if len(data) < 2:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + _span(rng, len(data) - start):]


def duplicate_range(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    piece = data[start:start + _span(rng, len(data) - start)]
    at = rng.randint(0, len(data))
    return data[:at] + piece * rng.choice((1, 2, 16)) + data[at:]


def truncate(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    return data[: rng.randint(0, len(data))]


def splice(data: bytes, rng: random.Random, others: Sequence[bytes] = ()) -> bytes:
    """The head of this input and the tail of another."""
    if not others:
        return data
    other = rng.choice(others)
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)):]


def _span(rng: random.Random, most: int) -> int:
    return max(1, min(most, rng.choice((1, 4, 16, 256, 4096))))


BYTE_MUTATORS: tuple[Mutator, ...] = (
    flip_bits, insert_interesting, delete_range, duplicate_range, truncate, splice,
)


# --- mutations: text lines (CSV, text dumps, pages) ---------------------------------------------


def mutate_lines(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    """Drop, repeat, swap, shuffle, split, join or edit whole lines of a text document."""
    lines = data.splitlines(keepends=True) or [b""]
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    step = rng.randrange(8)
    if step == 0:
        del lines[i]
    elif step == 1:
        lines.insert(j, lines[i] * rng.choice((1, 1, 2)))
    elif step == 2:
        lines[i], lines[j] = lines[j], lines[i]
    elif step == 3:
        chunk = lines[min(i, j):max(i, j) + 1]
        rng.shuffle(chunk)
        lines[min(i, j):max(i, j) + 1] = chunk
    elif step == 4:
        lines[i] = lines[i].rstrip(b"\r\n") + (lines[j] if i != j else b"")
    elif step == 5:
        lines[i] = _edit_line(lines[i], rng)
    elif step == 6:
        lines[i:i] = [lines[i]] * rng.choice((10, 200))
    else:
        lines[i] = rng.choice((b"", b"\n", b" \n", b",,,,,,,,\n", b"\t\t\t\n", b"\f\n"))
    return b"".join(lines)


def _edit_line(line: bytes, rng: random.Random) -> bytes:
    """Change one line's delimiters, spacing, quoting or cells."""
    step = rng.randrange(6)
    if step == 0:
        old, new = rng.sample((b",", b";", b"\t", b"|", b"  ", b" "), 2)
        return line.replace(old, new)
    if step == 1:  # indentation and column positions are what text dumps are read by
        return b" " * rng.choice((1, 4, 40, 200)) + line
    if step == 2:
        at = rng.randint(0, len(line))
        return line[:at] + b'"' + line[at:]
    if step == 3:
        return line.upper() if rng.random() < 0.5 else line.lower()
    if step == 4:
        cells = re.split(rb"(\s{2,}|,)", line)
        rng.shuffle(cells)
        return b"".join(cells)
    return re.sub(rb"\d+", lambda _: str(rng.choice((0, -1, 10**12, 2**31))).encode(), line)


# --- mutations: PDF streams --------------------------------------------------------------------

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_LENGTH = re.compile(rb"/Length\s+(?:\d+\s+\d+\s+R|\d+)")
_OBJECT = re.compile(rb"(?:^|(?<=[\r\n]))(\d+)\s+(\d+)\s+obj\b")
_TRAILER = re.compile(rb"trailer\s*(<<.*?>>)\s*startxref", re.DOTALL)


def mutate_pdf_stream(data: bytes, rng: random.Random, others: Sequence[bytes] = ()) -> bytes:
    """Inflate one of the PDF's streams, change it, deflate it again, rebuild the xref."""
    streams = list(_STREAM.finditer(data))
    if not streams:
        return flip_bits(data, rng)
    match = rng.choice(streams)
    try:
        inflated = zlib.decompress(match.group(1))
    except zlib.error:
        return flip_bits(data, rng)
    out = replace_stream(data, match, mutate_content(inflated, rng))
    # now and then the stale xref is kept: pdfminer's fallback for broken tables is fuzzed too
    return rebuild_xref(out) if rng.random() < 0.9 else out


def replace_stream(pdf: bytes, match: re.Match[bytes], content: bytes) -> bytes:
    """The PDF with one stream's data deflated from ``content`` and its /Length made direct;
    every object after it moves, so the xref is stale until ``rebuild_xref``."""
    changed = zlib.compress(content)
    head = _with_length(pdf[:match.start()], len(changed))
    return head + b"stream\n" + changed + b"\nendstream" + pdf[match.end():]


def _with_length(head: bytes, length: int) -> bytes:
    """The stream dictionary just before ``stream`` gets a direct /Length."""
    start = head.rfind(b"<<")
    found = _LENGTH.search(head, max(start, 0))
    if found is None:
        return head
    return head[:found.start()] + f"/Length {length}".encode() + head[found.end():]


def mutate_content(stream: bytes, rng: random.Random) -> bytes:
    """Change a content stream's operands or operators, or its bytes."""
    tokens = re.split(rb"(\s+)", stream)
    words = [i for i, t in enumerate(tokens) if t and not t.isspace()]
    if not words or rng.random() < 0.15:
        return rng.choice(BYTE_MUTATORS)(stream, rng, ())
    i = rng.choice(words)
    step = rng.randrange(6)
    if step == 0 and re.fullmatch(rb"[+-]?[\d.]+", tokens[i]):
        tokens[i] = rng.choice((b"0", b"-1", b"1e9", b"99999999", b"-99999", b"0.0001", b"nan",
                                tokens[i] + b"0", b"."))
    elif step == 1:
        tokens[i] = b""  # an operand or operator dropped
    elif step == 2:
        j = rng.choice(words)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif step == 3:
        tokens[i] = rng.choice((b"Tj", b"TJ", b"Td", b"Tm", b"re", b"cm", b"Q", b"q", b"BT",
                                b"ET", b"Tf", b"'", b'"', b"Do", b"BI", b"(", b"[", b"<<"))
    elif step == 4:
        start = rng.choice(words)
        tokens[start:start] = tokens[start:start + rng.choice((2, 20, 200))] * rng.choice((2, 50))
    else:
        tokens[i] = tokens[i] * rng.choice((2, 100))
    return b"".join(tokens)


_DICT_TOKEN = re.compile(rb"\d+\s+\d+\s+R|/[A-Za-z0-9]+|-?\d+(?:\.\d+)?|\[|\]")


def mutate_pdf_object(data: bytes, rng: random.Random, _: Sequence[bytes] = ()) -> bytes:
    """Change one token of an object's dictionary (outside streams): a count, a reference
    (to itself, to nothing), a key or a bracket; then rebuild the xref."""
    objects = [m for m in _OBJECT.finditer(data)]
    if not objects:
        return flip_bits(data, rng)
    chosen = rng.choice(objects)
    end = data.find(b"stream", chosen.end())
    stop = data.find(b"endobj", chosen.end())
    end = stop if end < 0 or (0 <= stop < end) else end
    tokens = list(_DICT_TOKEN.finditer(data, chosen.end(), end if end > 0 else len(data)))
    if not tokens:
        return flip_bits(data, rng)
    token = rng.choice(tokens)
    numbers = [int(m.group(1)) for m in objects]
    replacement = rng.choice((
        b"%d 0 R" % int(chosen.group(1)),  # the object refers to itself
        b"%d 0 R" % rng.choice(numbers), b"%d 0 R" % (max(numbers) + 7), b"null",
        b"999999999", b"-1", b"0", b"3.5", b"/Kids", b"/Parent", b"/Contents", b"[", b"]",
        b"<<", b">>", b"[" * 50, b"", token.group() * 2,
    ))
    out = data[:token.start()] + replacement + data[token.end():]
    return rebuild_xref(out)


def rebuild_xref(pdf: bytes) -> bytes:
    """A classic xref table for the objects as they now lie, so pdfminer finds them by offset."""
    trailer = _TRAILER.search(pdf)
    xref_at = pdf.rfind(b"\nxref")
    if trailer is None or xref_at < 0:
        return pdf
    body = pdf[:xref_at + 1]
    offsets = {int(m.group(1)): m.start() for m in _OBJECT.finditer(body)}
    if not offsets:
        return pdf
    size = max(offsets) + 1
    rows = [b"0000000000 65535 f \n"]
    rows += [(f"{offsets[n]:010d} 00000 n \n" if n in offsets else "0000000000 65535 f \n")
             .encode() for n in range(1, size)]
    table = b"xref\n0 %d\n" % size + b"".join(rows)
    return (body + table + b"trailer\n" + trailer.group(1) + b"\nstartxref\n"
            + str(len(body)).encode() + b"\n%%EOF\n")


# --- mutations: zip members (XLSX, ODS) ---------------------------------------------------------

_XML_TOKEN = re.compile(rb"(<[^>]*>)")
_NUMBER_ATTR = re.compile(rb'(="|=\')(\d+)(["\'])')


def mutate_zip_member(data: bytes, rng: random.Random, others: Sequence[bytes] = ()) -> bytes:
    """Change one XML member of a workbook and zip it up again."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(info, archive.read(info)) for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError):
        return flip_bits(data, rng)
    if not members:
        return flip_bits(data, rng)
    xml = [k for k, (info, _) in enumerate(members) if info.filename.endswith(".xml")]
    k = rng.choice(xml or range(len(members)))
    info, body = members[k]
    members[k] = (info, mutate_xml(body, rng))
    if rng.random() < 0.05:
        del members[rng.randrange(len(members))]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members:
            stored = member.filename == "mimetype"  # ODS wants it first and stored
            archive.writestr(member.filename, content,
                             zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def mutate_xml(body: bytes, rng: random.Random) -> bytes:
    """Drop, repeat or swap tags, edit a text node, or make a count attribute huge."""
    step = rng.randrange(6)
    if step == 0:
        return _NUMBER_ATTR.sub(
            lambda m: m.group(1) + rng.choice((b"0", b"-1", b"1048576", b"16384", m.group(2),
                                               m.group(2), b"99999999999")) + m.group(3),
            body)
    parts = _XML_TOKEN.split(body)
    tags = [i for i, p in enumerate(parts) if p.startswith(b"<")]
    texts = [i for i, p in enumerate(parts) if p and not p.startswith(b"<")]
    if not tags:
        return rng.choice(BYTE_MUTATORS)(body, rng, ())
    i = rng.choice(tags)
    if step == 1:
        parts[i] = b""
    elif step == 2:
        j = rng.choice(tags)
        parts[i], parts[j] = parts[j], parts[i]
    elif step == 3:
        parts[i:i] = parts[i:i + rng.choice((2, 8, 40))] * rng.choice((2, 30))
    elif step == 4 and texts:
        t = rng.choice(texts)
        parts[t] = _edit_line(parts[t], rng) if rng.random() < 0.5 else rng.choice(
            (b"", b"Row ID", b"Organisation", b"&amp;", b"x" * 70000, b"\xef\xbf\xbf"))
    else:
        return rng.choice(BYTE_MUTATORS)(body, rng, ())
    return b"".join(parts)


# --- choosing a mutation -----------------------------------------------------------------------


def structured_mutator(document: bytes) -> Mutator:
    """The structure-aware mutation for the document's own kind."""
    if b"%PDF-" in document[:1024]:
        return mutate_pdf
    if document.startswith(b"PK\x03\x04"):
        return mutate_zip_member
    return mutate_lines


def mutate_pdf(data: bytes, rng: random.Random, others: Sequence[bytes] = ()) -> bytes:
    """A stream's content or an object's dictionary, even odds."""
    mutator = mutate_pdf_stream if rng.random() < 0.5 else mutate_pdf_object
    return mutator(data, rng, others)


def mutate(data: bytes, rng: random.Random, others: Sequence[bytes] = ()) -> bytes:
    """One to three mutations of a fuzz input (name byte and document)."""
    filename, document = decode_input(data)
    index = NAMES.index(filename)
    for _ in range(rng.choice((1, 1, 2, 3))):
        if rng.random() < 0.05:
            index = rng.randrange(len(NAMES))
        elif rng.random() < 0.6:
            document = structured_mutator(document)(document, rng, others)
        else:
            document = rng.choice(BYTE_MUTATORS)(document, rng, others)
    return bytes([index]) + document


# --- the campaign ------------------------------------------------------------------------------


@dataclass
class Campaign:
    out: Path
    alarm: float
    memory_mb: int
    started: float = field(default_factory=time.monotonic)
    executions: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # refusals, by their first words
    by_family: Counter[str] = field(default_factory=Counter)
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_saved: float = 0.0

    def run(self, data: bytes) -> Outcome:
        filename, document = decode_input(data)
        outcome = run_one(document, filename, self.alarm, self.memory_mb)
        self.executions += 1
        self.outcomes[outcome.kind] += 1
        self.by_family[family(document)] += 1
        if outcome.kind in FINDING_KINDS:
            self.record(outcome, filename, document)
        elif outcome.kind == "refused":
            self.reasons[_reason(outcome.detail)] += 1
            if outcome.detail.startswith(MASKED):
                # a DrrError, so no finding; but the child process hid an exception the
                # reader's owner will want, so the input is kept all the same
                self.record(Outcome("masked", outcome.detail), filename, document)
        if time.monotonic() - self.last_saved > 30:
            self.save()
        return outcome

    def record(self, outcome: Outcome, filename: str, document: bytes) -> None:
        seen = self.findings.get(outcome.key)
        if seen is not None:
            seen["count"] += 1
            if len(document) < seen["bytes"]:  # keep the smallest input of each finding
                self._write(seen, filename, document)
            return
        found = {"kind": outcome.kind, "detail": outcome.detail, "where": outcome.where,
                 "trace": outcome.trace, "count": 1, "first_at_execution": self.executions}
        self.findings[outcome.key] = found
        self._write(found, filename, document)
        print(f"finding {len(self.findings)}: {outcome.kind} {outcome.detail} at "
              f"{outcome.where} ({filename}, {len(document)} bytes)", flush=True)

    def _write(self, found: dict[str, Any], filename: str, document: bytes) -> None:
        digest = hashlib.sha256(document).hexdigest()[:12]
        path = self.out / f"{found['kind']}-{digest}-{filename}"
        path.write_bytes(document)
        found.update(input=path.name, filename=filename, bytes=len(document))

    def stats(self) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        return {
            "executions": self.executions, "seconds": round(seconds, 1),
            "executions_per_second": round(self.executions / max(seconds, 1e-9), 1),
            "outcomes": dict(self.outcomes), "by_family": dict(self.by_family),
            "refusals": dict(self.reasons.most_common(40)),
            "findings": list(self.findings.values()),
        }

    def save(self) -> None:
        self.last_saved = time.monotonic()
        (self.out / "stats.json").write_text(json.dumps(self.stats(), indent=1))


def summary(campaign: Campaign) -> str:
    """The campaign's figures on one line, without the findings and refusals it saved."""
    stats = campaign.stats()
    return json.dumps({k: v for k, v in stats.items() if k not in ("findings", "refusals")})


def _reason(detail: str) -> str:
    """A refusal's class and first words, numbers blanked, so alike reasons count together."""
    return re.sub(r"\d[\d,.]*", "N", detail)[:90]


def random_inputs(seeds: Sequence[bytes], rng: random.Random) -> Iterator[bytes]:
    """Seeds first, then endless mutations of them, blind to coverage."""
    yield from seeds
    bodies = [decode_input(s)[1] for s in seeds]
    # Small seeds more often: they run many times faster and their findings read easily.
    weights = [1 / (1 + len(s) / 4096) for s in seeds]
    while True:
        yield mutate(rng.choices(seeds, weights)[0], rng, bodies)


def run_random(campaign: Campaign, seeds: Sequence[bytes], seconds: float, seed: int) -> None:
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    for data in random_inputs(seeds, rng):
        campaign.run(data)
        if time.monotonic() > deadline:
            return


def run_atheris(campaign: Campaign, seeds: Sequence[bytes], seconds: float, seed: int,
                max_len: int) -> None:
    """libFuzzer, coverage-guided over drr's ``extract`` modules, with ``mutate`` as its
    mutator. libFuzzer ends the process with C's exit(), which runs no Python, so the run
    ends itself from inside the target once its time is up."""
    import atheris

    with atheris.instrument_imports(include=["extract"]):
        import extract
        import extract.pages
        import extract.pdf.reader
        import extract.sheets
        import extract.textdump  # noqa: F401
    corpus = campaign.out / "seeds"
    corpus.mkdir(exist_ok=True)
    for number, data in enumerate(seeds):
        (corpus / f"seed-{number:03d}").write_bytes(data)
    bodies = [decode_input(s)[1] for s in seeds]
    rng = random.Random(seed)

    def custom_mutator(data: bytes, size: int, mutation_seed: int) -> bytes:
        rng.seed(mutation_seed)
        if rng.random() < 0.3:  # libFuzzer's own byte mutations, compare-guided
            return bytes(atheris.Mutate(data[:size], min(size, len(data) + 64)))
        return mutate(data, rng, bodies)[:size]

    def one(data: bytes) -> None:
        campaign.run(data)
        if time.monotonic() - campaign.started > seconds:
            campaign.save()
            print(summary(campaign), flush=True)
            os._exit(0)

    # -timeout=0 does not switch atheris's own timeout off: it ended a run on the first input
    # that took over 1 s; the alarm of run_one judges hangs, libFuzzer only backs it up
    timeout = int(campaign.alarm * 4) + 1
    argv = [sys.argv[0], f"-max_len={max_len}", f"-seed={seed}", "-rss_limit_mb=0",
            f"-timeout={timeout}", f"-artifact_prefix={campaign.out}/libfuzzer-", str(corpus)]
    campaign.started = time.monotonic()  # the instrumented imports take seconds
    atheris.Setup(argv, one, custom_mutator=custom_mutator)
    atheris.Fuzz()


def limit_address_space(mb: int) -> None:
    """A runaway allocation becomes a MemoryError (a finding), not the machine's OOM killer."""
    used = _vm_size_mb()
    limit = int((used + mb * 2) * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))


def _vm_size_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--engine", choices=("atheris", "random"), default=None)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "drr-fuzz-readers")
    parser.add_argument("--alarm", type=float, default=5.0, help="seconds per input")
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-len", type=int, default=256 * 1024)
    parser.add_argument("--family", choices=("pdf", "zip", "text"), action="append",
                        help="seed only from these kinds of document (default: all)")
    args = parser.parse_args()
    engine = args.engine or ("atheris" if _has_atheris() else "random")
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = [encode_input(s) for s in corpus_seeds()
             if args.family is None or family(s.data) in args.family]
    campaign = Campaign(args.out, args.alarm, args.memory_mb)
    limit_address_space(args.memory_mb)
    print(f"{engine}: {len(seeds)} seeds, {args.seconds:g} s, findings in {args.out}", flush=True)
    if engine == "atheris":
        run_atheris(campaign, seeds, args.seconds, args.seed, args.max_len)
    else:
        run_random(campaign, seeds, args.seconds, args.seed)
    campaign.save()
    print(summary(campaign))


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
