"""Layout profiles: which header names a register edition uses for which record field.

Profiles are data (``extract/profiles/*.json``), not code branches. Each names the
synonyms of every field it knows; a header matches a synonym when, normalised
(case, punctuation, spacing, camelCase), it equals it or starts with it; a
column whose header equals a synonym claims its field before one that only
starts with one. The fields a profile lists under ``exact`` match whole
headers only ("No" is a row id, "No of patients" is not). A profile fits a
header row when the row has every field the profile ``requires`` and at
least two mapped columns besides ``row_id``. The profile that maps the most
columns wins, the specific ones (higher ``priority``) on ties. Headers no profile knows go to ``fields.extra`` under
their printed name (``column N`` when blank). A cell whose first line repeats
its own header (web scrapes: "Study code\nNBR98") loses that line.

A profile may also declare ``"lookup": {"profile": P, "on": FIELD}``: its rows
are completed from the rows of another table of the same document that
profile P matched, where the two tables' FIELD values are equal (the NHS
Digital workbooks keep each agreement's purpose text on a separate sheet).

In a spreadsheet, a column the header row leaves unmapped is read by its content
(``extract/content_columns.py``) as one of the fields the profile's ``content_fields``
lists (by default every field content can tell); ``"content_fields": []`` turns that off
for registers whose extra columns are meant to stay extra.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from extract.rowdata import FIELD_NAMES, FieldData
from extract.text import clean_cell

if TYPE_CHECKING:  # pydantic is imported where a ``Fields`` is made: a PDF makes none
    from extract.record import Fields

PROFILE_DIR = Path(__file__).parent / "profiles"
_NON_WORD = re.compile(r"[^a-z0-9&]+")
# "DataRecipient", "ODRReference": hand-cleaned exports glue header words together.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# The fields extract/content_columns.py can tell from a column's cells.
CONTENT_READABLE = frozenset(
    ("row_id", "organisation", "organisation_type", "data_type", "data_provided", "sensitivity",
     "legal_basis", "purpose", "frequency", "reference", "date_released")
)


@dataclass(frozen=True)
class Profile:
    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    priority: int = 0
    lookup: Lookup | None = None
    exact: frozenset[str] = frozenset()  # fields whose synonyms never match as a prefix
    # fields a column its header leaves unmapped may be read as by its content (sheets only)
    content_fields: frozenset[str] = CONTENT_READABLE


@dataclass(frozen=True)
class Lookup:
    """Rows of this profile's table are completed from another table's row with the same key."""

    profile: str
    on: str


@dataclass(frozen=True)
class HeaderMatch:
    profile: Profile
    headers: tuple[str, ...]
    fields: tuple[str | None, ...]  # the record field of each column, None for extra

    @property
    def mapped(self) -> int:
        return sum(field is not None for field in self.fields)

    @property
    def exact(self) -> int:
        """Columns whose header is one of its field's synonyms to the letter, not only
        starts with one (a header read with a data row's first line under it does)."""
        return sum(
            _field_and_exactness(header, self.profile)[1]
            for header, field in zip(self.headers, self.fields, strict=True)
            if field is not None
        )


@lru_cache(maxsize=4096)  # a pure function, asked ~1,500 times for ~115 headers a PDF
def normalise_header(header: str) -> str:
    return _NON_WORD.sub(" ", _CAMEL.sub(" ", header).lower()).strip()


@cache
def load_profiles() -> tuple[Profile, ...]:
    profiles = []
    for path in sorted(PROFILE_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        profiles.append(_profile_from_json(raw, path.name))
    _check_lookups(profiles)
    return tuple(sorted(profiles, key=lambda p: -p.priority))


def printed_headers(name: str) -> dict[str, str]:
    """Each field's header as the profile's edition prints it (its first synonym): what a
    generated register of that layout writes in its header row."""
    raw = json.loads((PROFILE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return {field: synonyms[0] for field, synonyms in raw["columns"].items()}


def _profile_from_json(raw: dict, filename: str) -> Profile:
    unknown = set(raw["columns"]) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"{filename}: unknown record fields {sorted(unknown)}")
    lookup = raw.get("lookup")
    if lookup and lookup["on"] not in raw["columns"]:
        raise ValueError(f"{filename}: lookup on {lookup['on']!r}, a field it has no column for")
    exact = frozenset(raw.get("exact", []))
    if not exact <= set(raw["columns"]):
        raise ValueError(
            f"{filename}: exact names {sorted(exact - set(raw['columns']))}, not columns"
        )
    return Profile(
        name=raw["name"],
        columns={f: tuple(normalise_header(s) for s in syn) for f, syn in raw["columns"].items()},
        required=tuple(raw.get("required", [])),
        priority=raw.get("priority", 0),
        lookup=Lookup(profile=lookup["profile"], on=lookup["on"]) if lookup else None,
        exact=exact,
        content_fields=frozenset(raw.get("content_fields", CONTENT_READABLE)),
    )


def _check_lookups(profiles: list[Profile]) -> None:
    names = {p.name: p for p in profiles}
    for profile in profiles:
        if profile.lookup is None:
            continue
        target = names.get(profile.lookup.profile)
        if target is None or profile.lookup.on not in target.columns:
            raise ValueError(
                f"profile {profile.name}: looks up {profile.lookup.profile!r} on "
                f"{profile.lookup.on!r}, but no profile of that name has that field"
            )


def field_for(header: str, profile: Profile) -> str | None:
    return _field_and_exactness(header, profile)[0]


def _field_and_exactness(header: str, profile: Profile) -> tuple[str | None, bool]:
    norm = normalise_header(header)
    if not norm:
        return None, False
    for field, synonyms in profile.columns.items():
        if norm in synonyms:
            return field, True
    for field, synonyms in profile.columns.items():
        if field not in profile.exact and any(norm.startswith(s + " ") for s in synonyms if s):
            return field, False
    return None, False


@cache
def known_spelling(header: str) -> str | None:
    """A profile's header whose letters and digits are the header's: a printed header
    whose words a narrow column cut ("Organi" / "sation Name") read as the profile has it.

    A header that starts with the letters of a synonym its field takes as a prefix is
    that synonym followed by the rest as printed ("Data pr ovided to custom er: Iden…").
    """
    letters = _squash(header)
    if not letters:
        return None
    whole, prefixes = _spellings()
    if letters in whole:
        return whole[letters]
    for squashed, synonym in prefixes:
        if letters.startswith(squashed):
            rest = _after_letters(header, squashed)
            if rest is not None:
                return f"{synonym} {rest}"
    return None


@cache
def _spellings() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Every synonym by its letters, and those a field takes as a prefix, once."""
    whole: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for profile in load_profiles():
        for field, synonyms in profile.columns.items():
            for synonym in synonyms:
                whole.setdefault(_squash(synonym), synonym)
                if field not in profile.exact and synonym:
                    prefixes.append((_squash(synonym), synonym))
    return whole, tuple(prefixes)


def _after_letters(text: str, letters: str) -> str | None:
    """What follows the first ``letters`` of ``text`` (other characters skipped), when they
    are its first letters and end a word; else None."""
    if not letters:
        return None
    found = 0
    for i, c in enumerate(text):
        if not c.isalnum():
            continue
        if c.lower() != letters[found]:
            return None
        found += 1
        if found == len(letters):
            rest = text[i + 1 :]
            return rest.strip() if rest[:1] and not rest[0].isalnum() else None
    return None


def _squash(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def match_profile(profile: Profile, headers: list[str]) -> HeaderMatch | None:
    candidates = [_field_and_exactness(header, profile) for header in headers]
    fields: list[str | None] = [None] * len(headers)
    # Exact matches first, so "Title of project" keeps `title` from an earlier "Title Links".
    for want_exact in (True, False):
        for index, (field, exact) in enumerate(candidates):
            if field and exact == want_exact and field not in fields:
                fields[index] = field
    match = HeaderMatch(profile, tuple(headers), tuple(fields))
    # A row id alone says little: "No" or "ID" also head check-lists and label tables.
    telling = sum(field not in (None, "row_id") for field in fields)
    if not all(req in fields for req in profile.required) or telling < 2:
        return None
    return match


def match_header(
    headers: list[str], profiles: tuple[Profile, ...] | None = None
) -> HeaderMatch | None:
    """The best profile for a header row, or None when no profile fits it."""
    if profiles is None:
        return _match_known(tuple(headers))
    return _best_match(headers, profiles)


@lru_cache(maxsize=4096)
def _match_known(headers: tuple[str, ...]) -> HeaderMatch | None:
    """``match_header`` against the shipped profiles; a PDF tries the same readings of its
    header on every page."""
    return _best_match(list(headers), load_profiles())


def _best_match(headers: list[str], profiles: tuple[Profile, ...]) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    for profile in profiles:
        match = match_profile(profile, headers)
        if match and (best is None or match.mapped > best.mapped):
            best = match
    return best


def row_to_fields(match: HeaderMatch, cells: list[str | None]) -> Fields:
    from extract.record import Fields

    values, extra = _field_values(match, cells)
    return Fields(**values, extra=extra)


def row_to_field_data(match: HeaderMatch, cells: list[str | None]) -> FieldData:
    """``row_to_fields`` as plain data (``extract.rowdata``: the PDF reader's rows)."""
    values, extra = _field_values(match, cells)
    return FieldData(**values, extra=extra)


def _field_values(
    match: HeaderMatch, cells: list[str | None]
) -> tuple[dict[str, str | None], dict[str, str]]:
    values: dict[str, str | None] = {}
    extra: dict[str, str] = {}
    for index, (header, field, cell) in enumerate(zip(match.headers, match.fields, cells)):
        text = _clean(_without_header_echo(cell, header))
        if field:
            values[field] = text
        elif text is not None:
            # a value under a blank header is still the register's text: keep it by position
            extra[clean_cell(header) or f"column {index + 1}"] = text
    return values, extra


def _without_header_echo(cell: str | None, header: str) -> str | None:
    """A cell minus a first line that repeats its own column's header.

    Web-scraped registers copy each value's label into the cell ("Study code\nNBR98");
    the label is page furniture, not the value, and no register value starts with it.
    """
    if cell is None or "\n" not in cell:
        return cell
    first, rest = cell.split("\n", 1)
    if len(first) > 2 * len(header) + 8:  # cheap refusal: long first lines are never labels
        return cell
    if first.strip() and normalise_header(first) == normalise_header(header):
        return rest
    return cell


def _clean(cell: str | None) -> str | None:
    """``clean_cell``, with a fast path for the usual one-line cell (spreadsheets: 10^5 cells)."""
    if cell is not None and cell.isprintable() and "  " not in cell:
        # isprintable() is False for line breaks, tabs and every non-ASCII space
        return cell.strip(" ") or None
    return _clean_wrapped(cell)


@lru_cache(maxsize=4096)
def _clean_wrapped(cell: str | None) -> str | None:
    # registers repeat the same long legal-basis and purpose texts on row after row
    return clean_cell(cell)
