"""The fresh held-out sector set: recipients ``sector-eval.jsonl`` never held, drawn at
random, labelled by hand before any classifier ran on them.

    python corpora/organisations/build_sector_fresh.py draw [N]   # the draw, to label
    python corpora/organisations/build_sector_fresh.py build      # -> sector-fresh.jsonl, sector-fresh-2.jsonl

The pool: every recipient named in a register of ``../shared/corpora-raw`` (NHS Digital
2021 DataReleases, AmendmentsToPreviousRegisters and PurposeStatements "Organisation
(Name)"; PHE 2014-18 "Data Recipient"; PHE 2017-20 "Applicant's organisation"; NIHR
BioResource "Institution or company"; CPRD protocols' Chief Investigator and Corresponding
Applicant institution; ALSPAC proposals' principal applicant's affiliation, its country
dropped), one per organisation identity (the registry's identity where the
name resolves, else its fold key), leaving out every identity and every spelling of
``sector-eval.jsonl`` (either split) and cells ``split_organisations`` cuts into several
bodies.

The draw: identities in the order of sha256("fresh-2026-12-08:" + identity), a seed fixed
before the pool was looked at. The first ``FIRST`` identities are all kept; then, to have
companies well represented, the draw goes on in the same order keeping only those the hand
label calls ``commercial`` until there are ``COMPANIES`` of them. The selection on the
second leg is by the hand label only (never by any rule of drr), so the companies are a
random sample of the pool's companies and the rest a random sample of the rest; accuracy
over the set over-weights companies, as the README says.

The labels are ``sector-fresh-labels.jsonl`` (hand-written: identity, sector, one-line
reason, ``ambiguous`` where another sector is defensible too; or ``exclude`` with why, or
``same_as`` another drawn identity), read from the name, the purpose texts printed next to it, the register's own type
where it printed one, and the ODS / ONS lists. ``build`` joins them with the draw.

The second set (``sector-fresh-2.jsonl``, drawn 2026-12-08 after the first set's errors had
been read): every identity of the same draw order after the first set's last rank, all of
them (the pool has 219 left, 141 of them organisations after the labels' exclusions; fewer
than the 150 asked for). An identity of the first set drawn again is left out of the second
(``exclude``: "an identity fresh set 1 holds", or ``same_as`` a first-set identity), so the
sets share no organisation.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT / "corpora" / "entities"), str(ROOT)]

from raw_sources import RAW, nhsd_2021_sheet, phe_2014_rows, phe_2017_rows

from nlp.org_registry import Registry, fold_key
from nlp.org_split import split_organisations

SEED = "fresh-2026-12-08:"
FIRST = 150
COMPANIES = 30
LABELS = HERE / "sector-fresh-labels.jsonl"
OUT = HERE / "sector-fresh.jsonl"
OUT_2 = HERE / "sector-fresh-2.jsonl"
NHSD = "nhs-digital-release-register-2021-02"
CPRD = "cprd-approved-studies/5. CPRD_links.csv"
NIHR = "nihr-bioresource-studies/9. NIHR Bioresources.csv"
ALSPAC = "alspac-proposals/10. proposal_bristol.csv"
# An ALSPAC applicant's bracket ends with a country, or is only one: "(University of Bristol,
# UK)"; a CPRD institution too: "Astra Zeneca Inc - USA".
_COUNTRY = re.compile(r"(?:^|,\s*|\s+-\s+)(?:UK|U\.K\.|United Kingdom|England|Scotland|Wales|USA|US|"
                      r"United States( of America)?|Canada|Australia|(the )?Netherlands|Norway|Sweden|"
                      r"Denmark|Finland|France|Germany|Spain|Italy|Brazil|China|Ireland|"
                      r"New Zealand|Switzerland|Belgium|ROW|EU|Europe|Not used 0)\s*$", re.IGNORECASE)


def _without_country(name: str) -> str:
    while _COUNTRY.search(name):
        name = _COUNTRY.sub("", name, count=1).strip()
    return name


def mentions(raw: Path = RAW):
    """(name as printed, where, register's own type or "", purpose text) for every recipient."""
    for sheet in ("DataReleases", "AmendmentsToPreviousRegisters"):
        for r in nhsd_2021_sheet(raw, sheet):
            yield r["Organisation Name"], f"{NHSD} {sheet}", "", r["Purpose"]
    for r in nhsd_2021_sheet(raw, "PurposeStatements"):
        yield r["Organisation"], f"{NHSD} PurposeStatements", r["Organisation Type"], r["Objective for Processing"]
    for name, r in phe_2014_rows(raw):
        yield r["Data Recipient"], f"phe-data-release-register-2014-2018/{name}", r["Organisation Type"], r["Purpose"]
    for r in phe_2017_rows(raw):
        yield (r["Applicant's organisation"], "phe-data-release-register-2017-2020",
               r["Applicant's organisation type"], r["Why is this project being conducted?"])
    with (raw / NIHR).open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            name = re.sub(r"^Institution or company\s*", "", r["Institution or Company"]).strip()
            yield name, NIHR, "", r["Title"]
    with (raw / ALSPAC).open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            for m in re.finditer(r"\(([^()]+)\)", r["Principal applicant name"]):
                name = _without_country(m.group(1))
                if name:
                    yield name, ALSPAC, "", r["Proposal summary"]
    with (raw / CPRD).open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle):
            for m in re.finditer(r"^.+? - (?:Chief Investigator|Corresponding Applicant) - (.+)$",
                                 r["Collaborators"], re.MULTILINE):
                yield _without_country(m.group(1).strip()), CPRD, "", r["Title"]


def pool(raw: Path = RAW) -> dict[str, dict]:
    registry = Registry.load()
    seen_ids, seen_keys = set(), set()
    for line in (HERE / "sector-eval.jsonl").read_text(encoding="utf-8").splitlines():
        x = json.loads(line)
        seen_ids |= {x["id"], *x["ids"]}
        seen_keys |= {fold_key(n) for n in x["names"]}
    groups: dict[str, dict] = {}
    for name, where, typed, purpose in mentions(raw):
        name = re.sub(r"\s+", " ", name).strip()
        key = fold_key(name)
        if not key or key in seen_keys or len(split_organisations(name)) > 1:
            continue
        entry = registry.resolve(name)
        identity = registry.identity(entry) if entry else None
        if identity and (identity in seen_ids or entry in seen_ids):
            continue
        group = groups.setdefault(identity or key, {
            "id": identity or key, "registry_entry": entry, "names": [], "seen": [],
            "register_types": [], "purposes": []})
        for field, value in (("names", name), ("seen", where), ("register_types", typed)):
            if value and value not in group[field]:
                group[field].append(value)
        text = purpose.strip()[:400]
        if text and text not in group["purposes"] and len(group["purposes"]) < 2:
            group["purposes"].append(text)
    return groups


def draw_order(groups: dict[str, dict]) -> list[dict]:
    return sorted(groups.values(), key=lambda g: hashlib.sha256((SEED + g["id"]).encode()).hexdigest())


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    if not path.is_file():
        return {}
    return {x["id"]: x for x in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if x}


def _keep(chosen: dict[str, dict], group: dict, label: dict, rank: int, leg: str) -> None:
    """Add a labelled draw to ``chosen``: a ``same_as`` label's names join the line it names."""
    if "same_as" in label:
        if label["same_as"] in chosen:
            line = chosen[label["same_as"]]
            line["names"] += [n for n in group["names"] if n not in line["names"]]
            line["seen"] += [w for w in group["seen"] if w not in line["seen"]]
            line["purposes"] = (line["purposes"] + group["purposes"])[:2]
        return
    chosen[group["id"]] = {
        **group, "rank": rank, "sector": label["sector"], "reason": label["reason"],
        "ambiguous": label.get("ambiguous", False), "leg": leg}


def build(raw: Path = RAW) -> list[dict]:
    """The labelled draw: the first ``FIRST`` organisations in draw order, then companies
    only until there are ``COMPANIES``. A label may leave a drawn name out (``exclude``:
    not one organisation, or an identity sector-eval holds) or make it another drawn
    identity's spelling (``same_as``: its names join that line, it is not counted twice)."""
    labels = read_labels()
    chosen: dict[str, dict] = {}
    companies = 0
    for rank, group in enumerate(draw_order(pool(raw))):
        if len(chosen) >= FIRST and companies >= COMPANIES:
            break
        label = labels.get(group["id"])
        if label is None:
            raise SystemExit(f"draw rank {rank}: {group['id']} has no hand label yet")
        if "exclude" in label:
            continue
        if "same_as" not in label and len(chosen) >= FIRST and label["sector"] != "commercial":
            continue
        companies += label.get("sector") == "commercial"
        _keep(chosen, group, label, rank, "random" if len(chosen) < FIRST else "companies")
    return list(chosen.values())


def build_second(raw: Path = RAW, first: list[dict] | None = None) -> list[dict]:
    """The second fresh set: every labelled identity ranked after the first set's last."""
    first = build(raw) if first is None else first
    after = max(x["rank"] for x in first)
    labels = read_labels()
    chosen: dict[str, dict] = {}
    for rank, group in enumerate(draw_order(pool(raw))):
        if rank <= after:
            continue
        label = labels.get(group["id"])
        if label is None:
            raise SystemExit(f"draw rank {rank}: {group['id']} has no hand label yet")
        if "exclude" not in label:
            _keep(chosen, group, label, rank, "second")
    return list(chosen.values())


def main(argv: list[str]) -> None:
    if argv[:1] == ["draw"]:
        count = int(argv[1]) if len(argv) > 1 else FIRST
        groups = draw_order(pool())
        print(f"# pool: {len(groups)} identities", file=sys.stderr)
        for rank, g in enumerate(groups[:count]):
            print(json.dumps({"rank": rank, **g}, ensure_ascii=False))
        return
    first = build()
    for lines, out in ((first, OUT), (build_second(first=first), OUT_2)):
        out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
        print(f"{len(lines)} organisations ({sum(x['sector'] == 'commercial' for x in lines)} companies) -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
