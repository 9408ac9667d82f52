"""Layouts as data: what a reader needs to know of one register edition's layout.

A ``Layout`` is built from a profile's JSON: the header profiles in ``extract/profiles``
(whose ``columns`` give the printed order of a table's fields, and, for layouts a text
reader reads, a ``vocabulary`` of the words that tell its cells apart), or a page layout in
``extract/layouts`` (no table: only a vocabulary of labels). Readers take the layout as a
value (``read_text_dump(text, layout=...)``, ``read_register_page(text, layout=...)``)
instead of knowing an edition's words in code, so a new edition of the same kind is a new
JSON file, reviewable in a diff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from extract.profiles import PROFILE_DIR

LAYOUT_DIR = Path(__file__).parent / "layouts"


@dataclass(frozen=True)
class Layout:
    """One edition's layout: its name, its table's fields in printed order, the fields
    printed as merged cells, each field's header as printed (its synonyms), and its vocabulary (lists and maps of words, as in the JSON;
    the keys are the reader's to interpret). Immutable, hashable by name."""

    name: str
    columns: tuple[str, ...] = ()
    mergeable: tuple[str, ...] = ()
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    vocabulary: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:
        return hash(self.name)

    def words(self, key: str) -> tuple[str, ...]:
        """One of the vocabulary's word lists (empty when the layout has none)."""
        return tuple(self.vocabulary.get(key, ()))

    def table(self, key: str) -> Mapping[str, Any]:
        """One of the vocabulary's maps, without its ``about`` note."""
        return MappingProxyType(
            {k: v for k, v in self.vocabulary.get(key, {}).items() if k != "about"}
        )


def layout_from_json(raw: Mapping[str, Any]) -> Layout:
    vocabulary = {k: v for k, v in raw.get("vocabulary", {}).items() if k != "about"}
    return Layout(
        name=raw["name"],
        columns=tuple(raw.get("columns", {})),
        headers=MappingProxyType({f: tuple(names) for f, names in raw.get("columns", {}).items()}),
        mergeable=tuple(raw.get("mergeable", ())),
        vocabulary=MappingProxyType(vocabulary),
    )


@cache
def load_layout(name: str) -> Layout:
    """The layout of that name: a header profile's or a page layout's JSON, read once."""
    for folder in (PROFILE_DIR, LAYOUT_DIR):
        path = folder / f"{name}.json"
        if path.is_file():
            return layout_from_json(json.loads(path.read_text(encoding="utf-8")))
    raise KeyError(f"no layout named {name!r} in {PROFILE_DIR} or {LAYOUT_DIR}")
