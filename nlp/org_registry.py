"""The organisation registry: one identity per organisation across spellings and renames.

``corpora/organisations/registry.json`` is committed data, reviewed in a diff like the
data set catalogue: one entry per organisation with a stable ``id``, its ``name``, its
``sector``, the ``aliases`` registers printed (each with where it was seen), its ODS code
where it is an NHS body, ``successors`` (renames, acquisitions, mergers, with dates and
a source) and the ``merges`` a person accepted (who, when, why).

A printed name is resolved to an entry by its *fold key*: the spelling with case,
punctuation, a leading "the", legal forms ("Limited", "PLC", "LLP"), a trailing ODS code
and a bracketed acronym removed, so "IMS HEALTH LTD" and "IMS Health Limited" meet. Renames
and acquisitions (``renamed``, ``acquired_by``) make one identity: ``identity`` follows them
to the newest name, so "HSCIC" and "NHS Digital" count as one recipient. A merger of many
bodies into one (``merged_into``: CCGs into an ICB) links them but keeps each its own
identity, since the merged bodies were different recipients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.organisations import CORPORA, organisation_key

REGISTRY_PATH = CORPORA / "organisations" / "registry.json"
# Successor kinds that keep the identity (one body, a new name or owner) and those that
# do not (several bodies became one: each stays itself, linked to what followed it).
SAME_IDENTITY = frozenset(("renamed", "acquired_by", "continued_as"))
SUCCESSOR_KINDS = SAME_IDENTITY | {"merged_into", "split_into"}

# Legal forms and filler words two spellings of one company differ by.
_LEGAL_FORMS = re.compile(
    r"\b(?:limited|ltd|plc|llp|llc|inc|incorporated|gmbh|corp|corporation|co|bv|sa|ag)\b"
)
# "IQVIA Solutions UK Limited": a country after the company's name, not part of it.
_TRAILING_COUNTRY = re.compile(r"(?<=\S) (?:uk|u k|europe|gb|england)$")
# Short forms registers use for NHS body types, spelled out so both spellings meet.
_EXPANSIONS = (
    (re.compile(r"\bccgs?\b"), "clinical commissioning group"),
    (re.compile(r"\bcsu\b"), "commissioning support unit"),
    (re.compile(r"\bicb\b"), "integrated care board"),
    (re.compile(r"\bnhs ?ft\b"), "nhs foundation trust"),
    (re.compile(r"\bft\b"), "foundation trust"),
    (re.compile(r"\buniv\b"), "university"),
    (re.compile(r"\bst\b"), "saint"),
    (re.compile(r"\bdept\b"), "department"),
)
_ODS_CODE = re.compile(r"\s*[-–(]\s*((?=[0-9A-Za-z]*\d)[0-9A-Za-z]{3,5})\s*\)?\s*$")
_BRACKETED = re.compile(r"\s*\(([^()]{1,40})\)\s*$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,9}$")


def fold_key(name: str) -> str:
    """What spellings of one organisation share: lower case, no punctuation, no "the",
    no legal form, no trailing ODS code or bracketed acronym. Empty for no name."""
    text = _ODS_CODE.sub("", name.strip())
    text = _BRACKETED.sub("", text) or text
    key = organisation_key(text)
    for pattern, long_form in _EXPANSIONS:
        key = pattern.sub(long_form, key)
    bare = re.sub(r"\s+", " ", _LEGAL_FORMS.sub(" ", key)).strip()
    bare = _TRAILING_COUNTRY.sub("", bare)
    return bare or key


def ods_code_in(name: str) -> str | None:
    """The ODS code a register printed after a name ("NHS Cannock Chase CCG - 04Y")."""
    found = _ODS_CODE.search(name.strip())
    return found.group(1).upper() if found else None


def bracketed_acronym(name: str) -> str | None:
    """"University College London (UCL)" -> "UCL": registers add the acronym in brackets."""
    found = _BRACKETED.search(name.strip())
    if found and _ACRONYM.match(found.group(1).strip()):
        return found.group(1).strip()
    return None


_COUNCIL = re.compile(
    r"^(?:the )?(?:(?:london|royal) borough of |city of |county of |council of the )?(.+?)"
    r"(?: (?:metropolitan|city|county|borough|district|unitary))*"
    r"(?: (?:borough|district|county|city))? council$"
)
_PLACE_OF = re.compile(r"^(?:the )?(?:london|royal) borough of (.+)$")


def council_place(name: str) -> str | None:
    """The place a council is named for ("Barnsley Metropolitan Borough Council" ->
    "barnsley", "London Borough of Bromley" -> "bromley"); None for any other name."""
    key = fold_key(name)
    found = _COUNCIL.match(key) or _PLACE_OF.match(key)
    return found.group(1).strip() if found else None


def place_key(lad_name: str) -> str:
    """An ONS district name as ``council_place`` gives it ("Bristol, City of" -> "bristol")."""
    return fold_key(re.sub(r",\s*(?:city|county) of$", "", lad_name, flags=re.IGNORECASE))


@dataclass(frozen=True)
class Registry:
    """The registry file, indexed: entries by id, and fold keys, ODS codes and acronyms to ids."""

    entries: dict[str, dict[str, Any]]
    by_key: dict[str, str]
    by_ods: dict[str, str]
    by_acronym: dict[str, str]
    predecessors: dict[str, list[str]] = field(default_factory=dict)
    by_place: dict[str, str] = field(default_factory=dict)  # councils by the place named
    merged: dict[str, str] = field(default_factory=dict)  # an id a person merged -> the kept one

    @classmethod
    def from_entries(cls, entries: Iterable[dict[str, Any]]) -> Registry:
        table = {e["id"]: e for e in entries}
        by_key: dict[str, str] = {}
        by_ods: dict[str, str] = {}
        by_acronym: dict[str, str] = {}
        predecessors: dict[str, list[str]] = {}
        by_place: dict[str, str] = {}
        for entry_id, entry in sorted(table.items()):
            if entry.get("sector") == "local_authority":
                for place in _places(entry):
                    by_place.setdefault(place, entry_id)
            for spelling in spellings(entry):
                by_key.setdefault(fold_key(spelling), entry_id)
                acronym = bracketed_acronym(spelling)
                if acronym:
                    by_acronym.setdefault(acronym, entry_id)
            for acronym in entry.get("acronyms", []):
                by_acronym.setdefault(acronym, entry_id)
            if entry.get("ods"):
                by_ods.setdefault(entry["ods"], entry_id)
            for link in entry.get("successors", []):
                predecessors.setdefault(link["id"], []).append(entry_id)
        by_key.pop("", None)
        merged = {m["id"]: i for i, e in table.items() for m in e.get("merges", [])}
        return cls(table, by_key, by_ods, by_acronym, predecessors, by_place, merged)

    @classmethod
    def load(cls, path: Path = REGISTRY_PATH) -> Registry:
        if not path.is_file():
            return cls({}, {}, {}, {})
        return cls.from_entries(json.loads(path.read_text(encoding="utf-8"))["organisations"])

    def without(self, ids: Iterable[str]) -> Registry:
        """The registry as if these entries had never been listed (held-out evaluation)."""
        gone = set(ids)
        if not gone:
            return self

        def keep(index: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in index.items() if v not in gone}

        # Filtering the indexes, not rebuilding them: a spelling two entries shared stays
        # with neither, so a held-out name is never found under its neighbour's entry.
        return Registry({i: e for i, e in self.entries.items() if i not in gone},
                        keep(self.by_key), keep(self.by_ods), keep(self.by_acronym),
                        self.predecessors, keep(self.by_place))

    def resolve(self, name: str) -> str | None:
        """The id of the organisation a printed name names, or None when none is listed."""
        text = name.strip()
        if not text:
            return None
        code = ods_code_in(text)
        if code and code in self.by_ods:
            return self.by_ods[code]
        found = self.by_key.get(fold_key(text))
        if found:
            return found
        place = council_place(text)
        if place and place in self.by_place:
            return self.by_place[place]
        if _ACRONYM.match(text) and text in self.by_acronym:
            return self.by_acronym[text]
        acronym = bracketed_acronym(text)
        return self.by_acronym.get(acronym) if acronym else None

    def current(self, entry_id: str) -> str | None:
        """The entry an id names now: itself, or the entry it was merged into (ids given
        out stay valid after a merge); None for an id never given."""
        seen = set()
        while entry_id not in self.entries and entry_id in self.merged and entry_id not in seen:
            seen.add(entry_id)
            entry_id = self.merged[entry_id]
        return entry_id if entry_id in self.entries else None

    def identity(self, entry_id: str) -> str:
        """The newest entry a chain of renames and acquisitions leads to (itself if none)."""
        seen = {entry_id}
        while True:
            nxt = [s["id"] for s in self.entries.get(entry_id, {}).get("successors", [])
                   if s.get("kind") in SAME_IDENTITY and s["id"] in self.entries]
            if len(nxt) != 1 or nxt[0] in seen:
                return entry_id
            entry_id = nxt[0]
            seen.add(entry_id)

    def lineage(self, entry_id: str) -> list[str]:
        """Every entry of one identity: the entry, its renamed predecessors and successors."""
        root = self.identity(entry_id)
        found, todo = [], [root]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.append(current)
            todo += [p for p in self.predecessors.get(current, [])
                     if any(s["id"] == current and s.get("kind") in SAME_IDENTITY
                            for s in self.entries[p].get("successors", []))]
        return sorted(found)


def _places(entry: dict[str, Any]) -> set[str]:
    found = {council_place(s) for s in spellings(entry)} - {None}
    if entry.get("kind") == "local_authority_district":
        found.add(place_key(entry["name"]))
    return {p for p in found if p}


def spellings(entry: dict[str, Any]) -> Iterator[str]:
    """The entry's name and every alias printed for it."""
    yield entry["name"]
    for alias in entry.get("aliases", []):
        yield alias["name"] if isinstance(alias, dict) else alias


@lru_cache(maxsize=2)
def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    """The committed registry, read once per process."""
    return Registry.load(path)


@lru_cache(maxsize=65536)  # registers repeat a recipient on every data set row
def organisation_id(name: str) -> str | None:
    """The registry id of a printed name (the committed registry), or None."""
    return load_registry().resolve(name)
