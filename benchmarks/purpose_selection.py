"""How the purpose model's settings were chosen, and how far to trust the choice.

    python3 benchmarks/purpose_selection.py nested [--calibrations sigmoid,isotonic]
        nested grouped CV of the choice rule (inner 4-fold grouped CV picks the setting with
        the best macro-F1 within 0.005, then the lowest ECE; the outer 5 folds x 3 seeds
        score it): the honest estimate of "choose by CV, then ship" (~10 min with both)
    python3 benchmarks/purpose_selection.py unseen
        each setting fitted on hand + weak labels, scored on the engineer-labelled
        statements of organisations the hand labels lack (training-only labels never
        train while their organisation is scored)
    python3 benchmarks/purpose_selection.py engineer-cv
        grouped CV over the engineer labels themselves, with and without them in training

Figures from these runs are in ``corpora/purpose/README.md`` (features v4 section).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nlp.purpose_train as pt
from nlp.purpose_eval import Scores, score

MARGIN = 0.005


def grid(calibrations: list[str]) -> list[pt.PurposeConfig]:
    return [replace(pt.DEFAULT_CONFIG, calibration=c, meta_weight=m, weak_weight=w,
                    use_reviewer=False)
            for c, m, w in itertools.product(calibrations, (0.5, 1.0), (0.3, 0.5))]


def cv_scores(config: pt.PurposeConfig, hand: list[pt.Example], extra: list[pt.Example],
              seed: int, folds: int) -> Scores:
    out = np.zeros((len(hand), 3))
    for train_index, test_index in pt.grouped_folds(hand, seed, n_splits=folds):
        held = {hand[i].group for i in test_index}
        train = pt.training_set(config, [hand[i] for i in train_index], extra, held)
        out[test_index] = pt.probabilities(pt.fit(config, train), [hand[i] for i in test_index])
    return score([e.label for e in hand], out)


def choose(configs: list[pt.PurposeConfig], hand: list[pt.Example], extra: list[pt.Example],
           seed: int) -> pt.PurposeConfig:
    """The rule: best macro-F1 within MARGIN, then the lowest ECE."""
    scored = [(cv_scores(c, hand, extra, seed, folds=4), c) for c in configs]
    best = max(s.macro_f1 for s, _ in scored)
    return min(((s, c) for s, c in scored if s.macro_f1 >= best - MARGIN),
               key=lambda pair: pair[0].ece)[1]


def nested(calibrations: list[str]) -> None:
    corpus = pt.load_corpus()
    hand, extra, configs = corpus.hand, corpus.extra, grid(calibrations)
    labels = [e.label for e in hand]
    runs = []
    for seed in pt.CV_SEEDS:
        out, picks = np.zeros((len(hand), 3)), []
        for train_index, test_index in pt.grouped_folds(hand, seed):
            inner = [hand[i] for i in train_index]
            config = choose(configs, inner, extra, seed)
            picks.append(f"{config.calibration}/{config.meta_weight}/{config.weak_weight}")
            held = {hand[i].group for i in test_index}
            model = pt.fit(config, pt.training_set(config, inner, extra, held))
            out[test_index] = pt.probabilities(model, [hand[i] for i in test_index])
        runs.append(score(labels, out))
        print(f"seed {seed}: macro-F1 {runs[-1].macro_f1:.3f}, commercial F1 "
              f"{runs[-1].f1['commercial']:.3f}, ECE {runs[-1].ece:.3f}; picked {picks}",
              flush=True)
    print(f"nested CV ({', '.join(calibrations)}): macro-F1 "
          f"{np.mean([r.macro_f1 for r in runs]):.3f}, commercial F1 "
          f"{np.mean([r.f1['commercial'] for r in runs]):.3f}, ECE "
          f"{np.mean([r.ece for r in runs]):.3f}")


def unseen() -> None:
    corpus = pt.load_corpus()
    engineer_groups = {e.group for e in corpus.engineer}
    known = {e.group for e in corpus.hand}
    examples = [e for e in corpus.engineer if e.group not in known]
    for config in grid(["sigmoid", "isotonic"]):
        train = pt.training_set(config, corpus.hand, corpus.weak, engineer_groups)
        result = score([e.label for e in examples],
                       pt.probabilities(pt.fit(config, train), examples))
        print(f"{config.calibration:<9} meta {config.meta_weight} weak {config.weak_weight}: "
              f"n={len(examples)} accuracy {result.accuracy:.3f} macro-F1 "
              f"{result.macro_f1:.3f} commercial F1 {result.f1['commercial']:.3f} "
              f"ECE {result.ece:.3f}", flush=True)


def engineer_cv() -> None:
    corpus = pt.load_corpus()
    engineer = corpus.engineer
    labels = [e.label for e in engineer]
    for use in (False, True):
        config = replace(pt.DEFAULT_CONFIG, use_engineer=use, use_reviewer=False)
        runs = []
        for seed in pt.CV_SEEDS:
            out = np.zeros((len(engineer), 3))
            folds = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
            for train_index, test_index in folds.split(np.zeros(len(engineer)), labels,
                                                       [e.group for e in engineer]):
                held = {engineer[i].group for i in test_index}
                hand = [h for h in corpus.hand if h.group not in held]
                extra = corpus.weak + [engineer[i] for i in train_index]
                model = pt.fit(config, pt.training_set(config, hand, extra, held))
                out[test_index] = pt.probabilities(model, [engineer[i] for i in test_index])
            runs.append(score(labels, out))
        print(f"engineer labels in training: {use!s:<5} macro-F1 "
              f"{np.mean([r.macro_f1 for r in runs]):.3f}, commercial F1 "
              f"{np.mean([r.f1['commercial'] for r in runs]):.3f}, ECE "
              f"{np.mean([r.ece for r in runs]):.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=("nested", "unseen", "engineer-cv"))
    parser.add_argument("--calibrations", default="sigmoid,isotonic")
    args = parser.parse_args()
    if args.check == "nested":
        nested(args.calibrations.split(","))
    elif args.check == "unseen":
        unseen()
    else:
        engineer_cv()


if __name__ == "__main__":
    main()
