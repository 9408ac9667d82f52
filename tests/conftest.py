"""Shared pytest fixtures. The service fixtures (database, Redis, worker) live in
``conftest_service.py``, the browser in ``conftest_browser.py``; other groups may add theirs
beside them."""

from conftest_browser import browser  # noqa: F401
from conftest_service import (  # noqa: F401
    broker,
    database_url,
    expected,
    inputs,
    start_worker,
    store,
)
