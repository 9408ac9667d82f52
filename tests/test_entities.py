"""The entity extractor over whole records: fields, offsets, the trained model, rules-only."""

from pathlib import Path

import pytest

from extract.record import Fields
from models.registry import active_version
from nlp.entities import build_rules_pipeline, load_entity_extractor
from nlp.references import find_references

MODELS = Path(__file__).resolve().parent.parent / "models"
LEGAL = ("Section 251 approval is in place for the flow of identifiable data. "
         "S251 Ref ECC 1-06 (d)/2011 and ECC 4-03 (e)/2012")
PURPOSE = ("This research database will link care across pathways. The analysis will be "
           "carried out by the University of Leeds for the British Heart Foundation.")
RECORD = Fields(
    organisation=" NICOR ", organisation_type="Academic",
    data_type="Bespoke Extract; HES Inpatient",
    legal_basis=LEGAL, purpose=PURPOSE, reference="DARS-NIC-110660-G9W6M-v2.2",
)


@pytest.fixture(scope="module")
def rules():
    return load_entity_extractor(None)


@pytest.fixture(scope="module")
def trained():
    if active_version(MODELS, "entities") is None:
        pytest.skip("no trained entity pipeline committed")
    return load_entity_extractor(MODELS)


def test_the_organisation_cell_is_an_organisation_typed_by_the_publisher(rules):
    [cell] = [o for o in rules.extract_many([RECORD])[0].organisations if o.field == "organisation"]
    assert (cell.text, cell.start, cell.end, cell.sector) == ("NICOR", 1, 6, "academic")


def test_references_and_datasets_carry_their_field_and_offsets(rules):
    entities = rules.extract_many([RECORD])[0]
    refs = [(r.field, r.canonical, RECORD.__dict__[r.field][r.start:r.end])
            for r in entities.approval_references]
    assert refs == [
        ("legal_basis", "ECC 1-06(d)/2011", "ECC 1-06 (d)/2011"),
        ("legal_basis", "ECC 4-03(e)/2012", "ECC 4-03 (e)/2012"),
        ("reference", "DARS-NIC-110660-G9W6M-v2.2", "DARS-NIC-110660-G9W6M-v2.2"),
    ]
    assert [(d.text, d.canonical, d.start) for d in entities.datasets] == [
        ("HES Inpatient", "Hospital Episode Statistics Admitted Patient Care", 17)]


def test_rules_only_finds_organisations_the_gazetteer_knows(rules):
    orgs = [o for o in rules.extract_many([RECORD])[0].organisations if o.field == "purpose"]
    assert [(o.text, o.sector) for o in orgs] == [("University of Leeds", "academic")]
    assert all(PURPOSE[o.start:o.end] == o.text for o in orgs)


def test_the_trained_model_finds_organisations_in_purpose_text(trained):
    assert trained.name.startswith("entities-v")
    entities = trained.extract_many([RECORD])[0]
    orgs = [o for o in entities.organisations if o.field == "purpose"]
    assert ("University of Leeds", "academic") in [(o.text, o.sector) for o in orgs]
    assert all(PURPOSE[o.start:o.end] == o.text for o in orgs)
    # The saved pipeline keeps its rule components' patterns.
    assert [d.canonical for d in entities.datasets] == [
        "Hospital Episode Statistics Admitted Patient Care"]


def test_empty_fields_give_no_entities(rules):
    entities = rules.extract_many([Fields()])[0]
    assert entities.organisations == entities.approval_references == entities.datasets == []


def test_repeated_texts_give_the_same_entities(rules):
    first, second = rules.extract_many([RECORD, RECORD])
    assert first == second


def test_the_pipeline_component_agrees_with_the_fast_path():
    nlp = build_rules_pipeline()
    doc = nlp(LEGAL)
    spans = [(s.label_, s.id_) for s in doc.spans["approval_references"]]
    assert spans == [(r.scheme, r.canonical) for r in find_references(LEGAL)]


def test_scores_count_exact_matches_only():
    from nlp.entity_train import score_sets

    score = score_sets([({(0, 5), (7, 9)}, {(0, 5)}), (set(), {(1, 2)})])
    assert (score.true_positives, score.predicted, score.gold) == (1, 2, 2)
    assert score.precision == score.recall == 0.5


def test_kinds_of_body_and_data_set_names_are_no_organisations(trained):
    text = ("The CCG will receive Mental Health Services Data Set extracts from the Local "
            "Authority, processed by the University of Leeds.")
    orgs = [o.text for o in trained.extract_many([Fields(purpose=text)])[0].organisations]
    assert orgs == ["University of Leeds"]


def test_the_window_cache_changes_no_answer(trained):
    shared = " Invoices are validated by Liaison Financial Services Ltd for the CCG."
    fields = [Fields(purpose=f"Purpose {n}:{shared}") for n in ("one", "two", "three")]
    uncached = load_entity_extractor(MODELS)
    uncached.window_cache_size = 0
    assert trained.extract_many(fields) == uncached.extract_many(fields)
    assert [len(e.organisations) for e in trained.extract_many(fields)] == [1, 1, 1]
