"""``drr train`` and ``drr evaluate``: the models, reproducibly from ``corpora/``."""

from __future__ import annotations

import argparse

from workers.settings import Settings

TARGETS = ("purpose", "entities")


def register(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser("train", help="train a model from corpora/ and activate it if it scores no worse")
    train.add_argument("target", choices=TARGETS)
    train.add_argument("--force", action="store_true", help="activate even if it scores worse")
    train.set_defaults(func=run_train)
    evaluate = sub.add_parser("evaluate", help="evaluate a model against its baselines")
    evaluate.add_argument("target", choices=TARGETS)
    evaluate.set_defaults(func=run_evaluate)


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    if args.target == "purpose":
        from nlp.purpose_train import train
    else:
        from nlp.entity_train import train
    print(train(settings.models_dir, force=args.force))
    return 0


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    if args.target == "purpose":
        from nlp.purpose_train import evaluate
    else:
        from nlp.entity_train import evaluate
    print(evaluate(settings.models_dir))
    return 0
