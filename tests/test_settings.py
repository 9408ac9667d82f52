"""Settings: the environment read in one place, every variable in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

from workers.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_document_bounds_come_from_the_environment():
    settings = Settings.from_env(
        {
            "DRR_MAX_DOCUMENT_BYTES": "1000",
            "DRR_MAX_PAGES": "7",
            "DRR_MAX_DOCUMENT_SECONDS": "2.5",
            "DRR_MAX_DOCUMENT_MEMORY": "268435456",
        }
    )
    limits = settings.limits
    assert (limits.max_bytes, limits.max_pages, limits.max_seconds) == (1000, 7, 2.5)
    assert limits.max_memory_bytes == 268435456


def test_every_variable_read_is_in_the_readme_settings_table():
    read = set(re.findall(r'"(DRR_[A-Z_]+)"', (ROOT / "workers" / "settings.py").read_text()))
    rows = re.findall(r"^\| (`DRR_.*?) \|", (ROOT / "README.md").read_text(), re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`(DRR_[A-Z_]+)`", row)}
    assert read and read <= documented, sorted(read - documented)
