"""The committed purpose model and its safe loading: a fresh clone classifies without training."""

import json
import shutil

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from extract.errors import ModelError
from extract.record import Fields
from models.registry import active_dir
from models.sklearn_io import PURPOSE_TRUSTED_TYPES, load_model, save_model
from nlp.purpose import (
    DEFAULT_MODELS_DIR,
    MODEL_FILE,
    PurposeModel,
    load_model_dir,
    load_purpose_model,
)
from nlp.record import LABELS, Entities


@pytest.fixture(scope="module")
def model() -> PurposeModel:
    return load_purpose_model(None)


def predict(model, *fields):
    return model.predict(list(fields), [Entities() for _ in fields])


def test_committed_model_classifies_clear_cases(model):
    research, commissioning, commercial = predict(
        model,
        Fields(organisation="University of Leeds",
               purpose="A prospective cohort study of outcomes after hip fracture; findings "
                       "will be published in peer-reviewed journals."),
        Fields(organisation="NHS Leeds CCG",
               purpose="Invoice validation and risk stratification to support the "
                       "commissioning of local health services."),
        Fields(organisation="Harvey Walsh Ltd",
               purpose="To provide our clients with benchmarking products and market "
                       "insight on hospital activity."),
    )
    assert (research.label, commissioning.label, commercial.label) == (
        "research", "commissioning", "commercial")
    assert research.model == model.name and model.name.startswith("purpose-logreg v")


def test_scores_are_probabilities_over_the_three_labels(model):
    purposes = predict(model, Fields(organisation="Imperial College London", purpose="x"),
                       Fields())
    for purpose in purposes:
        assert set(purpose.scores) == set(LABELS)
        assert sum(purpose.scores.values()) == pytest.approx(1.0, abs=1e-3)
        assert purpose.label == max(purpose.scores, key=purpose.scores.get)


def test_register_commercial_flag_settles_the_label(model):
    (purpose,) = predict(model, Fields(organisation="University of Oxford",
                                       purpose="An epidemiological study.",
                                       commercial="Yes (Academic)"))
    assert purpose.label == "commercial" and purpose.scores["commercial"] == 1.0
    (unflagged,) = predict(model, Fields(organisation="University of Oxford",
                                         purpose="An epidemiological study.", commercial="No"))
    assert unflagged.label == "research"


def test_needs_review_follows_the_threshold(model):
    fields = [Fields(organisation="University of Leeds", purpose="A cohort study.")]
    top = model.probabilities(fields, [Entities()]).max()
    strict = PurposeModel(model.pipeline, model.name, threshold=float(top) + 0.01)
    lenient = PurposeModel(model.pipeline, model.name, threshold=float(top) - 0.01)
    assert strict.predict(fields, [Entities()])[0].needs_review is True
    assert lenient.predict(fields, [Entities()])[0].needs_review is False


def test_empty_batch(model):
    assert model.predict([], []) == []


def test_card_holds_what_a_consumer_needs():
    card = json.loads((active_dir(DEFAULT_MODELS_DIR, "purpose") / "card.json").read_text())
    assert 0.34 < card["threshold"] < 1.0
    assert len(card["training_data"]["hand_labels"]["sha256"]) == 64
    assert {"scikit-learn", "skops", "numpy"} <= set(card["libraries"])
    assert card["metrics"]["grouped_cv"]["pooled"]["labels"] == list(LABELS)


def test_model_file_holds_only_trusted_types():
    path = active_dir(DEFAULT_MODELS_DIR, "purpose") / MODEL_FILE
    assert set(sio.get_untrusted_types(file=path)) <= set(PURPOSE_TRUSTED_TYPES)


def test_untrusted_types_are_refused(tmp_path):
    path = tmp_path / "model.skops"
    save_model(Pipeline([("f", FunctionTransformer(np.log1p))]), path)
    with pytest.raises(ModelError, match="untrusted types"):
        load_model(path, PURPOSE_TRUSTED_TYPES)


def test_pickle_and_junk_are_refused(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(b"\x80\x04\x95junk that is no zip")
    with pytest.raises(ModelError, match="not a readable skops"):
        load_model(path, PURPOSE_TRUSTED_TYPES)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "missing.skops", PURPOSE_TRUSTED_TYPES)


def test_a_model_built_for_other_features_is_refused(tmp_path):
    folder = tmp_path / "v1"
    shutil.copytree(active_dir(DEFAULT_MODELS_DIR, "purpose"), folder)
    card = json.loads((folder / "card.json").read_text())
    card["features_version"] = card["features_version"] + 1
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="features version"):
        load_model_dir(folder)


def test_missing_active_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no active purpose model"):
        load_purpose_model(tmp_path)


class NoEntities:
    def extract_many(self, fields):
        return [Entities() for _ in fields]


def test_enricher_writes_the_models_purpose_into_records(model):
    from nlp.enrich import Enricher

    records = [{"fields": {"organisation": "NHS Leeds CCG",
                           "purpose": "Invoice validation for commissioning."}},
               {"fields": {"organisation": "X"}, "purpose": {"label": "research",
                                                             "source": "reviewer"}}]
    enriched = Enricher(NoEntities(), model).enrich(records)
    assert enriched[0]["purpose"]["label"] == "commissioning"
    assert enriched[0]["purpose"]["model"] == model.name
    assert enriched[1]["purpose"] == {"label": "research", "source": "reviewer"}


def test_repeated_rows_score_as_if_scored_alone(model):
    a = Fields(organisation="NHS Leeds CCG", purpose="Invoice validation", data_type="SUS")
    b = Fields(organisation="University of York", purpose="A cohort study", data_type="HES")
    flagged = a.model_copy(update={"commercial": "Yes"})
    batch = model.probabilities([a, b, a, flagged], [Entities()] * 4)
    alone = [model.probabilities([f], [Entities()])[0] for f in (a, b, a, flagged)]
    assert np.allclose(batch, np.vstack(alone))
