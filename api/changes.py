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
from api.errors import ApiError, answers
from workers.diff import agreement_key


def install(app: FastAPI) -> None:
    read = Depends(requires(READ_ROLES, public=app.state.settings.public_read))
    app.add_api_route(
        "/changes",
        list_changes,
        dependencies=[read],
        summary="changes between editions of a register, one per agreement, oldest first",
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
) -> dict[str, Any]:
    store = request.app.state.store
    try:
        found = await run_in_threadpool(store.changes, since, agreement)
        # The reference as a register prints it (DARS-NIC-110660-G9W6M-v2.2, any case)
        # names the agreement too.
        if not found and agreement and agreement_key(agreement) != agreement:
            found = await run_in_threadpool(store.changes, since, agreement_key(agreement))
    except ValueError as exc:
        raise ApiError(400, "since: give an ISO date (2026-12-01) or date and time") from exc
    return {"changes": found}
