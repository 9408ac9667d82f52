"""How fast ``drr enrich`` runs: entity extraction alone, then the whole enricher.

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_enrich.py [--records 5000]

Records are real rows of the NHS Digital February 2021 register (DataReleases joined to
PurposeStatements on the NIC number: organisation and its publisher type, data set,
legal basis, NIC reference, and the "Objective for Processing" as the purpose text).
Two runs each:

- ``register``: the rows as published, where one agreement's purpose repeats on every
  data set row (5,079 rows, 585 purposes), so the extractor's text cache helps;
- ``distinct``: the same rows with every purpose text made unique (a row number
  appended), so nothing is cached: the worst case.

Purposes are cut to about ``--purpose-chars`` characters (default 1,000, the length the
project's speed target names; the 2021 objectives average ~8,000).

The whole enricher (normalise + entities + purpose model) is timed only when an active
purpose model is found under the models folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpora" / "entities")]

from raw_sources import RAW, nhsd_2021_sheet

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
        purpose = record["fields"].get("purpose") or ""
        cut = purpose if len(purpose) <= chars else purpose[:chars].rsplit(" ", 1)[0]
        out.append({**record, "fields": {**record["fields"], "purpose": cut or None}})
    return out


def distinct(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, record in enumerate(records):
        fields = dict(record["fields"])
        fields["purpose"] = f"{fields.get('purpose') or ''} (row {i})"
        out.append({**record, "fields": fields})
    return out


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
    parser.add_argument("--records", type=int, default=5079)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--purpose-chars", type=int, default=1000,
                        help="cut purposes to about this length (the 2021 objectives average "
                             "~8,000 characters); 0 keeps them whole")
    args = parser.parse_args()

    from nlp.entities import load_entity_extractor

    base = shorten(register_records(args.raw)[: args.records], args.purpose_chars)
    lengths = [len(r["fields"]["purpose"] or "") for r in base]
    report: dict[str, Any] = {"records": len(base),
                              "mean_purpose_chars": round(statistics.mean(lengths)),
                              "distinct_purposes": len({r["fields"]["purpose"] for r in base})}
    for name, records in (("register", base), ("distinct", distinct(base))):
        extractor = load_entity_extractor(args.models)  # a fresh, empty cache for each run
        report["entity_model"] = extractor.name
        fields = [Fields.model_validate(r["fields"]) for r in records]
        report[f"entities_records_per_s_{name}"] = timed(extractor.extract_many, fields, args.batch)
        try:
            from nlp.enrich import build_enricher

            enricher = build_enricher(args.models)
        except Exception as error:  # noqa: BLE001 - the purpose model is another engineer's part
            report["enricher"] = f"not timed: {type(error).__name__}: {error}"
            continue
        report["purpose_model"] = enricher.purpose.name
        report[f"enrich_records_per_s_{name}"] = timed(enricher.enrich, records, args.batch)
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
