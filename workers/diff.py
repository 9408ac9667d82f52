"""What changed between two editions of a register: one change per agreement.

An agreement is named by its canonical reference without prefix or version suffix
(``DARS-NIC-125783-W2W3P-v0.14`` -> ``NIC-125783-W2W3P``), so the rows of one agreement
are compared as one, whichever version of it an edition prints. Each edition's rows of an
agreement become, field by field, the set of the values they print; a field changed when
that set changed once typography (case, spacing, punctuation, the form of a dash or a
quote) is set aside, and a date field is compared by the date it names. A rename of
the recipient is an amendment of ``organisation``.

Pure: records in, change objects out. ``drr diff``, the store's editions and the
explorer's agreement page all call it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nlp.references import find_references

Record = dict[str, Any]
View = dict[str, str | list[str]]
CHANGE_ORDER = {"removed": 0, "added": 1, "amended": 2}
# The row's own number: registers renumber their rows from one edition to the next.
NOT_COMPARED = frozenset({"row_id", "extra"})
_PREFIX = re.compile(r"^DARS-(?=NIC-)", re.IGNORECASE)
# "-v2.2", " v3", "_V1.0": an agreement's version; "/R4", "/A1": an ODR renewal or amendment.
_VERSION = re.compile(r"(?:[\s_-]*v\d+(?:\.\d+)*|/[RA]\d{1,2})$", re.IGNORECASE)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_EDITION_WORDS = re.compile(
    rf"\b(?:{_MONTHS}|to|v|version|edition|copy|final|draft|old|new|next|latest|current"
    r"|previous|updated|revised|first|second|third)\b",
    re.IGNORECASE,
)
_DIGITS_OR_UNDERSCORE = re.compile(r"[\d_]+")


def register_name(layout: str, filename: str) -> str:
    """The register a document is an edition of: its layout and its file name without
    what changes between editions (numbers, dates, months, "v2", "(1)", the extension).
    ``releaseregister_20210201_20210228.xlsx`` and ``releaseregister_20210301_20210331.xlsx``
    are one register; ``PHE14-15.csv`` and ``PHE15-16.csv`` another; a PDF of another name
    in the same layout a third, so its rows are never taken for agreements removed."""
    stem = Path(filename).stem if filename else ""
    words = _EDITION_WORDS.sub(" ", _DIGITS_OR_UNDERSCORE.sub(" ", stem))
    words = _NOT_LETTER_OR_DIGIT.sub(" ", words)
    family = " ".join(words.lower().split())
    return f"{layout}: {family}" if family else layout


def agreement_key(reference: str) -> str:
    """The canonical agreement reference, without prefix or version suffix.

    The first reference ``nlp.references`` finds in the text gives the canonical form; a
    reference of no known scheme is kept as printed, its spacing collapsed, upper-cased.
    """
    found = find_references(reference)
    text = found[0].canonical if found else " ".join(reference.split()).upper()
    return _VERSION.sub("", _PREFIX.sub("", text))


def typographic_form(text: str) -> str:
    """The text with typography set aside: compatibility forms, case, and everything
    that is not a letter or digit (spacing, punctuation, dashes, quotes) removed."""
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", text).casefold())


def compared_form(name: str, value: str) -> str:
    """What is compared of a field's value: a date field's date (an edition printing
    13/04/2015 where the last printed 2015-04-13 changed nothing), else its typography-free
    form."""
    if name.startswith("date_"):
        from workers.fields import parse_date  # workers.fields imports this module

        day = parse_date(value)
        if day is not None:
            return "date " + day.isoformat()
    return typographic_form(value)


def record_agreement(record: Record) -> str:
    """The agreement a record's row belongs to: its reference, else its row number, else
    (a register with neither) a digest of its recipient and purpose."""
    fields = record.get("fields") or {}
    reference = fields.get("reference")
    if isinstance(reference, str) and reference.strip():
        return agreement_key(reference)
    row_id = fields.get("row_id")
    if isinstance(row_id, str) and row_id.strip():
        return "row " + " ".join(row_id.split())
    text = f"{fields.get('organisation') or ''}\n{fields.get('purpose') or ''}"
    return "text " + hashlib.sha256(typographic_form(text).encode()).hexdigest()[:16]


def compared_fields(record: Record) -> dict[str, str]:
    """A row's fields as compared: printed text, ``extra`` columns as ``extra.NAME``."""
    fields = record.get("fields") or {}
    out = {
        name: value
        for name, value in fields.items()
        if name not in NOT_COMPARED and isinstance(value, str) and value.strip()
    }
    extra = fields.get("extra") or {}
    if isinstance(extra, dict):
        for name, value in extra.items():
            if isinstance(value, str) and value.strip():
                out[f"extra.{name}"] = value
    return out


def agreements(
    records: Iterable[Record], forms: dict[str, str] | None = None
) -> dict[str, dict[str, dict[str, str]]]:
    """Agreement -> field -> {typographic form: the value as first printed}. ``forms``
    caches typographic forms: an agreement's rows repeat its purpose text (kilobytes)
    once per data set, and two editions mostly print the same texts."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    forms = {} if forms is None else forms
    for record in records:
        fields = out.setdefault(record_agreement(record), {})
        for name, value in compared_fields(record).items():
            cached = "\0date\0" + value if name.startswith("date_") else value
            form = forms.get(cached)
            if form is None:
                form = forms[cached] = compared_form(name, value)
            fields.setdefault(name, {}).setdefault(form, value)
    return out


def changed_fields(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[str]:
    names = old.keys() | new.keys()
    return sorted(name for name in names if old.get(name, {}).keys() != new.get(name, {}).keys())


def view(fields: dict[str, dict[str, str]], names: Iterable[str]) -> View:
    """The named fields' printed values: one value as a string, several as a sorted list."""
    out: View = {}
    for name in sorted(names):
        values = sorted(fields.get(name, {}).values())
        if values:
            out[name] = values[0] if len(values) == 1 else values
    return out


def organisation(fields: dict[str, dict[str, str]]) -> str | None:
    names = sorted(fields.get("organisation", {}).values())
    return names[0] if names else None


def diff_editions(
    old_records: Iterable[Record], new_records: Iterable[Record]
) -> list[dict[str, Any]]:
    """One change per agreement that was added, removed or amended (beyond typography),
    removed first, then added, then amended, each by agreement."""
    forms: dict[str, str] = {}
    old, new = agreements(old_records, forms), agreements(new_records, forms)
    _drop_renumbered(old, new)
    changes: list[dict[str, Any]] = []
    for key in old.keys() - new.keys():
        changes.append(_change("removed", key, old[key], [], view(old[key], old[key]), {}))
    for key in new.keys() - old.keys():
        changes.append(_change("added", key, new[key], [], {}, view(new[key], new[key])))
    for key in old.keys() & new.keys():
        names = changed_fields(old[key], new[key])
        if names:
            before, after = view(old[key], names), view(new[key], names)
            changes.append(_change("amended", key, new[key], names, before, after))
    return sorted(changes, key=lambda c: (CHANGE_ORDER[c["change"]], c["agreement"]))


def _drop_renumbered(
    old: dict[str, dict[str, dict[str, str]]], new: dict[str, dict[str, dict[str, str]]]
) -> None:
    """Rows known only by their number (a register with no references) that an edition
    moved to another number, unchanged, are left out of both: one row removed near the
    top renumbers every row below it, and each would read as amended. Rows whose number
    held other content stay, so a row reworded in place is still an amendment."""

    def numbered(agreements: dict[str, dict[str, dict[str, str]]]) -> list[str]:
        return [
            k
            for k in agreements
            if k.startswith("row ")
            and (k not in old or k not in new or _content(old[k]) != _content(new[k]))
        ]

    unmatched: dict[frozenset[Any], list[str]] = {}
    for key in numbered(old):
        unmatched.setdefault(_content(old[key]), []).append(key)
    for key in numbered(new):
        moved = unmatched.get(_content(new[key]))
        if moved:
            was = moved.pop(0)
            # Its old number's row, if any, and its new number's are compared no more.
            old.pop(was)
            new.pop(key)


def _content(fields: dict[str, dict[str, str]]) -> frozenset[Any]:
    return frozenset((name, frozenset(forms)) for name, forms in fields.items())


def _change(
    kind: str,
    key: str,
    fields: dict[str, dict[str, str]],
    names: list[str],
    before: View,
    after: View,
) -> dict[str, Any]:
    return {
        "change": kind,
        "agreement": key,
        "organisation": organisation(fields),
        "fields": names,
        "before": before,
        "after": after,
    }
