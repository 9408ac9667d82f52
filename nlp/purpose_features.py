"""What the purpose classifier reads from a record: three strings per record.

    text          the purpose statement (+ title, benefits, outputs, activities if present)
    organisation  the recipient's name, lower-cased
    meta          space-separated tokens: sector, publisher type, legal basis, datasets

Turning a record into strings happens here, outside the saved pipeline, so the saved
model holds only scikit-learn types (skops can then load it with a short trusted list)
and training and prediction share exactly one path from ``Fields`` to features.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from extract.record import Fields
from nlp.record import Entities

TEXT, ORGANISATION, META = 0, 1, 2
# Statements run to 12,000+ characters; their opening says who and why. Cutting at 1,500
# cost no grouped-CV macro-F1 (0.887 at 1,500, 0.883 uncut) and makes scoring ~8x faster.
MAX_TEXT_CHARS = 1500
# A model is only valid with the features it was trained on: bump this whenever the strings
# built here change, so an older model is refused instead of silently scoring new features.
FEATURES_VERSION = 2

# ``fields.extra`` keys whose text describes the purpose (layouts name them variously:
# "Expected Measurable Benefits", "Processing Activities", "Outputs", ...).
_PURPOSE_EXTRA = re.compile(r"benefit|output|activit|objective|purpose|processing|summary", re.IGNORECASE)

# Legal bases that say something about purpose: s251 / Regulation 5 support research
# and commissioning alike, s42(4) of the Statistics and Registration Service Act is
# research-only, consent-based releases are mostly cohort studies.
_LEGAL = (
    ("legal_s251", re.compile(r"\bs(?:ection)?\s*251\b|\bcag\b|\bpiag\b|\becc\b", re.IGNORECASE)),
    ("legal_s42", re.compile(r"\b42\s*\(4\)|statistics and registration", re.IGNORECASE)),
    ("legal_consent", re.compile(r"\bconsent", re.IGNORECASE)),
    ("legal_hsca", re.compile(r"health and social care act|s261|\b261\b", re.IGNORECASE)),
    ("legal_reg5", re.compile(r"regulation\s*5\b", re.IGNORECASE)),
    ("legal_reg3", re.compile(r"regulation\s*3\b", re.IGNORECASE)),
)
_DATASETS = (
    ("data_hes", re.compile(r"\bhes\b|hospital episode", re.IGNORECASE)),
    ("data_sus", re.compile(r"\bsus\b|secondary uses", re.IGNORECASE)),
    ("data_ons", re.compile(r"\bons\b|mortality|death", re.IGNORECASE)),
    ("data_local_flows", re.compile(r"local provider flows|\bmhsds\b|\biapt\b|\bcsds\b", re.IGNORECASE)),
    ("data_shmi", re.compile(r"\bshmi\b", re.IGNORECASE)),
    ("data_mris", re.compile(r"\bmris\b|demographics", re.IGNORECASE)),
)
_COMMERCIAL_FLAG = re.compile(r"^\s*yes\b", re.IGNORECASE)


def purpose_text(fields: Fields) -> str:
    """All the free text that says what the data is for, joined."""
    parts = [fields.title, fields.purpose]
    parts += [value for key, value in fields.extra.items() if _PURPOSE_EXTRA.search(key)]
    text = " ".join(part.strip() for part in parts if part and part.strip())
    return text[:MAX_TEXT_CHARS]


def sector_of(fields: Fields, entities: Entities) -> str | None:
    """The recipient's sector: from the entity stage when it found one, else by name."""
    for organisation in entities.organisations:
        if organisation.field == "organisation":
            return organisation.sector
    if not fields.organisation:
        return None
    classify = _sector_classifier()
    return None if classify is None else classify(fields.organisation, fields.organisation_type)


def _sector_classifier():  # type: ignore[no-untyped-def]
    # The organisations module belongs to the entity stage and may not exist yet in a
    # given checkout; without it the model simply gets no sector token.
    try:
        from nlp.organisations import classify_sector
    except ImportError:
        return None
    return classify_sector


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def meta_tokens(fields: Fields, sector: str | None) -> str:
    """Categorical evidence as one token string; absent evidence gives no token."""
    tokens = [f"sector_{sector}"] if sector else []
    if fields.organisation_type:
        tokens.append(f"orgtype_{_slug(fields.organisation_type)}")
    legal = fields.legal_basis or ""
    tokens += [name for name, pattern in _LEGAL if pattern.search(legal)]
    data = fields.data_type or ""
    tokens += [name for name, pattern in _DATASETS if pattern.search(data)]
    return " ".join(tokens)


def register_says_commercial(fields: Fields) -> bool:
    """The register's own "For Commercial Purposes" flag reads Yes."""
    return bool(fields.commercial and _COMMERCIAL_FLAG.match(fields.commercial))


def feature_matrix(fields: Sequence[Fields], entities: Sequence[Entities]) -> np.ndarray:
    """An (n, 3) object array of strings: the pipeline's input, one row per record."""
    rows = [
        (purpose_text(f), (f.organisation or "").lower(), meta_tokens(f, sector_of(f, e)))
        for f, e in zip(fields, entities, strict=True)
    ]
    matrix = np.empty((len(rows), 3), dtype=object)
    for index, row in enumerate(rows):
        matrix[index] = row
    return matrix
