"""The values the stages pass along: lines, parsed rows, floating cells, the document's knowledge, and the reader's tunable widths."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from extract.text import join_lines
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary


@dataclass(frozen=True)
class DumpSettings:
    """Tunable widths of the layout, in characters of a dump line."""

    org_max: int = 28  # organisation column: a line this long or shorter may be one
    legal_ratio: float = 0.45  # legal-basis lines are shorter than this share of purpose lines
    max_search: int = 50_000  # readings tried when reattaching floating cells
    max_items: int = 8  # floating cells (or row runs) in one zone worth searching
    max_id_gap: int = 20  # ids a step between neighbouring rows may skip


DEFAULT_SETTINGS = DumpSettings()


class Line(NamedTuple):
    """A dump line or a piece of one. A named tuple, not a frozen dataclass: a dump makes
    thousands (every line, then every cut piece), and a tuple is several times quicker
    to build."""

    no: int  # 1-based line number in the dump
    text: str  # whitespace-collapsed
    page: int = 0  # 0: the dump has no form feeds, so pages are unknown


@dataclass
class ParsedRow:
    row_id: str
    anchor: Line
    cells: dict[str, list[Line]]
    floating: list[Line] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    needs_review: bool = False

    def text(self, name: str) -> str | None:
        return join_lines([line.text for line in self.cells.get(name, [])]) or None


@dataclass(frozen=True)
class Floating:
    """A merged cell found away from its rows: its organisation and/or purpose lines."""

    after: int  # index of the row it was found after
    organisation: tuple[Line, ...] = ()
    purpose: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    """What the document repeats: learned in a first pass, used to split cells in a second."""

    data_types: frozenset[str] = frozenset()
    legal_bases: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    vocab: Vocabulary = HSCIC_2014  # the layout's words the learned ones add to

    # str.startswith takes a tuple of prefixes and tries them all in one call: these are
    # asked of nearly every line of every row, twice.
    @cached_property
    def data_type_starts(self) -> tuple[str, ...]:
        return tuple(self.data_types)

    @cached_property
    def organisation_starts(self) -> tuple[str, ...]:
        return tuple(name + " " for name in self.organisations)

    @cached_property
    def legal_starts(self) -> tuple[str, ...]:
        return tuple(x + " " for x in (*self.vocab.legal_openers, *self.legal_bases))
