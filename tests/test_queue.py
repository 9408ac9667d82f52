"""The queue with its real parts: Redis, ``drr worker`` processes, the real pipeline and models.

Workers are killed with SIGKILL in the middle of a document; documents are submitted twice
and at once; broken, encrypted, hostile and empty files are queued between good ones. In
every case a document ends done exactly once with the records ``drr process`` gives, or
failed with a reason, and the worker goes on with the next job.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest_service import PAGE, SAMPLE, Broker, Process, drr, service_env, wait_until

from workers.store import RecordFilter, Store, open_store

pytestmark = [pytest.mark.service, pytest.mark.slow]




def submit(paths: list[Path], env: dict[str, str]) -> list[dict[str, object]]:
    done = drr(["submit", *map(str, paths)], env)
    assert done.stdout, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def settled(store: Store, job_ids: list[str], timeout: float = 120) -> dict[str, str]:
    def states() -> dict[str, str]:
        return {job_id: getattr(store.get_job(job_id), "state", "missing") for job_id in job_ids}

    wait_until(lambda: all(s in ("done", "failed") for s in states().values()), timeout,
               f"jobs {job_ids} to finish")
    return states()


def stored_lines(store: Store, sha: str) -> list[str]:
    return list(store.iter_records(RecordFilter(document=sha)))


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


@pytest.fixture
def queue_env(database_url: str, broker: Broker) -> dict[str, str]:
    return service_env(database_url, broker)


SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_queued_documents_give_the_records_drr_process_gives(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    expected: Callable[[Path], list[str]],
) -> None:
    start_worker(queue_env)
    submitted = submit([SAMPLE, PAGE], queue_env)
    store = open_store(database_url)
    assert set(settled(store, [str(s["job_id"]) for s in submitted]).values()) == {"done"}
    for path, line in zip((SAMPLE, PAGE), submitted):
        assert stored_lines(store, str(line["document_sha256"])) == expected(path)


def test_a_worker_killed_mid_document_leaves_it_done_exactly_once(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    inputs: dict[str, Path], expected: Callable[[Path], list[str]],
) -> None:
    # The killed worker's message comes back once its visibility timeout has passed.
    env = {**queue_env, "DRR_TASK_SOFT_TIME_LIMIT": "20", "DRR_TASK_TIME_LIMIT": "25",
           "DRR_BROKER_VISIBILITY_TIMEOUT": "30"}
    store = open_store(database_url)
    worker = start_worker(env, "doomed")
    [line] = submit([inputs["big"]], env)
    job_id, sha = str(line["job_id"]), str(line["document_sha256"])
    wait_until(lambda: getattr(store.get_job(job_id), "state", "") == "running", 60, "start")
    time.sleep(1.0)  # into the document
    worker.kill()
    job = store.get_job(job_id)
    assert job is not None and job.state == "running", "killed too late: the test proves nothing"
    assert store.record_count(sha) == 0

    start_worker(env, "rescuer")
    assert settled(store, [job_id], timeout=150) == {job_id: "done"}
    job = store.get_job(job_id)
    assert job is not None and job.deliveries == 2
    assert stored_lines(store, sha) == expected(inputs["big"])
    assert job.record_count == len(expected(inputs["big"]))


@POSTGRESQL
def test_the_same_document_submitted_twice_and_at_once_gives_one_set_of_records(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    expected: Callable[[Path], list[str]],
) -> None:
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: submit([SAMPLE], queue_env), range(4)))
    start_worker(queue_env)
    later = submit([SAMPLE], queue_env)
    job_ids = {str(run[0]["job_id"]) for run in [*runs, later]}
    assert len(job_ids) == 1
    store = open_store(database_url)
    assert settled(store, list(job_ids)) == {job_ids.pop(): "done"}
    with store.reader.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM documents")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM jobs")) == 1
    assert stored_lines(store, str(later[0]["document_sha256"])) == expected(SAMPLE)


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + os.urandom(2000)


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler whose password nobody was told."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + os.urandom(32).hex().encode() + b"> /U <"
        + os.urandom(32).hex().encode() + b"> /P -44 >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += (b"trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\n"
             % (b"ab" * 16, b"ab" * 16))
    return body + b"startxref\n%d\n%%%%EOF\n" % xref


def zip_bomb(path: Path) -> None:
    """An XLSX-looking zip whose one sheet inflates 300 MB of zeros from a few hundred KB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b"\0" * 1024 * 1024)


@SQLITE
def test_bad_documents_fail_with_their_reason_and_the_worker_goes_on(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    tmp_path: Path,
) -> None:
    (tmp_path / "corrupt.pdf").write_bytes(corrupt_pdf())
    (tmp_path / "encrypted.pdf").write_bytes(encrypted_pdf())
    zip_bomb(tmp_path / "bomb.xlsx")
    (tmp_path / "empty.txt").write_bytes(b"")
    bad = [tmp_path / name for name in ("corrupt.pdf", "encrypted.pdf", "bomb.xlsx", "empty.txt")]
    start_worker(queue_env)
    submitted = submit([*bad, PAGE], queue_env)
    store = open_store(database_url)
    states = settled(store, [str(s["job_id"]) for s in submitted])
    reasons = {str(s["filename"]): str(getattr(store.get_job(str(s["job_id"])), "reason", ""))
               for s in submitted}
    assert list(states.values()) == ["failed"] * 4 + ["done"], reasons
    assert "corrupt" in reasons["corrupt.pdf"].lower(), reasons
    assert "password" in reasons["encrypted.pdf"].lower(), reasons
    assert re.search(r"limit|too large|ratio", reasons["bomb.xlsx"].lower()), reasons
    assert reasons["empty.txt"] == "the file is empty"
    assert not any("internal error" in reason for reason in reasons.values())


@SQLITE
def test_a_document_that_kills_its_worker_every_time_ends_failed(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    inputs: dict[str, Path],
) -> None:
    """Each delivery's pool process is SIGKILLed mid-document, as an out-of-memory kill
    would; the delivery counter stops the loop and the next document is still processed."""
    env = {**queue_env, "DRR_MAX_DELIVERIES": "2"}
    store = open_store(database_url)
    worker = start_worker(env)
    [line] = submit([inputs["big"]], env)
    job_id = str(line["job_id"])

    def running(delivery: int) -> bool:
        job = store.get_job(job_id)
        return job is not None and job.deliveries == delivery and job.state == "running"

    for delivery in (1, 2):
        wait_until(lambda d=delivery: running(d), 60, f"delivery {delivery}")
        time.sleep(0.5)
        for child in children(worker.popen.pid):
            os.kill(child, signal.SIGKILL)
    assert settled(store, [job_id], timeout=90) == {job_id: "failed"}
    job = store.get_job(job_id)
    assert job is not None and job.deliveries == 3 and job.record_count is None
    assert job.reason and job.reason.startswith("gave up after 2 deliveries"), job.reason
    [after] = submit([PAGE], env)
    assert settled(store, [str(after["job_id"])]) == {str(after["job_id"]): "done"}


@SQLITE
def test_a_document_over_the_time_limit_fails_with_that_reason(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    inputs: dict[str, Path],
) -> None:
    env = {**queue_env, "DRR_TASK_SOFT_TIME_LIMIT": "1", "DRR_TASK_TIME_LIMIT": "4"}
    start_worker(env)
    submitted = submit([inputs["big"], PAGE], env)
    store = open_store(database_url)
    states = settled(store, [str(s["job_id"]) for s in submitted])
    assert list(states.values()) == ["failed", "done"]
    reason = str(getattr(store.get_job(str(submitted[0]["job_id"])), "reason", ""))
    assert "took longer than the 1-second time limit" in reason


@SQLITE
def test_without_a_broker_submit_processes_in_process_and_says_so(
    database_url: str, expected: Callable[[Path], list[str]]
) -> None:
    env = service_env(database_url, None)
    done = drr(["submit", str(PAGE)], env)
    assert done.returncode == 0, done.stderr
    assert "DRR_BROKER_URL is not set: processing in-process" in done.stderr
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["state"] == "done"
    assert stored_lines(open_store(database_url), line["document_sha256"]) == expected(PAGE)


@SQLITE
def test_an_unreachable_broker_queues_nothing_and_says_so(database_url: str) -> None:
    env = {**service_env(database_url, None), "DRR_BROKER_URL": "redis://127.0.0.1:1/0"}
    done = drr(["submit", str(PAGE)], env)
    assert done.returncode == 1
    assert "cannot reach the broker at redis://127.0.0.1:1/0" in done.stderr
    [job] = open_store(database_url).list_jobs()
    assert job.state == "failed" and job.reason and "could not be queued" in job.reason
