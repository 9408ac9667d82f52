"""The Celery app: Redis as broker, configured for crashes as well as errors.

``celery -A workers.queue worker`` and ``drr worker`` both start a worker from this module.
Messages carry job ids only; the bytes stay in the store. No result backend: a job's state
lives in the store's jobs table, where ``drr jobs`` and the HTTP API read it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import redis
from celery import Celery

from workers.settings import Settings

PROCESS_JOB = "drr.process_job"
# kombu's Redis transport keeps a queue as one list per priority step (the step's number
# after this separator; none for 0) and messages taken but not yet acknowledged in a hash.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
UNACKED_KEY = "unacked"

log = logging.getLogger("drr.queue")


def make_celery(settings: Settings) -> Celery:
    app = Celery("drr", broker=settings.broker_url or "memory://", include=["workers.tasks"])
    transport: dict[str, object] = {
        "visibility_timeout": settings.broker_visibility_timeout,
        # How soon a live worker hands back the messages of a dead one, once their visibility
        # timeout has passed: kombu's default sweep is only every ~100 seconds.
        "unacked_restore_interval": max(1, min(10, settings.broker_visibility_timeout // 10)),
        "unacked_restore_throttle": 1,
    }
    if settings.broker_key_prefix:
        transport["global_keyprefix"] = settings.broker_key_prefix
    app.conf.update(
        task_default_queue=settings.queue_name,
        # Crash safety: a message is acknowledged only once its task has returned, and is
        # handed back when the process running it dies; one message at a time per process,
        # so a crash strands no prefetched documents behind it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        broker_transport_options=transport,
        # A worker that loses Redis cancels its running tasks: their messages go back
        # to the queue anyway, and running them twice at once would only waste work.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_send_task_events=False,
    )
    return app


def check_settings(settings: Settings) -> list[str]:
    """What is wrong with the queue settings, as sentences; empty when they are sound."""
    problems = []
    if not settings.broker_url:
        problems.append("DRR_BROKER_URL is not set: a worker needs a Redis broker")
    if settings.task_soft_time_limit >= settings.task_time_limit:
        problems.append("DRR_TASK_SOFT_TIME_LIMIT must be below DRR_TASK_TIME_LIMIT")
    if settings.broker_visibility_timeout <= settings.task_time_limit:
        problems.append(
            "DRR_BROKER_VISIBILITY_TIMEOUT must be above DRR_TASK_TIME_LIMIT, or Redis hands "
            "a document still being processed to a second worker"
        )
    if settings.requeue_after < 1:
        problems.append("DRR_REQUEUE_AFTER must be at least 1 second, or the reaper sends "
                        "every queued job again on each pass")
    return problems


def enqueue(app: Celery, settings: Settings, job_id: str) -> None:
    # The task id is the job id, so the reaper can tell which jobs the broker still holds.
    app.send_task(PROCESS_JOB, args=[job_id], queue=settings.queue_name, task_id=job_id)


def held_job_ids(settings: Settings) -> frozenset[str] | None:
    """The jobs whose message the broker holds: waiting on the queue, or taken by a worker
    and not yet acknowledged (Redis hands those back if the worker dies). None when the
    broker cannot be read."""
    prefix, queue = settings.broker_key_prefix, settings.queue_name
    lists = [prefix + queue] + [f"{prefix}{queue}{PRIORITY_SEPARATOR}{step}"
                                for step in PRIORITY_STEPS[1:]]
    try:
        client = redis.Redis.from_url(str(settings.broker_url), socket_timeout=30)
        with client.pipeline(transaction=True) as pipe:
            for key in lists:
                pipe.lrange(key, 0, -1)
            pipe.hvals(prefix + UNACKED_KEY)
            *waiting, taken = pipe.execute()
        client.close()
    except redis.RedisError:
        log.warning("cannot read the broker's queue", exc_info=True)
        return None
    messages = [json.loads(raw) for raws in waiting for raw in raws]
    messages += [json.loads(raw)[0] for raw in taken]
    return frozenset(str(m.get("headers", {}).get("id")) for m in messages)


@dataclass(frozen=True)
class BrokerQueue:
    """The broker as a ``workers.jobs.JobQueue``: send a job, say which jobs it holds."""

    app: Celery
    settings: Settings

    def __call__(self, job_id: str) -> None:
        enqueue(self.app, self.settings, job_id)

    def held(self) -> frozenset[str] | None:
        return held_job_ids(self.settings)


settings = Settings.from_env()
app = make_celery(settings)
