"""Reviewers' corrections as training labels: one JSON line per corrected record, its latest
correction, in the shape ``drr train purpose`` reads from
``corpora/purpose/reviewer-corrections.jsonl`` (training only, never the evaluation split).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from nlp.enrich import parse_fields
from nlp.purpose_features import purpose_text
from workers.store import Correction, iso

# Kept whole: the classifier searches all of them (datasets and legal bases can sit past
# any cut), and they are short next to the purpose statement.
WHOLE_FIELDS = ("organisation", "organisation_type", "legal_basis", "data_type", "commercial",
                "reference")


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
    """The fields the classifier reads, so training sees exactly the run-time features.

    ``purpose`` is the text the classifier reads (title, purpose and the columns about
    benefits, outputs, activities... joined, first 1,500 characters): the rest of a long
    statement is never read, and keeping it would make the file many times larger.
    """
    out: dict[str, Any] = {
        key: fields[key] for key in WHOLE_FIELDS if fields.get(key) is not None
    }
    text = purpose_text(parse_fields(fields))
    if text:
        out["purpose"] = text
    return out
