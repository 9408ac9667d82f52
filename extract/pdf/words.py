"""Words cut mid-word by a narrow column, rejoined from a vocabulary.

Geometry cannot tell a word cut at the cell's edge ("confidentialit" / "y") from a wrap at
a space ("Opt-Outs" / "applied" fills its line as tightly). The register spreadsheets can:
``words.txt`` holds every word they print (and the layout profiles' headers), with its
count, built by ``corpora/tools/build_pdf_words.py`` from ../shared, never from a corpus's
golden files. Two pieces join when the joined form is a word and a piece is not, or the
joined form is commoner than both pieces ("Patie" / "nt", not "data" / "set").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from extract.text import join_lines

WORDS_FILE = Path(__file__).with_name("words.txt")
_LAST_WORD = re.compile(r"([A-Za-z]+)$")
_FIRST_WORD = re.compile(r"^([A-Za-z]+)")


@cache
def vocabulary() -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, count = line.split("\t")
            counts[word] = int(count)
    return counts


def cut_word(left: str, right: str) -> bool:
    """Whether ``left``'s last word and ``right``'s first are one word cut in two."""
    a = _LAST_WORD.search(left)
    b = _FIRST_WORD.match(right)
    if a is None or b is None or left[-1:].isspace():
        return False
    words = vocabulary()
    head, tail = a.group(1).lower(), b.group(1).lower()
    joined = words.get(head + tail, 0)
    if not joined:
        return False
    return min(words.get(head, 0), words.get(tail, 0)) == 0 or joined > max(
        words[head], words[tail]
    )


def rejoin_cut_words(lines: Sequence[str]) -> str:
    """A cell's printed lines joined with spaces, except where a word was cut in two."""
    kept = [" ".join(line.split()) for line in lines]
    kept = [line for line in kept if line]
    if not kept:
        return ""
    pieces = [kept[0]]
    for line in kept[1:]:
        if cut_word(pieces[-1], line):
            pieces[-1] += line
        else:
            pieces.append(line)
    return join_lines(pieces)
