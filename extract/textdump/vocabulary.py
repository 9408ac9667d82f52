"""A text-dump layout's columns and vocabulary, from its ``Layout`` value.

The reader knows no register's words: every stage takes a ``Vocabulary`` built from the
layout it is given (``extract/profiles/<layout>.json``: ``columns`` in printed order,
``mergeable`` cells, and ``vocabulary``). ``HSCIC_2014`` is the one layout the shipped
profiles describe for text dumps, and every entry point's default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from extract.layout import Layout, load_layout
from extract.profiles import normalise_header


@dataclass(frozen=True, eq=False)  # one per layout, compared and hashed by identity
class Vocabulary:
    """What a layout's text says about its columns."""

    name: str  # the layout's name, given to every row
    columns: tuple[str, ...]  # the table's fields in printed order
    mergeable: tuple[str, ...]  # fields printed as merged cells spanning rows
    headers: tuple[str, ...]  # every column's header synonyms, normalised
    data_provided_starts: frozenset[str]  # a "data provided" cell opens with one, capitalised
    sensitivities: frozenset[str]  # whole sensitivity values, lower case
    frequencies: tuple[str, ...]  # whole frequency values, as printed
    data_type_openers: tuple[str, ...]  # first words of data types: datasets, extract kinds
    org_endings: frozenset[str]  # last words of organisations: a one-line one ends there
    final_org_words: frozenset[str]  # endings after which an organisation cannot go on
    dataset_tails: frozenset[str]  # words that continue a dataset name, never open a data type
    legal_openers: tuple[str, ...]  # legal bases a wide line may open with
    dataset_terms: Mapping[str, str]  # dataset names in purposes and data types -> one key
    frequency_ends: frozenset[str]  # last characters of the frequencies
    dataset_re: re.Pattern[str]  # any dataset term, as a whole word


@cache
def vocabulary_of(layout: Layout) -> Vocabulary:
    raw = layout.vocabulary
    terms = MappingProxyType(dict(raw["dataset_terms"]))
    return Vocabulary(
        name=layout.name,
        columns=layout.columns,
        mergeable=layout.mergeable,
        headers=tuple(
            normalise_header(name) for names in layout.headers.values() for name in names
        ),
        data_provided_starts=frozenset(raw["data_provided_starts"]),
        sensitivities=frozenset(raw["sensitivities"]),
        frequencies=tuple(raw["frequencies"]),
        data_type_openers=tuple(raw["data_type_openers"]),
        org_endings=frozenset(raw["org_endings"]),
        final_org_words=frozenset(raw["final_org_words"]),
        dataset_tails=frozenset(raw["dataset_tails"]),
        legal_openers=tuple(raw["legal_openers"]),
        dataset_terms=terms,
        frequency_ends=frozenset(value[-1] for value in raw["frequencies"]),
        dataset_re=re.compile(
            r"(?<![\w&])("
            + "|".join(sorted(map(re.escape, terms), key=len, reverse=True))
            + r")(?![\w&])",
            re.IGNORECASE,
        ),
    )


def load_vocabulary(layout: str) -> Vocabulary:
    return vocabulary_of(load_layout(layout))


HSCIC_2014 = load_vocabulary("hscic-2014")  # read once, immutable
TERMINAL = tuple(".:;!?)")
# Sections a legal basis cites after its Act: " – s261(7)", " - s261(1) and s261(2)(b)(ii)".
SECTIONS = re.compile(r" [–-] s\d+[0-9a-z()]*(?: and s\d+[0-9a-z()]*)*")
