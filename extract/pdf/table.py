"""What the table steps pass along: one page as they see it, and the table found."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from extract.pdf.cells import PageRows
from extract.pdf.geometry import PageGeometry
from extract.pdf.lines import Fragment
from extract.pdf.prose import PrintedLine, Unread
from extract.pdf.rows import Align
from extract.profiles import HeaderMatch

NOTHING_UNREAD = Unread((), (), ())


@dataclass(frozen=True)
class PageTable:
    """One page as the table steps see it."""

    geometry: PageGeometry
    edges: tuple[float, ...]
    ruled: bool
    fragments: tuple[Fragment, ...]
    unread: Unread = NOTHING_UNREAD  # lines around the table that are not table
    lines: tuple[PrintedLine, ...] = ()  # every printed line across the page

    @property
    def number(self) -> int:
        return self.geometry.number

    def column(self, index: int) -> list[Fragment]:
        return list(self._columns.get(index, ()))

    @cached_property
    def _columns(self) -> dict[int, list[Fragment]]:
        """Each column's fragments in page order, gathered once: ``column`` is asked for
        hundreds of times a table and was a pass over every fragment each time."""
        columns: dict[int, list[Fragment]] = {}
        for f in self.fragments:
            columns.setdefault(f.column, []).append(f)
        return columns


@dataclass(frozen=True)
class Table:
    match: HeaderMatch
    pages: tuple[PageTable, ...]
    rows: tuple[PageRows, ...]
    pitch: float
    warnings: tuple[str, ...]
    cell_gap: tuple[float, float] | None = None  # gaps seen between lines of one cell
    notices: tuple[str, ...] = ()  # text left unread that casts no doubt on any row
    align: Align = "bottom"  # how unruled cells sit in their rows (``measure_alignment``)
    anchor: int = 0  # the column whose cells mark the rows (``reader.anchor_column``)
