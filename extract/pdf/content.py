"""A fast tokenizer for page content streams, feeding pdfminer.six's operators.

pdfminer.six reads content streams one byte-state at a time (``PSBaseParser``), which
is most of its running time once layout analysis is off. Content streams are a flat
sequence of operands and operators, so one compiled regular expression can cut them
into tokens; the operators are still pdfminer.six's own ``do_*`` methods. Inline
images (``BI … ID … EI``) are skipped: tables have no use for them.

The fast path knows well-formed content only. At a byte it has no rule for (a stray
``)``, ``>``, ``{``, a bracket closing nothing) it hands the rest of the stream, from the
end of the last operator it ran, to pdfminer.six's own ``PDFContentParser``: at an operator
boundary that parser has no state, so the tokens agree with a whole-stream parse.
``tests/test_content_tokens.py`` fences the two against each other on every corpus page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdftypes import PDFStream
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import LIT, PSKeyword, literal_name

# Each token with the white space and comments before it: one match per token, not two.
_TOKEN = re.compile(
    rb"""
    (?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*
    (?:
    (?P<end>\Z)
  | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+))(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])
  | (?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
  | (?P<str>\()
  | (?P<dopen><<) | (?P<dclose>>>)
  | (?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)
  | (?P<aopen>\[) | (?P<aclose>\])
  | (?P<kw>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)
  | (?P<junk>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
# An operator whose operands are all numbers, or who has none ("1 0 0 1 72 700 cm", "T*",
# "0 0 0 rg": five in six of a register's operators), in one match, not one a token. Each
# number is followed by white space, the operator starts with a letter, ' or " or *: what
# ``_TOKEN`` cuts into the same numbers and the same keyword.
_SIMPLE = re.compile(
    rb"""
    (?>(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*)  # atomic: a comment is never cut short
    (?P<nums>(?:[+-]?(?:\d+\.?\d*|\.\d+)[\x00\t\n\x0c\r ]+)*)
    (?P<op>[A-Za-z'"*][^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
    """,
    re.VERBOSE,
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STRING_PART = re.compile(rb"[()\\]")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_OCTAL = re.compile(rb"[0-7]{1,3}")
_INLINE_END = re.compile(rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r ]|$)")
# pdfminer.six reads true and false as booleans but null as a keyword: so do we
_CONSTANTS: dict[bytes, Any] = {b"true": True, b"false": False}


def literal_string(data: bytes, pos: int) -> tuple[bytes, int]:
    """The bytes of a ``( … )`` string whose body starts at ``pos``, and the end position."""
    out = bytearray()
    depth = 1
    while True:
        match = _STRING_PART.search(data, pos)
        if match is None:
            out += data[pos:]
            return bytes(out), len(data)
        out += data[pos : match.start()]
        char = match.group()
        pos = match.end()
        if char == b"\\":
            pos = _escape(data, pos, out)
        elif char == b"(":
            depth += 1
            out += char
        else:
            depth -= 1
            if depth == 0:
                return bytes(out), pos
            out += char


def _escape(data: bytes, pos: int, out: bytearray) -> int:
    if pos >= len(data):
        return pos
    octal = _OCTAL.match(data, pos)
    if octal:
        out.append(int(octal.group(), 8) & 0xFF)
        return octal.end()
    char = data[pos : pos + 1]
    if char == b"\r":  # a backslash before a line break continues the line
        return pos + 2 if data[pos + 1 : pos + 2] == b"\n" else pos + 1
    if char != b"\n":
        out += _ESCAPES.get(char, char)
    return pos + 1


def _name(raw: bytes) -> Any:
    text = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw[1:])
    return LIT(text.decode("latin-1"))


def _hex(raw: bytes) -> bytes:
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", raw)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


class Unknown(Exception):
    """The fast path met bytes it has no rule for; its last operator ended at ``boundary``."""

    def __init__(self, boundary: int) -> None:
        super().__init__(boundary)
        self.boundary = boundary


_NOT_SIMPLE = {*_CONSTANTS, b"BI"}  # keywords that are values, and an inline image


def _numbers(run: bytes) -> list[int | float]:
    """The numbers of a run of them, each followed by white space (``_SIMPLE``)."""
    if b"\x00" in run:  # white space to PDF, not to bytes.split()
        run = run.replace(b"\x00", b" ")
    return [float(raw) if b"." in raw else int(raw) for raw in run.split()]


def _dictionary(body: list[Any]) -> dict[Any, Any]:
    """Keys as plain names, null values dropped, as pdfminer.six builds a dictionary."""
    return {literal_name(k): v for k, v in zip(body[::2], body[1::2]) if v is not None}


def operations(data: bytes) -> Iterator[tuple[bytes | None, list[Any]]]:
    """(operator, its operands) for every operator of a content stream, in order; operands
    after the last operator come last, with None for the operator.

    One item per operator, not per token: a page of a register is some 50,000 tokens,
    and a generator step for each was a fifth of reading it. Arrays and dictionaries come
    out whole, as lists and dicts, as pdfminer.six gives them. Raises ``Unknown`` at the
    first byte the fast path has no rule for.
    """
    stack: list[list[Any]] = []
    args: list[Any] = []
    pos, end, boundary = 0, len(data), 0
    match_at, simple_at = _TOKEN.match, _SIMPLE.match
    while pos < end:
        if not stack:
            simple = simple_at(data, pos)
            if simple is not None and (word := simple.group("op")) not in _NOT_SIMPLE:
                numbers = simple.group("nums")
                if numbers:
                    args += _numbers(numbers)
                yield word, args
                args = []
                pos = boundary = simple.end()
                continue
        match = match_at(data, pos)
        assert match is not None  # the "junk" branch matches any byte
        kind, pos = match.lastgroup, match.end()
        value: Any
        if kind == "num":
            raw = match.group(kind)
            value = float(raw) if b"." in raw else int(raw)
        elif kind == "kw":
            word = match.group(kind)
            if word in _CONSTANTS:
                value = _CONSTANTS[word]
            elif stack:
                value = word.decode("latin-1")
            elif word == b"BI":
                found = _INLINE_END.search(data, pos)
                pos = boundary = found.end() if found else end
                continue
            else:
                yield word, args
                args = []
                boundary = pos
                continue
        elif kind == "name":
            value = _name(match.group(kind))
        elif kind == "str":
            value, pos = literal_string(data, pos)
        elif kind == "end":  # white space or a comment to the end
            break
        elif kind == "hex":
            value = _hex(match.group(kind))
        elif kind == "aopen" or kind == "dopen":
            stack.append([kind])
            continue
        elif kind == "aclose" or kind == "dclose":
            if not stack or stack[-1][0] != ("aopen" if kind == "aclose" else "dopen"):
                raise Unknown(boundary)
            items = stack.pop()
            body = items[1:]
            value = body if items[0] == "aopen" else _dictionary(body)
        else:  # junk
            raise Unknown(boundary)
        if stack:
            stack[-1].append(value)
        else:
            args.append(value)
    if args:
        yield None, args


def tokens(data: bytes) -> Iterator[tuple[bool, Any]]:
    """(is_operator, value) for every top-level operand and operator of a content stream,
    as pdfminer.six's parser gives them (``operations`` one token at a time)."""
    for word, args in operations(data):
        for value in args:
            yield False, value
        if word is not None:
            yield True, word


_UNSEEN = object()  # an operator not looked up yet (None: looked up, no such method)
OperatorTable = dict[bytes, tuple[Callable[..., Any], int] | None]


def operator(
    interpreter: Any, word: bytes, table: OperatorTable
) -> tuple[Callable[..., Any], int] | None:
    """The ``do_*`` method of an operator and its argument count, looked up once."""
    if word not in table:
        name = word.decode("latin-1").replace("*", "_a").replace('"', "_w").replace("'", "_q")
        func = getattr(interpreter, f"do_{name}", None)
        table[word] = (func, func.__code__.co_argcount - 1) if func is not None else None
    return table[word]


def pdfminer_tokens(data: bytes) -> Iterator[tuple[bool, Any]]:
    """The same (is_operator, value) pairs from pdfminer.six's own content parser."""
    parser = PDFContentParser([PDFStream({}, data)])
    while True:
        try:
            _, obj = parser.nextobject()
        except PSEOF:
            return
        if isinstance(obj, PSKeyword):
            yield True, obj.name
        else:
            yield False, obj


def run(interpreter: Any, data: bytes) -> None:
    """Execute a content stream on a pdfminer.six interpreter, as its ``execute`` would."""
    table: OperatorTable = {}
    try:
        execute_operations(interpreter, operations(data), table)
    except Unknown as unknown:
        execute(interpreter, pdfminer_tokens(data[unknown.boundary :]), table)


def execute_operations(
    interpreter: Any, stream: Iterator[tuple[bytes | None, list[Any]]], table: OperatorTable
) -> None:
    """Run each operator on its operands, as pdfminer.six's ``execute`` does: an operator
    with fewer operands than it takes is skipped, extra operands before it are dropped."""
    for word, args in stream:
        if word is None:  # operands after the last operator: nothing runs on them
            break
        found = table.get(word, _UNSEEN)
        if found is _UNSEEN:
            found = operator(interpreter, word, table)
        if found is not None:
            func, nargs = found
            if nargs == 0:
                func()
            elif len(args) == nargs:  # as nearly always: no copy of the last nargs
                func(*args)
            elif len(args) > nargs:
                func(*args[-nargs:])


def execute(interpreter: Any, stream: Iterator[tuple[bool, Any]], table: OperatorTable) -> None:
    """Run each operator on the operands before it, as pdfminer.six's ``execute`` does."""
    args: list[Any] = []
    for is_operator, value in stream:
        if not is_operator:
            args.append(value)
            continue
        found = operator(interpreter, value, table)
        if found is not None:
            func, nargs = found
            if nargs == 0:
                func()
            elif len(args) >= nargs:
                func(*args[-nargs:])
        args.clear()
