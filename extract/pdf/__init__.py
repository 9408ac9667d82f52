"""PDF registers: every table row rebuilt from the page geometry (see ``reader``)."""

from extract.pdf.reader import read_pdf

__all__ = ["read_pdf"]
