"""The record's indexed fields, declared once.

Each ``Indexed`` says what one filter of ``GET /records`` (and of the explorer) is: its
query parameter, its type and closed set of values (anything else is a 422 listing them),
and where the store keeps it:

- ``term``: values drawn from the record by ``values_of`` into ``record_terms`` (many per
  record: an agreement's datasets, approvals); the filter is an exact match of the
  normalised value (``term``), so "IMS Health" and "ims  health" are one value.
- ``column``: one column of ``records`` (``column`` names it), compared for equality.
- ``from`` / ``to``: a range bound on a column.
- ``text``: full-text search over ``SEARCH_FIELDS`` (SQLite FTS5, PostgreSQL tsvector).

The store's columns and terms (``column_values``, ``record_terms``), its query
(``workers.store._filtered``), the API's query model and its OpenAPI parameters
(``api.app.RecordQuery``) all come from ``FIELDS``: a new filter is one entry here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from nlp.organisations import SECTORS
from nlp.record import LABELS
from workers.diff import agreement_key

Kind = Literal["term", "column", "from", "to", "text"]
Record = dict[str, Any]
TERM_MAX = 500  # record_terms.value is varchar(500)
# The record text full-text search reads: what a project is for, and its title.
SEARCH_FIELDS = ("purpose", "title")


@dataclass(frozen=True)
class Indexed:
    name: str
    kind: Kind
    description: str
    type: type = str
    choices: tuple[str, ...] | None = None
    column: str | None = None
    values_of: Callable[[Record], Iterable[str | None]] | None = None


def term(value: str) -> str:
    """The stored form of a term: spaces collapsed, case folded, cut to the column."""
    return " ".join(value.split()).casefold()[:TERM_MAX]


def _entities(record: Record, key: str) -> list[dict[str, Any]]:
    return list((record.get("entities") or {}).get(key) or [])


def _recipients(record: Record) -> list[dict[str, Any]]:
    """Organisation entities found in the recipient's own cell, not in the other text."""
    return [o for o in _entities(record, "organisations") if o.get("field") == "organisation"]


def _name(entity: dict[str, Any]) -> str | None:
    return entity.get("canonical") or entity.get("text")


def _organisation(record: Record) -> Iterator[str | None]:
    yield (record.get("fields") or {}).get("organisation")
    yield from (_name(o) for o in _recipients(record))


def _mentions(record: Record) -> Iterator[str | None]:
    for entity in _entities(record, "organisations"):
        yield entity.get("canonical")
        yield entity.get("text")


def _organisation_ids(record: Record) -> Iterator[str | None]:
    return (o.get("id") for o in _entities(record, "organisations"))


def _sectors(record: Record) -> Iterator[str | None]:
    return (o.get("sector") for o in _recipients(record))


def _named(key: str) -> Callable[[Record], Iterator[str | None]]:
    return lambda record: (_name(e) for e in _entities(record, key))


def _legal_basis(record: Record) -> Iterator[str | None]:
    yield (record.get("fields") or {}).get("legal_basis")


_YES = frozenset({"yes", "y", "true", "commercial"})
_NO = frozenset({"no", "n", "false", "non-commercial", "non commercial", "not commercial"})


def commercial_flag(printed: str | None) -> bool | None:
    """The register's own commercial flag as a yes or no; None when not printed or unclear."""
    text = term(printed or "").strip(" .")
    return True if text in _YES else False if text in _NO else None


def _commercial(record: Record) -> Iterator[str | None]:
    flag = commercial_flag((record.get("fields") or {}).get("commercial"))
    yield None if flag is None else str(flag).lower()


def _agreement(record: Record) -> Iterator[str | None]:
    yield agreement_of(record)


# Agreement numbers (the NIC scheme) name the agreement itself, not an approval it cites;
# so does a row's own reference of any scheme: left out, as ``workers.report`` does.
_NOT_APPROVALS = frozenset({"NIC"})


def _approvals(record: Record) -> Iterator[str | None]:
    return (_name(a) for a in _entities(record, "approval_references")
            if a.get("scheme") not in _NOT_APPROVALS and a.get("field") != "reference")


FIELDS: tuple[Indexed, ...] = (
    Indexed("q", "text", "words of the purpose or title (full-text, all words, stemmed)"),
    Indexed("organisation", "term", "the recipient, as printed or canonical, any case",
            values_of=_organisation),
    Indexed("mentions", "term", "an organisation named anywhere in the record",
            values_of=_mentions),
    Indexed("organisation_id", "term", "registry id of an organisation of the record",
            values_of=_organisation_ids),
    Indexed("sector", "term", "the recipient's sector", choices=tuple(SECTORS),
            values_of=_sectors),
    Indexed("purpose", "column", "purpose label", choices=tuple(LABELS), column="purpose_label"),
    Indexed("dataset", "term", "canonical dataset name", values_of=_named("datasets")),
    Indexed("legal_basis", "term", "the legal basis as printed, any case and spacing",
            values_of=_legal_basis),
    Indexed("approval", "term", "canonical approval reference",
            values_of=_approvals),
    Indexed("commercial", "term", "the register's own commercial flag", type=bool,
            values_of=_commercial),
    Indexed("agreement", "term", "the agreement's reference, without prefix or version",
            values_of=_agreement),
    Indexed("needs_review", "column", "a stage is unsure of the record", type=bool,
            column="needs_review"),
    Indexed("document", "column", "sha256 of the document", column="document_sha256"),
    Indexed("date_from", "from", "release (else start) date from", type=date,
            column="record_date"),
    Indexed("date_to", "to", "release (else start) date to", type=date, column="record_date"),
)
BY_NAME = {f.name: f for f in FIELDS}
TERM_KINDS = tuple(f.name for f in FIELDS if f.kind == "term")


class RecordFilter:
    """Values for some of ``FIELDS`` (AND): ``RecordFilter(purpose="research", sector=...)``.
    Terms are held in their stored form; booleans and dates as the store compares them.
    ``latest_only``: leave out the records of a snapshot register's earlier editions (each
    edition lists the whole register, so they would count its rows again)."""

    def __init__(self, *, latest_only: bool = False, **given: Any) -> None:
        unknown = sorted(set(given) - set(BY_NAME))
        if unknown:
            raise TypeError(f"no indexed field {', '.join(unknown)}: one of {', '.join(BY_NAME)}")
        self.given = {k: _stored(BY_NAME[k], v) for k, v in given.items() if v is not None}
        self.latest_only = latest_only

    def latest(self) -> RecordFilter:
        """The same filter over the records of each register's current editions only."""
        copy = RecordFilter()
        copy.given, copy.latest_only = dict(self.given), True
        return copy

    @property
    def terms(self) -> dict[str, str]:
        return {k: v for k, v in self.given.items() if BY_NAME[k].kind == "term"}

    def __getattr__(self, name: str) -> Any:
        if name in BY_NAME:
            return self.__dict__["given"].get(name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        given = [f"{k}={v!r}" for k, v in self.given.items()]
        return f"RecordFilter({', '.join(given + ['latest_only=True'] * self.latest_only)})"


def _stored(field: Indexed, value: Any) -> Any:
    if field.kind == "term":
        return term(str(value).lower() if isinstance(value, bool) else str(value))
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_terms(record: Record) -> Iterator[tuple[str, str]]:
    """(kind, stored value) of every term field of a record, each pair once, sorted."""
    return ((kind, value) for kind, value, _ in printed_terms(record))


def printed_terms(record: Record) -> Iterator[tuple[str, str, str]]:
    """(kind, stored value, printed value) of every term field of a record, each (kind,
    value) once, sorted; the printed value is the first the record gives (spacing
    collapsed), what a list of choices shows."""
    found: dict[tuple[str, str], str] = {}
    for field in FIELDS:
        if field.kind != "term" or field.values_of is None:
            continue
        for value in field.values_of(record):
            if value and term(value):
                found.setdefault((field.name, term(value)),
                                 " ".join(value.split())[:TERM_MAX])
    return ((kind, value, found[kind, value]) for kind, value in sorted(found))


def column_values(record: Record) -> dict[str, Any]:
    """The values of the ``records`` columns the filters and the review groups read."""
    purpose = record.get("purpose") or {}
    return {
        "purpose_label": purpose.get("label"),
        "needs_review": bool(record.get("needs_review")),
        "record_date": record_date(record.get("fields") or {}),
        "statement_key": statement_key(record),
    }


def statement_key(record: Record) -> str:
    """One key per distinct purpose statement and recipient: a register prints an
    agreement's statement once per dataset row, and a reviewer labels it once for all of
    them. Spacing and case do not count; a row with no statement is a group of its own."""
    fields = record.get("fields") or {}
    statement = term(str(fields.get("purpose") or fields.get("title") or ""))
    if not statement:
        return "record " + str(record.get("record_id"))[:57]
    text = term(str(fields.get("organisation") or "")) + "\n" + statement
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def search_text(record: Record) -> str:
    fields = record.get("fields") or {}
    return " ".join(str(fields.get(key) or "") for key in SEARCH_FIELDS).strip()


# agreements


def agreement_of(record: Record) -> str | None:
    """The agreement a release row belongs to: its reference without prefix or version
    (``workers.diff.agreement_key``, the key editions are compared by); None without one."""
    reference = (record.get("fields") or {}).get("reference")
    if not isinstance(reference, str) or not reference.strip():
        return None
    return agreement_key(reference) or None


# editions

# A new edition that repeats at least this share of its register's previous edition's
# agreements lists the whole register again (a snapshot, as the editions
# ``corpora/tools/derive_editions.py`` derives: they repeat all but the few removed, 97.6%
# of PHE's, 99.1% of the 2021 workbook's); one that repeats fewer lists a period's releases
# (NHS Digital's monthly files; PHE's yearly CSVs repeat 1.5%, 10.5% and 9.8% of the year
# before: an agreement released again the next year). Half is far from both.
SNAPSHOT_SHARE = 0.5


def edition_kind(previous: set[str], agreements: set[str]) -> str | None:
    """"snapshot" or "period" for a new edition of a register, by the share of the
    previous edition's agreements it repeats; None when the previous names none."""
    if not previous:
        return None
    return "snapshot" if len(previous & agreements) >= SNAPSHOT_SHARE * len(previous) else "period"


# dates

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%B %Y",
    "%b %Y",
    "%Y-%m-%dT%H:%M:%S",
)


def record_date(fields: dict[str, Any]) -> str | None:
    """The record's date for range filters: its release date, else its start date (ISO)."""
    for key in ("date_released", "date_start"):
        parsed = parse_date(fields.get(key))
        if parsed:
            return parsed.isoformat()
    return None


def parse_date(text: Any) -> date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    cleaned = " ".join(text.split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None
