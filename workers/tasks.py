"""Celery tasks, thin: a message carries a job id, ``workers.jobs.run_job`` does the work.

Retries only for transient errors (database, network), with exponential backoff, bounded
by ``max_deliveries`` like every other redelivery. Anything else fails the job with its
reason and the worker goes on with the next message.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_init
from celery.utils.log import get_task_logger

from nlp.enrich import Enricher
from workers.jobs import RETRYABLE, Runtime, fail_unexpected, run_job
from workers.queue import PROCESS_JOB, app, settings
from workers.store import Store, open_store

logger = get_task_logger(__name__)


@functools.cache
def process_store(pid: int) -> Store:
    """One store per process: engines must not cross a fork, hence the pid in the key."""
    return open_store(settings.database_url)


@functools.cache
def shared_enricher() -> Enricher:
    """The models, loaded once in the worker's main process before its pool forks, so the
    pool processes share their memory and a replaced pool process starts at once."""
    from nlp.enrich import build_enricher

    return build_enricher(settings.models_dir)


@functools.cache
def process_runtime(pid: int) -> Runtime:
    return Runtime(process_store(pid), shared_enricher(), settings.limits, settings.max_deliveries)


@worker_init.connect
def _preload(**_: Any) -> None:
    try:
        shared_enricher()
    except Exception:  # logged here; process_job reports it on each job
        logger.exception("could not load the models; each job will fail with the reason")


class JobTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # A hard time limit kills the process running the task; this runs in the parent.
        if isinstance(exc, TimeLimitExceeded) and args:
            reason = f"took longer than the {settings.task_time_limit}-second hard time limit"
            process_store(os.getpid()).fail_job(args[0], reason)


def backoff(retries: int) -> int:
    return min(60, 2 ** (retries + 1))


@app.task(name=PROCESS_JOB, bind=True, base=JobTask)
def process_job(self: Task, job_id: str) -> str:
    try:
        runtime = process_runtime(os.getpid())
    except Exception as exc:  # noqa: BLE001 - whatever broke the models, the job says so
        reason = f"the worker could not load its models ({type(exc).__name__}: {exc})"
        process_store(os.getpid()).fail_job(job_id, reason + ": fix them and submit again")
        return "failed"
    try:
        return run_job(runtime, job_id)
    except RETRYABLE as exc:
        if self.request.retries + 1 >= settings.max_deliveries:
            runtime.store.fail_job(job_id, f"gave up after {self.request.retries + 1} tries: {exc}")
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries), max_retries=None)
    except SoftTimeLimitExceeded:
        reason = f"took longer than the {settings.task_soft_time_limit}-second time limit"
        runtime.store.fail_job(job_id, reason + ": split the document or raise the limit")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a reader's bug must not stop the queue
        fail_unexpected(runtime.store, job_id, exc)
        return "failed"
