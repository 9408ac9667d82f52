"""`drr process` end to end with the committed models: the contract consumers rely on."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [
    ROOT / "corpora" / "samples" / "hscic-2014-sample.txt",
    ROOT / "corpora" / "samples" / "reformatted-page-compufile.txt",
]


def process(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", "process", *map(str, paths)],
        capture_output=True, cwd=ROOT, check=False,
    )


@pytest.fixture(scope="module")
def processed() -> subprocess.CompletedProcess:
    return process(*SAMPLES)


@pytest.fixture(scope="module")
def records(processed) -> list[dict]:
    assert processed.returncode == 0, processed.stderr.decode()
    return [json.loads(line) for line in processed.stdout.splitlines()]


def test_every_record_validates_against_the_committed_schema(records):
    schema = json.loads((ROOT / "schema" / "record.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for record in records:
        validator.validate(record)
    assert len(records) == 62


def test_scores_are_probabilities_that_sum_to_one(records):
    for record in records:
        scores = record["purpose"]["scores"]
        assert set(scores) == {"commercial", "research", "commissioning"}
        assert abs(sum(scores.values()) - 1) < 1e-3
        assert record["purpose"]["label"] == max(scores, key=scores.get)


def test_entity_offsets_point_at_their_text(records):
    for record in records:
        for kind in ("organisations", "approval_references", "datasets"):
            for entity in record["entities"][kind]:
                field_text = record["fields"][entity["field"]]
                assert field_text[entity["start"] : entity["end"]] == entity["text"]


def test_process_output_is_byte_identical_across_runs(processed):
    assert process(*SAMPLES).stdout == processed.stdout


def test_process_and_enrich_of_extract_agree(processed):
    extracted = subprocess.run(
        [sys.executable, "-m", "workers.cli", "extract", *map(str, SAMPLES)],
        capture_output=True, cwd=ROOT, check=True,
    ).stdout
    enriched = subprocess.run(
        [sys.executable, "-m", "workers.cli", "enrich"],
        input=extracted, capture_output=True, cwd=ROOT, check=True,
    ).stdout
    assert enriched == processed.stdout
