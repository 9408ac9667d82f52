"""``drr train`` and ``drr evaluate``: the models, reproducibly from ``corpora/``."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType

from workers.io import activity
from workers.settings import Settings

TRAINERS = {"purpose": "purpose_train", "entities": "entity_train"}
TARGETS = tuple(TRAINERS)
# Evaluated, not trained: the organisation registry and its sector rules (issue 12).
EVALUATORS = {**TRAINERS, "organisations": "org_eval"}


def register(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser("train", help="train a model from corpora/ and activate it if it scores no worse")
    train.add_argument("target", choices=TARGETS)
    train.add_argument("--force", action="store_true", help="activate even if it scores worse")
    train.set_defaults(func=timed("training", run_train))
    evaluate = sub.add_parser("evaluate", help="evaluate a model against its baselines")
    evaluate.add_argument("target", choices=tuple(EVALUATORS))
    evaluate.set_defaults(func=timed("evaluating", run_evaluate))


Run = Callable[[argparse.Namespace, Settings], int]


def timed(doing: str, run: Run) -> Run:
    """The command with a sign of life on stderr: training and evaluating take a while."""

    def with_progress(args: argparse.Namespace, settings: Settings) -> int:
        with activity(f"{doing} {args.target}"):
            return run(args, settings)

    return with_progress


def trainer(target: str) -> ModuleType:
    """The module that trains and evaluates ``target``; imported on use (spaCy is slow)."""
    return importlib.import_module(f"nlp.{TRAINERS[target]}")


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    print(trainer(args.target).train(settings.models_dir, force=args.force))
    return 0


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    print(importlib.import_module(f"nlp.{EVALUATORS[args.target]}").evaluate(settings.models_dir))
    return 0
