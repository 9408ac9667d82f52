"""``drr train purpose`` and ``drr evaluate purpose``: reproducible from ``corpora/purpose/``.

    hand-labelled-2017.jsonl   the truth: 145 statements labelled by two annotators
    frozen-eval.json           ids of the frozen evaluation split (whole organisations)
    weak-labels.jsonl          weak labels from publishers' organisation types (kept apart)
    engineer-labels.jsonl      statements labelled by a drr engineer (kept apart)
    reviewer-corrections.jsonl reviewers' corrections, from `drr corrections export` (kept apart)

Headline metrics come only from hand labels, cross-validated with whole organisations
held out (a register's next edition brings recipients the model never saw). Weak and
engineer labels and reviewers' corrections ("training-only") may be added to the training folds, never to the scored
ones, and never when their organisation is held out: the leakage rule, in
``training_set``. The model that ``train`` activates is fitted without the frozen split
(nor the training-only labels of its organisations), so scoring it there is a true hold-out.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from extract.errors import ModelError
from extract.record import Fields
from models.registry import (
    ModelNotFound,
    activate,
    active_dir,
    active_version,
    new_version_dir,
    versions,
    write_card,
)
from models.sklearn_io import save_model
from nlp.purpose import KIND, MODEL_FILE, load_model_dir
from nlp.purpose_eval import (
    Scores,
    Threshold,
    keyword_probabilities,
    review_threshold,
    score,
    threshold_tradeoff,
)
from nlp.purpose_features import (
    FEATURES_VERSION,
    MAX_TEXT_CHARS,
    META,
    ORGANISATION,
    TEXT,
    feature_matrix,
)
from nlp.record import LABELS, Entities

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpora" / "purpose"
HAND_LABELS = CORPUS_DIR / "hand-labelled-2017.jsonl"
FROZEN_SPLIT = CORPUS_DIR / "frozen-eval.json"
WEAK_LABELS = CORPUS_DIR / "weak-labels.jsonl"
ENGINEER_LABELS = CORPUS_DIR / "engineer-labels.jsonl"
REVIEWER_CORRECTIONS = CORPUS_DIR / "reviewer-corrections.jsonl"
CV_FOLDS = 5
CV_SEEDS = (0, 1, 2)
# Share of unflagged records that must be right; records below the threshold go to review.
TARGET_PRECISION = 0.95
TRADEOFF = (0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class PurposeConfig:
    """Everything that shapes a model; stored in the card so a run can be repeated."""

    C: float = 4.0
    text_ngrams: int = 1
    org_weight: float = 0.5
    meta_weight: float = 0.5
    # Sigmoid, not isotonic. With features v4, isotonic scored higher in grouped CV (macro-F1
    # 0.931 vs 0.922, ECE 0.031 vs 0.035), but on the 131 engineer-labelled statements of
    # organisations the hand labels lack, its scores pile up at 1.0 and are far less
    # honest: ECE 0.091 vs 0.057 (macro-F1 0.860 vs 0.842). Scores are what a reviewer
    # reads on a new register, so they must stay calibrated there.
    calibration: str = "sigmoid"
    use_weak: bool = True
    # 0.5 since features v4: the sigmoid setting with the lowest grouped-CV ECE (0.035; 0.052
    # at 0.3), same macro-F1 at 0.3, 0.5 and meta weight 0.5 or 1.
    weak_weight: float = 0.5
    # Off: they are the one check on organisations and registers the hand labels never saw
    # (`drr evaluate` scores them); training on them would spend it. Features v3 gained
    # nothing from them (0.897 with, 0.906 without; corpora/purpose/README.md).
    use_engineer: bool = False
    engineer_weight: float = 1.0
    # Reviewers' corrections are the loop the architecture closes: what a reviewer fixed
    # trains the next model. Single judgements, so they train and are never scored.
    use_reviewer: bool = True
    reviewer_weight: float = 1.0


DEFAULT_CONFIG = PurposeConfig()


@dataclass(frozen=True)
class Example:
    id: str
    label: str
    group: str
    source: str
    features: tuple[str, str, str]


# --- data -------------------------------------------------------------------------


def hand_fields(row: dict[str, Any]) -> Fields:
    """A labelled statement as the register row it came from (so features match run time)."""
    extra = {
        "Processing Activities": row.get("activities") or "",
        "Expected Outputs": row.get("outputs") or "",
        "Expected Measurable Benefits": row.get("benefits") or "",
    }
    return Fields(
        organisation=row["organisation"], purpose=row.get("objective") or None,
        organisation_type=row.get("organisation_type"), legal_basis=row.get("legal_basis"),
        data_type=row.get("data_type"), extra={k: v for k, v in extra.items() if v},
    )


def example_fields(row: dict[str, Any]) -> Fields:
    """Weak labels store register fields as read; hand labels their own columns."""
    return Fields.model_validate(row["fields"]) if "fields" in row else hand_fields(row)


def organisation_group(name: str) -> str:
    """The grouping key for cross-validation: one group per canonical organisation."""
    try:
        from nlp.organisations import canonical_organisation
    except ImportError:
        return " ".join(name.lower().split())
    return canonical_organisation(name).lower()


_LEGAL_FORM = re.compile(r"\b(limited|ltd|plc|llp|inc|cic|community interest company)\b")


def loose_organisation_key(name: str) -> str:
    """What two names of one body share beyond the canonical name: no case, punctuation,
    leading "the" or legal form ("Genomics England Ltd" is "Genomics England")."""
    try:
        from nlp.organisations import canonical_organisation, organisation_key
    except ImportError:
        return " ".join(_LEGAL_FORM.sub(" ", name.lower()).split())
    return " ".join(_LEGAL_FORM.sub(" ", organisation_key(canonical_organisation(name))).split())


def example_group(row: dict[str, Any]) -> str:
    # A labeller may name the hand-labelled body a statement's recipient is, when the
    # register calls it otherwise (a renamed trust, NHS England (Quarry House), CPRD in MHRA).
    return organisation_group(row.get("same_organisation_as") or row["organisation"])


def load_examples(path: Path, source: str) -> list[Example]:
    return examples_from_rows(_rows(path) if path.is_file() else [], source)


def examples_from_rows(rows: Sequence[dict[str, Any]], source: str) -> list[Example]:
    fields = [example_fields(row) for row in rows]
    matrix = feature_matrix(fields, [Entities() for _ in rows])
    return [
        Example(row["id"], row["label"], example_group(row), source, tuple(features))
        for row, features in zip(rows, matrix)
    ]


def align_groups(extra: Sequence[Example], hand: Sequence[Example],
                 names: dict[str, str]) -> list[Example]:
    """Training-only examples take a hand organisation's group when their names match loosely.

    ``names`` maps example id to organisation name. Without this, "Genomics England Ltd"
    would stay in the training folds while "Genomics England" is scored.
    """
    by_key = {loose_organisation_key(names[e.id]): e.group for e in hand}
    aligned = []
    for e in extra:
        group = by_key.get(loose_organisation_key(names[e.id]), e.group)
        aligned.append(e if group == e.group else replace(e, group=group))
    return aligned


def organisation_names(*paths: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in paths:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line:
                    row = json.loads(line)
                    names[row["id"]] = row["organisation"]
    return names


@dataclass(frozen=True)
class Corpus:
    """Hand labels (the truth) and the training-only labels, groups aligned to the hand's."""

    hand: list[Example]
    weak: list[Example]
    engineer: list[Example]
    reviewer: list[Example] = field(default_factory=list)

    @property
    def extra(self) -> list[Example]:
        """Every training-only example; ``training_set`` picks what a config uses."""
        return [*self.weak, *self.engineer, *self.reviewer]


def load_corpus(hand_path: Path = HAND_LABELS, weak_path: Path = WEAK_LABELS,
                engineer_path: Path = ENGINEER_LABELS,
                reviewer_path: Path = REVIEWER_CORRECTIONS) -> Corpus:
    hand = load_examples(hand_path, "hand")
    names = organisation_names(hand_path, weak_path, engineer_path, reviewer_path)
    weak = align_groups(load_examples(weak_path, "weak"), hand, names)
    engineer = align_groups(load_examples(engineer_path, "engineer"), hand, names)
    reviewer = align_groups(load_corrections(reviewer_path), hand, names)
    return Corpus(hand, weak, engineer, reviewer)


def load_corrections(path: Path) -> list[Example]:
    """Reviewers' corrections, one example per statement and organisation, the latest winning.

    A register repeats an agreement on every data set row (the rows differ only in their
    data set tokens), and a reviewer who corrects each row must not weigh that agreement
    many times; when rows of one statement were given different labels, the correction
    made last is the reviewer's final word, whatever the rows' order in the export.
    """
    rows = sorted(_rows(path) if path.is_file() else [],
                  key=lambda row: (_when(row.get("at")), row["id"]))
    latest: dict[tuple[str, str], Example] = {}
    for example in examples_from_rows(rows, "reviewer"):
        latest[example.features[TEXT], example.features[ORGANISATION]] = example
    return list(latest.values())


def _when(at: str | None) -> datetime:
    # Compared as instants, so offsets written by different servers still order correctly.
    if not at:
        return datetime.min.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def frozen_ids(path: Path = FROZEN_SPLIT) -> set[str]:
    return set(json.loads(path.read_text(encoding="utf-8"))["ids"])


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# --- model --------------------------------------------------------------------------


def build_pipeline(config: PurposeConfig) -> Pipeline:
    features = ColumnTransformer(
        [
            ("text", TfidfVectorizer(ngram_range=(1, config.text_ngrams), min_df=2,
                                     sublinear_tf=True, stop_words="english",
                                     max_features=20000), TEXT),
            ("organisation", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
             ORGANISATION),
            ("meta", CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True), META),
        ],
        transformer_weights={"text": 1.0, "organisation": config.org_weight,
                             "meta": config.meta_weight},
    )
    classifier = LogisticRegression(C=config.C, class_weight="balanced", max_iter=5000)
    calibrated = CalibratedClassifierCV(
        classifier, method=config.calibration,
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
    )
    return Pipeline([("features", features), ("classifier", calibrated)])


def as_matrix(examples: Sequence[Example]) -> np.ndarray:
    matrix = np.empty((len(examples), 3), dtype=object)
    for index, example in enumerate(examples):
        matrix[index] = example.features
    return matrix


def example_weight(config: PurposeConfig, source: str) -> float:
    return {"hand": 1.0, "weak": config.weak_weight, "engineer": config.engineer_weight,
            "reviewer": config.reviewer_weight}[source]


def fit(config: PurposeConfig, examples: Sequence[Example]) -> Pipeline:
    weights = np.array([example_weight(config, e.source) for e in examples])
    pipeline = build_pipeline(config)
    pipeline.fit(as_matrix(examples), [e.label for e in examples],
                 classifier__sample_weight=weights)
    return pipeline


def without_introspection(pipeline: Pipeline) -> Pipeline:
    """Drop the vectorisers' ``stop_words_`` (every term cut by min_df/max_features).

    scikit-learn keeps it only for introspection; it is most of a saved model's size.
    """
    for _, vectoriser, _ in pipeline.named_steps["features"].transformers_:
        if hasattr(vectoriser, "stop_words_"):
            delattr(vectoriser, "stop_words_")
    return pipeline


def probabilities(pipeline: Pipeline, examples: Sequence[Example]) -> np.ndarray:
    raw = pipeline.predict_proba(as_matrix(examples))
    return raw[:, [list(pipeline.classes_).index(label) for label in LABELS]]


def training_set(config: PurposeConfig, hand: Sequence[Example], extra: Sequence[Example],
                 held_out_groups: set[str]) -> list[Example]:
    """Hand labels plus the configured training-only labels of organisations not held out.

    The leakage rule: a training-only label whose organisation is scored must not train.
    """
    used = {"weak": config.use_weak, "engineer": config.use_engineer,
            "reviewer": config.use_reviewer}
    kept = [e for e in extra if used.get(e.source, False) and e.group not in held_out_groups]
    return [*hand, *kept]


# --- cross-validation ---------------------------------------------------------------


def grouped_folds(hand: Sequence[Example], seed: int,
                  n_splits: int = CV_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Label-stratified folds of the hand labels, whole organisations held out."""
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(hand)), [e.label for e in hand],
                            [e.group for e in hand]))


def grouped_cv_probabilities(config: PurposeConfig, hand: Sequence[Example],
                             extra: Sequence[Example], seed: int) -> np.ndarray:
    """Out-of-fold probabilities for every hand label, whole organisations held out."""
    out = np.zeros((len(hand), len(LABELS)))
    for train_index, test_index in grouped_folds(hand, seed):
        test = [hand[i] for i in test_index]
        held_out = {e.group for e in test}
        train = training_set(config, [hand[i] for i in train_index], extra, held_out)
        out[test_index] = probabilities(fit(config, train), test)
    return out


@dataclass(frozen=True)
class CvResult:
    runs: list[Scores]
    pooled: Scores
    oof: np.ndarray

    def summary(self) -> dict[str, Any]:
        macro = [run.macro_f1 for run in self.runs]
        return {
            "macro_f1_mean": round(float(np.mean(macro)), 4),
            "macro_f1_std": round(float(np.std(macro)), 4),
            "commercial_f1_mean": round(float(np.mean([r.f1["commercial"] for r in self.runs])), 4),
            "ece_mean": round(float(np.mean([run.ece for run in self.runs])), 4),
            "pooled": self.pooled.as_dict(),
        }


def cross_validate(config: PurposeConfig, hand: Sequence[Example], extra: Sequence[Example],
                   seeds: Sequence[int] = CV_SEEDS) -> CvResult:
    y = [e.label for e in hand]
    oofs = [grouped_cv_probabilities(config, hand, extra, seed) for seed in seeds]
    stacked = np.vstack(oofs)
    return CvResult([score(y, oof) for oof in oofs], score(y * len(seeds), stacked), stacked)


def majority_probabilities(train_labels: Sequence[str], n: int) -> np.ndarray:
    """The majority baseline: always the commonest label, scored with the class priors."""
    prior = np.array([list(train_labels).count(label) for label in LABELS], dtype=float)
    return np.tile(prior / prior.sum(), (n, 1))


def majority_cv(hand: Sequence[Example], seeds: Sequence[int] = CV_SEEDS) -> list[Scores]:
    labels = [e.label for e in hand]
    runs = []
    for seed in seeds:
        out = np.zeros((len(hand), len(LABELS)))
        for train_index, test_index in grouped_folds(hand, seed):
            out[test_index] = majority_probabilities([labels[i] for i in train_index],
                                                     len(test_index))
        runs.append(score(labels, out))
    return runs


# --- train --------------------------------------------------------------------------


def gazetteer_digest() -> str | None:
    """The sector feature comes from the entity stage's gazetteer: record which one."""
    try:
        from nlp.organisations import GAZETTEER_PATH
    except ImportError:
        return None
    return file_digest(GAZETTEER_PATH)


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "skops": skops.__version__, "numpy": np.__version__, "scipy": scipy.__version__}


def split(hand: Sequence[Example], frozen: set[str]) -> tuple[list[Example], list[Example]]:
    return [e for e in hand if e.id not in frozen], [e for e in hand if e.id in frozen]


def active_frozen_score(models_dir: Path,
                        evaluation: Sequence[Example]) -> tuple[Scores | None, str]:
    """The active model scored on the frozen split now (not trusted from its card)."""
    version = active_version(models_dir, KIND)
    if version is None:
        return None, "no active model"
    try:
        model = load_model_dir(active_dir(models_dir, KIND))
    except (ModelError, ModelNotFound) as error:
        # An active model this drr cannot use is no model to protect.
        return None, f"active {version} unusable ({error})"
    scores = score([e.label for e in evaluation], probabilities(model.pipeline, evaluation))
    return scores, f"active {version}"


def make_card(version: str, config: PurposeConfig, train: Sequence[Example],
              frozen: Scores, cv: CvResult, threshold: Threshold) -> dict[str, Any]:
    counts = {source: sum(e.source == source for e in train)
              for source in ("hand", "weak", "engineer", "reviewer")}
    return {
        "name": f"purpose-logreg {version}", "version": version, "kind": KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE, "format": "skops", "features_version": FEATURES_VERSION,
        "max_text_chars": MAX_TEXT_CHARS,
        "config": asdict(config),
        "training_data": {
            "hand_labels": {"path": "corpora/purpose/hand-labelled-2017.jsonl",
                            "sha256": file_digest(HAND_LABELS)},
            "frozen_split": {"path": "corpora/purpose/frozen-eval.json",
                             "sha256": file_digest(FROZEN_SPLIT)},
            "weak_labels": {"path": "corpora/purpose/weak-labels.jsonl",
                            "sha256": file_digest(WEAK_LABELS) if config.use_weak else None},
            "engineer_labels": {"path": "corpora/purpose/engineer-labels.jsonl",
                                "sha256": file_digest(ENGINEER_LABELS)
                                if config.use_engineer else None},
            "reviewer_corrections": {"path": "corpora/purpose/reviewer-corrections.jsonl",
                                     "sha256": file_digest(REVIEWER_CORRECTIONS)
                                     if config.use_reviewer else None},
            "examples": counts,
            "sector_gazetteer_sha256": gazetteer_digest(),
            "note": "fitted without the frozen evaluation split, and without the training-only "
                    "labels of its organisations",
        },
        "threshold": round(threshold.value, 3),
        "threshold_rule": f"lowest top-probability giving >= {TARGET_PRECISION} precision "
                          "on unflagged grouped-CV predictions of the hand labels",
        "metrics": {
            "frozen_eval": frozen.as_dict(),
            "grouped_cv": {"folds": CV_FOLDS, "seeds": list(CV_SEEDS), **cv.summary()},
            "unflagged_precision_cv": round(threshold.precision_unflagged, 4),
            "flagged_fraction_cv": round(threshold.flagged_fraction, 4),
        },
        "libraries": library_versions(),
    }


def train(models_dir: Path, force: bool = False,
          config: PurposeConfig = DEFAULT_CONFIG) -> str:
    """Fit, score on the frozen split, and activate unless the active model scores better."""
    corpus = load_corpus()
    hand = corpus.hand
    train_part, evaluation = split(hand, frozen_ids())
    cv = cross_validate(config, hand, corpus.extra)
    threshold = review_threshold([e.label for e in hand] * len(cv.runs), cv.oof,
                                 TARGET_PRECISION)
    examples = training_set(config, train_part, corpus.extra, {e.group for e in evaluation})
    pipeline = fit(config, examples)
    candidate = score([e.label for e in evaluation], probabilities(pipeline, evaluation))
    current, current_note = active_frozen_score(models_dir, evaluation)
    version_dir = new_version_dir(models_dir, KIND)
    save_model(without_introspection(pipeline), version_dir / MODEL_FILE)
    write_card(version_dir, make_card(version_dir.name, config, examples, candidate, cv,
                                      threshold))
    load_model_dir(version_dir)  # what was written must load with the trusted types
    return _train_report(models_dir, version_dir.name, candidate, (current, current_note), cv,
                         threshold, force)


def should_activate(candidate: float, current: float | None, force: bool) -> bool:
    """Activate unless the active model scores better on the frozen split (or --force)."""
    return force or current is None or candidate >= current


def decision_line(version: str, candidate: float, active: tuple[Scores | None, str],
                  activated: bool) -> str:
    current, note = active
    if current is None:
        return f"{note}: activated {version}"
    if activated and candidate >= current.macro_f1:
        return (f"activated {version}: frozen-split macro-F1 {candidate:.3f} >= {note} "
                f"{current.macro_f1:.3f}")
    if activated:
        return (f"activated {version} (--force) although it scores worse than {note}: "
                f"{candidate:.3f} < {current.macro_f1:.3f}")
    return (f"kept {note}: {version} scores worse on the frozen split ({candidate:.3f} < "
            f"{current.macro_f1:.3f}); --force overrides")


def _train_report(models_dir: Path, version: str, candidate: Scores,
                  active: tuple[Scores | None, str], cv: CvResult, threshold: Threshold,
                  force: bool) -> str:
    current = active[0]
    current_f1 = None if current is None else current.macro_f1
    activated = should_activate(candidate.macro_f1, current_f1, force)
    if activated:
        activate(models_dir, KIND, version)
    summary = cv.summary()
    return "\n".join([
        (f"trained purpose {version}: frozen-split macro-F1 {candidate.macro_f1:.3f}, "
        f"commercial F1 {candidate.f1['commercial']:.3f}, ECE {candidate.ece:.3f}"),
        (f"grouped CV ({CV_FOLDS} folds x {len(cv.runs)} seeds, hand labels): macro-F1 "
        f"{summary['macro_f1_mean']:.3f} +/- {summary['macro_f1_std']:.3f}, commercial F1 "
        f"{summary['commercial_f1_mean']:.3f}, ECE {summary['ece_mean']:.3f}"),
        (f"needs_review threshold {threshold.value:.3f}: unflagged precision "
        f"{threshold.precision_unflagged:.3f}, {threshold.flagged_fraction:.1%} flagged"),
        decision_line(version, candidate.macro_f1, active, activated),
    ])


# --- evaluate -----------------------------------------------------------------------


def _table(title: str, rows: list[tuple[str, Scores | list[Scores]]]) -> list[str]:
    lines = [title, (f"  {'classifier':<34} {'macro-F1':>12} {'F1 com':>7} {'F1 res':>7} "
                    f"{'F1 cms':>7} {'ECE':>6}")]
    for name, result in rows:
        runs = result if isinstance(result, list) else [result]
        macro = [r.macro_f1 for r in runs]
        f1 = {label: np.mean([r.f1[label] for r in runs]) for label in LABELS}
        lines.append(
            f"  {name:<34} {np.mean(macro):>6.3f}±{np.std(macro):.3f} {f1['commercial']:>7.3f} "
            f"{f1['research']:>7.3f} {f1['commissioning']:>7.3f} "
            f"{np.mean([r.ece for r in runs]):>6.3f}")
    return lines


def _details(name: str, scores: Scores) -> list[str]:
    lines = [f"{name}", f"  {'label':<14} {'precision':>9} {'recall':>7} {'F1':>6}"]
    lines += [f"  {label:<14} {scores.precision[label]:>9.3f} {scores.recall[label]:>7.3f} "
              f"{scores.f1[label]:>6.3f}" for label in LABELS]
    lines.append("  confusion (rows true, columns predicted: " + ", ".join(LABELS) + ")")
    lines += [f"  {label:<14} " + " ".join(f"{n:>5}" for n in row)
              for label, row in zip(LABELS, scores.confusion)]
    return lines


def evaluate(models_dir: Path, config: PurposeConfig = DEFAULT_CONFIG) -> str:
    corpus = load_corpus()
    hand, extra = corpus.hand, corpus.extra
    labels = [e.label for e in hand]
    variants = {
        "logreg, hand labels only": replace(config, use_weak=False, use_engineer=False,
                                            use_reviewer=False),
        f"logreg, + {len(corpus.weak)} weak labels": replace(
            config, use_weak=True, use_engineer=False, use_reviewer=False),
        f"logreg, + {len(corpus.engineer)} engineer labels": replace(
            config, use_weak=False, use_engineer=True, use_reviewer=False),
        "logreg, + weak + engineer labels": replace(config, use_weak=True, use_engineer=True,
                                                    use_reviewer=False),
        f"logreg, + weak + {len(corpus.reviewer)} reviewer corrections": replace(
            config, use_weak=True, use_engineer=False, use_reviewer=True),
    }
    available = {"weak": bool(corpus.weak), "engineer": bool(corpus.engineer),
                 "reviewer": bool(corpus.reviewer)}
    results = {name: cross_validate(variant, hand, extra) for name, variant in variants.items()
               if (variant.use_weak <= available["weak"])
               and (variant.use_engineer <= available["engineer"])
               and (variant.use_reviewer <= available["reviewer"])}
    # Without corrections to use, the chosen config trains exactly as its variant without them.
    effective = config if available["reviewer"] else replace(config, use_reviewer=False)
    chosen = next((results[name] for name, variant in variants.items()
                   if name in results and variant == effective), None)
    chosen = chosen or cross_validate(config, hand, extra)
    fields = [hand_fields(row) for row in _rows(HAND_LABELS)]
    keyword = score(labels, keyword_probabilities(fields))
    rows: list[tuple[str, Scores | list[Scores]]] = [
        ("majority baseline", majority_cv(hand)),
        ("keyword rules (guideline)", keyword),
        *((name, result.runs) for name, result in results.items()),
    ]
    threshold = review_threshold(labels * len(chosen.runs), chosen.oof, TARGET_PRECISION)
    lines = [
        (f"purpose evaluation: {len(hand)} hand-labelled statements, "
        f"{len({e.group for e in hand})} organisations; chosen config {asdict(config)}"),
        (f"grouped CV: StratifiedGroupKFold({CV_FOLDS}) by canonical organisation, seeds "
        f"{list(CV_SEEDS)}; mean±std over seeds; ECE top-label, 10 equal-width bins"),
        leakage_line(corpus),
        *_table("", rows), "",
        *_details("chosen model, pooled out-of-fold predictions over all seeds", chosen.pooled),
        *_error_lines(chosen, _rows(HAND_LABELS)),
        "", *_details("keyword rules", keyword), "",
        (f"needs_review threshold (from these predictions): {threshold.value:.3f} -> precision "
        f"{threshold.precision_unflagged:.3f} on unflagged, {threshold.flagged_fraction:.1%} "
        "flagged"),
        "  other thresholds: " + "; ".join(
            f"{t.value:.2f} -> {t.precision_unflagged:.3f} on unflagged, "
            f"{t.flagged_fraction:.1%} flagged"
            for t in threshold_tradeoff(labels * len(chosen.runs), chosen.oof, TRADEOFF)),
    ]
    return "\n".join(lines + _engineer_lines(config, corpus) + _active_lines(models_dir, hand))


def _error_lines(result: CvResult, rows: Sequence[dict[str, Any]]) -> list[str]:
    """How many out-of-fold errors fall on statements the annotators found borderline."""
    predicted = np.asarray(LABELS)[result.oof.argmax(axis=1)]
    rows = list(rows) * len(result.runs)
    wrong = [(row, p) for row, p in zip(rows, predicted) if p != row["label"]]
    borderline = sum(bool(row.get("uncertain")) or row.get("secondary") == p for row, p in wrong)
    return [(f"  errors: {len(wrong) / len(result.runs):.1f} per run, of which "
             f"{borderline / len(result.runs):.1f} predict the annotators' secondary label or "
             "fall on statements they marked uncertain")]


def held_out_training_only(hand: Sequence[Example], extra: Sequence[Example],
                           seed: int) -> list[int]:
    """Per fold, how many training-only examples the leakage rule keeps out of training."""
    counts = []
    for _, test_index in grouped_folds(hand, seed):
        held_out = {hand[i].group for i in test_index}
        counts.append(sum(e.group in held_out for e in extra))
    return counts


def leakage_line(corpus: Corpus) -> str:
    counts = {source: held_out_training_only(corpus.hand, examples, CV_SEEDS[0])
              for source, examples in (("weak", corpus.weak), ("engineer", corpus.engineer),
                                       ("reviewer", corpus.reviewer))}
    return ("leakage rule: training-only labels of organisations in the scored fold never "
            f"train; seed {CV_SEEDS[0]} leaves out, per fold, "
            + ", ".join(f"{source} {count}" for source, count in counts.items()))


def _engineer_lines(config: PurposeConfig, corpus: Corpus) -> list[str]:
    """A check of the engineer labels against the hand labels: a hand-only model scores them."""
    if not corpus.engineer:
        return []
    hand_only = fit(replace(config, use_weak=False, use_engineer=False), corpus.hand)
    known = {e.group for e in corpus.hand}
    unseen = [e for e in corpus.engineer if e.group not in known]
    lines = ["", (f"engineer labels scored by a model fitted on the {len(corpus.hand)} hand "
                  "labels only (consistency check, not a headline metric)")]
    for name, examples in (("all", corpus.engineer), ("organisations not hand-labelled", unseen)):
        result = score([e.label for e in examples], probabilities(hand_only, examples))
        lines.append(f"  {name:<34} n={len(examples):>3}  accuracy {result.accuracy:.3f}  "
                     f"macro-F1 {result.macro_f1:.3f}  F1 com/res/cms "
                     + "/".join(f"{result.f1[label]:.3f}" for label in LABELS))
    return lines


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _active_lines(models_dir: Path, hand: Sequence[Example]) -> list[str]:
    _, evaluation = split(hand, frozen_ids())
    current, note = active_frozen_score(models_dir, evaluation)
    if current is None:
        return ["", f"frozen split: {note}, nothing to score"]
    version = active_version(models_dir, KIND)
    return ["", *_details(f"active model {version} on the frozen split ({len(evaluation)} "
                          f"statements, organisations unseen in its training)", current),
            f"  macro-F1 {current.macro_f1:.3f}, ECE {current.ece:.3f}",
            f"  versions present: {', '.join(versions(models_dir, KIND))}"]


# --- the frozen split (made once, then committed; never regenerated by train) ------------


def choose_frozen_split(hand: Sequence[Example], seed: int = 2017, parts: int = 4) -> list[str]:
    """One of ``parts`` organisation-grouped, label-stratified folds: about a quarter."""
    folds = StratifiedGroupKFold(n_splits=parts, shuffle=True, random_state=seed)
    _, test_index = next(folds.split(np.zeros(len(hand)), [e.label for e in hand],
                                     [e.group for e in hand]))
    return sorted(hand[i].id for i in test_index)
