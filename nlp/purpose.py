"""The purpose classifier at run time: the active model folder, loaded once, scoring batches.

The folder (``models/purpose/vN/``) holds ``model.skops`` (a scikit-learn pipeline over
the strings built in ``nlp.purpose_features``) and ``card.json`` (name, metrics and the
``needs_review`` rule chosen from leave-one-publisher-out predictions, ``nlp.purpose_review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from extract.errors import ModelError
from extract.record import Fields
from models.registry import ModelNotFound, active_dir, read_card
from models.sklearn_io import PURPOSE_TRUSTED_TYPES, load_model
from nlp.purpose_features import FEATURES_VERSION, feature_matrix, register_says_commercial
from nlp.purpose_review import ReviewRule, rule_from_card, signals_from_features
from nlp.record import LABELS, Entities, Purpose, PurposeLabel

KIND = "purpose"
MODEL_FILE = "model.skops"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class PurposeModel:
    """A fitted pipeline with its name and review rule; ``predict`` is pure.

    ``threshold`` alone (a card from before the review rule) flags on the top score only."""

    pipeline: Any
    name: str
    threshold: float
    review: ReviewRule | None = None

    @property
    def rule(self) -> ReviewRule:
        return self.review or ReviewRule(min_top=self.threshold)

    def probabilities(self, fields: Sequence[Fields], entities: Sequence[Entities]) -> np.ndarray:
        """(n, 3) calibrated probabilities, columns in ``LABELS`` order."""
        if not fields:
            return np.zeros((0, len(LABELS)))
        return self._scored(feature_matrix(fields, entities))

    def _scored(self, matrix: np.ndarray) -> np.ndarray:
        # Score each distinct row once: an agreement's rows differ only in the data set.
        distinct: dict[tuple[str, ...], int] = {}
        inverse = np.array([distinct.setdefault(tuple(row), len(distinct)) for row in matrix])
        first_rows = np.unique(inverse, return_index=True)[1]
        raw = self.pipeline.predict_proba(matrix[first_rows])
        order = [list(self.pipeline.classes_).index(label) for label in LABELS]
        return raw[:, order][inverse]

    def predict(self, fields: Sequence[Fields], entities: Sequence[Entities]) -> list[Purpose]:
        if not fields:
            return []
        matrix = feature_matrix(fields, entities)
        probabilities = self._scored(matrix)
        # The review rule reads the keyword label and text length the features already hold.
        doubt = self.rule.flags(signals_from_features(probabilities, matrix))
        return [self._purpose(row, register_says_commercial(f), bool(flag))
                for row, f, flag in zip(probabilities, fields, doubt)]

    def _purpose(self, row: np.ndarray, flagged_commercial: bool,
                 doubt: bool | None = None) -> Purpose:
        """One record's purpose; ``doubt`` is the review rule's verdict (without it, the top
        score against ``threshold``)."""
        if flagged_commercial:
            # The guideline defines a register-flagged release as commercial: the flag
            # settles the label, so the model's scores are replaced, not blended.
            return Purpose(label="commercial", scores=_one_hot("commercial"), model=self.name,
                           needs_review=False)
        scores: dict[PurposeLabel, float] = {
            label: round(float(p), 4) for label, p in zip(LABELS, row)
        }
        best = int(np.argmax(row))
        if doubt is None:
            doubt = bool(row[best] < self.threshold)
        return Purpose(label=LABELS[best], scores=scores, model=self.name, needs_review=doubt)


def _one_hot(label: PurposeLabel) -> dict[PurposeLabel, float]:
    return {other: 1.0 if other == label else 0.0 for other in LABELS}


def load_model_dir(version_dir: Path) -> PurposeModel:
    """One model folder as a ``PurposeModel``; refuses anything skops would not trust."""
    try:
        card = read_card(version_dir)
    except (OSError, ValueError) as error:
        raise ModelError(f"{version_dir}: unreadable model card ({error})") from error
    # Cards from before features were versioned describe version 1 (uncut text).
    if card.get("features_version", 1) != FEATURES_VERSION:
        raise ModelError(f"{version_dir}: built for purpose features version "
                         f"{card.get('features_version', 1)}, this drr computes version "
                         f"{FEATURES_VERSION}; retrain with `drr train purpose`")
    pipeline = load_model(version_dir / MODEL_FILE, PURPOSE_TRUSTED_TYPES)
    if sorted(pipeline.classes_) != sorted(LABELS):
        raise ModelError(f"{version_dir}: model labels {list(pipeline.classes_)} are not {LABELS}")
    try:
        rule = rule_from_card(card)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{version_dir}: unreadable review rule in the card ({error})") from error
    return PurposeModel(pipeline=pipeline, name=card["name"], threshold=float(card["threshold"]),
                        review=rule)


@lru_cache(maxsize=4)
def _load_active(models_dir: Path) -> PurposeModel:
    # Cached so the model is read from disk once per process and folder.
    try:
        return load_model_dir(active_dir(models_dir, KIND))
    except ModelNotFound as error:
        raise ModelError(str(error)) from error


def load_purpose_model(models_dir: Path | None = None) -> PurposeModel:
    """The active purpose model under ``models_dir`` (default: the repo's ``models/``)."""
    return _load_active((models_dir or DEFAULT_MODELS_DIR).resolve())
