"""Enriched records as the HDR UK Data Use Register: one CSV row per data use.

Registers print one row per data set of an agreement; the HDR UK register lists each data
use (project) once, its data sets joined. Rows are grouped by the agreement's reference
(across documents: the same NIC number in two editions is one data use), else, when a
row prints none, by document, organisation and purpose text.

Columns are the fields of the HDR UK "Specification for data use register fields",
version 2 (2022-01-19), in its order, followed by three drr columns (the legal basis as
printed, the record ids a row was made from, and whether any of them needs review).
Nothing is invented: a field the registers do not print stays empty. The mapping is in
``docs/hdruk.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any

from workers.store import parse_date

SPEC_FIELDS = (
    "Lead applicant organisation name", "Organisation ID", "Organisation sector",
    "Applicant names", "Applicant ID", "Funders/Sponsors", "DEA accredited researcher?",
    "Sub-licence arrangements (if any)?", "Project ID", "Project title", "Lay summary",
    "Public benefit statement", "Request category type", "Technical summary",
    "Other approval committees", "Project start date", "Project end date",
    "Latest approval date", "Dataset(s) name", "Data sensitivity level",
    "Legal basis for provision of data under Article 6",
    "Lawful conditions for provision of data under Article 9",
    "Common Law Duty of Confidentiality", "National data opt-out applied?",
    "Request frequency", "For linked datasets, specify how the linkage will take place",
    "For linked datasets, specify how any new assets created will be managed and archived",
    "Description of the confidential data being used", "Release/Access date", "Access type",
    "How has data been processed to enhance privacy?", "Link to research outputs",
)
DRR_FIELDS = ("Legal basis (as printed)", "drr record ids", "drr needs review")
COLUMNS = SPEC_FIELDS + DRR_FIELDS

# The specification asks for at most 300 words of lay summary.
LAY_SUMMARY_WORDS = 300
SECTORS = {
    "commercial": "Commercial", "academic": "Academic", "nhs_commissioner": "NHS commissioner",
    "nhs_provider": "NHS provider", "local_authority": "Local authority",
    "central_government": "Central government or arm's-length body",
    "charity_or_research_body": "Charity or research body", "other": "Other",
}
# Understanding Patient Data's levels, most sensitive first (the specification: give the
# level of the most sensitive data set when there are several).
SENSITIVITY = {
    "identifiable": "Personally Identifiable", "pseudonymised": "De-Personalised",
    "anonymised": "Anonymous", "aggregated": "Anonymous", "aggregated_small_numbers": "Anonymous",
}
LEVELS = ("Personally Identifiable", "De-Personalised", "Anonymous")
FREQUENCY = {"one_off": "One-off", "ongoing": "Recurring"}
# The custodian's own agreement numbers are the project id, not another approval.
_OWN_SCHEMES = {"NIC"}
_BENEFIT = re.compile(r"benefit", re.IGNORECASE)
_CONFIDENTIALITY = re.compile(r"common law duty", re.IGNORECASE)
_OPT_OUT = re.compile(r"opt.?outs?\b", re.IGNORECASE)


def use_key(record: dict[str, Any]) -> tuple[str, ...]:
    """Which data use a register row belongs to."""
    fields = record.get("fields") or {}
    reference = (fields.get("reference") or "").strip()
    if reference:
        return ("reference", reference)
    source = record.get("source") or {}
    return ("row", source.get("document_sha256") or "", fields.get("organisation") or "",
            fields.get("purpose") or "")


def record_values(record: dict[str, Any]) -> dict[str, Any]:
    """One register row's values, column by column (empty where the row prints nothing);
    a list for the columns an agreement's rows join (``JOINED``)."""
    fields = record.get("fields") or {}
    extra = fields.get("extra") or {}
    purpose = record.get("purpose") or {}
    normalised = record.get("normalised") or {}
    return {
        "Lead applicant organisation name": organisation_name(record),
        "Organisation sector": SECTORS.get(organisation_sector(record) or "", ""),
        "Sub-licence arrangements (if any)?": text(fields.get("sublicensing")),
        "Project ID": text(fields.get("reference")),
        "Project title": text(fields.get("title")),
        "Lay summary": first_words(text(fields.get("purpose")), LAY_SUMMARY_WORDS),
        "Public benefit statement": extra_value(extra, _BENEFIT),
        "Request category type": text(purpose.get("label")).capitalize(),
        "Other approval committees": other_approvals(record),
        "Project start date": iso_date(fields.get("date_start")),
        "Project end date": iso_date(fields.get("date_end")),
        "Dataset(s) name": dataset_names(record),
        "Data sensitivity level": SENSITIVITY.get(normalised.get("data_provided") or "", ""),
        "Common Law Duty of Confidentiality": listed(extra_value(extra, _CONFIDENTIALITY)),
        "National data opt-out applied?": listed(extra_value(extra, _OPT_OUT)),
        "Request frequency": FREQUENCY.get(normalised.get("frequency") or "", ""),
        "Release/Access date": iso_date(fields.get("date_released")),
        "Access type": listed(text(fields.get("access_method"))),
        "How has data been processed to enhance privacy?": listed(
            text(fields.get("data_provided"))),
        "Legal basis (as printed)": listed(text(fields.get("legal_basis"))),
        "drr record ids": listed(record.get("record_id") or ""),
        "drr needs review": "yes" if record.get("needs_review") else "no",
    }


# Columns whose value differs between an agreement's data set rows: every distinct value
# is kept, joined. Every other column takes the first row's value that is not empty.
JOINED = {"Dataset(s) name": ", ", "Other approval committees": ", ",
          "How has data been processed to enhance privacy?": "; ",
          "Legal basis (as printed)": "; ", "Common Law Duty of Confidentiality": "; ",
          "National data opt-out applied?": "; ", "Access type": "; ", "drr record ids": " "}


def merge(rows: list[dict[str, Any]], reviewer_label: str | None) -> dict[str, str]:
    """One data use from its register rows' values."""
    merged = dict.fromkeys(COLUMNS, "")
    for column in COLUMNS:
        values = [row[column] for row in rows if row.get(column)]
        if column in JOINED:
            parts = [part for value in values for part in value]
            merged[column] = JOINED[column].join(dict.fromkeys(parts))
        elif values:
            merged[column] = values[0]
    levels = {row["Data sensitivity level"] for row in rows}
    # The specification: the level of the most sensitive data set.
    merged["Data sensitivity level"] = next((level for level in LEVELS if level in levels), "")
    frequencies = {row["Request frequency"] for row in rows}
    merged["Request frequency"] = ("Recurring" if "Recurring" in frequencies
                                   else "One-off" if "One-off" in frequencies else "")
    merged["drr needs review"] = "yes" if any(
        row["drr needs review"] == "yes" for row in rows) else "no"
    if reviewer_label:
        merged["Request category type"] = reviewer_label.capitalize()
    return merged


def data_uses(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """HDR UK rows in the order their first register row came."""
    rows: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    reviewed: dict[tuple[str, ...], str] = {}
    for record in records:
        key = use_key(record)
        rows.setdefault(key, []).append(record_values(record))
        purpose = record.get("purpose") or {}
        if purpose.get("source") == "reviewer" and purpose.get("label"):
            # A reviewer's label is the agreement's, whichever of its rows was corrected.
            reviewed[key] = purpose["label"]
    return [merge(values, reviewed.get(key)) for key, values in rows.items()]


def write_csv(rows: Iterable[dict[str, str]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: inert(value) for column, value in row.items()} for row in rows)


# A spreadsheet opening the CSV runs a cell that starts with one of these as a formula
# (OWASP, "CSV Injection"); register cells are published text anyone could have written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Not formulas to a spreadsheet: a plain negative number, and a lone dash (printed for
# "nothing").
_INERT = re.compile(r"-?\d+(?:\.\d+)?|-")


def inert(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate: a single quote before a formula
    start, as OWASP recommends. A plain negative number or a lone dash is kept as printed."""
    if value.startswith(FORMULA_STARTS) and not _INERT.fullmatch(value):
        return "'" + value
    return value


def csv_text(records: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    write_csv(data_uses(records), buffer)
    return buffer.getvalue()


# --- one value each -------------------------------------------------------------------


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def organisation_name(record: dict[str, Any]) -> str:
    found = _recipient(record)
    if found and found.get("canonical"):
        return str(found["canonical"])
    return text((record.get("fields") or {}).get("organisation"))


def organisation_sector(record: dict[str, Any]) -> str | None:
    found = _recipient(record)
    return found.get("sector") if found else None


def _recipient(record: dict[str, Any]) -> dict[str, Any] | None:
    for organisation in (record.get("entities") or {}).get("organisations") or []:
        if organisation.get("field") == "organisation":
            return dict(organisation)
    return None


def dataset_names(record: dict[str, Any]) -> list[str]:
    """The catalogue's names for the row's data sets, else the data type as printed."""
    found = [d.get("canonical") or d.get("text") or ""
             for d in (record.get("entities") or {}).get("datasets") or []]
    names = [name for name in found if name]
    if names:
        return names
    printed = text((record.get("fields") or {}).get("data_type"))
    return [printed] if printed else []


def other_approvals(record: dict[str, Any]) -> list[str]:
    """Approvals by other bodies (CAG, PIAG, ECC, REC, ...), each once, in order."""
    seen: list[str] = []
    for reference in (record.get("entities") or {}).get("approval_references") or []:
        canonical = reference.get("canonical") or reference.get("text") or ""
        if reference.get("scheme") not in _OWN_SCHEMES and canonical and canonical not in seen:
            seen.append(canonical)
    return seen


def listed(value: str) -> list[str]:
    return [value] if value else []


def first_words(value: str, limit: int) -> str:
    words = value.split()
    return value if len(words) <= limit else " ".join(words[:limit]) + " …"


def extra_value(extra: dict[str, Any], header: re.Pattern[str]) -> str:
    for key, value in extra.items():
        if header.search(key) and text(value):
            return text(value)
    return ""


def iso_date(value: Any) -> str:
    parsed = parse_date(value)
    return parsed.isoformat() if parsed else ""
