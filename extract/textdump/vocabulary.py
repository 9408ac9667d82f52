"""The hscic-2014 layout's columns and vocabulary, read from its profile."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from extract.profiles import PROFILE_DIR

LAYOUT = "hscic-2014"
COLUMNS = (
    "row_id",
    "organisation",
    "data_type",
    "data_provided",
    "sensitivity",
    "legal_basis",
    "purpose",
    "frequency",
)
MERGEABLE = ("organisation", "purpose")


@dataclass(frozen=True)
class Vocabulary:
    """What a layout's text says about its columns: the layout profile's ``vocabulary``
    (``extract/profiles/<layout>.json``), so the reader itself knows no register's words."""

    data_provided_starts: frozenset[str]  # a "data provided" cell opens with one, capitalised
    sensitivities: frozenset[str]  # whole sensitivity values, lower case
    frequencies: tuple[str, ...]  # whole frequency values, as printed
    data_type_openers: tuple[str, ...]  # first words of data types: datasets, extract kinds
    org_endings: frozenset[str]  # last words of organisations: a one-line one ends there
    final_org_words: frozenset[str]  # endings after which an organisation cannot go on
    dataset_tails: frozenset[str]  # words that continue a dataset name, never open a data type
    legal_openers: tuple[str, ...]  # legal bases a wide line may open with
    dataset_terms: Mapping[str, str]  # dataset names in purposes and data types -> one key


def load_vocabulary(layout: str) -> Vocabulary:
    raw = json.loads((PROFILE_DIR / f"{layout}.json").read_text(encoding="utf-8"))["vocabulary"]
    return Vocabulary(
        data_provided_starts=frozenset(raw["data_provided_starts"]),
        sensitivities=frozenset(raw["sensitivities"]),
        frequencies=tuple(raw["frequencies"]),
        data_type_openers=tuple(raw["data_type_openers"]),
        org_endings=frozenset(raw["org_endings"]),
        final_org_words=frozenset(raw["final_org_words"]),
        dataset_tails=frozenset(raw["dataset_tails"]),
        legal_openers=tuple(raw["legal_openers"]),
        dataset_terms=MappingProxyType(dict(raw["dataset_terms"])),
    )


VOCABULARY = load_vocabulary(LAYOUT)  # read once, immutable
DATA_PROVIDED_STARTS = VOCABULARY.data_provided_starts
SENSITIVITIES = VOCABULARY.sensitivities
FREQUENCIES = VOCABULARY.frequencies
DATA_TYPE_OPENERS = VOCABULARY.data_type_openers
ORG_ENDINGS = VOCABULARY.org_endings
FINAL_ORG_WORDS = VOCABULARY.final_org_words
DATASET_TAILS = VOCABULARY.dataset_tails
LEGAL_OPENERS = VOCABULARY.legal_openers
DATASET_TERMS = VOCABULARY.dataset_terms
FREQUENCY_ENDS = frozenset(value[-1] for value in FREQUENCIES)
DATASET_RE = re.compile(
    r"(?<![\w&])("
    + "|".join(sorted(map(re.escape, DATASET_TERMS), key=len, reverse=True))
    + r")(?![\w&])",
    re.IGNORECASE,
)
TERMINAL = tuple(".:;!?)")
# Sections a legal basis cites after its Act: " – s261(7)", " - s261(1) and s261(2)(b)(ii)".
SECTIONS = re.compile(r" [–-] s\d+[0-9a-z()]*(?: and s\d+[0-9a-z()]*)*")
