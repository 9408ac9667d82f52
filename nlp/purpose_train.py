"""``drr train purpose`` and ``drr evaluate purpose``: reproducible from ``corpora/purpose/``.

    hand-labelled-2017.jsonl   the truth: 145 statements labelled by two annotators
    double-labels.jsonl        the truth too: 821 statements of 8 other publishers, labelled
                               twice and adjudicated (corpora/purpose/build_double_labels.py)
    frozen-eval.json           ids of the frozen evaluation split (whole organisations)
    weak-labels.jsonl          weak labels from publishers' organisation types (kept apart)
    engineer-labels.jsonl      statements labelled by a drr engineer (kept apart)
    reviewer-corrections.jsonl reviewers' corrections, from `drr corrections export` (kept apart)

Headline metrics come only from the doubly annotated labels (the 145 hand labels of the
2017 register, publisher "nhs-digital-2017", and the 821 double labels), cross-validated
with whole organisations held out (a register's next edition brings recipients the model
never saw) and with whole publishers held out (a register the model never saw at all). Weak and
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
    keyword_probabilities,
    score,
)
from nlp.purpose_features import (
    FEATURES_VERSION,
    MAX_TEXT_CHARS,
    META,
    ORGANISATION,
    TEXT,
    feature_matrix,
)
from nlp.purpose_review import (
    CURVE_BUDGETS,
    FLAG_BUDGET,
    Catch,
    ReviewRule,
    Signals,
    catch,
    choose_rule,
    curve,
    nested_choice,
    signals_from_features,
    top_only_curve,
)
from nlp.record import LABELS, Entities

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpora" / "purpose"
HAND_LABELS = CORPUS_DIR / "hand-labelled-2017.jsonl"
FROZEN_SPLIT = CORPUS_DIR / "frozen-eval.json"
DOUBLE_LABELS = CORPUS_DIR / "double-labels.jsonl"
HAND_PUBLISHER = "nhs-digital-2017"
# Training-only labels name their register file; the publisher is the register's.
_PUBLISHER_OF_SOURCE = (
    ("nhs-digital-release-register-2021", "nhs-digital-2021"),
    ("phe-data-release-register-2014-2018", "phe-odr-2014-2018"),
    ("phe-data-release-register-2017-2020", "phe-odr-2017-2020"),
    ("theysolditanyway", "reformatted-pages"), ("medconfidential-dataregister", "reformatted-pages"),
    ("goodtreswork", "reformatted-pages"),
)
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
    # 0.25 since v7 (0.5 before): CPRD, SLaM CRIS and ALSPAC name no recipient, and a model
    # leaning on names learns less from the statement; leave-one-publisher-out macro-F1 0.819
    # -> 0.839 (commercial F1 0.615 -> 0.667) with features v6, engineer labels 0.870 -> 0.880.
    # Chosen on that LOPO figure among 0.1 / 0.25 / 0.5 / 1, so it is not a blind estimate.
    org_weight: float = 0.25
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
    # The register edition a statement comes from: leave-one-publisher-out holds each out.
    publisher: str = HAND_PUBLISHER


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
    # CPRD, SLaM CRIS and ALSPAC name no recipient: each statement is its own group.
    name = row.get("same_organisation_as") or row.get("organisation")
    return organisation_group(name) if name else f"statement {row['id']}"


def publisher_of(row: dict[str, Any], source: str) -> str:
    """The register a labelled row comes from (the hand labels are the 2017 edition)."""
    if row.get("publisher"):
        return str(row["publisher"])
    origin = str(row.get("source") or "")
    for prefix, publisher in _PUBLISHER_OF_SOURCE:
        if origin.startswith(prefix):
            return publisher
    return HAND_PUBLISHER if source == "hand" else "unknown"


def load_examples(path: Path, source: str) -> list[Example]:
    return examples_from_rows(_rows(path) if path.is_file() else [], source)


def examples_from_rows(rows: Sequence[dict[str, Any]], source: str) -> list[Example]:
    fields = [example_fields(row) for row in rows]
    matrix = feature_matrix(fields, [Entities() for _ in rows])
    return [
        Example(row["id"], row["label"], example_group(row), source, tuple(features),
                publisher_of(row, source))
        for row, features in zip(rows, matrix)
    ]


def align_groups(extra: Sequence[Example], hand: Sequence[Example],
                 names: dict[str, str]) -> list[Example]:
    """Training-only examples take a hand organisation's group when their names match loosely.

    ``names`` maps example id to organisation name. Without this, "Genomics England Ltd"
    would stay in the training folds while "Genomics England" is scored.
    """
    by_key = {loose_organisation_key(names[e.id]): e.group for e in hand if names.get(e.id)}
    aligned = []
    for e in extra:
        name = names.get(e.id)
        group = by_key.get(loose_organisation_key(name), e.group) if name else e.group
        aligned.append(e if group == e.group else replace(e, group=group))
    return aligned


def organisation_names(*paths: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in paths:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line:
                    row = json.loads(line)
                    names[row["id"]] = row.get("organisation") or ""
    return names


@dataclass(frozen=True)
class Corpus:
    """The truth (hand and double labels) and the training-only labels, groups aligned to
    the hand labels'."""

    hand: list[Example]
    weak: list[Example]
    engineer: list[Example]
    reviewer: list[Example] = field(default_factory=list)
    double: list[Example] = field(default_factory=list)

    @property
    def truth(self) -> list[Example]:
        """Every doubly annotated label: what is scored, and trained on outside its fold."""
        return [*self.hand, *self.double]

    @property
    def extra(self) -> list[Example]:
        """Every training-only example; ``training_set`` picks what a config uses."""
        return [*self.weak, *self.engineer, *self.reviewer]


def load_corpus(hand_path: Path = HAND_LABELS, weak_path: Path = WEAK_LABELS,
                engineer_path: Path = ENGINEER_LABELS,
                reviewer_path: Path = REVIEWER_CORRECTIONS,
                double_path: Path = DOUBLE_LABELS) -> Corpus:
    hand = load_examples(hand_path, "hand")
    names = organisation_names(hand_path, weak_path, engineer_path, reviewer_path, double_path)
    double = align_groups(load_examples(double_path, "double"), hand, names)
    truth = [*hand, *double]
    weak = without_truth(align_groups(load_examples(weak_path, "weak"), truth, names), truth)
    engineer = without_truth(align_groups(load_examples(engineer_path, "engineer"), truth, names),
                             truth)
    reviewer = align_groups(load_corrections(reviewer_path), truth, names)
    return Corpus(hand, weak, engineer, reviewer, double)


def without_truth(extra: Sequence[Example], truth: Sequence[Example]) -> list[Example]:
    """Training-only labels of a statement that is also in the truth are dropped: the double
    labels were drawn from the registers the weak labels come from, and the adjudicated label
    is the better one (nor may a weak copy of a scored statement train its own fold)."""
    known = {(e.features[TEXT], e.features[ORGANISATION]) for e in truth}
    return [e for e in extra if (e.features[TEXT], e.features[ORGANISATION]) not in known]


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
    return {"hand": 1.0, "double": 1.0, "weak": config.weak_weight,
            "engineer": config.engineer_weight, "reviewer": config.reviewer_weight}[source]


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
                 held_out_groups: set[str],
                 held_out_publishers: frozenset[str] = frozenset()) -> list[Example]:
    """Truth labels plus the configured training-only labels of organisations not held out.

    The leakage rule: a training-only label whose organisation is scored must not train,
    nor one read from a register (publisher) that is scored.
    """
    used = {"weak": config.use_weak, "engineer": config.use_engineer,
            "reviewer": config.use_reviewer}
    kept = [e for e in extra if used.get(e.source, False) and e.group not in held_out_groups
            and e.publisher not in held_out_publishers]
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


# --- leave one publisher out ------------------------------------------------------------


def publishers(truth: Sequence[Example]) -> list[str]:
    return sorted({e.publisher for e in truth})


def lopo_probabilities(config: PurposeConfig, truth: Sequence[Example],
                       extra: Sequence[Example]) -> np.ndarray:
    """Each publisher's statements scored by a model trained on every other publisher's.

    What a user meets on a register drr never trained on. Training-only labels read from the
    held-out register are left out too; organisations the publishers share stay in training
    (a new register does bring known recipients).
    """
    out = np.zeros((len(truth), len(LABELS)))
    for publisher in publishers(truth):
        inside = np.array([e.publisher == publisher for e in truth])
        train = training_set(config, [e for e in truth if e.publisher != publisher], extra,
                             set(), frozenset({publisher}))
        out[inside] = probabilities(fit(config, train), [e for e in truth if e.publisher == publisher])
    return out


@dataclass(frozen=True)
class LopoResult:
    oof: np.ndarray
    pooled: Scores
    per_publisher: dict[str, Scores]
    counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {"pooled": self.pooled.as_dict(),
                "per_publisher": {p: {"n": self.counts[p], "accuracy": round(s.accuracy, 4),
                                      "macro_f1_present": round(present_macro_f1(s), 4),
                                      "f1": {k: round(v, 4) for k, v in s.f1.items()},
                                      "confusion": s.confusion}
                                  for p, s in self.per_publisher.items()}}


def present_macro_f1(scores: Scores) -> float:
    """Macro-F1 over the labels a publisher's truth or predictions use (ALSPAC has no
    commercial statement: its absent class would otherwise count as an F1 of 0)."""
    used = [i for i, label in enumerate(LABELS)
            if sum(scores.confusion[i]) or sum(row[i] for row in scores.confusion)]
    return float(np.mean([scores.f1[LABELS[i]] for i in used])) if used else 0.0


def leave_one_publisher_out(config: PurposeConfig, truth: Sequence[Example],
                            extra: Sequence[Example]) -> LopoResult:
    oof = lopo_probabilities(config, truth, extra)
    labels = np.array([e.label for e in truth])
    where = np.array([e.publisher for e in truth])
    per = {p: score(list(labels[where == p]), oof[where == p]) for p in publishers(truth)}
    return LopoResult(oof, score(list(labels), oof), per,
                      {p: int((where == p).sum()) for p in publishers(truth)})


def review_signals(truth: Sequence[Example], oof: np.ndarray) -> Signals:
    return signals_from_features(oof, as_matrix(truth))


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


def agreement_summary() -> dict[str, Any] | None:
    """Cohen's kappa of the double annotation before adjudication (``agreement.json``)."""
    path = CORPUS_DIR / "double" / "agreement.json"
    if not path.is_file():
        return None
    report = json.loads(path.read_text(encoding="utf-8"))
    return {"kappa": report["overall"]["kappa"],
            "observed_agreement": report["overall"]["observed_agreement"],
            "n": report["overall"]["n"], "adjudicated": report.get("adjudicated"),
            "per_publisher_kappa": {p: r["kappa"] for p, r in report["per_publisher"].items()},
            "note": "both annotators are instances of one language model labelling apart: "
                    "an upper bound on what two people would reach"}


@dataclass(frozen=True)
class Review:
    """The chosen ``needs_review`` rule and what it does out of distribution."""

    rule: ReviewRule
    lopo: Catch
    nested: Catch
    tradeoff: list[tuple[ReviewRule, Catch]]
    top_only: list[tuple[ReviewRule, Catch]]

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.as_dict(), "describe": self.rule.describe(),
                "budget": FLAG_BUDGET, "lopo": self.lopo.as_dict(),
                "nested_lopo": self.nested.as_dict(),
                "curve": [{"budget": b, "rule": r.describe(), **c.as_dict()}
                          for b, (r, c) in zip(CURVE_BUDGETS, self.tradeoff)],
                "top_only": [{"rule": r.describe(), **c.as_dict()} for r, c in self.top_only]}


def choose_review(truth: Sequence[Example], lopo: LopoResult) -> Review:
    """The review rule, chosen on leave-one-publisher-out predictions; ``nested`` is the
    honest figure (each publisher flagged by a rule chosen on the others)."""
    labels = [e.label for e in truth]
    signals = review_signals(truth, lopo.oof)
    rule = choose_rule(signals, labels)
    nested, _ = nested_choice(signals, labels, [e.publisher for e in truth])
    return Review(rule, catch(rule, signals, labels), nested, curve(signals, labels),
                  top_only_curve(signals, labels))


def make_card(version: str, config: PurposeConfig, train: Sequence[Example],
              frozen: Scores, cv: CvResult, lopo: LopoResult, review: Review) -> dict[str, Any]:
    counts = {source: sum(e.source == source for e in train)
              for source in ("hand", "double", "weak", "engineer", "reviewer")}
    return {
        "name": f"purpose-logreg {version}", "version": version, "kind": KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE, "format": "skops", "features_version": FEATURES_VERSION,
        "max_text_chars": MAX_TEXT_CHARS,
        "config": asdict(config),
        "training_data": {
            "label_set": {"path": "corpora/purpose/double-labels.jsonl",
                          "sha256": file_digest(DOUBLE_LABELS),
                          "guideline": "docs/purpose-guideline.md v3",
                          "agreement_before_adjudication": agreement_summary()},
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
        # ``threshold`` stays for readers of older cards: the rule's top-score condition.
        "threshold": round(review.rule.min_top, 3),
        "review_rule": {**review.rule.as_dict(), "describe": review.rule.describe()},
        "threshold_rule": "needs_review rule catching the most wrong labels while flagging at "
                          f"most {FLAG_BUDGET:.0%} of records, on leave-one-publisher-out "
                          "predictions (nlp.purpose_review.choose_rule)",
        "metrics": {
            "frozen_eval": frozen.as_dict(),
            "grouped_cv": {"folds": CV_FOLDS, "seeds": list(CV_SEEDS), **cv.summary()},
            "leave_one_publisher_out": lopo.summary(),
            "needs_review": review.as_dict(),
        },
        "libraries": library_versions(),
    }


def train(models_dir: Path, force: bool = False,
          config: PurposeConfig = DEFAULT_CONFIG) -> str:
    """Fit, score on the frozen split, and activate unless the active model scores better."""
    corpus = load_corpus()
    truth = corpus.truth
    _, evaluation = split(truth, frozen_ids())
    # The frozen split holds whole organisations: their double labels do not train either.
    frozen_groups = {e.group for e in evaluation}
    train_part = [e for e in truth if e not in evaluation and e.group not in frozen_groups]
    cv = cross_validate(config, truth, corpus.extra)
    lopo = leave_one_publisher_out(config, truth, corpus.extra)
    review = choose_review(truth, lopo)
    examples = training_set(config, train_part, corpus.extra, frozen_groups)
    pipeline = fit(config, examples)
    candidate = score([e.label for e in evaluation], probabilities(pipeline, evaluation))
    current, current_note = active_frozen_score(models_dir, evaluation)
    version_dir = new_version_dir(models_dir, KIND)
    save_model(without_introspection(pipeline), version_dir / MODEL_FILE)
    write_card(version_dir, make_card(version_dir.name, config, examples, candidate, cv, lopo,
                                      review))
    load_model_dir(version_dir)  # what was written must load with the trusted types
    return _train_report(models_dir, version_dir.name, candidate, (current, current_note), cv,
                         lopo, review, force)


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
                  active: tuple[Scores | None, str], cv: CvResult, lopo: LopoResult,
                  review: Review, force: bool) -> str:
    current = active[0]
    current_f1 = None if current is None else current.macro_f1
    activated = should_activate(candidate.macro_f1, current_f1, force)
    if activated:
        activate(models_dir, KIND, version)
    summary = cv.summary()
    return "\n".join([
        (f"trained purpose {version}: frozen-split macro-F1 {candidate.macro_f1:.3f}, "
        f"commercial F1 {candidate.f1['commercial']:.3f}, ECE {candidate.ece:.3f}"),
        (f"grouped CV ({CV_FOLDS} folds x {len(cv.runs)} seeds, truth labels): macro-F1 "
        f"{summary['macro_f1_mean']:.3f} +/- {summary['macro_f1_std']:.3f}, commercial F1 "
        f"{summary['commercial_f1_mean']:.3f}, ECE {summary['ece_mean']:.3f}"),
        (f"leave one publisher out: macro-F1 {lopo.pooled.macro_f1:.3f}, commercial F1 "
        f"{lopo.pooled.f1['commercial']:.3f}, ECE {lopo.pooled.ece:.3f}"),
        _review_line(review),
        decision_line(version, candidate.macro_f1, active, activated),
    ])


def _review_line(review: Review) -> str:
    return (f"needs_review: {review.rule.describe()}: out of distribution flags "
            f"{review.lopo.wrong_flagged:.1%} of {review.lopo.wrong} wrong labels and "
            f"{review.lopo.flagged:.1%} of records (rule chosen per publisher on the others: "
            f"{review.nested.wrong_flagged:.1%} of wrong, {review.nested.flagged:.1%} of records)")


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
    truth, extra = corpus.truth, corpus.extra
    labels = [e.label for e in truth]
    effective = config if corpus.reviewer else replace(config, use_reviewer=False)
    variants = {
        "logreg, truth labels only": replace(config, use_weak=False, use_engineer=False,
                                             use_reviewer=False),
        "logreg, chosen config": effective,
    }
    if not corpus.weak:
        variants.pop("logreg, chosen config")
    results = {name: cross_validate(variant, truth, extra) for name, variant in variants.items()}
    lopos = {name: leave_one_publisher_out(variant, truth, extra)
             for name, variant in variants.items()}
    name = list(variants)[-1]
    chosen, chosen_lopo = results[name], lopos[name]
    keyword = keyword_probabilities([example_fields(row) for row in truth_rows()])
    review = choose_review(truth, chosen_lopo)
    lines = [
        (f"purpose evaluation: {len(truth)} doubly annotated statements ({len(corpus.hand)} hand "
         f"labels 2017, {len(corpus.double)} double labels), "
         f"{len({e.group for e in truth})} organisation groups, "
         f"{len(publishers(truth))} publishers; chosen config {asdict(config)}"),
        _agreement_line(),
        (f"grouped CV: StratifiedGroupKFold({CV_FOLDS}) by canonical organisation, seeds "
         f"{list(CV_SEEDS)}; mean±std over seeds; ECE top-label, 10 equal-width bins"),
        leakage_line(corpus),
        *_table("grouped CV", [("majority baseline", majority_cv(truth)),
                               ("keyword rules (guideline v3)", score(labels, keyword)),
                               *((n, r.runs) for n, r in results.items())]),
        "",
        *_table("leave one publisher out (train on the others, score the one; pooled)",
                [("keyword rules (guideline v3)", score(labels, keyword)),
                 *((n, r.pooled) for n, r in lopos.items())]),
        "", *_publisher_table(truth, chosen_lopo, keyword), "",
        *_details("chosen model, leave-one-publisher-out predictions", chosen_lopo.pooled),
        *_error_lines(chosen_lopo.oof[None, ...], truth_rows()),
        "", *_details("chosen model, grouped CV, pooled over all seeds", chosen.pooled),
        "", *_review_lines(review),
    ]
    return "\n".join(lines + _engineer_lines(config, corpus) + _active_lines(models_dir, truth))


def truth_rows() -> list[dict[str, Any]]:
    """The truth labels' rows, in ``Corpus.truth`` order (hand, then double)."""
    return [*_rows(HAND_LABELS), *(_rows(DOUBLE_LABELS) if DOUBLE_LABELS.is_file() else [])]


def _agreement_line() -> str:
    found = agreement_summary()
    if found is None:
        return "double labels: no agreement.json"
    return (f"double labels: Cohen's kappa before adjudication {found['kappa']:.3f} "
            f"(observed agreement {found['observed_agreement']:.3f}, n={found['n']}, "
            f"{found['adjudicated']} adjudicated); {found['note']}")


def _publisher_table(truth: Sequence[Example], lopo: LopoResult,
                     keyword: np.ndarray) -> list[str]:
    """Per publisher: the model trained without it, the keyword rules, and the kappa."""
    kappas = (agreement_summary() or {}).get("per_publisher_kappa", {})
    where = np.array([e.publisher for e in truth])
    labels = np.array([e.label for e in truth])
    lines = ["per publisher (model trained without that publisher)",
             (f"  {'publisher':<20} {'n':>4} {'com/res/cms':>11} {'acc':>6} {'macro':>6} "
              f"{'F1 com':>6} {'F1 res':>6} {'F1 cms':>6} {'rules acc':>9} {'kappa':>6}")]
    for publisher, result in lopo.per_publisher.items():
        inside = where == publisher
        mix = "/".join(str(int((labels[inside] == label).sum())) for label in LABELS)
        rules = score(list(labels[inside]), keyword[inside])
        kappa = kappas.get(publisher)
        lines.append(
            f"  {publisher:<20} {lopo.counts[publisher]:>4} {mix:>11} {result.accuracy:>6.3f} "
            f"{present_macro_f1(result):>6.3f} "
            + " ".join(f"{result.f1[label]:>6.3f}" if (labels[inside] == label).any() else
                       f"{'-':>6}" for label in LABELS)
            + f" {rules.accuracy:>9.3f} {'-' if kappa is None else f'{kappa:.3f}':>6}")
    lines.append("  macro = macro-F1 over the labels present; '-' = no such label in the truth; "
                 "kappa = double annotation (hand labels: 2017 annotators, not recomputed)")
    return lines


def _review_lines(review: Review) -> list[str]:
    lines = ["needs_review out of distribution (leave-one-publisher-out predictions)",
             "  " + _review_line(review),
             f"  {'flag budget / rule':<64} {'wrong flagged':>13} {'records flagged':>15}"]
    for budget, (rule, found) in zip(CURVE_BUDGETS, review.tradeoff):
        lines.append(f"  best flagging <= {budget:.0%}: {rule.describe():<43} "
                     f"{found.wrong_flagged:>13.1%} {found.flagged:>15.1%}")
    for rule, found in review.top_only:
        lines.append(f"  top score only: {rule.describe():<48} {found.wrong_flagged:>13.1%} "
                     f"{found.flagged:>15.1%}")
    return lines


def _error_lines(oof_runs: np.ndarray, rows: Sequence[dict[str, Any]]) -> list[str]:
    """How many errors fall on statements the annotators found borderline."""
    predicted = np.asarray(LABELS)[np.vstack(list(oof_runs)).argmax(axis=1)]
    rows = list(rows) * len(oof_runs)
    wrong = [(row, p) for row, p in zip(rows, predicted) if p != row["label"]]
    borderline = sum(bool(row.get("uncertain")) or row.get("secondary") == p for row, p in wrong)
    return [(f"  errors: {len(wrong) / len(oof_runs):.1f} per run, of which "
             f"{borderline / len(oof_runs):.1f} predict the annotators' secondary label or "
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
    counts = {source: held_out_training_only(corpus.truth, examples, CV_SEEDS[0])
              for source, examples in (("weak", corpus.weak), ("engineer", corpus.engineer),
                                       ("reviewer", corpus.reviewer))}
    return ("leakage rule: training-only labels of organisations in the scored fold (and, "
            "leaving a publisher out, of its register) never train; seed "
            f"{CV_SEEDS[0]} leaves out, per fold, "
            + ", ".join(f"{source} {count}" for source, count in counts.items()))


def _engineer_lines(config: PurposeConfig, corpus: Corpus) -> list[str]:
    """The held-out check: the 156 single-annotated engineer labels, never trained on nor
    tuned on, scored by a model fitted on every truth label."""
    if not corpus.engineer:
        return []
    model = fit(config, training_set(config, corpus.truth, corpus.extra, set()))
    known = {e.group for e in corpus.truth}
    unseen = [e for e in corpus.engineer if e.group not in known]
    lines = ["", (f"engineer labels (single annotation, held out: never trained on) scored by a "
                  f"model fitted on the {len(corpus.truth)} truth labels + training-only labels")]
    for name, examples in (("all", corpus.engineer), ("organisations not in the truth", unseen)):
        result = score([e.label for e in examples], probabilities(model, examples))
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
