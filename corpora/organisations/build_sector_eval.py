"""Build ``sector-eval.jsonl``: every organisation a publisher typed, as one group, with
the text its records give, split into training and held-out groups *by organisation*.

    python corpora/organisations/build_sector_eval.py [RAW_DIR]

One line per organisation identity in ``registry.json`` that a publisher typed
(``sector_from: publisher_type``): its id, every spelling the registers printed, the
sector the publisher's type names (the label), the publisher types, and up to two purpose
texts from its own records (first 400 characters each; NHS Digital 2021
PurposeStatements "Objective for Processing", PHE "Purpose" / "Why is this project being
conducted?", the reformatted pages' "Objectives").

The split is fixed before any rule was written: an identity is held out when the first
two hex digits of sha256("heldout:" + id) are below 0x4d (30%). All spellings and renamed
predecessors of one identity fall on the same side, so no held-out name is seen in
training under another spelling. It then writes ``sector-calibration.json`` (how often
each sector source is right on the training organisations only).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT / "corpora" / "entities"), str(ROOT)]

from raw_sources import (
    RAW,
    nhsd_2021_sheet,
    phe_2014_rows,
    phe_2017_rows,
    tsia_pages,
)

from nlp.org_registry import Registry

HELD_OUT_BELOW = 0x4D  # of 256: 30% of identities


def held_out(identity: str) -> bool:
    return hashlib.sha256(f"heldout:{identity}".encode()).digest()[0] < HELD_OUT_BELOW


def purpose_texts(raw: Path) -> dict[str, list[str]]:
    """Purpose text per organisation name as printed."""
    texts: dict[str, list[str]] = defaultdict(list)
    for r in nhsd_2021_sheet(raw, "PurposeStatements"):
        texts[r["Organisation"]].append(r["Objective for Processing"])
    for r in phe_2017_rows(raw):
        texts[r["Applicant's organisation"]].append(r["Why is this project being conducted?"])
    for _, r in phe_2014_rows(raw):
        texts[r["Data Recipient"]].append(r["Purpose"])
    for _, page in tsia_pages(raw):
        title = re.search(r"^(.+) projects$", page, re.MULTILINE)
        objective = re.search(r"^Objectives:\s*\n\s*\n(.+)$", page, re.MULTILINE)
        if title and objective:
            texts[title.group(1)].append(objective.group(1))
    return texts


def build(raw: Path = RAW) -> list[dict[str, object]]:
    registry = Registry.load()
    texts = purpose_texts(raw)
    groups: dict[str, list[dict]] = defaultdict(list)
    for entry_id, entry in registry.entries.items():
        if entry.get("sector_from") == "publisher_type":
            groups[registry.identity(entry_id)].append(entry)
    lines = []
    for identity, entries in sorted(groups.items()):
        names = sorted({a["name"] for e in entries for a in e.get("aliases", [])} |
                       {e["name"] for e in entries})
        sectors = sorted({e["sector"] for e in entries})
        found = [t[:400] for n in names for t in texts.get(n, []) if t.strip()]
        lines.append({
            "id": identity, "ids": sorted(e["id"] for e in entries), "names": names,
            "sector": sectors[0] if len(sectors) == 1 else entries[0]["sector"],
            "publisher_types": sorted({t for e in entries for t in e.get("publisher_types", [])}),
            "purposes": list(dict.fromkeys(found))[:2],
            "split": "heldout" if held_out(identity) else "train",
        })
    return lines


def main(raw: Path = RAW) -> None:
    lines = build(raw)
    path = HERE / "sector-eval.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    held = sum(1 for x in lines if x["split"] == "heldout")
    print(f"{len(lines)} organisations ({held} held out) -> {path}")
    from nlp.org_eval import evaluate_sector  # calibration: the training side and fresh set 1

    evaluate_sector(write=True)
    print("sector confidence per source -> sector-calibration.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
