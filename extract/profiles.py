"""Layout profiles: which header names a register edition uses for which record field.

Profiles are data (``extract/profiles/*.json``), not code branches. Each names the
synonyms of every field it knows; a header matches a synonym when, normalised
(case, punctuation, spacing), it equals it or starts with it. The profile that
maps the most columns wins, the specific ones before ``generic``. Headers no
profile knows go to ``fields.extra`` under their printed name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from extract.record import Fields
from extract.text import clean_cell

PROFILE_DIR = Path(__file__).parent / "profiles"
_NON_WORD = re.compile(r"[^a-z0-9&]+")
FIELD_NAMES = tuple(name for name in Fields.model_fields if name != "extra")


@dataclass(frozen=True)
class Profile:
    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    priority: int = 0


@dataclass(frozen=True)
class HeaderMatch:
    profile: Profile
    headers: tuple[str, ...]
    fields: tuple[str | None, ...]  # the record field of each column, None for extra

    @property
    def mapped(self) -> int:
        return sum(field is not None for field in self.fields)


def normalise_header(header: str) -> str:
    return _NON_WORD.sub(" ", header.lower()).strip()


@cache
def load_profiles() -> tuple[Profile, ...]:
    profiles = []
    for path in sorted(PROFILE_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(raw["columns"]) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"{path.name}: unknown record fields {sorted(unknown)}")
        profiles.append(
            Profile(
                name=raw["name"],
                columns={f: tuple(normalise_header(s) for s in syn) for f, syn in raw["columns"].items()},
                required=tuple(raw.get("required", [])),
                priority=raw.get("priority", 0),
            )
        )
    return tuple(sorted(profiles, key=lambda p: -p.priority))


def field_for(header: str, profile: Profile) -> str | None:
    norm = normalise_header(header)
    if not norm:
        return None
    for field, synonyms in profile.columns.items():
        if norm in synonyms:
            return field
    for field, synonyms in profile.columns.items():
        if any(norm.startswith(s + " ") for s in synonyms if s):
            return field
    return None


def match_profile(profile: Profile, headers: list[str]) -> HeaderMatch | None:
    fields: list[str | None] = []
    for header in headers:
        field = field_for(header, profile)
        fields.append(field if field not in fields else None)
    match = HeaderMatch(profile, tuple(headers), tuple(fields))
    if not all(req in fields for req in profile.required) or match.mapped < 2:
        return None
    return match


def match_header(headers: list[str], profiles: tuple[Profile, ...] | None = None) -> HeaderMatch | None:
    """The best profile for a header row, or None when no profile fits it."""
    best: HeaderMatch | None = None
    for profile in profiles or load_profiles():
        match = match_profile(profile, headers)
        if match and (best is None or match.mapped > best.mapped):
            best = match
    return best


def row_to_fields(match: HeaderMatch, cells: list[str | None]) -> Fields:
    values: dict[str, str | None] = {}
    extra: dict[str, str] = {}
    for header, field, cell in zip(match.headers, match.fields, cells):
        text = clean_cell(cell)
        if field:
            values[field] = text
        elif text is not None and header.strip():
            extra[clean_cell(header) or header] = text
    return Fields(**values, extra=extra)
