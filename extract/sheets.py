"""Spreadsheet editions (XLSX, ODS, CSV) -> rows.

A chain of small steps, each testable alone:

    guard_zip           refuse zip bombs before any parser inflates a member
    xlsx_sheets,        each sheet as Sheet(name, rows): rows numbered from 1 with
    ods_sheets,         their cells' text, empty rows dropped (a CSV file is one
    csv_sheet           sheet without a name)
    find_table          the header row (within the first HEADER_SEARCH_ROWS) a profile maps;
                        columns it leaves unmapped read by their content (content_columns),
                        and a table no profile maps inferred from its content alone
    table_rows          data rows -> Row, with the sheet and row of every cell
    join_lookups        rows completed from the tables their profile looks up (e.g. purposes),
                        on the agreement's canonical reference (refkeys); a table with no
                        purpose text looks up one that has it when no profile says so

A sheet without a register header is skipped; a document with none raises UnknownLayout,
and one whose header tables have no data rows raises EmptyRegister saying so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from defusedxml import DefusedXmlException

from extract.content_columns import (
    CHECK_CELLS,
    HEADER_EXACT,
    SAMPLE_CELLS,
    ColumnChoice,
    assign_columns,
    column_cells,
    contradicted,
    header_evidence,
    leftmost_purpose,
    score_columns,
)
from extract.errors import (
    DocumentTooLarge,
    EmptyRegister,
    ExtractError,
    UnknownLayout,
    UnreadableDocument,
)
from extract.limits import Limits
from extract.profiles import (
    FIELD_NAMES,
    HeaderMatch,
    Profile,
    match_header,
    normalise_header,
    row_to_fields,
)
from extract.record import CellSpan, Row
from extract.refkeys import agreement_number, reference_key
from extract.text import clean_cell

HEADER_SEARCH_ROWS = 30
# ODS files repeat empty cells to column 16384 and rows to 1048576; no register is that wide.
MAX_COLUMNS = 1024
MAX_ZIP_MEMBERS = 10_000
# Tiny members (styles, rels) can compress very well without being hostile.
RATIO_CHECK_MIN_BYTES = 1 << 20
_INFLATE_CHUNK = 1 << 16
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Registers' free-text cells can outgrow the csv module's 128 KiB default field limit. The
# limit is process-wide and has no per-reader form, so it is raised once, here, on import,
# rather than on every read; it only ever grows (a caller who set it higher keeps theirs).
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))

# first and last 1-based line (a spreadsheet row: both the same; a CSV record: its lines), cells
SheetRow = tuple[int, int, list[str | None]]


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV file, which has no sheets
    rows: Iterable[SheetRow]


@dataclass(frozen=True)
class Table:
    sheet: str | None
    header_row: int
    match: HeaderMatch
    rows: list[SheetRow]
    # set when content decided some columns: what was decided for each column, and why
    choices: tuple[ColumnChoice, ...] = ()


# --- entry points -----------------------------------------------------------------------------


def read_xlsx(data: bytes, limits: Limits) -> list[Row]:
    guard_zip(data, limits)
    return _rows_from_workbook(lambda: _xlsx_rows(data, limits), "XLSX")


def read_ods(data: bytes, limits: Limits) -> list[Row]:
    guard_zip(data, limits)
    return _rows_from_workbook(lambda: _ods_rows(data, limits), "ODS")


def read_csv(text: str, limits: Limits) -> list[Row]:
    try:
        return sheets_to_rows([csv_sheet(text)], limits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DocumentTooLarge(
                f"a cell of the CSV file is over {csv.field_size_limit() // (1 << 20)} MiB long;"
                " no register's cell is: is a quote left unclosed?"
            ) from exc
        raise UnreadableDocument(f"a malformed CSV file: {_shown(str(exc))}") from exc


def sheets_to_rows(sheets: Iterable[Sheet], limits: Limits) -> list[Row]:
    """Every register row of every sheet that has a register header."""
    tables = find_tables(sheets, limits)
    rows = join_lookups([(table, table_rows(table)) for table in tables])
    if not rows:
        # not a layout problem: the layout is known, the register is empty or was cut short
        raise EmptyRegister(_no_rows_message(tables))
    return rows


def find_tables(sheets: Iterable[Sheet], limits: Limits) -> list[Table]:
    """The register table of every sheet that has one; UnknownLayout when none has."""
    tables: list[Table] = []
    seen: list[str] = []
    budget = limits.max_rows
    for sheet in sheets:
        table, described = find_table(sheet, budget)
        seen.append(described)
        if table is not None:
            tables.append(table)
            budget -= len(table.rows)
    if not tables:
        raise UnknownLayout(_no_header_message(seen))
    return tables


def read_tables(data: bytes, fmt: str, limits: Limits) -> list[Table]:
    """The register tables of a spreadsheet document as read (``drr profile infer``,
    ``drr extract --explain``): which profile, which column is which field, and why."""
    if fmt == "xlsx":
        import openpyxl

        guard_zip(data, limits)

        def xlsx() -> list[Table]:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return find_tables(xlsx_sheets(book), limits)
            finally:
                book.close()

        return _tables_from_workbook(xlsx, "XLSX")
    if fmt == "ods":
        guard_zip(data, limits)

        def ods() -> list[Table]:
            with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as xml:
                return find_tables(ods_sheets(xml, limits.max_rows), limits)

        return _tables_from_workbook(ods, "ODS")
    from extract.detect import decode_text

    return find_tables([csv_sheet(decode_text(data))], limits)


def _tables_from_workbook(read: Callable[[], list[Table]], kind: str) -> list[Table]:
    try:
        return read()
    except ExtractError:
        raise
    except Exception as exc:  # as _rows_from_workbook: the parsers' errors are many
        raise UnreadableDocument(_damaged_reason(exc, kind)) from exc


def _rows_from_workbook(read: Callable[[], list[Row]], kind: str) -> list[Row]:
    try:
        return read()
    except ExtractError:
        raise
    except Exception as exc:  # the parsers' own errors for damaged files are many and unrelated
        raise UnreadableDocument(_damaged_reason(exc, kind)) from exc


def _damaged_reason(exc: BaseException, kind: str) -> str:
    """One line a person can act on; the parser's own text may quote the document."""
    if any(isinstance(e, DefusedXmlException) for e in _chain(exc)):
        return (
            f"a damaged {kind} workbook: its XML declares entities or a DTD, which spreadsheet"
            " programs never write (refused as a possible entity bomb); save it again from a"
            " spreadsheet program and submit that"
        )
    return (
        f"a damaged {kind} workbook that drr cannot parse ({type(exc).__name__}): open it in a"
        " spreadsheet program, save it again and submit that"
    )


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = 0
    while exc is not None and seen < 20:
        yield exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


def _shown(text: str, limit: int = 80) -> str:
    """Text from inside a document (a zip member's name) fit for a one-line reason."""
    escaped = _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), "?"), text)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def _xlsx_rows(data: bytes, limits: Limits) -> list[Row]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return sheets_to_rows(xlsx_sheets(workbook), limits)
    finally:
        workbook.close()


def _ods_rows(data: bytes, limits: Limits) -> list[Row]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as content:
        return sheets_to_rows(ods_sheets(content, limits.max_rows), limits)


# --- zip bombs --------------------------------------------------------------------------------


def guard_zip(data: bytes, limits: Limits) -> None:
    """Refuse an archive whose members would inflate past the limits, declared or actual.

    Declared sizes are checked first, so an honest bomb costs nothing; then every member is
    inflated once, in bounded chunks, so a member that lies about its size is caught after at
    most its declared size plus one chunk.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    # NotImplementedError: a member whose "version needed to extract" is past zipfile's 6.3
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise UnreadableDocument(f"a damaged zip archive: {_shown(str(exc))}") from exc
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise DocumentTooLarge(
            f"the archive has {len(members):,} members; a workbook has far fewer"
        )
    _check_declared_sizes(members, limits)
    for member in members:
        actual = _inflated_size(data, member, member.file_size + 1)
        if actual > member.file_size:
            raise DocumentTooLarge(
                f"zip member {_shown(member.filename)} inflates past its declared {member.file_size:,} "
                "bytes: a zip bomb lying about its size"
            )


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_uncompressed_bytes:
            raise DocumentTooLarge(
                f"the workbook would inflate to over {limits.max_uncompressed_bytes:,} bytes "
                f"(member {_shown(member.filename)} alone declares {member.file_size:,}): refused as a "
                "possible zip bomb"
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_compression_ratio:
            raise DocumentTooLarge(
                f"zip member {_shown(member.filename)} compresses {ratio:,.0f} to 1 (limit "
                f"{limits.max_compression_ratio}): refused as a possible zip bomb"
            )


def _inflated_size(data: bytes, member: zipfile.ZipInfo, cap: int) -> int:
    """How many bytes the member really inflates to, counting no further than ``cap``."""
    raw = _raw_member(data, member)
    if member.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise UnreadableDocument(
            f"zip member {_shown(member.filename)} uses compression method {member.compress_type}, "
            "which workbooks do not use"
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    try:
        for start in range(0, len(raw), _INFLATE_CHUNK):
            pending = raw[start : start + _INFLATE_CHUNK]
            while pending and size <= cap:
                size += len(inflater.decompress(pending, _INFLATE_CHUNK))
                pending = inflater.unconsumed_tail
            if size > cap:
                return size
        while size <= cap and (held := inflater.decompress(b"", _INFLATE_CHUNK)):
            size += len(held)  # output zlib still held when the input ran out
    except zlib.error as exc:
        raise UnreadableDocument(f"zip member {_shown(member.filename)} is corrupt") from exc
    return size


def _raw_member(data: bytes, member: zipfile.ZipInfo) -> bytes:
    """The member's compressed bytes, located through its local header."""
    offset = member.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnreadableDocument(
            f"zip member {_shown(member.filename)} has no local header: damaged zip"
        )
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    return data[start : start + member.compress_size]


# --- XLSX -------------------------------------------------------------------------------------


def xlsx_sheets(workbook: object) -> Iterator[Sheet]:
    for worksheet in workbook.worksheets:  # type: ignore[attr-defined]
        yield Sheet(worksheet.title, _xlsx_sheet_rows(worksheet))


def _xlsx_sheet_rows(worksheet: object) -> Iterator[SheetRow]:
    # Read-only openpyxl trusts the sheet's <dimension>: a stale one silently drops the rows
    # past it, a hostile A1:XFD1048576 pads every row to 16,384 cells. Ignore it.
    worksheet.reset_dimensions()  # type: ignore[attr-defined]
    for number, values in _xlsx_numbered_rows(worksheet):
        cells = [value if type(value) is str else _value_text(value) for value in values]
        if _has_text(cells):
            yield number, number, _trimmed(cells)


def _xlsx_numbered_rows(worksheet: Any) -> Iterator[tuple[int, list[object]]]:
    """Each row the sheet's XML has, with its own number, its cells placed by column.

    Not ``iter_rows``: read-only openpyxl yields an empty row for every number a row skips,
    so one ``<row r="99999999999">`` cost 10^11 iterations; and a cell in column XFD padded
    its row to 16,384 cells. This is the parser ``iter_rows`` wraps, minus the filling; like
    it, a row numbered at or below the one before is dropped.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    book = worksheet.parent
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        last = 0
        for number, cells in parser.parse():
            if number > last:
                last = number
                yield number, _placed(cells)


def _placed(cells: list[dict[str, Any]]) -> list[object]:
    """Cell values at their column's place, at most MAX_COLUMNS of them."""
    width = min(max((cell["column"] for cell in cells), default=0), MAX_COLUMNS)
    row: list[object] = [None] * width
    for cell in cells:
        if 1 <= cell["column"] <= width:
            row[cell["column"] - 1] = cell["value"]
    return row


def _value_text(value: object) -> str | None:
    """A typed cell value as the register would print it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _has_text(cells: Sequence[str | None]) -> bool:
    return any(cell and not cell.isspace() for cell in cells)


def _trimmed(cells: list[str | None]) -> list[str | None]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


# --- ODS --------------------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = {_TABLE + "table-cell", _TABLE + "covered-table-cell"}
_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}


def ods_sheets(content: IO[bytes], max_rows: int) -> list[Sheet]:
    """The sheets of an ODS ``content.xml``, streamed: each row's XML is dropped once read.

    defusedxml refuses DTDs and entities, so an entity-expansion bomb cannot inflate here;
    rows that repeat (number-rows-repeated) count against ``max_rows`` as they are expanded.
    """
    from defusedxml.ElementTree import iterparse

    sheets: list[Sheet] = []
    rows: list[SheetRow] = []
    stack: list[object] = []
    number = kept = 0
    for event, element in iterparse(content, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            stack.append(element)
            if element.tag == _TABLE + "table":
                rows, number = [], 0
                sheets.append(
                    Sheet(element.get(_TABLE + "name") or f"Sheet{len(sheets) + 1}", rows)
                )
            continue
        stack.pop()
        if element.tag == _TABLE + "table-row":
            repeat = int(element.get(_TABLE + "number-rows-repeated") or 1)
            cells = _ods_row_cells(element)
            if cells:
                kept += repeat
                if kept > max_rows:
                    raise DocumentTooLarge(
                        f"over the {max_rows:,}-row limit (sheet {sheets[-1].name})"
                    )
                rows.extend((number + k + 1, number + k + 1, cells) for k in range(repeat))
            number += repeat
            stack[-1].remove(element)  # type: ignore[attr-defined]
    return sheets


def _ods_row_cells(row: object) -> list[str | None]:
    cells: list[str | None] = []
    pending_empty = 0
    for cell in row:  # type: ignore[attr-defined]
        if cell.tag not in _CELLS:
            continue
        repeat = int(cell.get(_TABLE + "number-columns-repeated") or 1)
        text = _ods_cell_text(cell)
        if not text:
            pending_empty += repeat  # only materialised if text follows: trailing runs are huge
            continue
        # both counts are the file's word: bound them before they size a list
        cells.extend([None] * min(pending_empty, MAX_COLUMNS))
        cells.extend([text] * min(repeat, MAX_COLUMNS))
        pending_empty = 0
        if len(cells) >= MAX_COLUMNS:
            return cells[:MAX_COLUMNS]
    return cells if _has_text(cells) else []


def _ods_cell_text(cell: object) -> str | None:
    # direct children only: an office:annotation (a reviewer's comment) has paragraphs too
    paragraphs = [_ods_inline_text(p) for p in cell if p.tag in _PARAGRAPHS]  # type: ignore[attr-defined]
    return "\n".join(paragraphs) or None


def _ods_inline_text(element: object) -> str:
    """A paragraph's text with ODF's space, tab and line-break elements spelled out."""
    parts = [element.text or ""]  # type: ignore[attr-defined]
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == _TEXT + "s":
            parts.append(" " * int(child.get(_TEXT + "c") or 1))
        elif tag == _TEXT + "tab":
            parts.append("\t")
        elif tag == _TEXT + "line-break":
            parts.append("\n")
        elif tag != _TEXT + "note":
            parts.append(_ods_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- CSV --------------------------------------------------------------------------------------

_DELIMITERS = (",", "\t", ";", "|")
_SNIFF_RECORDS = 50
# The first records are all the sniff reads, but a wrong delimiter can make one "record" of
# a whole file (a quote it never closes): the sample is cut here (50 records of 20 KB).
_SNIFF_CHARS = 1 << 20


def csv_sheet(text: str) -> Sheet:
    """A CSV document as one sheet, its delimiter sniffed; rows carry their text lines."""
    return Sheet(None, _csv_rows(text, sniff_delimiter(text)))


def _csv_rows(text: str, delimiter: str) -> Iterator[SheetRow]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    last = 0
    for record in reader:
        first, last = last + 1, reader.line_num
        if _has_text(record):
            yield first, last, _trimmed([cell or None for cell in record[:MAX_COLUMNS]])


@dataclass(frozen=True)
class Split:
    """The table one delimiter makes of a text's first records."""

    delimiter: str
    width: int  # the commonest record width; 0 when no width of 2 or more is commonest
    records: int  # how many of the sampled records have that width
    share: float  # ... as a fraction of the sampled records that have text


def sniff_delimiter(text: str) -> str:
    return sniff_split(text).delimiter


def sniff_split(text: str) -> Split:
    """The delimiter that splits the first records into the most consistent, widest rows.

    csv.Sniffer guesses from character frequencies and is thrown by quoted multi-line
    cells; parsing a sample with each candidate and comparing row widths is not. Format
    detection asks the same question, so what it calls a CSV file is what this reads as one.
    """
    return max((_split(text, d) for d in _DELIMITERS), key=lambda s: (s.share, s.width))


def _split(text: str, delimiter: str) -> Split:
    try:
        sample = list(
            islice(csv.reader(io.StringIO(text[:_SNIFF_CHARS]), delimiter=delimiter), _SNIFF_RECORDS)
        )
    except csv.Error:
        return Split(delimiter, 0, 0, 0.0)
    widths = [len(record) for record in sample if _has_text(record)]
    # the commonest width, not the first: a title line may sit above the table (and above a
    # header-only table the header is as common as the title, so ties go to the wider)
    common = max(set(widths), key=lambda width: (widths.count(width), width), default=0)
    if common < 2:
        return Split(delimiter, 0, 0, 0.0)
    return Split(delimiter, common, widths.count(common), widths.count(common) / len(widths))


# --- tables -----------------------------------------------------------------------------------


def find_table(sheet: Sheet, budget: int) -> tuple[Table | None, str]:
    """The sheet's register table, if a header row maps, and a description for error messages.

    Reads at most ``budget`` data rows past the header and raises DocumentTooLarge beyond it.
    """
    rows = iter(sheet.rows)
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    for index, (number, _, cells) in enumerate(head):
        match = match_header([cell or "" for cell in cells])
        if match is not None:
            below = head[index + 1][2] if index + 1 < len(head) else []
            combined = two_row_header(cells, below)
            if combined is not None and (joined := match_header(combined)) is not None:
                match, index = joined, index + 1  # the second header row is no record
            body = [
                row for row in head[index + 1 :] + list(islice(rows, budget + 1)) if row[2] != cells
            ]  # a header repeated where exports were concatenated
            if len(body) > budget:
                raise DocumentTooLarge(f"over the {budget:,}-row limit ({_label(sheet.name)})")
            table = with_content_columns(Table(sheet.name, number, match, body))
            return table, f"{_label(sheet.name)}: {table.match.profile.name}"
    rest = list(islice(rows, budget + 1))
    inferred = infer_table(sheet.name, head + rest)
    if inferred is not None:
        if len(inferred.rows) > budget:
            raise DocumentTooLarge(f"over the {budget:,}-row limit ({_label(sheet.name)})")
        return inferred, f"{_label(sheet.name)}: {inferred.match.profile.name}"
    return None, f"{_label(sheet.name)} {_describe_head(head)}"


SUBHEADER_CELL = 60  # longest cell of a header's second row; longer is a data row's text
SUBHEADER_NAMES = 2  # cells of a second header row that name a field as some profile does


def two_row_header(top: Sequence[str | None], below: Sequence[str | None]) -> list[str] | None:
    """Each column's header when a table's header spans two rows, else None.

    Publishers group columns under a heading merged over them ("Data" over "Dataset",
    "Identifiable?", "Sensitive?"); only the merge's first cell holds the heading, and the
    row below names each column. ``below`` is such a row, not the first data row, when it
    names a column its top cell left blank (a merge's continuation) and two or more of its
    cells are headers a shipped profile knows, to the letter: data cells rarely are. Each
    column's header is then its group heading (carried right over the blanks) and its name.
    """
    width = max(len(top), len(below))
    tops = [(c or "").strip() for c in top] + [""] * (width - len(top))
    names = [(c or "").strip() for c in below] + [""] * (width - len(below))
    if not any(n and not t for t, n in zip(tops, names, strict=True)):
        return None
    if any(len(n) > SUBHEADER_CELL for n in names):
        return None
    if sum(_names_field(n) for n in names if n) < SUBHEADER_NAMES:
        return None
    headers, group = [], ""
    for t, n in zip(tops, names, strict=True):
        group = t or (group if n else "")
        headers.append(" ".join(p for p in (group, n) if p))
    return headers


def _names_field(header: str) -> bool:
    field, weight = header_evidence(header)
    return field is not None and weight == HEADER_EXACT


# --- columns known by their content -----------------------------------------------------------

INFERRED = "inferred"  # the layout name of a table no profile maps, read by its content
MIN_INFERRED_ROWS = 3  # a table of fewer rows is too little to tell its columns by
# Bounds on the work content reading may do, whatever a file holds: rows looked at per
# table (spread over it), header rows tried, and columns (no register is wider).
SCORED_ROWS = 2_000
INFER_TRIES = 5
INFER_MAX_COLUMNS = 80
# A register names its release's recipient or agreement, and says what was released or why.
_IDENTIFYING = {"organisation", "reference"}
_DESCRIBING = {"data_type", "data_provided", "sensitivity", "legal_basis", "purpose", "frequency"}


def with_content_columns(table: Table) -> Table:
    """The table with columns its profile left unmapped read by their content, and columns
    whose header a profile maps but whose cells plainly hold another field re-decided.

    A column is taken only when its cells hold a field the header row gave no column (a
    frequency column headed "How often"); a header the profile maps stands unless its
    cells contradict it ("Type of data provded" holding data set names is no
    ``data_provided``). When neither happens the table is returned as it was.
    """
    match = table.match
    if not table.rows or not match.profile.content_fields:
        return table
    width = len(match.headers)
    columns = column_cells(_spread([cells for _, _, cells in table.rows]), width)
    # a first look at a few cells a column; the decision is made on the full sample only
    # when that look finds something to change (a register of a known edition costs little)
    for limit in (CHECK_CELLS, SAMPLE_CELLS):
        scores = score_columns(columns, limit)
        fixed = {
            i: field
            for i, field in enumerate(match.fields)
            if field is not None
            and not contradicted(scores[i], field, sum(bool(c) for c in columns[i]))
        }
        fixed = leftmost_purpose(fixed, match.headers, scores)
        choices = assign_columns(
            match.headers, scores, fixed, content_only=True, allowed=match.profile.content_fields
        )
        fields = tuple(c.field for c in choices)
        if fields == match.fields:
            return table
    profile = _profile_for(match.profile, match.headers, fields)
    return Table(
        table.sheet, table.header_row, HeaderMatch(profile, match.headers, fields),
        table.rows, tuple(choices),
    )


def infer_table(sheet: str | None, rows: list[SheetRow]) -> Table | None:
    """A register table no profile maps, its header row and columns told by the content.

    Tried on each row of the sheet's top that could be a header (three or more short cells);
    taken when the columns hold a recipient or agreement and two fields that describe a
    release, so a list of organisations or a notes sheet is not taken for a register.
    """
    tries = 0
    for index, (number, _, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [c for c in cells if c and not c.isspace()]
        if len(filled) < 3 or any(len(c) > 200 for c in filled) or len(cells) > INFER_MAX_COLUMNS:
            continue
        body = [row for row in rows[index + 1 :] if row[2] != cells]
        if len(body) < MIN_INFERRED_ROWS or tries >= INFER_TRIES:
            continue
        tries += 1
        headers = tuple(cell or "" for cell in cells)
        width = min(max(len(headers), *(len(c) for _, _, c in body[:200])), INFER_MAX_COLUMNS)
        headers += ("",) * (width - len(headers))
        columns = column_cells(_spread([c for _, _, c in body]), width)
        choices = assign_columns(headers, score_columns(columns))
        fields = tuple(c.field for c in choices)
        found = {c.field for c in choices if "content" in c.by}  # the cells bear them out
        # releases say what was released; a table of agreements may say only why
        if not (found & _IDENTIFYING) or (len(found & _DESCRIBING) < 2 and not (
            {"reference", "purpose"} <= found
        )):
            continue
        profile = _profile_for(None, headers, fields)
        return Table(sheet, number, HeaderMatch(profile, headers, fields), body, tuple(choices))
    return None


def _spread(rows: list[list[str | None]], limit: int = SCORED_ROWS) -> list[list[str | None]]:
    """At most ``limit`` rows, evenly spread over the table (its top may be unlike the rest)."""
    if len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def _profile_for(
    base: Profile | None, headers: tuple[str, ...], fields: tuple[str | None, ...]
) -> Profile:
    """The profile a table was read with: the matched one with its columns as they were
    found, or an inferred one (``drr profile infer`` prints it, to be reviewed and saved)."""
    columns: dict[str, tuple[str, ...]] = {}
    for header, field in zip(headers, fields, strict=True):
        if field is not None and field not in columns:
            columns[field] = (normalise_header(header),)
    if base is None:
        return Profile(name=INFERRED, columns=columns, required=())
    return Profile(
        name=base.name,
        columns={**base.columns, **{f: (*base.columns.get(f, ()), *h) for f, h in columns.items()}},
        required=base.required,
        priority=base.priority,
        lookup=base.lookup,
        exact=base.exact,
        content_fields=base.content_fields,
    )


def _choice_warnings(table: Table) -> list[str]:
    """What each record of the table says about columns its header and content did not
    agree on: which column, which field, and which evidence was trusted."""
    notes = []
    for choice in table.choices:
        shown = repr(choice.header) if choice.header.strip() else f"column {choice.index + 1}"
        if choice.by == "content":
            notes.append(
                f"{choice.field} read from column {shown} by its content "
                f"({choice.content_score:.0%} of sampled cells); its header names no field"
            )
        elif choice.by == "content over header":
            notes.append(
                f"{choice.field} read from column {shown} by its content; its header names "
                f"{choice.header_field}"
            )
        elif choice.by == "header over content":
            notes.append(
                f"{choice.field} read from column {shown} by its header; its cells look like "
                f"{choice.content_field}"
            )
    return notes


def table_rows(table: Table) -> list[Row]:
    width = len(table.match.headers)
    notes = _choice_warnings(table)
    return [_to_row(table, row, width, notes) for row in table.rows]


def _to_row(table: Table, row: SheetRow, width: int, notes: list[str] | None = None) -> Row:
    first, last, cells = row
    fields = row_to_fields(table.match, cells)
    warnings = list(notes or ())
    overflow = {f"column {i + 1}": c.strip() for i, c in enumerate(cells[width:], width) if c}
    if overflow:
        fields.extra.update(overflow)
        warnings.append(
            f"row {first} of {_label(table.sheet)} has cells past the header's {width} columns: "
            f"kept in extra as {_name_range(list(overflow))}"
        )
    span = CellSpan(sheet=table.sheet, lines=(first, last))
    cells_by_field = {name: span for name, value in fields if name != "extra" and value}
    return Row(
        fields=fields,
        layout=table.match.profile.name,
        cells=cells_by_field,
        warnings=warnings,
        needs_review=bool(notes),
    )


def _name_range(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]} ({len(names)})"


def join_lookups(tables: list[tuple[Table, list[Row]]]) -> list[Row]:
    """Rows of every table, those whose profile declares a lookup completed from its target.

    A table that some other table of the document looks up supplies rows, not records. A
    table with agreement references and no purpose text, in a document with another table
    that gives each agreement's purpose, looks that table up though no profile says so (an
    edition nobody wrote a profile for: the two sheets are told apart by what they hold).
    """
    sources_of, skipped = join_plan(tables)
    out: list[Row] = []
    for position, (table, rows) in enumerate(tables):
        if position in skipped:
            continue
        if position in sources_of:
            sources, wanted = sources_of[position]
            index = _index_by(sources, "reference")
            described = " and ".join(_label(t.sheet) for t, _ in sources) or f"a {wanted} table"
            on = table.match.profile.lookup.on if table.match.profile.lookup else "reference"
            rows = [_completed(row, index, on, described) for row in rows]
        out.extend(_with_unread_columns(table, rows))
    return out


Sources = list[tuple[Table, list[Row]]]


def join_plan(tables: list[tuple[Table, list[Row]]]) -> tuple[dict[int, tuple[Sources, str]], set[int]]:
    """Which tables look which up (by position: the tables they look up, and the profile
    name a declared lookup wants), and which tables only supply rows to others."""
    declared = {t.match.profile.lookup.profile for t, _ in tables if t.match.profile.lookup}
    statements = [(t, r) for t, r in tables if _gives_purposes(t, r)]
    sources_of: dict[int, tuple[Sources, str]] = {}
    for position, (table, rows) in enumerate(tables):
        lookup = table.match.profile.lookup
        if lookup is not None:
            named = [(t, r) for t, r in tables if t.match.profile.name == lookup.profile]
            others = [(t, r) for t, r in statements if t is not table]
            sources_of[position] = (named or others, lookup.profile)
        elif _wants_purposes(table, rows) and any(t is not table for t, _ in statements):
            sources_of[position] = ([(t, r) for t, r in statements if t is not table], "")
    supplying = {id(t) for s, _ in sources_of.values() for t, _ in s}
    skipped = {
        position
        for position, (table, _) in enumerate(tables)
        if table.match.profile.name in declared or id(table) in supplying
    }
    return sources_of, skipped


def _gives_purposes(table: Table, rows: list[Row]) -> bool:
    """A table of agreements: a reference per row, each once, and purpose text."""
    if not {"reference", "purpose"} <= set(table.match.fields) or not rows:
        return False
    keys = [reference_key(row.fields.reference) for row in rows]
    bases = [k.base for k in keys if k is not None]
    told = sum(row.fields.purpose is not None for row in rows)
    return told * 2 >= len(rows) and len(set(bases)) >= 0.9 * len(bases) > 0


def _wants_purposes(table: Table, rows: list[Row]) -> bool:
    """A table of releases: agreement references, and no purpose text on any row."""
    return (
        "reference" in table.match.fields
        and bool(rows)
        and all(row.fields.purpose is None for row in rows)
    )


JoinIndex = dict[object, list[Row]]


def _index_by(tables: list[tuple[Table, list[Row]]], field: str) -> JoinIndex:
    """Rows by their key as printed, by canonical reference and version, and by agreement."""
    index: JoinIndex = {}
    for _, rows in tables:
        for row in rows:
            key = getattr(row.fields, field)
            if key is None:
                continue
            index.setdefault(key, [row])
            canonical = reference_key(key)
            if canonical is not None:
                index.setdefault(canonical, []).append(row)
                index.setdefault(("=", canonical.base), []).append(row)
                if (number := agreement_number(canonical)) is not None:
                    index.setdefault(("#", number), []).append(row)
    return index


def _lookup(index: JoinIndex, key: str) -> tuple[Row | None, str | None]:
    """The row a key names, and a note when it was not found as printed."""
    exact = index.get(key)
    if exact:
        return exact[0], None
    canonical = reference_key(key)
    if canonical is None:
        return None, None
    same = index.get(canonical)
    if same:
        return same[0], None
    agreement = index.get(("=", canonical.base), [])
    if not agreement and (number := agreement_number(canonical)) is not None:
        # one side prints the agreement's number alone ("NIC 110660"), the other its code too
        agreement = index.get(("#", number), [])
    if len({id(r) for r in agreement}) == 1:
        return agreement[0], None
    if agreement:
        # count rows, not distinct keys: two statements printed without a version are one
        # key, and which of them is this version's cannot be told
        rows = list({id(r): r for r in agreement}.values())
        versions = {ref.version for r in rows if (ref := reference_key(r.fields.reference))}
        unversioned = " (they print no version)" if versions == {None} else ""
        wanted = (
            f"none of version {canonical.version}" if canonical.version
            else "and this row prints no version to tell them by"
        )
        return None, f"{len(rows)} rows for agreement {canonical.base}{unversioned}, {wanted}"
    return None, None


def _agreement_rows(index: JoinIndex, key: str) -> list[Row]:
    """Every row of the agreement a key names, whatever version each prints."""
    canonical = reference_key(key)
    if canonical is None:
        return []
    rows = index.get(("=", canonical.base), [])
    if not rows and (number := agreement_number(canonical)) is not None:
        rows = index.get(("#", number), [])
    return list({id(r): r for r in rows}.values())


def _agreed_fields(row: Row, candidates: list[Row]) -> dict[str, str]:
    """The fields this row lacks on which every one of its agreement's rows says the same
    (an objective unchanged between versions is right whichever version this row is)."""
    if len(candidates) < 2:
        return {}
    agreed = {}
    for name in FIELD_NAMES:
        values = {getattr(c.fields, name) for c in candidates}
        value = values.pop() if len(values) == 1 else None
        if getattr(row.fields, name) is None and isinstance(value, str):
            agreed[name] = value
    return agreed


def _completed(row: Row, index: JoinIndex, on: str, described: str) -> Row:
    key = getattr(row.fields, on)
    found, note = _lookup(index, key) if key is not None else (None, None)
    if found is None:
        warning = f"{on} {key!r} has no row in {described} to complete this row from"
        if note:
            warning += f" ({note})"
        agreed = _agreed_fields(row, _agreement_rows(index, key)) if note else {}
        if agreed:
            warning += f"; took what all of them say alike: {', '.join(agreed)}"
        fields = row.fields.model_copy(update=agreed)
        return row.model_copy(
            update={"fields": fields, "warnings": [*row.warnings, warning], "needs_review": True}
        )
    mine, theirs = row.fields, found.fields
    taken = {
        name: getattr(theirs, name)
        for name in FIELD_NAMES
        if getattr(mine, name) is None and getattr(theirs, name) is not None
    }
    fields = mine.model_copy(update={**taken, "extra": {**theirs.extra, **mine.extra}})
    cells = {**row.cells, **{k: v for k, v in found.cells.items() if k in taken}}
    update: dict[str, object] = {"fields": fields, "cells": cells}
    if found.warnings:  # what the looked-up table's reading was unsure of, this row takes
        sheet = _label(next(iter(found.cells.values())).sheet) if found.cells else described
        update["warnings"] = [*row.warnings, *(f"{sheet}: {w}" for w in found.warnings)]
        update["needs_review"] = row.needs_review or found.needs_review
    return row.model_copy(update=update)


# Fields every register of releases fills; all empty on every row says the columns were missed.
KNOWN_FIELDS = ("data_type", "purpose", "frequency")


def _with_unread_columns(table: Table, rows: list[Row]) -> list[Row]:
    """The rows, the first warning when the known fields are empty on every row while
    columns no field was read from hold text: silent nulls are a defect."""
    if not rows or any(getattr(row.fields, f) is not None for row in rows for f in KNOWN_FIELDS):
        return rows
    names_read = [clean_cell(h) or f"column {i + 1}" for i, h in enumerate(table.match.headers)]
    unread = [
        name
        for name, field in zip(names_read, table.match.fields, strict=True)
        if field is None and any(row.fields.extra.get(name) for row in rows)
    ]
    if not unread:
        return rows
    names = ", ".join(repr(" ".join(h.split())) for h in unread)
    warning = (
        f"{', '.join(KNOWN_FIELDS)} are empty on every row of {_label(table.sheet)}, while "
        f"columns {names} hold text no field was read from: check they are not these fields"
    )
    first = rows[0].model_copy(
        update={"warnings": [*rows[0].warnings, warning], "needs_review": True}
    )
    return [first, *rows[1:]]


def _label(sheet: str | None) -> str:
    return "the CSV table" if sheet is None else f"sheet {sheet!r}"


def _describe_head(head: list[SheetRow]) -> str:
    """The sheet's likeliest header row, for an error message: its first row of 2+ cells."""
    wide = [cells for _, _, cells in head if sum(bool(c) for c in cells) >= 2]
    if not head:
        return "(empty)"
    cells = (wide or [head[0][2]])[0]
    shown = ", ".join(_short(c) for c in cells[:8] if c)
    more = ", …" if sum(bool(c) for c in cells) > 8 else ""
    return f"(headers {shown}{more})"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 40 else flat[:39] + "…")


def _no_rows_message(tables: list[Table]) -> str:
    found = "; ".join(
        f"profile {t.match.profile.name} at row {t.header_row} of {_label(t.sheet)}" for t in tables
    )
    return (
        f"found the register header ({found}) but no data rows below it: "
        "the export is empty or was cut off after its header"
    )


def _no_header_message(seen: list[str]) -> str:
    where = (
        f"{seen[0]} has no register header"
        if len(seen) == 1 and seen[0].startswith("the CSV table")
        else f"no sheet has a register header: saw {'; '.join(seen) or 'no sheets'}"
    )
    return (
        f"{where}. A register table needs a header row (within its first "
        f"{HEADER_SEARCH_ROWS} rows) that a layout profile maps, e.g. 'Organisation Name' with "
        "'Purpose'; add a profile to extract/profiles/ for a new edition's headers"
    )
