"""A PDF is read whole in one bounded child: ``run_bounded`` called in a child runs there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extract import errors, read_rows
from extract.isolate import run_bounded
from extract.limits import Limits
from extract.pdf import read_pdf

MEMORY = 1 << 30
PDF = Path(__file__).resolve().parent.parent / "corpora" / "pdfs" / "hscic-ruled.pdf"


def test_a_nested_call_runs_in_the_child_that_made_it() -> None:
    outer, inner = run_bounded(lambda: (os.getpid(), run_bounded(os.getpid, 30, MEMORY)), 30, MEMORY)
    assert outer == inner != os.getpid()


def test_a_nested_calls_error_reaches_the_parent_as_its_own_class() -> None:
    def fail() -> None:
        raise errors.EmptyRegister("no rows under the header")

    with pytest.raises(errors.EmptyRegister, match="no rows under the header"):
        run_bounded(lambda: run_bounded(fail, 30, MEMORY), 30, MEMORY)


def test_the_outer_time_bound_holds_for_nested_work() -> None:
    start = time.monotonic()
    with pytest.raises(errors.DocumentTooLarge, match="took over the 0.5-second limit"):
        run_bounded(lambda: run_bounded(lambda: time.sleep(30), 60, MEMORY), 0.5, MEMORY)
    assert time.monotonic() - start < 20  # killed at the outer bound, not after the sleep


def test_rows_read_in_the_child_are_the_rows_read_here() -> None:
    data = PDF.read_bytes()
    fmt, rows = read_rows(data, PDF.name, Limits())
    assert fmt == "pdf"
    assert rows == read_pdf(data, Limits())
    assert len(rows) > 10


def test_pdfminer_reads_pages_without_importing_charset_normalizer() -> None:
    code = (
        "import sys, extract.pdf.pages, pdfminer.utils as u;"
        "print('charset_normalizer' in sys.modules);"
        "print(u.make_compat_str('caf\\u00e9 au lait, du texte'.encode()));"
        "print('charset_normalizer' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PDF.parents[2]).stdout.split("\n")
    assert out[:3] == ["False", "caf\u00e9 au lait, du texte", "True"]
