"""Tell a document's format from its bytes, never from its name alone.

A name only contradicts bytes (a ``.pdf`` that is text is refused) or narrows text to a
table (a ``.csv`` or ``.tsv`` file is offered to the CSV reader first, whatever its shape).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from typing import TYPE_CHECKING

from extract.errors import UnreadableDocument

if TYPE_CHECKING:  # a type only: detecting a format imports no pydantic (extract.record)
    from extract.record import Format

_BINARY_NAMES = {".pdf": "pdf", ".xlsx": "xlsx", ".ods": "ods"}
# A text file under one of these names is read as a table first, whatever its shape: a
# header-only export or a one-row register still gets the CSV reader's own verdict.
_TABLE_NAMES = {".csv", ".tsv"}
# Of the first records, how many must share the commonest width (title lines and the odd
# ragged row aside) for text with no table name to be taken for a table.
CSV_MIN_SHARE = 0.6
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
UTF16_NUL_SHARE = 0.9  # of the high bytes of UTF-16 text in Latin script, at least this many are 0


def detect_format(data: bytes, filename: str) -> Format:
    if not data or data.isspace():  # no copy of a large document, as strip() makes
        raise UnreadableDocument("the file is empty")
    fmt = _format_from_bytes(data)
    claimed = _BINARY_NAMES.get(_suffix(filename))
    if claimed and claimed != fmt:
        raise UnreadableDocument(
            f"named {_suffix(filename)} but the bytes are {_describe(fmt)}, not {claimed.upper()}"
        )
    if fmt == "text" and _suffix(filename) in _TABLE_NAMES:
        return "csv"
    return fmt


def decode_text(data: bytes) -> str:
    """Text bytes as str, with its line ends made ``\\n``; refuses binary data."""
    text = _decoded(data)
    if _looks_binary(text):
        raise UnreadableDocument("binary data, not a register document of any supported format")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(data: bytes) -> str:
    """UTF-16 when a BOM says so, else UTF-8 (with or without BOM), else Windows-1252.

    Excel's "Unicode Text" export is UTF-16 LE with a BOM; read as UTF-8 or Windows-1252
    every other byte of it is a NUL and it would be taken for binary data.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")  # a cut sample may end mid-character
    encoding = _utf16_without_bom(data)
    if encoding:
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 whose BOM was lost (a file cut or re-saved): registers are English, so one
    byte of nearly every pair is NUL, always on the same side."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > UTF16_NUL_SHARE and even_nul < 1 - UTF16_NUL_SHARE:
        return "utf-16-le"
    if even_nul > UTF16_NUL_SHARE and odd_nul < 1 - UTF16_NUL_SHARE:
        return "utf-16-be"
    return None


def _format_from_bytes(data: bytes) -> Format:
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableDocument(
            "an OLE2 file: a legacy .xls/.doc, or a password-protected Office workbook; "
            "remove any password and save it as .xlsx, then submit that"
        )
    text = decode_text(data[:65536])
    if _looks_like_records(text):
        raise UnreadableDocument(
            "drr's own JSON Lines (enriched or extracted records), not a register document: "
            "give it to drr enrich, drr report or drr diff instead"
        )
    if _looks_like_json_of(text, _RECORD_KEYS):
        raise UnreadableDocument(
            "drr's own records as JSON (a pretty-printed record or an array of them), not "
            "a register document: give them as JSON Lines, one record a line, to drr "
            "enrich, drr report or drr diff instead"
        )
    if _looks_like_json_of(text, _CHANGE_KEYS):
        raise UnreadableDocument(
            "drr diff's own output (changes between editions, one JSON object a line), "
            "not a register document: GET /changes and drr report read changes, not extract"
        )
    head = text.lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head[:4096]:
        return "html"
    if _looks_like_csv(text):
        return "csv"
    return "text"


def is_drr_records(data: bytes) -> bool:
    """Whether the bytes are drr's own JSON Lines: records, not a register document."""
    return _looks_like_records(data[:65536].decode("utf-8", errors="replace"))


def _looks_like_records(text: str) -> bool:
    """A first line that opens a JSON object with the record's ``fields`` and ``source`` or
    ``record_id`` keys. Read as a CSV it gave junk rows, one per JSON fragment. A first
    record may be longer than the sample, so its keys are looked for, not parsed."""
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return first.startswith("{") and '"fields"' in first and (
        '"source"' in first or '"record_id"' in first
    )


# Keys of drr's own output, each quoted as JSON prints it: a record (``record_id``,
# ``source``, ``fields``), a change of ``drr diff`` (``change``, ``agreement``, ``fields``).
_RECORD_KEYS = ('"record_id"', '"fields"', '"source"')
_CHANGE_KEYS = ('"change"', '"agreement"', '"fields"')


def _looks_like_json_of(text: str, keys: tuple[str, ...]) -> bool:
    """JSON (an object, or an array of them, indented or not) whose first object has all
    of ``keys`` among its first 4,096 characters. A register is never JSON; looked for,
    not parsed, as a first record may be longer than the sample."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        head = head[1:].lstrip(" \t\r\n")
    return head.startswith("{") and all(key in head[:4096] for key in keys)


def _zip_format(data: bytes) -> Format:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            return "ods"
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise UnreadableDocument("a damaged zip archive: not a workbook drr can open") from exc
    raise UnreadableDocument("a zip archive that is neither an XLSX nor an ODS workbook")


_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _looks_binary(text: str) -> bool:
    """More than 2% control characters or undecodable bytes in the first 64 KiB."""
    sample = text[:65536]
    return bool(sample) and len(_NOT_TEXT.findall(sample)) / len(sample) > 0.02


def _looks_like_csv(text: str) -> bool:
    """Two or more records of one width of 2+ cells make most of the first records.

    The measure is the CSV reader's own delimiter sniffer, so detection and reading agree.
    """
    from extract.sheets import sniff_split  # here: a PDF or workbook never needs it (18 ms)

    split = sniff_split(text)
    return split.records >= 2 and split.share >= CSV_MIN_SHARE


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


def _describe(fmt: Format) -> str:
    return "plain text" if fmt in ("text", "csv") else fmt.upper()
