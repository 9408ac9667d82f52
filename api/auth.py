"""Bearer tokens with roles: submitters upload, reviewers review, readers read.

Tokens are kept hashed (``workers.store``); any role may read, and reading may be opened
to anyone with ``DRR_PUBLIC_READ``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from api.errors import ApiError
from workers.store import Role, Store

READ_ROLES: frozenset[Role] = frozenset({"reader", "reviewer", "submitter"})
REVIEW_ROLES: frozenset[Role] = frozenset({"reviewer"})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authorize(request: Request, roles: frozenset[Role], public: bool = False) -> None:
    """Let the request through when its token has one of ``roles``; else 401 or 403."""
    if public:
        return
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "this endpoint needs a token: Authorization: Bearer <token>")
    store: Store = request.app.state.store
    info = store.token_info(token)
    if info is None:
        raise ApiError(401, "unknown or revoked token")
    # Who is asking: a reviewer's corrections are kept under the token's name and id.
    request.state.token = info
    role = info.role
    if role not in roles:
        wanted = " or ".join(sorted(roles))
        raise ApiError(403, f"a {role} token cannot do this: it needs a {wanted} token")


def requires(roles: frozenset[Role], public: bool = False) -> Callable[[Request], None]:
    """``authorize`` as a route dependency."""

    def check(request: Request) -> None:
        authorize(request, roles, public)

    return check
