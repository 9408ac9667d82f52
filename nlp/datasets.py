"""Data sets: the registers' many names for one NHS data set, mapped to one canonical entry.

The catalogue (``corpora/catalogue/datasets.json``) lists each data set with its
abbreviations and every alias the registers print, each with where it came from. Here
it becomes spaCy ``SpanRuler`` patterns: long names match case-insensitively (the pattern
keeps its printed case: the tokenizer splits a lower-case "hes" like "he's"), one-word
names and abbreviations only as printed (so "DID" matches, "did" does not), plus token
patterns for the shapes no alias list covers ("HES 2012/13 APC", "APC 2012/13 Final Year
HES"). Matches are written to ``doc.spans["datasets"]`` with the canonical name as the
span's ``id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "corpora" / "catalogue" / "datasets.json"
SPANS_KEY = "datasets"
HES = "Hospital Episode Statistics"

_YEAR = {"TEXT": {"REGEX": r"^(19|20)\d{2}(/\d{2,4})?$"}}
# "Casemix HES 2012/13 APC data" and "APC 2012/13 Final Year HES data": a HES product named
# around a year, which no alias can list.
_HES_PRODUCTS = {
    f"{HES} Admitted Patient Care": ["apc", "inpatient", "inpatients"],
    f"{HES} Outpatients": ["op", "outpatient", "outpatients"],
    f"{HES} Accident and Emergency": ["a&e", "ae"],
}


# "Bespoke Monthly Extract : SUS PbR OP": the kind of extract, then the data set.
_EXTRACT_KIND = re.compile(
    r"^(?:bespoke|standard)(?:\s+monthly)?\s+(?:extract|tabulation)\s*[:;]\s*", re.IGNORECASE
)
_VERSION = re.compile(r"\s+v\d+(?:\.\d+)*\s*$")
_BRACKETED = re.compile(r"\s*\([^)]*\)\s*$")


def dataset_key(name: str) -> str:
    """What two printings of one data set name share: case, punctuation, "&" / "and"."""
    text = name.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9+]+", " ", text).strip()


def _name_variants(name: str) -> list[str]:
    bare = _VERSION.sub("", _EXTRACT_KIND.sub("", name.strip()))
    return [name, bare, _BRACKETED.sub("", bare)]


@dataclass(frozen=True)
class DatasetCatalogue:
    names: dict[str, str]  # printed name or abbreviation -> canonical

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]]) -> DatasetCatalogue:
        names: dict[str, str] = {}
        for entry in entries:
            canonical = entry["canonical"]
            spellings = [canonical, *entry.get("abbreviations", [])]
            spellings += [alias["text"] for alias in entry.get("aliases", [])]
            for spelling in spellings:
                names.setdefault(spelling, canonical)
        return cls(names)

    @classmethod
    def load(cls, path: Path = CATALOGUE_PATH) -> DatasetCatalogue:
        return cls.from_entries(json.loads(path.read_text(encoding="utf-8"))["datasets"])

    def lookup(self, name: str) -> str | None:
        """The canonical data set a whole printed name stands for, if the catalogue knows it."""
        keys = self._keys()
        for candidate in _name_variants(name):
            if dataset_key(candidate) in keys:
                return keys[dataset_key(candidate)]
        return None

    def _keys(self) -> dict[str, str]:
        return {dataset_key(name): canonical for name, canonical in self.names.items()}

    def patterns(self, tokenize: Callable[[str], list[str]]) -> list[dict[str, Any]]:
        """SpanRuler patterns: phrases case-insensitively, single words exactly as printed."""
        patterns: list[dict[str, Any]] = []
        for name, canonical in sorted(self.names.items()):
            if len(name.split()) == 1 or name.isupper():
                tokens = [{"ORTH": word} for word in tokenize(name)]
                patterns.append({"label": "DATASET", "pattern": tokens, "id": canonical})
            else:
                patterns.append({"label": "DATASET", "pattern": name, "id": canonical})
        return patterns + _hes_product_patterns()


def _hes_product_patterns() -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    for canonical, words in _HES_PRODUCTS.items():
        kind = {"LOWER": {"IN": words}}
        hes = {"LOWER": "hes"}
        patterns.append({"label": "DATASET", "pattern": [hes, _YEAR, kind], "id": canonical})
        patterns.append({"label": "DATASET", "id": canonical, "pattern": [
            kind, _YEAR, {"LOWER": {"IN": ["final", "provisional"]}, "OP": "?"},
            {"LOWER": "year", "OP": "?"}, hes,
        ]})
    return patterns


def merge_abbreviations(doc: Doc, spans: list[Span]) -> list[Span]:
    """"Mental Health Services Data Set (MHSDS)" is one mention, not two."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        previous = merged[-1] if merged else None
        if (previous is not None and previous.id == span.id and span.start - previous.end == 1
                and doc[previous.end].text == "(" and span.end < len(doc)
                and doc[span.end].text == ")"):
            merged[-1] = Span(doc, previous.start, span.end + 1, label=span.label, span_id=span.id)
        else:
            merged.append(span)
    return merged
