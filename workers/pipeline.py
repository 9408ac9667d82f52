"""One pipeline, three doors: the CLI, the Celery task and the HTTP upload all call this."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extract import Document, Limits, read_document
from extract.errors import DrrError

if TYPE_CHECKING:  # `drr extract` enriches nothing: nlp's imports are not its to pay for
    from nlp.enrich import Enricher

NUL = "\x00"


def extract_records(data: bytes, filename: str, limits: Limits) -> tuple[Document, list[dict[str, Any]]]:
    document = read_document(data, filename, limits)
    return document, [without_nul(record.model_dump(mode="json")) for record in document.records]


def extracted_records(data: bytes, filename: str, limits: Limits) -> list[dict[str, Any]]:
    """``extract_records``' records alone (``drr extract``). A PDF's are made whole, rows
    to JSON-ready dicts, in the bounded child its reading needs anyway (``run_bounded``):
    this process then imports neither pdfminer.six nor pydantic, and the child does not
    write on the pages of a large heap inherited from it (the copy-on-write faults were
    50 ms of reading a 150-row register). Any other format is read here, as before."""
    from extract.detect import detect_format
    from extract.isolate import run_bounded

    try:
        pdf = detect_format(data, filename) == "pdf"
    except DrrError:  # read_document says what is wrong, in its own order of checks
        pdf = False
    if not pdf:
        return extract_records(data, filename, limits)[1]
    return run_bounded(
        lambda: _pdf_records(data, filename, limits), limits.max_seconds, limits.max_memory_bytes
    )


def _pdf_records(data: bytes, filename: str, limits: Limits) -> list[dict[str, Any]]:
    """``extract_records``' records of a PDF, from the reader's plain rows: no record model
    is built and pydantic is not imported (0.09 s of a 150-row register's 0.38 s);
    ``extract.rowdata.record_dicts`` dumps them as the models would. The same checks in the
    same order as ``read_document``."""
    import hashlib

    from extract.errors import DocumentTooLarge
    from extract.pdf import read_pdf_data
    from extract.rowdata import record_dicts

    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"{len(data):,} bytes is over the {limits.max_bytes:,}-byte limit for one document"
        )
    rows = read_pdf_data(data, limits)  # which refuses more than limits.max_rows
    sha = hashlib.sha256(data).hexdigest()
    return [without_nul(record) for record in record_dicts(rows, sha, filename, "pdf")]


def process_document(
    data: bytes, filename: str, limits: Limits, enricher: Enricher
) -> tuple[Document, list[dict[str, Any]]]:
    """Extract every row of one document and enrich it. Raises ``DrrError`` subclasses."""
    document, records = extract_records(data, filename, limits)
    return document, enricher.enrich(records)


def without_nul(record: dict[str, Any]) -> dict[str, Any]:
    """The record with NUL characters taken out of its cell text, and a warning naming the
    fields they were in. A NUL is never meant (it is padding left by an export tool), and
    PostgreSQL cannot store one in text: the whole document would fail for one cell."""
    fields = record.get("fields") or {}
    touched = sorted(key for key, value in fields.items() if _has_nul(key) or _has_nul(value))
    if not touched:
        return record
    names = ", ".join(name.replace(NUL, "") for name in touched)
    warning = f"NUL characters removed from the text of {names}"
    return {**record, "fields": _strip(fields), "warnings": [*record.get("warnings", []), warning]}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {_strip(key): _strip(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value
