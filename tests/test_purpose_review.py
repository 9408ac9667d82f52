"""The needs_review rule, leave-one-publisher-out, and the double-annotated label set (issue 14)."""

import hashlib
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from extract.record import Fields
from models.registry import active_dir
from nlp import purpose_train
from nlp.purpose import DEFAULT_MODELS_DIR, PurposeModel, load_purpose_model
from nlp.purpose_features import feature_matrix, keyword_label, product_maker_cue
from nlp.purpose_review import (
    CURVE_BUDGETS,
    ReviewRule,
    Signals,
    catch,
    choose_rule,
    curve,
    nested_choice,
    rule_from_card,
    signals_from_features,
)
from nlp.purpose_train import (
    CORPUS_DIR,
    DOUBLE_LABELS,
    HAND_PUBLISHER,
    Example,
    PurposeConfig,
    load_corpus,
    lopo_probabilities,
    publisher_of,
    training_set,
)
from nlp.record import LABELS, Entities

DOUBLE = CORPUS_DIR / "double"


def signals(tops, rules=None, chars=None, second=None):
    """Rows whose top label is commercial with score ``top`` and runner-up ``second``."""
    rows = []
    for i, top in enumerate(tops):
        runner = (1 - top) if second is None else second[i]
        rows.append([top, runner, max(0.0, 1 - top - runner)])
    n = len(tops)
    return Signals(np.array(rows), np.array(rules or ["commercial"] * n),
                   np.array(chars or [1000] * n))


# --- the rule ---------------------------------------------------------------------------


def test_each_condition_flags_on_its_own():
    s = signals([0.95, 0.7, 0.95, 0.95, 0.6], rules=["commercial", "commercial", "research",
                                                    "commercial", "commercial"],
                chars=[1000, 1000, 1000, 40, 1000], second=[0.04, 0.2, 0.04, 0.04, 0.35])
    assert ReviewRule().flags(s).tolist() == [False] * 5  # zeros turn conditions off
    assert ReviewRule(min_top=0.8).flags(s).tolist() == [False, True, False, False, True]
    assert ReviewRule(min_margin=0.3).flags(s).tolist() == [False, False, False, False, True]
    assert ReviewRule(disagree_top=0.99).flags(s).tolist() == [False, False, True, False, False]
    assert ReviewRule(min_text_chars=100).flags(s).tolist() == [False, False, False, True, False]


def test_catch_counts_wrong_labels_flagged_and_records_flagged():
    s = signals([0.95, 0.95, 0.7, 0.7])
    truth = ["commercial", "research", "research", "commercial"]  # rows 1 and 2 are wrong
    found = catch(ReviewRule(min_top=0.8), s, truth)
    assert (found.wrong, found.records) == (2, 4)
    assert found.wrong_flagged == 0.5 and found.flagged == 0.5
    assert found.precision_unflagged == 0.5


def test_the_chosen_rule_keeps_to_the_budget_and_catches_most():
    # Ten records; the two wrong ones are the least confident.
    s = signals([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.76, 0.72])
    truth = ["commercial"] * 8 + ["research"] * 2
    rule = choose_rule(s, truth, budget=0.2)
    found = catch(rule, s, truth)
    assert found.wrong_flagged == 1.0 and found.flagged == 0.2
    assert catch(choose_rule(s, truth, budget=0.1), s, truth).flagged <= 0.1


def test_the_curve_keeps_each_budget():
    s = signals([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.76, 0.72])
    truth = ["commercial"] * 8 + ["research"] * 2
    for budget, (_, found) in zip(CURVE_BUDGETS, curve(s, truth)):
        assert found.flagged <= budget


def test_nested_choice_flags_each_publisher_by_a_rule_chosen_on_the_others():
    s = signals([0.99, 0.7, 0.99, 0.7])
    truth = ["commercial", "research", "commercial", "research"]
    found, chosen = nested_choice(s, truth, ["p", "p", "q", "q"], budget=0.5)
    assert set(chosen) == {"p", "q"}
    assert found.wrong_flagged == 1.0 and found.flagged == 0.5


def test_an_older_card_keeps_its_threshold_as_the_rule():
    assert rule_from_card({"threshold": 0.7}) == ReviewRule(min_top=0.7)
    card = {"threshold": 0.9, "review_rule": {"min_top": 0.9, "min_margin": 0.2,
                                             "describe": "text for people"}}
    assert rule_from_card(card) == ReviewRule(min_top=0.9, min_margin=0.2)


def test_signals_read_the_keyword_label_and_text_length_from_the_features():
    fields = [Fields(organisation="Experian Ltd", purpose="Mosaic profiles sold to clients."),
              Fields(organisation="University of Leeds", purpose="A cohort study.")]
    matrix = feature_matrix(fields, [Entities(), Entities()])
    found = signals_from_features(np.zeros((2, 3)), matrix)
    assert found.rule_labels.tolist() == [keyword_label(f) for f in fields]
    assert found.text_chars.tolist() == [len("Mosaic profiles sold to clients."),
                                         len("A cohort study.")]


# --- the rule in the enricher ------------------------------------------------------------


@pytest.fixture(scope="module")
def model() -> PurposeModel:
    return load_purpose_model(None)


def test_the_active_model_flags_by_its_cards_rule(model):
    card = json.loads((active_dir(DEFAULT_MODELS_DIR, "purpose") / "card.json").read_text())
    assert model.rule == rule_from_card(card) and "review_rule" in card
    fields = [Fields(organisation="University of Leeds", purpose="A cohort study."),
              Fields(organisation="Somebody", purpose="Data for a project.")]
    top = model.probabilities(fields, [Entities(), Entities()]).max(axis=1)
    got = [p.needs_review for p in model.predict(fields, [Entities(), Entities()])]
    assert got == [bool(t < model.rule.min_top) for t in top]


def test_the_enricher_flags_where_the_keyword_rules_disagree(model):
    # A company's name makes the keyword rules say commercial; the text reads as research.
    fields = [Fields(organisation="Acme Analytics Ltd",
                     purpose="A cohort study of hip fracture outcomes, published in journals.")]
    (purpose,) = model.predict(fields, [Entities()])
    strict = PurposeModel(model.pipeline, model.name, 0.0, ReviewRule(disagree_top=1.01))
    (flagged,) = strict.predict(fields, [Entities()])
    assert keyword_label(fields[0]) == "commercial"
    assert flagged.needs_review is (purpose.label != "commercial")
    assert flagged.label == purpose.label and flagged.scores == purpose.scores


def test_a_register_flagged_commercial_release_is_never_in_doubt(model):
    strict = PurposeModel(model.pipeline, model.name, 0.0, ReviewRule(min_top=1.01))
    (purpose,) = strict.predict([Fields(organisation="X", purpose="y", commercial="Yes")],
                                [Entities()])
    assert purpose.label == "commercial" and purpose.needs_review is False


def test_guideline_v2_product_maker_cues():
    assert product_maker_cue("A Post-Authorisation Safety Study (PASS) of aclidinium")
    assert product_maker_cue("ONS and the study sponsor")
    assert not product_maker_cue("We will pass the results to the ema team")  # lower case
    assert keyword_label(Fields(purpose="Post-authorisation safety study of drug X")) \
        == "commercial"
    # An academic body running such a study may have the company as funder only (rule 4).
    assert keyword_label(Fields(organisation="University of Oxford",
                                purpose="Post-authorisation safety study of drug X")) \
        == "research"


# --- leave one publisher out -------------------------------------------------------------


def example(i, label, publisher, source="double"):
    words = {"commercial": "clients product market", "research": "cohort study publish",
             "commissioning": "invoice validation commissioning"}[label]
    return Example(f"{publisher}-{i}", label, f"org {publisher} {i}", source,
                   (f"{words} {i}", f"org {i}", f"rule_{label}"), publisher)


def test_leave_one_publisher_out_never_trains_on_the_scored_register(monkeypatch):
    truth = [example(i, label, p) for p in ("p1", "p2", "p3")
             for i, label in enumerate(LABELS * 2)]
    weak = [example(i, label, p, "weak") for p in ("p1", "p3") for i, label in enumerate(LABELS)]
    seen: list[set[str]] = []
    real_fit = purpose_train.fit

    def spy(config, examples):
        seen.append({e.publisher for e in examples})
        return real_fit(config, examples)

    monkeypatch.setattr(purpose_train, "fit", spy)
    out = lopo_probabilities(PurposeConfig(C=1.0), truth, weak)
    assert seen == [{"p2", "p3"}, {"p1", "p3"}, {"p1", "p2"}]
    assert out.shape == (len(truth), 3) and np.allclose(out.sum(axis=1), 1.0)


def test_training_set_drops_the_held_out_publishers_training_only_labels():
    weak = [example(0, "research", "p1", "weak"), example(1, "research", "p2", "weak")]
    kept = training_set(PurposeConfig(), [], weak, set(), frozenset({"p1"}))
    assert [e.publisher for e in kept] == ["p2"]


def test_publishers_of_labelled_rows():
    assert publisher_of({"publisher": "cprd"}, "double") == "cprd"
    assert publisher_of({"source": "phe-data-release-register-2017-2020/x.ods"}, "weak") \
        == "phe-odr-2017-2020"
    assert publisher_of({}, "hand") == HAND_PUBLISHER


# --- the label set -------------------------------------------------------------------------


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_double_labels_hold_both_annotations_and_every_disagreement_is_adjudicated():
    rows = _rows(DOUBLE_LABELS)
    # the pool is the union of the parts both annotators have labelled
    pool = {r["id"] for part in DOUBLE.glob("part-*.jsonl")
            if (DOUBLE / f"annotator-a-{part.name}").is_file() for r in _rows(part)}
    assert {r["id"] for r in rows} == pool and len(rows) == len(pool)
    for row in rows:
        a, b = row["annotations"]["a"], row["annotations"]["b"]
        assert row["label"] in LABELS and row["publisher"] and row["source"]
        if a["label"] == b["label"]:
            assert row["adjudication"] is None and row["label"] == a["label"]
        else:
            assert row["adjudication"]["reason"] and row["label"] == row["adjudication"]["label"]
            assert row["uncertain"] is True


def test_the_build_reproduces_the_committed_label_set(tmp_path):
    subprocess.run([sys.executable, str(CORPUS_DIR / "build_double_labels.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "double-labels.jsonl").read_bytes() == DOUBLE_LABELS.read_bytes()
    agreement = (DOUBLE / "agreement.json").read_bytes()
    assert (tmp_path / "agreement.json").read_bytes() == agreement
    found = json.loads(agreement)
    assert 0.9 < found["overall"]["kappa"] <= 1.0 and found["overall"]["n"] == 821 + 260


def test_a_later_part_leaves_the_earlier_parts_labels_as_they_were(tmp_path):
    subprocess.run([sys.executable, str(CORPUS_DIR / "build_double_labels.py"), "--parts", "1",
                    "2", "--out", str(tmp_path)], check=True, capture_output=True)
    earlier = (tmp_path / "double-labels.jsonl").read_bytes()
    assert earlier and DOUBLE_LABELS.read_bytes().startswith(earlier)
    report = json.loads((tmp_path / "agreement.json").read_text())
    assert report["overall"]["n"] == 821 and set(report["per_part"]) == {"part-1", "part-2"}


def test_the_card_names_the_label_sets_digest():
    card = json.loads((active_dir(DEFAULT_MODELS_DIR, "purpose") / "card.json").read_text())
    label_set = card["training_data"]["label_set"]
    assert label_set["sha256"] == hashlib.sha256(DOUBLE_LABELS.read_bytes()).hexdigest()
    assert card["metrics"]["leave_one_publisher_out"]["per_publisher"]


def test_the_double_labels_are_truth_and_their_frozen_organisations_never_train():
    corpus = load_corpus()
    assert len(corpus.truth) == len(corpus.hand) + len(corpus.double) == 145 + 821 + 260
    assert {e.publisher for e in corpus.hand} == {HAND_PUBLISHER}
    known = {(e.features[0], e.features[1]) for e in corpus.truth}
    assert not [e for e in corpus.weak if (e.features[0], e.features[1]) in known]
    # The config is the one the card holds.
    card = json.loads((active_dir(DEFAULT_MODELS_DIR, "purpose") / "card.json").read_text())
    assert replace(PurposeConfig(**card["config"])) == purpose_train.DEFAULT_CONFIG
    assert card["training_data"]["examples"]["double"] < len(corpus.double)
