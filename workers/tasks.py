"""Celery tasks, thin: a message carries a job id, ``workers.jobs.run`` does the work.

Failures are handled there, as for every other door: transient errors (database, network)
are retried with backoff, bounded by ``max_deliveries`` like every other redelivery;
anything else fails the job with a reason and the worker goes on with the next message.

Each worker also runs the reaper (``workers.jobs.reap``) when it starts and then every
``reap_interval`` seconds, on its own timer in the main process: no beat is needed, and
with several workers the database decides which one puts a given job back.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from celery import Task, bootsteps
from celery.exceptions import TimeLimitExceeded
from celery.signals import worker_init
from celery.utils.log import get_task_logger

from nlp.enrich import Enricher
from workers.jobs import Runtime, StrandRule, reap, run, time_limit_reason
from workers.queue import PROCESS_JOB, BrokerQueue, app, settings
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
    return Runtime(process_store(pid), shared_enricher(), settings.limits, settings.max_deliveries,
                   soft_time_limit=settings.task_soft_time_limit)


@worker_init.connect
def _preload(**_: Any) -> None:
    try:
        shared_enricher()
    except Exception:  # logged here; each job fails with the reason
        logger.exception("could not load the models; each job will fail with the reason")


class JobTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # A hard time limit kills the process running the task; this runs in the parent.
        if isinstance(exc, TimeLimitExceeded) and args:
            reason = time_limit_reason(settings.task_time_limit, hard=True)
            process_store(os.getpid()).fail_job(args[0], reason)


@app.task(name=PROCESS_JOB, base=JobTask)
def process_job(job_id: str) -> str:
    pid = os.getpid()
    return run(lambda: process_runtime(pid), process_store(pid), job_id)


def reap_interval(requeue_after: int) -> int:
    return max(1, min(60, requeue_after // 2))


def reap_stranded() -> None:
    """One pass of the reaper; a failure is logged and the next pass tries again."""
    try:
        reap(process_store(os.getpid()), BrokerQueue(app, settings),
             StrandRule.from_settings(settings))
    except Exception:
        logger.exception("the reaper failed; it runs again in %s s",
                         reap_interval(settings.requeue_after))


class Reaper(bootsteps.StartStopStep):
    """Runs ``reap_stranded`` as the worker starts and then on the worker's own timer."""

    requires = ("celery.worker.components:Timer", "celery.worker.components:Pool")

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None

    def start(self, worker: Any) -> None:
        reap_stranded()
        self.timer_ref = worker.timer.call_repeatedly(
            reap_interval(settings.requeue_after), reap_stranded, priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()


app.steps["worker"].add(Reaper)
