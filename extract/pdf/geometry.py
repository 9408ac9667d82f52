"""What a PDF page is made of, as far as tables go: visible characters and ruling lines.

All coordinates are PDF points from the page's top-left corner (``top`` grows downwards),
as ``CellSpan.bbox`` and pdfplumber use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


class Char(NamedTuple):
    """A tuple, not a frozen dataclass: a register page has thousands of characters, and a
    frozen dataclass's ``__init__`` sets each field through a call (65 ms of the 150-row
    register's reading went to building them). Immutable, compared and hashed by value,
    read by field name, as before."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size in points on the page (after all scaling)
    baseline: float  # distance of the baseline from the page top


@dataclass(frozen=True, slots=True)
class Ruling:
    """A horizontal or vertical line drawn on the page (a stroke or a thin filled box)."""

    orientation: Literal["h", "v"]
    x0: float
    top: float
    x1: float
    bottom: float
    drawn: bool = True  # False: the edge of a filled box (a row's background), no line


@dataclass(frozen=True)
class PageGeometry:
    number: int  # 1-based
    width: float
    height: float
    chars: tuple[Char, ...]
    rulings: tuple[Ruling, ...]
    hidden: tuple[Box, ...] = ()  # boxes of characters drawn outside the clip: invisible

    @property
    def hidden_chars(self) -> int:
        return len(self.hidden)


def union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
