"""A PDF's rows as plain data, and their records as JSON-ready dicts, without pydantic.

``drr extract`` reads a PDF in a bounded child (``workers.pipeline.extracted_records``);
importing pydantic and building the record models there was ~0.09 s of the ~0.38 s the
whole command took on a 150-row register. The PDF reader builds these instead, and
``record_dicts`` dumps them to exactly what ``ExtractedRecord.model_dump(mode="json")``
gives (same keys, same order, a span's keys that do not apply left out); ``to_model``
makes the published pydantic ``Row`` of ``extract.record`` from one, for every other use.
``tests/test_rowdata.py`` holds the two dumps equal. The field names are defined here
once: ``extract.record.Fields`` is checked against ``FIELD_NAMES`` by that test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, make_dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extract.record import Row

# A record's fields in their order (``extract.record.Fields``, ``extra`` last, not here).
FIELD_NAMES = (
    "row_id", "organisation", "organisation_type", "data_type", "data_provided",
    "sensitivity", "legal_basis", "purpose", "frequency", "reference", "title",
    "commercial", "date_start", "date_end", "date_released", "access_method",
    "sublicensing",
)  # fmt: skip

# ``Fields`` as a plain class: every name of FIELD_NAMES (None by default), then ``extra``.
FieldData = make_dataclass(
    "FieldData",
    [
        *((name, "str | None", None) for name in FIELD_NAMES),
        ("extra", "dict[str, str]", field(default_factory=dict)),
    ],
    slots=True,
)
FieldData.__module__ = __name__  # (make_dataclass's own ``module`` is Python 3.12's)


@dataclass(slots=True)
class SpanData:
    """A PDF cell's ``CellSpan``: its page and box (the keys a PDF's spans have)."""

    page: int
    bbox: tuple[float, float, float, float]

    def dump(self) -> dict[str, Any]:
        return {"page": self.page, "bbox": [float(v) for v in self.bbox]}


@dataclass(slots=True)
class RowData:
    """``extract.record.Row`` as plain data."""

    fields: Any  # a FieldData
    layout: str
    pages: list[int] = field(default_factory=list)
    cells: dict[str, SpanData] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    needs_review: bool = False

    def to_model(self) -> Row:
        from extract.record import CellSpan, Fields, Row

        return Row(
            fields=Fields(**field_values(self.fields)),
            layout=self.layout,
            pages=self.pages,
            cells={k: CellSpan(page=s.page, bbox=s.bbox) for k, s in self.cells.items()},
            warnings=self.warnings,
            needs_review=self.needs_review,
        )


def field_values(fields: Any) -> dict[str, Any]:
    """A FieldData's values by name, in ``Fields``' order (``extra`` last, a copy)."""
    values: dict[str, Any] = {name: getattr(fields, name) for name in FIELD_NAMES}
    values["extra"] = dict(fields.extra)
    return values


def record_id(document_sha256: str, row_index: int) -> str:
    """The same document and row give the same id on every run."""
    return hashlib.sha256(f"{document_sha256}:{row_index}".encode()).hexdigest()[:20]


def record_dicts(
    rows: list[RowData], document_sha256: str, filename: str, fmt: str
) -> list[dict[str, Any]]:
    """``extract.record.to_records(...)``, each dumped with ``model_dump(mode="json")``."""
    return [
        {
            "record_id": record_id(document_sha256, index),
            "source": {
                "document_sha256": document_sha256,
                "filename": filename,
                "format": fmt,
                "layout": row.layout,
                "pages": list(row.pages),
                "row_index": index,
                "cells": {name: span.dump() for name, span in row.cells.items()},
            },
            "fields": field_values(row.fields),
            "warnings": list(row.warnings),
            "needs_review": row.needs_review,
        }
        for index, row in enumerate(rows)
    ]
