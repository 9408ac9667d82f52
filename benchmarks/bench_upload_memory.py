"""Peak memory of the API while uploads arrive at once.

Starts ``drr serve`` (PostgreSQL or SQLite, a Redis queue with no worker, so nothing is
processed and only the upload path is measured), sends N distinct documents of SIZE MB
concurrently and reports the server's resident memory before and its peak (VmHWM) after,
with each upload's status. Needs Redis on 127.0.0.1:6379 and, for PostgreSQL, the
``test`` database on 127.0.0.1:5432.

    python3 benchmarks/bench_upload_memory.py --uploads 8 --mb 90 --database postgresql
    python3 benchmarks/bench_upload_memory.py --bound 8   # as if there were no bound
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/14"


def register_csv(mb: int, tag: int) -> bytes:
    """A CSV register edition of about ``mb`` MB; ``tag`` makes each document's bytes differ."""
    header = "Row ID,Organisation Name,Purpose,Legal Basis,Data Type\r\n"
    row = ("{n},University of Example {t},Research into outcomes of cardiac surgery "
           "across England over ten years,Section 251,Pseudonymised\r\n")
    rows = []
    size, number = len(header), 0
    while size < mb * 1024 * 1024:
        number += 1
        line = row.format(n=number, t=tag)
        rows.append(line)
        size += len(line)
    return (header + "".join(rows)).encode()


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


def database(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'drr.sqlite'}", None
    schema = f"bench_upload_{uuid.uuid4().hex[:8]}"
    with sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return f"{PG_ADMIN}?options=-csearch_path%3D{schema}", schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--mb", type=int, default=90)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--bound", type=int, help="DRR_MAX_CONCURRENT_UPLOADS of the server "
                        "(default: the setting's default)")
    args = parser.parse_args()

    from workers.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="drr-bench-upload-"))
    url, schema = database(args.database, folder)
    store = open_store(url)
    token = store.create_token("submitter")
    store.dispose()
    prefix = f"drr-bench-{uuid.uuid4().hex[:6]}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    env.update({"DRR_DATABASE_URL": url, "DRR_BROKER_URL": REDIS_URL,
                "DRR_BROKER_KEY_PREFIX": prefix, "DRR_QUEUE": prefix.rstrip(":")})
    if args.bound:
        env["DRR_MAX_CONCURRENT_UPLOADS"] = str(args.bound)
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen([sys.executable, "-m", "workers.cli", "serve", "--port",
                               str(args.port)], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        documents = [register_csv(args.mb, tag) for tag in range(args.uploads)]
        before = memory(server.pid)

        def send(data: bytes) -> int | str:
            # A refused upload is answered before its body is read; the client may find
            # the connection closed while it still sends.
            try:
                with httpx.Client(timeout=600) as http:
                    answer = http.post(f"{base}/documents", headers={"Authorization":
                                       f"Bearer {token}"}, files={"file": ("r.csv", data)})
            except httpx.TransportError as exc:
                return type(exc).__name__
            return answer.status_code

        started = time.monotonic()
        with ThreadPoolExecutor(args.uploads) as pool:
            statuses = Counter(pool.map(send, documents))
        seconds = time.monotonic() - started
        after = memory(server.pid)
        print(f"{args.uploads} concurrent uploads of {args.mb} MB ({args.database}): "
              f"statuses {dict(sorted(statuses.items(), key=str))} in {seconds:.1f} s; API RSS "
              f"{before['VmRSS']} MB before, peak {after['VmHWM']} MB")
    finally:
        server.terminate()
        server.wait(30)
        log.close()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*")) + list(
            client.scan_iter(match=f"{prefix.rstrip(':')}*"))
        if keys:
            client.delete(*keys)
        if schema:
            with sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
