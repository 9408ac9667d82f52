"""Submitting documents and running their jobs: the one runner every door calls.

The CLI without a broker (``drr submit``), the Celery task and the API's upload thread all
call ``run``. ``run_job`` is the whole life of one job in this process. It is written for
crashes, not just errors: a delivery is counted before any work starts, the records and
the ``done`` state are written in one transaction, and a delivery of a job that already
finished does nothing. A worker killed at any point therefore leaves the job to the next
delivery, and a document that kills the worker every time ends ``failed`` after
``max_deliveries`` instead of looping.

Every failure is judged in one place, ``judge``. The reason kept on the job is read by
anyone with a read token, so it is one line, names the document's file at most, and never
carries SQL, a driver's message or the document's text: database and internal errors get a
fixed reason that says what to do, and their detail goes to the log of the process that
ran the job.

``reap`` finds the jobs nothing will ever run: queued, with no message left on the queue
(the broker restarted without its data, or the process holding them stopped), or running
past the hard time limit with no message left to hand them to another worker. It puts
them back on the queue, bounded by ``max_deliveries``; a guarded update in the database
lets only one of several reapers (or submitters) put back a given job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

import sqlalchemy.exc
from celery.exceptions import SoftTimeLimitExceeded

from extract import Limits
from extract.errors import DrrError
from nlp.enrich import Enricher
from workers.pipeline import process_document
from workers.settings import Settings
from workers.store import Job, JobState, Store, now

log = logging.getLogger("drr.jobs")

Outcome = Literal["done", "failed", "skipped", "retry", "stranded"]
# Errors worth another delivery: the database or the network, not the document.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    ConnectionError,
    TimeoutError,
)
TRANSIENT_REASON = ("the database or the network failed; the job is retried "
                    "(the worker log has the detail)")
MODELS_REASON = ("the worker could not load its models (the worker log has the detail): "
                 "fix them and submit the document again")


@dataclass(frozen=True)
class Runtime:
    """What a process needs to run jobs; built once per process (the enricher is heavy)."""

    store: Store
    enricher: Enricher
    limits: Limits
    max_deliveries: int
    # Only for the reason of a job stopped by Celery's soft time limit.
    soft_time_limit: int = 0
    # The states a delivery may start from. A broker redelivers the message of a job whose
    # worker died, still ``running``; a runner in this process only ever takes ``queued``
    # jobs, so two processes that were handed the same job never both run it.
    takes: tuple[JobState, ...] = ("queued", "running")
    sleep: Callable[[float], None] = time.sleep


class TransientJobError(DrrError):
    """A delivery failed for a reason outside the document; the job is queued again."""


RETRYABLE: tuple[type[BaseException], ...] = (TransientJobError, *TRANSIENT_ERRORS)


def poison_reason(deliveries: int) -> str:
    return (
        f"gave up after {deliveries} deliveries: the document crashed the worker each time "
        "(it may be too large or complex for this worker's memory or time limits; "
        "check the worker log, raise the limits or split the document)"
    )


def gave_up_reason(tries: int) -> str:
    return (f"gave up after {tries} tries: the database or the network failed each time "
            "(the worker log has the detail); submit the document again once they are back")


def lost_reason(requeues: int) -> str:
    return (f"gave up after putting the job back on the queue {requeues} times: its message "
            "was lost each time (check that the broker keeps its data, or the worker log)")


def time_limit_reason(seconds: int, hard: bool = False) -> str:
    limit = "hard time limit" if hard else "time limit"
    return f"took longer than the {seconds}-second {limit}: split the document or raise the limit"


def one_line(text: str, limit: int = 500) -> str:
    """A reason as one line of printable text, at most ``limit`` characters."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    line = " ".join(printable.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def judge(exc: BaseException, filename: str, soft_time_limit: int) -> tuple[Outcome, str]:
    """What a failed delivery comes to, and the reason kept on the job (safe to show)."""
    name = one_line(filename, 200)
    if isinstance(exc, RETRYABLE):
        return "retry", TRANSIENT_REASON
    if isinstance(exc, DrrError):  # written for people, about the document
        return "failed", one_line(str(exc))
    if isinstance(exc, SoftTimeLimitExceeded):
        return "failed", time_limit_reason(soft_time_limit)
    if isinstance(exc, MemoryError):
        return "failed", "ran out of memory: the document is too large for this worker"
    if isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
        return "failed", (f"the database refused the records of {name}: please report it "
                          "with the worker log, which has the detail")
    return "failed", (f"internal error while processing {name}: please report it with the "
                      "worker log, which has the detail")


def backoff(tries: int) -> int:
    return min(60, 2 ** (tries + 1))


def run(runtime: Callable[[], Runtime], store: Store, job_id: str) -> Outcome:
    """Run one job: what every door calls. ``runtime`` builds (or returns) the process's
    runtime; if the models cannot be loaded the job fails with that reason."""
    try:
        built = runtime()
    except Exception:
        log.exception("job %s: could not load the models", job_id)
        return _settle(store.fail_job, job_id, MODELS_REASON, "failed")
    try:
        return run_job(built, job_id)
    except Exception:
        log.exception("job %s: the runner failed; the job is left to the reaper", job_id)
        return "stranded"


def run_job(runtime: Runtime, job_id: str) -> Outcome:
    """Run a job to its end. Transient errors (database, network) are retried here with
    backoff, each try a counted delivery, up to ``max_deliveries`` tries; if even the
    failure cannot be written the job is left as it is, for the reaper."""
    for tries in range(runtime.max_deliveries):
        if tries:
            runtime.sleep(backoff(tries - 1))
        outcome = _deliver(runtime, job_id)
        if outcome != "retry":
            return outcome
    reason = gave_up_reason(runtime.max_deliveries)
    if _settle(runtime.store.fail_job, job_id, reason, "failed") == "failed":
        return "failed"
    log.error("job %s: %s; the database is still unreachable, left to the reaper", job_id, reason)
    return "stranded"


def _deliver(runtime: Runtime, job_id: str) -> Outcome:
    store = runtime.store
    try:
        delivery = store.start_delivery(job_id, runtime.takes)
    except TRANSIENT_ERRORS:
        log.warning("job %s: the database is unreachable; will retry", job_id, exc_info=True)
        return "retry"
    if delivery is None:
        return "skipped"
    job = delivery.job
    if delivery.deliveries > runtime.max_deliveries:
        last = f"; last error: {job.reason}" if job.reason else ""
        return _settle(store.fail_job, job_id, poison_reason(delivery.deliveries - 1) + last,
                       "failed")
    try:
        data = store.document_content(job.document_sha256)
        document, enriched = process_document(data, job.filename, runtime.limits, runtime.enricher)
        store.finish_job(job_id, job.document_sha256, document.format, enriched)
    except Exception as exc:  # noqa: BLE001 - judged below; a reader's bug must not stop us
        outcome, reason = judge(exc, job.filename, runtime.soft_time_limit)
        _log_failure(job, outcome, reason, exc)
        write = store.requeue_job if outcome == "retry" else store.fail_job
        return _settle(write, job_id, reason, outcome)
    return "done"


def _settle(write: Callable[[str, str], None], job_id: str, reason: str,
            outcome: Outcome) -> Outcome:
    """Write the job's new state; if the database is gone, say so and try again later."""
    try:
        write(job_id, reason)
    except TRANSIENT_ERRORS:
        log.warning("job %s: could not record %r; will retry", job_id, reason, exc_info=True)
        return "retry"
    return outcome


def _log_failure(job: Job, outcome: Outcome, reason: str, exc: Exception) -> None:
    if isinstance(exc, DrrError):
        log.info("job %s (%s) failed: %s", job.id, job.filename, reason)
        return
    log.error("job %s (%s): %s", job.id, job.filename, reason, exc_info=exc)


# queues and the reaper


@runtime_checkable
class JobQueue(Protocol):
    """Where a door sends jobs to run. ``held`` says which jobs the queue still holds
    (None: it cannot tell right now, so nothing may be judged stranded)."""

    def __call__(self, job_id: str) -> object: ...

    def held(self) -> Collection[str] | None: ...


Enqueue = Callable[[str], Any]


@dataclass(frozen=True)
class StrandRule:
    """When a job is stranded: queued ``queued_for`` seconds with no message on the queue, or
    running ``running_for`` seconds (past the hard time limit, where no worker still runs it)."""

    queued_for: float
    running_for: float
    max_deliveries: int

    @classmethod
    def from_settings(cls, settings: Settings) -> StrandRule:
        # The slack on the hard limit also covers clocks that differ between machines.
        return cls(settings.requeue_after, settings.task_time_limit + settings.requeue_after,
                   settings.max_deliveries)


def is_stranded(job: Job, at: datetime, rule: StrandRule) -> bool:
    """Old enough to be stranded; whether the queue still holds it is ``unheld``'s question."""
    if job.state == "queued":
        return _age(job.enqueued_at or job.created_at, at) >= rule.queued_for
    if job.state == "running" and job.started_at is not None:
        return _age(job.started_at, at) >= rule.running_for
    return False


def _age(since: datetime, at: datetime) -> float:
    if since.tzinfo is None:  # SQLite gives times back naive, as written: in UTC
        since = since.replace(tzinfo=at.tzinfo)
    return (at - since).total_seconds()


def give_up_reason(job: Job, rule: StrandRule) -> str | None:
    """Why a stranded job must not go back on the queue again, or None."""
    if job.deliveries >= rule.max_deliveries:
        return poison_reason(job.deliveries)
    if job.requeues >= rule.max_deliveries:
        return lost_reason(job.requeues)
    return None


def put_back(store: Store, enqueue: Enqueue, job: Job, rule: StrandRule) -> str | None:
    """Requeue (or, past the bounds, fail) a stranded job. Returns what was done, or None
    when another reaper or a worker got to the job first."""
    reason = give_up_reason(job, rule)
    if reason is not None:
        return "failed" if store.fail_stranded(job, reason) else None
    if not store.requeue_stranded(job):
        return None
    try:
        enqueue(job.id)
    except Exception:
        log.exception("job %s: put back, but its message could not be sent", job.id)
        return "unsent"
    return "requeued"


def unheld(queue: JobQueue, jobs: list[Job], pause: float) -> list[Job]:
    """The jobs the queue does not hold, read twice ``pause`` seconds apart: a worker takes
    a message off the queue a moment before it records it as taken, and a job seen in
    that moment must not be sent twice. Empty when the queue cannot be read."""
    missing = jobs
    for read in range(2):
        if read:
            time.sleep(pause)
        held = queue.held()
        if held is None:
            log.warning("the queue cannot be read: no job is judged stranded this time")
            return []
        missing = [job for job in missing if job.id not in held]
        if not missing:
            break
    return missing


def reap(store: Store, queue: JobQueue, rule: StrandRule, at: datetime | None = None,
         pause: float = 0.5) -> list[tuple[Job, str]]:
    """Put back every stranded job; returns each job and what was done to it."""
    at = at or now()
    candidates = store.unfinished_jobs(at - timedelta(seconds=rule.queued_for),
                                       at - timedelta(seconds=rule.running_for))
    # The queue (a whole Redis list) is read only when some job is old enough.
    old = [job for job in candidates if is_stranded(job, at, rule)]
    done = []
    for job in unheld(queue, old, pause) if old else []:
        if action := put_back(store, queue, job, rule):
            log.warning("job %s (%s) was stranded %s: %s", job.id, job.filename, job.state,
                        action)
            done.append((job, action))
    return done


def requeue_all(store: Store, jobs: Iterable[Job]) -> int:
    """Put back as ``queued`` jobs left running by a process that is gone; returns how many."""
    return sum(store.requeue_stranded(job) for job in jobs)


@dataclass
class JobList:
    """The queue of ``drr submit`` without a broker: the ids to run here, in order."""

    ids: list[str] = field(default_factory=list)

    def __call__(self, job_id: str) -> None:
        self.ids.append(job_id)

    def held(self) -> frozenset[str]:
        return frozenset(self.ids)


def in_process_runtime(store: Store, settings: Settings) -> Runtime:
    """The runtime of a process that runs jobs itself (no broker): it takes only queued
    jobs, so two such processes handed the same job never both run it."""
    from nlp.enrich import build_enricher

    return Runtime(store, build_enricher(settings.models_dir), settings.limits,
                   settings.max_deliveries, takes=("queued",))


class ThreadRunner:
    """Without a broker, jobs run one at a time on a thread of this process (the API's)."""

    def __init__(self, store: Store, build: Callable[[], Runtime]) -> None:
        self.store = store
        self._build = build
        self._runtime: Runtime | None = None
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drr-job")

    def __call__(self, job_id: str) -> None:
        with self._lock:
            self._pending.add(job_id)
        self._pool.submit(self._run, job_id)

    def held(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._pending)

    def _run(self, job_id: str) -> None:
        try:
            run(self._runtime_once, self.store, job_id)
        finally:
            with self._lock:
                self._pending.discard(job_id)

    def _runtime_once(self) -> Runtime:
        if self._runtime is None:  # only the one job thread gets here
            self._runtime = self._build()
        return self._runtime


# submitting


def _enqueue(store: Store, enqueue: Enqueue, job_id: str) -> None:
    try:
        enqueue(job_id)
    except Exception:
        log.exception("job %s could not be queued", job_id)
        # Leave no job queued that no message will ever run; the document can be resubmitted.
        store.fail_job(job_id, "could not be queued: the broker is unreachable; "
                       "check DRR_BROKER_URL and submit the document again")
        raise


def _rescue(store: Store, enqueue: Enqueue, job_id: str, rule: StrandRule) -> bool:
    """A document submitted again whose job is stranded: put the job back now."""
    job = store.get_job(job_id)
    # The queue is read only for a job old enough to be stranded.
    if job is None or not isinstance(enqueue, JobQueue) or not is_stranded(job, now(), rule):
        return False
    if not unheld(enqueue, [job], pause=0.5):
        return False
    return put_back(store, enqueue, job, rule) == "requeued"


def submit_files(
    store: Store,
    files: list[tuple[str, bytes]],
    enqueue: Enqueue | None,
    again: bool = False,
    rule: StrandRule | None = None,
) -> list[dict[str, Any]]:
    """Store each document and give it a job; enqueue new jobs when a queue is given. With
    a ``rule`` and a queue that can say what it holds, a document that joins a stranded
    job puts that job back on the queue instead of waiting on it for ever."""
    out = []
    for filename, data in files:
        submission = store.submit(data, filename, again=again)
        requeued = False
        if enqueue is not None and submission.new_job:
            _enqueue(store, enqueue, submission.job_id)
        elif enqueue is not None and rule is not None:
            requeued = _rescue(store, enqueue, submission.job_id, rule)
        out.append({
            "job_id": submission.job_id,
            "document_sha256": submission.document_sha256,
            "filename": filename,
            "new_job": submission.new_job,
            **({"requeued": True} if requeued else {}),
        })
    return out
