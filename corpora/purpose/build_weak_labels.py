"""Build ``weak-labels.jsonl``: purpose labels implied by the publisher's organisation type.

    python corpora/purpose/build_weak_labels.py [RAW_DIR]   (default /work/shared/corpora-raw)

Reads the raw registers with drr's own readers (so the fields match what ``drr process``
produces), keeps one record per agreement, and labels it from the publisher's type only
where the guideline makes that type a fair guess (CCG/CSU/local authority -> commissioning,
academic -> research, supplier/commercial/consultancy/SME -> commercial). Types that
span labels (agency/public body, NHS trust, "Research", charity, ...) are left out.

The type is removed from the stored fields: the label was derived from it, so a model
trained on it would learn the rule, not the text. Agreements that appear in the
hand-labelled set (same NIC number) are dropped so weak copies never shadow the truth.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from extract.limits import Limits
from extract.record import Fields, Row
from extract.sheets import read_csv, read_ods, read_xlsx

OUT = Path(__file__).resolve().parent / "weak-labels.jsonl"
HAND = Path(__file__).resolve().parent / "hand-labelled-2017.jsonl"
NHSD_2021 = "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx"
PHE_2017 = ("phe-data-release-register-2017-2020/"
            "13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods")
PHE_2014 = [f"phe-data-release-register-2014-2018/PHE{y}.csv"
            for y in ("14-15", "15-16", "16-17", "17-18")]

WEAK_RULES: dict[str, str] = {
    "clinical commissioning group (ccg)": "commissioning",
    "commissioning support unit (csu)": "commissioning",
    "area team": "commissioning",
    "nhs england commissioning or geographic region": "commissioning",
    "dscro/ ccg/ csu": "commissioning",
    "local authority": "commissioning",
    "academic": "research",
    "academic institution": "research",
    "supplier": "commercial",
    "commercial": "commercial",
    "consultancy": "commercial",
    "sme": "commercial",
}
# Only what the classifier reads is kept, each value cut to a length the features use
# (``nlp.purpose_features.MAX_TEXT_CHARS``); whole CCG statements would make the file 12 MB.
KEPT_FIELDS = ("organisation", "title", "purpose", "legal_basis", "data_type", "commercial",
               "reference")
MAX_CHARS = 1500
_PURPOSE_EXTRA = re.compile(r"benefit|output|activit|objective|purpose|processing|summary", re.IGNORECASE)
_NIC = re.compile(r"NIC-\d+-[A-Z0-9]{5}", re.IGNORECASE)


def agreement_key(reference: str | None) -> str | None:
    if not reference:
        return None
    found = _NIC.search(reference)
    return found.group(0).upper() if found else reference.strip().upper()


def hand_keys() -> set[str]:
    rows = [json.loads(line) for line in HAND.read_text(encoding="utf-8").splitlines() if line]
    return {key for row in rows if (key := agreement_key(row.get("reference")))}


def source_rows(raw: Path) -> Iterator[tuple[str, Row]]:
    limits = Limits()
    for row in read_xlsx((raw / NHSD_2021).read_bytes(), limits):
        yield NHSD_2021, row
    for row in read_ods((raw / PHE_2017).read_bytes(), limits):
        yield PHE_2017, row
    for name in PHE_2014:
        for row in read_csv((raw / name).read_text(encoding="utf-8", errors="replace"), limits):
            yield name, row


def weak_records(raw: Path) -> Iterator[dict[str, object]]:
    seen = hand_keys()
    for source, row in source_rows(raw):
        fields = row.fields
        publisher_type = (fields.organisation_type or "").strip()
        label = WEAK_RULES.get(publisher_type.lower())
        key = agreement_key(fields.reference)
        if label is None or key is None or key in seen or not fields.organisation:
            continue
        seen.add(key)
        yield {
            "id": f"weak-{key}", "label": label, "organisation": fields.organisation,
            "rule": f"publisher type {publisher_type!r} -> {label}", "source": source,
            "fields": stored_fields(fields),
        }


def stored_fields(fields: Fields) -> dict[str, object]:
    """The fields the classifier reads, cut short, without the publisher's type."""
    kept: dict[str, object] = {
        name: value[:MAX_CHARS] for name in KEPT_FIELDS if (value := getattr(fields, name))
    }
    extra = {k: v[:MAX_CHARS] for k, v in fields.extra.items() if _PURPOSE_EXTRA.search(k) and v}
    return {**kept, "extra": extra} if extra else kept


def main(argv: list[str]) -> int:
    raw = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/corpora-raw")
    records = list(weak_records(raw))
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                   encoding="utf-8")
    print(f"{len(records)} weak labels -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
