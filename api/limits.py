"""Bounds on what requests may cost the API process: uploads at once, and body sizes.

An upload is read and stored whole (the store keeps a document's bytes in one row), so an
upload costs about its own size in memory while it is stored. ``UploadSlots`` lets at most
``DRR_MAX_CONCURRENT_UPLOADS`` run at once in a process; one more is answered ``503`` with
``Retry-After`` before its body is read. ``BodyLimit`` refuses the body of any other request
over ``DRR_MAX_REQUEST_BYTES`` with ``413`` (uploads have their own limit,
``DRR_MAX_UPLOAD_BYTES``, enforced as they arrive in ``api/app.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_response

RETRY_AFTER_SECONDS = 5  # an upload of 100 MB into a local store takes a few seconds


class UploadSlots:
    """At most ``limit`` uploads at once. Used only on the event loop, so a plain counter
    is enough: nothing else runs between the check and the increment."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        if self.busy >= self.limit:
            raise ApiError(
                503,
                f"{self.limit} uploads are already being received by this "
                f"server; send this one again in {RETRY_AFTER_SECONDS} seconds",
                "busy",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1


def too_large(limit: int) -> str:
    return f"the request body is over the {limit:,}-byte limit"


class LimitedBody:
    """A ``receive`` that counts body bytes as they arrive and stops at the limit, before
    buffering more; ``reason`` says what was too large (by default, the request body)."""

    def __init__(self, receive: Receive, limit: int, reason: str | None = None) -> None:
        self.receive = receive
        self.limit = limit
        self.reason = reason or too_large(limit)
        self.seen = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        self.seen += len(message.get("body", b""))
        if self.seen > self.limit:
            # An HTTPException, not an ApiError: FastAPI turns anything else raised while
            # it reads a body into a 400 "error parsing the body".
            raise HTTPException(413, self.reason)
        return message


class BodyLimit:
    """ASGI middleware: every request body but an upload's is at most ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int, exempt: tuple[str, str]) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt  # (method, path) of the upload, which has its own limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) == self.exempt:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await error_response(413, too_large(self.limit))(scope, receive, send)
            return
        await self.app(scope, LimitedBody(receive, self.limit), send)
