"""Hostile documents: each fails alone, in bounded time and memory, with one line a person can act on.

The corpus is built by ``tests/hostile/make_hostile.py`` into a temporary folder. Every file
goes through ``drr extract`` as a real process under a 1 GiB address-space limit and a 60 s
timeout, with the document time bound lowered so a hang shows as a failure, not a stall.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest_service import PAGE, Broker, Process, drr, service_env, wait_until
from pdfminer.pdfdocument import PDFDocument, PDFObjectNotFound
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, decompress_corrupted, stream_value
from pdfminer.psparser import LIT
from pdfminer.runlength import rldecode

from extract import errors, read_document
from extract.isolate import run_bounded
from extract.limits import Limits
from extract.pdf import inflate
from extract.pdf.pages import open_document
from workers.store import open_store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from make_hostile import EXPECTED, build

MEMORY = 1 << 30
TIMEOUT = 60
SECONDS = 5  # the document time bound the files run under: a stall shows in 5 s
# a reason is one line, no Python repr leaking through, nothing but the file's name quoted
LEAKS = re.compile(
    r"Traceback|\(\)|\bFile \"|Error\(|<[a-z_.]+ object at|\\x[0-9a-f]{2}", re.IGNORECASE
)


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_extract(path: Path, folder: Path) -> Outcome:
    """``drr extract PATH`` under the limits; peak memory from wait4 (its children included)."""
    env = {**os.environ, "DRR_MAX_DOCUMENT_SECONDS": str(SECONDS)}
    out, err = folder / "stdout", folder / "stderr"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "extract", str(path)],
            stdout=stdout,
            stderr=stderr,
            cwd=ROOT,
            env=env,
            preexec_fn=limit_memory,  # noqa: PLW1509 - the test process starts no threads
        )
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > TIMEOUT:
            proc.kill()
            proc.wait()
            pytest.fail(f"{path.name!r} still running after {TIMEOUT} s")
        time.sleep(0.05)
    return Outcome(
        os.waitstatus_to_exitcode(status),
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
        time.monotonic() - started,
        usage.ru_maxrss / 1024,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {path.name: path for path in build(tmp_path_factory.mktemp("hostile"))}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
def test_hostile_file_fails_alone_with_one_clear_line(
    corpus: dict[str, Path], name: str, tmp_path: Path
) -> None:
    what, error = EXPECTED[name]
    outcome = run_extract(corpus[name], tmp_path)
    lines = outcome.stderr.splitlines()
    print(f"{name!r}: {what}: {outcome.seconds:.1f} s, {outcome.peak_mib:.0f} MiB; {lines}")
    if error is None:
        assert outcome.code == 0, outcome.stderr
        assert outcome.stdout.count("\n") >= 2
        return
    assert outcome.code == 1
    assert len(lines) == 1, outcome.stderr
    shown = str(corpus[name]).replace("\n", "\\n")
    assert lines[0].startswith(f"drr: {shown}: ")
    reason = lines[0][len(f"drr: {shown}: ") :]
    assert len(reason) > 20 and not LEAKS.search(reason), reason
    assert "internal error" not in reason
    assert outcome.stdout == ""


@pytest.mark.parametrize("name", [name for name, (_, error) in EXPECTED.items() if error])
def test_hostile_file_fails_with_the_error_class_its_reason_belongs_to(
    corpus: dict[str, Path], name: str
) -> None:
    expected = getattr(errors, str(EXPECTED[name][1]))
    with pytest.raises(errors.ExtractError) as raised:
        read_document(corpus[name].read_bytes(), name, Limits(max_seconds=SECONDS))
    assert type(raised.value) is expected, str(raised.value)


def read_in_daemon(data: bytes, seconds: float, results: Any) -> None:
    try:
        read_document(data, "hostile.pdf", Limits(max_seconds=seconds))
        results.put("read")
    except errors.DrrError as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def test_bounds_hold_in_a_daemonic_pool_process(corpus: dict[str, Path]) -> None:
    """A Celery prefork pool process is daemonic: multiprocessing refuses it children."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    data = corpus["form-fanout.pdf"].read_bytes()
    worker = context.Process(target=read_in_daemon, args=(data, 2.0, results), daemon=True)
    worker.start()
    try:
        reason = results.get(timeout=TIMEOUT)
    finally:
        worker.join(TIMEOUT)
    assert reason.startswith("DocumentTooLarge: reading it took over the 2-second limit")


def test_bounds_hold_in_a_thread(corpus: dict[str, Path]) -> None:
    """The API without a broker reads documents in a thread: no signal can reach it there."""
    outcome: list[BaseException] = []

    def read() -> None:
        for name in ("self-reference.pdf", "form-fanout.pdf"):
            try:
                read_document(corpus[name].read_bytes(), name, Limits(max_seconds=2.0))
            except errors.DrrError as exc:
                outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=read)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert [type(e) for e in outcome] == [errors.UnreadableDocument, errors.DocumentTooLarge]
    assert time.monotonic() - started < 10


# --- the pieces: bounded decoding and the bounded child ------------------------------------------

CORPUS_PDFS = sorted((ROOT / "corpora" / "pdfs").glob("*.pdf")) + sorted(
    (ROOT / "corpora" / "producers").glob("**/*.pdf")
)


def corpus_streams(path: Path) -> Iterator[tuple[PDFStream, PDFStream]]:
    """Every stream but images, as pdfminer.six's own document and drr's bounded one read it."""
    data = path.read_bytes()
    plain = PDFDocument(PDFParser(io.BytesIO(data)))
    bounded = open_document(data, inflate.InflationBudget(1 << 40, 1 << 40))
    for xref in plain.xrefs:
        for objid in xref.get_objids():
            try:
                obj = plain.getobj(objid)
            except PDFObjectNotFound:
                continue
            if isinstance(obj, PDFStream) and not inflate.is_image(obj):
                yield obj, stream_value(bounded.getobj(objid))


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.name)
def test_bounded_decoding_gives_pdfminers_bytes_for_every_corpus_stream(path: Path) -> None:
    streams = 0
    for theirs, ours in corpus_streams(path):
        assert ours.get_data() == theirs.get_data(), f"{path.name} object {theirs.objid}"
        streams += 1
    assert streams > 0


def test_a_damaged_flate_stream_keeps_what_pdfminer_keeps() -> None:
    text = b"BT /F1 9 Tf (Row ID) Tj ET\n" * 50
    packed = zlib.compress(text)
    assert inflate.inflate(packed[:-2], 1 << 20) == decompress_corrupted(packed[:-2]) == text
    broken = packed[:10] + b"\xff" * 8 + packed[18:]
    assert inflate.inflate(broken, 1 << 20) == b""  # pdfminer.six gives up here too


def test_run_length_matches_pdfminer_and_stops_at_its_cap() -> None:
    data = bytes([2, 65, 66, 67, 253, 68, 0, 69, 128, 70])
    assert inflate.run_length(data, 100) == rldecode(data) == b"ABCDDDDE"
    with pytest.raises(inflate.Overflow):
        inflate.run_length(bytes([129, 0]) * 1000, 100_000)  # 128,000 zeros from 2,000 bytes


def test_a_chain_of_flate_filters_stops_at_the_cap_inside_the_first_stage() -> None:
    bomb = zlib.compress(zlib.compress(bytes(50 << 20)))
    with pytest.raises(inflate.Overflow):
        inflate.decoded(PDFStream({"Filter": [LIT("FlateDecode")] * 2}, bomb), 1 << 20)


def test_the_document_budget_counts_every_kept_stream() -> None:
    budget = inflate.InflationBudget(limit=3 << 20, ratio=1000)
    for _ in range(3):
        inflate.decode_within(
            PDFStream({"Filter": LIT("FlateDecode")}, zlib.compress(bytes(1 << 20))), budget
        )
    assert budget.used == 3 << 20
    with pytest.raises(errors.DocumentTooLarge, match="the limit for one document"):
        inflate.decode_within(
            PDFStream({"Filter": LIT("FlateDecode")}, zlib.compress(b"x")), budget
        )


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def test_the_child_reports_its_result_or_one_clear_error() -> None:
    assert run_bounded(lambda: [1, "two"], 10, 1 << 30) == [1, "two"]
    with pytest.raises(errors.EmptyRegister, match="no rows"):
        run_bounded(lambda: (_ for _ in ()).throw(errors.EmptyRegister("no rows")), 10, 1 << 30)
    with pytest.raises(errors.DocumentTooLarge, match="needs over 64 MiB of memory"):
        run_bounded(lambda: bytearray(256 << 20), 10, 64 << 20)
    with pytest.raises(errors.DocumentTooLarge, match="took over the 0.5-second limit"):
        run_bounded(lambda: time.sleep(30), 0.5, 1 << 30)
    with pytest.raises(errors.UnreadableDocument, match="crashed on this document"):
        run_bounded(crash, 10, 1 << 30)
    with pytest.raises(errors.UnreadableDocument, match=r"failed on this document \(KeyError\)"):
        run_bounded(lambda: dict[str, int]()["secret document text"], 10, 1 << 30)


@pytest.mark.service
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_pdfs_fail_their_jobs_in_a_real_worker_and_it_goes_on(
    corpus: dict[str, Path],
    database_url: str,
    broker: Broker,
    start_worker: Callable[..., Process],
) -> None:
    """Celery's prefork pool: the hang and the fan-out end at the time bound, the worker lives."""
    env = {**service_env(database_url, broker), "DRR_MAX_DOCUMENT_SECONDS": "3"}
    start_worker(env)
    names = ["self-reference.pdf", "form-fanout.pdf"]
    done = drr(["submit", *(str(corpus[name]) for name in names), str(PAGE)], env)
    jobs = [json.loads(line)["job_id"] for line in done.stdout.splitlines()]
    store = open_store(database_url)

    def states() -> list[str]:
        return [getattr(store.get_job(job), "state", "missing") for job in jobs]

    wait_until(lambda: all(s in ("done", "failed") for s in states()), 120, "jobs to finish")
    reasons = [str(getattr(store.get_job(job), "reason", "")) for job in jobs[:2]]
    assert states() == ["failed", "failed", "done"], reasons
    assert "refers to itself" in reasons[0]
    assert "took over the 3-second limit" in reasons[1]
