"""Save and load scikit-learn models with skops, never pickle.

A model file is data from disk; loading it must not run arbitrary code. ``skops.io.load``
only builds objects whose types it is told to trust, so every loader names its types
explicitly and anything else in the file is refused with ``ModelError`` before loading.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import skops.io as sio

from extract.errors import ModelError

# The types a purpose pipeline is built from (feature union of text vectorisers, a
# calibrated linear model). Anything beyond these in a file is refused.
PURPOSE_TRUSTED_TYPES: tuple[str, ...] = (
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
    "sklearn.utils._bunch.Bunch",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
)


def save_model(model: Any, path: Path) -> None:
    sio.dump(model, path)


def untrusted_types(path: Path, trusted: Iterable[str]) -> list[str]:
    """Types in the file that are neither skops' defaults nor in ``trusted``."""
    allowed = set(trusted)
    return sorted(t for t in sio.get_untrusted_types(file=path) if t not in allowed)


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
