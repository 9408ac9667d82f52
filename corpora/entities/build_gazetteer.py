"""Build ``organisations.json``: every organisation a publisher typed, with its sector.

    python corpora/entities/build_gazetteer.py [RAW_DIR]

Sources, most trusted first (a later source never overrides an earlier one's type):
NHS Digital's 2021 register (PurposeStatements "Organisation Type"), PHE's 2017-2020
register ("Applicant's organisation type"), PHE's 2014-2018 registers
("Organisation Type"), and the Data Uses Register types shown on theysolditanyway.com
("Purposes: No (Academic)"). Organisations named only in DataReleases (no type) are added
with the sector the name rules give, marked ``"sector_from": "name_rules"``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from raw_sources import (
    NHSD_2021,
    PHE_2014,
    PHE_2017,
    RAW,
    TSIA,
    nhsd_2021_sheet,
    phe_2014_rows,
    phe_2017_rows,
    tsia_pages,
)

from nlp.organisations import (
    clean_organisation,
    organisation_key,
    sector_from_name,
    sector_from_publisher_type,
)

Sighting = tuple[str, str, str]  # (name as printed, publisher type, source)


def nhsd_sightings(raw: Path) -> list[Sighting]:
    purpose = [(r["Organisation"], r["Organisation Type"], f"{NHSD_2021}#PurposeStatements")
               for r in nhsd_2021_sheet(raw, "PurposeStatements")]
    releases = [(r["Organisation Name"], "", f"{NHSD_2021}#DataReleases")
                for r in nhsd_2021_sheet(raw, "DataReleases")]
    return purpose + releases


def phe_sightings(raw: Path) -> list[Sighting]:
    new = [(r["Applicant's organisation"], r["Applicant's organisation type"], PHE_2017)
           for r in phe_2017_rows(raw)]
    old = [(r["Data Recipient"], r["Organisation Type"], f"{PHE_2014}/{name}")
           for name, r in phe_2014_rows(raw)]
    return new + old


def tsia_sightings(raw: Path) -> list[Sighting]:
    found = []
    for name, text in tsia_pages(raw):
        title = re.search(r"^(.+) projects$", text, re.MULTILINE)
        types = re.findall(r"^Purposes: [^(\n]*\(([^)\n]+(?:\)[^)\n]*\))?)\)\s*$", text,
                           re.MULTILINE)
        if title:
            found.append((title.group(1), types[0] if types else "", f"{TSIA}/{name}"))
    return found


def build(sightings: list[Sighting]) -> list[dict[str, object]]:
    groups: dict[str, list[Sighting]] = defaultdict(list)
    for sighting in sightings:
        if sighting[0].strip() and organisation_key(sighting[0]):
            groups[organisation_key(sighting[0])].append(sighting)
    return sorted((_entry(group) for group in groups.values()), key=lambda e: str(e["canonical"]))


def _entry(group: list[Sighting]) -> dict[str, object]:
    spellings = Counter(clean_organisation(name) for name, _, _ in group)
    # Prefer a spelling a publisher printed in mixed case over an all-capitals one.
    canonical = max(spellings, key=lambda s: (not s.isupper(), spellings[s], s))
    typed = [(t, src) for _, t, src in group if sector_from_publisher_type(t)]
    entry: dict[str, object] = {"canonical": canonical}
    if typed:
        entry["sector"] = sector_from_publisher_type(typed[0][0])
        entry["publisher_types"] = sorted({t for t, _ in typed})
        entry["sector_from"] = "publisher_type"
    else:
        entry["sector"] = sector_from_name(canonical)
        entry["sector_from"] = "name_rules"
    entry["aliases"] = sorted({name for name, _, _ in group} - {canonical})
    entry["sources"] = sorted({src for _, _, src in group})
    return entry


def main(raw: Path = RAW) -> None:
    sightings = nhsd_sightings(raw) + phe_sightings(raw) + tsia_sightings(raw)
    entries = build(sightings)
    out = {"about": __doc__.strip().splitlines()[0], "organisations": entries}
    path = HERE / "organisations.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(entries)} organisations -> {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
