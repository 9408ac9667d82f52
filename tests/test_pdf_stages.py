"""Each step of the PDF chain alone, on hand-made input (pdfplumber's habit)."""

from __future__ import annotations

from collections import Counter

from pdfminer.psparser import LIT
from test_pdf_helpers import make_pdf, table_page, text

from extract.pdf.cells import (
    Cell,
    PageRows,
    fill_upwards,
    join_across_pages,
    ruled_cells,
    unruled_cells,
)
from extract.pdf.columns import column_of, drop_slivers, edges_from_rivers, edges_from_rulings
from extract.pdf.content import literal_string, tokens
from extract.pdf.geometry import Char, PageGeometry, Ruling
from extract.pdf.header import is_header_repeat
from extract.pdf.lines import Fragment, chars_to_fragments, line_text
from extract.pdf.pages import iter_pages
from extract.pdf.reader import read_pdf
from extract.pdf.rows import Band, bands_between, bands_from_anchor, rules_across, text_blocks


def word(
    x: float, baseline: float, value: str, size: float = 10.0, width: float = 5.0
) -> list[Char]:
    """Characters of one word, ``width`` points each, from x."""
    return [
        Char(c, x + i * width, x + (i + 1) * width, baseline - size, baseline, size, baseline)
        for i, c in enumerate(value)
    ]


def frag(baseline: float, value: str = "x", column: int = 0, page: int = 1) -> Fragment:
    return Fragment(page, column, baseline, 10.0, (0.0, baseline - 10, 10.0, baseline), value)


# content stream tokenizer ---------------------------------------------------------------


def test_tokens_read_operands_and_operators_as_pdfminer_does():
    stream = b"/F1 9.5 Tf [(a\\(b\\)) -12 <48 65>] TJ /Na#20me 0 .5 -3 Td << /K [1 2] >> BDC"
    assert list(tokens(stream)) == [
        (False, LIT("F1")),
        (False, 9.5),
        (True, b"Tf"),
        (False, [b"a(b)", -12, b"He"]),
        (True, b"TJ"),
        (False, LIT("Na me")),
        (False, 0),
        (False, 0.5),
        (False, -3),
        (True, b"Td"),
        (False, {"K": [1, 2]}),  # keys plain names, as pdfminer.six makes them
        (True, b"BDC"),
    ]


def test_literal_strings_keep_nested_parentheses_and_decode_escapes():
    data = b"(a(b)c\\n\\101\\\\) rest"
    assert literal_string(data, 1) == (b"a(b)c\nA\\", 15)


def test_inline_images_are_skipped_whole():
    stream = b"q BI /W 2 /H 2 ID \x00EI\xff\x00 EI Q"
    assert [v for is_op, v in tokens(stream) if is_op] == [b"q", b"Q"]


# pages: clip paths ----------------------------------------------------------------------


def test_text_drawn_outside_the_clip_path_is_dropped_and_counted():
    content = (
        b"q 100 700 200 50 re W n\n"
        + text(110, 710, "Visible")
        + text(110, 600, "Hidden")
        + b"Q\n"
        + text(110, 500, "After")
    )
    page = next(iter_pages(make_pdf([content])))
    assert "".join(c.text for c in page.chars) == "VisibleAfter"
    assert page.hidden_chars == len("Hidden")


def test_rulings_come_from_strokes_and_thin_filled_boxes_but_not_from_clipped_ones():
    content = (
        b"100 700 m 300 700 l S\n"  # horizontal stroke
        b"99.5 600 1 150 re f\n"  # a thin filled box: a vertical rule
        b"100 100 50 50 re f\n"  # a filled square: no rule, its top and bottom edges
        b"q 0 0 10 10 re W n 200 400 m 300 400 l S Q\n"  # clipped away
    )
    page = next(iter_pages(make_pdf([content])))
    drawn = sorted((r.orientation, round(r.top), round(r.x0)) for r in page.rulings if r.drawn)
    assert drawn == [("h", 142, 100), ("v", 92, 100)]
    edges = sorted((r.orientation, round(r.top), round(r.x0)) for r in page.rulings if not r.drawn)
    assert edges == [("h", 692, 100), ("h", 742, 100)]  # part rows as a zebra fill does


# columns -----------------------------------------------------------------------------------


def test_column_edges_are_the_long_vertical_rules():
    rulings = [Ruling("v", x, 50, x, 500) for x in (50, 120.4, 120.9, 300)]
    rulings.append(Ruling("v", 200, 50, 200, 60))  # a tick, not a column edge
    assert [round(e, 1) for e in edges_from_rulings(rulings)] == [50.0, 120.7, 300.0]


def test_rivers_between_left_aligned_columns_make_edges_but_word_spaces_do_not():
    chars = word(50, 80, "Row") + word(65, 80, " ") + word(70, 80, "ID")
    chars += (
        word(100, 80, "Sensitive") + word(145, 80, " ") + word(150, 80, "or") + word(160, 80, " ")
    )
    for i in range(4):
        base = 100 + i * 20
        chars += word(50, base, "7")
        chars += word(100, base, "Non") + word(115, base, " ") + word(120, base, "Sensitive")
    edges = edges_from_rivers([PageGeometry(1, 595, 842, tuple(chars), ())])
    assert len(edges) == 3
    assert column_of(55, edges) == 0 and column_of(130, edges) == 1
    assert column_of(10, edges) is None


def test_a_line_ending_in_a_space_that_touches_the_next_column_still_leaves_a_river():
    chars: list[Char] = []
    for i in range(4):  # "(Health" starts a column: after white space on most lines, ...
        chars += word(50, 100 + i * 20, "NHS") + word(110, 100 + i * 20, "(Health")
    for i in range(4, 6):  # ... so "Information " filling its column does not join it
        base = 100 + i * 20
        chars += word(50, base, "Information") + word(105, base, " ") + word(110, base, "(Health")
    edges = edges_from_rivers([PageGeometry(1, 595, 842, tuple(chars), ())])
    assert [column_of(x, edges) for x in (52, 104, 112, 140)] == [0, 0, 1, 1]


def test_word_gaps_without_space_glyphs_leave_no_river_in_repeated_cells():
    # pdfTeX draws no space glyph: a word space is a gap. The same cell text printed at
    # the same place on every row would leave white between its words on every line.
    chars: list[Char] = []
    for i in range(6):
        base = 100 + i * 20
        chars += word(50, base, "17")
        chars += word(100, base, "Health") + word(133, base, "and") + word(151, base, "Care")
    edges = edges_from_rivers([PageGeometry(1, 595, 842, tuple(chars), ())])
    assert len(edges) == 3 and column_of(55, edges) == 0
    assert column_of(105, edges) == column_of(160, edges) == 1


def test_a_title_across_the_columns_does_not_hide_the_river():
    chars = word(50, 60, "Data") + word(70, 60, " ") + word(75, 60, "Release") + word(110, 60, " ")
    chars += word(115, 60, "Register")
    for i in range(4):
        chars += word(50, 100 + i * 20, "ID") + word(120, 100 + i * 20, "NICOR")
    edges = edges_from_rivers([PageGeometry(1, 595, 842, tuple(chars), ())])
    assert len(edges) == 3 and column_of(55, edges) == 0 and column_of(125, edges) == 1


def test_columns_narrower_than_a_letter_join_their_neighbour():
    assert drop_slivers([50, 100, 200, 201.5], 4) == [50, 100, 201.5]
    assert drop_slivers([50, 51, 100, 200], 4) == [50, 100, 200]


# lines -------------------------------------------------------------------------------------


def test_line_text_puts_spaces_only_where_the_pdf_leaves_a_gap():
    chars = word(0, 10, "Row") + word(18, 10, "ID")  # a 3-point gap, no space glyph
    assert line_text(chars) == "Row ID"
    assert line_text(word(0, 10, "Row") + word(15.5, 10, "ID")) == "RowID"


def test_fragments_are_one_columns_line():
    chars = word(10, 100, "ab") + word(60, 100.5, "cd") + word(10, 112, "ef")
    fragments = chars_to_fragments(3, chars, [0, 50, 100])
    assert [(f.page, f.column, f.text) for f in fragments] == [
        (3, 0, "ab"),
        (3, 1, "cd"),
        (3, 0, "ef"),
    ]


# rows --------------------------------------------------------------------------------------


def test_rules_across_a_column_and_the_bands_between_them():
    rulings = [Ruling("h", 0, y, 500, y) for y in (100, 130, 160)]
    rulings.append(Ruling("h", 300, 145, 500, 145))  # only across other columns
    ys = rules_across(rulings, 0, 100)
    assert ys == [100, 130, 160]
    assert bands_between(2, ys) == [Band(2, 100, 130), Band(2, 130, 160)]


def test_text_blocks_split_where_lines_are_further_apart_than_the_pitch():
    blocks = text_blocks([frag(100), frag(111.5), frag(123), frag(137), frag(148.5)], pitch=11.5)
    assert [[f.baseline for f in b] for b in blocks] == [[100, 111.5, 123], [137, 148.5]]


def test_with_no_padding_between_rows_the_organisations_cells_tell_where_cells_end():
    lines = [frag(100 + i * 10.0) for i in range(6)]  # one run at the pitch, rows end at 120
    assert len(text_blocks(lines, 10.0, row_ends=[120, 150])) == 1
    blocks = text_blocks(lines, 10.0, row_ends=[120, 150], release_ends=[120])
    assert [[f.baseline for f in b] for b in blocks] == [[100, 110, 120], [130, 140, 150]]


def test_each_anchor_cells_last_line_closes_a_row():
    anchor = [frag(100, "Row"), frag(111.5, "ID"), frag(140, "1"), frag(170, "2")]
    bands = bands_from_anchor(1, anchor, pitch=11.5)
    assert [b.baseline for b in bands] == [111.5, 140, 170]
    assert bands[1].holds(131) and not bands[1].holds(111.5) and bands[1].holds(141)


# cells -------------------------------------------------------------------------------------


def test_a_ruled_column_with_a_missing_rule_merges_its_rows():
    rows = PageRows(1, (Band(1, 100, 130), Band(1, 130, 160), Band(1, 160, 190)), first_row=4)
    rulings = [Ruling("h", 0, y, 100, y) for y in (100, 160, 190)]  # no rule at 130
    cells = ruled_cells(rows, 1, 0, 100, rulings, [frag(155, "NICOR", 1)])
    assert [(c.rows, [f.text for f in c.fragments]) for c in cells] == [
        ([4, 5], ["NICOR"]),
        ([6], []),
    ]
    assert cells[-1].open_below is False


def test_a_ruled_cell_with_no_rule_below_it_goes_on_overleaf():
    rows = PageRows(1, (Band(1, 100, 130), Band(1, 130, 160)), first_row=0)
    rulings = [Ruling("h", 0, y, 100, y) for y in (100, 130)]
    assert ruled_cells(rows, 0, 0, 100, rulings, [])[-1].open_below


def test_an_unruled_cell_not_ending_on_its_rows_baseline_was_cut_by_the_page_break():
    bands = (Band(1, 0, 103.5, 100.0), Band(1, 103.5, 133.5, 130.0))
    rows = PageRows(1, bands, first_row=0)
    aligned = unruled_cells(rows, 1, [frag(118.5), frag(130)], pitch=11.5)
    cut = unruled_cells(rows, 1, [frag(110), frag(121.5), frag(133)], pitch=11.5)
    assert [c.open_below for c in aligned] == [False]
    assert [c.open_below for c in cut] == [True]


def test_a_cut_cells_first_line_just_below_the_last_row_starts_a_cell_of_its_own():
    bands = (Band(1, 0, 103.5, 100.0), Band(1, 103.5, 133.5, 130.0))
    rows = PageRows(1, bands, first_row=10)
    # Row 10's cell ends on its baseline, row 11 is blank here: the line at 135 is the
    # visible top of a merged cell cut by the page break, drawn below the last row.
    cells = unruled_cells(rows, 1, [frag(88.5), frag(100), frag(135, "INVOICE")], pitch=11.5)
    assert [(c.rows, c.open_below) for c in cells] == [([10], False), ([11], True)]


def test_paragraphs_of_one_unruled_cell_stay_one_cell():
    bands = (Band(1, 0, 103.5, 100.0), Band(1, 103.5, 163.5, 160.0))
    rows = PageRows(1, bands, first_row=0)
    paragraphs = [
        frag(110, "Aims:"),
        frag(133, "1. survival"),
        frag(144.5, "2. staging"),
        frag(160),
    ]
    cells = unruled_cells(rows, 1, paragraphs, pitch=11.5)
    assert [(c.rows, [f.text for f in c.fragments]) for c in cells] == [
        ([1], ["Aims:", "1. survival", "2. staging", "x"])
    ]


def test_page_cut_cells_join_and_blank_rows_above_a_cell_are_filled():
    first = Cell(1, 1, [7, 8], [frag(500, "NHS North", 1)], open_below=True)
    rest = Cell(1, 2, [9], [frag(90, "Kirklees CCG", 1, page=2)])
    later = Cell(1, 2, [12], [frag(200, "NICOR", 1, page=2)])
    joined = join_across_pages([first, rest, later])
    assert [(c.rows, len(c.fragments)) for c in joined] == [([7, 8, 9], 2), ([12], 1)]
    filled = fill_upwards(joined)
    assert [c.rows for c in filled] == [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12]]
    assert [c.inferred for c in filled] == [True, True]


def test_a_first_row_repeating_the_header_is_recognised_even_clipped():
    header = ["Row ID", "Organisation Name", "Purpose", "Frequency"]
    assert is_header_repeat(["Row ID", "Organisation Name", "", ""], header)
    assert not is_header_repeat(["12", "NICOR", "Research", "One off"], header)


# the whole chain on a hand-made page ------------------------------------------------------


def test_hand_made_unruled_table_with_a_merged_organisation():
    rows = [
        ["Row ID", "Organisation Name", "Purpose"],
        ["1", "", "Audit of (cancer) care"],
        ["2", "NICOR", "Research"],
        ["3", "NHS Leeds CCG", "Commissioning"],
        ["4", "NHS Leeds CCG", "Invoice validation"],
    ]
    pdf = make_pdf([table_page(rows, [50, 120, 300])])
    got = read_pdf(pdf)
    assert [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in got] == [
        ("1", "NICOR", "Audit of (cancer) care"),
        ("2", "NICOR", "Research"),
        ("3", "NHS Leeds CCG", "Commissioning"),
        ("4", "NHS Leeds CCG", "Invoice validation"),
    ]
    assert (
        got[0].needs_review
        and "organisation taken from a merged cell spanning rows 1-2" in got[0].warnings
    )
    assert not got[2].needs_review
    assert got[1].cells["organisation"].page == 1
    x0, top, _, bottom = got[1].cells["organisation"].bbox
    assert 119 < x0 < 121 and top < bottom < 842


def test_hand_made_ruled_table_merged_in_its_first_column():
    xs = [50, 150, 200, 400]
    grid = b"".join(b"%d 800 m %d 720 l S\n" % (x, x) for x in xs)
    grid += b"".join(b"50 %d m 400 %d l S\n" % (y, y) for y in (800, 780, 740, 720))
    grid += b"150 760 m 400 760 l S\n"  # rows 1 and 2 share one organisation cell
    cells = [
        (52, 782, "Organisation Name"),
        (152, 782, "Row ID"),
        (202, 782, "Purpose"),
        (152, 762, "1"),
        (202, 762, "Research"),
        (52, 742, "NICOR"),
        (152, 742, "2"),
        (202, 742, "Commissioning"),
        (52, 722, "NHS Leeds CCG"),
        (152, 722, "3"),
        (202, 722, "Audit"),
    ]
    page = grid + b"".join(text(x, y, value, size=8) for x, y, value in cells)
    got = read_pdf(make_pdf([page]))
    assert [(r.fields.row_id, r.fields.organisation, r.fields.purpose) for r in got] == [
        ("1", "NICOR", "Research"),
        ("2", "NICOR", "Commissioning"),
        ("3", "NHS Leeds CCG", "Audit"),
    ]
    assert got[0].warnings == ["organisation taken from a merged cell spanning rows 1-2"]
    assert not got[0].needs_review  # drawn, not inferred


def test_without_a_row_id_rows_are_anchored_on_the_column_never_blank():
    rows = [
        ["Organisation Name", "Reference", "Purpose"],
        ["", "DARS-NIC-1", "Research"],
        ["NICOR", "DARS-NIC-2", "Research"],
        ["NHS Leeds CCG", "DARS-NIC-3", "Commissioning"],
        ["", "DARS-NIC-4", "Audit"],
        ["UCL", "DARS-NIC-5", "Audit"],
    ]
    got = read_pdf(make_pdf([table_page(rows, [50, 160, 300])]))
    assert [(r.fields.reference, r.fields.organisation) for r in got] == [
        ("DARS-NIC-1", "NICOR"),
        ("DARS-NIC-2", "NICOR"),
        ("DARS-NIC-3", "NHS Leeds CCG"),
        ("DARS-NIC-4", "UCL"),
        ("DARS-NIC-5", "UCL"),
    ]


def test_a_table_top_border_overleaf_is_no_rule_under_a_rest_of_cell() -> None:
    """Chromium, horizontal rules, header on page 1 only: the page's first band is open
    above and the table's top border is drawn over it. That rule closes no cell above the
    page's first row, so a new release printed there is no rest of the cell before."""
    from extract.pdf.reader import rest_of_cell_above

    above = Cell(1, 1, [0, 1, 2, 3], [frag(117.0, "North Tyneside", 1)])
    rows = PageRows(2, (Band(2, float("-inf"), 86.6), Band(2, 86.6, 139.1)), 4)
    fragments = [frag(45.7, "Wakefield", 1, page=2)]
    assert rest_of_cell_above([above], rows, fragments, [34.1, 297.4]) == [above]
    # a blank band wholly above the column's first rule is the rest of the cell above
    blank = PageRows(2, (Band(2, 30.0, 86.6), Band(2, 86.6, 139.1)), 4)
    grown = rest_of_cell_above([above], blank, [frag(120.0, "Wakefield", 1, 2)], [86.6, 297.4])
    assert grown[0].rows == [0, 1, 2, 3, 4]


def test_a_centred_purpose_is_not_halved_inside_one_release() -> None:
    """Twelve lines centred over two equal rows halve into parts each centred on its own
    row; where one organisation's cell spans both rows they are one merged cell."""
    from extract.pdf.cells import own_cells

    rows = PageRows(1, (Band(1, 232.1, 308.2, start=270.0), Band(1, 308.2, 384.4, start=346.5)), 1)
    run = [frag(242.2 + 12 * i, f"line {i}", 6) for i in range(12)]
    assert len(own_cells(rows, run, 12.0, centred=True)) == 2  # no evidence: two cells
    assert own_cells(rows, run, 12.0, centred=True, within=frozenset({2})) == [run]


def test_a_row_printed_from_its_top_at_a_page_foot_keeps_its_lines_and_its_rest() -> None:
    """Chromium prints a bottom-aligned row the page break cuts from its top (its id on
    its first line): the lines under the id at the page's foot go on its cells at the
    line pitch, so they are that row's, not a row whose id is overleaf; overleaf, its
    rest is the text above the first white gap across every column."""
    from extract.pdf.bands import goes_on_below, rest_above_gap

    last = Band(1, 534.1, 548.4, baseline=545.2)
    foot = [frag(545.2, "Community Services", 2), frag(555.7, "Data Set", 2)]
    foot += [frag(545.2, "Anonymised -", 3), frag(555.7, "ICO code", 3)]
    assert goes_on_below(last, foot, {2, 3}, 10.5)
    padded = [frag(545.2, "Community Services", 2), frag(561.0, "Kent", 2)]
    assert not goes_on_below(last, padded, {2}, 10.5)  # a cell's padding: a new row

    columns = [
        [frag(98.2, "140", 0, 2)],
        [],
        [frag(87.7, "Diagnostic Imaging", 2, 2), frag(98.2, "Dataset", 2, 2)],
        [frag(42.0, "compliant", 3, 2), frag(77.2, "Anonymised -", 3, 2)]
        + [frag(87.7, "ICO code", 3, 2), frag(98.2, "compliant", 3, 2)],
        [frag(42.0, "s261(1)", 4, 2), frag(52.5, "(ii)", 4, 2), frag(66.7, "Health", 4, 2)]
        + [frag(77.2, "Care Act", 4, 2), frag(87.7, "s261(1)", 4, 2), frag(98.2, "(ii)", 4, 2)],
    ]
    bands = [Band(2, float("-inf"), 101.4, baseline=98.2)]
    rest, row = rest_above_gap(bands, columns, 0, 10.5)
    assert rest.top == float("-inf") and 52.5 < rest.bottom < 66.7 and row.top == rest.bottom
    # no white gap across every column above the id: no rest
    tight = [columns[0], [], [], [], [frag(52.5 + 10.5 * i, "x", 4, 2) for i in range(5)]]
    assert rest_above_gap(bands, tight, 0, 10.5) == bands


def test_merged_values_on_first_rows_in_a_centred_table() -> None:
    """LaTeX's ``m`` columns centre a row's cells, but put a merged value on its block's
    first row: the table's last row is blank in every merging column, its first is not,
    and no merging cell's text reaches over a row's edge. A centred merged cell whose
    long text lies over several rows says the values are centred on their blocks."""
    from extract.pdf.reader import values_on_first_rows

    fields = ("row_id", "organisation", "purpose")
    org = [Cell(1, 1, [0], [frag(10.0, "ONS", 1)]), Cell(1, 1, [3], [frag(40.0, "Kent", 1)])]
    purpose = [Cell(2, 1, [0], [frag(10.0, "p", 2)]), Cell(2, 1, [3], [frag(40.0, "q", 2)])]
    columns = [[], org, purpose]
    assert values_on_first_rows(fields, columns, 5, centred=True)
    long = [Cell(2, 1, [0, 1], [frag(15.0, "p", 2)]), Cell(2, 1, [3], [frag(40.0, "q", 2)])]
    assert not values_on_first_rows(fields, [[], org, long], 5, centred=True)
    assert values_on_first_rows(fields, [[], org, long], 5)  # bottom-aligned: the ends alone


def test_anchor_cells_run_together_part_into_values_seen_alone() -> None:
    """No row ids and no cell padding (Writer, 7.5 pt): two 'System' / 'Access' cells of
    the anchor column run together at the line pitch; the page prints that value alone
    elsewhere, so the run is two rows. A run no such values make up stays one cell."""
    from extract.pdf.rows import value_ends

    lines = [
        frag(527.2, "System"),
        frag(537.1, "Access"),
        frag(547.0, "System"),
        frag(556.9, "Access"),
    ]
    seen = Counter({"System Access": 5, "System Access System Access": 1})
    assert value_ends(lines, seen) == [537.1, 556.9]
    assert value_ends(lines, Counter({"System Access System Access": 1})) == []
    assert value_ends(lines[:2], seen) == []  # a value of its own


def test_references_run_together_end_their_releases() -> None:
    """No cell padding (Writer): two releases' NIC numbers run together at the line pitch;
    the line that starts as the run's first does ('DARS-NIC-') starts the next release."""
    from types import SimpleNamespace

    from extract.pdf.reader import references_run_together

    nic = [frag(240.1, "DARS-NIC-", 7), frag(250.0, "388748-", 7), frag(259.9, "Z6Q4Q-v6.2", 7)]
    nic += [frag(269.8, "DARS-NIC-", 7), frag(279.7, "388794-Z9P3J-", 7), frag(289.6, "v2.3", 7)]
    page = SimpleNamespace(column=lambda c: nic if c == 7 else [])
    fields = ("organisation",) + (None,) * 6 + ("reference",)
    table = SimpleNamespace(
        match=SimpleNamespace(fields=fields), anchor=6, pitch=9.9, cell_gap=(9.9, 9.9)
    )
    rows = PageRows(1, (Band(1, 113.7, 262.9, 259.9), Band(1, 262.9, 292.6, 289.6)), 0)
    assert references_run_together(table, page, rows) == [259.9]
    one = SimpleNamespace(column=lambda c: nic[:3] if c == 7 else [])
    assert references_run_together(table, one, rows) == []


def test_a_bottom_aligned_header_copy_is_found_by_any_column_first_line() -> None:
    """A header repeated overleaf whose cells are bottom-aligned starts with the first line
    of its tallest cell, in any column ('Type of Data' over 'Provided'), not its first."""
    from extract.pdf.header import starts_header

    headers = ("Organisation Name", "Type of Data Provided", "Purpose")
    assert starts_header(frag(40.0, "Type of Data", 1), headers)
    assert starts_header(frag(40.0, "Purpose", 2), headers)
    assert not starts_header(frag(40.0, "Type of Data", 0), headers)  # another column's
    assert not starts_header(frag(40.0, "Ty", 1), headers)  # too little to tell


def test_a_rest_above_a_fill_edge_found_when_the_edges_cluster_apart() -> None:
    """Zebra rows (Chromium): the fill edge over the first row's anchor cell is drawn in
    pieces a few hundredths of a point apart; the anchor column's own edge and the page's
    clustered edge differ, yet they are one edge and the rest above it a band of its own."""
    from types import SimpleNamespace

    from extract.pdf.bands import page_bands

    edges = (0.0, 100.0, 200.0, 300.0)
    rulings = [
        Ruling("h", 0.0, 155.20, 200.0, 155.20, drawn=False),
        Ruling("h", 200.0, 155.29, 300.0, 155.29, drawn=False),
        Ruling("h", 0.0, 233.2, 300.0, 233.2, drawn=False),
    ]
    lines = [frag(102.0, "Borough", 0), frag(110.2, "Council", 0)]
    lines += [frag(213.7, "Regional Drug", 0), frag(222.0, "Centre", 0)]
    lines += [frag(222.0, "System", 2), frag(230.2, "Access", 2), frag(230.2, "Care", 1)]
    page = SimpleNamespace(
        number=3,
        ruled=False,
        edges=edges,
        geometry=SimpleNamespace(rulings=rulings),
        column=lambda c: [f for f in lines if f.column == c],
    )
    bands = page_bands(page, 2, 8.25, "bottom", 95.2, more=True, begun=True)
    assert 155.1 < bands[0].bottom < 155.4 and round(bands[1].bottom, 1) == 233.2


def test_a_cut_merged_cell_overleaf_ends_at_its_columns_first_rule() -> None:
    """Chromium, horizontal rules, bottom-aligned: 'Walsall …' printed from its top at the
    page's foot goes on overleaf as blank rows down to the organisation column's first
    rule; the next cell there ('Royal Borough …') is another release, not its rest."""
    from itertools import pairwise
    from types import SimpleNamespace

    from extract.pdf.reader import closed_overleaf

    edges = (0.0, 100.0, 200.0)
    ys = [85.9, 118.1, 149.6, 181.1, 213.4, 244.9, 276.4, 308.6]
    rulings = [Ruling("h", 0.0, y, 100.0, y) for y in ys]  # the id column: every row
    rulings += [Ruling("h", 100.0, y, 200.0, y) for y in (213.4,)]  # organisation: a block
    page = SimpleNamespace(edges=edges, geometry=SimpleNamespace(rulings=rulings))
    tops = [80.6, *ys]
    rows = PageRows(4, tuple(Band(4, a, b) for a, b in pairwise(tops)), 33)
    walsall = Cell(1, 3, [33], [frag(546.7, "Walsall", 1, 3)], open_below=True)
    kingston = [frag(300.0, "Royal Borough", 1, 4)]
    closed = closed_overleaf(page, rows, 1, [walsall], kingston)
    assert closed[-1].rows == [33, 34, 35, 36, 37] and not closed[-1].open_below


def test_a_header_word_cut_mid_word_is_rejoined_from_the_registers_vocabulary():
    from extract.pdf.header import header_text
    from extract.pdf.words import cut_word, rejoin_cut_words

    # an extra column's header, no layout profile knows it
    assert header_text(["Common law duty of", "confidentialit", "y"]) == (
        "Common law duty of confidentiality"
    )
    assert header_text(["Patie", "nt Opt-Outs", "applied"]) == "Patient Opt-Outs applied"
    # wraps at a space stay wraps: both pieces are words and commoner than the joined form
    assert rejoin_cut_words(["Patient Opt-Outs", "applied"]) == "Patient Opt-Outs applied"
    assert rejoin_cut_words(["Data", "set"]) == "Data set"
    assert not cut_word("Legal basis", "for")
    # a line already ending in a space, or a hyphen, is no cut
    assert not cut_word("confidentialit ", "y")
    assert rejoin_cut_words(["Non-", "Sensitive"]) == "Non-Sensitive"


def test_ids_unlike_the_registers_own_are_flagged_not_silently_kept():
    from extract.pdf.reader import odd_anchor_rows

    ids = [f"SystemAccess{n:04}" for n in range(191, 201)]
    # a page break cut one id in two parts: both flagged, the whole ones not
    cut = [*ids[:3], "Syste", "mAccess0194", *ids[4:]]
    assert odd_anchor_rows(cut) == [3]  # 'Syste' is a part of the ids' shape ('A' of 'A9')
    stacked = [*ids[:5], "SystemAccess", "01", "99", *ids[5:]]
    assert odd_anchor_rows(stacked) == [5, 6, 7]
    refs = [f"DARS-NIC-{n}-A1B2C-v2.2" for n in range(100, 110)]
    merged = [*refs[:4], "DARS-NIC-104-A1B2C-v2.2 DARS-NIC-105-", *refs[6:]]
    assert odd_anchor_rows(merged) == [4]  # two ids run together: rows merged
    # ids of two kinds, neither nearly all, a suffix letter on some: no flag
    odr = [f"ODR1516_0{n}" for n in range(10, 16)] + [f"ODR1516_0{n}a" for n in range(16, 20)]
    assert odd_anchor_rows(odr) == []
    assert odd_anchor_rows([str(n) for n in range(1, 40)]) == []
    assert odd_anchor_rows(["1", "2", None, "4"]) == []  # too few rows to know the shape


def test_a_narrow_tables_anchor_is_a_column_of_short_cells_as_wrapped():
    from extract.pdf.reader import busiest_short_column

    # a usual table: the id column's one-line cells win over the purposes' paragraphs
    assert busiest_short_column([[1] * 40, [6, 1, 7] * 13, [3] * 40]) == 0
    # a table so narrow every value wraps: a paragraph column's odd short lines
    # (22 blocks) no longer win over a column whose values all wrap to 3-4 lines
    narrow = [[5] * 80, [1] * 22 + [9] * 70, [3, 4] * 41, [6] * 80]
    assert busiest_short_column(narrow) == 2


def test_an_id_a_page_break_cut_is_told_by_the_ids_shape():
    from extract.pdf.reader import id_cut

    ids = [f"SystemAccess0{n}" for n in range(191, 199)]
    assert id_cut(ids, "Syste", "mAccess0199")  # 'A' starts 'A9'; joined 'A9'
    assert id_cut(ids, "SystemAccess", "0199")
    assert not id_cut(ids, "SystemAccess0198", "SystemAccess0199")  # two whole ids
    assert not id_cut(ids, "Syste", "Other")  # joined 'A': still no whole id
    assert not id_cut(ids, "", "0199")


def test_two_ids_stacked_in_one_band_are_split_between_them():
    from types import SimpleNamespace

    from extract.pdf.reader import id_split, with_two_ids_split

    lines = [
        SimpleNamespace(text=t, baseline=100 + 10 * i)
        for i, t in enumerate(["D", "R", "R7", "9", "D", "R", "R8"])
    ]
    page = SimpleNamespace(column=lambda c: lines)
    band = Band(1, 90, 170)
    # 'DRR79' whole, 'DRR8' completed by the next band's '0': cut between '9' and 'D'
    assert id_split(page, band, 0, "A9", "0") == 135
    assert id_split(page, band, 0, "A9A", "0") is None
    whole = [
        SimpleNamespace(text=t, baseline=100 + 10 * i)
        for i, t in enumerate(["D", "R", "R84", "D", "R", "R85"])
    ]
    two = SimpleNamespace(column=lambda c: whole)
    before = [f"DRR{n}" for n in range(70, 80)]
    split = with_two_ids_split(two, [Band(1, 90, 160)], 0, before)
    assert [(b.top, b.bottom) for b in split] == [(90, 125), (125, 160)]
    assert with_two_ids_split(two, [Band(1, 90, 160)], 0, ["DRR70"]) == [Band(1, 90, 160)]


def test_an_ids_parts_at_a_pages_foot_are_one_band_even_where_a_part_looks_whole():
    from types import SimpleNamespace

    from extract.pdf.reader import with_foot_id_joined

    # bands of one line each: a whole id, then 'SystemAcces' / 's012' / '3' (the last id
    # stacked, each line taken for a row; 's012' has the ids' shape but not their length)
    texts = ["SystemAccess0121", "SystemAcces", "s012", "3"]
    lines = [SimpleNamespace(text=t, baseline=100 + 10 * i) for i, t in enumerate(texts)]
    page = SimpleNamespace(column=lambda c: lines)
    bands = [Band(1, 95 + 10 * i, 105 + 10 * i) for i in range(4)]
    before = [f"SystemAccess01{n}" for n in range(10, 20)]
    assert with_foot_id_joined(page, bands, 0, before) == [bands[0], Band(1, 105, 135)]
    # two whole ids at the foot stay two rows
    whole = [
        SimpleNamespace(text=t, baseline=100 + 10 * i)
        for i, t in enumerate(["SystemAccess0121", "SystemAccess0122"])
    ]
    two = SimpleNamespace(column=lambda c: whole)
    assert with_foot_id_joined(two, bands[:2], 0, before) == bands[:2]


def test_numbers_stacked_a_digit_a_line_are_split_by_the_ids_length():
    from types import SimpleNamespace

    from extract.pdf.reader import id_length, with_two_ids_split

    before = [str(n) for n in range(1600, 1615)]
    assert id_length(before, "9") == 4
    assert id_length(["1", "22", "333"] * 3, "9") is None  # no one length
    digits = [SimpleNamespace(text=d, baseline=100 + 10 * i) for i, d in enumerate("16221623")]
    page = SimpleNamespace(column=lambda c: digits)
    split = with_two_ids_split(page, [Band(1, 90, 180)], 0, before)
    assert [(b.top, b.bottom) for b in split] == [(90, 135), (135, 180)]
    one = [SimpleNamespace(text=d, baseline=100 + 10 * i) for i, d in enumerate("1622")]
    alone = SimpleNamespace(column=lambda c: one)
    assert with_two_ids_split(alone, [Band(1, 90, 180)], 0, before) == [Band(1, 90, 180)]


def test_a_stacked_value_cut_at_a_pages_foot_is_one_band():
    from types import SimpleNamespace

    from extract.pdf.reader import with_foot_word_joined

    texts = ["SystemAccess", "SystemAcc", "ess"]
    lines = [SimpleNamespace(text=t, baseline=100 + 10 * i) for i, t in enumerate(texts)]
    page = SimpleNamespace(column=lambda c: lines)
    bands = [Band(1, 95 + 10 * i, 105 + 10 * i) for i in range(3)]
    before = ["SystemAccess", "One-Off", "SystemAccess"]
    assert with_foot_word_joined(page, bands, 0, before) == [bands[0], Band(1, 105, 125)]
    # two values the column holds, one under the other, stay two rows
    both = [
        SimpleNamespace(text=t, baseline=100 + 10 * i)
        for i, t in enumerate(["SystemAccess", "One-Off", "SystemAccess"])
    ]
    two = SimpleNamespace(column=lambda c: both)
    assert with_foot_word_joined(two, bands, 0, before) == bands
