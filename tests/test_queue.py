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
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest_service import ROOT, SAMPLES, Broker, Process, service_env, wait_until

from workers.store import RecordFilter, Store, open_store

pytestmark = [pytest.mark.service, pytest.mark.slow]

SAMPLE = SAMPLES / "hscic-2014-sample.txt"
PAGE = SAMPLES / "reformatted-page-compufile.txt"


def drr(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], check=False, env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def process_lines(path: Path) -> list[str]:
    """What ``drr process`` writes for a document: the records the queue must reproduce."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    done = drr(["process", str(path)], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def submit(paths: list[Path], env: dict[str, str]) -> list[dict[str, object]]:
    done = drr(["submit", *map(str, paths)], env)
    assert done.stdout, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def big_text_dump(copies: int) -> bytes:
    """The sample register repeated ``copies`` times, its rows numbered on: a real input,
    large enough that a worker is still busy with it when the test kills it."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    offset = 0
    for _ in range(copies):
        expected = 1
        for line in lines:
            match = re.match(rf"^(\s*){expected} (\S)", line)
            if match:
                line = f"{match.group(1)}{offset + expected}{line[len(match.group(0)) - 2:]}"
                expected += 1
            out.append(line)
        offset += expected - 1
    return "\n".join(out).encode("utf-8")


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


def test_queued_documents_give_the_records_drr_process_gives(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process]
) -> None:
    start_worker(queue_env)
    submitted = submit([SAMPLE, PAGE], queue_env)
    store = open_store(database_url)
    assert set(settled(store, [str(s["job_id"]) for s in submitted]).values()) == {"done"}
    for path, line in zip((SAMPLE, PAGE), submitted):
        assert stored_lines(store, str(line["document_sha256"])) == process_lines(path)


def test_a_worker_killed_mid_document_leaves_it_done_exactly_once(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    tmp_path: Path,
) -> None:
    env = {**queue_env, "DRR_TASK_SOFT_TIME_LIMIT": "40", "DRR_TASK_TIME_LIMIT": "45",
           "DRR_BROKER_VISIBILITY_TIMEOUT": "50"}
    big = tmp_path / "big-register.txt"
    big.write_bytes(big_text_dump(40))
    expected = process_lines(big)
    store = open_store(database_url)
    worker = start_worker(env, "doomed")
    [line] = submit([big], env)
    job_id = str(line["job_id"])
    wait_until(lambda: getattr(store.get_job(job_id), "state", "") == "running", 60, "start")
    time.sleep(1.0)  # well into the document
    worker.kill()
    job = store.get_job(job_id)
    assert job is not None and job.state == "running", "killed too late: the test proves nothing"
    assert store.record_count(str(line["document_sha256"])) == 0

    start_worker(env, "rescuer")  # the killed worker's message comes back after its timeout
    assert settled(store, [job_id], timeout=150) == {job_id: "done"}
    job = store.get_job(job_id)
    assert job is not None and job.deliveries == 2 and job.record_count == len(expected)
    assert stored_lines(store, str(line["document_sha256"])) == expected


def test_the_same_document_submitted_twice_and_at_once_gives_one_set_of_records(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process]
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
    sha = str(later[0]["document_sha256"])
    assert stored_lines(store, sha) == process_lines(SAMPLE)


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
    submitted = submit([*bad, SAMPLE], queue_env)
    store = open_store(database_url)
    states = settled(store, [str(s["job_id"]) for s in submitted])
    reasons = {Path(str(s["filename"])).name: store.get_job(str(s["job_id"])).reason  # type: ignore[union-attr]
               for s in submitted}
    assert list(states.values()) == ["failed"] * 4 + ["done"], reasons
    assert "corrupt" in reasons["corrupt.pdf"].lower(), reasons
    assert "password" in reasons["encrypted.pdf"].lower(), reasons
    assert re.search(r"limit|too large|ratio", reasons["bomb.xlsx"].lower()), reasons
    assert reasons["empty.txt"] == "the file is empty"
    assert not any("internal error" in reason for reason in reasons.values() if reason)


def test_a_document_that_kills_its_worker_every_time_ends_failed(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    tmp_path: Path,
) -> None:
    """Each delivery's pool process is SIGKILLed mid-document, as an out-of-memory kill
    would; the delivery counter stops the loop and the next document is still processed."""
    env = {**queue_env, "DRR_MAX_DELIVERIES": "2"}
    poison = tmp_path / "poison.txt"
    poison.write_bytes(big_text_dump(40))
    store = open_store(database_url)
    worker = start_worker(env)
    [line] = submit([poison], env)
    job_id = str(line["job_id"])
    for delivery in (1, 2):
        wait_until(lambda d=delivery: getattr(store.get_job(job_id), "deliveries", 0) == d
                   and store.get_job(job_id).state == "running", 60, f"delivery {delivery}")  # type: ignore[union-attr]
        time.sleep(0.5)
        for child in children(worker.popen.pid):
            os.kill(child, signal.SIGKILL)
    assert settled(store, [job_id], timeout=90) == {job_id: "failed"}
    job = store.get_job(job_id)
    assert job is not None and job.deliveries == 3
    assert job.reason and job.reason.startswith("gave up after 2 deliveries")
    [after] = submit([PAGE], env)
    assert settled(store, [str(after["job_id"])]) == {str(after["job_id"]): "done"}


def test_a_document_over_the_time_limit_fails_with_that_reason(
    database_url: str, queue_env: dict[str, str], start_worker: Callable[..., Process],
    tmp_path: Path,
) -> None:
    env = {**queue_env, "DRR_TASK_SOFT_TIME_LIMIT": "1", "DRR_TASK_TIME_LIMIT": "4"}
    slow = tmp_path / "slow.txt"
    slow.write_bytes(big_text_dump(40))
    start_worker(env)
    submitted = submit([slow, PAGE], env)
    store = open_store(database_url)
    states = settled(store, [str(s["job_id"]) for s in submitted])
    assert list(states.values()) == ["failed", "done"]
    reason = store.get_job(str(submitted[0]["job_id"])).reason  # type: ignore[union-attr]
    assert reason and "took longer than the 1-second time limit" in reason


def test_without_a_broker_submit_processes_in_process_and_says_so(database_url: str) -> None:
    env = service_env(database_url, None)
    done = drr(["submit", str(PAGE)], env)
    assert done.returncode == 0, done.stderr
    assert "DRR_BROKER_URL is not set: processing in-process" in done.stderr
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["state"] == "done"
    store = open_store(database_url)
    assert stored_lines(store, line["document_sha256"]) == process_lines(PAGE)
