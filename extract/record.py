"""What extraction produces: one record per register row, with where it came from.

These classes are the extraction half of the record contract
(``../shared/docs/record-contract.md``); ``nlp.record`` adds the enrichment half.
The published JSON Schema (``schema/record.schema.json``) is generated from them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from extract.rowdata import record_id

Format = Literal["pdf", "text", "xlsx", "ods", "csv", "html"]


def _unset(value: object) -> bool:
    return value is None


class CellSpan(BaseModel):
    """Where one cell's text was found: a page and box (PDF), a line span (text), or a
    sheet and its 1-based row (spreadsheets: ``lines`` holds the row twice).

    Keys that do not apply are left out of the JSON, not written as nulls: every record
    carries a span per cell, and nulls would triple their size.
    """

    model_config = ConfigDict(extra="forbid")

    sheet: str | None = Field(
        default=None, description="the workbook sheet the cell is on", exclude_if=_unset
    )
    page: int | None = Field(default=None, exclude_if=_unset)
    bbox: tuple[float, float, float, float] | None = Field(
        default=None,
        description="x0, top, x1, bottom in PDF points from the page's top-left",
        exclude_if=_unset,
    )
    lines: tuple[int, int] | None = Field(
        default=None,
        description="first and last 1-based line of the text the cell came from",
        exclude_if=_unset,
    )


class Fields(BaseModel):
    """Cell text as printed: line breaks joined by single spaces, hyphenation removed.

    A column the layout lacks is null. Columns with no key of their own go to ``extra``.
    """

    # Its names are ``extract.rowdata.FIELD_NAMES`` in that order (``tests/test_rowdata.py``),
    # which the PDF reader's plain rows are built from (the docstring is in the schema).

    model_config = ConfigDict(extra="forbid")

    row_id: str | None = None
    organisation: str | None = None
    organisation_type: str | None = Field(
        default=None, description="the publisher's own organisation type, where it gives one"
    )
    data_type: str | None = None
    data_provided: str | None = None
    sensitivity: str | None = None
    legal_basis: str | None = None
    purpose: str | None = None
    frequency: str | None = None
    reference: str | None = None
    title: str | None = Field(default=None, description="project or agreement title")
    commercial: str | None = Field(
        default=None, description="the register's own commercial flag as printed, e.g. 'Yes'"
    )
    date_start: str | None = None
    date_end: str | None = None
    date_released: str | None = None
    access_method: str | None = None
    sublicensing: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class Row(BaseModel):
    """What a reader yields for one table row, before it is given an identity."""

    fields: Fields
    layout: str
    pages: list[int] = Field(default_factory=list)
    cells: dict[str, CellSpan] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    needs_review: bool = False


class Source(BaseModel):
    model_config = ConfigDict(extra="allow")

    document_sha256: str
    filename: str
    format: Format
    layout: str
    pages: list[int] = Field(default_factory=list)
    row_index: int
    cells: dict[str, CellSpan] = Field(default_factory=dict)


class ExtractedRecord(BaseModel):
    """A register row with its identity and provenance: what ``drr extract`` writes."""

    model_config = ConfigDict(extra="allow")

    record_id: str
    source: Source
    fields: Fields
    warnings: list[str] = Field(default_factory=list)
    needs_review: bool = Field(
        default=False, description="true when any stage is unsure of this record"
    )


def to_records(
    rows: list[Row], document_sha256: str, filename: str, fmt: Format
) -> list[ExtractedRecord]:
    return [
        ExtractedRecord(
            record_id=record_id(document_sha256, index),
            source=Source(
                document_sha256=document_sha256,
                filename=filename,
                format=fmt,
                layout=row.layout,
                pages=row.pages,
                row_index=index,
                cells=row.cells,
            ),
            fields=row.fields,
            warnings=row.warnings,
            needs_review=row.needs_review,
        )
        for index, row in enumerate(rows)
    ]
