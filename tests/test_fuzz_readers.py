"""The reader fuzz harness, bounded to run in the suite (the long campaign is
``benchmarks/fuzz_readers.py --seconds N``).

Hypothesis draws a committed corpus document and a short list of mutations (byte-level,
or by structure: a PDF stream inflated, changed and deflated again; a workbook's XML
member changed inside its zip; a CSV's or text dump's lines) and reads the result with
``read_document``. Any exception but ``DrrError``, a hang or a memory blow-up fails the
test, and Hypothesis shrinks the mutation list to the fewest steps that show it.
Derandomised: the suite explores the same inputs on every run, the campaign explores more.
"""

from __future__ import annotations

import importlib.util
import io
import json
import random
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

from extract import read_document
from extract.errors import UnknownLayout

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "fuzz_readers.py"


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_readers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_readers"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fz = _load_harness()
SEEDS = fz.corpus_seeds()
MUTATORS: dict[str, Callable[..., bytes]] = {
    "structure": lambda data, rng, others: fz.structured_mutator(data)(data, rng, others),
    **{m.__name__: m for m in fz.BYTE_MUTATORS},
}


def of_family(family: str) -> list[object]:
    return [s for s in SEEDS if fz.family(s.data) == family]


TEXT, WORKBOOKS, PDFS = of_family("text"), of_family("zip"), of_family("pdf")


Plan = tuple[int, list[tuple[str, int]]]


def plans(seeds: list[object]) -> st.SearchStrategy[Plan]:
    """A seed's index and up to four (mutation, random seed) steps: a small value for
    Hypothesis to shrink and to print, where the document itself runs to kilobytes."""
    steps = st.lists(st.tuples(st.sampled_from(sorted(MUTATORS)), st.integers(0, 2**32)),
                     min_size=1, max_size=4)
    return st.tuples(st.integers(0, len(seeds) - 1), steps)


def build(seeds: list[object], plan: Plan) -> tuple[str, bytes]:
    index, steps = plan
    seed = seeds[index]
    data = seed.data  # type: ignore[attr-defined]
    others = [s.data for s in seeds]  # type: ignore[attr-defined]
    for name, number in steps:
        data = MUTATORS[name](data, random.Random(number), others)
    return seed.name, data  # type: ignore[attr-defined]


def assert_clean(name: str, data: bytes) -> None:
    outcome = fz.run_one(data, name, alarm=5.0, memory_mb=768)
    assert outcome.kind in ("ok", "refused"), (
        f"{outcome.kind} on {name} ({len(data)} bytes): {outcome.detail} at {outcome.where}\n"
        f"{outcome.trace}"
    )


FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


# --- the fuzzing itself ------------------------------------------------------------------------


@settings(FUZZ, max_examples=400)
@given(plans(TEXT))
def test_text_readers_fail_cleanly(plan: Plan) -> None:
    """CSV, text dumps and reformatted pages."""
    assert_clean(*build(TEXT, plan))


@settings(FUZZ, max_examples=100)
@given(plans(WORKBOOKS))
def test_workbook_readers_fail_cleanly(plan: Plan) -> None:
    assert_clean(*build(WORKBOOKS, plan))


@settings(FUZZ, max_examples=40)
@given(plans(PDFS))
def test_pdf_reader_fails_cleanly(plan: Plan) -> None:
    assert_clean(*build(PDFS, plan))


@settings(FUZZ, max_examples=300)
@given(st.binary(max_size=2048), st.sampled_from(fz.NAMES))
def test_format_detection_fails_cleanly_on_any_bytes(data: bytes, name: str) -> None:
    assert_clean(name, data)


# --- the harness can tell a finding when it sees one -------------------------------------------


def test_an_exception_that_is_not_drr_error_is_a_crash() -> None:
    def broken(data: bytes, name: str) -> object:
        return dict[str, str]()["missing"]

    outcome = fz.run_one(b"x", "x.txt", read=broken)
    assert outcome.kind == "crash"
    assert outcome.detail.startswith("KeyError")
    assert "broken" in outcome.trace


def test_drr_error_is_a_clean_refusal() -> None:
    def refuses(data: bytes, name: str) -> object:
        raise UnknownLayout("no register header")

    assert fz.run_one(b"x", "x.txt", read=refuses) == fz.Outcome(
        "refused", "UnknownLayout: no register header")


def test_a_reader_that_spins_is_a_hang_even_if_it_catches_exceptions() -> None:
    def spins(data: bytes, name: str) -> object:
        while True:
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001, S112 - the alarm must get through this
                continue

    started = time.monotonic()
    outcome = fz.run_one(b"x", "x.txt", alarm=0.3, read=spins)
    assert outcome.kind == "hang"
    assert time.monotonic() - started < 5


def test_a_slow_clean_refusal_is_still_a_hang() -> None:
    def sleeps(data: bytes, name: str) -> object:
        time.sleep(0.6)  # wall time: a child process's reading costs the parent no CPU
        raise UnknownLayout("too late")

    outcome = fz.run_one(b"x", "x.txt", alarm=0.3, read=sleeps)
    assert outcome.kind == "hang"
    assert "UnknownLayout" in outcome.detail


def test_growing_past_the_memory_bound_is_a_finding() -> None:
    def balloons(data: bytes, name: str) -> object:
        return len(b"\x01" * (400 << 20))

    assert fz.run_one(b"x", "x.txt", memory_mb=100, read=balloons).kind == "memory"


# --- the structure-aware mutations keep documents readable ------------------------------------


def pdf_pages(data: bytes) -> int:
    document = PDFDocument(PDFParser(io.BytesIO(data)), fallback=False)
    return sum(1 for _ in PDFPage.create_pages(document))


def test_first_page_seed_is_a_one_page_pdf_with_a_valid_xref() -> None:
    original = (ROOT / "corpora/pdfs/hscic-ruled.pdf").read_bytes()
    assert pdf_pages(original) == 3
    assert pdf_pages(fz.first_page_only(original)) == 1


def test_a_rewritten_pdf_stream_gets_an_xref_pdfminer_can_use() -> None:
    """Each stream deflated again and one operation added: the rebuilt xref finds every object
    by its new offset (no fallback), and the register reads exactly as before."""
    original = (ROOT / "corpora/pdfs/hscic-ruled.pdf").read_bytes()
    expected = read_document(original, "r.pdf").records
    pages = [m for m in fz._STREAM.finditer(original) if b"BT" in zlib.decompress(m.group(1))]
    assert len(pages) == 3
    for match in pages:
        touched = zlib.decompress(match.group(1)) + b"\nq Q\n"
        rebuilt = fz.rebuild_xref(fz.replace_stream(original, match, touched))
        assert pdf_pages(rebuilt) == 3
        assert [r.fields for r in read_document(rebuilt, "r.pdf").records] == [
            r.fields for r in expected]


def test_a_zip_member_mutation_is_still_a_workbook_with_the_same_members() -> None:
    original = (ROOT / "corpora/sheets/phe-odr-2017-2020-cut.ods").read_bytes()
    names = zipfile.ZipFile(io.BytesIO(original)).namelist()
    changed = [fz.mutate_zip_member(original, random.Random(n)) for n in range(20)]
    kept = [zipfile.ZipFile(io.BytesIO(c)).namelist() for c in changed]
    assert sum(k == names for k in kept) >= 15  # a member is dropped one time in twenty
    assert sum(c != original for c in changed) >= 19


def test_inputs_carry_their_name() -> None:
    seed = fz.Seed("register.csv", b"a,b\n1,2\n")
    assert fz.decode_input(fz.encode_input(seed)) == ("register.csv", b"a,b\n1,2\n")


# --- the long-run script, briefly -------------------------------------------------------------


@pytest.mark.parametrize("engine", ["random", "atheris"])
def test_the_campaign_script_counts_executions(engine: str, tmp_path: Path) -> None:
    if engine == "atheris":
        pytest.importorskip("atheris")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--engine", engine, "--seconds", "4", "--family", "text",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["executions"] >= 35  # every seed at least once
    assert stats["executions_per_second"] > 0
    assert set(stats["outcomes"]) <= {"ok", "refused", "crash", "hang", "memory"}
