"""Save and load scikit-learn models with skops, never pickle.

A model file is data from disk; loading it must not run arbitrary code. ``skops.io.load``
only builds objects whose types it is told to trust, but it trusts most of scikit-learn
by default. drr is stricter: every loader names the exact types its model is built from,
every type named anywhere in the file's schema is checked against that list, and a file
holding anything else is refused with ``ModelError`` before a single object is built.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import skops.io as sio

from extract.errors import ModelError

# The types a purpose pipeline is built from (feature union of text vectorisers, a
# calibrated linear model). Anything beyond these in a file is refused.
PURPOSE_TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.model_selection._split.StratifiedKFold",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
)


def save_model(model: Any, path: Path) -> None:
    # Deflated: the vectorisers' vocabularies are JSON in the schema, most of the size.
    sio.dump(model, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def types_in(path: Path) -> set[str]:
    """Every ``module.Class`` the skops file's schema names, at any depth."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()
    stack: list[object] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node and "__module__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def untrusted_types(path: Path, trusted: Iterable[str]) -> list[str]:
    """Types in the file that are not in ``trusted`` (skops' own defaults do not count)."""
    allowed = set(trusted)
    named = types_in(path) | set(sio.get_untrusted_types(file=path))
    return sorted(t for t in named if t not in allowed)


def load_model(path: Path, trusted: Iterable[str]) -> Any:
    """Load a skops file, refusing it if it holds any type outside ``trusted``."""
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    trusted = tuple(trusted)
    try:
        unexpected = untrusted_types(path, trusted)
    except Exception as error:  # a corrupt or non-skops file: say so, do not crash
        raise ModelError(f"{path}: not a readable skops model file ({error})") from error
    if unexpected:
        raise ModelError(f"{path}: refused to load untrusted types: {', '.join(unexpected)}")
    try:
        return sio.load(path, trusted=list(trusted))
    except Exception as error:
        raise ModelError(f"{path}: could not load model ({error})") from error
