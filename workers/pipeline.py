"""One pipeline, three doors: the CLI, the Celery task and the HTTP upload all call this."""

from __future__ import annotations

from typing import Any

from extract import Document, Limits, read_document
from nlp.enrich import Enricher


def extract_records(data: bytes, filename: str, limits: Limits) -> tuple[Document, list[dict[str, Any]]]:
    document = read_document(data, filename, limits)
    return document, [record.model_dump(mode="json") for record in document.records]


def process_document(
    data: bytes, filename: str, limits: Limits, enricher: Enricher
) -> tuple[Document, list[dict[str, Any]]]:
    """Extract every row of one document and enrich it. Raises ``DrrError`` subclasses."""
    document, records = extract_records(data, filename, limits)
    return document, enricher.enrich(records)
