"""What drr made of a spreadsheet's layout, as data a person can review and save.

``describe_layout`` reads a workbook or CSV table as ``drr extract`` does and says, per
table: the sheet and header row, the profile used, each column's field and the evidence
for it (``content_columns.ColumnChoice``), the table's role (records, or the rows other
tables look up), and the join key. ``drr profile infer FILE`` prints it with each table's
profile in the shape of ``extract/profiles/*.json``, so it can be committed as one;
``drr extract --explain`` prints ``explain_lines``.
"""

from __future__ import annotations

import re
from typing import Any

from extract.content_columns import ColumnChoice, explain
from extract.limits import Limits
from extract.sheets import INFERRED, Table, join_plan, read_tables, table_rows

_SLUG = re.compile(r"[^a-z0-9]+")


def describe_layout(data: bytes, filename: str, limits: Limits, name: str | None = None) -> dict[str, Any]:
    """The layout of one spreadsheet document: its tables, their columns, roles and join."""
    from extract.detect import detect_format
    from extract.errors import UnknownLayout

    fmt = detect_format(data, filename)
    if fmt not in ("xlsx", "ods", "csv"):
        raise UnknownLayout(
            f"a {fmt} document: layouts are inferred for spreadsheets (XLSX, ODS) and CSV "
            "tables; PDF and text layouts are taught by a profile (see docs/formats.md)"
        )
    tables = read_tables(data, fmt, limits)
    with_rows = [(t, table_rows(t)) for t in tables]
    sources_of, skipped = join_plan(with_rows)
    base = name or _slug(filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "edition"
    names = _profile_names(tables, skipped, base)
    described = []
    for position, (table, rows) in enumerate(with_rows):
        lookup = None
        if position in sources_of:
            sources, _ = sources_of[position]
            targets = [names[id(t)] for t, _ in sources]
            on = table.match.profile.lookup.on if table.match.profile.lookup else "reference"
            lookup = {"profile": targets[0], "on": on} if targets else None
        role = "looked up" if position in skipped else "records"
        described.append(
            {
                "sheet": table.sheet,
                "header_row": table.header_row,
                "rows": len(rows),
                "role": role,
                "matched_profile": table.match.profile.name,
                "columns": [_column(c) for c in choices_of(table)],
                "join": (
                    {"looks_up": lookup["profile"], "on": lookup["on"],
                     "key": "canonical agreement reference (extract/refkeys.py)"}
                    if lookup else None
                ),
                "profile": _profile_json(table, names[id(table)], lookup, filename),
            }
        )
    return {"document": filename, "format": fmt, "tables": described}


def choices_of(table: Table) -> list[ColumnChoice]:
    """What was decided for each column: the content reading's record, or (a header the
    profile maps whole) the header's word for every column."""
    if table.choices:
        return list(table.choices)
    return [
        ColumnChoice(i, header, field, field, 1.0 if field else 0.0, None, 0.0, "header" if field else "")
        for i, (header, field) in enumerate(zip(table.match.headers, table.match.fields, strict=True))
    ]


def explain_lines(data: bytes, filename: str, limits: Limits) -> list[str]:
    """``drr extract --explain``: per table, its profile, and per column what it became."""
    layout = describe_layout(data, filename, limits)
    lines = []
    for table in layout["tables"]:
        where = f"sheet {table['sheet']!r}" if table["sheet"] is not None else "the CSV table"
        joined = f", looks up {table['join']['looks_up']} on {table['join']['on']}" if table["join"] else ""
        lines.append(
            f"{where}, header row {table['header_row']}: profile {table['matched_profile']}, "
            f"{table['rows']} rows, {table['role']}{joined}"
        )
        lines.extend(f"  {column['explained']}" for column in table["columns"])
    return lines


def _column(choice: ColumnChoice) -> dict[str, Any]:
    return {
        "column": choice.index + 1,
        "header": choice.header,
        "field": choice.field,
        "by": choice.by or None,
        "header_names": choice.header_field,
        "cells_look_like": choice.content_field,
        "content_score": choice.content_score,
        "explained": explain(choice),
    }


def _profile_names(tables: list[Table], skipped: set[int], base: str) -> dict[int, str]:
    names: dict[int, str] = {}
    for position, table in enumerate(tables):
        suffix = "" if position not in skipped else "-" + (_slug(table.sheet or "") or "lookup")
        name = f"{base}{suffix}"
        while name in names.values():
            name += f"-{position + 1}"
        names[id(table)] = name
    return names


def _profile_json(
    table: Table, name: str, lookup: dict[str, str] | None, filename: str
) -> dict[str, Any]:
    """The table's columns as a profile file: each field's header as printed. Blank
    headers cannot be matched by name, so their fields are left out (and said so)."""
    columns: dict[str, list[str]] = {}
    blank: list[str] = []
    for choice in choices_of(table):
        if choice.field is None or choice.field in columns:
            continue
        header = " ".join(choice.header.split())
        if header:
            columns[choice.field] = [header]
        else:
            blank.append(choice.field)
    identifying = [f for f in ("organisation", "reference", "purpose", "data_type") if f in columns]
    where = f"sheet {table.sheet!r}" if table.sheet is not None else "its CSV table"
    note = f" Columns with a blank header, read by content only: {', '.join(blank)}." if blank else ""
    source = "inferred from content" if table.match.profile.name == INFERRED else (
        f"profile {table.match.profile.name} with columns read by content"
    )
    profile: dict[str, Any] = {
        "name": name,
        "description": (
            f"Inferred by `drr profile infer` from {filename}, {where} ({source}): review "
            f"every column before committing it.{note}"
        ),
        "priority": 15,
        "required": identifying[:3],
        "columns": columns,
    }
    if lookup:
        profile["lookup"] = lookup
    return profile


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")
