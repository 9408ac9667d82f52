"""The one place drr reads its environment. Everything else is passed a ``Settings``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from extract.limits import Limits

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(env: dict[str, str], name: str, default: int) -> int:
    return int(env.get(name, default))


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///drr.sqlite"
    broker_url: str | None = None
    models_dir: Path = REPO_ROOT / "models"
    limits: Limits = field(default_factory=Limits)
    max_upload_bytes: int = 100 * 1024 * 1024
    # An upload is held in memory while it is stored: this bounds an API process's memory.
    max_concurrent_uploads: int = 2
    max_request_bytes: int = 1024 * 1024  # any other request's body
    public_read: bool = False
    task_soft_time_limit: int = 600
    task_time_limit: int = 660
    max_deliveries: int = 3
    # Redis re-delivers an unacknowledged message after this many seconds; it must stay above
    # the hard time limit, or a document still being processed would be handed out twice.
    broker_visibility_timeout: int = 900
    queue_name: str = "drr"
    broker_key_prefix: str = ""
    # A queued job whose message the broker no longer holds is sent again after this many
    # seconds (also the slack on a running job past the hard time limit, for clock skew).
    requeue_after: int = 120

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        max_seconds = float(env.get("DRR_MAX_DOCUMENT_SECONDS", defaults.limits.max_seconds))
        return cls(
            database_url=env.get("DRR_DATABASE_URL", defaults.database_url),
            broker_url=env.get("DRR_BROKER_URL") or None,
            models_dir=Path(env.get("DRR_MODELS_DIR", defaults.models_dir)),
            limits=Limits(
                max_bytes=_int(env, "DRR_MAX_DOCUMENT_BYTES", defaults.limits.max_bytes),
                max_pages=_int(env, "DRR_MAX_PAGES", defaults.limits.max_pages),
                max_seconds=max_seconds,
                max_memory_bytes=_int(
                    env, "DRR_MAX_DOCUMENT_MEMORY", defaults.limits.max_memory_bytes
                ),
            ),
            max_upload_bytes=_int(env, "DRR_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_concurrent_uploads=_int(
                env, "DRR_MAX_CONCURRENT_UPLOADS", defaults.max_concurrent_uploads
            ),
            max_request_bytes=_int(env, "DRR_MAX_REQUEST_BYTES", defaults.max_request_bytes),
            public_read=env.get("DRR_PUBLIC_READ", "").lower() in ("1", "true", "yes"),
            task_soft_time_limit=_int(
                env, "DRR_TASK_SOFT_TIME_LIMIT", defaults.task_soft_time_limit
            ),
            task_time_limit=_int(env, "DRR_TASK_TIME_LIMIT", defaults.task_time_limit),
            max_deliveries=_int(env, "DRR_MAX_DELIVERIES", defaults.max_deliveries),
            broker_visibility_timeout=_int(
                env, "DRR_BROKER_VISIBILITY_TIMEOUT", defaults.broker_visibility_timeout
            ),
            queue_name=env.get("DRR_QUEUE", defaults.queue_name),
            broker_key_prefix=env.get("DRR_BROKER_KEY_PREFIX", defaults.broker_key_prefix),
            requeue_after=_int(env, "DRR_REQUEUE_AFTER", defaults.requeue_after),
        )
