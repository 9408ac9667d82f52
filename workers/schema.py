"""The published JSON Schema of the enriched record, generated from the record classes."""

import json

from nlp.record import EnrichedRecord

SCHEMA_ID = "https://drr.invalid/schema/record.schema.json"


def schema_text() -> str:
    schema = EnrichedRecord.model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
