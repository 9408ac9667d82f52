"""Submitting documents and running their jobs: what the CLI, the task and the API share.

``run_job`` is the whole life of one delivery of a job. It is written for crashes, not just
errors: the delivery is counted before any work starts, the records and the ``done`` state
are written in one transaction, and a delivery of a job that already finished does nothing.
A worker killed at any point therefore leaves the job to the next delivery, and a document
that kills the worker every time ends ``failed`` after ``max_deliveries`` instead of looping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy.exc

from extract import Limits
from extract.errors import DrrError
from nlp.enrich import Enricher
from workers.pipeline import process_document
from workers.store import Store

Outcome = Literal["done", "failed", "skipped", "retry"]
# Errors worth another delivery: the database or the network, not the document.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class Runtime:
    """What a process needs to run jobs; built once per process (the enricher is heavy)."""

    store: Store
    enricher: Enricher
    limits: Limits
    max_deliveries: int


class TransientJobError(Exception):
    """A delivery failed for a reason outside the document; the job is queued again."""


RETRYABLE: tuple[type[BaseException], ...] = (TransientJobError, *TRANSIENT_ERRORS)


def poison_reason(deliveries: int) -> str:
    return (
        f"gave up after {deliveries} deliveries: the document crashed the worker each time "
        "(it may be too large or complex for this worker's memory or time limits; "
        "check the worker log, raise the limits or split the document)"
    )


def run_job(runtime: Runtime, job_id: str) -> Outcome:
    """Run one delivery of a job. Raises ``TransientJobError`` when it is worth a retry."""
    store = runtime.store
    delivery = store.start_delivery(job_id)
    if delivery is None:
        return "skipped"
    if delivery.deliveries > runtime.max_deliveries:
        last = f"; last error: {delivery.job.reason}" if delivery.job.reason else ""
        store.fail_job(job_id, poison_reason(delivery.deliveries - 1) + last)
        return "failed"
    job = delivery.job
    try:
        data = store.document_content(job.document_sha256)
        document, enriched = process_document(data, job.filename, runtime.limits, runtime.enricher)
        store.finish_job(job_id, job.document_sha256, document.format, enriched)
    except DrrError as exc:
        store.fail_job(job_id, str(exc))
        return "failed"
    except TRANSIENT_ERRORS as exc:
        store.requeue_job(job_id, f"transient error, will retry: {_describe(exc)}")
        raise TransientJobError(_describe(exc)) from exc
    except MemoryError:
        store.fail_job(job_id, "ran out of memory: the document is too large for this worker")
        return "failed"
    return "done"


def fail_unexpected(store: Store, job_id: str, exc: BaseException) -> None:
    """A bug in a reader must not take the queue down: fail the job, say how to report it."""
    store.fail_job(job_id, f"internal error, please report it ({_describe(exc)})")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _enqueue(store: Store, enqueue: Callable[[str], Any], job_id: str) -> None:
    try:
        enqueue(job_id)
    except Exception as exc:
        # Leave no job queued that no message will ever run; the document can be resubmitted.
        store.fail_job(job_id, f"could not be queued ({_describe(exc)}): check DRR_BROKER_URL")
        raise


def submit_files(
    store: Store,
    files: list[tuple[str, bytes]],
    enqueue: Callable[[str], Any] | None,
    again: bool = False,
) -> list[dict[str, Any]]:
    """Store each document and give it a job; enqueue new jobs when a queue is given."""
    out = []
    for filename, data in files:
        submission = store.submit(data, filename, again=again)
        if submission.new_job and enqueue is not None:
            _enqueue(store, enqueue, submission.job_id)
        out.append({
            "job_id": submission.job_id,
            "document_sha256": submission.document_sha256,
            "filename": filename,
            "new_job": submission.new_job,
        })
    return out
