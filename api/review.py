"""The review stage over HTTP: the queue of records the model is least sure of, reviewers'
purpose corrections with their audit trail, and the review page that uses both.

Reading the queue and the trail needs a token of any role, even with ``DRR_PUBLIC_READ``
(the trail names reviewers); correcting needs a ``reviewer`` token, whose name and id are
kept with the correction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import READ_ROLES, REVIEW_ROLES, requires
from api.errors import ApiError, answers, page_answers
from workers.store import QueueCursor, ReviewGroup, Store

PAGE = Path(__file__).resolve().parent / "static" / "review.html"


class PurposeCorrection(BaseModel):
    """A reviewer's purpose label for one record, with an optional note saying why."""

    model_config = ConfigDict(extra="forbid")

    label: Literal["commercial", "research", "commissioning"]
    note: str | None = Field(None, max_length=2000)

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, note: str | None) -> str | None:
        """A note of spaces says nothing: kept as no note, the trail and export stay clean."""
        if note and "\x00" in note:  # PostgreSQL cannot keep it; no person typed it
            raise ValueError("a note cannot contain a NUL character")
        return (note or "").strip() or None


def install(app: FastAPI) -> None:
    read = Depends(requires(READ_ROLES))
    review = Depends(requires(REVIEW_ROLES))
    app.add_api_route("/review", review_page, response_class=HTMLResponse,
                      summary="the review page (asks for a reviewer token)",
                      responses=page_answers())
    app.add_api_route("/review/queue", review_queue, dependencies=[read],
                      summary="records that need review, least confident first",
                      responses=answers(400, 401, 403, 422))
    app.add_api_route("/review/groups", review_groups, dependencies=[read],
                      summary="the queue as one item per purpose statement and recipient, "
                      "least confident first", responses=answers(400, 401, 403, 422))
    app.add_api_route("/review/groups/{key}/purpose", correct_group, methods=["POST"],
                      dependencies=[review], summary="a reviewer's purpose label for every "
                      "queued row of one statement", responses=answers(400, 401, 403, 404, 413, 422))
    app.add_api_route("/records/{record_id}/purpose", correct_purpose, methods=["POST"],
                      dependencies=[review], summary="a reviewer's purpose label for a record",
                      responses=answers(400, 401, 403, 404, 413, 422))
    app.add_api_route("/records/{record_id}/corrections", record_corrections,
                      dependencies=[read], summary="a record's corrections, oldest first",
                      responses=answers(401, 403, 404, 422))


def review_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


def review_queue(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
) -> Response:
    store: Store = request.app.state.store
    page = store.review_queue(_queue_cursor(cursor), limit)
    next_cursor = f'"{page[-1][0]}"' if len(page) == limit else "null"
    body = '{"records":[' + ",".join(b for _, b in page) + f'],"next_cursor":{next_cursor}}}'
    return Response(body, media_type="application/json")


def review_groups(
    request: Request,
    limit: int = Query(25, ge=1, le=200),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
) -> Response:
    """One item per purpose statement and recipient, with its rows, the documents they are
    in, one record (the least confident row) and the queue's totals."""
    store: Store = request.app.state.store
    groups = store.review_groups(_queue_cursor(cursor), limit)
    records, statements = store.review_totals()
    body = {
        "groups": [_group_json(group) for group in groups],
        "next_cursor": str(groups[-1].cursor) if len(groups) == limit else None,
        "total_records": records,
        "total_groups": statements,
    }
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


def _group_json(group: ReviewGroup) -> dict[str, Any]:
    return {"key": group.key, "size": len(group.record_ids), "record_ids": group.record_ids,
            "documents": group.documents, "record": json.loads(group.body)}


def correct_group(key: str, correction: PurposeCorrection, request: Request) -> dict[str, Any]:
    """The label for every queued row of the statement; each row's correction is kept in
    its own audit trail, as a correction of that row alone would be."""
    store: Store = request.app.state.store
    token = request.state.token
    corrected = [record_id for record_id in store.group_record_ids(key)
                 if store.correct_purpose(record_id, correction.label, reviewer=token.name,
                                          token_id=token.id, note=correction.note) is not None]
    if not corrected:
        raise ApiError(404, f"no record of review group {key} is waiting for review")
    return {"key": key, "label": correction.label, "corrected": corrected}


def _queue_cursor(cursor: str | None) -> QueueCursor | None:
    if cursor is None:
        return None
    try:
        return QueueCursor.parse(cursor)
    except ValueError as exc:
        raise ApiError(400, "cursor: pass the next_cursor of the previous page as it was "
                       "given") from exc


def correct_purpose(record_id: str, correction: PurposeCorrection, request: Request) -> Response:
    store: Store = request.app.state.store
    token = request.state.token
    body = store.correct_purpose(record_id, correction.label, reviewer=token.name,
                                 token_id=token.id, note=correction.note)
    if body is None:
        raise ApiError(404, f"no record {record_id}")
    return Response(body, media_type="application/json")


def record_corrections(record_id: str, request: Request) -> dict[str, Any]:
    store: Store = request.app.state.store
    trail = store.corrections_of(record_id)
    if not trail and store.get_record(record_id) is None:
        raise ApiError(404, f"no record {record_id}")
    return {"record_id": record_id, "corrections": [c.as_dict() for c in trail]}
