"""Hostile documents: each fails alone, in bounded time and memory, with one line a person can act on.

The corpus is built by ``tests/hostile/make_hostile.py`` into a temporary folder. Every file
goes through ``drr extract`` as a real process under a 1 GiB address-space limit and a 60 s
timeout, with the document time bound lowered so a hang shows as a failure, not a stall.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extract import errors, read_document
from extract.limits import Limits

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
