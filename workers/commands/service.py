"""``drr submit``, ``drr worker``, ``drr jobs``, ``drr job``, ``drr serve``, ``drr tokens``,
``drr corrections``.

The service commands: put documents on the queue (or process them in-process when no
broker is configured), run a worker, read job states, serve the HTTP API, manage tokens,
list and export reviewers' corrections. Output is JSON, one object a line.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import TYPE_CHECKING, Any

from workers.io import error, expand_inputs, open_output, read_input, write_jsonl
from workers.roles import ROLES
from workers.settings import Settings

if TYPE_CHECKING:
    from workers.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    submit = sub.add_parser("submit", help="store documents and queue one job each")
    submit.add_argument("files", nargs="+", metavar="FILE", help="documents or folders")
    submit.add_argument(
        "--again",
        action="store_true",
        help="reprocess documents whose job is done (e.g. after a model update)",
    )
    submit.set_defaults(func=run_submit)

    worker = sub.add_parser("worker", help="start a Celery worker (needs DRR_BROKER_URL)")
    worker.add_argument(
        "-c",
        "--concurrency",
        type=int,
        default=1,
        help="worker processes (default 1; start more workers to scale out)",
    )
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(func=run_worker)

    reap = sub.add_parser(
        "reap",
        help="put stranded jobs back on the queue (workers do it "
        "every few seconds; this is one pass now)",
    )
    reap.set_defaults(func=run_reap)

    jobs = sub.add_parser("jobs", help="list jobs, newest first")
    jobs.add_argument("--state", choices=("queued", "running", "done", "failed"))
    jobs.add_argument("--limit", type=int, default=50)
    jobs.set_defaults(func=run_jobs)

    job = sub.add_parser("job", help="show one job")
    job.add_argument("job_id", metavar="ID")
    job.set_defaults(func=run_job_command)

    serve = sub.add_parser("serve", help="serve the HTTP API (OpenAPI at /docs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="HTTP server processes")
    serve.set_defaults(func=run_serve)

    tokens = sub.add_parser("tokens", help="create, list and revoke API tokens")
    actions = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token; it is printed once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", default="", help="who or what the token is for")
    create.set_defaults(func=run_tokens_create)
    actions.add_parser("list", help="list tokens (never their secrets)").set_defaults(
        func=run_tokens_list
    )
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", metavar="ID")
    revoke.set_defaults(func=run_tokens_revoke)

    corrections = sub.add_parser("corrections", help="reviewers' purpose corrections")
    doing = corrections.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = doing.add_parser(
        "export",
        help="the latest correction of each record as "
        "training labels, one JSON line each, by record id",
    )
    export.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)"
    )
    export.set_defaults(func=run_corrections_export)
    listing = doing.add_parser("list", help="the audit trail: every correction, oldest first")
    listing.add_argument("--record", metavar="ID", help="only this record's corrections")
    listing.set_defaults(func=run_corrections_list)


def store_of(settings: Settings) -> Store:
    """The store, its module (SQLAlchemy) loaded only by the commands that use it."""
    from workers.store import open_store

    return open_store(settings.database_url)


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def run_submit(args: argparse.Namespace, settings: Settings) -> int:
    from workers.jobs import StrandRule, submit_files

    store = store_of(settings)
    files, failed = _read_files(args.files)
    if settings.broker_url:
        from kombu.exceptions import OperationalError
        from kombu.utils.url import maybe_sanitize_url

        from workers.queue import BrokerQueue, app

        try:
            submitted = submit_files(
                store,
                files,
                BrokerQueue(app, settings),
                again=args.again,
                rule=StrandRule.from_settings(settings),
            )
        except OperationalError as exc:
            broker = maybe_sanitize_url(settings.broker_url)
            error(f"cannot reach the broker at {broker} ({exc}); nothing was queued")
            return 1
        for line in submitted:
            _print(line)
        return 1 if failed else 0
    error(f"DRR_BROKER_URL is not set: processing in-process on {_safe_url(settings)}")
    return _submit_in_process(store, settings, files, args.again) or (1 if failed else 0)


def _read_files(names: list[str]) -> tuple[list[tuple[str, bytes]], int]:
    from pathlib import Path

    files, failed = [], 0
    for name in expand_inputs(names):
        try:
            files.append((Path(name).name, read_input(name)))
        except OSError as exc:
            failed += 1
            error(f"{name}: {exc.strerror or exc}")
    return files, failed


def _submit_in_process(
    store: Store, settings: Settings, files: list[tuple[str, bytes]], again: bool
) -> int:
    from workers.jobs import JobList, StrandRule, in_process_runtime, run, submit_files

    queue = JobList()
    lines = submit_files(store, files, queue, again=again, rule=StrandRule.from_settings(settings))
    runtime = functools.cache(lambda: in_process_runtime(store, settings))
    for job_id in queue.ids:
        run(runtime, store, job_id)
    failed = 0
    for line in lines:
        job = store.get_job(line["job_id"])
        assert job is not None
        failed += job.state == "failed"
        if job.state == "failed":
            error(f"{line['filename']}: {job.reason}")
        _print({**line, "state": job.state, "record_count": job.record_count})
    return 1 if failed else 0


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.queue import app, check_settings

    problems = check_settings(settings)
    for problem in problems:
        error(problem)
    if problems:
        return 2
    store_of(settings).dispose()  # migrate once, before the pool forks
    app.worker_main(
        [
            "worker",
            "--loglevel",
            args.loglevel,
            "--concurrency",
            str(args.concurrency),
            "--queues",
            settings.queue_name,
            "--without-mingle",
            "--without-gossip",
        ]
    )
    return 0


def run_reap(args: argparse.Namespace, settings: Settings) -> int:
    from workers.jobs import StrandRule, reap
    from workers.queue import BrokerQueue, app

    if not settings.broker_url:
        error(
            "DRR_BROKER_URL is not set: without a broker, drr serve runs stranded jobs "
            "again when it starts"
        )
        return 2
    store = store_of(settings)
    for job, action in reap(store, BrokerQueue(app, settings), StrandRule.from_settings(settings)):
        _print({"job_id": job.id, "filename": job.filename, "was": job.state, "action": action})
    return 0


def run_jobs(args: argparse.Namespace, settings: Settings) -> int:
    for job in store_of(settings).list_jobs(args.state, args.limit):
        _print(job.as_dict())
    return 0


def run_job_command(args: argparse.Namespace, settings: Settings) -> int:
    job = store_of(settings).get_job(args.job_id)
    if job is None:
        error(f"{args.job_id}: no such job")
        return 1
    _print(job.as_dict())
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    store = store_of(settings)  # migrate once, before the server starts
    if not settings.broker_url:
        _requeue_running(store)
    store.dispose()
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


def _requeue_running(store: Store) -> None:
    """Without a broker, the API runs jobs on its own thread: a job still ``running`` as it
    starts was left by a previous API process (stopped or killed) and is put back as
    ``queued``; each API process then runs the queued jobs when it starts."""
    from workers.jobs import requeue_all
    from workers.store import now

    at = now()
    left = [job for job in store.unfinished_jobs(at, at) if job.state == "running"]
    if count := requeue_all(store, left):
        error(f"{count} job(s) left running by a previous drr serve are queued again")


def run_tokens_create(args: argparse.Namespace, settings: Settings) -> int:
    token = store_of(settings).create_token(args.role, args.name)
    print(token)
    print(
        "drr: keep this token now: it is stored hashed and cannot be shown again", file=sys.stderr
    )
    return 0


def run_tokens_list(args: argparse.Namespace, settings: Settings) -> int:
    from workers.store import iso

    for info in store_of(settings).list_tokens():
        _print(
            {
                "id": info.id,
                "name": info.name,
                "role": info.role,
                "created_at": iso(info.created_at),
                "revoked": info.revoked_at is not None,
            }
        )
    return 0


def run_tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    if store_of(settings).revoke_token(args.token_id):
        return 0
    error(f"{args.token_id}: no such active token")
    return 1


def run_corrections_export(args: argparse.Namespace, settings: Settings) -> int:
    from workers.review import training_lines

    lines = training_lines(store_of(settings).latest_corrections())
    with open_output(args.output) as out:
        write_jsonl(out, lines)
    return 0


def run_corrections_list(args: argparse.Namespace, settings: Settings) -> int:
    for correction in store_of(settings).corrections_of(args.record):
        _print(correction.as_dict())
    return 0
