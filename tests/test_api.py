"""The HTTP API: a real ``drr serve`` and a real ``drr worker`` on loopback for the journeys
(upload, follow the job, read the records), the app itself for refusals and permissions.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest_service import (
    PAGE,
    SAMPLE,
    Process,
    big_register_csv,
    free_port,
    new_broker,
    new_database_url,
    service_env,
    start_drr,
    wait_until,
)
from fastapi.testclient import TestClient

from api.app import create_app
from workers.schema import schema_text
from workers.settings import Settings
from workers.store import Store, open_store

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``drr serve`` and one ``drr worker`` on PostgreSQL and Redis, shared by this module."""
    folder = tmp_path_factory.mktemp("service")
    database = new_database_url("postgresql", folder)
    brokers = new_broker()
    url, broker = next(database), next(brokers)
    port = free_port()
    # Six uploads at once in test_concurrent_uploads_and_reads_lose_nothing: none is turned away.
    env = service_env(url, broker, DRR_MAX_UPLOAD_BYTES=2_000_000, DRR_MAX_CONCURRENT_UPLOADS=6)
    store = open_store(url)
    tokens = {role: store.create_token(role) for role in ("submitter", "reader", "reviewer")}
    worker = start_drr(["worker"], env, folder / "worker.log")
    server = start_drr(["serve", "--port", str(port)], env, folder / "serve.log")
    processes: list[Process] = [worker, server]
    try:
        worker.wait_for("ready.")
        server.wait_for("Uvicorn running")
        yield {"base": f"http://127.0.0.1:{port}", "store": store, "tokens": tokens}
    finally:
        for process in processes:
            process.stop()
        store.dispose()
        for generator in (database, brokers):
            generator.close()


def client(service: dict[str, Any], role: str | None = "reader") -> httpx.Client:
    headers = {"Authorization": f"Bearer {service['tokens'][role]}"} if role else {}
    return httpx.Client(base_url=service["base"], headers=headers, timeout=60)


def upload(http: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return http.post("/documents", files={"file": (name, data, "application/octet-stream")})


def finished(http: httpx.Client, job_id: str, timeout: float = 180) -> dict[str, Any]:
    def state() -> dict[str, Any]:
        return http.get(f"/jobs/{job_id}").json()

    wait_until(lambda: state()["state"] in ("done", "failed"), timeout, f"job {job_id}")
    return state()


def all_pages(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        page = http.get("/records", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        out.extend(page.json()["records"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return out


def test_an_upload_is_processed_and_served_as_drr_process_writes_it(
    service: dict[str, Any], expected: Callable[[Path], list[str]]
) -> None:
    with client(service, "submitter") as http:
        answer = upload(http, SAMPLE.name, SAMPLE.read_bytes())
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert answer.headers["location"] == f"/jobs/{body['job_id']}"
        assert finished(http, body["job_id"])["state"] == "done"
        sha = body["document_sha256"]
        assert sha == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
        document = http.get(f"/documents/{sha}").json()
        lines = expected(SAMPLE)
        assert (document["status"], document["record_count"], document["errors"]) == (
            "done", len(lines), [])

        paged = all_pages(http, document=sha, limit=7)
        assert paged == [json.loads(line) for line in lines]
        export = http.get("/records", params={"document": sha},
                          headers={"Accept": "application/x-ndjson"})
        assert export.headers["content-type"].startswith("application/x-ndjson")
        assert export.text == "".join(line + "\n" for line in lines)  # byte for byte
        one = http.get(f"/records/{json.loads(lines[5])['record_id']}")
        assert one.text == lines[5]


def test_filters_agree_with_the_records_they_select(
    service: dict[str, Any], expected: Callable[[Path], list[str]]
) -> None:
    with client(service, "submitter") as http:
        job = upload(http, SAMPLE.name, SAMPLE.read_bytes()).json()
        assert finished(http, job["job_id"])["state"] == "done"
        records = [json.loads(line) for line in expected(SAMPLE)]
        sha = job["document_sha256"]
        org = next(r for r in records if r["entities"]["organisations"])
        dataset = next(r for r in records if r["entities"]["datasets"])["entities"]["datasets"][0]
        checks: list[tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
            ({"purpose": "research"}, lambda r: r["purpose"]["label"] == "research"),
            ({"needs_review": "true"}, lambda r: r["needs_review"]),
            ({"organisation": org["fields"]["organisation"].upper()},
             lambda r: _same(r["fields"]["organisation"], org["fields"]["organisation"])
             or any(_same(o["canonical"], org["fields"]["organisation"])
                    for o in r["entities"]["organisations"] if o["field"] == "organisation")),
            # organisation= and sector= are the recipient's (workers/fields.py)
            ({"sector": org["entities"]["organisations"][0]["sector"]},
             lambda r: any(o["sector"] == org["entities"]["organisations"][0]["sector"]
                           for o in r["entities"]["organisations"]
                           if o["field"] == "organisation")),
            ({"dataset": dataset["canonical"]},
             lambda r: any(d["canonical"] == dataset["canonical"]
                           for d in r["entities"]["datasets"])),
        ]
        for params, wanted in checks:
            got = all_pages(http, document=sha, **params)
            assert got == [r for r in records if wanted(r)], params
            assert got, f"{params} selects nothing: the check proves nothing"


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def test_concurrent_uploads_and_reads_lose_nothing(service: dict[str, Any]) -> None:
    documents = [(f"part-{i}.csv", big_register_csv(1, slice(i * 4, i * 4 + 4))) for i in range(10)]
    with client(service, "submitter") as http:
        with ThreadPoolExecutor(6) as pool:
            uploads = pool.map(lambda doc: upload(http, *doc), [*documents, documents[0]] * 2)
            reads = [pool.submit(http.get, "/records", params={"limit": 50}) for _ in range(30)]
            answers = list(uploads)
        assert [a.status_code for a in answers] == [202] * len(answers)
        assert all(r.result().status_code == 200 for r in reads)
        jobs = {a.json()["document_sha256"]: a.json()["job_id"] for a in answers}
        assert len(jobs) == len(documents)  # resubmissions joined the first job
        assert len({a.json()["job_id"] for a in answers}) == len(documents)
        for sha, job_id in jobs.items():
            assert finished(http, job_id)["state"] == "done"
            got = all_pages(http, document=sha, limit=3)
            assert [r["source"]["row_index"] for r in got] == [0, 1, 2, 3]


def test_bad_uploads_are_refused_with_their_reason(service: dict[str, Any]) -> None:
    with client(service, "submitter") as http:
        too_big = upload(http, "big.txt", SAMPLE.read_bytes() * 60)
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "payload_too_large"
        assert "2,000,000-byte limit" in too_big.json()["error"]["message"]
        text_as_pdf = upload(http, "register.pdf", PAGE.read_bytes())
        assert text_as_pdf.status_code == 415
        assert "not PDF" in text_as_pdf.json()["error"]["message"]
        png = upload(http, "register.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
        assert png.status_code == 415
        assert upload(http, "empty.csv", b"").json()["error"] == {
            "status": 400, "code": "empty_document", "message": "the file is empty"}
        other_zip = io.BytesIO()
        with zipfile.ZipFile(other_zip, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        assert upload(http, "register.xlsx", other_zip.getvalue()).status_code == 415
        raw = http.post("/documents", content=SAMPLE.read_bytes(),
                        headers={"Content-Type": "text/plain"})
        assert raw.status_code == 415
        # Refused documents leave nothing behind; the service goes on.
        assert http.get("/jobs/" + "0" * 32).status_code == 404
        good = upload(http, PAGE.name, PAGE.read_bytes())
        assert good.status_code == 202 and finished(http, good.json()["job_id"])["state"] == "done"


# The app itself, without a server: permissions and the error shape, on both databases.


def refusing_queue(job_id: str) -> None:
    raise AssertionError(f"nothing should have been queued, got {job_id}")


@pytest.fixture
def app_client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), store, refusing_queue)) as test_client:
        yield test_client


def test_every_endpoint_but_schema_docs_and_health_needs_a_token(
    app_client: TestClient, store: Store
) -> None:
    for path in ("/records", "/records/x", "/jobs/x", "/documents/x"):
        answer = app_client.get(path)
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"
    assert app_client.post("/documents").status_code == 401
    for path in ("/schema", "/docs", "/openapi.json", "/health"):
        assert app_client.get(path).status_code == 200, path
    assert app_client.get("/schema").text == schema_text()


def test_roles_decide_what_a_token_may_do(app_client: TestClient, store: Store) -> None:
    reader = {"Authorization": f"Bearer {store.create_token('reader')}"}
    assert app_client.get("/records", headers=reader).json() == {"records": [],
                                                                 "next_cursor": None}
    refused = app_client.post("/documents", headers=reader,
                              files={"file": ("a.txt", PAGE.read_bytes())})
    assert refused.status_code == 403
    assert "needs a submitter token" in refused.json()["error"]["message"]
    [info] = store.list_tokens()
    store.revoke_token(info.id)
    assert app_client.get("/records", headers=reader).status_code == 401
    assert app_client.get("/records", headers={"Authorization": "Bearer nonsense"}).status_code \
        == 401


def test_reading_may_be_opened_to_anyone(store: Store) -> None:
    with TestClient(create_app(Settings(public_read=True), store, refusing_queue)) as anyone:
        assert anyone.get("/records").status_code == 200
        assert anyone.get("/records/nothing").json()["error"]["code"] == "not_found"
        assert anyone.post("/documents").status_code == 401


def test_bad_requests_get_the_one_error_shape(app_client: TestClient, store: Store) -> None:
    reader = {"Authorization": f"Bearer {store.create_token('reader')}"}
    for params, status in (({"purpose": "fun"}, 422), ({"limit": 0}, 422),
                           ({"date_from": "last week"}, 422), ({"cursor": "abc"}, 400),
                           ({"purpos": "research"}, 422)):  # a misspelt filter is not ignored
        answer = app_client.get("/records", params=params, headers=reader)
        assert answer.status_code == status, params
        assert set(answer.json()["error"]) == {"status", "code", "message"}
        assert answer.json()["error"]["status"] == status


def test_an_upload_without_a_length_is_cut_off_at_the_limit(store: Store) -> None:
    """A chunked body announces no size: the limit is enforced while it arrives."""
    submitter = {"Authorization": f"Bearer {store.create_token('submitter')}",
                 "Content-Type": "multipart/form-data; boundary=drrboundary"}
    def body() -> Iterator[bytes]:
        yield (b'--drrboundary\r\nContent-Disposition: form-data; name="file"; '
               b'filename="big.txt"\r\n\r\n')
        for _ in range(200):  # 200 x 64 KiB: far over the 1 MB limit
            yield b"x" * 65536
        yield b"\r\n--drrboundary--\r\n"

    settings = Settings(max_upload_bytes=1_000_000)
    with TestClient(create_app(settings, store, refusing_queue)) as test_client:
        answer = test_client.post("/documents", content=body(), headers=submitter)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert store.list_jobs() == []


def test_without_a_broker_the_api_processes_uploads_itself(
    tmp_path: Path, expected: Callable[[Path], list[str]]
) -> None:
    """The embedded default: ``drr serve`` alone, SQLite, jobs run on a thread of the API."""
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    token = store.create_token("submitter")
    port = free_port()
    server = start_drr(["serve", "--port", str(port)], service_env(url, None),
                       tmp_path / "serve.log")
    try:
        server.wait_for("Uvicorn running")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            answer = upload(http, PAGE.name, PAGE.read_bytes())
            assert answer.status_code == 202, answer.text
            assert finished(http, answer.json()["job_id"])["state"] == "done"
            export = http.get("/records", headers={"Accept": "application/x-ndjson"})
            assert export.text == "".join(line + "\n" for line in expected(PAGE))
    finally:
        server.stop()
        store.dispose()
