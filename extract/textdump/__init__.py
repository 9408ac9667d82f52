"""Register text dumps (pdfminer / pdftotext output of an HSCIC-2014 register PDF) to rows.

A dump has lost the table: every cell is broken over lines, several cells may share one
line, the header block reappears at page starts, and vertically merged cells
(organisation, purpose) float away from their rows to after the last row they span.
The reader rebuilds the rows as a chain of small pure stages, each a module of this
package and testable alone::

    lines.lines_of -> lines.drop_headers -> anchors.anchor_rows
      -> cells.split_cells (twice: parse.learn in between) -> floating.float_items
      -> reattach.zones -> reattach.assign_zone -> rows.attach_floating -> rows.to_row

``parse.parse_rows`` runs that chain; ``reader`` holds the entry points and the format
check; ``laid_out`` reads layout-preserving dumps; ``model`` the values passed along;
``vocabulary`` the layout's words, read from its profile (``extract/profiles``).

Signals it uses, strongest first: row ids run in sequence (anchors; gaps and restarts
are allowed and warned about); the closed vocabularies of the "data provided",
"sensitivity" and "frequency" columns (they fix where the middle cells are); line
length (the organisation and legal-basis columns are narrow, the purpose column wide);
what the document itself repeats (data types, legal bases and organisations seen whole
elsewhere, the legal column's wrapped width); and, for floating merged cells, which
rows lack an organisation, where the float was found (bottom-aligned merged text sits
at its block's end), the datasets its purpose names, where neighbouring rows differ,
and that a row printing its own purpose has no other.

A layout-preserving dump (`pdftotext -layout`) keeps the columns instead: it is read by
character position when its columns line up down the page and its cells all sit at the
top or all at the bottom of their rows, and refused (``UnknownLayout``) otherwise, since
read as plain lines its cells would mix.

A floating cell is given to rows only where one reading of the text beats every other
by a margin and positive evidence (its position or a dataset it names) backs it, or it
is the last one left; the rows say so in `warnings` and, unless it was the only float
after an unbroken block, `needs_review`. Otherwise the cells stay null with a warning
naming the candidates: nothing is guessed silently.
"""

from extract.textdump.reader import (
    DumpLines,
    looks_like_text_dump,
    prepare_dump,
    read_text_dump,
    sniff_text_dump,
)
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary, vocabulary_of

COLUMNS = HSCIC_2014.columns
LAYOUT = HSCIC_2014.name

__all__ = [
    "COLUMNS",
    "HSCIC_2014",
    "LAYOUT",
    "DumpLines",
    "Vocabulary",
    "looks_like_text_dump",
    "prepare_dump",
    "read_text_dump",
    "sniff_text_dump",
    "vocabulary_of",
]
