"""Approval references: the approvals and agreements a release was made under.

Registers cite them in many shapes, inside free text:

    CAG 7-07(b)/2013   CAG 8-03(PR11)/2013   15/CAG/0005   CAG 7-07(a)   CAG 8-02 a-c/2014
    PIAG 2-05 (b)/2007   PIAG 03(a)/2001   ECC 1-06 (d)/2011   ECC 6-02(FT3)2012
    S251 Ref PIAG 4-08(d)/2003   Section 251 -ECC 6-02 (FT3)/2012   CAG Approval (1-06(FT2)/2013
    DAAG Reference: OC/HES/019   MR1109   DARS-NIC-110660-G9W6M-v2.2   ODR_2014_139a
    REC 20/LO/0611

and in lists ("CAG 7-07(b)/2013, CAG 7-07(c)/2013", "ECC 1-06 (d)/2011 and ECC 4-03
(e)/2012", "CAG 7-07(a)/2013, 7-07(b)/2013"), which are split into one reference each.
``find_references`` is a pure function of the text; the spaCy component in
``nlp.entities`` calls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The number of an advisory-group approval: "7-07(b)/2013", "2-05 (b)/2007", "03(a)/2001",
# "6-02(FT3)2012", "8-02 a-c/2014", "7-07(a-c)", "7-07(a)", "2-03".
_NUMBER = (
    r"(?P<a>\d{1,2})(?:\s*[-–]\s*(?P<b>\d{1,2}))?"
    r"(?:\s*\(\s*(?P<part>[A-Za-z0-9]{1,5}(?:\s*-\s*[A-Za-z0-9]{1,4})?)\s*\)"
    r"|\s(?P<letters>[a-z](?:-[a-z])?)(?=\s*/))?"
    r"(?:(?:\s*/\s*|(?<=\)))(?P<year>(?:19|20)\d{2})\b)?"
    r"(?<=[)0-9a-z])"
)
_ADVISORY = re.compile(
    r"\b(?P<scheme>CAG|PIAG|ECC)\b"
    r"(?i:\s*(?:approval|support))?(?i:\s*ref(?:erence)?\b\.?)?\s*[:(]?\s*" + _NUMBER
)
# A list continues a reference's scheme: "CAG 7-07(a)/2013, 7-07(b)/2013".
_LIST_TAIL = re.compile(r"\s*(?:,|;|&|\band\b|\bor\b)\s*" + _NUMBER)
_CAG_NEW = re.compile(r"\b(?P<year>\d{2})\s*/\s*CAG\s*/\s*(?P<serial>\d{3,4})\b")
# "S251 Ref 2-03(a)/2013": a section 251 reference with no advisory group named.
_S251 = re.compile(
    r"\b(?:S\.?\s?251|Section\s+251)\s*(?:ref(?:erence)?\b\.?|[-–])\s*:?\s*(?!CAG|PIAG|ECC)"
    + _NUMBER,
    re.IGNORECASE,
)
# "DAAG Reference: OC/HES/019", "DAAG reference: 240412-a" (a meeting date and item).
_DAAG = re.compile(
    r"(?:\bDAAG\b(?i:\s*ref(?:erence)?\b\.?)?\s*:?\s*"
    r"(?P<ref>[A-Z]{1,4}/[A-Z]{2,6}/\d{2,4}[a-z]?|\d{6}-[a-z]\b)"
    r"|\b(?P<hes>[A-Z]{1,4}/HES/\d{2,4}[a-z]?))\b"
)
# Medical research (MRIS) project numbers: "MR1109", "MR 536", and cohort parts "MR1a".
_MR = re.compile(r"\bMR\s?-?(?P<n>\d{1,5})(?P<part>[a-z]?)\b")
# DARS agreements, "-v2.2" the agreement's version; "NIC-68697" in older registers.
_NIC = re.compile(
    r"\b(?P<dars>DARS-)?NIC-(?P<n>\d{2,7})(?:-(?P<code>[A-Z0-9]{3,6})(?:-[vV](?P<v>\d+(?:\.\d+)*))?)?\b"
    r"|\bNIC:\s*(?P<old>[A-Z]{2,5}\d{3,6})\b",
    re.IGNORECASE,
)
# PHE Office for Data Release: "ODR_2014_139a", "ODR1617_169/R4" (renewal), "/A1" (amendment).
_ODR = re.compile(r"\bODR_?(?P<year>\d{4})_(?P<n>\d{1,4}[a-z]?)(?P<suffix>/[RA]\d{1,2})?\b",
                  re.IGNORECASE)
# Research ethics committee references ("20/LO/0611"): two letters from the HRA's regions.
_REC_REGIONS = (
    "LO", "NE", "NW", "SW", "SC", "EE", "EM", "WM", "YH", "WA", "WS", "ES", "NS", "SS", "NI",
)
_REC = re.compile(r"\b(?P<year>\d{2})/(?P<region>" + "|".join(_REC_REGIONS) + r")/(?P<n>\d{4})\b")
# A pattern that starts with a literal is searched for quickly; _REC (starting "\b") is not.
_REC_GATE = re.compile(r"/(?:" + "|".join(_REC_REGIONS) + r")/")


@dataclass(frozen=True)
class Reference:
    text: str
    scheme: str
    canonical: str
    start: int
    end: int


def _number_canonical(m: re.Match[str]) -> str:
    text = m.group("a") + (f"-{m.group('b')}" if m.group("b") else "")
    part = m.group("part") or m.group("letters")
    if part:
        part = re.sub(r"\s+", "", part)
        text += f"({part})"
    return text + (f"/{m.group('year')}" if m.group("year") else "")


def _has_part_or_year(m: re.Match[str]) -> bool:
    return bool(m.group("part") or m.group("letters") or m.group("year"))


def _advisory(text: str) -> list[Reference]:
    found: list[Reference] = []
    for m in _matches(_ADVISORY, text, "CAG", "PIAG", "ECC"):
        # "CAG 2-03" names a whole approval class; "CAG 2" alone is not a reference.
        if not (_has_part_or_year(m) or m.group("b")):
            continue
        scheme = m.group("scheme")
        found.append(_ref(text, m.start(), m.end(), scheme, f"{scheme} {_number_canonical(m)}"))
        found.extend(_list_tail(text, m.end(), scheme))
    return found


def _list_tail(text: str, position: int, scheme: str) -> list[Reference]:
    found = []
    while (m := _LIST_TAIL.match(text, position)) and _has_part_or_year(m):
        start = m.start("a")
        found.append(_ref(text, start, m.end(), scheme, f"{scheme} {_number_canonical(m)}"))
        position = m.end()
    return found


def _ref(text: str, start: int, end: int, scheme: str, canonical: str) -> Reference:
    return Reference(text[start:end], scheme, canonical, start, end)


def _matches(pattern: re.Pattern[str], text: str, *needles: str) -> list[re.Match[str]]:
    """Run the pattern only if one of its literal needles is in the text.

    Purpose texts run to thousands of characters and most cite nothing; a substring test
    is ~50 times cheaper than a regular-expression scan, and every pattern here needs one
    of its needles to match.
    """
    for needle in needles:
        if needle in text:
            return list(pattern.finditer(text))
    return []


def _simple(text: str) -> list[Reference]:
    found = []
    upper = text.upper()
    for m in _matches(_CAG_NEW, text, "CAG"):
        found.append(_ref(text, m.start(), m.end(), "CAG", f"{m['year']}/CAG/{m['serial']}"))
    for m in _matches(_S251, text, "251"):
        if _has_part_or_year(m):
            found.append(_ref(text, m.start("a"), m.end(), "S251", f"S251 {_number_canonical(m)}"))
    for m in _matches(_DAAG, text, "DAAG", "/HES/"):
        group = "ref" if m.group("ref") else "hes"
        found.append(_ref(text, m.start(group), m.end(group), "DAAG", m.group(group)))
    for m in _matches(_MR, text, "MR"):
        found.append(_ref(text, m.start(), m.end(), "MR", f"MR{int(m['n'])}{m['part']}"))
    for m in (_NIC.finditer(text) if "NIC-" in upper or "NIC:" in upper else ()):
        whole: str | int = "old" if m.group("old") else 0
        found.append(_ref(text, m.start(whole), m.end(whole), "NIC", _nic_canonical(m)))
    for m in (_ODR.finditer(text) if "ODR" in upper else ()):
        underscore = "_" if m.group(0)[3] == "_" else ""
        suffix = (m.group("suffix") or "").upper()
        canonical = f"ODR{underscore}{m['year']}_{m['n'].lower()}{suffix}"
        found.append(_ref(text, m.start(), m.end(), "ODR", canonical))
    for m in (_REC.finditer(text) if _REC_GATE.search(text) else ()):
        found.append(_ref(text, m.start(), m.end(), "REC", f"{m['year']}/{m['region']}/{m['n']}"))
    return found


def _nic_canonical(m: re.Match[str]) -> str:
    if m.group("old"):
        return m.group("old")
    if not m.group("code"):
        return f"NIC-{m['n']}"
    # "NIC-12345-ABCDE" (older registers) and "DARS-NIC-12345-ABCDE" number one agreement.
    base = f"DARS-NIC-{m['n']}-{m['code'].upper()}"
    return base + (f"-v{m['v']}" if m.group("v") else "")


def find_references(text: str | None) -> list[Reference]:
    """Every approval reference in the text, in order, overlapping matches resolved."""
    if not text:
        return []
    return _without_overlaps(_advisory(text) + _simple(text))


def _without_overlaps(refs: list[Reference]) -> list[Reference]:
    # The longest match at a position wins: "CAG 7-07(b)/2013" over a nested "7-07(b)/2013".
    kept: list[Reference] = []
    for ref in sorted(refs, key=lambda r: (r.start, -(r.end - r.start))):
        if not kept or ref.start >= kept[-1].end:
            kept.append(ref)
    return kept
