"""No job is stranded: the reaper, with its real parts.

A Redis of the test's own (started here on a free port, keeping nothing on disk) is
restarted with jobs queued, or with a job taken by a worker that was then killed; a
``drr serve`` without a broker is killed with jobs queued on its thread. In each case
every job ends done exactly once, with one set of records per document. Then the guard:
two reapers that see the same stranded jobs put each back once, and the bounds.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis
from conftest_service import (
    PAGE,
    SAMPLES,
    Broker,
    Process,
    big_register_csv,
    drr,
    free_port,
    service_env,
    start_drr,
    wait_until,
)

from extract import Limits
from workers.jobs import JobList, StrandRule, lost_reason, poison_reason, put_back, reap
from workers.pipeline import extract_records
from workers.store import Store, jobs, now, open_store

pytestmark = [pytest.mark.service, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
# 20 distinct small documents: the two text samples and the golden register PDFs.
# 20 distinct documents: the samples and the first golden PDFs (the corpus may grow)
DOCUMENTS = (sorted(SAMPLES.glob("*.txt")) + sorted((ROOT / "corpora" / "pdfs").glob("*.pdf")))[:20]


class OwnRedis:
    """A redis-server of this test alone, on a free port, that keeps nothing on disk: a
    restart loses every message, as a Redis without persistence (or a lost one) does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.popen: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), 10, "redis-server to start")

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)  # redis-server is there: .ci/run starts the shared one with it
    yield server
    server.stop()


def reaper_env(database_url: str, own_redis: OwnRedis, **extra: object) -> dict[str, str]:
    return service_env(
        database_url, Broker(own_redis.url, "", "drr-reaper-test"), DRR_REQUEUE_AFTER=2, **extra
    )


def submit(paths: list[Path], env: dict[str, str], *flags: str) -> list[dict[str, object]]:
    done = drr(["submit", *flags, *map(str, paths)], env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def settle(store: Store, job_ids: list[str], timeout: float) -> None:
    def finished() -> bool:
        return all(getattr(store.get_job(j), "state", "") in ("done", "failed") for j in job_ids)

    wait_until(finished, timeout, f"{len(job_ids)} jobs to finish")


def rows_in(path: Path) -> int:
    """How many records the document gives, without the store: its golden rows, or read here."""
    golden = path.with_suffix(".golden.jsonl")
    if golden.exists():
        return len(golden.read_text().splitlines())
    return len(extract_records(path.read_bytes(), path.name, Limits())[1])


def records_per_document(store: Store) -> dict[str, int]:
    with store.reader.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT document_sha256, count(*) FROM records GROUP BY document_sha256"
        ).all()
    return {sha: int(count) for sha, count in rows}


def test_jobs_queued_when_redis_restarts_are_each_done_exactly_once(
    database_url: str, own_redis: OwnRedis, start_worker: Callable[..., Process]
) -> None:
    assert len(DOCUMENTS) == 20
    env = reaper_env(database_url, own_redis)
    submitted = submit(DOCUMENTS, env)
    assert [line["new_job"] for line in submitted] == [True] * 20
    assert own_redis.client().llen("drr-reaper-test") == 20
    own_redis.restart()  # before any worker ran: every message is lost
    assert own_redis.client().llen("drr-reaper-test") == 0
    store = open_store(database_url)
    assert {job.state for job in store.list_jobs(limit=100)} == {"queued"}

    # A document submitted again (with --again too) while its job is stranded puts the
    # job back itself instead of joining it.
    time.sleep(2.1)  # DRR_REQUEUE_AFTER
    [plain] = submit([DOCUMENTS[0]], env)
    [again] = submit([DOCUMENTS[1]], env, "--again")
    assert [plain["job_id"], again["job_id"]] == [submitted[0]["job_id"], submitted[1]["job_id"]]
    assert plain.get("requeued") is again.get("requeued") is True
    assert own_redis.client().llen("drr-reaper-test") == 2

    worker = start_worker(env)
    job_ids = [str(line["job_id"]) for line in submitted]
    settle(store, job_ids, timeout=240)
    jobs = [store.get_job(job_id) for job_id in job_ids]
    assert [(j.state, j.deliveries, j.requeues) for j in jobs if j] == [("done", 1, 1)] * 20
    counts = records_per_document(store)
    for path, line, job in zip(DOCUMENTS, submitted, jobs):
        assert job is not None
        assert counts[str(line["document_sha256"])] == job.record_count == rows_in(path), path
    assert worker.text().count("was stranded queued: requeued") == 18


def test_a_job_running_when_its_worker_and_redis_are_lost_is_done_once_after_the_limit(
    database_url: str,
    own_redis: OwnRedis,
    start_worker: Callable[..., Process],
    tmp_path: Path,
) -> None:
    """The worker is killed mid-document and Redis restarted, so no message is left to
    hand the job to another worker: past the hard time limit the reaper puts it back."""
    # Limits a busy machine still meets for this document, and no more: the reaper waits
    # out the hard one.
    env = reaper_env(
        database_url,
        own_redis,
        DRR_TASK_SOFT_TIME_LIMIT=15,
        DRR_TASK_TIME_LIMIT=18,
        DRR_BROKER_VISIBILITY_TIMEOUT=22,
    )
    big = tmp_path / "big-register.csv"
    big.write_bytes(big_register_csv(80))
    store = open_store(database_url)
    doomed = start_worker(env, "doomed")
    [line] = submit([big], env)
    job_id = str(line["job_id"])
    wait_until(lambda: getattr(store.get_job(job_id), "state", "") == "running", 60, "start")
    time.sleep(0.3)
    doomed.kill()
    own_redis.restart()
    job = store.get_job(job_id)
    assert job is not None and job.state == "running", "killed too late: the test proves nothing"
    assert store.record_count(str(line["document_sha256"])) == 0

    rescuer = start_worker(env, "rescuer")
    settle(store, [job_id], timeout=120)
    job = store.get_job(job_id)
    assert job is not None
    assert (job.state, job.deliveries, job.requeues) == ("done", 2, 1), job.reason
    assert store.record_count(str(line["document_sha256"])) == job.record_count == rows_in(big)
    assert "was stranded running: requeued" in rescuer.text()


def test_without_a_broker_the_api_runs_again_the_jobs_a_killed_api_left(
    database_url: str, tmp_path: Path
) -> None:
    big = tmp_path / "big-register.csv"
    big.write_bytes(big_register_csv(80))
    store = open_store(database_url)
    token = store.create_token("submitter")
    env = service_env(database_url, None)
    port = free_port()

    def serve(name: str) -> Process:
        server = start_drr(["serve", "--port", str(port)], env, tmp_path / f"{name}.log")
        server.wait_for("Uvicorn running")
        return server

    killed = serve("killed")
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        timeout=60,
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        uploads = [
            http.post("/documents", files={"file": (p.name, p.read_bytes())}).json()
            for p in (big, PAGE)
        ]
    job_ids = [str(u["job_id"]) for u in uploads]
    wait_until(
        lambda: getattr(store.get_job(job_ids[0]), "state", "") == "running",
        60,
        "the first upload to start",
    )
    time.sleep(0.3)
    killed.kill()
    killed.stop()
    states = [getattr(store.get_job(job_id), "state", "") for job_id in job_ids]
    assert states == ["running", "queued"], "killed too late: the test proves nothing"

    restarted = serve("restarted")
    try:
        settle(store, job_ids, timeout=120)
    finally:
        restarted.stop()
    jobs = [store.get_job(job_id) for job_id in job_ids]
    assert [(j.state, j.deliveries) for j in jobs if j] == [("done", 2), ("done", 1)]
    counts = records_per_document(store)
    for path, upload, job in zip((big, PAGE), uploads, jobs):
        assert job is not None
        assert counts[upload["document_sha256"]] == job.record_count == rows_in(path)
    assert "1 job(s) left running by a previous drr serve are queued again" in restarted.text()


# The guard and the bounds, on the store alone.


def stranded_jobs(store: Store, count: int) -> list[str]:
    """Jobs queued with no message anywhere: their queue is a list nobody else holds."""
    return [store.submit(f"register {n}".encode(), f"r{n}.txt").job_id for n in range(count)]


def backdate(store: Store, seconds: int) -> None:
    """Make every job as old as if it had been queued ``seconds`` ago."""
    with store.writer.begin() as conn:
        conn.execute(
            jobs.update().values(
                created_at=now() - timedelta(seconds=seconds),
                enqueued_at=now() - timedelta(seconds=seconds),
            )
        )


def test_two_reapers_that_see_the_same_stranded_jobs_put_each_back_once(
    database_url: str,
) -> None:
    store = open_store(database_url)
    job_ids = stranded_jobs(store, 30)
    backdate(store, 600)
    rule = StrandRule(queued_for=120, running_for=780, max_deliveries=3)
    barrier = threading.Barrier(4)
    queues = [JobList() for _ in range(4)]
    # Every reaper reads the same stale snapshot, then each tries to put every job back:
    # only the database's guarded update decides.
    snapshot = store.unfinished_jobs(now(), now())

    def one_reaper(queue: JobList) -> list[str | None]:
        own = open_store(database_url, migrate=False)
        barrier.wait()
        return [put_back(own, queue, job, rule) for job in snapshot]

    with ThreadPoolExecutor(4) as pool:
        actions = [a for done in pool.map(one_reaper, queues) for a in done]
    sent = [job_id for queue in queues for job_id in queue.ids]
    assert sorted(sent) == sorted(job_ids) and actions.count("requeued") == 30
    assert {store.get_job(job_id).requeues for job_id in job_ids} == {1}  # type: ignore[union-attr]

    # And whole reaper passes at once, after the jobs are old again: each job sent once.
    backdate(store, 600)
    queues = [JobList() for _ in range(4)]
    barrier.reset()

    def one_pass(queue: JobList) -> int:
        own = open_store(database_url, migrate=False)
        barrier.wait()
        return len(reap(own, queue, rule, pause=0))

    with ThreadPoolExecutor(4) as pool:
        reaped = list(pool.map(one_pass, queues))
    sent = [job_id for queue in queues for job_id in queue.ids]
    assert sum(reaped) == 30 and sorted(sent) == sorted(job_ids), reaped
    assert {store.get_job(job_id).requeues for job_id in job_ids} == {2}  # type: ignore[union-attr]


def test_a_job_stranded_past_its_bounds_fails_with_the_reason(database_url: str) -> None:
    store = open_store(database_url)
    crashing, lost = stranded_jobs(store, 2)
    for _ in range(3):  # three deliveries, each worker died: still ``running``
        assert store.start_delivery(crashing) is not None
    rule = StrandRule(queued_for=0, running_for=0, max_deliveries=3)
    queue = JobList()
    for _ in range(3):  # its message lost three times
        reap(store, queue, rule, pause=0)
        queue.ids.clear()
    assert store.get_job(crashing).state == "failed"  # type: ignore[union-attr]
    assert store.get_job(crashing).reason == poison_reason(3)  # type: ignore[union-attr]
    assert store.get_job(lost).requeues == 3  # type: ignore[union-attr]
    [(job, action)] = reap(store, queue, rule, pause=0)
    assert (job.id, action, queue.ids) == (lost, "failed", [])
    assert store.get_job(lost).reason == lost_reason(3)  # type: ignore[union-attr]
    # The document may be submitted again: its failed job no longer holds it.
    assert store.submit(b"register 1", "r1.txt").new_job


def test_a_job_whose_message_the_queue_holds_is_left_alone(database_url: str) -> None:
    store = open_store(database_url)
    [job_id] = stranded_jobs(store, 1)
    rule = StrandRule(queued_for=0, running_for=0, max_deliveries=3)
    holding = JobList([job_id])
    assert reap(store, holding, rule) == [] and holding.ids == [job_id]
    young = StrandRule(queued_for=3600, running_for=3600, max_deliveries=3)
    assert reap(store, JobList(), young) == []
    assert store.get_job(job_id).requeues == 0  # type: ignore[union-attr]


class TakenMeanwhile(JobList):
    """A queue read just as a worker took the job's message off the list and before it
    recorded it as taken: the first read misses it, the second sees it."""

    def __init__(self, taken: str) -> None:
        super().__init__()
        self.reads: list[frozenset[str]] = [frozenset(), frozenset({taken})]

    def held(self) -> frozenset[str]:
        return self.reads.pop(0) if self.reads else frozenset()


def test_a_message_seen_in_flight_is_not_sent_twice(database_url: str) -> None:
    store = open_store(database_url)
    [job_id] = stranded_jobs(store, 1)
    queue = TakenMeanwhile(job_id)
    rule = StrandRule(queued_for=0, running_for=0, max_deliveries=3)
    assert reap(store, queue, rule, pause=0.05) == [] and queue.ids == []
    assert [action for _, action in reap(store, queue, rule, pause=0)] == ["requeued"]


def test_drr_reap_leaves_a_job_whose_message_redis_holds_taken_or_waiting(
    database_url: str, own_redis: OwnRedis
) -> None:
    from kombu import Connection

    env = reaper_env(
        database_url,
        own_redis,
        DRR_TASK_SOFT_TIME_LIMIT=1,
        DRR_TASK_TIME_LIMIT=2,
        DRR_BROKER_VISIBILITY_TIMEOUT=3,
    )
    store = open_store(database_url)
    [job_id] = stranded_jobs(store, 1)

    def reaped() -> list[dict[str, str]]:
        backdate(store, 600)
        done = drr(["reap"], env)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    assert reaped() == [
        {"job_id": job_id, "filename": "r0.txt", "was": "queued", "action": "requeued"}
    ]
    assert reaped() == []  # its message waits on the queue
    with Connection(own_redis.url) as connection:
        queue = connection.SimpleQueue("drr-reaper-test")
        message = queue.get(timeout=5)  # taken as a worker takes it: unacknowledged
        assert message.headers["id"] == job_id
        assert store.start_delivery(job_id) is not None
        with store.writer.begin() as conn:
            conn.execute(jobs.update().values(started_at=now() - timedelta(seconds=600)))
        assert reaped() == []  # Redis hands it back itself if the worker died
        message.ack()
        queue.close()
    assert [r["action"] for r in reaped()] == ["requeued"]
    job = store.get_job(job_id)
    assert job is not None and (job.state, job.deliveries, job.requeues) == ("queued", 1, 2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_worker_refuses_a_requeue_bound_below_a_second(database_url: str) -> None:
    env = service_env(database_url, Broker("redis://127.0.0.1:1/0", "", "q"), DRR_REQUEUE_AFTER=0)
    done = drr(["worker"], env)
    assert done.returncode == 2
    assert "DRR_REQUEUE_AFTER must be at least 1 second" in done.stderr
