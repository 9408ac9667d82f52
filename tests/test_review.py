"""The review stage, on SQLite and the real PostgreSQL: reviewers' purpose corrections with
their audit trail, the queue least confident first, corrections that survive reprocessing,
the HTTP endpoints and their permissions, and the export the next training run reads.

Records are written by hand in the contract's shape (``test_store.record``): these tests are
about what the store and the API do with records, whatever model produced them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa
from alembic import command
from conftest_service import ROOT, drr
from fastapi.testclient import TestClient
from test_store import processed, record

from api.app import create_app
from extract.record import Fields
from workers.settings import Settings
from workers.store import RecordFilter, Store, alembic_config, open_store, with_reviewer_label

pytestmark = pytest.mark.service

SCHEMA = json.loads((ROOT / "schema" / "record.schema.json").read_text())
LONG = "To link hospital records with cancer registrations for research. " * 40


def model_purpose(label: str, top: float, flagged: bool, model: str = "purpose-v3") -> dict[str, Any]:
    rest = (1 - top) / 2
    scores = {name: (top if name == label else rest)
              for name in ("commercial", "research", "commissioning")}
    return {"label": label, "scores": scores, "model": model, "needs_review": flagged,
            "source": "model"}


def register(sha: str, model: str = "purpose-v3") -> list[dict[str, Any]]:
    """Five rows: four the model is unsure of (top scores 0.41, 0.38, 0.52, 0.38), one sure."""
    tops = [(0.41, True), (0.38, True), (0.52, True), (0.93, False), (0.38, True)]
    rows = []
    for row, (top, flagged) in enumerate(tops):
        body = record(sha, row, organisation=f"Org {row}",
                      purpose=model_purpose("research", top, flagged, model),
                      needs_review=flagged)
        body["fields"].update(purpose=LONG, legal_basis="s251", title=None,
                              extra={"Expected Benefits": "b" * 2000, "Date of release": "x"})
        rows.append(body)
    return rows


@pytest.fixture
def seeded(store: Store) -> tuple[str, list[dict[str, Any]]]:
    sha = processed(store, b"register A", [])
    rows = register(sha)
    _finish_again(store, b"register A", rows)
    return sha, rows


def _finish_again(store: Store, data: bytes, rows: list[dict[str, Any]]) -> None:
    """Reprocess a document (as ``drr submit --again`` does) and store ``rows`` for it."""
    submission = store.submit(data, "r.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, submission.document_sha256, "text", rows)


def stored(store: Store, record_id: str) -> dict[str, Any]:
    body = store.get_record(record_id)
    assert body is not None
    return json.loads(body)


def ids(store: Store, **where: Any) -> list[str]:
    return [json.loads(body)["record_id"] for body in store.iter_records(RecordFilter(**where))]


# the store


def test_a_correction_updates_the_record_and_keeps_who_when_old_and_new(
    store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    sha, rows = seeded
    target = rows[1]["record_id"]
    before = datetime.now(UTC)
    body = store.correct_purpose(target, "commercial", reviewer="Ada", token_id="t1",
                                 note="a drug company's study")
    assert body is not None and json.loads(body) == stored(store, target)
    got = stored(store, target)
    assert got["purpose"] == {**rows[1]["purpose"], "label": "commercial",
                              "source": "reviewer", "needs_review": False}
    assert got["needs_review"] is False  # only the purpose was in doubt
    assert {k: v for k, v in got.items() if k not in ("purpose", "needs_review")} == \
        {k: v for k, v in rows[1].items() if k not in ("purpose", "needs_review")}
    jsonschema.validate(got, SCHEMA)
    [trail] = store.corrections_of(target)
    assert (trail.record_id, trail.document_sha256, trail.field, trail.old_value,
            trail.new_value, trail.model, trail.reviewer, trail.token_id, trail.note) == (
        target, sha, "purpose.label", "research", "commercial", "purpose-v3", "Ada", "t1",
        "a drug company's study")
    at = trail.at if trail.at.tzinfo else trail.at.replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= at <= datetime.now(UTC)
    # The filter columns follow: the purpose filter sees the new label, not the old.
    assert target in ids(store, purpose="commercial")
    assert target not in ids(store, purpose="research")
    assert target not in ids(store, needs_review=True)
    assert store.corrections_of(rows[0]["record_id"]) == []


def test_an_unknown_record_or_label_changes_nothing(
    store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    assert store.correct_purpose("no-such-record", "research", reviewer="Ada") is None
    with pytest.raises(ValueError, match="unknown purpose label 'fun'"):
        store.correct_purpose(seeded[1][0]["record_id"], "fun", reviewer="Ada")
    assert store.corrections_of() == []
    assert stored(store, seeded[1][0]["record_id"]) == seeded[1][0]


@pytest.mark.parametrize(("flagged", "purpose_flagged", "warnings", "after"), [
    (True, False, [], True),            # extraction's doubt alone: kept
    (True, True, ["organisation inferred from blank cells"], True),  # maybe both: kept
    (True, True, [], False),            # the purpose's doubt alone: settled by the reviewer
    (False, False, ["merged cell"], False),
])
def test_a_correction_settles_the_purpose_doubt_and_keeps_extractions(
    flagged: bool, purpose_flagged: bool, warnings: list[str], after: bool
) -> None:
    body = record("a" * 64, 0, purpose=model_purpose("research", 0.5, purpose_flagged),
                  needs_review=flagged, warnings=warnings)
    corrected = with_reviewer_label(body, "commissioning")
    assert corrected["needs_review"] is after
    assert corrected["purpose"]["needs_review"] is False
    assert list(corrected) == list(body)  # the contract's key order is kept


def test_the_queue_is_least_confident_first_in_keyset_pages(
    store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    _, rows = seeded
    other = processed(store, b"register B", [])
    late = [record(other, 0, purpose=model_purpose("commercial", 0.35, True), needs_review=True)]
    _finish_again(store, b"register B", late)
    order = [late[0]["record_id"], rows[1]["record_id"], rows[4]["record_id"],
             rows[0]["record_id"], rows[2]["record_id"]]  # 0.35, 0.38, 0.38 (by seq), 0.41, 0.52
    pages, cursor = [], None
    while page := store.review_queue(cursor, limit=2):
        pages.append([json.loads(body)["record_id"] for _, body in page])
        cursor = page[-1][0]
    assert pages == [order[0:2], order[2:4], order[4:]]
    store.correct_purpose(rows[4]["record_id"], "research", reviewer="Ada")
    assert [json.loads(b)["record_id"] for _, b in store.review_queue()] == \
        [order[0], order[1], order[3], order[4]]  # a reviewed record leaves the queue


def test_reprocessing_a_document_keeps_the_reviewers_labels(
    store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    _, rows = seeded
    first, second = rows[0]["record_id"], rows[2]["record_id"]
    store.correct_purpose(first, "commercial", reviewer="Ada")
    store.correct_purpose(second, "commercial", reviewer="Ada")
    store.correct_purpose(second, "commissioning", reviewer="Bo", note="second thoughts")
    # A new model scores the document again, sure of other labels: the reviewers still win.
    rerun = register(rows[0]["source"]["document_sha256"], model="purpose-v4")
    for body in rerun:
        body["purpose"] = model_purpose("research", 0.45, True, model="purpose-v4")
    _finish_again(store, b"register A", rerun)
    for record_id, label in ((first, "commercial"), (second, "commissioning")):
        got = stored(store, record_id)
        assert got["purpose"]["label"] == label and got["purpose"]["source"] == "reviewer"
        assert got["purpose"]["model"] == "purpose-v4"  # the new scores, the reviewer's label
        assert got["needs_review"] is False
        assert record_id in ids(store, purpose=label)
    assert stored(store, rows[1]["record_id"])["purpose"]["model"] == "purpose-v4"
    queue = [json.loads(b)["record_id"] for _, b in store.review_queue()]
    assert first not in queue and second not in queue and rows[1]["record_id"] in queue
    assert len(store.corrections_of()) == 3  # reprocessing adds nothing to the trail
    # A shorter re-run drops rows, never the corrections made on them.
    _finish_again(store, b"register A", rerun[:1])
    assert store.get_record(second) is None
    assert [c.new_value for c in store.corrections_of(second)] == ["commercial", "commissioning"]
    assert stored(store, first)["purpose"]["label"] == "commercial"


def _migrate(store: Store, revision: str, down_to: str | None = None) -> None:
    """Bring the store's schema to ``revision`` (after going down to ``down_to``)."""
    config = alembic_config()
    with store.writer.begin() as conn:
        config.attributes["connection"] = conn
        if down_to:
            command.downgrade(config, down_to)
        command.upgrade(config, revision)


def _old_document(conn: sa.Connection) -> None:
    conn.execute(sa.text(
        "INSERT INTO documents (sha256, filename, size, content, created_at) "
        "VALUES ('d', 'r.txt', 1, :b, :at)"), {"b": b"x", "at": datetime.now(UTC)})


def test_the_migration_fills_the_queue_columns_of_existing_records(database_url: str) -> None:
    store = open_store(database_url, migrate=False)
    try:
        _migrate(store, "0001")
        with store.writer.begin() as conn:  # a record stored before 0002, as 0001 kept it
            _old_document(conn)
            body = record("d", 0, purpose=model_purpose("research", 0.4, True),
                          needs_review=True)
            conn.execute(sa.text(
                "INSERT INTO records (record_id, document_sha256, row_index, purpose_label, "
                "needs_review, body, updated_at) VALUES (:id, 'd', 0, 'research', :nr, :body, "
                ":at)"), {"id": body["record_id"], "nr": True, "body": json.dumps(body),
                          "at": datetime.now(UTC)})
        _migrate(store, "head")
        [(cursor, got)] = store.review_queue()
        assert (cursor.score, json.loads(got)["record_id"]) == (0.4, body["record_id"])
    finally:
        store.dispose()


def test_the_migration_queues_only_the_records_whose_purpose_is_in_doubt(
    database_url: str,
) -> None:
    """0003: records stored under 0002 are queued by their purpose's own flag, not by the
    record's (extraction's doubt OR the purpose's)."""
    store = open_store(database_url, migrate=False)
    try:
        _migrate(store, "0002")
        doubtful = record("d", 0, purpose=model_purpose("research", 0.4, True), needs_review=True)
        # Flagged by extraction (a warning), the model sure of its purpose.
        extraction = record("d", 1, purpose=model_purpose("research", 0.9, False),
                            needs_review=True, warnings=["merged cell"])
        with store.writer.begin() as conn:
            _old_document(conn)
            for row, (body, top) in enumerate(((doubtful, 0.4), (extraction, 0.9))):
                conn.execute(sa.text(
                    "INSERT INTO records (record_id, document_sha256, row_index, purpose_label, "
                    "needs_review, body, updated_at, purpose_source, purpose_score) VALUES "
                    "(:id, 'd', :row, 'research', :nr, :body, :at, 'model', :top)"),
                    {"id": body["record_id"], "row": row, "nr": True, "body": json.dumps(body),
                     "at": datetime.now(UTC), "top": top})
        _migrate(store, "head")
        assert [json.loads(b)["record_id"] for _, b in store.review_queue()] == [
            doubtful["record_id"]]
        _migrate(store, "head", down_to="0002")  # and back, on both backends
        assert len(store.review_queue()) == 1
    finally:
        store.dispose()


# the HTTP API


def refusing_queue(job_id: str) -> None:
    raise AssertionError(f"nothing should have been queued, got {job_id}")


@pytest.fixture
def api(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(public_read=True), store, refusing_queue)) as client:
        yield client


def bearer(store: Store, role: str, name: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {store.create_token(role, name)}"}  # type: ignore[arg-type]


def test_a_reviewer_corrects_a_purpose_over_http(
    api: TestClient, store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    target = seeded[1][1]["record_id"]
    reviewer = bearer(store, "reviewer", "Ada Lovelace")
    answer = api.post(f"/records/{target}/purpose", headers=reviewer,
                      json={"label": "commissioning", "note": "a CCG's audit"})
    assert answer.status_code == 200, answer.text
    jsonschema.validate(answer.json(), SCHEMA)
    assert answer.json()["purpose"]["label"] == "commissioning"
    assert answer.json()["purpose"]["source"] == "reviewer"
    assert api.get(f"/records/{target}", headers=reviewer).text == answer.text
    listed = api.get("/records", params={"purpose": "commissioning"}, headers=reviewer).json()
    assert [r["record_id"] for r in listed["records"]] == [target]
    trail = api.get(f"/records/{target}/corrections", headers=bearer(store, "reader")).json()
    [info] = [t for t in store.list_tokens() if t.name == "Ada Lovelace"]
    [one] = trail["corrections"]
    assert (one["reviewer"], one["token_id"], one["old_value"], one["new_value"], one["note"],
            one["model"]) == ("Ada Lovelace", info.id, "research", "commissioning",
                              "a CCG's audit", "purpose-v3")
    assert datetime.fromisoformat(one["at"]).tzinfo is not None


def test_a_note_of_spaces_is_kept_as_no_note(
    api: TestClient, store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    reviewer = bearer(store, "reviewer", "Ada Lovelace")
    first, second = (row["record_id"] for row in seeded[1][:2])
    for target, note in ((first, " \t\n "), (second, "  sells the analysis ")):
        answer = api.post(f"/records/{target}/purpose", headers=reviewer,
                          json={"label": "commercial", "note": note})
        assert answer.status_code == 200, answer.text
    assert [c.note for c in store.corrections_of(first)] == [None]
    assert [c.note for c in store.corrections_of(second)] == ["sells the analysis"]


def test_only_reviewers_may_correct_and_bad_requests_get_the_error_shape(
    api: TestClient, store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    target = seeded[1][0]["record_id"]
    path = f"/records/{target}/purpose"
    good = {"label": "commercial"}
    assert api.post(path, json=good).status_code == 401  # public reading is not reviewing
    for role in ("reader", "submitter"):
        refused = api.post(path, json=good, headers=bearer(store, role))
        assert refused.status_code == 403, role
        assert "needs a reviewer token" in refused.json()["error"]["message"]
    reviewer = bearer(store, "reviewer")
    for body in ({"label": "fun"}, {}, {"label": "research", "extra": 1},
                 {"label": "research", "note": "x" * 2001}):
        answer = api.post(path, json=body, headers=reviewer)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["code"] == "invalid_request"
    assert "label" in api.post(path, json={"label": "fun"}, headers=reviewer) \
        .json()["error"]["message"]
    missing = api.post("/records/nothing/purpose", json=good, headers=reviewer)
    assert missing.json() == {"error": {"status": 404, "code": "not_found",
                                        "message": "no record nothing"}}
    assert api.get("/records/nothing/corrections", headers=reviewer).status_code == 404
    assert store.corrections_of() == []
    assert stored(store, target) == seeded[1][0]


def test_the_queue_over_http_pages_least_confident_first(
    api: TestClient, store: Store, seeded: tuple[str, list[dict[str, Any]]]
) -> None:
    rows = seeded[1]
    assert api.get("/review/queue").status_code == 401  # the queue needs a token
    reader = bearer(store, "reader")
    got, cursor = [], None
    while True:
        page = api.get("/review/queue", headers=reader,
                       params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        got.extend(r["record_id"] for r in page.json()["records"])
        if (cursor := page.json()["next_cursor"]) is None:
            break
    assert got == [rows[i]["record_id"] for i in (1, 4, 0, 2)]
    assert api.get("/review/queue", headers=reader, params={"cursor": "x"}).status_code == 400
    assert api.get("/review/queue", headers=reader, params={"limit": 0}).status_code == 422


def test_the_review_page_is_served_whole_with_nothing_fetched_from_elsewhere(
    api: TestClient,
) -> None:
    page = api.get("/review")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<label for=\"token\">" in page.text
    assert "http://" not in page.text and "https://" not in page.text


# the export for training


def test_the_export_is_one_training_line_per_corrected_record(
    store: Store, database_url: str, seeded: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    rows = seeded[1]
    store.correct_purpose(rows[2]["record_id"], "commercial", reviewer="Ada", token_id="t1")
    store.correct_purpose(rows[0]["record_id"], "research", reviewer="Ada", note="kept")
    store.correct_purpose(rows[2]["record_id"], "commissioning", reviewer="Bo", note="on second look")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}
    env["DRR_DATABASE_URL"] = database_url
    out = tmp_path / "reviewer-corrections.jsonl"
    done = drr(["corrections", "export", "-o", str(out)], env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["record_id"] for line in lines] == sorted(r["record_id"] for r in rows[0:3:2])
    by_id = {line["record_id"]: line for line in lines}
    trail = {c.record_id: c for c in store.corrections_of()}  # the latest of each record
    second = by_id[rows[2]["record_id"]]
    assert second == {
        "id": f"review-{trail[rows[2]['record_id']].id}",
        "record_id": rows[2]["record_id"], "label": "commissioning",
        "previous_label": "commercial", "model": "purpose-v3", "reviewer": "Bo",
        "at": second["at"], "note": "on second look", "organisation": "Org 2", "source": "r.txt",
        # purpose: the text the classifier reads (purpose + benefits joined, first 1,500
        # characters); the other fields whole
        "fields": {"organisation": "Org 2", "purpose": LONG[:1500].rstrip(),
                   "legal_basis": "s251"},
    }
    assert datetime.fromisoformat(second["at"]).tzinfo is not None
    for line in lines:
        Fields.model_validate(line["fields"])
    assert done.stdout == ""
    to_stdout = drr(["corrections", "export"], env)
    assert to_stdout.stdout == out.read_text()
    listed = drr(["corrections", "list", "--record", rows[2]["record_id"]], env)
    assert [json.loads(x)["new_value"] for x in listed.stdout.splitlines()] == \
        ["commercial", "commissioning"]
