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

The whole enricher (normalise + entities + purpose model) is timed only when an active
purpose model is found under the models folder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpora" / "entities")]

from raw_sources import RAW, nhsd_2021_sheet  # noqa: E402

from extract.record import Fields  # noqa: E402


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
            data_type=row["Type of Data Provided"], legal_basis=row["Legal Basis for Provision of Data (Dissemination)"],
            purpose=statement.get("Objective for Processing") or None, reference=nic,
            data_provided=row.get("Data provided to customer: Identifiable, Anonymised - ICO code compliant, "
                                  "Aggregated -anonymised") or None,
            frequency=row["Frequency"],
        )
        records.append({"record_id": row["RowID"], "fields": fields.model_dump()})
    return records


def distinct(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, record in enumerate(records):
        fields = dict(record["fields"])
        fields["purpose"] = f"{fields.get('purpose') or ''} (row {i})"
        out.append({**record, "fields": fields})
    return out


def timed(run: Any, items: list[Any], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(items), batch):
        run(items[i:i + batch])
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=RAW)
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--records", type=int, default=5079)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    from nlp.entities import load_entity_extractor

    base = register_records(args.raw)[: args.records]
    lengths = [len(r["fields"]["purpose"] or "") for r in base]
    report: dict[str, Any] = {"records": len(base),
                              "mean_purpose_chars": round(statistics.mean(lengths)),
                              "distinct_purposes": len({r["fields"]["purpose"] for r in base})}
    for name, records in (("register", base), ("distinct", distinct(base))):
        extractor = load_entity_extractor(args.models)  # a fresh, empty cache for each run
        report["entity_model"] = extractor.name
        fields = [Fields.model_validate(r["fields"]) for r in records]
        report[f"entities_records_per_s_{name}"] = round(timed(extractor.extract_many, fields, args.batch))
        try:
            from nlp.enrich import build_enricher

            enricher = build_enricher(args.models)
        except Exception as error:  # noqa: BLE001 - the purpose model is another engineer's part
            report["enricher"] = f"not timed: {type(error).__name__}: {error}"
            continue
        report["purpose_model"] = enricher.purpose.name
        report[f"enrich_records_per_s_{name}"] = round(timed(enricher.enrich, records, args.batch))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
