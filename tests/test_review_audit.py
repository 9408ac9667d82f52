"""Review audit: defects found in the review stage (corrections, queue, export, training).

Each test here fails on the code as reviewed and states the behaviour the README or the
code's own docstrings promise. Both backends run through the ``store`` fixture.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from test_review import _finish_again, model_purpose, stored
from test_review_browser import server  # noqa: F401 - the fixture (browser: conftest_browser)
from test_store import processed, record

import workers.store
from api.app import create_app
from nlp.enrich import parse_fields
from nlp.purpose import PurposeModel
from nlp.purpose_features import feature_matrix
from nlp.purpose_train import load_corpus
from nlp.record import Entities
from workers.io import write_jsonl
from workers.review import training_lines
from workers.settings import Settings
from workers.store import Store

pytestmark = pytest.mark.service

STATEMENT = ("Oliver Wyman will use the data to benchmark hospital performance for its "
             "clients in the pharmaceutical industry and to publish an annual report. ")


def _no_queue(job_id: str) -> None:
    raise AssertionError(f"nothing should have been queued, got {job_id}")


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(Settings(public_read=True), store, _no_queue)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http


def _bare(sha: str, row: int, **fields: Any) -> dict[str, Any]:
    """A record whose entity stage found nothing, so run-time features need no spaCy."""
    body = record(sha, row, organisation=fields.pop("organisation", "Oliver Wyman"),
                  purpose=model_purpose("research", 0.4, True), needs_review=True)
    body["entities"] = {"organisations": [], "approval_references": [], "datasets": []}
    body["fields"].update(fields)
    return body


def _export_and_load(store: Store, tmp_path: Path) -> list[Any]:
    """What ``drr corrections export`` writes, read back the way ``drr train purpose`` does."""
    path = tmp_path / "reviewer-corrections.jsonl"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        write_jsonl(out, training_lines(store.latest_corrections()))
    missing = tmp_path / "none.jsonl"
    return load_corpus(hand_path=missing, weak_path=missing, engineer_path=missing,
                       reviewer_path=path).reviewer


def _run_time_features(body: dict[str, Any]) -> tuple[str, ...]:
    matrix = feature_matrix([parse_fields(body["fields"])],
                            [Entities.model_validate(body["entities"])])
    return tuple(matrix[0])


# 1. the queue cursor


def test_a_tampered_queue_cursor_is_a_400_not_a_500(
    client: TestClient, store: Store
) -> None:
    reader = {"Authorization": f"Bearer {store.create_token('reader')}"}
    for cursor in ("0.5:99999999999999999999999", "0.5:9223372036854775808",
                   "nan:1", "inf:1", "-inf:1", "1e400:1"):  # nan: an empty page, silently
        answer = client.get("/review/queue", headers=reader, params={"cursor": cursor})
        assert answer.status_code == 400, (cursor, answer.status_code, answer.text)
        assert answer.json()["error"]["code"] == "bad_request"


# 2. a correction racing a reprocess of the same document


def test_a_correction_made_while_its_document_is_reprocessed_is_not_lost(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = processed(store, b"register R", [])
    rows = [record(sha, i, purpose=model_purpose("research", 0.4, True), needs_review=True)
            for i in range(2)]
    _finish_again(store, b"register R", rows)
    target = rows[0]["record_id"]

    corrections_read, go_on = threading.Event(), threading.Event()
    original = workers.store._reapply_corrections

    def paused(conn: Any, sha: str, enriched: Any) -> Any:
        out = original(conn, sha, enriched)
        corrections_read.set()
        go_on.wait(20)
        return out

    monkeypatch.setattr(workers.store, "_reapply_corrections", paused)
    rerun = [record(sha, i, purpose=model_purpose("research", 0.45, True, "purpose-v4"),
                    needs_review=True) for i in range(2)]
    submission = store.submit(b"register R", "r.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    failures: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    reprocess = threading.Thread(target=run, args=(lambda: store.finish_job(
        submission.job_id, sha, "text", rerun),))
    reprocess.start()
    assert corrections_read.wait(20)
    reviewer = threading.Thread(target=run, args=(lambda: store.correct_purpose(
        target, "commercial", reviewer="Ada"),))
    reviewer.start()
    reviewer.join(2)  # SQLite: waits for the reprocess's write lock; PostgreSQL: commits now
    go_on.set()
    reprocess.join(60)
    reviewer.join(60)
    assert failures == []
    assert [c.new_value for c in store.corrections_of(target)] == ["commercial"]
    got = stored(store, target)
    # The trail says a reviewer labelled it commercial; the record must say so too.
    assert (got["purpose"]["label"], got["purpose"]["source"]) == ("commercial", "reviewer")


# 3. what the queue holds


def test_a_purpose_settled_by_the_registers_commercial_flag_is_not_in_the_queue(
    store: Store,
) -> None:
    sha = processed(store, b"register F", [])
    # Exactly what the run-time model gives a row the register flags commercial.
    settled = PurposeModel(pipeline=None, name="purpose-logreg v5", threshold=0.7)._purpose(
        np.array([0.2, 0.5, 0.3]), flagged_commercial=True).model_dump()
    body = record(sha, 0, purpose=settled, needs_review=True,
                  warnings=["organisation taken from a merged cell spanning rows 1-2"])
    body["fields"]["commercial"] = "Yes"
    _finish_again(store, b"register F", [body])
    assert settled["needs_review"] is False and settled["source"] == "model"
    queued = [json.loads(b)["record_id"] for _, b in store.review_queue()]
    assert body["record_id"] not in queued  # nothing about its purpose is in doubt


# 4. the export, read by training


def test_the_latest_correction_of_a_repeated_statement_wins_in_training(
    store: Store, tmp_path: Path
) -> None:
    sha = processed(store, b"register D", [])
    rows = [_bare(sha, i, purpose=STATEMENT) for i in range(2)]  # the same statement twice
    _finish_again(store, b"register D", rows)
    first_in_export, last_in_export = sorted(r["record_id"] for r in rows)  # by record id
    store.correct_purpose(last_in_export, "commercial", reviewer="Ada")
    store.correct_purpose(first_in_export, "research", reviewer="Bo", note="on second look")
    # README: "one example per distinct statement, the last correction winning".
    [example] = _export_and_load(store, tmp_path)
    assert example.label == "research"


def test_an_agreement_corrected_on_each_data_set_row_is_one_training_example(
    store: Store, tmp_path: Path
) -> None:
    sha = processed(store, b"register E", [])
    rows = [_bare(sha, i, purpose=STATEMENT, data_type=data_type)
            for i, data_type in enumerate(("HES Admitted Patient Care", "ONS Mortality"))]
    _finish_again(store, b"register E", rows)
    for row in rows:
        store.correct_purpose(row["record_id"], "commercial", reviewer="Ada")
    # distinct(): "a register repeats an agreement on every data set row, and a reviewer
    # who corrects each row must not weigh that agreement many times".
    assert len(_export_and_load(store, tmp_path)) == 1


@pytest.mark.parametrize("long_field", ["data_type", "legal_basis"])
def test_exported_features_are_the_run_time_features(
    store: Store, tmp_path: Path, long_field: str
) -> None:
    sha = processed(store, b"register L", [])
    value = {
        "data_type": "HES Admitted Patient Care; " * 60 + "ONS Mortality",
        "legal_basis": "Section 251 support for the linkage of the cohort. " * 30
        + "Participants gave informed consent.",
    }[long_field]
    assert len(value) > 1500
    body = _bare(sha, 0, purpose=STATEMENT, **{long_field: value})
    _finish_again(store, b"register L", [body])
    store.correct_purpose(body["record_id"], "commercial", reviewer="Ada")
    [example] = _export_and_load(store, tmp_path)
    assert example.features == _run_time_features(stored(store, body["record_id"]))


# 5. the trail's times


def test_the_export_gives_correction_times_in_utc_whatever_the_servers_time_zone(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps no time zone")
    from workers.store import open_store

    # A server (or role) whose TimeZone setting is not UTC (e.g. a UK or US host default).
    local = open_store(database_url + "%20-ctimezone%3DAmerica/New_York")
    try:
        sha = processed(local, b"register T", [])
        body = _bare(sha, 0, purpose=STATEMENT)
        _finish_again(local, b"register T", [body])
        local.correct_purpose(body["record_id"], "commercial", reviewer="Ada")
        [line] = list(training_lines(local.latest_corrections()))
        # README: the correction's time (UTC); the export's bytes go into the model card.
        assert line["at"].endswith("+00:00"), line["at"]
        [one] = local.corrections_of(body["record_id"])
        assert one.as_dict()["at"].endswith("+00:00")
    finally:
        local.dispose()


# 6. the page on a server error


def test_the_page_says_what_went_wrong_when_the_server_fails(
    browser: Any, server: dict[str, Any]  # noqa: F811 - the browser test's fixtures
) -> None:
    import sqlalchemy as sa
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get(server["base"] + "/review")
    browser.find_element(By.ID, "token").send_keys(server["token"])
    browser.find_element(By.XPATH, "//button[normalize-space()='Use this token']").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) == 4)
    # Any unhandled failure (here the database losing a table) is a plain-text 500; a proxy's
    # 502/504 page is HTML. Neither is JSON.
    with server["store"].writer.begin() as conn:
        conn.execute(sa.text("DROP TABLE corrections"))
    first = browser.find_element(By.CSS_SELECTOR, "#rows tr")
    first.find_element(By.XPATH, ".//button[normalize-space()='Save label']").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Not saved"))
    status = browser.find_element(By.ID, "status").text
    assert "500" in status and "JSON" not in status, status
