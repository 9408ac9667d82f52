"""How fast ``drr enrich`` runs: entity extraction alone, then the whole enricher.

    OMP_NUM_THREADS=1 taskset -c 0 python3 benchmarks/bench_enrich.py [--records N]

Three cases, each timed for entity extraction alone and for the whole enricher, each
with fresh (empty) caches:

- ``register``: real rows of the NHS Digital February 2021 register as published
  (DataReleases joined to PurposeStatements on the NIC number: organisation and its
  publisher type, data set, legal basis, NIC reference, and the "Objective for
  Processing" as the purpose text). One agreement's purpose repeats on every data set
  row (5,079 rows, 290 distinct purposes once cut), so per-text caches help: the common
  case.
- ``distinct``: no purpose seen twice. The purposes are every distinct passage of every
  free-text statement in the raw registers (``statement_sources``: NHS Digital 2021
  objectives, processing activities, outputs and benefits; PHE 2017-20 technical and lay
  summaries, reasons, uses, benefits, funders; PHE 2014-18 purposes; CPRD lay and
  technical summaries; ALSPAC proposal summaries and impacts; NIHR BioResource
  summaries; SLaM CRIS lay summaries). Each statement is cut into consecutive passages
  of at most ``--purpose-chars`` characters at word boundaries, passages under
  ``MIN_PASSAGE_CHARS`` are dropped, and each distinct passage is one record (~11,900
  records, ~930 characters each). The other fields (organisation, type, data set, legal
  basis, reference) are those of the 2021 register rows taken in turn, so they repeat
  as in a real register. A cache keyed on anything derived from one purpose can help
  here only where different texts share a phrase (organisation names, as real text
  does).
- ``distinct_nhsd_2021``: the same, with only the NHS Digital 2021 statements (~7,200
  records): the prose of a data release register, densest in organisation names
  (``candidates_per_purpose`` in the report: ~3.6 against ~2.5 for all sources and
  ~5.9 for the register rows, whose row-heavy agreements are commissioner ones), so the
  slowest case per record.

Purposes are cut at the last word boundary before ``--purpose-chars`` characters
(default 1,000, the length the project's speed target names). ``--records`` caps the
number of records in each case.

Candidate windows seen before (the same text around the same candidate) are answered from
the extractor's window cache; ``--no-window-cache`` sends every one to the model, to show
what the model costs when nothing at all repeats.

Rates are records per second by the wall clock and by this process's CPU time
(``time.process_time``): on a shared machine CPU time is the figure to compare.

The whole enricher (normalise + entities + purpose model) is timed only when an active
purpose model is found under the models folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpora" / "entities")]

from raw_sources import RAW, nhsd_2021_sheet, phe_2014_rows, phe_2017_rows

from extract.record import Fields

DATA_PROVIDED = ("Data provided to customer: Identifiable, Anonymised - ICO code compliant, "
                 "Aggregated -anonymised")


def register_records(raw: Path) -> list[dict[str, Any]]:
    purposes = {r["Reference Number"]: r for r in nhsd_2021_sheet(raw, "PurposeStatements")}
    records = []
    for row in nhsd_2021_sheet(raw, "DataReleases"):
        nic = row["NIC Number"]
        base = nic.rsplit("-v", 1)[0]
        statement = purposes.get(nic) or purposes.get(base) or {}
        fields = Fields(
            row_id=row["RowID"], organisation=row["Organisation Name"],
            organisation_type=statement.get("Organisation Type") or None,
            data_type=row["Type of Data Provided"],
            legal_basis=row["Legal Basis for Provision of Data (Dissemination)"],
            purpose=statement.get("Objective for Processing") or None, reference=nic,
            data_provided=row.get(DATA_PROVIDED) or None,
            frequency=row["Frequency"],
        )
        records.append({"record_id": row["RowID"], "fields": fields.model_dump()})
    return records


def shorten(records: list[dict[str, Any]], chars: int) -> list[dict[str, Any]]:
    """Purpose texts cut at the last word boundary before ``chars`` (0: keep them whole)."""
    if not chars:
        return records
    out = []
    for record in records:
        cut = _cut(record["fields"].get("purpose") or "", chars)
        out.append({**record, "fields": {**record["fields"], "purpose": cut or None}})
    return out


def _cut(text: str, chars: int) -> str:
    return text if not chars or len(text) <= chars else text[:chars].rsplit(" ", 1)[0]


MIN_PASSAGE_CHARS = 500
# Free-text statements of each register, by source: (rows, columns holding statements).
NHSD_STATEMENTS = ("Objective for Processing", "Processing Activities", "Expected Output",
                   "Expected Measurable Benefits", "Yielded Benefits")
PHE_2017_STATEMENTS = (
    "Technical summary", "Lay summary overview:", "Why is this project being conducted?",
    "How will the data be used?",
    "Anticipated public health benefit(s) and/or impact of conducting the project",
    "Funders and collaborators",
)
CSV_STATEMENTS = {
    "cprd-approved-studies/5. CPRD_links.csv": ("Lay Summary", "Technical Summary"),
    "alspac-proposals/10. proposal_bristol.csv": ("Proposal summary", "Impact of research"),
    "nihr-bioresource-studies/9. NIHR Bioresources.csv": ("Summary",),
    "slam-cris-projects/11. slam_nhs.csv": ("Lay Summary",),
}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return [{" ".join(k.lstrip("\ufeff").split()): " ".join((v or "").split())
                 for k, v in row.items() if k} for row in csv.DictReader(handle)]


def statement_sources(raw: Path) -> list[tuple[list[dict[str, str]], tuple[str, ...]]]:
    sources = [
        (list(nhsd_2021_sheet(raw, "PurposeStatements")), NHSD_STATEMENTS),
        (list(phe_2017_rows(raw)), PHE_2017_STATEMENTS),
        ([row for _, row in phe_2014_rows(raw)], ("Purpose",)),
    ]
    sources += [(_csv_rows(raw / path), columns) for path, columns in CSV_STATEMENTS.items()]
    return sources


def distinct_passages(sources: list[tuple[list[dict[str, str]], tuple[str, ...]]],
                      chars: int) -> list[str]:
    """Every distinct passage of every statement, in register order.

    A statement is cut into consecutive passages of at most ``chars`` characters at word
    boundaries (the 2021 objectives run to ~8,000 characters: all of their text is used,
    not only its opening); passages shorter than ``MIN_PASSAGE_CHARS`` are left out.
    """
    seen: dict[str, None] = {}
    for rows, columns in sources:
        for row in rows:
            for column in columns:
                for passage in _passages(row.get(column, ""), chars):
                    if len(passage) >= MIN_PASSAGE_CHARS:
                        seen.setdefault(passage, None)
    return list(seen)


def _passages(text: str, chars: int) -> list[str]:
    found = []
    while len(text) > chars:
        passage = _cut(text, chars)
        found.append(passage)
        text = text[len(passage):].lstrip()
    return found + [text] if text else found


def distinct(records: list[dict[str, Any]], statements: list[str]) -> list[dict[str, Any]]:
    """One record per statement; the other fields from the register rows, in turn."""
    return [
        {"record_id": f"distinct-{i}",
         "fields": {**records[i % len(records)]["fields"], "purpose": statement}}
        for i, statement in enumerate(statements)
    ]


def timed(run: Any, items: list[Any], batch: int) -> dict[str, int]:
    """Records per second by the wall clock and by this process's CPU time.

    On a shared machine the wall clock also counts time other processes held the core;
    CPU time is what one core spends on the records.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(items), batch):
        run(items[i:i + batch])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": round(len(items) / wall), "cpu": round(len(items) / cpu)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=RAW)
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--purpose-chars", type=int, default=1000,
                        help="cut purposes to about this length (the 2021 objectives average "
                             "~8,000 characters); 0 keeps them whole")
    parser.add_argument("--no-window-cache", action="store_true",
                        help="send every candidate window to the model, even one seen before")
    args = parser.parse_args()

    from nlp.entities import candidate_windows, load_entity_extractor
    from nlp.organisations import organisation_acronyms

    register = register_records(args.raw)
    sources = statement_sources(args.raw)
    cases = {
        "register": shorten(register, args.purpose_chars),
        "distinct": distinct(register, distinct_passages(sources, args.purpose_chars)),
        "distinct_nhsd_2021": distinct(register, distinct_passages(sources[:1], args.purpose_chars)),
    }
    cases = {name: records[: args.records] for name, records in cases.items()}
    acronyms = organisation_acronyms()
    report: dict[str, Any] = {}
    for name, records in cases.items():
        purposes = [r["fields"]["purpose"] or "" for r in records]
        windows = [len(candidate_windows(p, acronyms)) for p in purposes]
        report[name] = {"records": len(records), "distinct_purposes": len(set(purposes)),
                        "mean_purpose_chars": round(statistics.mean(map(len, purposes))),
                        "candidates_per_purpose": round(statistics.mean(windows), 2)}
    for name, records in cases.items():
        extractor = load_entity_extractor(args.models)  # a fresh, empty cache for each run
        if args.no_window_cache:
            extractor.window_cache_size = 0
        report["entity_model"] = extractor.name
        fields = [Fields.model_validate(r["fields"]) for r in records]
        report[name]["entities_records_per_s"] = timed(extractor.extract_many, fields, args.batch)
        try:
            from nlp.enrich import build_enricher

            enricher = build_enricher(args.models)  # fresh caches again
            if args.no_window_cache:
                enricher.entities.window_cache_size = 0  # type: ignore[attr-defined]
        except Exception as error:  # noqa: BLE001 - the purpose model is another engineer's part
            report["enricher"] = f"not timed: {type(error).__name__}: {error}"
            continue
        report["purpose_model"] = enricher.purpose.name
        report[name]["enrich_records_per_s"] = timed(enricher.enrich, records, args.batch)
    report["window_cache"] = not args.no_window_cache
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
