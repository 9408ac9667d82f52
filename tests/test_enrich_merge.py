"""How the enricher merges its results into a record, independent of which models it runs.

The extractor and classifier here are passed in through the same protocols the
real ones implement (dependency injection, as httpx passes a transport); the real
models are exercised end to end in tests/test_process.py.
"""

from collections.abc import Sequence

from extract.record import Fields
from nlp.enrich import CONTRACT_ORDER, Enricher
from nlp.record import Entities, Purpose


class CountingExtractor:
    def __init__(self) -> None:
        self.calls = 0

    def extract_many(self, fields: Sequence[Fields]) -> list[Entities]:
        self.calls += 1
        return [Entities() for _ in fields]


class ConstantClassifier:
    name = "constant v0"

    def predict(self, fields: Sequence[Fields], entities: Sequence[Entities]) -> list[Purpose]:
        scores = {"commercial": 0.2, "research": 0.7, "commissioning": 0.1}
        return [Purpose(label="research", scores=scores, model=self.name, needs_review=True) for _ in fields]


def record(**extra):
    return {"record_id": "r1", "fields": {"organisation": "NICOR", "sensitivity": "Non-\nSensitive"}, **extra}


def test_enrich_adds_the_contract_keys_in_order_and_keeps_unknown_keys():
    extractor = CountingExtractor()
    out = Enricher(extractor, ConstantClassifier()).enrich([record(mine={"a": 1})])[0]
    assert list(out)[: len(CONTRACT_ORDER) - 1] == [k for k in CONTRACT_ORDER if k != "source"]
    assert out["mine"] == {"a": 1}
    assert out["purpose"]["label"] == "research"
    assert out["needs_review"] is True, "an unsure purpose marks the record for review"
    assert extractor.calls == 1, "entities are extracted for the whole batch at once"


def test_a_reviewers_purpose_is_never_overwritten():
    reviewed = {"label": "commercial", "scores": {"commercial": 1.0, "research": 0.0, "commissioning": 0.0},
                "model": "constant v0", "needs_review": False, "source": "reviewer"}
    out = Enricher(CountingExtractor(), ConstantClassifier()).enrich([record(purpose=reviewed)])[0]
    assert out["purpose"] == reviewed


def test_existing_warnings_and_review_flags_are_kept():
    out = Enricher(CountingExtractor(), ConstantClassifier()).enrich(
        [record(warnings=["organisation inferred"], needs_review=True)]
    )[0]
    assert out["warnings"] == ["organisation inferred"]
    assert out["needs_review"] is True
