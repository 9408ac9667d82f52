"""Throughput of the queue: a batch of register documents through 1, then 2 worker processes.

    python benchmarks/bench_queue.py [--copies 5] [--workers 1 2] [--database sqlite|postgresql]

The batch is every register PDF in ``corpora/pdfs``, ``--copies`` times over (each copy
made distinct by a trailing PDF comment, so the content-addressed store keeps them all),
plus the two text samples. For each worker count it starts that many real ``drr worker``
processes (concurrency 1 each) against the local Redis and a fresh database, waits until
they are ready (models loaded), submits the batch with ``drr submit`` and measures from the
start of the submission to the last job's ``finished_at``. It reports documents/s, pages/s
and each worker's peak memory (VmHWM of its main and pool processes; the pool process
shares the models with its parent through fork, so the two overlap).

Queue overhead: the same batch through ``process_document`` in one process with the models
already loaded (what ``drr process`` does after its start-up), against 1 worker, in wall
time and in CPU time (user + system of the worker processes during the run; on a shared
machine CPU time is the steadier measure). ``drr process`` itself is also timed, start-up
included. A pure-Python probe says how much of 2 cores 2 processes get at that moment, so
the 2-worker figure can be read against what the machine could give. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.store import Job, Store, open_store

REDIS_URL = "redis://127.0.0.1:6379/14"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def make_batch(folder: Path, copies: int) -> tuple[list[Path], int]:
    """The batch's files and its total page count (text documents count no pages)."""
    from pdfminer.pdfpage import PDFPage

    files, pages = [], 0
    for pdf in sorted((ROOT / "corpora" / "pdfs").glob("*.pdf")):
        data = pdf.read_bytes()
        with open(pdf, "rb") as handle:
            count = sum(1 for _ in PDFPage.get_pages(handle))
        for copy in range(copies):
            path = folder / f"{pdf.stem}-{copy}.pdf"
            path.write_bytes(data + b"\n%% drr benchmark copy %d\n" % copy)
            files.append(path)
            pages += count
    files.extend(sorted((ROOT / "corpora" / "samples").glob("*.txt")))
    return files, pages


def database(kind: str, folder: Path, name: str) -> tuple[str, object]:
    if kind == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite')}", None
    import sqlalchemy as sa

    schema = f"drr_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return f"{PG_URL}?options=-csearch_path%3D{schema}", (admin, schema)


def drop(handle: object) -> None:
    if handle is None:
        return
    import sqlalchemy as sa

    admin, schema = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def env_for(url: str, tag: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    env.update(DRR_DATABASE_URL=url, DRR_BROKER_URL=REDIS_URL, DRR_QUEUE=f"bench-{tag}",
               DRR_BROKER_KEY_PREFIX=f"bench-{tag}:")
    return env


def start_workers(count: int, env: dict[str, str], folder: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(count):
        log = open(folder / f"worker-{count}-{number}.log", "wb")  # noqa: SIM115
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "worker", "--loglevel", "INFO"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    for number in range(count):
        log_path = folder / f"worker-{count}-{number}.log"
        while b"ready." not in log_path.read_bytes():
            time.sleep(0.2)
    return workers


def family(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [pid, *(int(child) for child in handle.read().split())]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the worker processes: a measure that contention hardly moves."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> list[float]:
    """VmHWM (peak resident memory) of a process and its children, in MB."""
    pids = family(pid)
    peaks = []
    for each in pids:
        with open(f"/proc/{each}/status") as status:
            line = next(row for row in status if row.startswith("VmHWM:"))
        peaks.append(int(line.split()[1]) / 1024)
    return peaks


def run_queue(files: list[Path], workers: int, url: str, folder: Path) -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    env = env_for(url, tag)
    open_store(url).dispose()
    procs = start_workers(workers, env, folder)
    pids = [pid for proc in procs for pid in family(proc.pid)]
    cpu_before = cpu_seconds(pids)
    started = time.time()
    submitted = subprocess.run(
        [sys.executable, "-m", "workers.cli", "submit", *map(str, files)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )
    job_ids = [json.loads(line)["job_id"] for line in submitted.stdout.splitlines()]
    store = open_store(url)
    finished = wait_all(store, job_ids)
    cpu = cpu_seconds(pids) - cpu_before
    memory = [peak_memory_mb(proc.pid) for proc in procs]
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    _clear_redis(f"bench-{tag}:")
    states = [job for job in (store.get_job(job_id) for job_id in job_ids) if job]
    store.dispose()
    return {
        "seconds": finished - started,
        "failed": sum(1 for job in states if job.state == "failed"),
        "records": sum(job.record_count or 0 for job in states),
        "memory_mb": memory,
        "overlap": most_at_once(states),
        "cpu": cpu,
    }


def most_at_once(jobs: list[Job]) -> int:
    """The most jobs running at the same moment: are the workers really working in parallel?"""
    events = sorted(
        [(job.started_at.timestamp(), 1) for job in jobs if job.started_at and job.finished_at]
        + [(job.finished_at.timestamp(), -1) for job in jobs if job.started_at and job.finished_at]
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def cpu_parallelism() -> float:
    """What 2 processes get on this machine right now: the same pure-Python loop in 1 and in
    2 processes. 2.0 is two free cores; on a shared machine the queue cannot beat this."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    _spin(0)
    one = time.perf_counter() - started
    with context.Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_spin, [0, 1])
        two = time.perf_counter() - started
    return 2 * one / two


def _spin(_: int) -> int:
    total = 0
    for number in range(15_000_000):
        total += number
    return total


def wait_all(store: Store, job_ids: list[str]) -> float:
    while True:
        jobs = [store.get_job(job_id) for job_id in job_ids]
        if all(job and job.state in ("done", "failed") for job in jobs):
            return max(job.finished_at.timestamp() for job in jobs if job and job.finished_at)
        time.sleep(0.25)


def _clear_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def run_in_process(files: list[Path]) -> tuple[float, float]:
    """The pipeline alone, models already loaded: ``drr process`` minus its start-up."""
    from extract.errors import DrrError
    from nlp.enrich import build_enricher
    from workers.pipeline import process_document
    from workers.settings import Settings

    settings = Settings()
    enricher = build_enricher(settings.models_dir)
    started, cpu = time.perf_counter(), time.process_time()
    failed = []
    for path in files:
        try:
            process_document(path.read_bytes(), path.name, settings.limits, enricher)
        except DrrError as exc:  # counted, as drr process and the queue count theirs
            failed.append(f"{path.name}: {exc}")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for line in failed:
        print(f"  in-process failure: {line}")
    return elapsed, cpu


def run_drr_process(files: list[Path]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workers.cli", "process", *map(str, files),
                           "-o", os.devnull], env=env, cwd=ROOT, check=False,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        failures = [line for line in done.stderr.splitlines() if ": failed" in line]
        print(f"  drr process exit {done.returncode}: {len(failures)} document(s) failed")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drr-bench-") as tmp:
        folder = Path(tmp)
        files, pages = make_batch(folder, args.copies)
        print(f"batch: {len(files)} documents, {pages} PDF pages; database {args.database}")
        pipeline, pipeline_cpu = run_in_process(files)
        print(f"in-process pipeline (models loaded): {pipeline:.2f} s ({pipeline_cpu:.2f} s CPU), "
              f"{len(files) / pipeline:.2f} documents/s, {pages / pipeline:.2f} pages/s")
        whole = run_drr_process(files)
        print(f"drr process (start-up included):    {whole:.2f} s")
        print(f"CPU available to 2 processes now (pure-Python probe): {cpu_parallelism():.2f}x")
        results = {}
        for count in args.workers:
            url, handle = database(args.database, folder, f"bench-{count}")
            try:
                result = run_queue(files, count, url, folder)
            finally:
                drop(handle)
            results[count] = result
            seconds = float(result["seconds"])  # type: ignore[arg-type]
            peaks = "; ".join(" + ".join(f"{mb:.0f}" for mb in worker)
                              for worker in result["memory_mb"])  # type: ignore[attr-defined]
            print(f"{count} worker(s): {seconds:.2f} s ({result['cpu']:.2f} s CPU), "
                  f"{len(files) / seconds:.2f} documents/s, "
                  f"{pages / seconds:.2f} pages/s, {result['records']} records, "
                  f"{result['failed']} failed, at most {result['overlap']} at once; "
                  f"peak MB per worker (main + pool): {peaks}")
        if 1 in results:
            one = float(results[1]["seconds"])  # type: ignore[arg-type]
            print(f"queue overhead, 1 worker vs in-process pipeline: {one / pipeline - 1:+.1%} "
                  f"wall, {float(results[1]['cpu']) / pipeline_cpu - 1:+.1%} CPU")  # type: ignore[arg-type]
            print(f"queue, 1 worker vs drr process incl. start-up:   {one / whole - 1:+.1%}")
            if 2 in results:
                two = float(results[2]["seconds"])  # type: ignore[arg-type]
                print(f"speed-up with 2 workers: {one / two:.2f}x "
                      f"(CPU probe now: {cpu_parallelism():.2f}x)")


if __name__ == "__main__":
    main()
