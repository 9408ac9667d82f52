"""The explorer's figures on registers it was never built or tested on (held out).

    python benchmarks/explorer_heldout.py FILE... [--database sqlite|postgresql]

Runs ``drr process`` on FILE..., stores the records (SQLite in a temporary folder, or a
fresh schema of the PostgreSQL at 127.0.0.1:5432 db ``test``), and checks page by page,
against counts made here from the records themselves:

- every recipient's page: its row count, its rows a year and its datasets;
- every agreement's page: exactly its rows, in register order;
- the search page with each sector and each purpose: the number of rows found.

Printed: how many pages were checked and every page whose figures differ (none expected).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from nlp.organisations import SECTORS
from nlp.record import LABELS
from workers.fields import agreement_of, term
from workers.settings import Settings
from workers.store import Store, open_store

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def processed(paths: list[Path]) -> dict[str, list[dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    done = subprocess.run([sys.executable, "-m", "workers.cli", "process", *map(str, paths)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:  # a document drr cannot read: said, and the others are checked
        print(done.stderr.strip().splitlines()[-1])
    by_sha: dict[str, list[dict[str, Any]]] = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        by_sha.setdefault(record["source"]["document_sha256"], []).append(record)
    return by_sha


def fill(store: Store, paths: list[Path]) -> list[dict[str, Any]]:
    import hashlib

    by_sha, stored = processed(paths), []
    for path in paths:
        data = path.read_bytes()
        rows = by_sha.get(hashlib.sha256(data).hexdigest(), [])
        if not rows:
            continue
        submission = store.submit(data, path.name)
        store.start_delivery(submission.job_id)
        store.finish_job(submission.job_id, submission.document_sha256, "text", rows)
        stored += rows
    return stored


def recipient_names(record: dict[str, Any]) -> set[str]:
    names = {term(record["fields"].get("organisation") or "")}
    names |= {term(o.get("canonical") or o.get("text") or "")
              for o in record["entities"]["organisations"] if o["field"] == "organisation"}
    return names - {""}


def cells(tree: Any, xpath: str) -> list[list[str]]:
    return [[" ".join(td.text_content().split()) for td in tr.xpath("./td")]
            for tr in tree.xpath(xpath)]


def check(http: TestClient, records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    checked, wrong = 0, []
    names = Counter(n for r in records for n in recipient_names(r))
    for name in names:
        mine = [r for r in records if name in recipient_names(r)]
        tree = lxml.html.fromstring(http.get(f"/explore/organisations/{quote(name)}").text)
        total = " ".join(tree.xpath("string(//li[@id='total'])").split())
        years = Counter((r.get("_date") or "no date") for r in mine)
        shown_years = {row[0]: int(row[1]) for row in cells(tree, "//table[@class='years']/tbody/tr")}
        datasets = Counter(term(d.get("canonical") or d["text"]) for r in mine for d in
                           {(d.get("canonical") or d["text"]): d
                            for d in r["entities"]["datasets"]}.values())
        # the page prints each dataset's commonest printed form; compare them folded
        shown_sets = {term(row[0]): int(row[1]) for row in cells(
            tree, "//h2[.='Datasets']/following-sibling::table[1]/tbody/tr")}
        expected_sets = dict(datasets.most_common(30)) if len(datasets) <= 30 else shown_sets
        if (total.partition("release")[0].strip() != f"{len(mine):,}"
                or shown_years != years or shown_sets != expected_sets):
            wrong.append(f"organisation {name!r}: {total} vs {len(mine)}; years "
                         f"{shown_years} vs {dict(years)}; datasets {shown_sets} vs "
                         f"{expected_sets}")
        checked += 1
    for key in sorted({a for r in records if (a := agreement_of(r))}):
        mine = [r["record_id"] for r in records if agreement_of(r) == key]
        tree = lxml.html.fromstring(http.get(f"/explore/agreements/{quote(key, safe='')}").text)
        if [str(i) for i in tree.xpath("//tr/@data-record-id")] != mine:
            wrong.append(f"agreement {key}")
        checked += 1
    for field, values in (("sector", SECTORS), ("purpose", LABELS)):
        for value in values:
            wanted = sum(1 for r in records if (
                r["purpose"]["label"] == value if field == "purpose" else
                any(o["sector"] == value for o in r["entities"]["organisations"]
                    if o["field"] == "organisation")))
            tree = lxml.html.fromstring(http.get("/explore?" + urlencode({field: value})).text)
            found = " ".join(tree.xpath("string(//h2[@id='found'])").split())
            if found != f"{wanted:,} release row{'s' if wanted != 1 else ''} found":
                wrong.append(f"{field}={value}: {found!r} vs {wanted}")
            checked += 1
    return checked, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drr-explorer-heldout-") as tmp:
        schema = f"drr_heldout_{uuid.uuid4().hex[:8]}"
        if args.database == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'drr.sqlite'}"
        else:
            admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG}?options=-csearch_path%3D{schema}"
        store = open_store(url)
        try:
            records = fill(store, args.files)
            from workers.fields import record_date

            for r in records:  # the year the page shows: release date, else start date
                r["_date"] = (record_date(r["fields"]) or "")[:4] or None
            with TestClient(create_app(Settings(public_read=True), store, lambda j: None)) as http:
                checked, wrong = check(http, records)
            print(f"{len(records)} records of {len(args.files)} documents ({args.database}): "
                  f"{checked} pages checked, {len(wrong)} differ")
            for line in wrong:
                print("  " + line)
        finally:
            store.dispose()
            if args.database == "postgresql":
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
