"""Stages 1 and 2: the dump's lines (numbered, paged) and the header blocks dropped."""

from __future__ import annotations

from functools import cache

from extract.profiles import normalise_header
from extract.textdump.model import Line
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary

# ---------------------------------------------------------------- stage 1: lines


def lines_of(text: str) -> list[Line]:
    """Non-blank lines with their 1-based numbers and pages (form feeds end pages)."""
    return collapsed(raw_lines(text))


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
def _header_vocabulary(vocab: Vocabulary) -> tuple[frozenset[str], tuple[str, ...]]:
    synonyms = tuple(s for s in vocab.headers if s)
    words = {w for s in synonyms for w in s.split()} | vocab.data_provided_starts
    return frozenset(words), synonyms


def _words(text: str) -> list[str]:
    return normalise_header(text).split()


def drop_headers(
    lines: list[Line], values_beside: bool = True, vocab: Vocabulary = HSCIC_2014
) -> list[Line]:
    """Lines without the column-header blocks that open the document and its pages.

    A header block is a run of lines made only of header words that spells at least two
    whole column headers; a lone "Sensitive" or "Identifiable" is a cell, not a header.
    With `values_beside` (plain dumps), value lines at a block's edges are kept as cells;
    in a layout-preserving dump a row's values share its lines, so they are header text.
    """
    vocabulary, synonyms = _header_vocabulary(vocab=vocab)
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
            keep.extend(_cells_around_header(run, synonyms, values_beside, vocab=vocab))
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
    run: list[Line],
    synonyms: tuple[str, ...],
    values_beside: bool = True,
    *,
    vocab: Vocabulary,
) -> list[Line]:
    """The lines of a header-word run that are cells: all of it, or the values around it.

    A row's last "One off" or "Sensitive" can sit just before the next page's header.
    """
    if not _spells_headers(run, synonyms):
        return run
    if not values_beside:
        return []
    start, end = 0, len(run)
    while start < end and _is_value_line(run[start].text, vocab=vocab):
        start += 1
    while end > start and _is_value_line(run[end - 1].text, vocab=vocab):
        end -= 1
    return run[:start] + run[end:]


def _is_value_line(text: str, vocab: Vocabulary) -> bool:
    bare = text.rstrip(" ,.").lower()
    return (
        text in vocab.frequencies
        or bare in vocab.data_provided_starts
        or bare in vocab.sensitivities
    )


def _spells_headers(run: list[Line], synonyms: tuple[str, ...]) -> bool:
    joined = " " + " ".join(" ".join(_words(line.text)) for line in run) + " "
    return sum(f" {s} " in joined for s in synonyms) >= 2


def collapsed(raw: list[Line]) -> list[Line]:
    return [Line(line.no, " ".join(line.text.split()), line.page) for line in raw]


def same_lines(raw: list[Line], kept: list[Line]) -> list[Line]:
    """The raw lines that `kept` (collapsed, perhaps fewer) came from."""
    numbers = {line.no for line in kept}
    return [line for line in raw if line.no in numbers]
