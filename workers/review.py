"""Reviewers' corrections as training labels: one JSON line per corrected record, its latest
correction, in the shape ``drr train purpose`` reads from
``corpora/purpose/reviewer-corrections.jsonl`` (training only, never the evaluation split).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from workers.store import Correction, iso

TRAINING_FIELDS = ("organisation", "organisation_type", "title", "purpose", "legal_basis",
                   "data_type", "commercial", "reference")
# Extra columns that say what the data is for; the rest (dates, sizes, ids) are noise.
PURPOSEFUL_EXTRA = re.compile(r"benefit|output|activit|objective|purpose|processing|summary",
                              re.IGNORECASE)
MAX_CHARS = 1500  # long purpose statements: the start says what the project is


def training_lines(latest: Iterable[tuple[Correction, str | None]]) -> Iterator[dict[str, Any]]:
    """Training examples for the corrections whose record is still stored, by record id."""
    for correction, body in latest:
        if body is not None:
            yield training_example(correction, json.loads(body))


def training_example(correction: Correction, record: dict[str, Any]) -> dict[str, Any]:
    fields = record.get("fields") or {}
    source = record.get("source") or {}
    return {
        "id": f"review-{correction.id}",
        "record_id": correction.record_id,
        "label": correction.new_value,
        "previous_label": correction.old_value,
        "model": correction.model,
        "reviewer": correction.reviewer,
        "at": iso(correction.at),
        "note": correction.note,
        "organisation": fields.get("organisation") or "",
        "source": source.get("filename") or source.get("document_sha256")
        or correction.document_sha256,
        "fields": training_fields(fields),
    }


def training_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that say who and why, long values cut; ``extra`` only for purposeful columns."""
    out: dict[str, Any] = {
        key: _cut(fields[key]) for key in TRAINING_FIELDS if fields.get(key) is not None
    }
    extra = {
        key: _cut(value) for key, value in (fields.get("extra") or {}).items()
        if PURPOSEFUL_EXTRA.search(key) and value is not None
    }
    if extra:
        out["extra"] = extra
    return out


def _cut(value: Any) -> Any:
    return value[:MAX_CHARS] if isinstance(value, str) else value
