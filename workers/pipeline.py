"""One pipeline, three doors: the CLI, the Celery task and the HTTP upload all call this."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extract import Document, Limits, read_document

if TYPE_CHECKING:  # `drr extract` enriches nothing: nlp's imports are not its to pay for
    from nlp.enrich import Enricher

NUL = "\x00"


def extract_records(data: bytes, filename: str, limits: Limits) -> tuple[Document, list[dict[str, Any]]]:
    document = read_document(data, filename, limits)
    return document, [without_nul(record.model_dump(mode="json")) for record in document.records]


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
