"""Which record field a spreadsheet column holds, told by its cells as well as its header.

Publishers rename, reword and misspell column headers between editions, but what a
column holds does not change: a frequency column holds "One-Off" and "Ongoing", a
sensitivity column "Sensitive" and "Non Sensitive", a dataset column names data sets
the catalogue knows, a purpose column long prose. ``score_columns`` measures, on an
evenly spread sample of each column's cells, how much each column looks like each
field; ``header_evidence`` says which field its header names (a shipped profile's
synonym, or one misspelt); ``assign_columns`` picks the best joint assignment of
fields to columns (each field at most once: the Hungarian method, ``best_assignment``,
the answer ``scipy.optimize.linear_sum_assignment`` gives without its 0.7 s import)
and says for each column whether header and content agreed, or which it trusted.

Pure functions of the cells; the two vocabularies the registers give (data set names
from ``corpora/catalogue/datasets.json``, organisation names and the publishers'
organisation types from ``corpora/entities/organisations.json``) are read once, and
are optional: without them the word cues alone decide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from extract.profiles import (
    CONTENT_READABLE,
    Profile,
    field_for,
    load_profiles,
    normalise_header,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_PATH = ROOT / "corpora" / "catalogue" / "datasets.json"
ORGANISATIONS_PATH = ROOT / "corpora" / "entities" / "organisations.json"

SAMPLE_CELLS = 200  # cells per column scored: enough to tell, constant cost per table
CHECK_CELLS = 40  # ... for the first look at a table whose header a profile maps
# Fields whose cells say what they are. Others (title, dates, flags) are known by header only.
CONTENT_FIELDS = tuple(sorted(CONTENT_READABLE))
STRONG = 0.6  # content score at which a column is taken for a field without its header
HEADER_EXACT = 1.0  # a shipped profile's synonym, as printed or as a prefix
HEADER_FUZZY = 0.75  # a synonym misspelt (edit ratio >= FUZZY_RATIO)
FUZZY_RATIO = 0.84
HEADER_WORD = 0.3  # a header with a word that names a purpose (several columns hold prose)
# Registers print several prose columns beside the purpose (activities, outputs, benefits):
# content cannot tell them apart, these words of the header can.
_PURPOSE_WORDS = frozenset(
    ("purpose", "purposes", "objective", "objectives", "aim", "aims", "reason", "reasons",
     "why", "rationale", "goal", "goals")
)
_NOT_PURPOSE_WORDS = frozenset(
    ("benefit", "benefits", "output", "outputs", "outcome", "outcomes", "activity", "activities",
     "funder", "funders", "collaborators", "publication", "publications")
)
_BILINGUAL = " / "  # between a header's two languages
_BOOKKEEPING_WORDS = frozenset(
    ("added", "created", "modified", "updated", "amended", "edited", "entered", "published",
     "publication", "uploaded", "extracted", "generated")
)
# A column whose content scores below this for the field its header names does not hold it.
CONTRADICTED = 0.15
MIN_EVIDENCE = 5  # filled cells a column needs before its content may overrule its header

_FREQUENCY = re.compile(
    r"(one[ -]?off|on[ -]?going|recurring|recurrent|regular|system access|frequent ad[ -]?hoc"
    r"(?: flows?)?|ad[ -]?hoc|single(?: release)?|annual(?:ly)?|monthly|quarterly|weekly|daily"
    r"|bi[ -]?annual(?:ly)?|one[ -]?off release|ongoing releases?|periodic)"
)
_SENSITIVITY = re.compile(r"(non[ -]?sensitive|not sensitive|sensitive|insensitive)")
_PROVIDED = re.compile(
    r"(identifiable|personally identifiable|anonymi[sz]ed|pseudonymi[sz]ed|aggregated?|"
    r"de[ -]?personali[sz]ed|de[ -]?identified|weakly|non[ -]?identifiable|"
    r"potentially identifiable|person[ -]level|record[ -]level)\b"
)
_LEGAL = re.compile(
    r"\bact\s+(?:19|20)\d\d\b|\bs\.?\s?(?:251|261|42|64)\b|\bsection\s+\d+|\bregulations?\b"
    r"|\bconsent\b|\blegal gateway\b|\bstatutory\b|\bcommon law\b|\barticle\s+\d"
    r"|\bcontrol of patient information\b|\bcopi\b|\bgdpr\b|\bno legal\b"
)
# Agreement and approval references as the registers print them (cf. nlp/references.py).
_REFERENCE = re.compile(
    r"^(?:dars[-_ ]?)?nic[-_ :]?\s?[a-z]{0,5}\d{2,7}|^\d{4,7}[-_ ][a-z0-9]{5}\b|^odr[-_ ]?\d{4}"
    r"|^\d{2}/cag/\d{3,4}|^cag\b|^mr\s?\d{2,5}\b|^[a-z]{1,4}/hes/\d"
)
_CODE = re.compile(r"^[a-z0-9][a-z0-9_./-]{2,40}$")
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ORG_WORDS = _words(
    "ltd limited plc llp llc inc university universities college ccg csu council trust nhs "
    "hospital hospitals institute foundation agency authority department commission "
    "consortium company group centre center services service partnership partners network "
    "board borough county city district school unit society charity association clinic "
    "england scotland wales gmbh corporation corp laboratory laboratories "
    "solutions consulting analytics health care healthcare practice surgery office"
)
_DATASET_WORDS = _words(
    "data dataset datasets statistics register registry registration extract extracts census "
    "mortality births deaths episodes audit survey screening database flows flow outcomes "
    "programme records record hes sus ons proms iapt mhsds mhmds cancer maternity diagnostic "
    "emergency outpatients inpatient outpatient admitted critical minimum collection "
    "prescribing prescriptions immunisation vaccination demographics demographic"
)
# Dataset names are noun phrases: a cell with these words is a sentence or a yes/no answer.
_SENTENCE_WORDS = _words("not is are does do with under has have been be was were yes no without")
_WORD = re.compile(r"[a-z0-9]+")
# links and dates say nothing of the fields scored here (a scrape's URLs name organisations)
_URL = re.compile(r"\s*(?:https?://|www\.)", re.IGNORECASE)
_DATE = re.compile(
    r"\s*(?:\d{1,4}[-/.](?:\d{1,2}|[a-z]{3,9})[-/.]\d{2,4}|\d{1,2} [a-z]{3,9} \d{4})\b"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?",
    re.IGNORECASE,
)
_TRAILING_NUMBER = re.compile(r"(\d+)\D*$")


@dataclass(frozen=True)
class ColumnChoice:
    """What was decided for one column, and why (for ``--explain`` and ``drr profile infer``)."""

    index: int
    header: str
    field: str | None  # the field assigned, None: the column goes to extra
    header_field: str | None  # the field its header names, if any
    header_weight: float  # HEADER_EXACT, HEADER_FUZZY or 0
    content_field: str | None  # the field its cells look most like, if any
    content_score: float  # ... and how much (share of sampled cells)
    by: str  # "header", "header+content", "content", "header over content", "content over header", ""

    @property
    def disagrees(self) -> bool:
        """Header and content named different fields and one was trusted over the other."""
        return self.by in ("content", "content over header", "header over content")


def sample(cells: Sequence[str | None], limit: int = SAMPLE_CELLS) -> list[str]:
    """Up to ``limit`` non-empty cells spread evenly over the column (not just its top)."""
    filled = [c for c in cells if c and not c.isspace()]
    if len(filled) <= limit:
        return filled
    step = len(filled) / limit
    return [filled[int(i * step)] for i in range(limit)]


def score_column(cells: Sequence[str], distinct_share: float, position: int = 0) -> dict[str, float]:
    """How much a column's sampled cells look like each content field, each in [0, 1]."""
    if not cells:
        return dict.fromkeys(CONTENT_FIELDS, 0.0)
    n = len(cells)
    dates = sum(bool(_DATE.fullmatch(c.strip())) for c in cells) / n
    lowered = [
        "" if _URL.match(c) or _DATE.match(c) else " ".join(c.lower().split()) for c in cells
    ]
    datasets, orgs, types = _dataset_names(), _organisation_names(), _organisation_types()
    short = [c for c in lowered if len(c) <= 120]
    words = [_WORD.findall(c) for c in lowered]
    closed = sum(bool(_FREQUENCY.fullmatch(_bare(c))) for c in lowered) / n
    sens = sum(bool(_SENSITIVITY.fullmatch(_bare(c))) for c in lowered) / n
    provided = sum(bool(_PROVIDED.match(_bare(c))) and len(c) <= 160 for c in lowered) / n
    legal = sum(bool(_LEGAL.search(c)) and len(c) <= 600 for c in lowered) / n
    refs = sum(bool(_REFERENCE.match(c)) for c in lowered) / n
    codes = sum(bool(_CODE.match(c)) and any(ch.isdigit() for ch in c) for c in lowered) / n
    # purposes run to paragraphs; a legal-basis or opt-out sentence is one line of ~100 chars
    prose = sum(len(w) >= 20 and len(c) >= 150 for c, w in zip(lowered, words, strict=True)) / n
    in_types = sum(c in types for c in lowered) / n
    org = sum(c in orgs or (len(c) <= 120 and bool(_ORG_WORDS.intersection(w)))
              for c, w in zip(lowered, words, strict=True)) / n
    # an agreement's data sets listed in one cell ("HES Admitted Patient Care; ...") are
    # data sets however long the list, not prose
    lists = [";" in c and _is_dataset_list(c, datasets) for c in lowered]
    dataset = sum(
        _is_dataset(c, w, datasets) or is_list
        for c, w, is_list in zip(lowered, words, lists, strict=True)
    ) / n
    long_share = 1 - len(short) / n
    listed = sum(len(c) > 120 and is_list for c, is_list in zip(lowered, lists, strict=True)) / n
    return {
        # unique short codes, not agreement references (those repeat over an agreement's rows)
        "row_id": codes * (1 - refs) * (1.0 if distinct_share >= 0.95 else 0.0) * _counting(cells),
        "organisation": max(0.0, org - in_types - long_share - closed - sens - legal),
        "organisation_type": in_types * (1.0 if distinct_share <= 0.5 else 0.5),
        "data_type": max(0.0, dataset - (long_share - listed) - closed - provided - sens) * (1 - refs),
        "data_provided": provided * (1 - sens),
        "sensitivity": sens,
        "legal_basis": legal * (1 - prose * 0.5),
        # registers print the agreement's objective first: the leftmost prose column wins ties
        "purpose": prose * (1 - position * 0.002),
        "frequency": closed,
        "reference": max(refs, codes * 0.7 * (1.0 if distinct_share < 0.95 else 0.8)),
        # a register's one date column is its release date; start and end dates are told by
        # their headers (see _gain)
        "date_released": dates,
    }


def _counting(cells: Sequence[str]) -> float:
    """1.0 when the cells' numbers mostly go up row after row (row ids: DSfC0001, DSfC0002),
    else 0.0 (a scrape's order stamps, codes in no order)."""
    numbers = [int(m.group(1)) for c in cells if (m := _TRAILING_NUMBER.search(c))]
    if len(numbers) < 3:
        return 0.0
    rising = sum(b > a for a, b in pairwise(numbers)) / (len(numbers) - 1)
    return 1.0 if rising >= 0.8 else 0.0


def _bare(text: str) -> str:
    """A short closed-vocabulary cell with its punctuation, footnote marks and spaces squeezed."""
    return " ".join(_WORD.findall(text.replace("-", " ")))[:60] if len(text) <= 60 else text


def _is_dataset(cell: str, words: list[str], datasets: frozenset[str]) -> bool:
    if len(cell) > 200:
        return False
    if " ".join(words) in datasets:
        return True
    return (
        any(w in _DATASET_WORDS for w in words)
        and not _ORG_WORDS.intersection(words[-1:])
        and not _SENTENCE_WORDS.intersection(words)
    )


def _is_dataset_list(cell: str, datasets: frozenset[str]) -> bool:
    """Two or more data sets in one cell, separated by semicolons."""
    parts = [p.strip() for p in cell.split(";") if p.strip()]
    return len(parts) >= 2 and all(_is_dataset(p, _WORD.findall(p), datasets) for p in parts)


@cache
def _dataset_names() -> frozenset[str]:
    try:
        raw = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    except OSError:
        return frozenset()
    names: set[str] = set()
    for entry in raw.get("datasets", []):
        spellings = [entry["canonical"], *entry.get("abbreviations", [])]
        spellings += [alias["text"] for alias in entry.get("aliases", [])]
        names.update(" ".join(_WORD.findall(s.lower())) for s in spellings)
    return frozenset(names)


@cache
def _organisation_names() -> frozenset[str]:
    return _organisations()[0]


@cache
def _organisation_types() -> frozenset[str]:
    return _organisations()[1]


@cache
def _organisations() -> tuple[frozenset[str], frozenset[str]]:
    try:
        raw = json.loads(ORGANISATIONS_PATH.read_text(encoding="utf-8"))
    except OSError:
        return frozenset(), frozenset()
    names: set[str] = set()
    types: set[str] = set()
    for entry in raw.get("organisations", []):
        names.add(" ".join(entry["canonical"].lower().split()))
        names.update(" ".join(a.lower().split()) for a in entry.get("aliases", []) if isinstance(a, str))
        types.update(" ".join(t.lower().split()) for t in entry.get("publisher_types", []))
    return frozenset(names - types), frozenset(types)


def header_evidence(header: str, profiles: tuple[Profile, ...] | None = None) -> tuple[str | None, float]:
    """The field a header names and how surely: a shipped profile's synonym (as printed or
    as its prefix), else a synonym misspelt (one or two letters wrong, swapped or missing)."""
    profiles = load_profiles() if profiles is None else profiles
    norm = normalise_header(header)
    if not norm:
        return None, 0.0
    for profile in profiles:
        field = field_for(header, profile)
        if field:
            return field, HEADER_EXACT
    fuzzy = _fuzzy_field(norm, profiles)
    if fuzzy[0] is None and _BILINGUAL in header:
        # "Sefydliad / Organisation": Welsh publishers print each header in both languages
        for part in header.split(_BILINGUAL):
            if _BILINGUAL not in part and (named := header_evidence(part, profiles))[0]:
                return named
    if fuzzy[0] is None and _PURPOSE_WORDS.intersection(norm.split()):
        return "purpose", HEADER_WORD
    return fuzzy


@lru_cache(maxsize=4096)
def _known_header(header: str) -> tuple[str | None, float]:
    """``header_evidence`` against the shipped profiles (editions repeat their headers)."""
    return header_evidence(header)


def not_purpose(header: str) -> bool:
    """The header names one of the prose columns registers print beside the purpose."""
    return bool(_NOT_PURPOSE_WORDS.intersection(normalise_header(header).split()))


def not_release_date(header: str) -> bool:
    """The header names a date of the register's own bookkeeping ("Date added", "Record
    created", "Published"), which its cells, dates like any other, cannot tell apart."""
    return bool(_BOOKKEEPING_WORDS.intersection(normalise_header(header).split()))


def _fuzzy_field(norm: str, profiles: tuple[Profile, ...]) -> tuple[str | None, float]:
    best, best_ratio = None, 0.0
    for profile in profiles:
        for field, synonyms in profile.columns.items():
            for synonym in synonyms:
                if len(synonym) < 4 or abs(len(synonym) - len(norm)) > 4:
                    continue
                ratio = SequenceMatcher(None, norm, synonym).ratio()
                if ratio > best_ratio:
                    best, best_ratio = field, ratio
    return (best, HEADER_FUZZY) if best_ratio >= FUZZY_RATIO else (None, 0.0)


def column_cells(rows: Sequence[Sequence[str | None]], width: int) -> list[list[str | None]]:
    """The table's rows as columns, ``width`` of them."""
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for cells in rows:
        for i in range(width):
            columns[i].append(cells[i] if i < len(cells) else None)
    return columns


def score_columns(
    columns: Sequence[Sequence[str | None]], limit: int = SAMPLE_CELLS
) -> list[dict[str, float]]:
    scores = []
    for position, cells in enumerate(columns):
        picked = sample(cells, limit)
        filled = [c for c in cells if c and not c.isspace()]
        distinct = len(set(filled)) / len(filled) if filled else 0.0
        score = score_column(picked, distinct, position)
        # an agreement's purpose is given on (nearly) every row; benefits realised so far not
        score["purpose"] *= len(filled) / len(cells) if cells else 0.0
        scores.append(score)
    return scores


def assign_columns(
    headers: Sequence[str],
    scores: Sequence[dict[str, float]],
    fixed: dict[int, str] | None = None,
    content_only: bool = False,
    allowed: frozenset[str] | None = None,
) -> list[ColumnChoice]:
    """Every column's field by the best joint match of header and content evidence.

    ``fixed`` columns keep the field a profile's header gave them (the others are decided
    around them). A column is given a field when its content scores STRONG for it, or its
    header names it and its content does not contradict that; otherwise it goes to extra.
    ``content_only``: a free column is given a field only on its content's word (the header
    row was already matched against every profile; its unmapped headers named nothing).
    ``allowed``: the only fields a free column may be given (a profile's ``content_fields``).
    """
    fixed = fixed or {}
    evidence = [
        (fixed[i], HEADER_EXACT) if i in fixed else _known_header(h) for i, h in enumerate(headers)
    ]
    fields = sorted({*CONTENT_FIELDS, *(f for f, _ in evidence if f)} - set(fixed.values()))
    if allowed is not None:
        fields = [f for f in fields if f in allowed]
    free = [i for i in range(len(headers)) if i not in fixed]
    gain = [
        [_gain(scores[i], evidence[i], f, not_purpose(headers[i]))
         if (not content_only or scores[i].get(f, 0) >= STRONG)
         and not (f == "date_released" and not_release_date(headers[i])) else 0.0 for f in fields]
        for i in free
    ]
    chosen: dict[int, str] = dict(fixed)
    if free and fields:
        # maximise the total gain; a pair whose gain is not positive is left unassigned
        for r, c in best_assignment(gain):
            if gain[r][c] > 0:
                chosen[free[r]] = fields[c]
    return [
        _choice(i, headers[i], chosen.get(i), evidence[i], scores[i], i in fixed)
        for i in range(len(headers))
    ]


def leftmost_purpose(
    fixed: dict[int, str], headers: Sequence[str], scores: Sequence[dict[str, float]]
) -> dict[int, str]:
    """``fixed`` with the purpose moved to the leftmost column that claims it as well.

    Registers print the agreement's objective first and lay summaries, activities and
    benefits after it (the rule ``score_column`` breaks ties by). A profile that names one
    of the later columns ("Lay summary") must not take it over a column left of it whose
    header a shipped profile reads as the purpose to the letter ("Project summary") and
    whose cells are prose at least as surely.
    """
    at = next((i for i, f in fixed.items() if f == "purpose"), None)
    if at is None:
        return fixed
    for i in range(at):
        if i in fixed or not_purpose(headers[i]):
            continue
        prose = scores[i].get("purpose", 0.0)
        if _known_header(headers[i]) == ("purpose", HEADER_EXACT) and prose >= max(
            STRONG, scores[at].get("purpose", 0.0)
        ):
            return {**{k: f for k, f in fixed.items() if k != at}, i: "purpose"}
    return fixed


def contradicted(score: dict[str, float], field: str, filled: int) -> bool:
    """The cells plainly hold another field than the one a header gave the column: they
    score STRONG for another and next to nothing for this one, over at least MIN_EVIDENCE
    cells (a column of one or two cells says too little to overrule its header)."""
    if filled < MIN_EVIDENCE or field not in score or score[field] >= CONTRADICTED:
        return False
    return max(score.values()) >= STRONG


def best_assignment(gain: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """The (row, column) pairs, each row and column at most once, of greatest total gain.

    The Hungarian method with potentials (O(n^2 m)); rows are columns of a sheet (at most
    MAX_COLUMNS), columns the record's fields (about 20).
    """
    if not gain or not gain[0]:
        return []
    rows, cols = len(gain), len(gain[0])
    if rows > cols:
        return [(r, c) for c, r in best_assignment([list(col) for col in zip(*gain, strict=True)])]
    inf = float("inf")
    cost = [[0.0] * (cols + 1)] + [[0.0, *(-g for g in row)] for row in gain]
    u, v = [0.0] * (rows + 1), [0.0] * (cols + 1)
    owner, way = [0] * (cols + 1), [0] * (cols + 1)  # owner[j]: the row column j is given to
    for i in range(1, rows + 1):
        owner[0], j0 = i, 0
        least, used = [inf] * (cols + 1), [False] * (cols + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], inf, 0
            for j in range(1, cols + 1):
                if not used[j]:
                    reduced = cost[i0][j] - u[i0] - v[j]
                    if reduced < least[j]:
                        least[j], way[j] = reduced, j0
                    if least[j] < delta:
                        delta, j1 = least[j], j
            for j in range(cols + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    least[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    return sorted((owner[j] - 1, j - 1) for j in range(1, cols + 1) if owner[j])


def _gain(
    score: dict[str, float], evidence: tuple[str | None, float], field: str, other_prose: bool
) -> float:
    content = score.get(field)
    if field == "purpose" and content is not None and other_prose:
        content *= 0.5
    if field == "date_released" and evidence[0] in ("date_start", "date_end"):
        return 0.0  # "Start date": a date, and the header says which
    named = evidence[1] if evidence[0] == field else 0.0
    if content is None:  # a field only a header tells (title, dates, flags)
        return named
    if named and content >= CONTRADICTED:
        return named + content
    if named:
        # the header names it, the cells do not hold it: only if nothing else claims them
        return 0.01 if max(score.values()) < STRONG else 0.0
    return content if content >= STRONG else 0.0


def _choice(
    index: int,
    header: str,
    field: str | None,
    evidence: tuple[str | None, float],
    score: dict[str, float],
    fixed: bool,
) -> ColumnChoice:
    content_field = max(score, key=lambda f: score[f]) if score else None
    content_score = score.get(content_field, 0.0) if content_field else 0.0
    if content_score < STRONG:
        content_field = None
    header_field, weight = evidence
    if fixed:
        header_field, weight = field, HEADER_EXACT
    if field is None:
        by = ""
    elif field == header_field and (content_field in (None, field) or fixed):
        by = "header+content" if content_field == field else "header"
    elif field == header_field:
        by = "header over content"
    elif header_field is None:
        by = "content"
    else:
        by = "content over header"
    return ColumnChoice(
        index, header, field, header_field, weight, content_field, round(content_score, 3), by
    )


def explain(choice: ColumnChoice) -> str:
    """One line a person can read: the column, what it became, and on what evidence."""
    shown = repr(choice.header) if choice.header.strip() else f"column {choice.index + 1}"
    said = (
        f"header names {choice.header_field}"
        + (" (misspelt)" if choice.header_weight == HEADER_FUZZY else "")
        + (" (by a word of it)" if choice.header_weight == HEADER_WORD else "")
        if choice.header_field
        else "header unknown"
    )
    cells = (
        f"cells look like {choice.content_field} ({choice.content_score:.0%})"
        if choice.content_field
        else "cells match no field"
    )
    target = choice.field or "extra"
    return f"{shown} -> {target} [{choice.by or 'unmapped'}]: {said}; {cells}"
