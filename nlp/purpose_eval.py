"""Measuring purpose classifiers: metrics, calibration error and the two baselines.

Everything here is a pure function of labels and probability arrays (columns in
``LABELS`` order), so the same code scores the model, the majority baseline and the
keyword rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from extract.record import Fields
from nlp.purpose_features import keyword_label
from nlp.record import LABELS

ECE_BINS = 10


@dataclass(frozen=True)
class Scores:
    macro_f1: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    ece: float
    accuracy: float
    confusion: list[list[int]]

    def as_dict(self) -> dict[str, object]:
        return {
            "macro_f1": round(self.macro_f1, 4), "accuracy": round(self.accuracy, 4),
            "ece": round(self.ece, 4), "ece_bins": ECE_BINS,
            "precision": _rounded(self.precision), "recall": _rounded(self.recall),
            "f1": _rounded(self.f1), "confusion": self.confusion, "labels": list(LABELS),
        }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 4) for key, value in values.items()}


def expected_calibration_error(
    y_true: Sequence[str], probabilities: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Top-label ECE: |accuracy - confidence| per equal-width confidence bin, count-weighted."""
    confidence = probabilities.max(axis=1)
    predicted = np.asarray(LABELS)[probabilities.argmax(axis=1)]
    correct = predicted == np.asarray(y_true)
    # Bin edges (0, 1/bins], ..., ((bins-1)/bins, 1]; confidence is never below 1/3 here.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            total += members.sum() * abs(correct[members].mean() - confidence[members].mean())
    return float(total / len(confidence))


def score(y_true: Sequence[str], probabilities: np.ndarray) -> Scores:
    predicted = np.asarray(LABELS)[probabilities.argmax(axis=1)]
    labels = list(LABELS)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, predicted, labels=labels, zero_division=0
    )
    return Scores(
        macro_f1=float(f1_score(y_true, predicted, labels=labels, average="macro", zero_division=0)),
        precision=dict(zip(labels, map(float, precision))),
        recall=dict(zip(labels, map(float, recall))),
        f1=dict(zip(labels, map(float, f1))),
        ece=expected_calibration_error(y_true, probabilities),
        accuracy=float(np.mean(predicted == np.asarray(y_true))),
        confusion=confusion_matrix(y_true, predicted, labels=labels).tolist(),
    )


def one_hot(labels: Sequence[str]) -> np.ndarray:
    """Hard predictions as probability rows (confidence 1), for rule-based classifiers."""
    return np.array([[1.0 if label == other else 0.0 for other in LABELS] for label in labels])


@dataclass(frozen=True)
class Threshold:
    value: float
    precision_unflagged: float
    flagged_fraction: float


def review_threshold(
    y_true: Sequence[str], probabilities: np.ndarray, target_precision: float
) -> Threshold:
    """The lowest top-probability threshold whose unflagged records reach the target precision.

    Lowest, so that as few records as possible go to review; if no threshold reaches the
    target, the one with the best unflagged precision is returned (and says so by its value).
    """
    confidence = probabilities.max(axis=1)
    correct = np.asarray(LABELS)[probabilities.argmax(axis=1)] == np.asarray(y_true)
    best = Threshold(1.0, 0.0, 1.0)
    for candidate in np.unique(np.round(confidence, 3)):
        kept = confidence >= candidate
        precision = float(correct[kept].mean())
        found = Threshold(float(candidate), precision, float(1.0 - kept.mean()))
        if precision >= target_precision:
            return found
        if precision > best.precision_unflagged:
            best = found
    return best


def threshold_tradeoff(y_true: Sequence[str], probabilities: np.ndarray,
                       thresholds: Sequence[float]) -> list[Threshold]:
    """Precision on unflagged records and the share flagged, at each given threshold:
    what a team gives up in review time for each step of precision."""
    confidence = probabilities.max(axis=1)
    correct = np.asarray(LABELS)[probabilities.argmax(axis=1)] == np.asarray(y_true)
    rows = []
    for value in thresholds:
        kept = confidence >= value
        precision = float(correct[kept].mean()) if kept.any() else 1.0
        rows.append(Threshold(float(value), precision, float(1.0 - kept.mean())))
    return rows


# --- the keyword-rule baseline: ``nlp.purpose_features.keyword_label`` -----------------


def keyword_probabilities(fields: Sequence[Fields]) -> np.ndarray:
    return one_hot([keyword_label(f) for f in fields])
