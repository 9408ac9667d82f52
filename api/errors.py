"""One JSON shape for every error the API answers with.

    {"error": {"status": 404, "code": "not_found", "message": "no job abc"}}

``code`` is stable and meant for programs; ``message`` is meant for a person.

This is the HTTP edge of drr's one error hierarchy (``extract/errors.py``): ``ApiError``
carries its own status; drr's other errors get the status of their kind (``STATUS``) and
keep their message; anything else is a bug, answered as a 500 in the same shape whose
details go to the server's log, not to the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from extract.errors import DocumentTooLarge, DrrError, ExtractError, ModelError, UnreadableDocument
from workers.store import parse_seq

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


DATABASE_RETRY_AFTER_SECONDS = 10


class ApiError(DrrError):
    """A request the API refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}


# The status of drr's own errors when one reaches the edge; the most specific kind wins.
STATUS: tuple[tuple[type[DrrError], int], ...] = (
    (DocumentTooLarge, 413),
    (UnreadableDocument, 415),
    (ExtractError, 422),
    (ModelError, 503),  # the server's models, not the request: an operator must fix them
)


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorBody(BaseModel):
    """The one error shape, as /openapi.json documents it."""

    error: ErrorDetail


MEANINGS = {
    400: "a bad request: a cursor that was not given, an upload with no file, an empty file",
    401: "no token, or an unknown or revoked one",
    403: "the token's role may not do this",
    404: "no such document, job or record",
    413: "the body is over its limit",
    415: "not a supported register document (told from its bytes)",
    422: "invalid parameters or body",
    500: "internal error: a bug, the server's log says more",
    503: "the database, the queue or the models are unavailable, or too many uploads at "
         "once (see Retry-After)",
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The errors an operation may answer, for its OpenAPI ``responses``: each in the one
    shape. Any operation may answer 500 and 503."""
    return {status: {"model": ErrorBody, "description": MEANINGS[status]}
            for status in sorted({*statuses, 500, 503})}


def page_answers() -> dict[int | str, dict[str, Any]]:
    """``answers`` for an HTML page that reads nothing: only a bug, still in JSON (FastAPI
    would document a model under the page's own media type)."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {500: {"description": MEANINGS[500],
                  "content": {"application/json": {"schema": schema}}}}


def page_cursor(cursor: str | None) -> int:
    """The seq a page's ``cursor`` parameter names (0 for the first page): a cursor this
    store did not print is a 400 saying what to pass."""
    if cursor is None:
        return 0
    try:
        return parse_seq(cursor)
    except ValueError as exc:
        raise ApiError(
            400, "cursor: pass the next_cursor of the previous page as it was given"
        ) from exc


def status_of(exc: DrrError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def error_response(status: int, message: str, code: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"status": status, "code": code or CODES.get(status, "error"),
                      "message": message}}
    extra = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return JSONResponse(body, status_code=status, headers={**extra, **(headers or {})})


def install(app: FastAPI) -> None:
    @app.exception_handler(DrrError)
    async def _drr(_: Request, exc: DrrError) -> JSONResponse:
        if isinstance(exc, ApiError):
            return error_response(exc.status, exc.message, exc.code, exc.headers)
        return error_response(status_of(exc), str(exc))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # Starlette still raises the exception after this answer, so the log has it whole.
        if database_unavailable(exc):  # down, restarting or busy: neither the request nor a bug
            return error_response(503, "the database is unavailable; try again shortly",
                                  headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
        return error_response(500, "internal error: the server's log says more; please "
                              "report it")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, describe(exc.errors(), skip=1))


# What the drivers say when the database cannot be reached or is busy. SQLite reports a
# missing table as an OperationalError too, and that is a bug or a broken store: a 500.
_UNAVAILABLE = ("connection", "could not connect", "server closed", "terminating",
                "database is locked", "unable to open database", "timeout", "timed out")


def database_unavailable(exc: Exception) -> bool:
    if not isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        return False
    said = str(exc.orig).lower()
    return exc.connection_invalidated or any(sign in said for sign in _UNAVAILABLE)


def describe(problems: Sequence[Any], skip: int = 0) -> str:
    """Validation errors as one sentence: ``limit: Input should be ...; cursor: ...``."""
    said = "; ".join(
        f"{'.'.join(str(part) for part in e['loc'][skip:]) or 'request'}: {e['msg']}"
        for e in problems
    )
    return said or "invalid request"
