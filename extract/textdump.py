"""Register text dumps (pdfminer / pdftotext output of an HSCIC-2014 register PDF) to rows.

A dump has lost the table: every cell is broken over lines, several cells may share one
line, the header block reappears at page starts, and vertically merged cells
(organisation, purpose) float away from their rows to after the last row they span.
The reader rebuilds the rows as a chain of small pure stages, each testable alone::

    lines_of -> drop_headers -> anchor_rows -> split_cells (twice: learn in between)
             -> float_items -> zones -> assign_zone -> attach_floating -> to_row

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

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import pairwise, product
from types import MappingProxyType
from typing import NamedTuple

from extract.errors import UnknownLayout
from extract.profiles import PROFILE_DIR, load_profiles, normalise_header
from extract.record import CellSpan, Fields, Row
from extract.text import join_lines

LAYOUT = "hscic-2014"
COLUMNS = (
    "row_id",
    "organisation",
    "data_type",
    "data_provided",
    "sensitivity",
    "legal_basis",
    "purpose",
    "frequency",
)
MERGEABLE = ("organisation", "purpose")


@dataclass(frozen=True)
class Vocabulary:
    """What a layout's text says about its columns: the layout profile's ``vocabulary``
    (``extract/profiles/<layout>.json``), so the reader itself knows no register's words."""

    data_provided_starts: frozenset[str]  # a "data provided" cell opens with one, capitalised
    sensitivities: frozenset[str]  # whole sensitivity values, lower case
    frequencies: tuple[str, ...]  # whole frequency values, as printed
    data_type_openers: tuple[str, ...]  # first words of data types: datasets, extract kinds
    org_endings: frozenset[str]  # last words of organisations: a one-line one ends there
    final_org_words: frozenset[str]  # endings after which an organisation cannot go on
    dataset_tails: frozenset[str]  # words that continue a dataset name, never open a data type
    legal_openers: tuple[str, ...]  # legal bases a wide line may open with
    dataset_terms: Mapping[str, str]  # dataset names in purposes and data types -> one key


def load_vocabulary(layout: str) -> Vocabulary:
    raw = json.loads((PROFILE_DIR / f"{layout}.json").read_text(encoding="utf-8"))["vocabulary"]
    return Vocabulary(
        data_provided_starts=frozenset(raw["data_provided_starts"]),
        sensitivities=frozenset(raw["sensitivities"]),
        frequencies=tuple(raw["frequencies"]),
        data_type_openers=tuple(raw["data_type_openers"]),
        org_endings=frozenset(raw["org_endings"]),
        final_org_words=frozenset(raw["final_org_words"]),
        dataset_tails=frozenset(raw["dataset_tails"]),
        legal_openers=tuple(raw["legal_openers"]),
        dataset_terms=MappingProxyType(dict(raw["dataset_terms"])),
    )


VOCABULARY = load_vocabulary(LAYOUT)  # read once, immutable
DATA_PROVIDED_STARTS = VOCABULARY.data_provided_starts
SENSITIVITIES = VOCABULARY.sensitivities
FREQUENCIES = VOCABULARY.frequencies
DATA_TYPE_OPENERS = VOCABULARY.data_type_openers
ORG_ENDINGS = VOCABULARY.org_endings
FINAL_ORG_WORDS = VOCABULARY.final_org_words
DATASET_TAILS = VOCABULARY.dataset_tails
LEGAL_OPENERS = VOCABULARY.legal_openers
DATASET_TERMS = VOCABULARY.dataset_terms
FREQUENCY_ENDS = frozenset(value[-1] for value in FREQUENCIES)
_DATASET_RE = re.compile(
    r"(?<![\w&])("
    + "|".join(sorted(map(re.escape, DATASET_TERMS), key=len, reverse=True))
    + r")(?![\w&])",
    re.IGNORECASE,
)
_TERMINAL = tuple(".:;!?)")
# Sections a legal basis cites after its Act: " – s261(7)", " - s261(1) and s261(2)(b)(ii)".
_SECTIONS = re.compile(r" [–-] s\d+[0-9a-z()]*(?: and s\d+[0-9a-z()]*)*")


@dataclass(frozen=True)
class DumpSettings:
    """Tunable widths of the layout, in characters of a dump line."""

    org_max: int = 28  # organisation column: a line this long or shorter may be one
    legal_ratio: float = 0.45  # legal-basis lines are shorter than this share of purpose lines
    max_search: int = 50_000  # readings tried when reattaching floating cells
    max_items: int = 8  # floating cells (or row runs) in one zone worth searching
    max_id_gap: int = 20  # ids a step between neighbouring rows may skip


class Line(NamedTuple):
    """A dump line or a piece of one. A named tuple, not a frozen dataclass: a dump makes
    thousands (every line, then every cut piece), and a tuple is several times quicker
    to build."""

    no: int  # 1-based line number in the dump
    text: str  # whitespace-collapsed
    page: int = 0  # 0: the dump has no form feeds, so pages are unknown


@dataclass
class ParsedRow:
    row_id: str
    anchor: Line
    cells: dict[str, list[Line]]
    floating: list[Line] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    needs_review: bool = False

    def text(self, name: str) -> str | None:
        return join_lines([line.text for line in self.cells.get(name, [])]) or None


@dataclass(frozen=True)
class Floating:
    """A merged cell found away from its rows: its organisation and/or purpose lines."""

    after: int  # index of the row it was found after
    organisation: tuple[Line, ...] = ()
    purpose: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    """What the document repeats: learned in a first pass, used to split cells in a second."""

    data_types: frozenset[str] = frozenset()
    legal_bases: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()

    # str.startswith takes a tuple of prefixes and tries them all in one call: these are
    # asked of nearly every line of every row, twice.
    @cached_property
    def data_type_starts(self) -> tuple[str, ...]:
        return tuple(self.data_types)

    @cached_property
    def organisation_starts(self) -> tuple[str, ...]:
        return tuple(name + " " for name in self.organisations)

    @cached_property
    def legal_starts(self) -> tuple[str, ...]:
        return tuple(x + " " for x in (*LEGAL_OPENERS, *self.legal_bases))


# ---------------------------------------------------------------- stage 1: lines


def lines_of(text: str) -> list[Line]:
    """Non-blank lines with their 1-based numbers and pages (form feeds end pages)."""
    return _collapsed(raw_lines(text))


def raw_lines(text: str) -> list[Line]:
    """Non-blank lines as printed (form feeds removed, spacing kept), numbered and paged."""
    if "\f" not in text:
        return [Line(no, raw.rstrip()) for no, raw in enumerate(text.split("\n"), 1) if raw.strip()]
    out, page = [], 1
    for no, raw in enumerate(text.split("\n"), 1):
        if raw.strip():  # a form feed before the text starts the line's page, one after ends it
            lead = raw[: len(raw) - len(raw.lstrip())].count("\f")
            out.append(Line(no, raw.lstrip("\f").replace("\f", " ").rstrip(), page + lead))
        page += raw.count("\f")
    return out


# ---------------------------------------------------------------- stage 2: headers


@cache
def _header_vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    profile = next(p for p in load_profiles() if p.name == LAYOUT)
    synonyms = tuple(s for names in profile.columns.values() for s in names if s)
    words = {w for s in synonyms for w in s.split()} | DATA_PROVIDED_STARTS
    return frozenset(words), synonyms


def _words(text: str) -> list[str]:
    return normalise_header(text).split()


def drop_headers(lines: list[Line], values_beside: bool = True) -> list[Line]:
    """Lines without the column-header blocks that open the document and its pages.

    A header block is a run of lines made only of header words that spells at least two
    whole column headers; a lone "Sensitive" or "Identifiable" is a cell, not a header.
    With `values_beside` (plain dumps), value lines at a block's edges are kept as cells;
    in a layout-preserving dump a row's values share its lines, so they are header text.
    """
    vocabulary, synonyms = _header_vocabulary()
    keep: list[Line] = []
    run: list[Line] = []
    judged: dict[str, bool] = {}  # value lines repeat ("Sensitive", "One off"): judge each once
    for line in [*lines, Line(0, "\x00")]:
        if line.text not in judged:
            judged[line.text] = _header_words_only(line.text, vocabulary)
        if judged[line.text]:
            run.append(line)
            continue
        if run:
            keep.extend(_cells_around_header(run, synonyms, values_beside))
        run = []
        if line.no:
            keep.append(line)
    return keep


def _header_words_only(text: str, vocabulary: frozenset[str]) -> bool:
    return _could_be_header(text, vocabulary) and all(w in vocabulary for w in _words(text))


def _could_be_header(text: str, vocabulary: frozenset[str]) -> bool:
    """A cheap first look: a header line's first word is a header word."""
    first = text.split(" ", 1)[0].lower().strip(",:;.()").split("-", 1)[0]
    return first in vocabulary


def _cells_around_header(
    run: list[Line], synonyms: tuple[str, ...], values_beside: bool = True
) -> list[Line]:
    """The lines of a header-word run that are cells: all of it, or the values around it.

    A row's last "One off" or "Sensitive" can sit just before the next page's header.
    """
    if not _spells_headers(run, synonyms):
        return run
    if not values_beside:
        return []
    start, end = 0, len(run)
    while start < end and _is_value_line(run[start].text):
        start += 1
    while end > start and _is_value_line(run[end - 1].text):
        end -= 1
    return run[:start] + run[end:]


def _is_value_line(text: str) -> bool:
    bare = text.rstrip(" ,.").lower()
    return text in FREQUENCIES or bare in DATA_PROVIDED_STARTS or bare in SENSITIVITIES


def _spells_headers(run: list[Line], synonyms: tuple[str, ...]) -> bool:
    joined = " " + " ".join(" ".join(_words(line.text)) for line in run) + " "
    return sum(f" {s} " in joined for s in synonyms) >= 2


# ---------------------------------------------------------------- stage 3: anchors


def _leading_number(text: str) -> int | None:
    head = text.split(" ", 1)[0]
    return int(head) if _is_row_number(head) and len(head) <= 7 else None


def _is_row_number(text: str) -> bool:
    # ASCII only: str.isdigit() is also true of superscripts ("¹02"), which int() refuses
    return text.isascii() and text.isdigit()


def anchor_rows(
    lines: list[Line], settings: DumpSettings = DumpSettings()
) -> tuple[list[Line], list[tuple[Line, list[Line]]]]:
    """Lines before the first row, and each row's id line with its lines up to the next id.

    Row ids run in sequence, but not without breaks: withdrawn rows, misprinted ids and
    ids lost at a page break leave gaps, and a second table (edition) starts again. The
    best-scoring chain of id lines wins (see `_best_chain`), so a purpose line opening
    "4 character codes" is no anchor while a gap does not cut the table in two.
    """
    chain = _best_chain(lines, settings)
    if not chain:
        return lines, []
    rows = []
    for start, end in zip(chain, [*chain[1:], len(lines)]):
        first = lines[start]
        row_id, _, rest = first.text.partition(" ")
        body = ([_piece(first, rest)] if rest else []) + lines[start + 1 : end]
        rows.append((_piece(first, row_id), body))
    return lines[: chain[0]], rows


GAP_COST = 0.5  # per id a step in the chain skips: a missing row is likelier than a false id
RESTART_COST = 3.0  # a chain going back (a new table) or far forward: needs several ids to pay


def _best_chain(lines: list[Line], settings: DumpSettings) -> list[int]:
    """Indices of the id lines of the best chain: each id scores 1, a step skipping ids
    (up to `settings.max_id_gap`) costs GAP_COST per skipped id, and any other step (ids
    restarting, or jumping further) costs RESTART_COST and must land on a line that opens
    row cells (not a numbered list in a purpose). Ties keep the earliest line."""
    best: dict[int, tuple[float, int]] = {}  # row number -> (score, line index) of best end
    back: dict[int, int | None] = {}  # line index -> previous id line in its chain
    top: tuple[float, int] | None = None  # best chain end so far, any number
    numbers = [_leading_number(line.text) for line in lines]
    for index, number in enumerate(numbers):
        if number is None:
            continue
        score, previous = 1.0, None
        step = _best_step(best, number, settings)
        restart = top[0] + 1 - RESTART_COST if top is not None else 0.0
        # a restart wins ties with a step; looking at its row's cells is the costly part,
        # so it is done only when no step beats the restart anyway
        beaten = step is not None and step[0] > restart
        if top is not None and restart > score and not beaten and _opens_row(lines, numbers, index):
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


def _opens_row(lines: list[Line], numbers: list[int | None], index: int) -> bool:
    """Whether the lines from an id line up to the next numbered line hold row cells."""
    end = next((i for i in range(index + 1, len(lines)) if numbers[i] is not None), len(lines))
    first = lines[index].text.partition(" ")[2]
    return find_middle([Line(0, first), *lines[index + 1 : end]]) is not None


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
            out.append(_piece(line, piece))
    return out


def _words_at(text: str) -> Iterator[tuple[int, str]]:
    """Each word of a line with its character offset (lines hold single spaces only)."""
    offset = 0
    for word in text.split(" "):
        yield offset, word
        offset += len(word) + 1


def _piece(line: Line, text: str) -> Line:
    return Line(line.no, text, line.page)


def _is_data_provided_start(word: str) -> bool:
    return word[:1].isupper() and word.rstrip(",;").lower() in DATA_PROVIDED_STARTS


def find_sensitivity(lines: Sequence[Line], start: Pos, reach: int = 6) -> tuple[Pos, Pos] | None:
    """Where the sensitivity cell ("Sensitive", "Non-" + "sensitive", ...) first starts and ends."""
    for index in range(start[0], min(start[0] + reach, len(lines))):
        text = lines[index].text
        for offset, word in _words_at(text):
            if index == start[0] and offset <= start[1]:
                continue
            end = _sensitivity_end(lines, index, offset, word)
            if end:
                return (index, offset), end
    return None


def _sensitivity_end(lines: Sequence[Line], index: int, offset: int, word: str) -> Pos | None:
    text = lines[index].text
    bare = word.lower().rstrip(".,")
    if bare in SENSITIVITIES:
        return index, offset + len(word)
    if bare == "non" and text[offset + len(word) :].lstrip().lower().startswith("sensitive"):
        return index, offset + len(word) + 1 + len("sensitive")
    if word in ("Non-", "Non") and offset + len(word) == len(text) and index + 1 < len(lines):
        following = lines[index + 1].text.split(" ", 1)[0]
        if following.lower().rstrip(".,") == "sensitive":
            return index + 1, len(following)
    return None


def find_middle(lines: Sequence[Line]) -> tuple[Pos, Pos, Pos] | None:
    """Start of the data-provided cell, and start and end of the sensitivity cell after it."""
    for index, line in enumerate(lines):
        if not _may_open_provided(line.text):
            continue
        for offset, word in _words_at(line.text):
            if _is_data_provided_start(word):
                found = find_sensitivity(lines, (index, offset))
                if found:
                    return (index, offset), found[0], found[1]
    return None


def _may_open_provided(text: str) -> bool:
    """Whether a line names a data-provided opener anywhere: most lines do not, and one
    look at the whole line is cheaper than testing it word by word."""
    lowered = text.lower()
    return any(start in lowered for start in DATA_PROVIDED_STARTS)


def find_frequency(lines: Sequence[Line], start: Pos) -> tuple[Pos, Pos] | None:
    """The first line after `start` that ends with a frequency value, e.g. "... One off"."""
    for index in range(start[0], len(lines)):
        text = lines[index].text
        if text[-1] not in FREQUENCY_ENDS:  # a cheap refusal before trying each value
            continue
        for value in FREQUENCIES:
            at = len(text) - len(value)
            standalone = text.endswith(value) and (at == 0 or text[at - 1] == " ")
            if standalone and (index > start[0] or at >= start[1]):
                return (index, at), (index, len(text))
    return None


def split_org_data_type(
    pieces: list[Line], knowledge: Knowledge, settings: DumpSettings
) -> tuple[list[Line], list[Line]]:
    """Organisation lines (narrow column) and data-type lines, before "data provided"."""
    opener = _first_opener(pieces, knowledge)
    if opener and not _runs_on(pieces[opener - 1].text):
        # a later line names a dataset: the lines above it are the organisation
        return pieces[:opener], pieces[opener:]
    org: list[Line] = []
    data: list[Line] = []
    for piece in pieces:
        if data:
            data.append(piece)
            continue
        cut = _data_type_start(piece.text, knowledge, settings, first=not org)
        if cut is None:
            org.append(piece)
        else:
            head, tail = piece.text[:cut].strip(), piece.text[cut:].strip()
            org += [_piece(piece, head)] if head else []
            data.append(_piece(piece, tail))
    if not data:  # every row has a data type; only the organisation may float
        return org[:-1], org[-1:]
    return org, data


def _runs_on(text: str) -> bool:
    """Text ending like this continues into what follows ("Bridge file: HES ...")."""
    return text.rstrip().endswith((":", ";", ",", "-"))


def _first_opener(pieces: list[Line], knowledge: Knowledge, reach: int = 6) -> int:
    """Index of the first line after the first that opens with a dataset name, else 0."""
    for index, piece in enumerate(pieces[1:reach], 1):
        if _opens_data_type(piece.text, knowledge):
            return index
    return 0


def _data_type_start(
    text: str, knowledge: Knowledge, settings: DumpSettings, first: bool
) -> int | None:
    """Where a data type begins in a line that may open with the organisation.

    Only the first line can hold both (a one-line organisation beside the data type);
    later lines continue the organisation while they are narrow and name no dataset.
    """
    if not first:
        wide = len(text) > settings.org_max
        return 0 if wide or _opens_data_type(text, knowledge) else None
    known = _known_prefix(text, knowledge)
    if known:
        return known
    for offset, _ in _words_at(text):
        if offset > settings.org_max + 8 or any(c.isdigit() for c in text[:offset]):
            break
        if _opens_data_type(text[offset:], knowledge) and not _runs_on(text[:offset]):
            return offset
    if len(text) <= settings.org_max:
        return None
    return _after_org_ending(text, settings)


def _known_prefix(text: str, knowledge: Knowledge) -> int:
    """Length of the longest known organisation the line opens with, before more text."""
    if not text.startswith(knowledge.organisation_starts):  # most lines open with none
        return 0
    found = [len(name) for name in knowledge.organisations if text.startswith(name + " ")]
    return max(found, default=0)


def _after_org_ending(text: str, settings: DumpSettings) -> int:
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
        if word in ORG_ENDINGS and following[:1].isupper() and following not in DATASET_TAILS:
            cut = offset
    return cut


def _opens_data_type(text: str, knowledge: Knowledge) -> bool:
    if text.startswith(DATA_TYPE_OPENERS):  # most lines open with none: one call says so
        for opener in DATA_TYPE_OPENERS:
            if text.startswith(opener) and not text[len(opener) : len(opener) + 1].isalpha():
                return True
    return text.startswith(knowledge.data_type_starts)


def split_legal_purpose(
    pieces: list[Line], frequency_line: int | None, legal_max: int, knowledge: Knowledge
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
        cut = _legal_prefix(piece.text, knowledge)
        if purpose:
            purpose.append(piece)
        elif not legal and len(piece.text) > legal_max and cut:
            legal.append(_piece(piece, piece.text[:cut]))
            rest = piece.text[cut:].strip()
            purpose += [_piece(piece, rest)] if rest else []
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


def _legal_prefix(text: str, knowledge: Knowledge) -> int:
    """Length of the legal basis a wide line opens with, before the purpose on its line:
    a known legal basis, with the sections it cites ("... 2012 – s261(7)")."""
    if not text.startswith(knowledge.legal_starts):  # most lines open with none
        return 0
    known = [x for x in (*LEGAL_OPENERS, *knowledge.legal_bases) if text.startswith(x + " ")]
    end = max(map(len, known))
    section = _SECTIONS.match(text, end)
    return section.end() if section and section.end() < len(text) else end


def split_cells(
    anchor: Line,
    body: list[Line],
    knowledge: Knowledge,
    settings: DumpSettings,
    legal_max: int,
) -> ParsedRow:
    """One row's lines cut into its eight cells, plus what trails it (floating cells)."""
    return fill_cells(anchor, body, cut_row(body), knowledge, settings, legal_max)


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


def cut_row(body: list[Line]) -> RowCut | None:
    """The vocabulary's cuts of one row's lines; None when no data-provided/sensitivity
    cells are found."""
    middle = find_middle(body)
    if middle is None:
        return None
    provided, sens_start, sens_end = middle
    frequency = find_frequency(body, sens_end)
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
) -> ParsedRow:
    """One row's eight cells from its cut: the narrow/wide splits (organisation and data
    type, legal basis and purpose) are the parts that use the document's knowledge."""
    row = ParsedRow(anchor.text, anchor, {"row_id": [anchor]})
    if cut is None:
        row.cells["data_type"] = body
        row.warnings.append("no data-provided/sensitivity cells found: the row is left whole")
        row.needs_review = True
        return row
    org, data = split_org_data_type(cut.head, knowledge, settings)
    row.cells.update(organisation=org, data_type=data)
    row.cells["data_provided"] = list(cut.provided)
    row.cells["sensitivity"] = list(cut.sensitivity)
    legal, purpose = split_legal_purpose(cut.tail, cut.frequency_line, legal_max, knowledge)
    row.cells.update(legal_basis=legal, purpose=purpose)
    if cut.frequency is not None:
        row.cells["frequency"] = list(cut.frequency)
        row.floating = list(cut.floating)
    return row


# ---------------------------------------------------------------- stage 5: floating cells


def float_items(
    lines: list[Line], after: int, settings: DumpSettings, wide: int = 60
) -> list[Floating]:
    """Floating lines cut into items: an organisation (narrow lines) and/or its purpose.

    Purpose lines are wide. A narrow line is an organisation line unless it ends a
    sentence straight after a wide line ("report."); a middling line is one only when
    more organisation-like lines follow and it ends no sentence ("National Institute for").
    """
    items: list[Floating] = []
    org: list[Line] = []
    purpose: list[Line] = []
    for index, line in enumerate(lines):
        continues = bool(org) and not purpose and len(line.text) <= settings.org_max + 8
        if _is_org_line(lines, index, settings.org_max, wide, continues):
            if purpose:
                items.append(_item(after, org, purpose))
                org, purpose = [], []
            org.append(line)
        else:
            purpose.append(line)
    if org or purpose:
        items.append(_item(after, org, purpose))
    return items


def _item(after: int, org: list[Line], purpose: list[Line]) -> Floating:
    """An item; narrow lines after an organisation's unmistakable last word ("CCG", "Ltd")
    are a one-line purpose ("Risk Stratification"), not more organisation."""
    for index, line in enumerate(org[:-1]):
        if line.text.rsplit(" ", 1)[-1] in FINAL_ORG_WORDS and org[index + 1].text[:1].isupper():
            return Floating(after, tuple(org[: index + 1]), tuple(org[index + 1 :] + purpose))
    return Floating(after, tuple(org), tuple(purpose))


def _is_org_line(lines: list[Line], index: int, narrow: int, wide: int, continues: bool) -> bool:
    """Whether a floating line belongs to an organisation; `continues`: an organisation
    is open above it and the line is no wider than that column can be."""
    text = lines[index].text
    previous_wide = index > 0 and len(lines[index - 1].text) > wide
    if len(text) <= narrow:
        return not (previous_wide and _ends_sentence(text))
    if len(text) > wide or previous_wide or _ends_sentence(text):
        return False
    return continues or (index + 1 < len(lines) and len(lines[index + 1].text) <= wide)


def _ends_sentence(text: str) -> bool:
    return text.endswith(_TERMINAL) or text[:1].islower()


# ---------------------------------------------------------------- stage 6: reattachment


@dataclass(frozen=True)
class Assignment:
    """Which rows one floating item goes to, and how sure the text makes that."""

    rows: tuple[int, ...]
    item: Floating
    reason: str
    review: bool = True  # inferred rather than read: a person should look


def _lacks(row: ParsedRow) -> bool:
    """A row a floating cell may fill: the organisation and purpose are merged together
    in this layout, so a row printing its own organisation is outside any merged block."""
    return not row.cells.get("organisation")


def zones(rows: list[ParsedRow], items: list[Floating]) -> list[tuple[list[int], list[Floating]]]:
    """Rows that lack a merged cell, grouped with the floating items that can fill them.

    An item found after row p belongs to a block of rows lacking a value that contains p
    (bottom-aligned merged text starts inside its block), or to unfilled rows above it.
    """
    out: list[tuple[list[int], list[Floating]]] = []
    claimed = -1
    by_place: dict[int, list[Floating]] = {}
    for item in items:
        by_place.setdefault(item.after, []).append(item)
    for after, group in sorted(by_place.items()):
        end = after
        while end + 1 < len(rows) and _lacks(rows[end + 1]) and _lacks(rows[end]):
            end += 1
        members = [i for i in range(claimed + 1, end + 1) if _lacks(rows[i])]
        if not members and out:
            out[-1][1].extend(group)
            continue
        out.append((members, group))
        claimed = max(claimed, end)
    return [(members, _dedupe(_pair_items(group))) for members, group in out]


def _dedupe(items: list[Floating]) -> list[Floating]:
    """One item per merged cell: a block crossing a page break prints its merged cells on
    both pages, so the same organisation and purpose float twice; the later copy marks
    where the block ends."""
    last: dict[tuple[str, ...], Floating] = {}
    for item in items:
        key = tuple(line.text for line in item.organisation + item.purpose)
        last[key if item.organisation else (str(id(item)),)] = item
    kept = set(map(id, last.values()))
    return [item for item in items if id(item) in kept]


def _pair_items(group: list[Floating]) -> list[Floating]:
    """Organisation-only and purpose-only items of one zone, paired in order when they match."""
    orgs = [i for i in group if i.organisation and not i.purpose]
    purposes = [i for i in group if i.purpose and not i.organisation]
    if orgs and len(orgs) == len(purposes):
        whole = [i for i in group if i.organisation and i.purpose]
        return whole + [
            Floating(o.after, o.organisation, p.purpose) for o, p in zip(orgs, purposes)
        ]
    return group


def runs_of(members: list[int], ends: frozenset[int] = frozenset()) -> list[list[int]]:
    """Members split where a row with its own organisation interrupts them, and after
    rows in `ends` (a row printing its own purpose can only be the last of a block)."""
    runs: list[list[int]] = []
    for index in members:
        if runs and runs[-1][-1] == index - 1 and runs[-1][-1] not in ends:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def datasets_in(text: str | None) -> frozenset[str]:
    return frozenset(DATASET_TERMS[m.lower()] for m in _DATASET_RE.findall(text or ""))


def boundary_evidence(a: ParsedRow, b: ParsedRow) -> int:
    """How many of the single-row columns change between two neighbouring rows."""
    columns = ("data_provided", "sensitivity", "legal_basis", "frequency")
    return sum(a.text(c) != b.text(c) for c in columns)


def segmentations(runs: list[list[int]], k: int) -> Iterator[list[list[int]]]:
    """Every way to cut the runs into k contiguous segments (each run cut at least once)."""
    if k < len(runs):
        return
    if len(runs) == 1:
        yield from _cuts(runs[0], k)
        return
    for here in range(1, k - len(runs) + 2):
        for head in _cuts(runs[0], here):
            for rest in segmentations(runs[1:], k - here):
                yield head + rest


def _cuts(run: list[int], k: int) -> Iterator[list[list[int]]]:
    if k == 1:
        yield [run]
        return
    for split in range(1, len(run) - k + 2):
        for rest in _cuts(run[split:], k - 1):
            yield [run[:split], *rest]


@dataclass(frozen=True)
class Evidence:
    """What a zone's rows and items say, worked out once before the search reads it."""

    change: dict[int, int]  # row -> how many single-row columns change to the next row
    data_type: dict[int, str | None]
    row_sets: dict[int, frozenset[str]]  # row -> datasets its data type names
    item_sets: tuple[frozenset[str], ...]  # item -> datasets its purpose names
    after: tuple[int, ...]  # item -> the row it was found after
    own_purpose: frozenset[int]  # rows that print a purpose of their own
    has_purpose: tuple[bool, ...]  # item -> whether it brings a purpose


def gather(
    rows: list[ParsedRow], members: list[int], items: list[Floating], own: frozenset[int]
) -> Evidence:
    last = len(rows) - 1
    return Evidence(
        own_purpose=own,
        has_purpose=tuple(bool(item.purpose) for item in items),
        change={i: boundary_evidence(rows[i], rows[i + 1]) for i in members if i < last},
        data_type={i: rows[i].text("data_type") for i in members},
        row_sets={i: datasets_in(rows[i].text("data_type")) for i in members},
        item_sets=tuple(datasets_in(join_lines([x.text for x in i.purpose])) for i in items),
        after=tuple(item.after for item in items),
    )


def _inner_cost(ev: Evidence, segment: Sequence[int]) -> int:
    types = [ev.data_type[i] for i in segment]
    # one request rarely lists a dataset twice
    return -sum(ev.change[i] for i in segment[:-1]) - 2 * (len(types) - len(set(types)))


def _match_score(ev: Evidence, segment: Sequence[int], item: int) -> int:
    """Datasets the item's purpose names among its rows' data types, and where it was found.

    Bottom-aligned merged text ends at its block's bottom and starts inside the block, so
    the row it was found after most likely ends the block, and at least belongs to it.
    """
    after = ev.after[item]
    found = 5 if after == segment[-1] else (1 if after in segment else 0)
    named = ev.item_sets[item]
    if ev.has_purpose[item] and any(i in ev.own_purpose for i in segment):
        found -= CLASH  # a block has one purpose: a row with its own is not in this one
    return found + (sum(1 for i in segment if ev.row_sets[i] & named) if named else 0)


MARGIN = 2  # score by which the best reading must beat every other for an item to be decided


def assign_zone(
    rows: list[ParsedRow], members: list[int], items: list[Floating], settings: DumpSettings
) -> tuple[list[Assignment], list[int]]:
    """Give each floating item its rows where the text decides; and the rows left undecided."""
    own = frozenset(i for i in members if rows[i].cells.get("purpose"))
    runs = runs_of(members, own)
    if len(items) == 1 and len(runs) == 1 and not (items[0].purpose and own):
        reason = "the only floating cell after these rows"
        return [Assignment(tuple(members), items[0], reason, review=False)], []
    if len(items) > settings.max_items or len(runs) > settings.max_items:
        return [], members  # too many ways to read: say so rather than search for ever
    ev = gather(rows, members, items, own)
    near = _near_best(ev, runs, len(items), settings)
    spans = {i: {tuple(c[1][c[2].index(i)]) for c in near} for i in range(len(items))}
    unique = {i: next(iter(found)) for i, found in spans.items() if len(found) == 1}
    # Only positive evidence decides: the row it was found after, or a dataset its purpose
    # names. Taking whatever the others leave is enough only for the last item standing.
    sure = {i for i, span in unique.items() if _match_score(ev, span, i) > 0}
    if len(items) - len(sure) == 1 and len(unique) == len(items):
        sure = set(unique)
    reason = "placed by where it was found, the datasets its purpose names and row differences"
    decided = [Assignment(unique[i], items[i], reason) for i in sorted(sure)]
    covered = {i for a in decided for i in a.rows}
    return decided, [i for i in members if i not in covered]


Candidate = tuple[int, list[list[int]], tuple[int, ...]]
NO_READING = float("-inf")  # no way to cut the rest of the rows into the items left


def _near_best(
    ev: Evidence, runs: list[list[int]], count: int, settings: DumpSettings
) -> list[Candidate]:
    """Every reading (segments, and which item fills each) scoring within MARGIN of the best.

    A reading's score is a sum over its segments and the cuts between them, so the best
    score from any cut on is worked out once (`_Search.best`), and only readings that can
    still come within MARGIN of the best are followed: the readings that scoring every
    segmentation in every order would keep, without scoring the many that are far off.
    """
    groups = _found_together(ev.after)
    covers = list(_covers(runs, count, ev.own_purpose))
    orders = math.prod(math.factorial(len(group)) for group in groups)
    readings = orders * sum(_segmentation_count(covered, count) for covered, _ in covers)
    if not readings or readings >= settings.max_search:
        return []  # too many ways to read: the zone stays undecided
    values: dict[tuple[tuple[int, ...], int], int] = {}
    searches = [
        _Search(ev, _plan(ev, covered, -SKIP_COST * skipped), groups, values)
        for covered, skipped in covers
    ]
    everything = frozenset(range(count))
    top = max(search.plan.base + search.best(0, everything) for search in searches)
    return [c for search in searches for c in search.readings_above(top - MARGIN)]


def _found_together(after: tuple[int, ...]) -> list[list[int]]:
    """Items grouped by the row they were found after, down the rows: items found at
    different places keep their text order; items found together may come in any order."""
    return [[i for i, at in enumerate(after) if at == place] for place in sorted(set(after))]


Step = tuple[int, tuple[int, ...], int]  # a segment's last position, its rows, its cut's score


@dataclass(frozen=True)
class _Plan:
    """The rows a cover fills, as positions 0..n-1, and the segments that may start at each."""

    size: int
    steps: list[list[Step]]  # position -> segments starting there (none crosses a run)
    base: int  # minus the cost of the rows the cover leaves empty


def _plan(ev: Evidence, covered: list[list[int]], base: int) -> _Plan:
    rows = [i for run in covered for i in run]
    steps: list[list[Step]] = []
    start = 0
    for run in covered:
        for offset in range(len(run)):
            first = start + offset
            ends = range(first, start + len(run))
            steps.append(
                [(end, tuple(rows[first : end + 1]), _cut_score(ev, rows, end)) for end in ends]
            )
        start += len(run)
    return _Plan(len(rows), steps, base)


def _cut_score(ev: Evidence, rows: list[int], end: int) -> int:
    """What a cut after position `end` scores: how much its row and the next differ, if the
    next is its neighbour (a cut before an empty row, or at the end, tells nothing)."""
    if end + 1 < len(rows) and rows[end] + 1 == rows[end + 1]:
        return ev.change[rows[end]]
    return 0


def _segmentation_count(covered: list[list[int]], k: int) -> int:
    """How many ways `segmentations(covered, k)` yields: k - len(covered) cuts among the
    gaps inside the runs."""
    rows = sum(map(len, covered))
    return math.comb(rows - len(covered), k - len(covered)) if k >= len(covered) else 0


class _Search:
    """The readings of one cover: segments cut from its rows, each filled by one item."""

    def __init__(
        self,
        ev: Evidence,
        plan: _Plan,
        groups: list[list[int]],
        values: dict[tuple[tuple[int, ...], int], int],
    ) -> None:
        self.ev, self.plan, self.groups = ev, plan, groups
        self.values = values  # (segment, item) -> score: shared, segments recur across covers
        self.memo: dict[tuple[int, frozenset[int]], float] = {}

    def step(self, segment: tuple[int, ...], item: int) -> int:
        """A segment's own cost and the item's match with it."""
        key = (segment, item)
        if key not in self.values:
            self.values[key] = _inner_cost(self.ev, segment) + _match_score(self.ev, segment, item)
        return self.values[key]

    def next_items(self, left: frozenset[int]) -> list[int]:
        """The items that may fill the next segment: those left of the first group left."""
        return next(
            ([i for i in g if i in left] for g in self.groups if not left.isdisjoint(g)), []
        )

    def best(self, start: int, left: frozenset[int]) -> float:
        """The best score of filling positions start.. with the items `left`, cuts included;
        NO_READING when they cannot be cut so."""
        if self.plan.size - start < len(left) or (start < self.plan.size and not left):
            return NO_READING  # every item fills a segment of one row or more, every row a segment
        if not left:
            return 0
        key = (start, left)
        if key not in self.memo:
            self.memo[key] = max(
                [step + rest for _, _, _, step, rest in self.options(start, left)],
                default=NO_READING,
            )
        return self.memo[key]

    def options(
        self, start: int, left: frozenset[int]
    ) -> Iterator[tuple[int, int, tuple[int, ...], int, float]]:
        """Each item and segment that can come next and still be completed: the item, the
        segment's last position, its rows, what it scores with its cut, and the best score
        of the rest of a reading going that way."""
        last_end = self.plan.size - len(left)  # the items after this one need a row each
        for item in self.next_items(left):
            after = left - {item}
            for end, segment, cut in self.plan.steps[start]:
                if end > last_end:
                    break  # steps run from the shortest segment up
                rest = self.best(end + 1, after)
                if rest != NO_READING:
                    yield item, end, segment, self.step(segment, item) + cut, rest

    def readings_above(self, floor: float) -> Iterator[Candidate]:
        """The readings scoring above `floor`; a partial reading is dropped as soon as its
        best completion cannot pass the floor."""
        everything = frozenset(i for group in self.groups for i in group)
        yield from self._walk(0, everything, self.plan.base, [], (), floor)

    def _walk(
        self,
        start: int,
        left: frozenset[int],
        score: int,
        segments: list[list[int]],
        order: tuple[int, ...],
        floor: float,
    ) -> Iterator[Candidate]:
        if not left:
            yield score, segments, order
            return
        for item, end, segment, step, rest in self.options(start, left):
            if score + step + rest > floor:
                yield from self._walk(
                    end + 1,
                    left - {item},
                    score + step,
                    [*segments, list(segment)],
                    (*order, item),
                    floor,
                )


SKIP_COST = 2  # per row a reading leaves without a floating cell
CLASH = 10  # a reading that gives a second purpose to a row printing its own


def _covers(
    runs: list[list[int]], count: int, own: frozenset[int] = frozenset()
) -> Iterator[tuple[list[list[int]], int]]:
    """Which rows the items fill, and how many that leaves empty: a row can lack its
    organisation for other reasons (it shares an unreadable line with its data type).
    Each run is filled, left empty, or filled but for a last row printing its own purpose
    (a single-row agreement whose organisation could not be cut from its line)."""
    total = sum(map(len, runs))
    options = [[[], run] + ([run[:-1]] if len(run) > 1 and run[-1] in own else []) for run in runs]
    for choice in product(*options):
        covered = [run for run in choice if run]
        if 0 < len(covered) <= count:
            yield covered, total - sum(map(len, covered))


# ---------------------------------------------------------------- stage 7: rows


def attach_floating(rows: list[ParsedRow], settings: DumpSettings, wide: int = 60) -> None:
    """Fill rows that lack a merged cell from the floating cells after them, with warnings."""
    items = [
        item for i, row in enumerate(rows) for item in float_items(row.floating, i, settings, wide)
    ]
    for members, group in zones(rows, items):
        assignments, undecided = assign_zone(rows, members, group, settings)
        if undecided:
            placed = {id(a.item) for a in assignments}
            _mark_undecided(rows, undecided, [i for i in group if id(i) not in placed])
        for assignment in assignments:
            _apply(rows, assignment)


def _span_text(indices: Iterable[int], rows: list[ParsedRow]) -> str:
    """Row ids as ranges, e.g. "37-44, 46-49"."""
    parts = []
    for run in runs_of(sorted(indices)):
        first, last = rows[run[0]].row_id, rows[run[-1]].row_id
        parts.append(first if len(run) == 1 else f"{first}-{last}")
    return ", ".join(parts)


def _apply(rows: list[ParsedRow], assignment: Assignment) -> None:
    span = _span_text(assignment.rows, rows)
    after = rows[assignment.item.after].row_id
    for index in assignment.rows:
        row = rows[index]
        for name, lines in (
            ("organisation", assignment.item.organisation),
            ("purpose", assignment.item.purpose),
        ):
            if lines and not row.cells.get(name):
                row.cells[name] = list(lines)
                row.warnings.append(
                    f"{name} taken from a merged cell floating after row {after}, "
                    f"given to rows {span}: {assignment.reason}"
                )
                row.needs_review = row.needs_review or assignment.review


def _mark_undecided(rows: list[ParsedRow], members: list[int], group: list[Floating]) -> None:
    span = _span_text(members, rows)
    names = [join_lines([line.text for line in i.organisation]) for i in group if i.organisation]
    listed = "; ".join(names) if names else "unnamed"
    why = (
        f"one of {len(group)} floating merged cells ({listed}) found with rows {span}; "
        "the text does not decide which rows each spans"
        if group
        else f"no floating merged cell is left for rows {span}"
    )
    for index in members:
        row = rows[index]
        for name in MERGEABLE:
            if not row.cells.get(name):
                row.warnings.append(f"{name} left empty: {why}")
        row.needs_review = True


def to_row(parsed: ParsedRow) -> Row:
    values = {name: parsed.text(name) for name in COLUMNS}
    cells = {
        name: CellSpan(lines=(lines[0].no, lines[-1].no))
        for name, lines in parsed.cells.items()
        if lines
    }
    pages = sorted({line.page for lines in parsed.cells.values() for line in lines} - {0})
    warnings = list(parsed.warnings)
    for name in MERGEABLE:
        if values[name] is None and not any(w.startswith(name) for w in warnings):
            warnings.append(f"{name} not found in the text")
    return Row(
        fields=Fields.model_validate(values),
        layout=LAYOUT,
        pages=pages,
        cells=cells,
        warnings=warnings,
        needs_review=parsed.needs_review or len(warnings) > len(parsed.warnings),
    )


# ---------------------------------------------------------------- entry points


def legal_width(lines: list[Line], settings: DumpSettings) -> int:
    """Longest a legal-basis line can be: a share of the long (purpose) lines' length."""
    lengths = sorted(len(line.text) for line in lines)
    if not lengths:
        return 40
    return max(40, int(lengths[int(len(lengths) * 0.95)] * settings.legal_ratio))


def wrapped_width(rows: list[ParsedRow], name: str, slack: int = 6) -> int:
    """A column's width as its cells show it: lines that wrapped (all but a cell's last)
    fill it nearly to the edge. Without enough such lines, no limit."""
    wrapped = [len(line.text) for row in rows for line in row.cells.get(name, [])[:-1]]
    return max(wrapped) + slack if len(wrapped) >= 3 else 10**6


def learn(rows: list[ParsedRow], settings: DumpSettings, wide: int) -> Knowledge:
    """Data types, legal bases and organisations the document prints whole, to split
    other rows by."""
    data_types = {
        row.text("data_type") or ""
        for row in rows
        if not row.cells.get("organisation")
        and row.cells.get("data_type")
        and row.cells["data_type"][0].no != row.anchor.no  # alone on its line: no org beside it
    }
    legal = {row.text("legal_basis") or "" for row in rows if row.cells.get("purpose")}
    orgs = {row.text("organisation") or "" for row in rows}
    for index, row in enumerate(rows):
        for item in float_items(row.floating, index, settings, wide):
            orgs.add(join_lines([line.text for line in item.organisation]))
    return Knowledge(
        frozenset(d for d in data_types if len(d) > 3),
        frozenset(x for x in legal if x),
        frozenset(o for o in orgs if len(o) > 3),
    )


def parse_rows(
    lines: list[Line],
    settings: DumpSettings = DumpSettings(),
    anchors: tuple[list[Line], list[tuple[Line, list[Line]]]] | None = None,
    cuts: list[RowCut | None] | None = None,
) -> list[ParsedRow]:
    """Rows cut into cells in two passes (the second knows what the first saw whole), then
    floating merged cells reattached; `lines` are whitespace-collapsed, headers dropped;
    `anchors` (`anchor_rows(lines)` with default settings) and their `cuts`, if the format
    check made them."""
    if anchors is None or cuts is None or settings != DumpSettings():
        anchors = anchor_rows(lines, settings)
        cuts = [cut_row(body) for _, body in anchors[1]]
    before, blocks = anchors
    legal_max = legal_width(lines, settings)
    first = [
        fill_cells(anchor, body, cut, Knowledge(), settings, legal_max)
        for (anchor, body), cut in zip(blocks, cuts)
    ]
    knowledge = learn(first, settings, legal_max)
    narrower = min(legal_max, wrapped_width(first, "legal_basis"))
    rows = [
        fill_cells(anchor, body, cut, knowledge, settings, narrower) if _unsure(row) else row
        for row, (anchor, body), cut in zip(first, blocks, cuts)
    ]
    attach_floating(rows, settings, legal_max)
    id_breaks(rows)
    _warn_unanchored(before, rows)
    return rows


def _warn_unanchored(before: list[Line], rows: list[ParsedRow]) -> None:
    """Text before the first row id that reads like row cells is not dropped silently."""
    if not rows or find_middle(before) is None:
        return
    span = f"lines {before[0].no}-{before[-1].no}"
    rows[0].warnings.append(
        f"{span}, before row {rows[0].row_id}, hold row cells that no row id opens: "
        "a row may be missing"
    )
    rows[0].needs_review = True


def _unsure(row: ParsedRow) -> bool:
    """Rows whose cut the document's knowledge can change: an organisation sharing the id
    line with the data type, or a missing organisation or purpose."""
    data_type = row.cells.get("data_type") or []
    shares_id_line = bool(data_type) and data_type[0].no == row.anchor.no
    return shares_id_line or not row.cells.get("organisation") or not row.cells.get("purpose")


@dataclass(frozen=True)
class DumpLines:
    """A dump's lines as the format check prepared them, for the reader to go on from:
    the check already does the reader's first stages, so they need not run twice."""

    raw: list[Line]  # lines as printed
    lines: list[Line]  # whitespace-collapsed, headers dropped
    laid_out: bool  # columns kept (pdftotext -layout): read by position
    anchors: tuple[list[Line], list[tuple[Line, list[Line]]]] | None  # plain dumps only
    cuts: list[RowCut | None]  # each anchored row's cut (plain dumps only)


def prepare_dump(text: str) -> DumpLines:
    """The reader's first stages: lines, headers dropped, and (plain dumps) row anchors
    and each row's cut."""
    raw = raw_lines(text)
    lines = drop_headers(_collapsed(raw))
    if looks_laid_out(_same_lines(raw, lines)):
        return DumpLines(raw, lines, True, None, [])
    anchors = anchor_rows(lines)
    return DumpLines(raw, lines, False, anchors, [cut_row(body) for _, body in anchors[1]])


def read_text_dump(text: str, prepared: DumpLines | None = None) -> list[Row]:
    """Every table row of an HSCIC-2014 register text dump, as extracted by pdfminer or
    pdftotext, or by `pdftotext -layout` (columns kept: read by position).
    `prepared`: what `sniff_text_dump` made of the same whole text, if it ran.
    Raises ``UnknownLayout`` for a layout-preserving dump whose columns do not fit."""
    dump = prepare_dump(text) if prepared is None else prepared
    if not dump.laid_out:
        return [to_row(row) for row in parse_rows(dump.lines, anchors=dump.anchors, cuts=dump.cuts)]
    raw = dump.raw
    laid_out = _same_lines(raw, drop_headers(_collapsed(raw), values_beside=False))
    columns = find_columns(laid_out)
    if columns is None:
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) whose columns do not line up "
            "down the page: its cells cannot be told apart by position, and read as plain "
            "lines they would mix; extract the text without -layout"
        )
    return [to_row(row) for row in read_layout_dump(laid_out, columns)]


def _collapsed(raw: list[Line]) -> list[Line]:
    return [Line(line.no, " ".join(line.text.split()), line.page) for line in raw]


def _same_lines(raw: list[Line], kept: list[Line]) -> list[Line]:
    """The raw lines that `kept` (collapsed, perhaps fewer) came from."""
    numbers = {line.no for line in kept}
    return [line for line in raw if line.no in numbers]


DETECT_CHARS = 200_000  # the format check reads no further into a document


def looks_like_text_dump(text: str) -> bool:
    """A dump has row ids in sequence and the layout's value vocabulary; a layout-preserving
    one may instead show them in its first and fourth columns."""
    return sniff_text_dump(text) is not None


def sniff_text_dump(text: str) -> DumpLines | None:
    """The format check (see `looks_like_text_dump`): None for text that is no dump, else
    the prepared lines, which `read_text_dump` reuses when they hold the whole text."""
    head = text[:DETECT_CHARS]
    dump = prepare_dump(head)
    if not _has_dump_rows(dump):
        return None
    return dump if len(head) == len(text) else prepare_dump(text)


def _has_dump_rows(dump: DumpLines) -> bool:
    lines = dump.lines
    if dump.laid_out:
        # ids opening lines and the value vocabulary: a register's, read or refused as one
        ids = sum(_leading_number(line.text) is not None for line in lines)
        return ids >= 2 and find_middle(lines) is not None
    if len(dump.cuts) < 2:
        return False
    found = sum(cut is not None for cut in dump.cuts[:20])
    return found * 2 >= min(len(dump.cuts), 20)


# ---------------------------------------------------------------- layout-preserving dumps
#
# `pdftotext -layout` keeps the table's columns where they were printed: every cell is
# left-aligned in its column, and a column of spaces (a gutter) runs down the page
# between neighbouring columns. Such a dump is read by position, not by line grammar.


_EDGE = re.compile(r"(?<=  )\S")  # text starting after two spaces or more


def looks_laid_out(lines: list[Line], min_lines: int = 10) -> bool:
    """Whether lines were laid out in columns: most hold text after a run of 2+ spaces,
    and that text starts at a few recurring positions (in prose, or in a dump that
    doubles its spaces, the positions scatter)."""
    starts: dict[int, int] = {}
    spaced = 0
    for line in lines:
        if "  " not in line.text:
            continue
        found = [m.start() for m in _EDGE.finditer(line.text)]
        spaced += bool(found)
        for at in found:
            starts[at] = starts.get(at, 0) + 1
    if len(lines) < min_lines or spaced * 10 < len(lines) * 3:
        return False
    common = sorted(starts.values(), reverse=True)[: 2 * len(COLUMNS)]
    return sum(common) * 10 >= sum(starts.values()) * 7


@dataclass(frozen=True)
class Columns:
    """Where each printed column starts, in characters of a raw line, and the gutters."""

    starts: tuple[int, ...]
    gutters: tuple[tuple[int, int], ...]  # [start, end) of the spaces between columns


def find_columns(lines: list[Line], min_lines: int = 10) -> Columns | None:
    """Columns of a layout-preserving dump: runs of 2+ character positions blank on (nearly)
    every line, between spans that hold text on a fair share of lines; None for a dump
    whose lines were not laid out in columns."""
    if len(lines) < min_lines:
        return None
    width = max(len(line.text) for line in lines)
    used = [0] * (width + 1)
    for line in lines:
        for at, char in enumerate(line.text):
            if char != " ":
                used[at] += 1
    stray = len(lines) // 50  # a title or page footer may cross a gutter
    spans = _runs(i for i, count in enumerate(used) if count > stray)
    spans = [span for span in spans if max(used[span[0] : span[1]]) * 20 >= len(lines)]
    gutters = tuple((a[1], b[0]) for a, b in pairwise(spans) if b[0] - a[1] >= 2)
    if len(gutters) < 2 or not _shares_lines(lines, gutters):
        return None
    return Columns((0, *(end for _, end in gutters)), gutters)


def _runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive positions as [start, end) spans."""
    out: list[tuple[int, int]] = []
    for at in positions:
        if out and out[-1][1] == at:
            out[-1] = (out[-1][0], at + 1)
        else:
            out.append((at, at + 1))
    return out


def _shares_lines(lines: list[Line], gutters: tuple[tuple[int, int], ...]) -> bool:
    """Whether the columns are a table's: a good share of lines hold text on both sides of
    a gutter (ragged prose leaves a blank strip now and then, but never that)."""
    edges = [end for _, end in gutters]
    both = sum(
        any(line.text[:start].strip() and line.text[end:].strip() for start, end in gutters)
        for line in lines
        if len(line.text) > edges[0]
    )
    return both * 3 >= len(lines)


def read_layout_dump(lines: list[Line], columns: Columns) -> list[ParsedRow]:
    """Rows of a layout-preserving dump (raw lines, headers dropped): a number in the first
    column is a row's id, and every line's text goes to the cell of the column it stands
    in. Cells sit at the top of their rows (the id line opens a row) or at the bottom (the
    id line ends it): the reading whose "data provided" and sensitivity cells read as
    whole values is taken; if neither does, the dump is refused."""
    if len(columns.starts) != len(COLUMNS):
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) in which "
            f"{len(columns.starts)} columns line up where the {LAYOUT} layout has "
            f"{len(COLUMNS)}: its cells cannot be told apart by position; extract the text "
            "without -layout"
        )
    cut = [(line, _cut(line, columns)) for line in lines]
    readings = [_layout_rows(cut, columns, top) for top in (True, False)]
    rows, stray = max(readings, key=lambda reading: _whole_rows(reading[0]))
    if not rows or _whole_rows(rows) * 10 < len(rows) * 9:
        raise UnknownLayout(
            "a layout-preserving text dump (pdftotext -layout) whose cells are neither at "
            "the top nor at the bottom of their rows: they cannot be given to rows by "
            "position; extract the text without -layout"
        )
    for row in rows:
        if not _is_whole_row(row):
            row.warnings.append(
                "the data-provided, sensitivity or frequency cells do not read as whole values"
            )
            row.needs_review = True
    id_breaks(rows)
    _warn_unanchored(stray, rows)
    _warn_merged(rows)
    return rows


def _layout_rows(
    cut: list[tuple[Line, list[Line | None]]], columns: Columns, top: bool
) -> tuple[list[ParsedRow], list[Line]]:
    """Rows when the id line opens each row (`top`) or ends it; and the lines left over."""
    ids = [i for i, (_, pieces) in enumerate(cut) if pieces[0] and _is_row_number(pieces[0].text)]
    if not ids:
        return [], []
    bounds = pairwise([*ids, len(cut)] if top else [-1, *ids])
    rows = []
    for at, (lo, hi) in zip(ids, bounds):
        anchor = cut[at][1][0]
        assert anchor is not None
        row = ParsedRow(anchor.text, anchor, {"row_id": [anchor]})
        for line, pieces in cut[lo:hi] if top else cut[lo + 1 : hi + 1]:
            _add_pieces(row, line, pieces, columns)
        rows.append(row)
    rest = cut[: ids[0]] if top else cut[ids[-1] + 1 :]
    return rows, [_piece(line, " ".join(line.text.split())) for line, _ in rest]


def _is_whole_row(row: ParsedRow) -> bool:
    provided, sensitivity = row.text("data_provided"), row.text("sensitivity")
    frequency = row.text("frequency")
    return bool(
        provided
        and _opens_provided(provided)
        and sensitivity
        and sensitivity.lower().rstrip(".") in SENSITIVITIES
        and (frequency is None or frequency in FREQUENCIES)
    )


def _whole_rows(rows: list[ParsedRow]) -> int:
    return sum(map(_is_whole_row, rows))


def _cut(line: Line, columns: Columns) -> list[Line | None]:
    """A raw line's text in each column (None where the column is blank on it)."""
    ends = [*columns.starts[1:], None]
    out: list[Line | None] = []
    for start, end in zip(columns.starts, ends):
        piece = " ".join(line.text[start:end].split())
        out.append(_piece(line, piece) if piece else None)
    return out


def _opens_provided(text: str) -> bool:
    return text.split(" ", 1)[0].rstrip("-,;").lower() in DATA_PROVIDED_STARTS


def _add_pieces(row: ParsedRow, line: Line, pieces: list[Line | None], columns: Columns) -> None:
    for name, piece in zip(COLUMNS, pieces):
        if piece is not None and name != "row_id":
            row.cells.setdefault(name, []).append(piece)
    if pieces[0] is not None and pieces[0].text != row.row_id:
        row.warnings.append(f"line {line.no}: {pieces[0].text!r} in the row-id column is no id")
        row.needs_review = True
    if any(line.text[start:end].strip() for start, end in columns.gutters):
        row.warnings.append(
            f"line {line.no} runs across a column boundary: its cells may be cut wrongly"
        )
        row.needs_review = True


def _warn_merged(rows: list[ParsedRow]) -> None:
    """A merged cell prints once beside one of its rows: rows next to a row without an
    organisation or purpose may hold a cell that also belongs to it, or only part of it;
    and a cell whose text runs on into the next row's with no blank line between may be
    one merged cell cut in two."""
    for before, after in pairwise(rows):
        for name in MERGEABLE:
            a, b = before.cells.get(name), after.cells.get(name)
            if a and b and a[-1].no + 1 >= b[0].no:
                note = (
                    f"{name} runs on from row {before.row_id} into row {after.row_id} with no "
                    "break: it may be one merged cell cut in two"
                )
                for row in (before, after):
                    row.warnings.append(note)
                    row.needs_review = True
    for index, row in enumerate(rows):
        for name in MERGEABLE:
            if row.cells.get(name):
                continue
            for near in rows[max(index - 1, 0) : index + 2]:
                if near.cells.get(name) and not near.needs_review:
                    near.warnings.append(
                        f"{name} may be a merged cell shared with row {row.row_id} (which "
                        "prints none), or only part of one"
                    )
                    near.needs_review = True


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class CellScore:
    """How many golden cells came out exactly (whitespace aside), and how many were wrong
    rather than left empty: a wrong value is worse than an honest null."""

    correct: int
    total: int
    wrong: int  # cells given a value that is not the golden one
    rows_expected: int
    rows_found: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _norm(value: str | None) -> str:
    return "".join((value or "").split())


def score_cells(rows: list[Row], golden: list[dict]) -> CellScore:
    """Share of golden cells the rows reproduce; cells a golden row lists as undecided skipped."""
    by_id = {row.fields.row_id: row for row in rows}
    correct = total = wrong = 0
    for expected in golden:
        row = by_id.get(expected["row_id"])
        for name in COLUMNS:
            if name in expected.get("undecided", ()):
                continue
            got = getattr(row.fields, name) if row else None
            total += 1
            correct += _norm(got) == _norm(expected.get(name))
            wrong += got is not None and _norm(got) != _norm(expected.get(name))
    return CellScore(correct, total, wrong, len(golden), len(rows))
