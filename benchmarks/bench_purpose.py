"""Purpose classifier speed, model alone: records per second on one core, in batches.

    python benchmarks/bench_purpose.py [--repeat 20] [--batch 1000]

Inputs: the 145 hand-labelled statements made distinct (long: 2,000-12,000 characters
before the features cut them), short register rows, and, when the raw corpora are present,
every row of the NHS Digital February 2021 register (5,079 rows that repeat 585 statements
across data sets, as real registers do). Entities are empty, so the sector comes from
``classify_sector`` as for a bare record.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extract.record import Fields
from nlp.purpose import load_purpose_model
from nlp.purpose_train import HAND_LABELS, hand_fields
from nlp.record import Entities

RAW_2021 = Path("/work/shared/corpora-raw/nhs-digital-release-register-2021-02/"
                "1. releaseregister_20210201_20210228.xlsx")
SHORT = [
    Fields(organisation="NHS Leeds CCG", purpose="Invoice validation", data_type="SUS"),
    Fields(organisation="University of Bristol", purpose="Cohort study follow-up of "
           "participants for cancer and death notifications", data_type="MRIS"),
    Fields(organisation="CHKS Ltd", purpose="Benchmarking services for NHS trusts",
           data_type="HES Inpatient"),
]


def register_rows(path: Path) -> list[Fields]:
    from extract.limits import Limits
    from extract.sheets import read_xlsx

    return [row.fields for row in read_xlsx(path.read_bytes(), Limits())]


def records_per_second(fields: list[Fields], batch: int, repeat: int) -> float:
    model = load_purpose_model(None)
    entities = [Entities() for _ in fields]
    model.predict(fields[:batch], entities[:batch])  # warm caches (sector lookups)
    start = time.perf_counter()
    for _ in range(repeat):
        for i in range(0, len(fields), batch):
            model.predict(fields[i:i + batch], entities[i:i + batch])
    return repeat * len(fields) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rows = [json.loads(line) for line in HAND_LABELS.read_text(encoding="utf-8").splitlines()]
    # Distinct texts, so no row is scored from another's result.
    long = [hand_fields(row) for row in rows for _ in range(7)]
    long = [f.model_copy(update={"purpose": f"{f.purpose} {i}"}) for i, f in enumerate(long)]
    inputs = [("distinct hand statements", long), ("short register rows", SHORT * 340)]
    if RAW_2021.is_file():
        inputs.append(("NHS Digital 2021-02 rows", register_rows(RAW_2021)))
    print(f"model {load_purpose_model(None).name}, batch {args.batch}, one core")
    for name, fields in inputs:
        rate = records_per_second(fields, args.batch, args.repeat)
        print(f"  {name:<26} {len(fields):>5} records x {args.repeat}: {rate:>8.0f} records/s")
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
