"""Latency of the explorer's pages on the store of ``bench_api.py`` (10,980 records).

    python benchmarks/bench_explorer.py [--documents 9] [--requests 200]

It fills a fresh SQLite store as ``bench_api.py`` does (the real pipeline over register
CSVs built from the sample register's rows), starts ``drr serve`` (one uvicorn process) on
loopback, and sends ``--requests`` GETs of each page, one at a time from one keep-alive
connection with a reader token, after ten of warm-up. Printed per page: p50, p95, max and
the HTML's size. Every answer is checked to be a 200 page that shows what it should
(a count, a heading), so a fast error cannot pass for a fast page.

Pages: the search page with no filter, with filters, and full-text searches (the words
are chosen from the store's own purpose text: a common word, a rare one, two words, a
word nothing holds); the page of the commonest recipient and of a recipient with few rows;
one record's page. The sample register prints no agreement references, so the agreement
page is measured after the 40 rows of ``corpora/sheets/nhs-digital-2021-02-cut.xlsx`` are
added (an agreement of 27 rows).

Figures are printed, never asserted. The client shares the machine with the server.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_api import fill, free_port, serve

from workers.store import Store, open_store

WORKBOOK = HERE.parent / "corpora" / "sheets" / "nhs-digital-2021-02-cut.xlsx"


def timed(conn: http.client.HTTPConnection, path: str, token: str, must: str) -> tuple[float, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200 or must.encode() not in body:
        raise SystemExit(f"{path}: {answer.status}, {must!r} not in {body[:300]!r}")
    return elapsed, len(body)


def measure(port: int, token: str, path: str, must: str, requests: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(10):
        timed(conn, path, token, must)
    times, size = [], 0
    for _ in range(requests):
        elapsed, size = timed(conn, path, token, must)
        times.append(elapsed)
    cuts = statistics.quantiles(times, n=100)
    return (f"p50 {cuts[49] * 1000:6.1f} ms  p95 {cuts[94] * 1000:6.1f} ms  "
            f"max {max(times) * 1000:6.1f} ms  {size / 1000:5.0f} KB  {path}")


def pages(store: Store) -> list[tuple[str, str]]:
    """(path, text the page must hold) for each page measured, chosen from the store."""
    recipients = store.term_counts("organisation", limit=10_000)
    datasets = store.term_counts("dataset", limit=1)
    record_id = store.page_records(_all(), 0, 1)[0][1].split('"record_id":"')[1].split('"')[0]
    few = next(name for name, count in reversed(recipients) if count >= 2)
    return [
        ("/explore", "release rows found"),
        ("/explore?" + urlencode({"purpose": "research", "sector": "academic"}),
         "release rows found"),
        ("/explore?" + urlencode({"dataset": datasets[0][0]}), "release rows found"),
        ("/explore?q=data", "release rows found"),
        ("/explore?q=cancer", "release rows found"),
        ("/explore?" + urlencode({"q": "hospital episode"}), "release rows found"),
        ("/explore?" + urlencode({"q": "research", "purpose": "commercial"}),
         "release rows found"),
        ("/explore?q=zyxwvut", "0 release rows found"),
        (f"/explore/organisations/{quote(recipients[0][0])}", "release rows"),
        (f"/explore/organisations/{quote(few)}", "release rows"),
        (f"/explore/records/{record_id}", "Where it was read"),
    ]


def _all() -> object:
    from workers.fields import RecordFilter

    return RecordFilter()


def add_agreements(store: Store) -> None:
    """The 2021 workbook cut through the real pipeline: agreements of many rows."""
    from nlp.enrich import build_enricher
    from workers.jobs import Runtime, run_job, submit_files
    from workers.settings import Settings

    settings = Settings()
    runtime = Runtime(store, build_enricher(settings.models_dir), settings.limits, 3)
    for line in submit_files(store, [(WORKBOOK.name, WORKBOOK.read_bytes())], enqueue=None):
        run_job(runtime, line["job_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=9)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drr-bench-explorer-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'drr.sqlite'}"
        store = open_store(url)
        started = time.perf_counter()
        total = fill(store, args.documents)
        print(f"store: {total} records from {args.documents} documents "
              f"(filled in {time.perf_counter() - started:.1f} s); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        token = store.create_token("reader", "benchmark")
        port = free_port()
        server = serve(url, port, Path(tmp) / "serve.log", 1)
        try:
            for path, must in pages(store):
                print(measure(port, token, path, must, args.requests), flush=True)
            add_agreements(store)
            print(f"store: {store.record_count()} records with the 2021 workbook cut")
            for key in ("NIC-110660-G9W6M", "NIC-113980-R8Z8K"):
                print(measure(port, token, f"/explore/agreements/{key}", f"Agreement {key}",
                              args.requests), flush=True)
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
        finally:
            server.terminate()
            server.wait(30)
            store.dispose()


if __name__ == "__main__":
    main()
