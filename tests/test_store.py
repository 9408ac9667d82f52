"""The store, against SQLite and the real PostgreSQL: content addressing, job states and the
delivery counter, idempotent record upserts, indexed filters, stable pages, hashed tokens.

Records here are written by hand in the contract's shape: these tests are about what the
store does with records, whatever produced them (the queue tests use the real pipeline).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest_service import new_database_url

from workers.store import (
    RecordFilter,
    Store,
    kept_by_migrations_only,
    metadata,
    open_store,
    parse_date,
    record_date,
)

pytestmark = pytest.mark.service


def record(sha: str, row: int, organisation: str = "NICOR", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "record_id": hashlib.sha256(f"{sha}:{row}".encode()).hexdigest()[:20],
        "source": {"document_sha256": sha, "filename": "r.txt", "format": "text",
                   "layout": "hscic-2014", "pages": [], "row_index": row, "cells": {}},
        "fields": {"row_id": str(row + 1), "organisation": organisation,
                   "date_released": "02/01/2014"},
        "normalised": {"data_provided": None, "sensitivity": None, "frequency": None},
        "entities": {
            "organisations": [{"text": organisation, "canonical": f"{organisation} Ltd",
                               "sector": "commercial", "field": "organisation",
                               "start": 0, "end": len(organisation)}],
            "approval_references": [{"text": "CAG 2-03(a)/2013", "scheme": "CAG",
                                     "canonical": "CAG 2-03(a)/2013", "field": "legal_basis",
                                     "start": 0, "end": 16}],
            "datasets": [{"text": "HES", "canonical": "Hospital Episode Statistics",
                          "field": "data_type", "start": 0, "end": 3}],
        },
        "purpose": {"label": "research", "scores": {"commercial": 0.1, "research": 0.8,
                                                    "commissioning": 0.1},
                    "model": "test", "needs_review": False, "source": "model"},
        "warnings": [],
        "needs_review": False,
    }
    body.update(over)
    return body


def processed(store: Store, data: bytes, rows: list[dict[str, Any]] | None = None) -> str:
    """Submit a document and finish its job with ``rows`` (default: three records)."""
    submission = store.submit(data, "r.txt")
    sha = submission.document_sha256
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, sha, "text",
                     rows if rows is not None else [record(sha, i) for i in range(3)])
    return sha


def test_migrations_build_exactly_the_tables_the_code_uses(store: Store) -> None:
    with store.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": kept_by_migrations_only})
        diff = compare_metadata(context, metadata)
    assert diff == []


def _open_in_child(url: str) -> None:
    open_store(url).dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_many_processes_may_migrate_a_new_database_at_once(kind: str, tmp_path: Path) -> None:
    for url in new_database_url(kind, tmp_path):
        context = multiprocessing.get_context("spawn")
        children = [context.Process(target=_open_in_child, args=(url,)) for _ in range(3)]
        for child in children:
            child.start()
        for child in children:
            child.join(60)
        assert [child.exitcode for child in children] == [0, 0, 0]
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM alembic_version")) == 1
        engine.dispose()


def test_a_document_is_kept_once_by_its_sha256(store: Store) -> None:
    data = b"1 Monitor\n\nHES\n"
    sha = store.put_document(data, "first.txt")
    assert store.put_document(data, "second-name.txt") == sha == hashlib.sha256(data).hexdigest()
    assert store.document_content(sha) == data
    with store.reader.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM documents")) == 1


def test_submitting_a_document_again_joins_its_job(store: Store) -> None:
    first = store.submit(b"same bytes", "a.txt")
    again = store.submit(b"same bytes", "b.txt")
    assert first.new_job and not again.new_job
    assert again.job_id == first.job_id
    assert [job.id for job in store.list_jobs()] == [first.job_id]


def test_concurrent_submissions_of_one_document_make_one_job(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        submissions = list(pool.map(lambda i: store.submit(b"raced bytes", f"{i}.txt"), range(16)))
    assert len({s.job_id for s in submissions}) == 1
    assert sum(s.new_job for s in submissions) == 1
    assert len(store.list_jobs()) == 1


def test_a_failed_document_may_be_submitted_again_and_a_done_one_only_on_request(
    store: Store,
) -> None:
    failed = store.submit(b"broken", "x.pdf")
    store.start_delivery(failed.job_id)
    store.fail_job(failed.job_id, "a damaged PDF")
    retry = store.submit(b"broken", "x.pdf")
    assert retry.new_job and retry.job_id != failed.job_id
    status = store.document_status(retry.document_sha256)
    assert status is not None and status["status"] == "queued"
    assert status["errors"] == ["a damaged PDF"]

    sha = processed(store, b"fine")
    done_job = store.document_status(sha)["jobs"][0]["id"]  # type: ignore[index]
    assert store.submit(b"fine", "f.txt").job_id == done_job
    reprocess = store.submit(b"fine", "f.txt", again=True)
    assert reprocess.new_job and reprocess.job_id != done_job


def test_each_delivery_is_counted_once_even_when_they_race(store: Store) -> None:
    job_id = store.submit(b"counted", "c.txt").job_id
    with ThreadPoolExecutor(6) as pool:
        counts = list(pool.map(lambda _: store.start_delivery(job_id), range(6)))
    assert sorted(d.deliveries for d in counts if d) == [1, 2, 3, 4, 5, 6]
    job = store.get_job(job_id)
    assert job is not None and job.state == "running" and job.deliveries == 6


def test_a_finished_job_is_not_started_again(store: Store) -> None:
    sha = processed(store, b"finished")
    job_id = store.document_status(sha)["jobs"][0]["id"]  # type: ignore[index]
    assert store.start_delivery(job_id) is None
    store.fail_job(job_id, "late failure of a duplicate delivery")
    job = store.get_job(job_id)
    assert job is not None and job.state == "done" and job.record_count == 3


def test_reprocessing_replaces_records_without_duplicates(store: Store) -> None:
    sha = processed(store, b"doc")
    first = store.page_records(RecordFilter(document=sha))
    again = store.submit(b"doc", "r.txt", again=True)
    store.start_delivery(again.job_id)
    renamed = [record(sha, i, organisation="Acme") for i in range(2)]
    store.finish_job(again.job_id, sha, "text", renamed)
    second = store.page_records(RecordFilter(document=sha))
    assert [seq for seq, _ in second] == [seq for seq, _ in first[:2]]  # same rows, same order
    assert store.record_count(sha) == 2
    assert store.page_records(RecordFilter(organisation="NICOR")) == []
    assert len(store.page_records(RecordFilter(organisation="acme ltd"))) == 2


def test_record_bodies_are_kept_as_the_pipeline_wrote_them(store: Store) -> None:
    sha = hashlib.sha256(b"unicode").hexdigest()
    rows = [record(sha, 0, organisation="Ysbyty Gwynedd – Bangor")]
    processed(store, b"unicode", rows)
    body = store.get_record(rows[0]["record_id"])
    from workers.io import dumps

    assert body == dumps(rows[0])


def test_filters_use_the_indexed_values(store: Store) -> None:
    sha_a = hashlib.sha256(b"a").hexdigest()
    sha_b = hashlib.sha256(b"b").hexdigest()
    review = {**record(sha_a, 1)["purpose"], "label": "commercial", "needs_review": True}
    processed(store, b"a", [
        record(sha_a, 0),
        record(sha_a, 1, organisation="IMS Health", purpose=review, needs_review=True,
               fields={"organisation": "IMS Health", "date_released": "2015-06-30"}),
    ])
    processed(store, b"b", [record(sha_b, 0, organisation="Monitor",
                                    fields={"organisation": "Monitor"})])

    def ids(**where: Any) -> list[str]:
        return [json.loads(b)["fields"]["organisation"]
                for _, b in store.page_records(RecordFilter(**where))]

    assert ids(organisation="ims health") == ["IMS Health"]
    assert ids(organisation="IMS Health Ltd") == ["IMS Health"]
    assert ids(sector="commercial") == ["NICOR", "IMS Health", "Monitor"]
    assert ids(purpose="commercial") == ["IMS Health"]
    assert ids(needs_review=True) == ["IMS Health"]
    assert ids(needs_review=False) == ["NICOR", "Monitor"]
    assert ids(dataset="hospital episode statistics", document=sha_b) == ["Monitor"]
    assert ids(approval="CAG 2-03(a)/2013", purpose="research") == ["NICOR", "Monitor"]
    assert ids(date_from="2015-01-01") == ["IMS Health"]
    assert ids(date_to="2014-12-31") == ["NICOR"]
    assert ids(organisation="nobody") == []


def test_pages_are_stable_while_records_are_rewritten(store: Store) -> None:
    sha = hashlib.sha256(b"many").hexdigest()
    rows = [record(sha, i) for i in range(25)]
    processed(store, b"many", rows)
    pages, after = [], 0
    while page := store.page_records(RecordFilter(), after, limit=10):
        pages.append(page)
        after = page[-1][0]
        job = store.submit(b"many", "r.txt", again=True)  # a re-run between two pages
        store.start_delivery(job.job_id)
        store.finish_job(job.job_id, sha, "text", rows)
    seen = [body for page in pages for _, body in page]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert seen == [body for body in store.iter_records(RecordFilter(), batch=7)]
    assert len(set(seen)) == 25


def test_tokens_are_kept_hashed_and_can_be_revoked(store: Store) -> None:
    token = store.create_token("reviewer", "alice")
    assert store.token_role(token) == "reviewer"
    assert store.token_role(token + "x") is None
    with store.reader.connect() as conn:
        stored = [tuple(row) for row in conn.execute(sa.text("SELECT * FROM tokens"))]
    secret = token.split("_", 2)[2]  # token_urlsafe may itself contain "_"
    assert token not in repr(stored) and secret not in repr(stored)
    [info] = store.list_tokens()
    assert (info.name, info.role) == ("alice", "reviewer")
    assert store.revoke_token(info.id)
    assert store.token_role(token) is None
    with pytest.raises(ValueError):
        store.create_token("admin")  # type: ignore[arg-type]


@pytest.mark.parametrize("text, iso", [
    ("02/01/2014", "2014-01-02"), ("2015-06-30", "2015-06-30"), ("1 April 2016", "2016-04-01"),
    ("01-Apr-2016", "2016-04-01"), ("April 2016", "2016-04-01"), ("ongoing", None), (None, None),
])
def test_dates_for_range_filters(text: str | None, iso: str | None) -> None:
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == iso
    assert record_date({"date_start": text}) == iso


def test_the_job_and_token_commands_read_and_write_the_store(
    database_url: str, store: Store
) -> None:
    from conftest_service import drr, service_env

    env = service_env(database_url, None)
    failed = store.submit(b"%PDF-1.4 broken", "broken.pdf")
    store.start_delivery(failed.job_id)
    store.fail_job(failed.job_id, "not a readable PDF")
    queued = store.submit(b"waiting", "waiting.txt")

    listed = drr(["jobs", "--state", "failed"], env)
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [failed.job_id]
    shown = json.loads(drr(["job", queued.job_id], env).stdout)
    assert (shown["state"], shown["filename"], shown["deliveries"]) == ("queued", "waiting.txt", 0)
    missing = drr(["job", "nope"], env)
    assert missing.returncode == 1 and "nope: no such job" in missing.stderr

    created = drr(["tokens", "create", "--role", "reviewer", "--name", "alice"], env)
    token = created.stdout.strip()
    assert store.token_role(token) == "reviewer"
    [listed_token] = [json.loads(line) for line in drr(["tokens", "list"], env).stdout.splitlines()]
    assert token not in json.dumps(listed_token)
    assert drr(["tokens", "revoke", listed_token["id"]], env).returncode == 0
    assert store.token_role(token) is None
