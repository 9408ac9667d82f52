"""Build ``registry.json``: one entry per organisation, from the registers and the ODS lists.

    python corpora/organisations/build_registry.py [RAW_DIR]

Inputs, in order (a later one adds to an entry, never replaces what an earlier one said):

1. ``corpora/entities/organisations.json``: every organisation a publisher typed, its
   sector from that type, and the spellings the registers printed (with the file they
   were seen in).
2. ``RAW_DIR/ods-reference``: NHS trusts (``etr.csv``, ``etr-2022.csv``), CCGs and sub-ICB
   locations (``eccg.csv``), ICBs and local authority districts, with ODS codes and open
   and close dates. A listed body a register names is the same entry (same fold key, same
   ODS code, or for councils the same place).
3. ``facts.json`` (written by hand): renames, acquisitions and successions with a public
   citation in words, and spellings seen in a register that no publisher typed.
4. ``decisions.jsonl``: merges a person accepted with ``drr organisations review`` (who,
   when, why). Nothing is merged without one.

Ids are kept from the previous ``registry.json`` (an entry keeps its id for ever; a new
one gets a slug of its name), so a rebuild never changes a published id.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT)]

from nlp.org_registry import council_place, fold_key, ods_code_in, place_key
from nlp.org_suggest import apply_decision
from nlp.organisations import clean_organisation, organisation_key

RAW = Path("/work/shared/corpora-raw")
ODS = "ods-reference"


def slug(name: str) -> str:
    """An id from a name as printed (bracketed words kept: "NHS England (Quarry House)")."""
    return re.sub(r"[^a-z0-9]+", "-", organisation_key(name)).strip("-")[:60] or "organisation"


def ods_date(text: str) -> str | None:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if re.fullmatch(r"\d{8}", text or "") else None


def gazetteer_entries() -> list[dict[str, Any]]:
    data = json.loads((ROOT / "corpora/entities/organisations.json").read_text(encoding="utf-8"))
    entries = []
    for org in data["organisations"]:
        seen = org.get("sources", [])[:3]
        aliases = [{"name": n, "seen": seen} for n in (org["canonical"], *org.get("aliases", []))]
        entries.append({
            "name": org["canonical"], "sector": org["sector"],
            "sector_from": org.get("sector_from", "publisher_type"),
            "publisher_types": org.get("publisher_types", []), "aliases": aliases,
        })
    return entries


def ods_rows(raw: Path, name: str) -> list[list[str]]:
    with (raw / ODS / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def ods_entries(raw: Path) -> list[dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for file in ("etr.csv", "etr-2022.csv"):
        for row in ods_rows(raw, file):
            code = row[0]
            entries.setdefault(code, _ods_entry(row, "nhs_trust", "nhs_provider", file))
    for row in ods_rows(raw, "eccg.csv"):
        kind = "sub_icb_location" if " ICB - " in row[1] else "ccg"
        entries.setdefault(row[0], _ods_entry(row, kind, "nhs_commissioner", "eccg.csv"))
    icbs = ods_rows(raw, "icb_names_codes_dec_2024.csv")[1:]
    for ons, code, name, _ in icbs:
        entries[code] = {"name": name, "sector": "nhs_commissioner", "sector_from": "ods",
                         "kind": "icb", "ods": code, "ons": ons,
                         "aliases": [{"name": name, "seen": [f"{ODS}/icb_names_codes_dec_2024.csv"]}]}
    _link_sub_icb_locations(entries)
    lads = [{"name": name, "sector": "local_authority", "sector_from": "ons",
             "kind": "local_authority_district", "ons": ons, "aliases": [],
             "place": name}
            for ons, name in ods_rows(raw, "local_authority_districts_2023.csv")[1:]]
    return list(entries.values()) + lads


def _ods_entry(row: list[str], kind: str, sector: str, file: str) -> dict[str, Any]:
    name = clean_organisation(row[1])
    if kind == "sub_icb_location" and not name.upper().endswith(row[0]):
        name = f"{name} - {row[0]}"  # its code is what tells it from its ICB
    entry: dict[str, Any] = {
        "name": name, "sector": sector,
        "sector_from": "ods", "kind": kind, "ods": row[0],
        "aliases": [{"name": row[1], "seen": [f"{ODS}/{file}"]}],
    }
    if ods_date(row[10]):
        entry["opened"] = ods_date(row[10])
    if len(row) > 11 and ods_date(row[11]):
        entry["closed"] = ods_date(row[11])
    return entry


def _link_sub_icb_locations(entries: dict[str, dict[str, Any]]) -> None:
    """A sub-ICB location ("NHS Greater Manchester ICB - 00T") is part of its ICB."""
    icbs = {fold_key(e["name"]): code for code, e in entries.items() if e.get("kind") == "icb"}
    for entry in entries.values():
        if entry.get("kind") == "sub_icb_location":
            icb = icbs.get(fold_key(entry["name"].rsplit(" - ", 1)[0] + " Integrated Care Board"))
            if icb:
                entry["part_of_ods"] = icb


def merge_listed(typed: list[dict[str, Any]], listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A listed body a register named is one entry: the register's name and sector, the
    list's code and dates."""
    by_key = {fold_key(a["name"]): e for e in typed for a in e["aliases"]}
    by_place = {council_place(e["name"]): e for e in typed if council_place(e["name"])}
    out = list(typed)
    for entry in listed:
        if entry.get("kind") == "sub_icb_location":  # its name is its ICB's: the code decides
            emptied = _move_coded_aliases(typed, entry)
            out = [e for e in out if all(e is not x for x in emptied)]
            out.append(entry)
            continue
        match = by_key.get(fold_key(entry["name"])) or (
            by_place.get(place_key(entry["place"])) if entry.get("place") else None)
        if match is None:
            out.append(entry)
            continue
        for key in ("kind", "ods", "ons", "opened", "closed", "part_of_ods", "place"):
            if key in entry:
                match.setdefault(key, entry[key])
        match["aliases"] += [a for a in entry["aliases"]
                             if a["name"] not in {b["name"] for b in match["aliases"]}]
    return out


def _move_coded_aliases(typed: list[dict[str, Any]], location: dict[str, Any]) -> list[dict[str, Any]]:
    """"NHS Greater Manchester ICB - 02a" is sub-ICB location 02A, not the ICB. Entries left
    with no spelling of their own (every one carried the code) are the location: returned."""
    emptied = []
    for entry in typed:
        coded = [a for a in entry["aliases"] if ods_code_in(a["name"]) == location["ods"]]
        if coded:
            entry["aliases"] = [a for a in entry["aliases"] if a not in coded]
            location["aliases"] += coded
            if not entry["aliases"]:
                location["publisher_types"] = entry.get("publisher_types", [])
                emptied.append(entry)
    return emptied


def assign_ids(entries: list[dict[str, Any]], previous: dict[str, str]) -> None:
    """Keep each entry's id from the last build (by any of its spellings); slug new ones."""
    taken: set[str] = set()
    for entry in sorted(entries, key=lambda e: (e.get("sector_from") != "publisher_type",
                                                e["name"])):
        old = next((previous[k] for a in [{"name": entry["name"]}, *entry["aliases"]]
                    if (k := fold_key(a["name"])) in previous and previous[k] not in taken), None)
        entry_id = old or slug(entry["name"])
        while entry_id in taken:
            entry_id = f"{entry_id}-{entry.get('ods') or entry.get('ons') or 'x'}".lower()
        entry["id"] = entry_id
        taken.add(entry_id)


def apply_facts(entries: list[dict[str, Any]], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Hand-written facts: new organisations, spellings, and links between entries."""
    by_key = {fold_key(s): e for e in entries for s in [e["name"], *[a["name"] for a in e["aliases"]]]}
    for fact in facts.get("organisations", []):
        known = by_key.get(fold_key(fact["name"]))
        if known is None:
            entries.append({"sector_from": "hand", "aliases": [], **fact})
            by_key[fold_key(fact["name"])] = entries[-1]
        else:  # a register or list names it already: only the spellings are new
            names = {a["name"] for a in known["aliases"]}
            known["aliases"] += [a for a in fact.get("aliases", []) if a["name"] not in names]
    for alias in facts.get("aliases", []):
        target = by_key[fold_key(alias["of"])]
        if alias["name"] not in {a["name"] for a in target["aliases"]}:
            target["aliases"].append({"name": alias["name"], "seen": [alias["seen"]]})
    return entries


def apply_links(entries: list[dict[str, Any]], facts: dict[str, Any]) -> None:
    by_key = {fold_key(s): e for e in entries for s in [e["name"], *[a["name"] for a in e["aliases"]]]}
    by_key.update({fold_key(e["name"]): e for e in entries})  # a name beats a spelling
    by_key.update({"=" + e["name"]: e for e in entries})
    by_ods = {e["ods"]: e for e in entries if e.get("ods")}
    for link in facts.get("links", []):
        old = by_ods.get(link["from"]) or by_key.get("=" + link["from"]) or by_key[fold_key(link["from"])]
        new = by_ods.get(link["to"]) or by_key.get("=" + link["to"]) or by_key[fold_key(link["to"])]
        old.setdefault("successors", []).append(
            {"id": new["id"], "kind": link["kind"], "date": link.get("date"), "source": link["source"]})
    for entry in entries:
        if entry.get("part_of_ods") in by_ods:
            entry["part_of"] = by_ods[entry.pop("part_of_ods")]["id"]
        entry.pop("part_of_ods", None)


def build(raw: Path = RAW) -> list[dict[str, Any]]:
    previous_path = HERE / "registry.json"
    previous: dict[str, str] = {}
    if previous_path.is_file():
        for e in json.loads(previous_path.read_text(encoding="utf-8"))["organisations"]:
            for name in [e["name"], *[a["name"] for a in e.get("aliases", [])]]:
                previous.setdefault(fold_key(name), e["id"])
    facts = json.loads((HERE / "facts.json").read_text(encoding="utf-8"))
    entries = apply_facts(merge_listed(gazetteer_entries(), ods_entries(raw)), facts)
    assign_ids(entries, previous)
    apply_links(entries, facts)
    decisions = HERE / "decisions.jsonl"
    if decisions.is_file():
        for line in decisions.read_text(encoding="utf-8").splitlines():
            entries = apply_decision(entries, json.loads(line))
    return sorted((_ordered(e) for e in entries), key=lambda e: e["id"])


_ORDER = ("id", "name", "sector", "sector_from", "kind", "ods", "ons", "opened", "closed",
          "part_of", "publisher_types", "aliases", "successors", "merges")


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    entry.pop("place", None)
    return {k: entry[k] for k in _ORDER if k in entry and entry[k] not in (None, [], "")}


def main(raw: Path = RAW) -> None:
    entries = build(raw)
    out = {"about": __doc__.strip().splitlines()[0], "organisations": entries}
    path = HERE / "registry.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(entries)} organisations -> {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
