"""Two editions of a real register with known changes between them, to test ``drr diff``.

    python corpora/tools/derive_editions.py REGISTER OUT_DIR [--seed N] [--per-kind K]

REGISTER is one of the registers in ``../shared/corpora-raw`` this script knows the
columns of (``REGISTERS``): a CSV table, or the NHS Digital workbook whose agreements are
spread over two sheets. From its agreements (rows grouped by reference, without version
suffix), ``K`` are drawn for each kind of change, none twice:

- removed: in the old edition only;
- added: in the new edition only;
- reworded: the purpose text of every row rewritten in the new edition (a sentence added,
  a word replaced) -> an amendment of ``purpose``;
- renamed: the recipient's name changed in every row and sheet -> of ``organisation``;
- typography: case, spacing, punctuation, dashes and quotes of the recipient and purpose
  changed -> no change at all.

Writes ``old.EXT``, ``new.EXT`` and ``expected.jsonl`` (one line per change the editions
must give: change, agreement, fields) in OUT_DIR. Every other agreement is copied as it is
printed, so ``drr diff`` must report exactly the expected lines. Cell values only: the
copy keeps no formatting, which no reader of drr looks at.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KINDS = ("removed", "added", "reworded", "renamed", "typography")
EXPECTED_FIELDS = {"removed": [], "added": [], "reworded": ["purpose"], "renamed": ["organisation"]}


@dataclass(frozen=True)
class Table:
    """One sheet: its rows above the header kept as they are, then the header and rows."""

    name: str
    head: list[list[object]]
    header: list[str]
    rows: list[list[object]]
    reference: str  # column names in this sheet; "" when the sheet lacks one
    organisation: str
    purpose: str


@dataclass(frozen=True)
class Register:
    """Which columns of which sheets hold an agreement's reference, recipient and purpose."""

    sheets: dict[str, tuple[str, str, str]]  # sheet ("" for a CSV) -> (reference, org, purpose)


REGISTERS = {
    "phe-csv": Register({"": ("ODRReference|ODR Reference", "DataRecipient|Data Recipient",
                              "Purpose")}),
    "nhs-digital-xlsx": Register({
        "DataReleases": ("NIC Number", "Organisation Name", ""),
        "PurposeStatements": ("Reference Number", "Organisation", "Objective for Processing"),
    }),
}
# "-v2.2": a DARS agreement's version; "/A1", "/R4": an ODR agreement's amendment, renewal.
# A letter alone too: PHE16-17.csv prints "ODR1516_364/A" and "ODR1516_364/B" (found when
# that file was held out: drr's canonical reference already read both as ODR1516_364).
_VERSION = re.compile(r"(?:[\s_-]*v\d+(?:\.\d+)*|/[A-Z]\d{0,2})$", re.IGNORECASE)


def agreement_of(reference: object) -> str:
    """The agreement a reference names, worked out here on its own (not with drr's code):
    the DARS prefix and a version, amendment or renewal suffix dropped."""
    text = " ".join(str(reference or "").split())
    return _VERSION.sub("", re.sub(r"^DARS-", "", text, flags=re.IGNORECASE))


def column(header: list[str], names: str) -> int | None:
    wanted = [n.strip().casefold() for n in names.split("|") if n]
    found = [i for i, h in enumerate(header) if str(h or "").strip().casefold() in wanted]
    return found[0] if found else None


def draw(agreements: list[str], per_kind: int, seed: int) -> dict[str, str]:
    """Agreement -> kind of change, ``per_kind`` of each, none drawn twice."""
    rng = random.Random(seed)
    chosen = rng.sample(sorted(agreements), per_kind * len(KINDS))
    return {key: KINDS[i // per_kind] for i, key in enumerate(chosen)}


def reworded(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    words[i] = "evaluation" if words[i].casefold() != "evaluation" else "assessment"
    return " ".join(words) + " The agreement was extended to a follow-up analysis in 2021."


def typographic(text: str, rng: random.Random) -> str:
    """The same letters and digits in the same order, typeset differently."""
    out = text.replace(" - ", " – ").replace("'", "’").replace(", ", " ,  ")
    out = out.upper() if rng.random() < 0.5 else out.lower()
    return out.rstrip(".") + " ." if out.endswith(".") else "  " + out + " "


def renamed(name: str, others: list[str], rng: random.Random) -> str:
    """Another recipient's name, as when one organisation becomes another."""
    choices = [o for o in others if o.casefold() != name.casefold()]
    return rng.choice(choices) if choices else name + " Group"


def edit_row(row: list[object], table: Table, kind: str, change: Callable[[str], str]) -> list[object]:
    out = list(row)
    name = {"reworded": table.purpose, "renamed": table.organisation}.get(kind)
    names = [table.organisation, table.purpose] if kind == "typography" else [name]
    for wanted in names:
        at = column(table.header, wanted or "") if wanted else None
        if at is not None and at < len(out) and isinstance(out[at], str) and out[at].strip():
            out[at] = change(out[at])
    return out


def derive(tables: list[Table], per_kind: int, seed: int) -> tuple[list[Table], list[Table], list[dict[str, object]]]:
    """The old and new editions of the tables and the changes expected between them."""
    keyed = [t for t in tables if t.reference]
    agreements = sorted({agreement_of(r[column(t.header, t.reference)]) for t in keyed
                         for r in t.rows if agreement_of(r[column(t.header, t.reference)])})
    kinds = draw(agreements, per_kind, seed)
    rng = random.Random(seed + 1)
    organisations = sorted({str(r[column(t.header, t.organisation)]) for t in keyed for r in t.rows
                            if column(t.header, t.organisation) is not None})
    # One edit per agreement, the same in every row and sheet (an agreement's rows repeat it).
    edits: dict[tuple[str, str], dict[str, str]] = {}
    old, new = [], []
    for table in tables:
        ref = column(table.header, table.reference) if table.reference else None
        old_rows, new_rows = [], []
        for row in table.rows:
            key = agreement_of(row[ref]) if ref is not None else ""
            kind = kinds.get(key, "")
            if kind != "added":
                old_rows.append(row)
            if kind == "removed":
                continue
            if kind in ("reworded", "renamed", "typography"):
                memo = edits.setdefault((key, kind), {})

                def change(text: str, memo: dict[str, str] = memo, kind: str = kind) -> str:
                    if text not in memo:
                        memo[text] = (reworded(text, rng) if kind == "reworded"
                                      else renamed(text, organisations, rng) if kind == "renamed"
                                      else typographic(text, rng))
                    return memo[text]

                row = edit_row(row, table, kind, change)
            new_rows.append(row)
        old.append(Table(**{**table.__dict__, "rows": old_rows}))
        new.append(Table(**{**table.__dict__, "rows": new_rows}))
    expected = [
        {"change": "amended" if kind in ("reworded", "renamed") else kind, "agreement": key,
         "fields": EXPECTED_FIELDS[kind]}
        for key, kind in sorted(kinds.items()) if kind != "typography"
    ]
    return old, new, expected


# reading and writing registers


def read_csv(data: bytes, register: Register) -> list[Table]:
    text = data.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    reference, organisation, purpose = register.sheets[""]
    return [Table("", [], [h.strip() for h in rows[0]], rows[1:], reference, organisation, purpose)]


def write_csv(tables: list[Table]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(tables[0].header)
    writer.writerows(tables[0].rows)
    return out.getvalue().encode("utf-8")


def read_xlsx(path: Path, register: Register) -> list[Table]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    tables = []
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        reference, organisation, purpose = register.sheets.get(sheet.title, ("", "", ""))
        at = _header_at(rows, reference) if reference else None
        if at is None:
            tables.append(Table(sheet.title, rows, [], [], "", "", ""))
            continue
        header = [str(h or "") for h in rows[at]]
        body = [r for r in rows[at + 1 :] if any(v not in (None, "") for v in r)]
        tables.append(Table(sheet.title, rows[:at], header, body, reference, organisation, purpose))
    return tables


def _header_at(rows: list[list[object]], reference: str) -> int | None:
    for i, row in enumerate(rows[:30]):
        if column([str(v or "") for v in row], reference) is not None:
            return i
    return None


def write_xlsx(tables: list[Table], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.name)
        for row in [*table.head, *([table.header] if table.header else []), *table.rows]:
            sheet.append(row)
    book.save(path)


def derive_files(source: Path, kind: str, out_dir: Path, per_kind: int, seed: int) -> list[dict[str, object]]:
    """Write old and new editions of ``source`` and expected.jsonl; returns the expected."""
    register = REGISTERS[kind]
    out_dir.mkdir(parents=True, exist_ok=True)
    if kind.endswith("xlsx"):
        old, new, expected = derive(read_xlsx(source, register), per_kind, seed)
        write_xlsx(old, out_dir / "old.xlsx")
        write_xlsx(new, out_dir / "new.xlsx")
    else:
        old, new, expected = derive(read_csv(source.read_bytes(), register), per_kind, seed)
        (out_dir / "old.csv").write_bytes(write_csv(old))
        (out_dir / "new.csv").write_bytes(write_csv(new))
    with open(out_dir / "expected.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in expected)
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("register", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--kind", choices=sorted(REGISTERS), help="default: by the file's suffix")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-kind", type=int, default=5)
    args = parser.parse_args(argv)
    kind = args.kind or ("nhs-digital-xlsx" if args.register.suffix == ".xlsx" else "phe-csv")
    expected = derive_files(args.register, kind, args.out_dir, args.per_kind, args.seed)
    print(f"{len(expected)} changes expected in {args.out_dir / 'expected.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
