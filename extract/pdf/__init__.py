"""PDF registers: every table row rebuilt from the page geometry (see ``reader``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extract.pdf.reader import DEFAULT_LIMITS
from extract.pdf.reader import read_pdf as read_pdf_data

if TYPE_CHECKING:
    from extract.limits import Limits
    from extract.pdf.settings import PdfSettings
    from extract.record import Row

__all__ = ["read_pdf", "read_pdf_data"]


def read_pdf(
    data: bytes, limits: Limits = DEFAULT_LIMITS, settings: PdfSettings | None = None
) -> list[Row]:
    """Every table row of a register PDF as record models (``read_pdf_data`` gives them as
    plain data, without pydantic: ``drr extract``'s path). Raises ``ExtractError``."""
    return [row.to_model() for row in read_pdf_data(data, limits, settings)]
