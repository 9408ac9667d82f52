"""Fixtures for the service tests: a fresh database (SQLite file or PostgreSQL schema), a
private corner of the real Redis, and real ``drr worker`` / ``drr serve`` processes.

Every test run uses its own Redis key prefix and queue name and its own PostgreSQL
schemas (created here and dropped afterwards), so runs never see each other's data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import redis
import sqlalchemy as sa

from extract import Limits
from extract.profiles import printed_headers

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
SAMPLE = SAMPLES / "hscic-2014-sample.txt"
PAGE = SAMPLES / "reformatted-page-compufile.txt"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/13"
RUN_ID = uuid.uuid4().hex[:10]


def new_database_url(kind: str, folder: Path) -> Iterator[str]:
    """A database nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'drr.sqlite'}"
        return
    schema = f"drr_test_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running ({exc})")
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(request.param, tmp_path)


@pytest.fixture
def store(database_url: str):  # type: ignore[no-untyped-def]
    from workers.store import open_store

    opened = open_store(database_url)
    yield opened
    opened.dispose()


@dataclass
class Broker:
    url: str
    prefix: str
    queue: str

    def clear(self) -> None:
        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def broker() -> Iterator[Broker]:
    yield from new_broker()


def new_broker() -> Iterator[Broker]:
    """Redis DB 13, with a key prefix and queue name of this test alone."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis on 127.0.0.1:6379 is not running ({exc})")
    tag = f"{RUN_ID}-{uuid.uuid4().hex[:6]}"
    found = Broker(REDIS_URL, f"drr-test-{tag}:", f"drr-test-{tag}")
    yield found
    found.clear()


def service_env(database_url: str, broker: Broker | None, **extra: object) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DRR_")}
    env.update({
        "DRR_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        # Small limits, so a killed worker's message comes back within the test.
        "DRR_TASK_SOFT_TIME_LIMIT": "50",
        "DRR_TASK_TIME_LIMIT": "55",
        "DRR_BROKER_VISIBILITY_TIMEOUT": "60",
    })
    if broker is not None:
        env.update({
            "DRR_BROKER_URL": broker.url,
            "DRR_BROKER_KEY_PREFIX": broker.prefix,
            "DRR_QUEUE": broker.queue,
        })
    env.update({key: str(value) for key, value in extra.items()})
    return env


@dataclass
class Process:
    """A ``drr`` subprocess in its own process group, its output in a log file."""

    popen: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes] = field(repr=False)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.popen.poll() is not None:
                raise AssertionError(f"process exited {self.popen.returncode}:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} after {timeout}s:\n{self.text()[-4000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9 the whole worker: the main process and its pool children."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()


def start_drr(args: list[str], env: dict[str, str], log: Path) -> Process:
    handle = open(log, "wb")  # noqa: SIM115 - the process writes to it until stop()
    popen = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", *args], env=env, cwd=ROOT,
        stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return Process(popen, log, handle)


@contextmanager
def serving(store: Any, url: str, folder: Path) -> Iterator[str]:
    """``drr serve`` on the store at ``url``, for a browser test: yields its base URL, and
    stops it and disposes of the store after (its log in ``folder/serve.log``)."""
    port = free_port()
    process = start_drr(["serve", "--port", str(port)], service_env(url, None),
                        folder / "serve.log")
    try:
        process.wait_for("Uvicorn running")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()
        store.dispose()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start real ``drr worker`` processes; every one is stopped at the end of the test."""
    started: list[Process] = []

    def start(env: dict[str, str], name: str = "worker") -> Process:
        log = tmp_path / f"{name}-{len(started)}.log"
        process = start_drr(["worker", "--loglevel", "INFO"], env, log)
        started.append(process)
        process.wait_for("ready.")
        return process

    yield start
    for process in started:
        process.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {timeout}s for {what}")
        time.sleep(0.2)


BIG_COPIES = 80  # 4,880 rows: seconds of work, long enough to be killed half-way
HSCIC_HEADERS = {f: h for f, h in printed_headers("hscic-2014").items() if f != "row_id"}


def drr(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], check=False, env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def big_register_csv(copies: int, rows: slice = slice(None)) -> bytes:
    """The sample register's rows, ``copies`` times over and numbered on, as the CSV edition
    of the register would print them: a real input, large enough that a worker is still
    busy with it when the test kills it."""
    from workers.pipeline import extract_records

    _, records = extract_records(SAMPLE.read_bytes(), SAMPLE.name, Limits())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row ID", *HSCIC_HEADERS.values()])
    chosen = [r["fields"] for _ in range(copies) for r in records[rows]]
    for number, fields in enumerate(chosen, 1):
        writer.writerow([number, *(fields.get(key) or "" for key in HSCIC_HEADERS)])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    big = tmp_path_factory.mktemp("inputs") / "big-register.csv"
    big.write_bytes(big_register_csv(BIG_COPIES))
    return {"sample": SAMPLE, "page": PAGE, "big": big}


@pytest.fixture(scope="session")
def expected(inputs: dict[str, Path]) -> Callable[[Path], list[str]]:
    """What ``drr process`` writes for each input (one run, one model load for the session):
    the records the queue must reproduce, line for line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    done = drr(["process", *map(str, inputs.values())], env)
    assert done.returncode == 0, done.stderr
    by_document: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        by_document.setdefault(json.loads(line)["source"]["document_sha256"], []).append(line)

    def lines_for(path: Path) -> list[str]:
        return by_document[hashlib.sha256(path.read_bytes()).hexdigest()]

    return lines_for


