"""The one job runner: what a job's reason says when the database or drr itself fails, and
a register with NUL characters in its cells (PostgreSQL refused them: "internal error" and
the SQL were the job's reason, and ``drr submit`` without a broker died with a traceback).

Reasons are read by any reader token: one line, the file's name at most, never SQL, a
driver's message or the document's text. The detail goes to the log instead.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest_service import PAGE, big_register_csv, drr, service_env

from nlp.enrich import Enricher, build_enricher
from workers.jobs import Runtime, gave_up_reason, judge, run_job
from workers.settings import Settings
from workers.store import RecordFilter, Store, open_store

pytestmark = pytest.mark.service

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
LEAKS = re.compile(r"SELECT|INSERT|DELETE|UPDATE|\[SQL|parameters|psycopg|sqlite3|Error\b|"
                   r"\n|Moni|secret", re.IGNORECASE)


def nul_register(path: Path) -> Path:
    """Three rows of the sample register as its CSV edition, with a NUL inside one cell."""
    data = big_register_csv(1, slice(0, 3))
    assert data.count(b"Monitor") >= 1
    path.write_bytes(data.replace(b"Monitor", b"Moni\x00tor", 1))
    return path


def stored(store: Store, sha: str) -> list[dict[str, object]]:
    return [json.loads(body) for body in store.iter_records(RecordFilter(document=sha))]


def test_a_nul_in_a_csv_cell_is_removed_and_the_register_stored(
    database_url: str, tmp_path: Path
) -> None:
    path = nul_register(tmp_path / "nul.csv")
    done = drr(["submit", str(path)], service_env(database_url, None))
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert (line["state"], line["record_count"]) == ("done", 3), line
    first = stored(open_store(database_url), line["document_sha256"])[0]
    assert first["fields"]["organisation"] == "Monitor"  # type: ignore[index]
    assert "NUL characters removed from the text of organisation" in first["warnings"]  # type: ignore[operator]
    assert "\\u0000" not in json.dumps(first)


def refuse_records(store: Store) -> None:
    """The database refuses every record, as a constraint or trigger of a DBA's would."""
    with store.writer.begin() as conn:
        if store.writer.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE records ADD CONSTRAINT secret_rule CHECK "
                                 "(row_index < 0) NOT VALID")
        else:
            conn.exec_driver_sql("CREATE TRIGGER secret_rule BEFORE INSERT ON records BEGIN "
                                 "SELECT RAISE(ABORT, 'secret_rule refused it'); END")


def test_a_database_refusal_is_a_fixed_reason_naming_the_file_and_the_cli_goes_on(
    database_url: str, tmp_path: Path
) -> None:
    store = open_store(database_url)
    refuse_records(store)
    done = drr(["submit", str(PAGE)], service_env(database_url, None))
    assert done.returncode == 1
    reason = (f"the database refused the records of {PAGE.name}: please report it with "
              "the worker log, which has the detail")
    [job] = store.list_jobs()
    assert (job.state, job.reason) == ("failed", reason)
    assert f"drr: {PAGE.name}: {reason}" in done.stderr
    assert "secret_rule" in done.stderr, "the detail belongs in the log"
    assert json.loads(done.stdout)["state"] == "failed"


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return build_enricher(Settings().models_dir)


@pytest.fixture
def locked_out(database_url: str) -> Iterator[tuple[Store, sa.Connection]]:
    """A store whose statements give up after 200 ms waiting for a lock, and a connection
    that holds the records table: storing records fails as a lost database does, while the
    jobs table stays writable so the failure can be recorded."""
    store = open_store(database_url)
    runner_store = open_store(database_url + "%20-clock_timeout%3D200", migrate=False)
    with store.writer.begin() as holder:
        holder.exec_driver_sql("LOCK TABLE records IN ACCESS EXCLUSIVE MODE")
        yield runner_store, holder
    runner_store.dispose()
    store.dispose()


@POSTGRESQL
def test_a_database_failing_every_try_gives_a_reason_without_sql(
    locked_out: tuple[Store, sa.Connection], enricher: Enricher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, _ = locked_out
    submission = store.submit(PAGE.read_bytes(), PAGE.name)
    waits: list[float] = []
    runtime = Runtime(store, enricher, Settings().limits, max_deliveries=3, sleep=waits.append)
    with caplog.at_level(logging.INFO, logger="drr.jobs"):
        assert run_job(runtime, submission.job_id) == "failed"
    job = store.get_job(submission.job_id)
    assert job is not None
    assert (job.state, job.reason, job.deliveries) == ("failed", gave_up_reason(3), 3)
    assert not LEAKS.search(str(job.reason)), job.reason
    assert waits == [2, 4]  # backoff between the tries
    assert "lock timeout" in caplog.text  # the detail, in the log
    assert store.submit(PAGE.read_bytes(), PAGE.name).new_job  # the document may come again


def test_internal_errors_are_a_fixed_reason_that_names_the_file_only() -> None:
    cell = "Moni\x00tor secret cell text\nINSERT INTO records"
    outcome, reason = judge(RuntimeError(cell), "register\n2014.csv", 0)
    assert outcome == "failed"
    assert reason == ("internal error while processing register 2014.csv: please report it "
                      "with the worker log, which has the detail")
    outcome, reason = judge(sa.exc.OperationalError("SELECT 1", {}, Exception(cell)), "r.csv", 0)
    assert outcome == "retry" and not LEAKS.search(reason)
