"""Read throughput of the HTTP API on SQLite: filtered pages per second, a full export's time.

    python benchmarks/bench_api.py [--documents 9] [--requests 4000] [--clients 8]
                                   [--serve-workers 1]

It fills a fresh SQLite store through the real pipeline (register CSVs built from the
sample register's rows, each document distinct, ~1,200 rows each), starts ``drr serve``
(one uvicorn process) on loopback, and then:

- sends ``--requests`` GETs of one filtered page (``purpose``, ``needs_review``, 20 records)
  from ``--clients`` keep-alive connections spread over two processes, with a reader token,
  to ``--serve-workers`` uvicorn processes,
  and reports requests/s and latency percentiles;
- walks the same filter page by page with the cursor, and reports pages/s;
- streams the whole store as JSON Lines (``Accept: application/x-ndjson``) and reports
  the seconds to the last byte, checking the line count against the store.

Figures are printed, never asserted. The load generator shares the machine with the server.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.profiles import printed_headers
from workers.store import RecordFilter, Store, open_store

SAMPLE = ROOT / "corpora" / "samples" / "hscic-2014-sample.txt"
HEADERS = {f: h for f, h in printed_headers("hscic-2014").items() if f != "row_id"}
PAGE = "/records?purpose=research&needs_review=false&limit=20"


def register_csv(fields: list[dict[str, str | None]], copies: int, first: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row ID", *HEADERS.values()])
    for number, row in enumerate((f for _ in range(copies) for f in fields), first):
        writer.writerow([number, *(row.get(key) or "" for key in HEADERS)])
    return out.getvalue().encode("utf-8")


def fill(store: Store, documents: int) -> int:
    """Submit and run ``documents`` distinct registers through the real pipeline."""
    from nlp.enrich import build_enricher
    from workers.jobs import Runtime, run_job, submit_files
    from workers.pipeline import extract_records
    from workers.settings import Settings

    settings = Settings()
    _, rows = extract_records(SAMPLE.read_bytes(), SAMPLE.name, settings.limits)
    fields = [row["fields"] for row in rows]
    runtime = Runtime(store, build_enricher(settings.models_dir), settings.limits, 3)
    files = [(f"register-{n}.csv", register_csv(fields, 20, 1 + n * 10_000))
             for n in range(documents)]
    for line in submit_files(store, files, enqueue=None):
        run_job(runtime, line["job_id"])
    return store.record_count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    env["DRR_DATABASE_URL"] = url
    handle = open(log, "wb")  # noqa: SIM115 - the server writes to it until it stops
    server = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "serve", "--port", str(port),
         "--workers", str(workers)],
        env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
    )
    while log.read_bytes().count(b"Application startup complete") < workers:
        if server.poll() is not None:
            raise SystemExit(log.read_text())
        time.sleep(0.2)
    return server


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of the server and its worker processes: steadier than
    requests/s on a shared machine, where the load generator competes for the same cores."""
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        pids = [pid, *(int(child) for child in handle.read().split())]
    total = 0
    for each in pids:
        with open(f"/proc/{each}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def hammer(port: int, token: str, count: int, threads: int, queue: multiprocessing.Queue) -> None:
    """One load process: ``threads`` keep-alive connections, ``count`` requests in all."""
    from concurrent.futures import ThreadPoolExecutor

    def one_connection(n: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}"}
        times = []
        for _ in range(n):
            started = time.perf_counter()
            conn.request("GET", PAGE, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 or not body.startswith(b'{"records":['):
                raise SystemExit(f"bad answer {response.status}: {body[:200]!r}")
            times.append(time.perf_counter() - started)
        return times

    with ThreadPoolExecutor(threads) as pool:
        results = pool.map(one_connection, [count // threads] * threads)
        queue.put([t for times in results for t in times])


def load(port: int, token: str, requests: int, clients: int) -> tuple[float, list[float]]:
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()
    per_process = clients // 2
    started = time.perf_counter()
    procs = [context.Process(target=hammer, args=(port, token, requests // 2, per_process, queue))
             for _ in range(2)]
    for proc in procs:
        proc.start()
    latencies = [t for _ in procs for t in queue.get()]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return elapsed, latencies


def walk(port: int, token: str) -> tuple[int, float]:
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Bearer {token}"}
    pages, cursor = 0, None
    started = time.perf_counter()
    while True:
        conn.request("GET", PAGE + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        cursor = json.loads(conn.getresponse().read())["next_cursor"]
        pages += 1
        if cursor is None:
            return pages, time.perf_counter() - started


def export(port: int, token: str) -> tuple[int, int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    conn.request("GET", "/records", headers={"Authorization": f"Bearer {token}",
                                             "Accept": "application/x-ndjson"})
    body = conn.getresponse().read()
    return body.count(b"\n"), len(body), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=9)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--serve-workers", type=int, default=1, help="drr serve --workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drr-bench-api-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'drr.sqlite'}"
        store = open_store(url)
        started = time.perf_counter()
        total = fill(store, args.documents)
        print(f"store: {total} records from {args.documents} documents "
              f"(filled in {time.perf_counter() - started:.1f} s)")
        matching = sum(1 for _ in store.iter_records(
            RecordFilter(purpose="research", needs_review=False)))
        token = store.create_token("reader", "benchmark")
        port = free_port()
        server = serve(url, port, Path(tmp) / "serve.log", args.serve_workers)
        try:
            load(port, token, 200, 2)  # warm-up: connections, caches, the first queries
            cpu = server_cpu(server.pid)
            elapsed, latencies = load(port, token, args.requests, args.clients)
            cpu = server_cpu(server.pid) - cpu
            cuts = statistics.quantiles(latencies, n=100)
            print(f"GET {PAGE} ({matching} matching records): {len(latencies)} requests in "
                  f"{elapsed:.2f} s = {len(latencies) / elapsed:.0f} requests/s "
                  f"({args.clients} connections); latency p50 {cuts[49] * 1000:.1f} ms, "
                  f"p95 {cuts[94] * 1000:.1f} ms; server CPU "
                  f"{cpu / len(latencies) * 1000:.2f} ms a request")
            pages, seconds = walk(port, token)
            print(f"cursor walk of that filter: {pages} pages in {seconds:.2f} s "
                  f"= {pages / seconds:.0f} pages/s")
            lines, size, seconds = export(port, token)
            print(f"JSON Lines export: {lines} records ({size / 1e6:.1f} MB) in {seconds:.2f} s"
                  f"{'' if lines == total else f' - MISMATCH: the store holds {total}'}")
        finally:
            server.terminate()
            server.wait(30)
            store.dispose()


if __name__ == "__main__":
    main()
