"""The FastAPI app. ``create_app`` takes its parts (settings, store, a way to run jobs), so
tests and ``drr serve`` build it the same way; ``app_from_env`` is the factory uvicorn calls.

Record bodies are served as the very JSON text the pipeline produced (the store keeps it),
never re-serialised, so they are byte-identical to ``drr process`` output lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from kombu.exceptions import OperationalError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from starlette.concurrency import run_in_threadpool

from api import changes, docs, errors, explorer, organisations, review
from api.auth import READ_ROLES, authorize, requires
from api.errors import ApiError, page_cursor
from api.limits import BodyLimit, LimitedBody, UploadSlots
from extract.detect import detect_format
from workers.fields import FIELDS, Indexed
from workers.hdruk import csv_text
from workers.jobs import StrandRule, ThreadRunner, submit_files
from workers.settings import Settings
from workers.store import RecordFilter, Store, now, open_store, safe_filename

Enqueue = Callable[[str], Any]
NDJSON = "application/x-ndjson"
CSV = "text/csv"
MULTIPART_SLACK = 64 * 1024  # headers and boundaries around the file in a multipart body
# The upload is read by hand (to bound it as it arrives), so /openapi.json is told its shape.
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}


def create_app(settings: Settings, store: Store, enqueue: Enqueue) -> FastAPI:
    app = FastAPI(
        title="drr",
        summary="NHS data release registers as enriched JSON records",
        version="0.1.0",
        docs_url=None,  # served from packaged files by api/docs.py, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.enqueue = enqueue
    app.state.inline_reads = store.reader.dialect.name == "sqlite"
    app.state.upload_slots = UploadSlots(settings.max_concurrent_uploads)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes, exempt=("POST", "/documents"))
    errors.install(app)
    read = Depends(requires(READ_ROLES, public=settings.public_read))
    submit = Depends(requires(frozenset({"submitter"})))
    found = errors.answers(401, 403, 404, 422)
    app.add_api_route(
        "/documents",
        upload_document,
        methods=["POST"],
        status_code=202,
        dependencies=[submit],
        summary="upload a register document",
        responses=errors.answers(400, 401, 403, 413, 415),
        openapi_extra={"requestBody": UPLOAD_BODY},
    )
    app.add_api_route(
        "/documents/{sha256}",
        get_document,
        dependencies=[read],
        summary="a document's status, record count and errors",
        responses=found,
    )
    app.add_api_route(
        "/jobs/{job_id}", get_job, dependencies=[read], summary="one job", responses=found
    )
    app.add_api_route(
        "/records",
        list_records,
        openapi_extra={"parameters": _record_parameters()},
        summary="records, filtered and paginated; JSON Lines with Accept: " + NDJSON,
        responses={**errors.answers(400, 401, 403, 422), 200: {"content": {NDJSON: {}, CSV: {}}}},
    )
    app.add_api_route(
        "/records/{record_id}",
        get_record,
        dependencies=[read],
        summary="one record",
        responses=found,
    )
    app.add_api_route(
        "/schema",
        get_schema,
        summary="the JSON Schema of a record",
        responses={**errors.answers(), 200: {"content": {"application/schema+json": {}}}},
    )
    app.add_api_route("/health", health, summary="liveness", responses=errors.answers())
    review.install(app)
    explorer.install(app, RecordQuery)
    changes.install(app)
    docs.install(app)
    organisations.install(app)
    return app


def app_from_env() -> FastAPI:
    """The app ``drr serve`` runs: queue jobs when a broker is set, else run them here."""
    settings = Settings.from_env()
    store = open_store(settings.database_url)
    if settings.broker_url:
        from workers.queue import BrokerQueue
        from workers.queue import app as celery_app

        return create_app(settings, store, BrokerQueue(celery_app, settings))
    return create_app(settings, store, in_process_queue(settings, store))


def in_process_queue(settings: Settings, store: Store) -> ThreadRunner:
    """Without a broker, jobs run on a thread of this process; the jobs a previous API
    process left queued (``drr serve`` put its running ones back first) are run again."""
    from workers.jobs import in_process_runtime

    runner = ThreadRunner(store, lambda: in_process_runtime(store, settings))
    at = now()
    for job in store.unfinished_jobs(at, at):
        if job.state == "queued":
            runner(job.id)
    return runner


# documents and jobs


async def upload_document(request: Request) -> JSONResponse:
    """Multipart upload with the document in the field ``file``. 202: the job is queued."""
    with request.app.state.upload_slots.hold():  # 503 with Retry-After beyond the bound
        return await _accept_upload(request)


async def _accept_upload(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    data, filename = await _read_upload(request, settings.max_upload_bytes)
    _check_type(data, filename)
    store: Store = request.app.state.store
    try:
        [submitted] = await run_in_threadpool(
            submit_files,
            store,
            [(filename, data)],
            request.app.state.enqueue,
            False,
            StrandRule.from_settings(settings),
        )
    except OperationalError as exc:
        raise ApiError(
            503, "the queue is unavailable; the document was kept, submit it again later"
        ) from exc
    body = {
        **submitted,
        "job_url": f"/jobs/{submitted['job_id']}",
        "document_url": f"/documents/{submitted['document_sha256']}",
    }
    return JSONResponse(body, status_code=202, headers={"Location": body["job_url"]})


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + MULTIPART_SLACK:
        raise ApiError(413, f"the upload is over the {limit:,}-byte limit")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "upload the document as multipart/form-data in the field 'file'")
    reason = f"the upload is over the {limit:,}-byte limit"
    limited = Request(request.scope, LimitedBody(request.receive, limit + MULTIPART_SLACK, reason))
    form = await limited.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(400, "no file: upload the document in the multipart field 'file'")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"the document is over the {limit:,}-byte limit")
    return data, safe_filename(upload.filename or "upload")


def _check_type(data: bytes, filename: str) -> None:
    """Refuse what is not a register document by its bytes, whatever its name or header."""
    if not data:
        raise ApiError(400, "the file is empty", "empty_document")
    detect_format(data, filename)  # UnreadableDocument: a 415 at the edge (api/errors.py)


def get_document(sha256: str, request: Request) -> dict[str, Any]:
    status = request.app.state.store.document_status(sha256.lower())
    if status is None:
        raise ApiError(404, f"no document with sha256 {sha256}")
    return status


def get_job(job_id: str, request: Request) -> dict[str, Any]:
    job = request.app.state.store.get_job(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id}")
    return job.as_dict()


# records


class _RecordPage(BaseModel):
    """The filters and the page of ``GET /records``; filters combine with AND."""

    model_config = ConfigDict(extra="forbid")

    if TYPE_CHECKING:  # declared in ``RecordQuery``, after the filters, as /docs lists them
        limit: int
        cursor: str | None

    def where(self) -> RecordFilter:
        return RecordFilter(**{f.name: getattr(self, f.name) for f in FIELDS})


def _annotation(field: Indexed) -> Any:
    """A closed set of values is a Literal: anything else is a 422 that lists them."""
    return Literal[field.choices] if field.choices else field.type  # type: ignore[valid-type]


# The filters are ``workers.fields.FIELDS``, the page is ``_RecordPage``.
RecordQuery: type[_RecordPage] = create_model(  # type: ignore[call-overload]
    "RecordQuery",
    __base__=_RecordPage,
    **{f.name: (_annotation(f) | None, Field(None, description=f.description)) for f in FIELDS},
    limit=(int, Field(100, ge=1, le=1000)),
    cursor=(str | None, Field(None, description="next_cursor of the previous page")),
)


async def list_records(request: Request) -> Response:
    # The hottest endpoint. On SQLite a page is a sub-millisecond local read (keyset on an
    # index, at most 1000 rows) and the trip to the threadpool costs more than the read, so
    # it runs on the event loop; a networked database gets the threadpool. The parameters are
    # validated as one model rather than one by one.
    if request.app.state.inline_reads:
        return _records_response(request)
    return await run_in_threadpool(_records_response, request)


def _records_response(request: Request) -> Response:
    authorize(request, READ_ROLES, request.app.state.settings.public_read)
    query = _record_query(request)
    store: Store = request.app.state.store
    accept = request.headers.get("accept", "")
    if NDJSON in accept:
        return StreamingResponse(_lines(store.iter_records(query.where())), media_type=NDJSON)
    if CSV in accept:
        # The HDR UK data use register: an agreement's rows become one data use, so the
        # whole result is read before the first line can be written.
        body = csv_text(json.loads(body) for body in store.iter_records(query.where()))
        return Response(body, media_type=f"{CSV}; charset=utf-8")
    page = store.page_records(query.where(), page_cursor(query.cursor), query.limit)
    next_cursor = str(page[-1][0]) if len(page) == query.limit else None
    return Response(_page_body(page, next_cursor), media_type="application/json")


def _record_query(request: Request) -> _RecordPage:
    try:
        return RecordQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise ApiError(422, errors.describe(exc.errors())) from exc


def _record_parameters() -> list[dict[str, Any]]:
    """``RecordQuery`` as OpenAPI query parameters, for ``/docs``."""
    schema = RecordQuery.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": field,
            "description": field.get("description", ""),
        }
        for name, field in schema["properties"].items()
    ]


def _page_body(page: list[tuple[int, str]], next_cursor: str | None) -> str:
    cursor = f'"{next_cursor}"' if next_cursor else "null"
    return '{"records":[' + ",".join(body for _, body in page) + f'],"next_cursor":{cursor}}}'


def _lines(bodies: Iterator[str]) -> Iterator[str]:
    batch: list[str] = []
    for body in bodies:
        batch.append(body)
        if len(batch) == 500:  # fewer, larger writes: the export is I/O bound
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def get_record(record_id: str, request: Request) -> Response:
    body = request.app.state.store.get_record(record_id)
    if body is None:
        raise ApiError(404, f"no record {record_id}")
    return Response(body, media_type="application/json")


def get_schema() -> Response:
    from workers.schema import schema_text

    return Response(schema_text(), media_type="application/schema+json")


def health() -> dict[str, str]:
    return {"status": "ok"}
