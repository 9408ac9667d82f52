"""Enrichment: the stage that turns extracted records into enriched ones.

The heavy parts (the spaCy entity pipeline, the purpose classifier) are built once
per process by ``build_enricher`` and passed in; ``Enricher.enrich`` is then a pure
function of the records it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from extract.record import Fields
from nlp.normalise import normalise
from nlp.record import Entities, Purpose

CONTRACT_ORDER = (
    "record_id", "source", "fields", "normalised", "entities", "purpose", "warnings", "needs_review",
)


class EntityExtractor(Protocol):
    def extract_many(self, fields: Sequence[Fields]) -> list[Entities]: ...


class PurposeClassifier(Protocol):
    @property
    def name(self) -> str: ...

    def predict(self, fields: Sequence[Fields], entities: Sequence[Entities]) -> list[Purpose]: ...


@dataclass(frozen=True)
class Enricher:
    entities: EntityExtractor
    purpose: PurposeClassifier

    def enrich(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The same records, with ``normalised``, ``entities`` and ``purpose`` filled.

        Keys the enricher does not own are kept as they are; a purpose a reviewer
        set (``purpose.source == "reviewer"``) is never overwritten by the model.
        """
        fields = [parse_fields(record["fields"]) for record in records]
        entities = self.entities.extract_many(fields)
        purposes = self.purpose.predict(fields, entities)
        return [
            _merge(record, f, e, p) for record, f, e, p in zip(records, fields, entities, purposes)
        ]


def parse_fields(raw: dict[str, Any]) -> Fields:
    """A record's fields as the enricher reads them. Keys this version does not know
    (a newer drr may add some) are left in the record untouched, not refused.
    Raises pydantic's ``ValidationError`` for values that are not text."""
    return Fields.model_validate({k: v for k, v in raw.items() if k in Fields.model_fields})


def _warnings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _merge(record: dict[str, Any], fields: Fields, entities: Entities, purpose: Purpose) -> dict[str, Any]:
    kept = record.get("purpose")
    purpose_out = kept if isinstance(kept, dict) and kept.get("source") == "reviewer" else purpose.model_dump()
    enriched = {
        **record,
        "normalised": normalise(fields).model_dump(),
        "entities": entities.model_dump(),
        "purpose": purpose_out,
        "warnings": _warnings(record.get("warnings")),
        "needs_review": bool(record.get("needs_review")) or bool(purpose_out.get("needs_review")),
    }
    ordered = {key: enriched[key] for key in CONTRACT_ORDER if key in enriched}
    ordered.update((key, value) for key, value in enriched.items() if key not in ordered)
    return ordered


def build_enricher(models_dir: Path | None = None) -> Enricher:
    """Load the active entity pipeline and purpose model once; reuse the result."""
    from nlp.entities import load_entity_extractor
    from nlp.purpose import load_purpose_model

    return Enricher(load_entity_extractor(models_dir), load_purpose_model(models_dir))
