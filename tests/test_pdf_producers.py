"""The PDF reader on registers from other producers, and the steps that read them.

Each step is tested alone on hand-made fragments (how cells sit in their rows, where a
centred row ends, merged cells filled by alignment, a row broken across a page, a column
edge through a word, a header cut into many lines), and the producer PDFs the reader now
reads exactly (``corpora/producers``; the held-out family, ``chromium`` since ``latex``
was opened, is not read here: it is only scored, by ``benchmarks/bench_pdf.py --held-out
chromium``) guard them together.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from test_pdf import squashed_fields

from extract.pdf import read_pdf
from extract.pdf.cells import Cell, PageRows, aligned_cells, fill_centred, fill_downwards
from extract.pdf.header import header_text
from extract.pdf.lines import Fragment
from extract.pdf.reader import broken_word
from extract.pdf.rows import (
    Band,
    bands_from_anchor,
    centred_cut,
    chained_cells,
    measure_alignment,
)
from extract.profiles import known_spelling

PRODUCERS = Path(__file__).resolve().parent.parent / "corpora" / "producers"
PITCH = 10.0


def frag(baseline: float, column: int = 0, text: str = "x", page: int = 1) -> Fragment:
    return Fragment(page, column, baseline, 8.0, (0.0, baseline - 8, 20.0, baseline), text)


def lines(first: float, count: int, column: int = 0) -> list[Fragment]:
    """A cell of ``count`` lines at the pitch from ``first``."""
    return [frag(first + i * PITCH, column) for i in range(count)]


# how cells sit in their rows ----------------------------------------------------------------


def test_alignment_is_the_edge_other_cells_share_with_the_anchor():
    anchor = lines(100, 1) + lines(140, 1) + lines(180, 1)
    top = lines(100, 3, 1) + lines(140, 2, 1) + lines(180, 3, 1)
    bottom = lines(80, 3, 1) + lines(130, 2, 1) + lines(160, 3, 1)
    centred = lines(90, 3, 1) + lines(135, 2, 1) + lines(170, 3, 1)
    assert measure_alignment([(anchor, [top])], PITCH) == "top"
    assert measure_alignment([(anchor, [bottom])], PITCH) == "bottom"
    assert measure_alignment([(anchor, [centred])], PITCH) == "center"


def test_cells_as_tall_as_the_anchors_say_nothing_and_bottom_stays():
    anchor = lines(100, 1) + lines(140, 1)
    others = lines(100, 1, 1) + lines(140, 1, 1)
    assert measure_alignment([(anchor, [others])], PITCH) == "bottom"


def test_top_aligned_rows_start_on_their_ids_first_line():
    anchor = lines(100, 1) + lines(140, 1)
    purpose = lines(100, 3, 1) + lines(140, 4, 1)
    bands = bands_from_anchor(1, anchor, PITCH, "top", [purpose])
    assert [b.start for b in bands] == [100, 140]
    assert bands[0].holds(120) and not bands[0].holds(140)
    assert bands[1].holds(170)  # the last row ends with its longest cell


def test_a_centred_cut_follows_the_lines_mirrored_about_each_middle():
    # row 1 centred on 110 with a 3-line cell (100-120); row 2 on 145, one line high;
    # a 5-line cell of row 2 would reach 125: lines at a regular pitch mirror both ways
    upper = [100.0, 110.0, 120.0]
    lower = [145.0]
    cut = centred_cut(110, 145, [upper + lower], PITCH)
    assert 120 < cut < 145


def test_a_regular_pitch_does_not_fool_the_mirror():
    # rows centred on 164.9 and 185.4; 3-line legal-basis cells in every row, 6.2 apart
    # within a cell and 8 apart between cells, so each line also has a line at its mirror
    # position about the other row's middle; a 5-line purpose centred on the lower row.
    # Only a mirror line of the same run counts: the upper row ends after 171.1.
    legal = [m + d for m in (144.5, 164.9, 185.4, 205.8) for d in (-6.2, 0.0, 6.2)]
    purpose = [185.4 + d for d in (-12.5, -6.2, 0.0, 6.2, 12.5)]
    cut = centred_cut(164.9, 185.4, [legal, purpose], 6.2)
    assert 171.1 < cut < 172.9


def test_centred_cells_with_no_padding_are_told_apart_from_the_runs_start():
    # one run of lines at the pitch through three rows (Writer, no cell padding): the
    # mirror test finds a mirror line both ways for every line; chaining from the run's
    # first line does not: rows centred on 130, 200 and 260 hold 7, 7 and 5 lines
    run = [100.0 + 10 * i for i in range(19)]
    cuts = chained_cells([run], [130.0, 200.0, 260.0], PITCH)
    assert cuts == {0: 165.0, 1: 235.0}


# merged cells by alignment ------------------------------------------------------------------


def cell(rows: list[int], baselines: list[float], column: int = 1) -> Cell:
    return Cell(column, 1, rows, [frag(b, column) for b in baselines])


def test_a_top_aligned_merged_cell_takes_the_blank_rows_below_it():
    filled = fill_downwards([cell([0], [100]), cell([3], [130])], row_count=5)
    assert [c.rows for c in filled] == [[0, 1, 2], [3, 4]]
    assert [c.inferred for c in filled] == [True, True]


def test_a_centred_merged_cell_takes_the_widest_span_that_centres_it():
    extents = [(1, 100.0 + 10 * i, 110.0 + 10 * i) for i in range(6)]  # rows 10 high
    filled = fill_centred([cell([2], [125]), cell([5], [155])], extents, PITCH)
    assert [c.rows for c in filled] == [[0, 1, 2, 3, 4], [5]]


def test_cells_at_the_pitch_are_cut_where_a_release_starts():
    bands = tuple(Band(1, 95 + 20 * i, 115 + 20 * i, None, 100 + 20 * i) for i in range(3))
    rows = PageRows(1, bands, 0)
    purpose = [frag(100 + 10 * i, 1) for i in range(6)]  # one run, 100..150
    merged = aligned_cells(rows, 1, purpose, PITCH, centred=False, releases=frozenset({0}))
    assert [c.rows for c in merged] == [[0, 1, 2]]
    cut = aligned_cells(rows, 1, purpose, PITCH, centred=False, releases=frozenset({0, 1, 2}))
    assert [c.rows for c in cut] == [[0], [1], [2]]


# words, headers ---------------------------------------------------------------------------


def line(text: str, x1: float, baseline: float = 100) -> Fragment:
    return Fragment(1, 0, baseline, 8.0, (0.0, baseline - 8, x1, baseline), text)


def test_a_code_cut_where_its_line_was_full_is_rejoined():
    assert broken_word(line("FILE0118", 40.0), line("943", 15.0, 110), width=42.0)
    # a word and a number, and plain words, are two words however full the line
    assert not broken_word(line("Regulation", 40.0), line("3 (s251)", 30.0, 110), width=42.0)
    assert not broken_word(line("Personally", 40.0), line("identifiable", 40.0, 110), 42.0)
    # a line with room for one more character was not cut
    assert not broken_word(line("FILE01", 24.0), line("18943", 20.0, 110), width=42.0)


def test_a_header_cut_into_many_lines_is_read_by_its_letters():
    cut = [
        "Legal",
        "basis",
        "for the",
        "release",
        "of",
        "person",
        "ally",
        "identifi",
        "able",
        "data",
    ]
    assert header_text(cut) == "legal basis for the release of personally identifiable data"
    assert known_spelling("Organi sation Name") == "organisation name"
    assert known_spelling("Commo n law duty") is None


# producer PDFs the reader now reads exactly ---------------------------------------------------

EXACT = [
    "writer/wri-hscic-grid-top",  # top-aligned grid
    "reportlab/rl-phe-grid-portrait",  # rows broken across page breaks
    "reportlab/rl-nhsd-zebra-noid",  # the header repeated mid-page where a span splits
    "writer/wri-purposes-grid-titled",  # ids cut by a page break in a grid ("DARS-NIC-")
    "latex/tex-nhsd-horizontal",  # no space glyphs; merged values on the first row
    "latex/tex-hscic-none-page1",  # unruled, right-aligned ids, header on page 1 only
    "latex/tex-phe-zebra-band",  # middle-aligned zebra, centred header in a band
    "latex/tex-nhsd-grid-noid",  # grid without row ids, a header band on every page
    "latex/tex-purposes-none-portrait",  # a header's wrapped rest repeated on every page
    "reportlab/rl-purposes-horizontal",  # rules between rows only
    "latex/tex-hscic-grid",  # a grid with no rule at a page's foot: its last row is whole
    "writer/wri-nhsd-horizontal-band",  # centred merged cells and ids cut by page breaks
    # chromium, opened in round 4 (read exactly while it was held out, but the first)
    "chromium/chr-hscic-grid",  # a grid, header repeated, rows broken across pages
    "chromium/chr-nhsd-grid-nosplit",  # a grid, a tall header with words cut
    "chromium/chr-nhsd-header-rule-noid",  # a rule under the header only, no row ids
    "chromium/chr-phe-horizontal-portrait",  # horizontal rules, rows broken across pages
    "chromium/chr-purposes-none-titled",  # no rules, a title above the table
    "chromium/chr-phe-zebra-wrapped",  # a row printed from its top at a page's foot
    # round 5
    "writer/wri-nhsd-grid-nosplit",  # extra columns' header words cut mid-word
]


@cache
def producer_rows(name: str) -> tuple:
    return tuple(read_pdf((PRODUCERS / f"{name}.pdf").read_bytes()))


@pytest.mark.parametrize("name", EXACT)
def test_producer_pdfs_read_exactly(name):
    golden = [json.loads(x) for x in (PRODUCERS / f"{name}.golden.jsonl").read_text().splitlines()]
    got = producer_rows(name)
    assert len(got) == len(golden), "split, lost or invented rows"
    for row, gold in zip(got, golden, strict=True):
        assert squashed_fields(row.fields.model_dump()) == squashed_fields(gold["fields"]), (
            f"row {gold['row_index']}"
        )


def test_debug_page_shows_the_new_evidence():
    from extract.pdf.debug import debug_page
    from extract.pdf.reader import DEFAULT_LIMITS

    broken = (PRODUCERS / "chromium/chr-hscic-grid.pdf").read_bytes()
    assert debug_page(broken, 3, DEFAULT_LIMITS).continued  # row 24 goes on from page 2
    assert not debug_page(broken, 2, DEFAULT_LIMITS).continued
    zebra = debug_page(
        (PRODUCERS / "chromium/chr-nhsd-zebra-band.pdf").read_bytes(), 1, DEFAULT_LIMITS
    )
    assert zebra.align == "center"
    assert any(not r.drawn for r in zebra.rulings)  # the filled rows' edges
    assert zebra.header is not None and zebra.header[1] <= zebra.rows[0][1] + 0.01


def test_the_part_of_a_row_a_page_break_cut_off_gets_a_band_of_its_own():
    from extract.pdf.bands import broken_parts

    rows = [Band(2, float("-inf"), 135.0, None, 110.0), Band(2, 135.0, 170.0, None, 140.0)]
    text = [frag(90, 1), frag(100, 1), frag(110, 0), frag(140, 0)]  # two lines above row 1
    parts = broken_parts(2, rows, text, "top", PITCH, more=True)
    assert [(b.top, b.bottom) for b in parts][:2] == [(float("-inf"), 107.5), (107.5, 135.0)]
    assert broken_parts(2, rows, text[2:], "top", PITCH, more=True) == rows  # nothing above
    # bottom-aligned: the start of a row whose id is overleaf, in two columns (not a footer)
    bottom = [Band(2, float("-inf"), 113.0, 110.0), Band(2, 113.0, 143.0, 140.0)]
    below = [frag(110, 0), frag(140, 0), frag(160, 1), frag(160, 2)]
    assert len(broken_parts(2, bottom, below, "bottom", PITCH, more=True)) == 3
    assert len(broken_parts(2, bottom, below, "bottom", PITCH, more=False)) == 2
    assert len(broken_parts(2, bottom, below[:3], "bottom", PITCH, more=True)) == 2


def test_merged_values_on_their_blocks_first_rows_are_told_by_the_tables_ends():
    from extract.pdf.reader import values_on_first_rows

    def cell(row: int) -> Cell:
        return Cell(1, 1, [row], [frag(100 + 10 * row, 1)])

    fields = ("row_id", "organisation", "purpose")
    ids = [cell(r) for r in range(6)]
    on_top = [cell(0), cell(3)]  # LaTeX: rows 4 and 5 blank at the table's end
    at_foot = [cell(2), cell(5)]  # Calc: rows 0 and 1 blank at the table's start
    assert values_on_first_rows(fields, [ids, on_top, on_top], 6)
    assert not values_on_first_rows(fields, [ids, at_foot, at_foot], 6)
    assert not values_on_first_rows(fields, [ids, ids, ids], 6)  # no evidence: the foot
    assert not values_on_first_rows(fields, [ids, on_top, ids], 6)  # one blank cell: none
    assert not values_on_first_rows(("row_id", "organisation", "x"), [ids, on_top, ids], 6)


def test_a_broken_rows_rest_above_a_rule_over_the_first_id_is_a_band_of_its_own():
    from extract.pdf.bands import continued_part
    from extract.pdf.cells import cut_blocks

    # page 2, bottom-aligned: a line of row 18's purpose (column 2) above the fill edge
    # at 105, then row 19: its cells end on its id's line at 130
    first = Band(2, float("-inf"), 133.0, 130.0)
    columns = [
        [frag(130, 0)],
        [frag(130, 1)],
        [frag(100, 2), frag(110, 2), frag(120, 2), frag(130, 2)],
    ]
    bands = continued_part([first], columns, 0, [105.0], PITCH)
    assert [(b.top, b.bottom) for b in bands] == [(float("-inf"), 105.0), (105.0, 133.0)]
    assert continued_part([first], columns, 0, [], PITCH) == [first]  # no rule: no evidence
    assert continued_part([first], columns, 0, [125.0], PITCH) == [first]  # not over the id
    run = columns[2]
    assert [len(b) for b in cut_blocks([run], [105.0])] == [1, 3]  # the cell starts there


def test_merged_cells_a_page_break_cut_in_a_writer_grid_are_one_value():
    # Writer draws each part of a release's merged cell closed by its rules, the text
    # where it falls: the blank part overleaf is the rest of the cell above. (This file's
    # extra columns keep their printed header words cut, so only named fields compare.)
    name = "writer/wri-nhsd-grid-nosplit"
    golden = [json.loads(x) for x in (PRODUCERS / f"{name}.golden.jsonl").read_text().splitlines()]
    got = producer_rows(name)
    assert len(got) == len(golden)
    for row, gold in zip(got, golden, strict=True):
        fields = squashed_fields(row.fields.model_dump())
        want = squashed_fields(gold["fields"])
        fields.pop("extra"), want.pop("extra")
        assert fields == want, f"row {gold['row_index']}"


def test_a_centred_merged_cell_covers_the_rows_between_its_columns_rules():
    from extract.pdf.cells import ruled_span

    bands = tuple(Band(1, 100.0 + 20 * i, 120.0 + 20 * i) for i in range(5))  # rows 0-4
    rows = PageRows(1, bands, 0)
    text = [frag(145, 1), frag(155, 1)]  # centred in rows 1-3: its lines in rows 2 only
    assert ruled_span(rows, text, [100.0, 120.0, 180.0, 200.0], 2, 2) == (1, 3)
    assert ruled_span(rows, text, [], 2, 2) == (2, 2)  # no rules: the text's own rows
    assert ruled_span(rows, text, [180.0], 2, 2) == (2, 3)  # no rule above: its own row


def test_an_id_stacked_in_two_lines_and_cut_by_a_page_break_is_one_row():
    # 'FILE01' ends page 4, '11698' opens page 5 (the id stacked in its narrow column):
    # the first part's shape is no evidence of the ids' shape, so the rest goes on from it
    name = "writer/wri-nhsd-horizontal-band"
    golden = [json.loads(x) for x in (PRODUCERS / f"{name}.golden.jsonl").read_text().splitlines()]
    got = producer_rows(name)
    assert len(got) == len(golden), "split, lost or invented rows"
    ids = [squashed_fields(r.fields.model_dump())["row_id"] for r in got]
    assert ids == [squashed_fields(g["fields"])["row_id"] for g in golden]
    cut = next(r for r in got if squashed_fields(r.fields.model_dump())["row_id"] == "FILE0111698")
    want = squashed_fields(golden[39]["fields"])
    assert squashed_fields(cut.fields.model_dump())["data_type"] == want["data_type"]
    assert squashed_fields(cut.fields.model_dump())["frequency"] == want["frequency"]


def test_a_centred_merged_cell_cut_by_a_page_break_takes_the_blank_rows_overleaf():
    # Writer, horizontal rules, text centred: 'Southampton City Council' and its release
    # printed in the part before the break; row 9 overleaf, above the column's first rule,
    # blank. It is the rest of that cell, not a row without an organisation.
    name = "writer/wri-nhsd-horizontal-band"
    golden = [json.loads(x) for x in (PRODUCERS / f"{name}.golden.jsonl").read_text().splitlines()]
    got = producer_rows(name)
    for k in (9, 29, 30):
        fields = squashed_fields(got[k].fields.model_dump())
        want = squashed_fields(golden[k]["fields"])
        assert (fields["organisation"], fields["reference"]) == (
            want["organisation"],
            want["reference"],
        ), f"row {k}"


def test_a_word_a_page_break_cut_in_the_anchor_column_joins_its_row():
    from collections import Counter

    from extract.pdf.reader import word_cut

    words = Counter({"Ongoing": 12, "One-Off": 5, "Ongoin": 1, "g": 1})
    assert word_cut(words, "Ongoin", "g")  # 'Ongoing' is the column's own word
    assert not word_cut(words, "Ongoing", "One-Off")  # two whole values: two rows
    ids = Counter({"DARS-NIC-1": 1, "DARS-NIC-2": 1})
    assert not word_cut(ids, "DARS-NIC-1", "DARS-NIC-2")  # unique ids never join
    assert not word_cut(words, "", "g")
    # Writer, no rules, no row ids (frequency is the anchor): 'Ongoin' / 'g' twice
    name = "writer/wri-nhsd-none-noid"
    golden = [json.loads(x) for x in (PRODUCERS / f"{name}.golden.jsonl").read_text().splitlines()]
    got = producer_rows(name)
    assert len(got) == len(golden), "split, lost or invented rows"
    for k in (16, 32):
        assert squashed_fields(got[k].fields.model_dump()) == squashed_fields(golden[k]["fields"])
