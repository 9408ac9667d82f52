"""Stage 4: each anchored row's lines cut into its cells, by the closed vocabularies and line widths."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from extract.text import join_lines
from extract.textdump.model import DumpSettings, Knowledge, Line, ParsedRow
from extract.textdump.vocabulary import HSCIC_2014, SECTIONS, Vocabulary

# ---------------------------------------------------------------- stage 4: cells

Pos = tuple[int, int]  # (index into a row's lines, character offset)


def _slice(lines: Sequence[Line], start: Pos, end: Pos) -> list[Line]:
    """The text between two positions, as pieces of the lines it came from."""
    out = []
    for index in range(start[0], min(end[0], len(lines) - 1) + 1):
        line = lines[index]
        lo = start[1] if index == start[0] else 0
        hi = end[1] if index == end[0] else len(line.text)
        piece = line.text[lo:hi].strip()
        if piece:
            out.append(line_piece(line, piece))
    return out


def _words_at(text: str) -> Iterator[tuple[int, str]]:
    """Each word of a line with its character offset (lines hold single spaces only)."""
    offset = 0
    for word in text.split(" "):
        yield offset, word
        offset += len(word) + 1


def line_piece(line: Line, text: str) -> Line:
    return Line(line.no, text, line.page)


def _is_data_provided_start(word: str, vocab: Vocabulary) -> bool:
    return word[:1].isupper() and word.rstrip(",;").lower() in vocab.data_provided_starts


def find_sensitivity(
    lines: Sequence[Line], start: Pos, reach: int = 6, vocab: Vocabulary = HSCIC_2014
) -> tuple[Pos, Pos] | None:
    """Where the sensitivity cell ("Sensitive", "Non-" + "sensitive", ...) first starts and ends."""
    for index in range(start[0], min(start[0] + reach, len(lines))):
        text = lines[index].text
        for offset, word in _words_at(text):
            if index == start[0] and offset <= start[1]:
                continue
            end = _sensitivity_end(lines, index, offset, word, vocab=vocab)
            if end:
                return (index, offset), end
    return None


def _sensitivity_end(
    lines: Sequence[Line], index: int, offset: int, word: str, vocab: Vocabulary
) -> Pos | None:
    text = lines[index].text
    bare = word.lower().rstrip(".,")
    if bare in vocab.sensitivities:
        return index, offset + len(word)
    if bare == "non" and text[offset + len(word) :].lstrip().lower().startswith("sensitive"):
        return index, offset + len(word) + 1 + len("sensitive")
    if word in ("Non-", "Non") and offset + len(word) == len(text) and index + 1 < len(lines):
        following = lines[index + 1].text.split(" ", 1)[0]
        if following.lower().rstrip(".,") == "sensitive":
            return index + 1, len(following)
    return None


def find_middle(
    lines: Sequence[Line], vocab: Vocabulary = HSCIC_2014
) -> tuple[Pos, Pos, Pos] | None:
    """Start of the data-provided cell, and start and end of the sensitivity cell after it."""
    for index, line in enumerate(lines):
        if not _may_open_provided(line.text, vocab=vocab):
            continue
        for offset, word in _words_at(line.text):
            if _is_data_provided_start(word, vocab=vocab):
                found = find_sensitivity(lines, (index, offset), vocab=vocab)
                if found:
                    return (index, offset), found[0], found[1]
    return None


def _may_open_provided(text: str, vocab: Vocabulary) -> bool:
    """Whether a line names a data-provided opener anywhere: most lines do not, and one
    look at the whole line is cheaper than testing it word by word."""
    lowered = text.lower()
    return any(start in lowered for start in vocab.data_provided_starts)


def find_frequency(
    lines: Sequence[Line], start: Pos, vocab: Vocabulary = HSCIC_2014
) -> tuple[Pos, Pos] | None:
    """The first line after `start` that ends with a frequency value, e.g. "... One off"."""
    for index in range(start[0], len(lines)):
        text = lines[index].text
        if text[-1] not in vocab.frequency_ends:  # a cheap refusal before trying each value
            continue
        for value in vocab.frequencies:
            at = len(text) - len(value)
            standalone = text.endswith(value) and (at == 0 or text[at - 1] == " ")
            if standalone and (index > start[0] or at >= start[1]):
                return (index, at), (index, len(text))
    return None


def split_org_data_type(
    pieces: list[Line],
    knowledge: Knowledge,
    settings: DumpSettings,
    vocab: Vocabulary = HSCIC_2014,
) -> tuple[list[Line], list[Line]]:
    """Organisation lines (narrow column) and data-type lines, before "data provided"."""
    opener = _first_opener(pieces, knowledge, vocab=vocab)
    if opener and not _runs_on(pieces[opener - 1].text):
        # a later line names a dataset: the lines above it are the organisation
        return pieces[:opener], pieces[opener:]
    org: list[Line] = []
    data: list[Line] = []
    for piece in pieces:
        if data:
            data.append(piece)
            continue
        cut = _data_type_start(piece.text, knowledge, settings, first=not org, vocab=vocab)
        if cut is None:
            org.append(piece)
        else:
            head, tail = piece.text[:cut].strip(), piece.text[cut:].strip()
            org += [line_piece(piece, head)] if head else []
            data.append(line_piece(piece, tail))
    if not data:  # every row has a data type; only the organisation may float
        return org[:-1], org[-1:]
    return org, data


def _runs_on(text: str) -> bool:
    """Text ending like this continues into what follows ("Bridge file: HES ...")."""
    return text.rstrip().endswith((":", ";", ",", "-"))


def _first_opener(
    pieces: list[Line], knowledge: Knowledge, reach: int = 6, *, vocab: Vocabulary
) -> int:
    """Index of the first line after the first that opens with a dataset name, else 0."""
    for index, piece in enumerate(pieces[1:reach], 1):
        if _opens_data_type(piece.text, knowledge, vocab=vocab):
            return index
    return 0


def _data_type_start(
    text: str,
    knowledge: Knowledge,
    settings: DumpSettings,
    first: bool,
    vocab: Vocabulary,
) -> int | None:
    """Where a data type begins in a line that may open with the organisation.

    Only the first line can hold both (a one-line organisation beside the data type);
    later lines continue the organisation while they are narrow and name no dataset.
    """
    if not first:
        wide = len(text) > settings.org_max
        return 0 if wide or _opens_data_type(text, knowledge, vocab=vocab) else None
    known = _known_prefix(text, knowledge)
    if known:
        return known
    for offset, _ in _words_at(text):
        if offset > settings.org_max + 8 or any(c.isdigit() for c in text[:offset]):
            break
        if _opens_data_type(text[offset:], knowledge, vocab=vocab) and not _runs_on(text[:offset]):
            return offset
    if len(text) <= settings.org_max:
        return None
    return _after_org_ending(text, settings, vocab=vocab)


def _known_prefix(text: str, knowledge: Knowledge) -> int:
    """Length of the longest known organisation the line opens with, before more text."""
    if not text.startswith(knowledge.organisation_starts):  # most lines open with none
        return 0
    found = [len(name) for name in knowledge.organisations if text.startswith(name + " ")]
    return max(found, default=0)


def _after_org_ending(text: str, settings: DumpSettings, vocab: Vocabulary) -> int:
    """Where the data type starts after a one-line organisation ending in "CCG", "Council"...

    The last such ending within the organisation column wins; without one the whole line
    is the data type (the organisation may have floated away).
    """
    words = text.split(" ")
    cut, offset = 0, 0
    for word, following in pairwise(words):
        offset += len(word) + 1
        if offset > settings.org_max + 1:
            break
        if (
            word in vocab.org_endings
            and following[:1].isupper()
            and following not in vocab.dataset_tails
        ):
            cut = offset
    return cut


def _opens_data_type(text: str, knowledge: Knowledge, vocab: Vocabulary) -> bool:
    if text.startswith(vocab.data_type_openers):  # most lines open with none: one call says so
        for opener in vocab.data_type_openers:
            if text.startswith(opener) and not text[len(opener) : len(opener) + 1].isalpha():
                return True
    return text.startswith(knowledge.data_type_starts)


def split_legal_purpose(
    pieces: list[Line],
    frequency_line: int | None,
    legal_max: int,
    knowledge: Knowledge,
    vocab: Vocabulary = HSCIC_2014,
) -> tuple[list[Line], list[Line]]:
    """Legal-basis lines (narrow column) and purpose lines (wide column), in order.

    A short line is legal basis unless it shares the frequency's line after the legal
    basis began, or the legal basis so far is one the document prints whole elsewhere and
    no wide (purpose) line follows: then it is a one-line purpose ("Risk Stratification").
    """
    legal: list[Line] = []
    purpose: list[Line] = []
    wide_after = _wide_after(pieces, legal_max)
    for index, piece in enumerate(pieces):
        cut = _legal_prefix(piece.text, knowledge, vocab=vocab)
        if purpose:
            purpose.append(piece)
        elif not legal and len(piece.text) > legal_max and cut:
            legal.append(line_piece(piece, piece.text[:cut]))
            rest = piece.text[cut:].strip()
            purpose += [line_piece(piece, rest)] if rest else []
        elif (
            len(piece.text) > legal_max
            or (legal and piece.no == frequency_line)
            or (legal and not wide_after[index] and _legal_is_whole(legal, piece, knowledge))
        ):
            purpose.append(piece)
        else:
            legal.append(piece)
    return legal, purpose


def _wide_after(pieces: list[Line], legal_max: int) -> list[bool]:
    out, seen = [False] * len(pieces), False
    for index in range(len(pieces) - 1, -1, -1):
        out[index] = seen
        seen = seen or len(pieces[index].text) > legal_max
    return out


def _legal_is_whole(legal: list[Line], piece: Line, knowledge: Knowledge) -> bool:
    if piece.text[:1].islower():
        return False  # a lower-case line continues the sentence above it
    return join_lines([line.text for line in legal]) in knowledge.legal_bases


def _legal_prefix(text: str, knowledge: Knowledge, vocab: Vocabulary) -> int:
    """Length of the legal basis a wide line opens with, before the purpose on its line:
    a known legal basis, with the sections it cites ("... 2012 – s261(7)")."""
    if not text.startswith(knowledge.legal_starts):  # most lines open with none
        return 0
    known = [x for x in (*vocab.legal_openers, *knowledge.legal_bases) if text.startswith(x + " ")]
    end = max(map(len, known))
    section = SECTIONS.match(text, end)
    return section.end() if section and section.end() < len(text) else end


def split_cells(
    anchor: Line,
    body: list[Line],
    knowledge: Knowledge,
    settings: DumpSettings,
    legal_max: int,
    vocab: Vocabulary = HSCIC_2014,
) -> ParsedRow:
    """One row's lines cut into its eight cells, plus what trails it (floating cells)."""
    return fill_cells(
        anchor, body, cut_row(body, vocab=vocab), knowledge, settings, legal_max, vocab=vocab
    )


@dataclass(frozen=True)
class RowCut:
    """A row's lines cut at its data-provided, sensitivity and frequency cells: cuts that
    what the document repeats cannot move, so both passes of `parse_rows` share them."""

    head: list[Line]  # before the data-provided cell: organisation and data type
    provided: list[Line]
    sensitivity: list[Line]
    tail: list[Line]  # after the sensitivity, up to the frequency: legal basis and purpose
    frequency_line: int | None  # line number of the frequency cell
    frequency: list[Line] | None  # None when no frequency was found
    floating: list[Line]  # lines after the frequency


def cut_row(body: list[Line], vocab: Vocabulary = HSCIC_2014) -> RowCut | None:
    """The vocabulary's cuts of one row's lines; None when no data-provided/sensitivity
    cells are found."""
    middle = find_middle(body, vocab=vocab)
    if middle is None:
        return None
    provided, sens_start, sens_end = middle
    frequency = find_frequency(body, sens_end, vocab=vocab)
    end = frequency[0] if frequency else (len(body) - 1, len(body[-1].text))
    return RowCut(
        head=_slice(body, (0, 0), provided),
        provided=_slice(body, provided, sens_start),
        sensitivity=_slice(body, sens_start, sens_end),
        tail=_slice(body, sens_end, end),
        frequency_line=body[frequency[0][0]].no if frequency else None,
        frequency=_slice(body, *frequency) if frequency else None,
        floating=body[frequency[1][0] + 1 :] if frequency else [],
    )


def fill_cells(
    anchor: Line,
    body: list[Line],
    cut: RowCut | None,
    knowledge: Knowledge,
    settings: DumpSettings,
    legal_max: int,
    vocab: Vocabulary = HSCIC_2014,
) -> ParsedRow:
    """One row's eight cells from its cut: the narrow/wide splits (organisation and data
    type, legal basis and purpose) are the parts that use the document's knowledge."""
    row = ParsedRow(anchor.text, anchor, {"row_id": [anchor]})
    if cut is None:
        row.cells["data_type"] = body
        row.warnings.append("no data-provided/sensitivity cells found: the row is left whole")
        row.needs_review = True
        return row
    org, data = split_org_data_type(cut.head, knowledge, settings, vocab=vocab)
    row.cells.update(organisation=org, data_type=data)
    row.cells["data_provided"] = list(cut.provided)
    row.cells["sensitivity"] = list(cut.sensitivity)
    legal, purpose = split_legal_purpose(
        cut.tail, cut.frequency_line, legal_max, knowledge, vocab=vocab
    )
    row.cells.update(legal_basis=legal, purpose=purpose)
    if cut.frequency is not None:
        row.cells["frequency"] = list(cut.frequency)
        row.floating = list(cut.floating)
    return row
