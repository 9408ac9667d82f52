"""Shared pytest fixtures. The service fixtures (database, Redis, worker) live in
``conftest_service.py``; other groups may add theirs beside it."""

from conftest_service import (  # noqa: F401
    broker,
    database_url,
    expected,
    inputs,
    start_worker,
    store,
)
