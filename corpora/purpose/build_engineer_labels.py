"""Build ``engineer-labels.jsonl`` from ``engineer-annotations.psv`` and the raw registers.

    python corpora/purpose/build_engineer_labels.py [RAW_DIR]   (default /work/shared/corpora-raw)

The annotations file holds one decision per statement, made by reading it under the guideline
(label, secondary, uncertain, rationale, and, where a body appears under another name than in
the hand labels, the hand-labelled organisation it is). This script only attaches the
statement as drr's own readers read it, so training sees exactly what ``drr process`` would
produce; each value is cut to 1,500 characters (the classifier reads no more).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from extract.limits import Limits
from extract.pages import read_register_page
from extract.record import Fields, Row
from extract.sheets import read_csv, read_ods, read_xlsx

HERE = Path(__file__).resolve().parent
ANNOTATIONS = HERE / "engineer-annotations.psv"
OUT = HERE / "engineer-labels.jsonl"
LABELLER = "drr engineer, single annotation, following guideline"
MAX_CHARS = 1500
KEPT_FIELDS = ("organisation", "organisation_type", "title", "purpose", "legal_basis",
               "data_type", "commercial", "reference")
_PURPOSE_EXTRA = re.compile(r"benefit|output|activit|objective|purpose|processing|summary",
                            re.IGNORECASE)


def annotations(path: Path = ANNOTATIONS) -> Iterator[dict[str, str]]:
    names = ("source", "reference", "organisation", "label", "secondary", "uncertain",
             "same_organisation_as", "rationale")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield dict(zip(names, (part.strip() for part in line.split(" | ")), strict=True))


@lru_cache(maxsize=8)
def register_rows(path: Path) -> tuple[Row, ...]:
    limits = Limits()
    if path.suffix == ".xlsx":
        return tuple(read_xlsx(path.read_bytes(), limits))
    if path.suffix == ".ods":
        return tuple(read_ods(path.read_bytes(), limits))
    if path.suffix == ".csv":
        return tuple(read_csv(path.read_text(encoding="utf-8", errors="replace"), limits))
    # A reformatted page: line 1 is the page address; its first project is the statement.
    text = path.read_text(encoding="utf-8").split("\n", 1)[1]
    return tuple(read_register_page(text)[:1])


def find_row(raw: Path, note: dict[str, str]) -> Fields:
    rows = register_rows(raw / note["source"])
    for row in rows:
        fields = row.fields
        if not note["reference"] or (
                (fields.reference or "").strip() == note["reference"]
                and (fields.organisation or "").strip() == note["organisation"]):
            return fields
    raise LookupError(f"{note['source']}: no row {note['reference']} / {note['organisation']}")


def stored_fields(fields: Fields) -> dict[str, object]:
    kept: dict[str, object] = {
        name: value[:MAX_CHARS] for name in KEPT_FIELDS if (value := getattr(fields, name))
    }
    extra = {k: v[:MAX_CHARS] for k, v in fields.extra.items() if _PURPOSE_EXTRA.search(k) and v}
    return {**kept, "extra": extra} if extra else kept


def record(note: dict[str, str], fields: Fields) -> dict[str, object]:
    key = f"{note['source']}|{fields.reference}|{fields.organisation}"
    return {
        "id": "eng-" + hashlib.sha256(key.encode()).hexdigest()[:10],
        "reference": fields.reference, "organisation": fields.organisation,
        "label": note["label"], "secondary": note["secondary"] or None,
        "uncertain": note["uncertain"] == "yes", "rationale": note["rationale"],
        "same_organisation_as": note["same_organisation_as"] or None,
        "labeller": LABELLER, "source": note["source"], "fields": stored_fields(fields),
    }


def main(argv: list[str]) -> int:
    raw = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/corpora-raw")
    records = [record(note, find_row(raw, note)) for note in annotations()]
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise SystemExit("two annotations name the same statement")
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                   encoding="utf-8")
    print(f"{len(records)} engineer labels -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
