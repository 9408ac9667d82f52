"""Register cells that name several bodies ("CSUs, CCGs, NHS England, PHE") as several names.

A cell is split only when every part would be an organisation's name on its own: it holds
a word organisations are named with, is a known acronym or a kind of NHS body ("CCGs"),
or the registry lists it. A name that is itself one organisation ("Cumbria,
Northumberland, Tyne and Wear NHS Foundation Trust", "Barking and Dagenham CCG",
"London School of Hygiene and Tropical Medicine") is never cut: the registry knows it, or
one of its parts ("Cumbria", "Barking", "London School of Hygiene") is no name alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.org_registry import load_registry
from nlp.organisations import GENERIC_CLASSES, organisation_acronyms

# Between names: a comma, a semicolon, a slash, a line's " - " that no ODS code follows.
_LIST_SEPARATOR = re.compile(r"\s*[;,/]\s*|\s+[-–]\s+(?![0-9A-Za-z]{3}\s*$)")
# "X Ltd and Y Limited": "and" joins two names only after a word that ends one.
_END_WORDS = ("Ltd", "Limited", "LLP", "PLC", "plc", "CCG", "CSU", "CCGs", "CSUs", "Trust",
              "University", "Council", "England", "Agency", "Institute", "College", "Centre",
              "Unit", "Board", "Partnership", "Society", "Foundation")
_AND_AFTER_END = re.compile(
    "".join(f"(?<=\\b{w})" if i == 0 else f"|(?<=\\b{w})" for i, w in enumerate(_END_WORDS))
    .join(("(?:", ")")) + r"\.?\s+(?:and|&)\s+(?=[A-Z])"
)
_NAME_WORDS = re.compile(
    r"\b(NHS|CCGs?|CSUs?|ICBs?|Universit(y|ies)|College|Trust|Council|Ltd|Limited|PLC|LLP|Inc|"
    r"Institute|Agency|Department|Commission|Office|School|Hospitals?|Centre|Society|Charity|"
    r"Network|Partnership|Board|Authority|Alliance|Consortium|Registry|Biobank|Unit|Fund|"
    r"Association|Group|Service|Services|Company|Foundation|England|Wales|Scotland|Government|"
    r"Intelligence|Analytics|Solutions|Consulting|Corporation)\b")
_LOCAL_AUTHORITY_KINDS = frozenset(("LAPH", "LAs", "LA"))


@lru_cache(maxsize=8192)
def split_organisations(cell: str) -> tuple[tuple[int, int], ...]:
    """Character spans of the names in a register's organisation cell: one span for a
    cell naming one organisation, several for a list of bodies."""
    text = cell.strip()
    if not text:
        return ()
    start = cell.index(text)
    whole = ((start, start + len(text)),)
    # "X Trust & Y Foundation Trust" first: registers' own lists of recipients made their
    # way into the registry as if they were one organisation.
    for parts in (_parts(text, _AND_AFTER_END), None, _parts(text, _LIST_SEPARATOR)):
        if parts is None:
            if load_registry().resolve(text) is not None:
                return whole
            continue
        if len(parts) >= 2 and all(_names_a_body(text[s:e]) for s, e in parts):
            return tuple((start + s, start + e) for s, e in parts)
    return whole


def _parts(text: str, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, at = [], 0
    for m in separator.finditer(text):
        spans.append((at, m.start()))
        at = m.end()
    spans.append((at, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _names_a_body(part: str) -> bool:
    part = part.strip(" .")
    if part in GENERIC_CLASSES or part.upper() in {g.upper() for g in GENERIC_CLASSES}:
        return True
    if part in _LOCAL_AUTHORITY_KINDS or part in organisation_acronyms():
        return True
    if load_registry().resolve(part) is not None:
        return True
    return len(part.split()) >= 2 and bool(_NAME_WORDS.search(part))
