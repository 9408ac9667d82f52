"""``drr train entities`` and ``drr evaluate entities``, reproducibly from ``corpora/``.

Training: the rule pipeline (``nlp.entities.build_rules_pipeline``) plus a small ``ner``
(hash embeddings, one CNN layer, width 32) trained with a fixed seed on the silver
windows in ``corpora/entities/org-train.jsonl``. The new version is saved with
``nlp.to_disk`` into ``models/entities/vN/`` with a card (training data digest,
metrics, spaCy version) and activated only if its F1 on the hand-checked held-out set
(``corpora/entities/org-heldout.jsonl``) is no worse than the active version's.

Evaluation reports every entity figure the project tracks, each against its baseline:
approval references (seed set, collected set), data set mapping (hand-checked set),
organisation mentions (held-out set; trained ``ner`` vs gazetteer-only rules).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.training import Example
from spacy.util import compounding, fix_random_seed, minibatch

from models.registry import (
    ModelNotFound,
    activate,
    active_dir,
    new_version_dir,
    read_card,
    write_card,
)
from nlp.datasets import CATALOGUE_PATH
from nlp.entities import (
    KIND,
    OrgFinder,
    SpacyEntityExtractor,
    Window,
    build_rules_pipeline,
    gazetteer_finder,
    ner_finder,
)
from nlp.organisations import GAZETTEER_PATH, GazetteerIndex
from nlp.references import find_references

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
ENTITIES = CORPORA / "entities"
TRAIN_PATH = ENTITIES / "org-train.jsonl"
HELDOUT_PATH = ENTITIES / "org-heldout.jsonl"
REFERENCE_SETS = {"seed": ENTITIES / "references-seed.jsonl",
                  "collected": ENTITIES / "references-collected.jsonl"}
DATASETS_TEST = ENTITIES / "datasets-test.jsonl"
SEED = 0
EPOCHS = 10
DROPOUT = 0.1
NER_CONFIG: dict[str, Any] = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 32,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": 32,
            "depth": 1,
            "embed_size": 2000,
            "window_size": 1,
            "maxout_pieces": 2,
            "subword_features": True,
        },
    }
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def to_example(nlp: Language, row: dict[str, Any]) -> Example:
    doc = nlp.make_doc(row["text"])
    spans = [doc.char_span(s, e, label="ORG", alignment_mode="contract") for s, e in row["orgs"]]
    entities = [(s.start_char, s.end_char, "ORG") for s in spans if s is not None and len(s)]
    return Example.from_dict(doc, {"entities": entities})


def train_ner(rows: list[dict[str, Any]], log: Callable[[str], None] = print) -> Language:
    """The rule pipeline plus an ``ner`` trained on the silver windows, seeded."""
    fix_random_seed(SEED)
    nlp = build_rules_pipeline()
    nlp.add_pipe("ner", config=NER_CONFIG)
    examples = [to_example(nlp, row) for row in rows]
    # Language.initialize re-initialises every component, and a SpanRuler's initialize
    # clears its patterns: keep them and put them back.
    ruler = cast(SpanRuler, nlp.get_pipe("dataset_ruler"))
    patterns = ruler.patterns
    optimizer = nlp.initialize(lambda: examples)
    ruler.add_patterns(patterns)
    shuffle = random.Random(SEED)
    with nlp.select_pipes(enable=["ner"]):
        for epoch in range(EPOCHS):
            shuffle.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=compounding(8.0, 64.0, 1.2)):
                nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
            log(f"epoch {epoch + 1}/{EPOCHS}: ner loss {losses.get('ner', 0.0):.1f}")
    return nlp


@dataclass(frozen=True)
class Score:
    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "gold": self.gold, "predicted": self.predicted,
                "true_positives": self.true_positives}


def score_sets(pairs: Iterable[tuple[set[Any], set[Any]]]) -> Score:
    """Micro precision/recall over (predicted, gold) item sets."""
    tp = predicted = gold = 0
    for p, g in pairs:
        tp, predicted, gold = tp + len(p & g), predicted + len(p), gold + len(g)
    return Score(tp, predicted, gold)


def score_organisations(find: OrgFinder, rows: list[dict[str, Any]]) -> Score:
    """Exact-span ORG mentions that overlap each window's candidate, as at run time."""
    windows = [Window(0, r["text"], (r["candidate"][0], r["candidate"][1])) for r in rows]
    found = find(windows)
    return score_sets(
        ({tuple(s) for s in spans}, {tuple(s) for s in r["orgs"] if _overlaps(s, r["candidate"])})
        for spans, r in zip(found, rows)
    )


def _overlaps(span: list[int], candidate: list[int]) -> bool:
    return span[0] < candidate[1] and span[1] > candidate[0]


def score_references(path: Path) -> Score:
    """(scheme, canonical, start, end) of every reference in each hand-checked text."""
    rows = read_jsonl(path)
    return score_sets(
        ({(r.scheme, r.canonical, r.start, r.end) for r in find_references(row["text"])},
         {(g["scheme"], g["canonical"], g["start"], g["end"]) for g in row["references"]})
        for row in rows
    )


def score_datasets(extractor: SpacyEntityExtractor, path: Path) -> dict[str, Any]:
    """Share of hand-checked dataset mentions mapped to the right catalogue entry."""
    from extract.record import Fields

    rows = read_jsonl(path)
    found = extractor.extract_many([Fields(data_type=row["text"]) for row in rows])
    by_source: dict[str, list[int]] = {}
    for row, entities in zip(rows, found):
        predicted = {d.canonical for d in entities.datasets}
        weight = int(row.get("weight", 1))
        hits = sum(1 for g in row["datasets"] if g in predicted)
        tally = by_source.setdefault(row["set"], [0, 0, 0, 0])
        tally[0] += hits
        tally[1] += len(row["datasets"])
        tally[2] += hits * weight
        tally[3] += len(row["datasets"]) * weight
    return {name: {"mentions": t[1], "accuracy": round(t[0] / t[1], 4) if t[1] else 1.0,
                   "weighted_mentions": t[3],
                   "weighted_accuracy": round(t[2] / t[3], 4) if t[3] else 1.0}
            for name, t in sorted(by_source.items())}


def data_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _training_inputs() -> list[Path]:
    return [TRAIN_PATH, GAZETTEER_PATH, CATALOGUE_PATH]


def _heldout_f1(models_dir: Path) -> float | None:
    try:
        return float(read_card(active_dir(models_dir, KIND))["metrics"]["heldout"]["f1"])
    except (ModelNotFound, KeyError, FileNotFoundError):
        return None


def train(models_dir: Path, force: bool = False) -> str:
    """Train, save as a new version, activate it unless it scores worse than the active one."""
    started = time.perf_counter()
    rows = read_jsonl(TRAIN_PATH)
    nlp = train_ner(rows)
    heldout = read_jsonl(HELDOUT_PATH)
    index = GazetteerIndex.load()
    metrics = {
        "heldout": score_organisations(ner_finder(nlp, index), heldout).as_dict(),
        "heldout_ner_only": score_organisations(ner_finder(nlp), heldout).as_dict(),
        "heldout_gazetteer_baseline": score_organisations(gazetteer_finder(index), heldout).as_dict(),
    }
    version_dir = new_version_dir(models_dir, KIND)
    nlp.meta["name"] = f"drr_entities_{version_dir.name}"
    nlp.to_disk(version_dir)
    write_card(version_dir, {
        "name": f"{KIND}-{version_dir.name}",
        "training_data_sha256": data_digest(_training_inputs()),
        "training_files": [str(p.relative_to(CORPORA.parent)) for p in _training_inputs()],
        "training_windows": len(rows),
        "heldout_file": str(HELDOUT_PATH.relative_to(CORPORA.parent)),
        "seed": SEED, "epochs": EPOCHS, "dropout": DROPOUT, "ner_config": NER_CONFIG,
        "metrics": metrics,
        "spacy_version": spacy.__version__,
        "pipeline": nlp.pipe_names,
        "train_seconds": round(time.perf_counter() - started, 1),
    })
    previous = _heldout_f1(models_dir)
    better = previous is None or metrics["heldout"]["f1"] >= previous
    if better or force:
        activate(models_dir, KIND, version_dir.name)
    state = "activated" if better or force else f"not activated (active F1 {previous})"
    return f"{version_dir} {state}\n" + json.dumps(metrics, indent=2)


def evaluate(models_dir: Path) -> str:
    """Every entity figure, for the active model and its rules-only baseline."""
    from nlp.entities import load_entity_extractor

    extractor = load_entity_extractor(models_dir)
    heldout = read_jsonl(HELDOUT_PATH)
    report: dict[str, Any] = {"model": extractor.name}
    report["approval_references"] = {
        name: score_references(path).as_dict() for name, path in REFERENCE_SETS.items()
    }
    report["datasets"] = score_datasets(extractor, DATASETS_TEST)
    report["organisations_heldout"] = {
        "model": score_organisations(extractor.find_organisations, heldout).as_dict(),
        "gazetteer_baseline": score_organisations(
            gazetteer_finder(GazetteerIndex.load()), heldout).as_dict(),
    }
    return json.dumps(report, indent=2)
