"""What changed between editions of a register, over HTTP: ``GET /changes``.

The store keeps a document as an edition of its register when its job finishes, with the
changes since the register's previous edition (``workers.diff``); this reads them back.
Readable by any token, or by anyone with ``DRR_PUBLIC_READ``, as ``/records`` is.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import READ_ROLES, requires
from api.errors import ApiError, answers, page_cursor
from workers.diff import agreement_key

PAGE = 500  # changes a page unless the reader asks for fewer or more
MAX_PAGE = 1000


def install(app: FastAPI) -> None:
    read = Depends(requires(READ_ROLES, public=app.state.settings.public_read))
    app.add_api_route(
        "/changes",
        list_changes,
        dependencies=[read],
        summary="changes between editions of a register, one per agreement, oldest first, a "
        "page at a time",
        responses=answers(400, 401, 403, 422),
    )


async def list_changes(
    request: Request,
    since: str | None = Query(
        None, description="ISO date or date and time (UTC unless it says): changes found then "
                          "or later", max_length=40),
    agreement: str | None = Query(
        None, description="one agreement, as drr diff names it (e.g. NIC-125783-W2W3P) or as "
                          "printed (DARS-NIC-125783-W2W3P-v0.14)",
        max_length=500),
    limit: int = Query(PAGE, ge=1, le=MAX_PAGE, description="changes a page (at most 1000)"),
    cursor: str | None = Query(None, description="next_cursor of the previous page",
                               max_length=40),
) -> dict[str, Any]:
    store = request.app.state.store
    after = page_cursor(cursor)
    try:
        found, last = await run_in_threadpool(store.changes_page, since, agreement, after, limit)
        # The reference as a register prints it (DARS-NIC-110660-G9W6M-v2.2, any case)
        # names the agreement too.
        if not found and agreement and agreement_key(agreement) != agreement:
            found, last = await run_in_threadpool(
                store.changes_page, since, agreement_key(agreement), after, limit
            )
    except ValueError as exc:
        raise ApiError(400, "since: give an ISO date (2026-12-01) or date and time") from exc
    return {"changes": found, "next_cursor": None if last is None else str(last)}

