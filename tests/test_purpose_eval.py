"""Metrics, the review threshold, features, and the train gate: pure functions, small inputs."""

import json

import numpy as np
import pytest

from extract.record import Fields
from nlp.purpose_eval import (
    expected_calibration_error,
    keyword_label,
    one_hot,
    review_threshold,
    threshold_tradeoff,
)
from nlp.purpose_features import MAX_TEXT_CHARS, is_company, meta_tokens, purpose_text
from nlp.purpose_train import (
    CV_SEEDS,
    FROZEN_SPLIT,
    HAND_LABELS,
    Example,
    PurposeConfig,
    align_groups,
    example_group,
    fit,
    frozen_ids,
    grouped_folds,
    load_corpus,
    loose_organisation_key,
    probabilities,
    should_activate,
    training_set,
)


def rows(top: float, n: int) -> np.ndarray:
    rest = (1 - top) / 2
    return np.tile([top, rest, rest], (n, 1))


def test_ece_is_zero_when_confidence_matches_accuracy():
    probabilities_ = rows(0.8, 10)
    truth = ["commercial"] * 8 + ["research"] * 2
    assert expected_calibration_error(truth, probabilities_) == pytest.approx(0.0)


def test_ece_measures_overconfidence():
    truth = ["commercial"] * 5 + ["research"] * 5
    assert expected_calibration_error(truth, one_hot(["commercial"] * 10)) == pytest.approx(0.5)


def test_threshold_is_the_lowest_that_reaches_the_target_precision():
    confident, unsure = rows(0.9, 10), rows(0.5, 10)
    truth = ["commercial"] * 10 + ["commercial"] * 5 + ["research"] * 5
    threshold = review_threshold(truth, np.vstack([confident, unsure]), target_precision=0.95)
    assert threshold.value == pytest.approx(0.9)
    assert threshold.precision_unflagged == 1.0 and threshold.flagged_fraction == 0.5
    lenient = review_threshold(truth, np.vstack([confident, unsure]), target_precision=0.7)
    assert lenient.value == pytest.approx(0.5) and lenient.flagged_fraction == 0.0


def test_tradeoff_reports_precision_and_flagged_share_at_each_threshold():
    truth = ["commercial", "research", "research", "research"]
    probabilities = np.array([[0.9, 0.05, 0.05], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1],
                              [0.2, 0.7, 0.1]])
    low, mid, high = threshold_tradeoff(truth, probabilities, (0.5, 0.7, 0.95))
    assert (low.precision_unflagged, low.flagged_fraction) == (0.75, 0.0)
    assert (mid.precision_unflagged, mid.flagged_fraction) == (1.0, 0.25)
    # nothing left unflagged: precision is vacuous, everything goes to review
    assert (high.precision_unflagged, high.flagged_fraction) == (1.0, 1.0)


@pytest.mark.parametrize(("fields", "label"), [
    (Fields(organisation="General Reinsurance", purpose="update risk rates"), "commercial"),
    (Fields(organisation="Experian Ltd", purpose="Mosaic profiles"), "commercial"),
    (Fields(organisation="Monitor", purpose="design the HRG grouper"), "commissioning"),
    (Fields(organisation="University of Birmingham", purpose="a trial of stenting"), "research"),
    (Fields(organisation="Someone", purpose="x", commercial="Yes (Consultancy)"), "commercial"),
])
def test_keyword_rules_follow_the_guideline_examples(fields, label):
    assert keyword_label(fields) == label


@pytest.mark.parametrize(("fields", "label"), [
    # official indicators supplied to trusts, and quality improvement, are commissioning
    (Fields(organisation="Acute trusts in England",
            purpose="SHMI indicators and quality improvement reports for the trust"),
     "commissioning"),
    # a national agency's registry follow-up is research: PHE is not a commissioner by name
    (Fields(organisation="Public Health England (PHE)",
            purpose="long term follow-up study of people at increased risk"), "research"),
    (Fields(organisation="NHS Kent and Medway ICB", purpose="population health"),
     "commissioning"),
    (Fields(organisation="Someone", purpose="propensity scores sold to insurers"), "commercial"),
])
def test_keyword_rules_name_what_the_guideline_names(fields, label):
    assert keyword_label(fields) == label


def test_a_company_is_known_by_the_legal_form_its_statement_gives_it():
    statement = "Oliver Wyman Ltd is requesting this data to support its work."
    assert is_company("OLIVER WYMAN", statement)
    assert is_company("Acme Analytics", "")
    assert not is_company("OLIVER WYMAN", "Oliver Wyman is requesting this data.")
    assert not is_company("University of Leeds", "data from NHS Digital Limited access")
    assert keyword_label(Fields(organisation="OLIVER WYMAN", purpose=statement)) == "commercial"


def test_purpose_text_joins_purpose_columns_and_is_cut():
    fields = Fields(title="T", purpose="P" * 5000,
                    extra={"Expected Measurable Benefits": "B", "Opt outs": "ignored"})
    text = purpose_text(fields)
    assert text.startswith("T P") and len(text) == MAX_TEXT_CHARS
    assert purpose_text(Fields(purpose="P", extra={"Expected Outputs": "O", "Notes": "N"})) == "P O"


def test_meta_tokens_name_sector_type_legal_basis_and_datasets():
    fields = Fields(organisation_type="Clinical Commissioning Group (CCG)",
                    legal_basis="Section 251 approval CAG 7-04(a)", data_type="HES Admitted")
    tokens = meta_tokens(fields, "nhs_commissioner").split()
    assert tokens == ["rule_research", "sector_nhs_commissioner",
                      "orgtype_clinical_commissioning_group_ccg", "legal_s251", "data_hes"]
    named = Fields(organisation="NHS Leeds CCG")
    assert meta_tokens(named, None).split() == ["rule_commissioning"]


def test_the_gate_never_activates_a_worse_model_unless_forced():
    assert should_activate(0.80, None, force=False)
    assert should_activate(0.85, 0.85, force=False)
    assert not should_activate(0.84, 0.85, force=False)
    assert should_activate(0.84, 0.85, force=True)


def test_weak_labels_of_held_out_organisations_never_train():
    hand = [Example("h", "research", "uni a", "hand", ("t", "o", ""))]
    weak = [Example("w1", "research", "uni a", "weak", ("t", "o", "")),
            Example("w2", "commissioning", "ccg b", "weak", ("t", "o", ""))]
    used = training_set(PurposeConfig(use_weak=True), hand, weak, held_out_groups={"uni a"})
    assert [e.id for e in used] == ["h", "w2"]
    assert training_set(PurposeConfig(use_weak=False), hand, weak, set()) == hand


def test_engineer_labels_follow_the_same_leakage_rule():
    hand = [Example("h", "research", "uni a", "hand", ("t", "o", ""))]
    extra = [Example("e1", "commercial", "uni a", "engineer", ("t", "o", "")),
             Example("e2", "commercial", "acme", "engineer", ("t", "o", "")),
             Example("w1", "research", "acme", "weak", ("t", "o", ""))]
    both = training_set(PurposeConfig(use_weak=True, use_engineer=True), hand, extra,
                        held_out_groups={"uni a"})
    assert [e.id for e in both] == ["h", "e2", "w1"]
    only_engineer = PurposeConfig(use_weak=False, use_engineer=True)
    assert [e.id for e in training_set(only_engineer, hand, extra, set())] == ["h", "e1", "e2"]
    assert [e.id for e in training_set(only_engineer, hand, extra, {"acme"})] == ["h", "e1"]


def test_reviewer_corrections_train_once_per_input_and_obey_the_leakage_rule(tmp_path):
    fields = {"organisation": "Acme Insight", "purpose": "benchmarking for NHS clients"}
    lines = [
        {"id": "review-1", "record_id": "r1", "label": "research", "organisation": "Acme Insight",
         "fields": fields},
        # the same agreement's next row, corrected again: one example, the last label
        {"id": "review-2", "record_id": "r2", "label": "commercial",
         "organisation": "Acme Insight", "fields": fields},
        {"id": "review-3", "record_id": "r3", "label": "research",
         "organisation": "Newcastle University", "fields": {
             "organisation": "Newcastle University", "purpose": "a colonic stent trial"}},
    ]
    path = tmp_path / "reviewer-corrections.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    corpus = load_corpus(reviewer_path=path)
    assert [(e.id, e.label) for e in corpus.reviewer] == [("review-2", "commercial"),
                                                          ("review-3", "research")]
    # Newcastle University is hand-labelled: its correction takes that group, so it
    # never trains while that organisation is scored
    newcastle = next(e for e in corpus.hand if e.group == "newcastle university")
    assert corpus.reviewer[1].group == newcastle.group
    used = training_set(PurposeConfig(use_weak=False), corpus.hand, corpus.extra,
                        held_out_groups={newcastle.group})
    assert "review-3" not in {e.id for e in used} and "review-2" in {e.id for e in used}
    off = training_set(PurposeConfig(use_weak=False, use_reviewer=False), corpus.hand,
                       corpus.extra, set())
    assert not {e.id for e in off} & {"review-2", "review-3"}


def test_another_spelling_of_a_hand_organisation_takes_its_group():
    hand = [Example("h", "research", "genomics england", "hand", ("t", "o", ""))]
    extra = [Example("e", "research", "genomics england limited", "engineer", ("t", "o", "")),
             Example("w", "research", "acme limited", "weak", ("t", "o", ""))]
    names = {"h": "GENOMICS ENGLAND", "e": "Genomics England Ltd", "w": "Acme Ltd"}
    aligned = align_groups(extra, hand, names)
    assert [e.group for e in aligned] == ["genomics england", "acme limited"]
    assert loose_organisation_key("The Acme Ltd.") == loose_organisation_key("ACME LIMITED")


def test_a_labeller_can_name_the_hand_organisation_a_recipient_is():
    row = {"organisation": "NHS England (Quarry House)", "same_organisation_as": "NHS ENGLAND"}
    assert example_group(row) == example_group({"organisation": "NHS ENGLAND"})
    assert example_group({"organisation": "NHS England (Quarry House)"}) != example_group(row)


def test_no_committed_training_label_shares_an_organisation_with_its_scored_fold():
    corpus = load_corpus()
    assert corpus.weak and corpus.engineer
    loose = {e.id: key for e, key in zip(corpus.hand, map(loose_organisation_key, _names(
        corpus.hand)))}
    for train_index, test_index in grouped_folds(corpus.hand, CV_SEEDS[0]):
        test = [corpus.hand[i] for i in test_index]
        held_out = {e.group for e in test}
        used = training_set(PurposeConfig(use_weak=True, use_engineer=True),
                            [corpus.hand[i] for i in train_index], corpus.extra, held_out)
        assert not {e.group for e in used} & held_out
        # Nor under a looser spelling: a training-only name that matches a scored one.
        scored_keys = {loose[e.id] for e in test}
        extra_names = dict(zip((e.id for e in corpus.extra), _names(corpus.extra)))
        assert not {loose_organisation_key(extra_names[e.id]) for e in used
                    if e.source != "hand"} & scored_keys


def _names(examples):
    from nlp.purpose_train import ENGINEER_LABELS, WEAK_LABELS, organisation_names

    names = organisation_names(HAND_LABELS, WEAK_LABELS, ENGINEER_LABELS)
    return [names[e.id] for e in examples]


def test_frozen_split_holds_whole_organisations():
    rows_ = [json.loads(line) for line in HAND_LABELS.read_text().splitlines()]
    frozen = frozen_ids(FROZEN_SPLIT)
    inside = {r["organisation"] for r in rows_ if r["id"] in frozen}
    outside = {r["organisation"] for r in rows_ if r["id"] not in frozen}
    assert frozen <= {r["id"] for r in rows_} and 30 <= len(frozen) <= 45
    assert not inside & outside
    assert {r["label"] for r in rows_ if r["id"] in frozen} == {"commercial", "research",
                                                                  "commissioning"}


def test_fit_learns_from_examples():
    words = {"commercial": "clients product market", "research": "cohort study publish",
             "commissioning": "invoice validation commissioning"}
    examples = [Example(f"{label}{i}", label, f"{label}{i}", "hand",
                        (f"{words[label]} {i}", f"org {label}", "sector_other"))
                for label in words for i in range(6)]
    pipeline = fit(PurposeConfig(use_weak=False), examples)
    probs = probabilities(pipeline, examples)
    assert probs.shape == (18, 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == [0] * 6 + [1] * 6 + [2] * 6).all()


def test_sector_comes_from_the_entity_stage_when_it_found_one():
    from nlp.purpose_features import sector_of
    from nlp.record import Entities, Organisation

    found = Organisation(text="Acme", canonical="Acme", field="organisation", start=0, end=4,
                         sector="academic")
    assert sector_of(Fields(organisation="Acme Ltd"), Entities(organisations=[found])) == "academic"
    assert sector_of(Fields(organisation="Acme Ltd"), Entities()) == "commercial"
    assert sector_of(Fields(), Entities()) is None
