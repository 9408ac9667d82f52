"""Which purpose labels go to review: a rule over signals the model and the features give.

The top probability alone flagged 3% of records, all of them right, on registers the model
had not seen, while its wrong labels scored 0.75-0.95 (issue 14). So the rule reads, per
record, what separates the errors out of distribution:

- ``top``      the calibrated probability of the label given;
- ``margin``   top minus the runner-up: near the guideline's precedence lines two labels
               are both plausible;
- ``disagree`` the keyword rules (the guideline's precedence written as patterns, already
               computed as a feature) give another label than the model;
- ``thin``     the text the model read is short, so the label rests on the organisation.

A record is flagged when any of the rule's conditions holds. The rule's numbers are chosen
(``choose_rule``) on leave-one-publisher-out predictions, so its figures describe publishers
the model never trained on, and they live in the model card beside the model they fit.
Everything here is a pure function of arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nlp.record import LABELS

# At most this share of records may be flagged (issue 14: <= 20%); the rule is chosen a
# little below it, since a new register's share differs from the one it was chosen on.
FLAG_BUDGET = 0.18
TOP_GRID = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9, 0.925)
MARGIN_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
DISAGREE_GRID = (0.0, 0.8, 0.9, 0.95, 1.01)
THIN_GRID = (0, 150, 300)


@dataclass(frozen=True)
class Signals:
    """Per record: probabilities (columns in ``LABELS`` order), keyword label, text length."""

    probabilities: np.ndarray
    rule_labels: np.ndarray
    text_chars: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return np.asarray(LABELS)[self.probabilities.argmax(axis=1)]

    def subset(self, mask: np.ndarray) -> Signals:
        return Signals(self.probabilities[mask], self.rule_labels[mask], self.text_chars[mask])


def signals_from_features(probabilities: np.ndarray, matrix: np.ndarray) -> Signals:
    """Signals from the (n, 3) feature strings: the keyword label is the meta's first token
    (``rule_<label>``, written by ``nlp.purpose_features.meta_tokens``), so nothing is
    computed twice at run time."""
    rule = np.array([str(row[2]).split(" ", 1)[0].removeprefix("rule_") for row in matrix])
    chars = np.array([len(str(row[0])) for row in matrix])
    return Signals(probabilities, rule, chars)


@dataclass(frozen=True)
class ReviewRule:
    """Flag when top < ``min_top``, or top - second < ``min_margin``, or the keyword rules
    disagree and top < ``disagree_top``, or the text is shorter than ``min_text_chars``.
    A zero turns its condition off; a card from before this rule had ``min_top`` only."""

    min_top: float = 0.0
    min_margin: float = 0.0
    disagree_top: float = 0.0
    min_text_chars: int = 0

    def flags(self, signals: Signals) -> np.ndarray:
        ordered = np.sort(signals.probabilities, axis=1)
        top = ordered[:, -1]
        margin = top - ordered[:, -2] if ordered.shape[1] > 1 else top
        disagree = signals.rule_labels != signals.predicted
        return ((top < self.min_top) | (margin < self.min_margin)
                | (disagree & (top < self.disagree_top))
                | (signals.text_chars < self.min_text_chars))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        parts = [f"top < {self.min_top:g}" if self.min_top else "",
                 f"top - second < {self.min_margin:g}" if self.min_margin else "",
                 (f"keyword rules disagree and top < {self.disagree_top:g}"
                  if self.disagree_top else ""),
                 f"text < {self.min_text_chars} chars" if self.min_text_chars else ""]
        return " or ".join(p for p in parts if p) or "never"


def rule_from_card(card: dict[str, Any]) -> ReviewRule:
    """The card's rule; an older card's plain threshold is a rule on the top score alone."""
    found = card.get("review_rule")
    if found:
        return ReviewRule(**{key: found[key] for key in ReviewRule.__dataclass_fields__
                             if key in found})
    return ReviewRule(min_top=float(card["threshold"]))


@dataclass(frozen=True)
class Catch:
    """What a rule does on labelled predictions."""

    wrong_flagged: float  # share of wrong labels flagged (recall of the errors)
    flagged: float        # share of all records flagged
    wrong: int
    records: int
    precision_unflagged: float

    def as_dict(self) -> dict[str, Any]:
        return {"wrong_flagged": round(self.wrong_flagged, 4), "flagged": round(self.flagged, 4),
                "wrong": self.wrong, "records": self.records,
                "precision_unflagged": round(self.precision_unflagged, 4)}


def catch(rule: ReviewRule, signals: Signals, truth: Sequence[str]) -> Catch:
    flagged = rule.flags(signals)
    wrong = signals.predicted != np.asarray(truth)
    kept = ~flagged
    return Catch(
        wrong_flagged=float(flagged[wrong].mean()) if wrong.any() else 1.0,
        flagged=float(flagged.mean()) if len(flagged) else 0.0,
        wrong=int(wrong.sum()), records=len(wrong),
        precision_unflagged=float((~wrong[kept]).mean()) if kept.any() else 1.0,
    )


def candidate_rules() -> list[ReviewRule]:
    return [ReviewRule(*values) for values in
            itertools.product(TOP_GRID, MARGIN_GRID, DISAGREE_GRID, THIN_GRID)]


def choose_rule(signals: Signals, truth: Sequence[str], budget: float = FLAG_BUDGET,
                rules: Sequence[ReviewRule] | None = None) -> ReviewRule:
    """The rule catching the most wrong labels while flagging at most ``budget`` of records;
    among equals, the one flagging fewest (then the simplest, by grid order)."""
    best, best_key = ReviewRule(), (-1.0, 0.0)
    for rule in rules or candidate_rules():
        result = catch(rule, signals, truth)
        if result.flagged > budget:
            continue
        key = (result.wrong_flagged, -result.flagged)
        if key > best_key:
            best, best_key = rule, key
    return best


CURVE_BUDGETS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)


def curve(signals: Signals, truth: Sequence[str],
          budgets: Sequence[float] = CURVE_BUDGETS) -> list[tuple[ReviewRule, Catch]]:
    """The trade-off: for each flag budget (in order), the best rule and what it catches."""
    rules = candidate_rules()
    out = []
    for budget in budgets:
        rule = choose_rule(signals, truth, budget, rules)
        out.append((rule, catch(rule, signals, truth)))
    return out


def top_only_curve(signals: Signals, truth: Sequence[str],
                   thresholds: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
                   ) -> list[tuple[ReviewRule, Catch]]:
    """The old rule (top probability alone) at several thresholds, for comparison."""
    return [(ReviewRule(min_top=t), catch(ReviewRule(min_top=t), signals, truth))
            for t in thresholds]


def nested_choice(signals: Signals, truth: Sequence[str], groups: Sequence[str],
                  budget: float = FLAG_BUDGET) -> tuple[Catch, dict[str, ReviewRule]]:
    """An honest figure for the chosen rule: for each publisher, choose the rule on the
    others' predictions and apply it to that publisher's, pooling what it catches."""
    groups_ = np.asarray(groups)
    truth_ = np.asarray(truth)
    flagged = np.zeros(len(truth_), dtype=bool)
    chosen: dict[str, ReviewRule] = {}
    rules = candidate_rules()
    for group in sorted(set(groups)):
        inside = groups_ == group
        rule = choose_rule(signals.subset(~inside), truth_[~inside], budget, rules)
        chosen[group] = rule
        flagged[inside] = rule.flags(signals.subset(inside))
    wrong = signals.predicted != truth_
    kept = ~flagged
    return Catch(float(flagged[wrong].mean()) if wrong.any() else 1.0, float(flagged.mean()),
                 int(wrong.sum()), len(truth_),
                 float((~wrong[kept]).mean()) if kept.any() else 1.0), chosen
