"""Shared pytest fixtures. The service fixtures (database, Redis, worker) live in
``conftest_service.py``; other groups may add theirs beside it."""

from conftest_service import broker, database_url, start_worker, store  # noqa: F401
