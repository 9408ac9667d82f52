"""The API and store edge, on SQLite and PostgreSQL: hostile values (NUL characters, long
file names, cursors that were never given) get an answer in the one error shape, never a
500; every 500 that does happen is in that shape too; the HDR UK CSV cannot carry a
spreadsheet formula; uploads at once are bounded.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest_service import (
    HSCIC_HEADERS,
    PAGE,
    ROOT,
    Broker,
    free_port,
    service_env,
    start_drr,
)
from fastapi.testclient import TestClient

from api.app import create_app
from extract.errors import ModelError
from workers.settings import Settings
from workers.store import Store, open_store

pytestmark = pytest.mark.service


def nothing_queued(job_id: str) -> None:
    """Jobs stay queued: these tests are about the edge, not the processing."""


@pytest.fixture
def http(store: Store) -> Iterator[TestClient]:
    app = create_app(Settings(), store, nothing_queued)
    # A 500 must come back as an answer, as it would from uvicorn, not as a raised exception.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {store.create_token('reviewer')}"
        yield test_client


def is_error(answer: httpx.Response, status: int) -> bool:
    body = answer.json()
    return (answer.status_code == status and set(body) == {"error"}
            and set(body["error"]) == {"status", "code", "message"}
            and body["error"]["status"] == status)


# NUL characters and long file names (PostgreSQL refuses NUL in text; filename is varchar(500))


@pytest.mark.parametrize("parameter", ["organisation", "mentions", "organisation_id", "dataset",
                                       "legal_basis", "approval", "agreement", "document", "q"])
def test_a_filter_with_a_nul_character_matches_nothing(http: TestClient, parameter: str) -> None:
    answer = http.get("/records", params={parameter: "NIC\x00OR"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"records": [], "next_cursor": None}
    export = http.get("/records", params={parameter: "\x00"}, headers={"Accept": "text/csv"})
    assert export.status_code == 200, export.text


@pytest.mark.parametrize("path", ["/records/a%00b", "/jobs/a%00", "/documents/a%00",
                                  "/records/a%00/corrections"])
def test_a_path_with_a_nul_character_is_not_found(http: TestClient, path: str) -> None:
    assert is_error(http.get(path), 404)


def test_a_correction_note_with_a_nul_character_is_refused(http: TestClient) -> None:
    answer = http.post("/records/x/purpose", json={"label": "research", "note": "a\x00b"})
    assert is_error(answer, 422)
    assert "note" in answer.json()["error"]["message"]
    assert is_error(http.post("/records/x%00/purpose", json={"label": "research"}), 404)


def test_nul_characters_and_long_names_are_kept_as_a_safe_file_name(store: Store) -> None:
    data = PAGE.read_bytes()
    nul = store.submit(data, "medconfidential\x00.txt")
    assert store.get_job(nul.job_id).filename == "medconfidential\ufffd.txt"  # type: ignore[union-attr]
    long = store.submit(data + b"\n", "r" * 600 + ".csv")
    kept = store.get_job(long.job_id).filename  # type: ignore[union-attr]
    # Still a name a person recognises, and still one whose suffix hints at the format.
    assert len(kept) == 500 and kept.startswith("rrr") and kept.endswith("….csv")
    status = store.document_status(long.document_sha256)
    assert status is not None and status["filename"] == kept


def test_an_upload_with_a_long_file_name_is_accepted(http: TestClient, store: Store) -> None:
    submitter = {"Authorization": f"Bearer {store.create_token('submitter')}"}
    answer = http.post("/documents", headers=submitter,
                       files={"file": ("a" * 700 + ".txt", PAGE.read_bytes())})
    assert answer.status_code == 202, answer.text
    assert len(answer.json()["filename"]) <= 500


# cursors


@pytest.mark.parametrize("cursor", ["²", "١٢", str(2**63), "9" * 4300, "-1", "1.5", " 1"])
def test_a_cursor_that_was_not_given_is_a_400(http: TestClient, cursor: str) -> None:
    assert is_error(http.get("/records", params={"cursor": cursor}), 400)


def test_the_largest_cursor_is_an_empty_last_page(http: TestClient) -> None:
    answer = http.get("/records", params={"cursor": str(2**63 - 1)})
    assert answer.json() == {"records": [], "next_cursor": None}


# every 500 in the one shape


def test_an_unexpected_error_is_a_500_in_the_one_shape(store: Store) -> None:
    app = create_app(Settings(public_read=True), store, nothing_queued)

    def broken() -> None:
        raise RuntimeError("secret detail of a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as anyone:
        answer = anyone.get("/broken")
    assert is_error(answer, 500)
    assert answer.json()["error"]["code"] == "internal_error"
    assert "secret" not in answer.text  # a bug's details are for the log, not the client


def test_drrs_own_errors_reaching_the_edge_keep_their_message(store: Store) -> None:
    app = create_app(Settings(public_read=True), store, nothing_queued)

    def no_model() -> None:
        raise ModelError("no active purpose model under /nonexistent/purpose")

    app.add_api_route("/no-model", no_model)
    with TestClient(app, raise_server_exceptions=False) as anyone:
        answer = anyone.get("/no-model")
    assert is_error(answer, 503)
    assert answer.json()["error"]["message"] == \
        "no active purpose model under /nonexistent/purpose"


def test_a_database_that_is_down_is_a_503_with_retry_after() -> None:
    import sqlalchemy as sa

    from workers.store import Store as StoreClass

    # A real PostgreSQL URL on a port where nothing listens: the store cannot connect.
    gone = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
                            connect_args={"connect_timeout": 2})
    app = create_app(Settings(public_read=True), StoreClass(gone, gone), nothing_queued)
    with TestClient(app, raise_server_exceptions=False) as anyone:
        answer = anyone.get("/records/abc")
    gone.dispose()
    assert is_error(answer, 503), answer.text
    assert int(answer.headers["retry-after"]) >= 1


def test_openapi_documents_every_error_in_the_one_shape(http: TestClient) -> None:
    document = http.get("/openapi.json").json()
    shape = document["components"]["schemas"]["ErrorBody"]
    assert shape["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {code: answer for code, answer in operation["responses"].items()
                      if not code.startswith("2")}
            assert "500" in errors and ("503" in errors or path == "/review"), (method, path)
            for code, answer in errors.items():
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
    assert "404" in document["paths"]["/records/{record_id}"]["get"]["responses"]
    assert "415" in document["paths"]["/documents"]["post"]["responses"]


# formulas in the HDR UK CSV

HOSTILE = {
    "organisation": '=HYPERLINK("http://example.com/x","Click")',
    "purpose": "+cmd|' /C calc'!A0 research into outcomes",
    "legal_basis": "@SUM(1+1)*cmd|' /C calc'!A0",
    "data_type": "-2+3",
}


def hostile_register(tmp_path: Path) -> Path:
    """A CSV edition of a register whose cells are formulas, and a row whose cell starts
    with a tab; the same rows with plain text for comparison."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row ID", *HSCIC_HEADERS.values()])
    plain = {"organisation": "University of Leeds", "data_type": "HES",
             "data_provided": "Pseudonymised", "sensitivity": "Sensitive",
             "legal_basis": "Section 251", "purpose": "Research into cardiac outcomes",
             "frequency": "One off"}
    writer.writerow([1, *({**plain, **HOSTILE}.get(k, "") for k in HSCIC_HEADERS)])
    second = {**plain, "organisation": "\t=1+1 Ltd", "data_type": "-5", "legal_basis": "-"}
    writer.writerow([2, *(second.get(k, "") for k in HSCIC_HEADERS)])
    path = tmp_path / "hostile.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    done = subprocess.run([sys.executable, "-m", "workers.cli", "process",
                           str(hostile_register(folder))], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def assert_no_formula(text: str) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    for row in rows:
        for column, value in row.items():
            assert not value or value[0] not in "=+-@\t\r" or value in ("-5", "-"), (column, value)
    first, second = rows
    assert first["Lead applicant organisation name"] == "'" + HOSTILE["organisation"]
    assert first["Lay summary"] == "'" + HOSTILE["purpose"]
    assert first["Legal basis (as printed)"] == "'" + HOSTILE["legal_basis"]
    assert first["Dataset(s) name"] == "'" + HOSTILE["data_type"]
    # A plain negative number and a lone dash are not formulas to a spreadsheet: as printed.
    assert second["Dataset(s) name"] == "-5"
    assert second["Legal basis (as printed)"] == "-"
    assert second["Lead applicant organisation name"].startswith("'")


def test_drr_hdruk_writes_no_formula(hostile_records: list[dict[str, Any]],
                                     tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in hostile_records), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "workers.cli", "hdruk", "-i", str(source)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert_no_formula(done.stdout)


def test_the_api_csv_writes_no_formula(
    http: TestClient, store: Store, hostile_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    submission = store.submit(hostile_register(tmp_path).read_bytes(), "hostile.csv")
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, submission.document_sha256, "csv", hostile_records)
    answer = http.get("/records", headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    assert_no_formula(answer.text)


# the command line: drr's errors are one line, never a traceback


def test_a_missing_models_folder_is_one_line_and_exit_1() -> None:
    done = subprocess.run([sys.executable, "-m", "workers.cli", "process", str(PAGE)],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**_clean_env(), "DRR_MODELS_DIR": "/nonexistent"})
    assert done.returncode == 1
    assert done.stderr == "drr: no active purpose model under /nonexistent/purpose\n"
    assert done.stdout == ""


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}


# request sizes


def test_a_request_body_over_the_limit_is_a_413(store: Store) -> None:
    reviewer = {"Authorization": f"Bearer {store.create_token('reviewer')}",
                "Content-Type": "application/json"}
    body = json.dumps({"label": "research", "note": "n" * 1500}).encode()

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield body

    app = create_app(Settings(max_request_bytes=1000), store, nothing_queued)
    with TestClient(app, raise_server_exceptions=False) as client:
        for content in (body, chunked()):
            answer = client.post("/records/x/purpose", content=content, headers=reviewer)
            assert is_error(answer, 413), answer.text
        small = client.post("/records/x/purpose", json={"label": "research"}, headers=reviewer)
        assert is_error(small, 404)  # under the limit: read, and the record is not there


# uploads at once


def start_upload(port: int, token: str, size: int) -> socket.socket:
    """Begin a multipart upload and leave it half-sent, holding one upload slot."""
    boundary = "drrbound"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="slow.txt"\r\n\r\n').encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        (f"POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
         f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
         f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n").encode() + head
        + PAGE.read_bytes()[:1000])
    return sock


def test_uploads_beyond_the_bound_are_told_to_retry(tmp_path: Path, broker: Broker) -> None:
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    token = store.create_token("submitter")
    port = free_port()
    env = service_env(url, broker, DRR_MAX_CONCURRENT_UPLOADS=1)
    server = start_drr(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    try:
        server.wait_for("Uvicorn running")
        held = start_upload(port, token, 1000)
        time.sleep(0.5)  # the server has read the head of the held upload
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            refused = client.post("/documents", files={"file": ("b.txt", PAGE.read_bytes())})
            assert is_error(refused, 503), refused.text
            assert int(refused.headers["retry-after"]) >= 1
            held.close()  # the held upload ends (abandoned): its slot is free again
            time.sleep(0.5)
            again = client.post("/documents", files={"file": ("b.txt", PAGE.read_bytes())})
            assert again.status_code == 202, again.text
    finally:
        server.stop()
        store.dispose()
