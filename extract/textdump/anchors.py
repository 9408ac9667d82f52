"""Stage 3: row anchors, the lines whose leading numbers run as row ids."""

from __future__ import annotations

from itertools import pairwise

from extract.textdump.cells import find_middle, line_piece
from extract.textdump.model import DEFAULT_SETTINGS, DumpSettings, Line, ParsedRow
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary

# ---------------------------------------------------------------- stage 3: anchors


def leading_number(text: str) -> int | None:
    head = text.split(" ", 1)[0]
    return int(head) if is_row_number(head) and len(head) <= 7 else None


def is_row_number(text: str) -> bool:
    # ASCII only: str.isdigit() is also true of superscripts ("¹02"), which int() refuses
    return text.isascii() and text.isdigit()


def anchor_rows(
    lines: list[Line],
    settings: DumpSettings = DEFAULT_SETTINGS,
    vocab: Vocabulary = HSCIC_2014,
) -> tuple[list[Line], list[tuple[Line, list[Line]]]]:
    """Lines before the first row, and each row's id line with its lines up to the next id.

    Row ids run in sequence, but not without breaks: withdrawn rows, misprinted ids and
    ids lost at a page break leave gaps, and a second table (edition) starts again. The
    best-scoring chain of id lines wins (see `_best_chain`), so a purpose line opening
    "4 character codes" is no anchor while a gap does not cut the table in two.
    """
    chain = _best_chain(lines, settings, vocab=vocab)
    if not chain:
        return lines, []
    rows = []
    for start, end in zip(chain, [*chain[1:], len(lines)]):
        first = lines[start]
        row_id, _, rest = first.text.partition(" ")
        body = ([line_piece(first, rest)] if rest else []) + lines[start + 1 : end]
        rows.append((line_piece(first, row_id), body))
    return lines[: chain[0]], rows


GAP_COST = 0.5  # per id a step in the chain skips: a missing row is likelier than a false id
RESTART_COST = 3.0  # a chain going back (a new table) or far forward: needs several ids to pay


def _best_chain(lines: list[Line], settings: DumpSettings, vocab: Vocabulary) -> list[int]:
    """Indices of the id lines of the best chain: each id scores 1, a step skipping ids
    (up to `settings.max_id_gap`) costs GAP_COST per skipped id, and any other step (ids
    restarting, or jumping further) costs RESTART_COST and must land on a line that opens
    row cells (not a numbered list in a purpose). Ties keep the earliest line."""
    best: dict[int, tuple[float, int]] = {}  # row number -> (score, line index) of best end
    back: dict[int, int | None] = {}  # line index -> previous id line in its chain
    top: tuple[float, int] | None = None  # best chain end so far, any number
    numbers = [leading_number(line.text) for line in lines]
    for index, number in enumerate(numbers):
        if number is None:
            continue
        score, previous = 1.0, None
        step = _best_step(best, number, settings)
        restart = top[0] + 1 - RESTART_COST if top is not None else 0.0
        # a restart wins ties with a step; looking at its row's cells is the costly part,
        # so it is done only when no step beats the restart anyway
        beaten = step is not None and step[0] > restart
        if (
            top is not None
            and restart > score
            and not beaten
            and _opens_row(lines, numbers, index, vocab=vocab)
        ):
            score, previous = restart, top[1]
        if step is not None and step[0] > score:
            score, previous = step
        back[index] = previous
        if number not in best or score > best[number][0]:
            best[number] = (score, index)
        if top is None or score > top[0]:
            top = (score, index)
    chain, at = [], top[1] if top else None
    while at is not None:
        chain.append(at)
        at = back[at]
    return chain[::-1]


def _best_step(
    best: dict[int, tuple[float, int]], number: int, settings: DumpSettings
) -> tuple[float, int] | None:
    """The best chain that id `number` can continue by a step of up to `settings.max_id_gap`
    skipped ids: its score with this id, and its last line (the nearest id wins ties)."""
    out: tuple[float, int] | None = None
    for skipped in range(settings.max_id_gap + 1):
        found = best.get(number - 1 - skipped)
        if found and (out is None or found[0] + 1 - GAP_COST * skipped > out[0]):
            out = (found[0] + 1 - GAP_COST * skipped, found[1])
    return out


def _opens_row(lines: list[Line], numbers: list[int | None], index: int, vocab: Vocabulary) -> bool:
    """Whether the lines from an id line up to the next numbered line hold row cells."""
    end = next((i for i in range(index + 1, len(lines)) if numbers[i] is not None), len(lines))
    first = lines[index].text.partition(" ")[2]
    return find_middle([Line(0, first), *lines[index + 1 : end]], vocab=vocab) is not None


def id_breaks(rows: list[ParsedRow]) -> None:
    """Warn where row ids do not run on by one: a jump may hide a missing row; a restart
    begins a new table."""
    for before, after in pairwise(rows):
        a, b = int(before.row_id), int(after.row_id)
        if b == a + 1:
            continue
        if b > a:
            note = f"row ids jump from {a} to {b}: a row may be missing"
            for row in (before, after):
                row.warnings.append(note)
                row.needs_review = True
        else:
            after.warnings.append(f"row ids restart at {b} after {a}: a new table begins")
