"""Documents in, rows out. Pure: no database, no environment, no network.

``read_document`` is the one entry point: it tells the format from the bytes,
hands the document to the reader for that format, and gives every row its
identity and provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extract.errors import DocumentTooLarge, UnknownLayout
from extract.limits import Limits

if TYPE_CHECKING:  # the readers and the record types are imported when a document is read:
    # `drr --help` and `extract.errors` need none of them (pydantic alone is 60 ms)
    from extract.record import ExtractedRecord, Format, Row

__all__ = ["Document", "Limits", "read_document", "read_rows"]

DEFAULT_LIMITS = Limits()  # frozen, so one instance can be every call's default


@dataclass(frozen=True)
class Document:
    sha256: str
    filename: str
    format: Format
    records: list[ExtractedRecord]


def read_document(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Every table row of one register document, as records. Raises ``ExtractError``."""
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"{len(data):,} bytes is over the {limits.max_bytes:,}-byte limit for one document"
        )
    from extract.record import to_records

    sha = hashlib.sha256(data).hexdigest()
    fmt, rows = read_rows(data, filename, limits)
    if len(rows) > limits.max_rows:
        raise DocumentTooLarge(f"{len(rows):,} rows is over the {limits.max_rows:,}-row limit")
    return Document(sha, filename, fmt, to_records(rows, sha, filename, fmt))


def read_rows(
    data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Format, list[Row]]:
    from extract.detect import decode_text, detect_format

    fmt = detect_format(data, filename)
    if fmt == "pdf":
        from extract.isolate import run_bounded
        from extract.pdf import read_pdf

        # The whole reading in the bounded child that pdfminer.six needs anyway (its pages
        # are read there, ``run_bounded``): the rows come back, a few kilobytes, not every
        # character of every page (2 MB pickled on a 150-row register).
        rows = run_bounded(
            lambda: read_pdf(data, limits), limits.max_seconds, limits.max_memory_bytes
        )
        return fmt, rows
    if fmt == "xlsx":
        from extract.sheets import read_xlsx

        return fmt, read_xlsx(data, limits)
    if fmt == "ods":
        from extract.sheets import read_ods

        return fmt, read_ods(data, limits)
    text = decode_text(data)
    if fmt == "html":
        from extract.pages import read_register_html

        return fmt, read_register_html(text)
    return _read_text(text, fmt, limits)


def _read_text(text: str, fmt: Format, limits: Limits) -> tuple[Format, list[Row]]:
    """A table is read by its header first; only text with no register header is a dump or page.

    The dump heuristics see tabs as spaces, so a tab-separated register passes for a dump and
    is cut into the wrong cells: whether a profile maps a header row is the surer test.
    """
    if fmt == "csv":
        from extract.sheets import read_csv

        try:
            return "csv", read_csv(text, limits)
        except UnknownLayout:
            rows = _read_page_or_dump(text)
            if rows is None:
                raise  # the CSV reader's message names the headers it saw
            return "text", rows
    rows = _read_page_or_dump(text)
    if rows is None:
        raise UnknownLayout(
            "plain text that is neither a register text dump, a reformatted register page nor "
            "a CSV table"
        )
    return "text", rows


def _read_page_or_dump(text: str) -> list[Row] | None:
    from extract.pages import looks_like_register_page, read_register_page
    from extract.textdump import read_text_dump, sniff_text_dump

    if looks_like_register_page(text):
        return read_register_page(text)
    dump = sniff_text_dump(text)  # the check's lines and anchors are the reader's first stages
    if dump is not None:
        return read_text_dump(text, dump)
    return None
