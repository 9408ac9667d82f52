"""Every tuning threshold of the PDF reader, in one frozen object (issue 9, item 3).

``read_pdf`` resolves one ``PdfSettings`` (the defaults, or one passed in) and hands it to the
stages. Units: ``pt`` is PDF points; ``size`` is multiples of the font size of the text being
judged (a char's, a line's, or the page's median); ``pitch`` is multiples of the table's line
pitch (baseline to baseline inside one cell, ``rows.line_pitch``); ``share`` is a fraction of
a count; ``count`` is a whole number. A threshold in points that really scales with the text
keeps its value in points (output byte-identical to the constants it replaces) and says so
(``pt kept``).

The values are the ones the reader's modules held as constants and literals before this
object; changing one changes extraction, so each change is measured with
``benchmarks/pdf_snapshot.py`` and ``benchmarks/bench_pdf.py`` like any reader change.
Read from the settings ``read_pdf`` is given: word_gap (lines and columns), overprint,
river_min_gap, river_bridge, river_bin, river_gap_cap, strong_starts, snap (for the ruled
edges only), long_ruling, min_rulings,
header_search_pages, header_touch, header_same_line, band_below (in the header stage only),
same_paragraph, same_size, detached, same_margin, prose_bridge, table_columns, shape_chars,
few_columns, min_rows_seen,
max_anchor_lines, odd_share, part_share, cell_below_band, cell_row_baseline, cell_centred.
The rest
are inventoried here with the values their stage still holds as a module constant or literal
(``tests/test_pdf_settings.py`` holds each remaining constant equal to its default); they move
here stage by stage, each move checked byte-identical with ``benchmarks/pdf_snapshot.py``.
A char's baseline group (within a third of its size, ``size / 3``) stays a literal: it is
geometry, and ``size * (1 / 3)`` differs from it in the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PdfSettings:
    # --- lines.py: chars -> words -> lines
    word_gap: float = 0.2  # size: a gap between letters wider than this is a word space
    overprint: float = 0.1  # size: baselines further apart than this are different lines

    # --- columns.py: rulings and rivers -> column edges
    snap: float = 1.5  # pt: rulings this close are one edge drawn twice (pt kept)
    river_bin: float = 0.25  # pt: resolution of the river histogram
    strong_starts: int = 3  # count: lines starting at one x that make it a column's left edge
    river_min_gap: float = 0.08  # size: a narrower blank strip is not a gap between columns
    river_gap_cap: float = 0.75  # pt: cap on river_min_gap (a table may print at 3 pt)
    river_bridge: float = 0.05  # size: gaps up to this inside a phrase keep it one (not a river)
    long_ruling: float = 0.3  # share: of the tallest vertical ruling, for a ruling to be an edge
    min_rulings: int = 3  # count: vertical rulings needed before rulings give the edges

    # --- rows.py / bands.py: row bands
    block_pitch: float = 1.07  # pitch: a wider baseline gap ends a cell's block
    block_slack: float = 0.05  # pt: added to block_pitch * pitch (rounding of baselines)
    min_line_gap: float = 0.8  # pitch: a closer baseline is not the next line of a cell
    pitch_low: float = 0.9  # size: baseline gaps below this are not a line pitch
    pitch_high: float = 1.6  # size: baseline gaps above this are not a line pitch
    pitch_default: float = 1.2  # size: the pitch when no gap qualifies
    pitch_near: float = 0.03  # share: gaps this close to the lower quartile vote for the pitch
    band_above: float = 0.25  # pitch: a first band's own top above its first line
    band_below: float = 0.3  # pitch: a band's bottom below its last baseline (also header.py)
    rule_over_id: float = 0.7  # pitch: a ruling this far above an id line is over the row
    rule_under: float = 3.0  # pitch: rulings this far under the last band still close it

    # --- header.py: the header band
    header_search_pages: int = 5  # count: pages searched for the header (a cover may come first)
    header_touch: float = 0.03  # size: two header words this close are one word cut by a glyph run
    header_same_line: float = 0.2  # size: header words' baselines this close are one line

    # --- cells.py: fragments -> cells
    cell_below_band: float = 2.0  # pitch: text this far under the last band still belongs to it
    cell_row_baseline: float = 0.2  # pitch: a block's last baseline this close is on the row's line
    cell_part_start: float = 0.25  # pitch: parts of a merged cell starting this close are one
    cell_centred: float = 0.5  # pitch: text this close to a span's middle is centred

    # --- prose.py: the table's end and the notes under it
    same_paragraph: float = 1.6  # size: baselines of two lines of one paragraph
    same_size: float = 0.1  # size: font sizes of two lines of one paragraph differ at most this
    detached: float = 2.0  # size: a wider gap after the table's last line is a blank row
    same_margin: float = 1.0  # pt: lines of a paragraph start this close (pt kept)
    prose_bridge: float = 0.05  # size: as river_bridge, for the phrases of a line
    shape_chars: int = 4  # count: an id's shape is its first few classes ('A-9-' for NIC-12345-...)
    few_columns: int = 2  # count: a line of notes in the table's columns fills at most this many
    min_rows_seen: int = 3  # count: rows that must come before, to learn the ids' shapes from
    table_columns: int = 3  # count: a line with phrases in this many columns is a row, not prose

    # --- reader.py: anchors, ids, the table's pages
    max_anchor_lines: int = 8  # count: an anchor cell of a narrow table may wrap to this many lines
    odd_share: float = 0.8  # share: the ids' commonest shape on this share of rows makes others odd
    part_share: float = 0.4  # share: on this share, only a part of its shape is odd
    rows_ruled: float = 0.8  # share: of inner row cuts a ruling draws: rows ruled
    foot_id_pad: float = 0.25  # size: under the last id, for a band printed from its top
    release_end: float = 0.25  # pitch: ends of releases this close are one end
    broken_word_width: float = 1.02  # share: of the cell's width, over it a line broke a word


DEFAULT_SETTINGS = PdfSettings()  # what read_pdf uses when given none
