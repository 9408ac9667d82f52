"""Run one document's reading in a forked child bounded in wall time, CPU time and memory.

A hostile PDF can make pdfminer.six loop or allocate where no check of ours runs. A child
process is the one bound that reaches every such place: the parent kills it at the
deadline, ``RLIMIT_CPU`` ends it even if the parent dies first, and ``RLIMIT_AS`` turns a
balloon into a ``MemoryError`` the child reports. ``os.fork`` (not ``multiprocessing``)
because a Celery prefork pool process is daemonic and may not start ``multiprocessing``
children; fork needs no import or pickling of the work, which is why the overhead is a
fork and the pickled result only (``benchmarks/bench_isolate.py``).

The child sends back ``("ok", result)`` or ``("error", class name, message)`` for a
``DrrError``; anything else it reports is re-raised in the parent as the same kind of
failure a person can act on, one line, no traceback.
"""

from __future__ import annotations

import faulthandler
import gc
import math
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar, cast

from extract import errors
from extract.errors import DocumentTooLarge, DrrError, UnreadableDocument

T = TypeVar("T")
MIB = 1 << 20
_CHUNK = 1 << 16
# The child's collector runs after 200,000 new objects, not 700: a register's reading (and
# the imports a PDF's child makes itself) makes hundreds of thousands, a tuple per
# character, nearly all kept to the end or freed by their count. At 700 it spent 20-40 ms
# of the 150-row register's reading collecting them; at 50,000, one 10 ms collection.
# Cycles are still collected (the 13-page register leaves 836 objects in cycles), and the
# child's memory bound still holds.
_CHILD_GC = (200_000, 10, 10)
_in_child = False  # True in a bounded child, whose bounds hold for everything it runs


def run_bounded(work: Callable[[], T], seconds: float, memory: int) -> T:
    """``work()``'s result, computed in a child killed after ``seconds`` and capped at
    ``memory`` bytes over this process's current address space.

    Called in a bounded child (a PDF's whole reading is bounded, and its pages are too
    when read on their own), ``work`` runs right there, under the bounds the child
    already has: a second child would only copy its result back once more."""
    if _in_child:
        return work()
    deadline = time.monotonic() + seconds
    read_end, write_end = os.pipe()
    # The child's collections skip every object it inherits (none is its garbage): they
    # neither scan the parent's heap nor copy its pages by writing to object headers.
    # The parent takes its objects back at once, so nothing of its own stays uncollected
    # (the recipe of the gc.freeze documentation). A process that froze objects itself
    # (a prefork server) keeps its own arrangement: its frozen objects are not thawed here.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        pid = os.fork()
    except OSError:  # no process to spare: the caller reports it as the OSError it is
        if freeze:
            gc.unfreeze()
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(work, write_end, seconds, memory)
    if freeze:
        gc.unfreeze()
    os.close(write_end)
    status: int | None = None
    try:
        payload = _read_until(read_end, deadline)
        status = _wait(pid) if payload is not None else None
    finally:
        os.close(read_end)
        if status is None:
            _kill(pid)
    if payload is None or status is None:
        raise DocumentTooLarge(_time_reason(seconds))
    return cast(T, _outcome(payload, status, seconds, memory))


def _child(work: Callable[[], T], fd: int, seconds: float, memory: int) -> None:
    global _in_child
    _in_child = True
    code = 0
    try:
        _limit_self(seconds, memory)
        gc.set_threshold(*_CHILD_GC)
        result: tuple[object, ...] = ("ok", work())
    except DrrError as exc:
        result = ("error", type(exc).__name__, str(exc))
    except MemoryError:
        result = ("memory",)
    except RecursionError:
        result = ("recursion",)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        result = ("crash", type(exc).__name__)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - e.g. no memory left to pickle: the status says so
        code = 3
    os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _limit_self(seconds: float, memory: int) -> None:
    faulthandler.disable()  # a crash is the parent's one line to report, not a dump on stderr
    for name in ("SIGINT", "SIGTERM", "SIGXCPU"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if math.isfinite(seconds):  # DRR_MAX_DOCUMENT_SECONDS=inf: no time bound at all
        _lower(resource.RLIMIT_CPU, _cpu_seconds() + math.ceil(seconds) + 1)
    _lower(resource.RLIMIT_AS, _address_space() + memory)


def _lower(which: int, value: int) -> None:
    """Set a soft limit, never above the limits the process already has."""
    soft, hard = resource.getrlimit(which)
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            value = min(value, bound)
    resource.setrlimit(which, (value, hard))


def _cpu_seconds() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return math.ceil(usage.ru_utime + usage.ru_stime)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes, or None if it is still writing at the deadline."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic() if math.isfinite(deadline) else None
        if remaining is not None and remaining <= 0:
            return None
        if not select.select([fd], [], [], remaining)[0]:
            return None
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _wait(pid: int) -> int:
    return os.waitpid(pid, 0)[1]


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _outcome(payload: bytes, status: int, seconds: float, memory: int) -> object:
    if not payload:
        raise _died(status, seconds, memory)
    result = pickle.loads(payload)
    kind = result[0]
    if kind == "ok":
        return result[1]
    if kind == "error":
        raise _error_class(result[1])(result[2])
    if kind == "memory":
        raise DocumentTooLarge(_memory_reason(memory))
    if kind == "recursion":
        raise UnreadableDocument(
            "the document nests objects too deeply to read: it is corrupt or hostile"
        )
    raise UnreadableDocument(
        f"the reader failed on this document ({result[1]}): it is damaged in a way drr does"
        " not know; please report it with the file"
    )


def _error_class(name: str) -> type[DrrError]:
    found = getattr(errors, name, None)
    return found if isinstance(found, type) and issubclass(found, DrrError) else DrrError


def _died(status: int, seconds: float, memory: int) -> DrrError:
    """The child ended without a word: killed by a limit, or it crashed."""
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        return DocumentTooLarge(_time_reason(seconds))
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
        return DocumentTooLarge(_memory_reason(memory))
    return UnreadableDocument(
        f"the reader crashed on this document (status {status}): it is damaged in a way drr"
        " does not know; please report it with the file"
    )


def _time_reason(seconds: float) -> str:
    return (
        f"reading it took over the {seconds:g}-second limit for one document: it is too large"
        " or built to stall a reader (DRR_MAX_DOCUMENT_SECONDS raises the limit)"
    )


def _memory_reason(memory: int) -> str:
    return (
        f"reading it needs over {memory // MIB:,} MiB of memory, the limit for one document:"
        " it is too large or built to exhaust a reader"
    )
