"""One test per fuzz finding: the smallest input found, committed beside this file, and
what drr must do with it (read it, or refuse it with a DrrError of one line, promptly).

Findings in code another engineer owns are marked ``xfail(strict=True)`` with the finding
in the reason, so the test turns red the day the fix lands and the mark must go.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from extract import read_document

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent.parent / "benchmarks" / "fuzz_readers.py"


def _harness() -> ModuleType:
    if "fuzz_readers" in sys.modules:
        return sys.modules["fuzz_readers"]
    spec = importlib.util.spec_from_file_location("fuzz_readers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_readers"] = module
    spec.loader.exec_module(module)
    return module


def outcome(name: str, alarm: float = 3.0) -> Any:
    """How reading the committed input ends, under the harness's CPU alarm."""
    return _harness().run_one((HERE / name).read_bytes(), name, alarm=alarm)


def assert_refused_in_one_line(name: str) -> str:
    ended = outcome(name)
    assert ended.kind == "refused", f"{ended.kind}: {ended.detail} at {ended.where}"
    assert "\n" not in ended.detail and len(ended.detail) < 400
    return str(ended.detail)


# --- readers ------------------------------------------------------------------------------------


def test_xlsx_row_that_jumps_to_row_99999999999_is_read_at_once() -> None:
    """Finding (xlsx, hang): read-only openpyxl yields an empty row for every row number a
    ``<row r=...>`` skips; one row numbered 99999999999 kept the reader busy for 10^11
    iterations (the fuzzer's alarm stopped it after 5 s of CPU). Fixed in extract/sheets.py:
    rows are taken from the sheet's parser with their own numbers."""
    ended = outcome("xlsx-row-number-jump.xlsx")
    assert ended.kind == "ok", f"{ended.kind}: {ended.detail} at {ended.where}"
    data = (HERE / "xlsx-row-number-jump.xlsx").read_bytes()
    records = read_document(data, "xlsx-row-number-jump.xlsx").records
    assert [r.source.cells["organisation"].lines for r in records] == [
        (2, 2), (99999999999, 99999999999)]


# --- the HTTP API -------------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """The app on a fresh PostgreSQL schema, and its store (to make tokens)."""
    from conftest_service import new_database_url

    from api.app import create_app
    from workers.settings import Settings
    from workers.store import open_store

    database = new_database_url("postgresql", tmp_path)
    store = open_store(next(database))
    try:
        app = create_app(Settings(), store, lambda job_id: None)
        yield TestClient(app, raise_server_exceptions=False), store
    finally:
        store.dispose()
        database.close()  # type: ignore[attr-defined]


@pytest.mark.service
def test_an_unknown_record_is_a_documented_404(api: tuple[TestClient, Any]) -> None:
    client, store = api
    token = store.create_token("reader")
    answer = client.get("/records/no-such-record", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    assert set(answer.json()["error"]) == {"status", "code", "message"}  # the shape holds
    documented = client.get("/openapi.json").json()["paths"]["/records/{record_id}"]["get"]
    assert "404" in documented["responses"]


ZIP_VERSION = "zip-version-14.8.xlsx"  # one member; its central entry needs "version 14.8"


def test_xlsx_reader_refuses_a_zip_needing_version_14_8() -> None:
    """Finding (zip, crash): zipfile raises NotImplementedError for a member whose "version
    needed to extract" is past 6.3; guard_zip caught only BadZipFile, OSError, ValueError.
    Fixed in extract/sheets.py."""
    from extract import Limits
    from extract.errors import UnreadableDocument
    from extract.sheets import read_xlsx

    with pytest.raises(UnreadableDocument, match="damaged zip archive: zip file version 14.8"):
        read_xlsx((HERE / ZIP_VERSION).read_bytes(), Limits())


def test_format_detection_refuses_a_zip_needing_version_14_8() -> None:
    """Finding: zipfile raises NotImplementedError('zip file version 14.8') for a member
    needing a newer zip version, which format detection did not catch (drr extract crashed,
    POST /documents answered 500); now a damaged zip archive."""
    assert "damaged zip" in assert_refused_in_one_line(ZIP_VERSION)


@pytest.mark.service
def test_uploading_a_zip_needing_version_14_8_is_a_415(api: tuple[TestClient, Any]) -> None:
    client, store = api
    answer = client.post(
        "/documents", headers={"Authorization": f"Bearer {store.create_token('submitter')}"},
        files={"file": ("register.xlsx", (HERE / ZIP_VERSION).read_bytes())})
    assert answer.json()["error"]["status"] == answer.status_code  # the shape holds even so
    assert answer.status_code == 415


def test_pdf_page_tree_with_a_number_among_its_kids_is_refused() -> None:
    """Masked crash (pdf, PDF object mutation; not a finding, since drr refuses it with a
    DrrError): a number among /Kids makes pdfminer.six raise AttributeError in
    create_pages, which extract/pdf/pages.py does not catch; the bounded child turns it into
    'the reader failed on this document (AttributeError) ... please report it'. Kept so the
    PDF reader's owner can give it the page tree's own reason; it must stay a refusal."""
    said = assert_refused_in_one_line("pdf-page-tree-kid-is-a-number.pdf")
    assert said.startswith("UnreadableDocument")


def test_text_dump_row_id_in_superscript_digits_is_no_row_id() -> None:
    """Finding (text dump, crash; atheris on text and workbooks): a line opening '¹02' passed
    str.isdigit(), which superscripts satisfy, then int() raised ValueError. The 60 first
    lines of corpora/textdumps/generated-01.txt with row id 102 printed '¹02'. Fixed in
    extract/textdump.py: row ids are ASCII digits."""
    ended = outcome("textdump-superscript-row-id.txt")
    assert ended.kind == "ok", f"{ended.kind}: {ended.detail} at {ended.where}"
    data = (HERE / "textdump-superscript-row-id.txt").read_bytes()
    records = read_document(data, "textdump-superscript-row-id.txt").records
    assert [r.fields.row_id for r in records] == ["101", "103", "104"]
    assert "row ids jump from 101 to 103: a row may be missing" in records[0].warnings


def _raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.service
@pytest.mark.xfail(strict=True, reason=(
    "finding (drr serve / api/, its owner to fix): a request line or header uvicorn cannot "
    "parse (a NUL or a space in the target, a Content-Length of '¹') is answered by uvicorn "
    "itself, 400 text/plain 'Invalid HTTP request received.', not the JSON error shape"))
def test_a_malformed_http_request_gets_a_400_in_the_json_error_shape(tmp_path: Path) -> None:
    from conftest_service import free_port, service_env, start_drr

    port = free_port()
    env = service_env(f"sqlite:///{tmp_path / 'drr.sqlite'}", None)
    server = start_drr(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    try:
        server.wait_for("Uvicorn running")
        answer = _raw_request(port, b"GET /records?limit=\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
    finally:
        server.stop()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["status"] == 400
