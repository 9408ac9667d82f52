"""The store: documents by sha256, jobs with their states, enriched records, API tokens.

SQLite file by default (WAL), PostgreSQL when ``DRR_DATABASE_URL`` points at one. The
schema is owned by the Alembic migrations in ``workers/migrations``; ``open_store`` brings
a database up to date before it is used, under a lock so that many workers may start at once.

Every write is safe to repeat: a document is inserted once whatever the number of
submissions, and a document's records are replaced as a whole, keyed by (document, row),
in the same transaction that marks its job done. A worker killed half-way leaves nothing
behind, and a redelivered job that already finished is recognised and skipped.

Reviewers' purpose corrections are kept in ``corrections`` (who, when, old and new label)
and applied to the stored record in the same transaction. Reprocessing a document never
loses them: each record's latest correction is applied again to the new run's record
before it is written, whatever the model now says.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles

from nlp.record import LABELS
from workers import fields as indexed
from workers.fields import (  # re-exported: callers filter and parse dates through the store
    TERM_KINDS,  # noqa: F401
    RecordFilter,
    parse_date,  # noqa: F401
    record_date,  # noqa: F401
)
from workers.io import dumps
from workers.roles import ROLES, Role

JobState = Literal["queued", "running", "done", "failed"]
PURPOSE_LABELS: tuple[str, ...] = LABELS
MIGRATE_LOCK_ID = 7_366_275  # any constant: PostgreSQL advisory lock for migrations
SEQ_MIN, SEQ_MAX = -(2**63), 2**63 - 1  # records.seq is a BIGINT on PostgreSQL

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("format", sa.String(16)),
    # The job that owns this document's records; a second submission joins it.
    sa.Column("active_job_id", sa.String(32)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("document_sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False),
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("deliveries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("record_count", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    # When its message was last sent, and how often the reaper put it back (0004).
    sa.Column("enqueued_at", sa.DateTime(timezone=True)),
    sa.Column("requeues", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_jobs_document", "document_sha256"),
    sa.Index("ix_jobs_state_created", "state", "created_at"),
)

records = sa.Table(
    "records",
    metadata,
    # Insertion order, kept across re-runs (an upsert never changes it): the stable page order.
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("record_id", sa.String(64), nullable=False, unique=True),
    sa.Column("document_sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False),
    sa.Column("row_index", sa.Integer, nullable=False),
    sa.Column("purpose_label", sa.String(32)),
    sa.Column("needs_review", sa.Boolean, nullable=False),
    sa.Column("record_date", sa.String(10)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The review queue: purpose.source and the top purpose score, out of the JSON (0002),
    # and the purpose's own needs_review (0003), not the record's (extraction's doubt too).
    sa.Column("purpose_source", sa.String(16)),
    sa.Column("purpose_score", sa.Float),
    sa.Column("purpose_needs_review", sa.Boolean),
    # What full-text search reads (workers.fields.SEARCH_FIELDS), indexed by 0006, and the
    # review group: one purpose statement of one recipient (workers.fields.statement_key).
    sa.Column("search_text", sa.Text),
    sa.Column("statement_key", sa.String(64)),
    sa.UniqueConstraint("document_sha256", "row_index", name="uq_records_document_row"),
    sa.Index("ix_records_purpose", "purpose_label", "seq"),
    sa.Index("ix_records_review", "needs_review", "seq"),
    sa.Index("ix_records_date", "record_date"),
    sa.Index("ix_records_queue", "purpose_needs_review", "purpose_source", "purpose_score", "seq"),
    sa.Index("ix_records_statement", "statement_key", "purpose_needs_review", "purpose_source"),
    # Everything the explorer's counts read, so they never touch the rows (bodies of KBs).
    sa.Index(
        "ix_records_figures",
        "purpose_label", "record_date", "needs_review", "document_sha256", "record_id",
    ),
)

# Reviewers' corrections, never updated or deleted: the audit trail and the training labels.
# No foreign key to records: a row a re-run no longer yields goes, its corrections stay.
corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("document_sha256", sa.String(64), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_value", sa.String(32)),
    sa.Column("new_value", sa.String(32), nullable=False),
    sa.Column("model", sa.String(200)),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("token_id", sa.String(16)),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
    sa.Index("ix_corrections_record", "record_id", "id"),
    sa.Index("ix_corrections_document", "document_sha256", "id"),
)

# Many-valued filters (organisations, sectors, datasets, approvals), so filters never scan JSON.
record_terms = sa.Table(
    "record_terms",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(500), primary_key=True),
    sa.Column("record_id", sa.String(64), primary_key=True),
    # The value as the record prints it (0008): a list of choices shows the commonest.
    sa.Column("printed", sa.String(500)),
    sa.Index("ix_record_terms_record", "record_id"),
    sa.Index("ix_record_terms_printed", "kind", "value", "printed"),  # lists read it alone
)

# Reviewers' corrections to organisations (0007): a registry entry's sector or name, or
# which entry one record's organisation is. Never updated or deleted: the audit trail.
organisation_corrections = sa.Table(
    "organisation_corrections",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("organisation_id", sa.String(200)),
    sa.Column("record_id", sa.String(64)),
    sa.Column("position", sa.Integer),
    sa.Column("printed", sa.String(500)),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_value", sa.String(500)),
    sa.Column("new_value", sa.String(500), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("token_id", sa.String(16)),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
    sa.Index("ix_org_corrections_org", "organisation_id", "id"),
    sa.Index("ix_org_corrections_record", "record_id", "id"),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


# Editions of a register (0005): a document whose job finished, in the order they finished,
# and what changed since its register's previous edition, one row per agreement.
editions = sa.Table(
    "editions",
    metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), primary_key=True),
    sa.Column("register", sa.String(200), nullable=False),
    sa.Column("previous_sha256", sa.String(64)),
    sa.Column("change_count", sa.Integer, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    # 0008: "snapshot" (it lists the whole register again) or "period" (one period's
    # releases), by ``workers.fields.edition_kind``; None for a register's first edition.
    # A snapshot supersedes the register's earlier editions: ``superseded_by`` names it,
    # and the explorer and ``report --from-store`` leave their records out.
    sa.Column("kind", sa.String(16)),
    sa.Column("superseded_by", sa.String(64)),
    sa.Index("ix_editions_register", "register", "recorded_at"),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("edition_sha256", sa.String(64), nullable=False),
    sa.Column("previous_sha256", sa.String(64), nullable=False),
    sa.Column("register", sa.String(200), nullable=False),
    sa.Column("change", sa.String(16), nullable=False),
    sa.Column("agreement", sa.String(500), nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("body", sa.Text, nullable=False),  # the change object of workers.diff, as JSON
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_changes_at", "at", "id"),
    sa.Index("ix_changes_agreement", "agreement", "id"),
    sa.Index("ix_changes_edition", "edition_sha256", "id"),
)
EDITION_LOCK_ID = 7_366_276  # PostgreSQL advisory lock: one edition of any register at a time


@dataclass(frozen=True)
class Job:
    id: str
    document_sha256: str
    filename: str
    state: JobState
    reason: str | None
    deliveries: int
    record_count: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    enqueued_at: datetime | None = None
    requeues: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("created_at", "started_at", "finished_at", "enqueued_at"):
            out[key] = iso(out[key])
        return out


@dataclass(frozen=True)
class Submission:
    job_id: str
    document_sha256: str
    new_job: bool  # False: the document already had a queued, running or finished job


@dataclass(frozen=True)
class Delivery:
    job: Job
    deliveries: int


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Correction:
    """One reviewer's change to one record: a row of the audit trail."""

    id: int
    record_id: str
    document_sha256: str
    field: str
    old_value: str | None
    new_value: str
    model: str | None
    reviewer: str
    token_id: str | None
    at: datetime
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "at": iso(self.at)}


@dataclass(frozen=True)
class QueueCursor:
    """Where a page of the review queue ended: the last record's top score and seq."""

    score: float
    seq: int

    def __str__(self) -> str:
        return f"{self.score!r}:{self.seq}"

    @classmethod
    def parse(cls, text: str) -> QueueCursor:
        """Raises ``ValueError`` for anything but a cursor this class printed."""
        score_text, _, seq_text = text.partition(":")
        score, seq = float(score_text), parse_seq(seq_text)
        # nan compares false with everything (an empty page, silently).
        if not math.isfinite(score):
            raise ValueError(f"cursor score {score_text!r} is not a finite number")
        return cls(score, seq)


@dataclass(frozen=True)
class ReviewGroup:
    """One purpose statement of one recipient in the review queue: all its queued rows
    (a register repeats the statement once per dataset), labelled once for them all."""

    key: str
    cursor: QueueCursor
    record_ids: list[str]
    documents: list[dict[str, Any]]  # sha256, filename, row_indexes (0-based)
    body: str  # the least confident row's JSON text


def parse_seq(text: str) -> int:
    """A record's seq as a cursor printed it: ASCII digits within BIGINT. Raises
    ``ValueError`` for anything else: ``int`` takes '²'-like digits of other scripts and
    refuses 4,300 of them, and a seq beyond BIGINT makes the database refuse the query."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(SEQ_MAX)):
        raise ValueError(f"cursor seq {text[:40]!r} is not a number this store printed")
    seq = int(text)
    if seq > SEQ_MAX:
        raise ValueError(f"cursor seq {text!r} is out of range")
    return seq


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC. PostgreSQL gives times in its session's TimeZone (whatever the
    server or role sets); SQLite gives them naive, as they were written: in UTC."""
    if value is None:
        return None
    return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _has_nul(*values: str | None) -> bool:
    """PostgreSQL text cannot hold NUL, so no stored key or value has one: a lookup or a
    filter with one matches nothing, on both databases, instead of a refused query."""
    return any(value and "\x00" in value for value in values)


FILENAME_MAX = 500  # documents.filename and jobs.filename are varchar(500)


def safe_filename(name: str) -> str:
    """A submitted file name fit to keep: NUL (refused by PostgreSQL) becomes U+FFFD, and a
    name over ``FILENAME_MAX`` characters is cut before its suffix, which hints at the
    format, with an ellipsis where the cut is."""
    name = name.replace("\x00", "\ufffd")
    if len(name) <= FILENAME_MAX:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    return name[: FILENAME_MAX - len(suffix) - 1] + "…" + suffix


class Store:
    """All reads and writes of drr's database. Build once per process with ``open_store``."""

    def __init__(self, writer: Engine, reader: Engine) -> None:
        self.writer = writer
        self.reader = reader
        self._insert = postgresql.insert if writer.dialect.name == "postgresql" else sqlite.insert

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()

    # documents and submissions

    def put_document(self, data: bytes, filename: str) -> str:
        """Keep the bytes under their sha256; a second copy is never stored."""
        sha = hashlib.sha256(data).hexdigest()
        row = {
            "sha256": sha,
            "filename": safe_filename(filename),
            "size": len(data),
            "content": data,
            "created_at": now(),
        }
        with self.writer.begin() as conn:
            conn.execute(self._insert(documents).values(row).on_conflict_do_nothing())
        return sha

    def submit(self, data: bytes, filename: str, again: bool = False) -> Submission:
        """Store a document and give it a job, or join the job it already has.

        A document's bytes give one set of records, so a second submission (even a
        concurrent one) returns the queued, running or finished job instead of a new one;
        only a failed document, or ``again=True`` (reprocess, e.g. with a new model),
        gets a new job.
        """
        filename = safe_filename(filename)
        sha = self.put_document(data, filename)
        job_id = uuid.uuid4().hex
        with self.writer.begin() as conn:
            created = now()
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    document_sha256=sha,
                    filename=filename,
                    state="queued",
                    created_at=created,
                    enqueued_at=created,
                )
            )
            claimed = conn.execute(
                documents.update()
                .where(documents.c.sha256 == sha)
                .where(sa.or_(documents.c.active_job_id.is_(None), _finished_active_job(again)))
                .values(active_job_id=job_id)
            ).rowcount
            if claimed:
                return Submission(job_id, sha, True)
            conn.execute(jobs.delete().where(jobs.c.id == job_id))
            active = conn.scalar(
                sa.select(documents.c.active_job_id).where(documents.c.sha256 == sha)
            )
        return Submission(str(active), sha, False)

    def document_content(self, sha: str) -> bytes:
        with self.reader.begin() as conn:
            data = conn.scalar(sa.select(documents.c.content).where(documents.c.sha256 == sha))
        if data is None:
            raise KeyError(sha)
        return bytes(data)

    def document_status(self, sha: str) -> dict[str, Any] | None:
        if _has_nul(sha):
            return None
        with self.reader.begin() as conn:
            doc = conn.execute(
                sa.select(
                    documents.c.sha256,
                    documents.c.filename,
                    documents.c.size,
                    documents.c.format,
                    documents.c.active_job_id,
                    documents.c.created_at,
                ).where(documents.c.sha256 == sha)
            ).first()
            if doc is None:
                return None
            count = conn.scalar(
                sa.select(sa.func.count())
                .select_from(records)
                .where(records.c.document_sha256 == sha)
            )
            job_rows = conn.execute(
                sa.select(jobs).where(jobs.c.document_sha256 == sha).order_by(jobs.c.created_at)
            ).all()
        history = [_job(row) for row in job_rows]
        active = [j for j in history if j.id == doc.active_job_id]
        latest = active[0] if active else (history[-1] if history else None)
        return {
            "sha256": doc.sha256,
            "filename": doc.filename,
            "size": doc.size,
            "format": doc.format,
            "status": latest.state if latest else "stored",
            "record_count": count,
            "errors": [j.reason for j in history if j.state == "failed" and j.reason],
            "jobs": [j.as_dict() for j in history],
            "created_at": iso(doc.created_at),
        }

    # jobs

    def get_job(self, job_id: str) -> Job | None:
        if _has_nul(job_id):
            return None
        with self.reader.begin() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def list_jobs(self, state: str | None = None, limit: int = 50) -> list[Job]:
        query = sa.select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
        if state:
            query = query.where(jobs.c.state == state)
        with self.reader.begin() as conn:
            return [_job(row) for row in conn.execute(query)]

    def start_delivery(
        self, job_id: str, states: tuple[JobState, ...] = ("queued", "running")
    ) -> Delivery | None:
        """Count one more delivery of a job, atomically, and mark it running.

        Returns None when the job is not in one of ``states``: done or failed (a redelivery
        of finished work) or, for a runner that takes only ``queued`` jobs, running already.
        """
        with self.writer.begin() as conn:
            updated = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state.in_(states))
                .values(deliveries=jobs.c.deliveries + 1, state="running", started_at=now())
                .returning(jobs.c.deliveries)
            ).first()
            if updated is None:
                return None
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
        return Delivery(_job(row), int(updated.deliveries))

    def finish_job(
        self, job_id: str, sha: str, fmt: str, enriched: Sequence[dict[str, Any]]
    ) -> int:
        """Replace the document's records and mark the job done, in one transaction."""
        # The diff against the previous edition takes seconds on a large register: made
        # before the write lock is taken, checked (and made again if stale) under it.
        with self.reader.connect() as conn:
            planned = _edition_diff(conn, sha, enriched)
        with self.writer.begin() as conn:
            _replace_records(conn, self._insert, sha, enriched)
            _record_edition(conn, sha, enriched, planned)
            conn.execute(documents.update().where(documents.c.sha256 == sha).values(format=fmt))
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id)
                .values(state="done", reason=None, record_count=len(enriched), finished_at=now())
            )
        return len(enriched)

    def fail_job(self, job_id: str, reason: str) -> None:
        """Mark a job failed; its document may then be submitted again."""
        with self.writer.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state != "done")
                .values(state="failed", reason=reason, finished_at=now())
            )
            conn.execute(
                documents.update()
                .where(documents.c.active_job_id == job_id)
                .values(active_job_id=None)
            )

    def requeue_job(self, job_id: str, reason: str) -> None:
        """Back to queued after a transient error; the reason says what went wrong last."""
        with self.writer.begin() as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.state == "running")
                .values(state="queued", reason=reason, enqueued_at=now())
            )

    def unfinished_jobs(self, queued_before: datetime, running_before: datetime) -> list[Job]:
        """Jobs queued (their message sent) before ``queued_before`` or started before
        ``running_before``: the reaper's candidates, oldest first."""
        sent = sa.func.coalesce(jobs.c.enqueued_at, jobs.c.created_at)
        query = (
            sa.select(jobs)
            .where(
                sa.or_(
                    sa.and_(jobs.c.state == "queued", sent < queued_before),
                    sa.and_(jobs.c.state == "running", jobs.c.started_at < running_before),
                )
            )
            .order_by(jobs.c.created_at)
        )
        with self.reader.begin() as conn:
            return [_job(row) for row in conn.execute(query)]

    def requeue_stranded(self, job: Job) -> bool:
        """Put a job back as ``queued`` if it is still as ``job`` saw it; True if this call did.

        The update is guarded by the state, deliveries and requeues read, so of several
        reapers (or submitters) that saw the same stranded job exactly one puts it back,
        and none puts back a job a worker has taken meanwhile."""
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    _unchanged(job).values(
                        state="queued", requeues=jobs.c.requeues + 1, enqueued_at=now()
                    )
                ).rowcount
            )

    def fail_stranded(self, job: Job, reason: str) -> bool:
        """``fail_job`` for a job still as ``job`` saw it (the same guard as above)."""
        with self.writer.begin() as conn:
            failed = conn.execute(
                _unchanged(job).values(state="failed", reason=reason, finished_at=now())
            ).rowcount
            if failed:
                conn.execute(
                    documents.update()
                    .where(documents.c.active_job_id == job.id)
                    .values(active_job_id=None)
                )
        return bool(failed)

    # records

    def record_count(self, sha: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(records)
        if sha:
            query = query.where(records.c.document_sha256 == sha)
        with self.reader.begin() as conn:
            return int(conn.scalar(query) or 0)

    def get_record(self, record_id: str) -> str | None:
        if _has_nul(record_id):
            return None
        with self.reader.begin() as conn:
            return conn.scalar(sa.select(records.c.body).where(records.c.record_id == record_id))

    def page_records(
        self, where: RecordFilter, after: int = 0, limit: int = 100
    ) -> list[tuple[int, str]]:
        """One page of (seq, JSON text), in insertion order, after the cursor ``after``."""
        query = _filtered(where).where(records.c.seq > after).limit(limit)
        with self.reader.begin() as conn:
            return [(int(seq), body) for seq, body in conn.execute(query)]

    def iter_records(self, where: RecordFilter, batch: int = 2000) -> Iterator[str]:
        """Every matching record's JSON text, fetched in keyset batches (no long transaction)."""
        after = 0
        while page := self.page_records(where, after, batch):
            for _, body in page:
                yield body
            after = page[-1][0]

    # the explorer's figures: counts over the records a filter selects

    def explore_page(
        self, where: RecordFilter, after: int = 0, limit: int = 50
    ) -> list[tuple[int, str]]:
        """``page_records`` for the explorer: the page's seqs found in the figures' index
        first (a filter that keeps few rows never walks the rows), then their JSON."""
        seqs = (
            _figures(sa.select(records.c.seq), where).where(_Unindexed(records.c.seq) > after)
            .order_by(_Unindexed(records.c.seq)).limit(limit)
        )
        query = sa.select(records.c.seq, records.c.body).where(records.c.seq.in_(seqs))
        with self.reader.begin() as conn:
            return [(int(seq), body) for seq, body in conn.execute(query.order_by(records.c.seq))]

    def count_records(self, where: RecordFilter) -> int:
        query = _figures(sa.select(sa.func.count()).select_from(records), where)
        with self.reader.begin() as conn:
            return int(conn.scalar(query) or 0)

    def purpose_counts(self, where: RecordFilter) -> dict[str | None, int]:
        """Matching records by purpose label."""
        label = records.c.purpose_label
        query = _figures(sa.select(label, sa.func.count()), where).group_by(label)
        with self.reader.begin() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(query)}

    def year_counts(self, where: RecordFilter) -> list[tuple[str | None, int]]:
        """Matching records by the year of their release (else start) date, oldest first;
        None for records with no date."""
        year = sa.func.substr(records.c.record_date, 1, 4)
        query = _figures(sa.select(year, sa.func.count()), where).group_by(year).order_by(year)
        with self.reader.begin() as conn:
            return [(row[0], int(row[1])) for row in conn.execute(query)]

    def term_counts(
        self, kind: str, where: RecordFilter | None = None, limit: int = 50
    ) -> list[tuple[str, int]]:
        """The commonest values of one term field (of the records ``where`` selects), by
        how many records hold each, then by value."""
        count = sa.func.count().label("n")
        query = (
            sa.select(record_terms.c.value, count)
            .where(record_terms.c.kind == kind)
            .group_by(record_terms.c.value)
            .order_by(count.desc(), record_terms.c.value)
            .limit(limit)
        )
        if where is not None and where.given:
            chosen = _figures(sa.select(records.c.record_id), where)
            query = query.where(record_terms.c.record_id.in_(chosen))
        elif where is not None and where.latest_only:  # the few rows left out, not all kept
            query = query.where(record_terms.c.record_id.not_in(_superseded_records()))
        with self.reader.begin() as conn:
            return [(row[0], int(row[1])) for row in conn.execute(query)]

    def printed_forms(self, kind: str, values: Sequence[str]) -> dict[str, str]:
        """The commonest printed form of each stored (folded) value of one term field, by
        how many records print it so, then alphabetically; a value no record prints
        (stored before 0008 kept printed forms) is its own."""
        count = sa.func.count()
        query = (
            sa.select(record_terms.c.value, record_terms.c.printed, count)
            .where(record_terms.c.kind == kind, record_terms.c.value.in_(list(values)),
                   record_terms.c.printed.is_not(None))
            .group_by(record_terms.c.value, record_terms.c.printed)
        )
        best: dict[str, tuple[int, str]] = {}
        with self.reader.begin() as conn:
            for value, printed, n in conn.execute(query):
                if value not in best or (-n, printed) < (-best[value][0], best[value][1]):
                    best[value] = (int(n), printed)
        return {v: best[v][1] if v in best else v for v in values}

    # review

    def correct_purpose(
        self,
        record_id: str,
        label: str,
        reviewer: str,
        token_id: str | None = None,
        note: str | None = None,
    ) -> str | None:
        """Set a record's purpose label as a reviewer says, and keep the correction.

        The audit row and the record (its JSON and the filter columns) are written in one
        transaction, under the document's lock (``_lock_document``), so a reprocess of the
        document either sees this correction or stores its records before it is made.
        Returns the record's new JSON text, or None when there is no such record.
        """
        if label not in PURPOSE_LABELS:
            raise ValueError(f"unknown purpose label {label!r}: one of {', '.join(PURPOSE_LABELS)}")
        if _has_nul(record_id):
            return None
        with self.writer.begin() as conn:
            sha = conn.scalar(
                sa.select(records.c.document_sha256).where(records.c.record_id == record_id)
            )
            if sha is None:
                return None
            _lock_document(conn, sha)
            # Read after the lock: a reprocess that held it may have replaced the record.
            row = conn.execute(
                sa.select(records.c.body, records.c.document_sha256)
                .where(records.c.record_id == record_id)
                .with_for_update()
            ).first()
            if row is None:
                return None
            before = json.loads(row.body)
            purpose = before.get("purpose") or {}
            conn.execute(
                corrections.insert().values(
                    record_id=record_id,
                    document_sha256=row.document_sha256,
                    field="purpose.label",
                    old_value=purpose.get("label"),
                    new_value=label,
                    model=purpose.get("model"),
                    reviewer=reviewer,
                    token_id=token_id,
                    at=now(),
                    note=note or None,
                )
            )
            after = with_reviewer_label(before, label)
            values = _record_row(row.document_sha256, after)
            for key in ("record_id", "document_sha256", "row_index"):
                del values[key]
            conn.execute(records.update().where(records.c.record_id == record_id).values(values))
        return str(values["body"])

    def corrections_of(self, record_id: str | None = None) -> list[Correction]:
        """A record's corrections (every record's without one), oldest first."""
        if _has_nul(record_id):
            return []
        query = sa.select(corrections).order_by(corrections.c.id)
        if record_id is not None:
            query = query.where(corrections.c.record_id == record_id)
        with self.reader.begin() as conn:
            return [_correction(row) for row in conn.execute(query)]

    def latest_corrections(self) -> Iterator[tuple[Correction, str | None]]:
        """Each corrected record's latest correction with the record's JSON text (None when
        a re-run no longer yields the record), by record id: what the next training run reads."""
        latest = sa.select(sa.func.max(corrections.c.id)).group_by(corrections.c.record_id)
        query = (
            sa.select(corrections, records.c.body)
            .outerjoin(records, records.c.record_id == corrections.c.record_id)
            .where(corrections.c.id.in_(latest))
            .order_by(corrections.c.record_id)
        )
        with self.reader.begin() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield _correction(row), row.body

    def review_queue(
        self, after: QueueCursor | None = None, limit: int = 50
    ) -> list[tuple[QueueCursor, str]]:
        """Records whose purpose the model is unsure of (``purpose.needs_review``, from the
        model), least confident (lowest top purpose score) first, in keyset pages: (cursor of
        the row, JSON text). Extraction's doubts (the record's own ``needs_review``) are not
        a purpose reviewer's to settle, nor is a purpose the register's commercial flag set."""
        # A model's purpose always has scores, so the top score is never null here.
        score = records.c.purpose_score
        query = (
            sa.select(score, records.c.seq, records.c.body)
            .where(records.c.purpose_needs_review == sa.true(), records.c.purpose_source == "model")
            .order_by(score, records.c.seq)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                sa.or_(
                    score > after.score, sa.and_(score == after.score, records.c.seq > after.seq)
                )
            )
        with self.reader.begin() as conn:
            return [(QueueCursor(float(s), int(q)), body) for s, q, body in conn.execute(query)]

    def review_groups(self, after: QueueCursor | None = None, limit: int = 25) -> list[ReviewGroup]:
        """The review queue as one item per purpose statement and recipient (records'
        ``statement_key``), least confident group first (its lowest top score, then its
        first row), in keyset pages. Each group carries its rows and one record's JSON, the
        least confident of them."""
        score = sa.func.min(records.c.purpose_score)
        first = sa.func.min(records.c.seq)
        query = (
            sa.select(records.c.statement_key, score, first)
            .where(*_in_queue())
            .group_by(records.c.statement_key)
            .order_by(score, first)
            .limit(limit)
        )
        if after is not None:
            query = query.having(
                sa.or_(score > after.score, sa.and_(score == after.score, first > after.seq))
            )
        with self.reader.begin() as conn:
            heads = conn.execute(query).all()
            if not heads:
                return []
            rows = conn.execute(
                sa.select(records.c.statement_key, records.c.record_id, records.c.seq,
                          records.c.purpose_score, records.c.document_sha256,
                          records.c.row_index, documents.c.filename)
                .join(documents, documents.c.sha256 == records.c.document_sha256)
                .where(*_in_queue(), records.c.statement_key.in_([h[0] for h in heads]))
                .order_by(records.c.purpose_score, records.c.seq)
            ).all()
            least: dict[str, int] = {}  # each group's least confident row
            for row in rows:
                least.setdefault(row.statement_key, row.seq)
            bodies = dict(conn.execute(
                sa.select(records.c.seq, records.c.body).where(records.c.seq.in_(least.values()))
            ).all())
        return [_group(key, float(top), int(seq), [r for r in rows if r.statement_key == key],
                       bodies[least[key]])
                for key, top, seq in heads if key in least]

    def review_totals(self) -> tuple[int, int]:
        """(records, statement groups) in the review queue."""
        query = sa.select(
            sa.func.count(), sa.func.count(sa.distinct(records.c.statement_key))
        ).where(*_in_queue())
        with self.reader.begin() as conn:
            count, groups = conn.execute(query).one()
        return int(count), int(groups)

    def group_record_ids(self, statement_key: str) -> list[str]:
        """The queued records of one review group, in register order."""
        if _has_nul(statement_key):
            return []
        query = (
            sa.select(records.c.record_id)
            .where(*_in_queue(), records.c.statement_key == statement_key)
            .order_by(records.c.seq)
        )
        with self.reader.begin() as conn:
            return [str(r) for r in conn.scalars(query)]

    # editions

    def changes(
        self, since: str | None = None, agreement: str | None = None
    ) -> list[dict[str, Any]]:
        """Changes between editions (``workers.diff`` objects with their edition, previous
        edition, register and when they were found), oldest first: those found at or after
        ``since`` (an ISO date or date and time; ``ValueError`` for anything else), and of
        one agreement (as ``workers.diff.agreement_key`` names it) when given."""
        return self.changes_page(since, agreement)[0]

    def changes_page(
        self,
        since: str | None = None,
        agreement: str | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> tuple[list[dict[str, Any]], int | None]:
        """``changes`` a page at a time: those after the change numbered ``after``, at most
        ``limit``, and the number to pass as ``after`` for the next page (None at the end)."""
        query = sa.select(changes).where(changes.c.id > after).order_by(changes.c.id)
        if since is not None:
            query = query.where(changes.c.at >= _since(since))
        if agreement is not None:
            if _has_nul(agreement):
                return [], None
            query = query.where(changes.c.agreement == agreement)
        if limit is not None:
            query = query.limit(limit)
        with self.reader.begin() as conn:
            rows = list(conn.execute(query))
        last = rows[-1].id if limit is not None and len(rows) == limit else None
        return [_change_row(row) for row in rows], last

    def editions(self, register: str | None = None) -> list[dict[str, Any]]:
        """Every edition (of one register when given), newest first."""
        query = sa.select(editions, documents.c.filename).join(
            documents, documents.c.sha256 == editions.c.sha256
        ).order_by(editions.c.recorded_at.desc(), editions.c.sha256)
        if register is not None:
            query = query.where(editions.c.register == register)
        with self.reader.begin() as conn:
            return [
                {**row._asdict(), "recorded_at": iso(row.recorded_at)}
                for row in conn.execute(query)
            ]

    # organisations (issue 12): reviewers' corrections, and figures per registry id

    def correct_organisation_entry(
        self, organisation_id: str, field_name: str, old: str | None, new: str,
        reviewer: str, token_id: str | None = None, note: str | None = None,
    ) -> dict[str, Any]:
        """Keep a reviewer's correction of a registry entry (its ``sector`` or ``name``);
        ``drr organisations corrections apply`` writes it into the committed registry."""
        row = {"organisation_id": organisation_id, "record_id": None, "position": None,
               "printed": None, "field": field_name, "old_value": old, "new_value": new,
               "reviewer": reviewer, "token_id": token_id, "at": now(), "note": note or None}
        with self.writer.begin() as conn:
            key = conn.execute(organisation_corrections.insert().values(row)).inserted_primary_key
            row["id"] = key[0] if key else None
        return _org_correction(row)

    def correct_record_organisation(
        self, record_id: str, position: int, field_name: str, new: str,
        reviewer: str, token_id: str | None = None, note: str | None = None,
    ) -> str | None:
        """Set one organisation of one record (``entities.organisations[position]``): which
        registry entry it is (``id``) or its ``sector``, as a reviewer says; audit row and
        record in one transaction, under the document's lock. The record's new JSON text;
        None when there is no such record; IndexError when it has no such organisation."""
        if _has_nul(record_id):
            return None
        with self.writer.begin() as conn:
            sha = conn.scalar(sa.select(records.c.document_sha256).where(records.c.record_id == record_id))
            if sha is None:
                return None
            _lock_document(conn, sha)
            body = conn.scalar(sa.select(records.c.body).where(records.c.record_id == record_id))
            if body is None:
                return None
            record = json.loads(body)
            orgs = (record.get("entities") or {}).get("organisations") or []
            if not 0 <= position < len(orgs):
                raise IndexError(f"record {record_id} has {len(orgs)} organisations")
            org = orgs[position]
            conn.execute(organisation_corrections.insert().values(
                organisation_id=new if field_name == "id" else org.get("id"), record_id=record_id,
                position=position, printed=(org.get("text") or "")[:500], field=field_name,
                old_value=org.get(field_name), new_value=new, reviewer=reviewer,
                token_id=token_id, at=now(), note=note or None))
            org[field_name] = new
            org["needs_review"] = False
            values = _record_row(sha, record)
            for key in ("record_id", "document_sha256", "row_index"):
                del values[key]
            conn.execute(records.update().where(records.c.record_id == record_id).values(values))
            _replace_terms(conn, record)
        return str(values["body"])

    def organisation_corrections_of(
        self, organisation_id: str | None = None, record_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Organisation corrections, oldest first: of one entry, one record, or all."""
        if _has_nul(organisation_id, record_id):
            return []
        query = sa.select(organisation_corrections).order_by(organisation_corrections.c.id)
        if organisation_id is not None:
            query = query.where(organisation_corrections.c.organisation_id == organisation_id)
        if record_id is not None:
            query = query.where(organisation_corrections.c.record_id == record_id)
        with self.reader.begin() as conn:
            return [_org_correction(row._asdict()) for row in conn.execute(query)]

    def organisation_figures(self) -> dict[str, dict[str, int]]:
        """Per registry id in the stored records: how many records name it, and how many of
        those are commercial."""
        ids = record_terms.c.value
        query = (
            sa.select(ids, records.c.purpose_label, sa.func.count())
            .join(records, records.c.record_id == record_terms.c.record_id)
            .where(record_terms.c.kind == "organisation_id")
            .group_by(ids, records.c.purpose_label)
        )
        figures: dict[str, dict[str, int]] = {}
        with self.reader.begin() as conn:
            for value, label, n in conn.execute(query):
                row = figures.setdefault(value, {"records": 0, "commercial": 0})
                row["records"] += int(n)
                row["commercial"] += int(n) if label == "commercial" else 0
        return figures

    # tokens

    def create_token(self, role: Role, name: str = "") -> str:
        """A new token, shown once; only its sha256 is kept."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        token_id = secrets.token_hex(6)
        token = f"drr_{token_id}_{secrets.token_urlsafe(32)}"
        with self.writer.begin() as conn:
            conn.execute(
                tokens.insert().values(
                    id=token_id,
                    name=name or role,
                    role=role,
                    secret_sha256=_sha(token),
                    created_at=now(),
                )
            )
        return token

    def token_role(self, token: str) -> Role | None:
        with self.reader.begin() as conn:
            role = conn.scalar(
                sa.select(tokens.c.role).where(
                    tokens.c.secret_sha256 == _sha(token), tokens.c.revoked_at.is_(None)
                )
            )
        return role

    def token_info(self, token: str) -> TokenInfo | None:
        """Who a live token is: reviewers' corrections are kept under this name and id."""
        query = sa.select(
            tokens.c.id, tokens.c.name, tokens.c.role, tokens.c.created_at, tokens.c.revoked_at
        ).where(tokens.c.secret_sha256 == _sha(token), tokens.c.revoked_at.is_(None))
        with self.reader.begin() as conn:
            row = conn.execute(query).first()
        return TokenInfo(*row) if row else None

    def list_tokens(self) -> list[TokenInfo]:
        query = sa.select(
            tokens.c.id, tokens.c.name, tokens.c.role, tokens.c.created_at, tokens.c.revoked_at
        ).order_by(tokens.c.created_at)
        with self.reader.begin() as conn:
            return [TokenInfo(*row) for row in conn.execute(query)]

    def revoke_token(self, token_id: str) -> bool:
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    tokens.update()
                    .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                    .values(revoked_at=now())
                ).rowcount
            )


def _in_queue() -> tuple[sa.ColumnElement[bool], ...]:
    """The review queue: model labels the model itself is unsure of (``review_queue``)."""
    return (records.c.purpose_needs_review == sa.true(), records.c.purpose_source == "model")


def _group(key: str, score: float, seq: int, rows: Sequence[Any], body: str) -> ReviewGroup:
    documents_rows: dict[str, tuple[str, list[int]]] = {}
    for row in rows:
        documents_rows.setdefault(row.document_sha256, (row.filename, []))[1].append(
            int(row.row_index)
        )
    return ReviewGroup(
        key=key,
        cursor=QueueCursor(score, seq),
        record_ids=[str(row.record_id) for row in sorted(rows, key=lambda r: r.seq)],
        documents=[
            {"sha256": sha, "filename": name, "row_indexes": sorted(indexes)}
            for sha, (name, indexes) in documents_rows.items()
        ],
        body=body,
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _job(row: sa.Row[Any]) -> Job:
    return Job(**{column.name: getattr(row, column.name) for column in jobs.columns})


def _unchanged(job: Job) -> sa.Update:
    return jobs.update().where(
        jobs.c.id == job.id,
        jobs.c.state == job.state,
        jobs.c.deliveries == job.deliveries,
        jobs.c.requeues == job.requeues,
    )


def _correction(row: sa.Row[Any]) -> Correction:
    return Correction(**{column.name: getattr(row, column.name) for column in corrections.columns})


def _replace_terms(conn: Connection, record: dict[str, Any]) -> None:
    """One record's filter terms again, after a correction changed its organisations."""
    conn.execute(record_terms.delete().where(record_terms.c.record_id == record["record_id"]))
    terms = list(_record_terms(record))
    if terms:
        conn.execute(record_terms.insert(), terms)


def _org_correction(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (iso(value) if key == "at" else value) for key, value in row.items()}


def with_reviewer_label(record: dict[str, Any], label: str) -> dict[str, Any]:
    """The record with a reviewer's purpose label: ``purpose.source`` becomes ``reviewer``,
    it no longer needs review for its purpose, and the top-level ``needs_review`` keeps only
    what extraction flagged.

    The enricher sets ``needs_review`` to extraction's flag OR the purpose's, and keeps only
    the result. When the purpose was not flagged, the flag was extraction's and is kept. When
    it was, extraction's own flag is not recorded; extraction never flags a row without a
    warning, so the flag is kept when the record has warnings (at worst a record that had
    only a harmless warning stays flagged; an extraction doubt is never dropped).
    """
    purpose = dict(record.get("purpose") or {})
    flagged = bool(record.get("needs_review"))
    extraction_flag = flagged and (not purpose.get("needs_review") or bool(record.get("warnings")))
    purpose.update(label=label, source="reviewer", needs_review=False)
    return {**record, "purpose": purpose, "needs_review": extraction_flag}


@dataclass(frozen=True)
class EditionDiff:
    """What changed between a document and its register's latest edition, as found."""

    register: str
    previous: str | None
    found: list[dict[str, Any]]
    kind: str | None = None  # workers.fields.edition_kind of it against ``previous``


def _edition_diff(
    conn: Connection, sha: str, enriched: Sequence[dict[str, Any]]
) -> EditionDiff | None:
    """The document's changes since its register's latest edition (its rows' layout and
    its file name's family: ``workers.diff.register_name``); None when it is an edition
    already or has no layout."""
    from workers.diff import diff_editions, register_name

    source: dict[str, Any] = next((r["source"] for r in enriched if r.get("source")), {})
    layout = source.get("layout")
    register = register_name(layout, source.get("filename") or "") if layout else None
    if not register or conn.scalar(sa.select(editions.c.sha256).where(editions.c.sha256 == sha)):
        return None
    previous = _latest_edition(conn, register)
    if not previous:
        return EditionDiff(register, None, [])
    before = list(_stored_records(conn, previous))
    kind = indexed.edition_kind(_agreements(before), _agreements(enriched))
    return EditionDiff(register, previous, diff_editions(before, enriched), kind)


def _agreements(rows: Sequence[dict[str, Any]]) -> set[str]:
    return {a for a in map(indexed.agreement_of, rows) if a}


def _latest_edition(conn: Connection, register: str) -> str | None:
    return conn.scalar(
        sa.select(editions.c.sha256)
        .where(editions.c.register == register)
        .order_by(editions.c.recorded_at.desc(), editions.c.sha256)
        .limit(1)
    )


def _record_edition(
    conn: Connection, sha: str, enriched: Sequence[dict[str, Any]], planned: EditionDiff | None
) -> None:
    """Keep the document as an edition of its register with what changed since the
    register's latest edition. Once per document: a reprocess (a new model, say) changes
    no field a diff compares, so the changes first found stand. ``planned`` (found before
    the lock) is used when the register's latest edition is still the one it was made
    against; otherwise the diff is made again here."""
    if conn.dialect.name == "postgresql":  # two editions finishing at once chain, not fork
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": EDITION_LOCK_ID})
    if planned is None or planned.previous != _latest_edition(conn, planned.register):
        planned = _edition_diff(conn, sha, enriched)
    if planned is None or conn.scalar(
        sa.select(editions.c.sha256).where(editions.c.sha256 == sha)
    ):
        return
    at = now()
    conn.execute(editions.insert().values(
        sha256=sha, register=planned.register, previous_sha256=planned.previous,
        change_count=len(planned.found), recorded_at=at, kind=planned.kind,
    ))
    if planned.kind == "snapshot":  # it lists the whole register: the earlier ones go
        conn.execute(editions.update().where(
            editions.c.register == planned.register, editions.c.sha256 != sha,
            editions.c.superseded_by.is_(None),
        ).values(superseded_by=sha))
    rows = [
        {"edition_sha256": sha, "previous_sha256": planned.previous,
         "register": planned.register, "change": c["change"], "agreement": c["agreement"][:500],
         "organisation": c["organisation"], "body": dumps(c), "at": at}
        for c in planned.found
    ]
    for start in range(0, len(rows), 500):
        conn.execute(changes.insert(), rows[start : start + 500])


def _stored_records(conn: Connection, sha: str) -> Iterator[dict[str, Any]]:
    """A document's stored records with only their ``fields``: all a diff reads."""
    query = sa.select(records.c.body).where(records.c.document_sha256 == sha)
    return ({"fields": _fields_of(body)} for body in conn.execute(query).scalars())


_DECODER = json.JSONDecoder()


def _fields_of(body: str) -> dict[str, Any]:
    """A stored body's ``fields`` without parsing its entities, most of its bytes (179 MB
    of JSON for one 5,079-row workbook; four times faster so). A body the pipeline wrote
    starts ``{"record_id":...,"source":{...},"fields":{...}``: the two values before
    ``fields`` are decoded to find where it starts; any other shape is parsed whole."""
    end = 0
    for key in ('{"record_id":', ',"source":', ',"fields":'):
        if not body.startswith(key, end):
            return dict(json.loads(body).get("fields") or {})
        value, end = _DECODER.raw_decode(body, end + len(key))
    return dict(value) if isinstance(value, dict) else {}


def _since(text: str) -> datetime:
    """An ISO date (midnight UTC) or date and time (UTC when it names no zone)."""
    moment = datetime.fromisoformat(text.strip())
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _change_row(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        **json.loads(row.body),
        "edition": row.edition_sha256,
        "previous_edition": row.previous_sha256,
        "register": row.register,
        "at": iso(row.at),
    }


def _lock_document(conn: Connection, sha: str) -> None:
    """Hold the document's row until the transaction ends: a reviewer's correction and a
    reprocess of the same document take it before they read, so neither overwrites the
    other's write with what it read before. FOR NO KEY UPDATE (PostgreSQL) still lets
    other transactions insert rows that reference the document; SQLite ignores it, its
    writers (BEGIN IMMEDIATE) already run one at a time."""
    conn.execute(
        sa.select(documents.c.sha256)
        .where(documents.c.sha256 == sha)
        .with_for_update(key_share=True)
    )


def _reapply_corrections(
    conn: Connection, sha: str, enriched: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A new run's records with each one's latest reviewer label put back."""
    latest = (
        sa.select(corrections.c.record_id, sa.func.max(corrections.c.id).label("id"))
        .where(corrections.c.document_sha256 == sha, corrections.c.field == "purpose.label")
        .group_by(corrections.c.record_id)
        .subquery()
    )
    labels = dict(
        conn.execute(
            sa.select(corrections.c.record_id, corrections.c.new_value).join(
                latest, latest.c.id == corrections.c.id
            )
        ).all()
    )
    return [
        with_reviewer_label(record, labels[record["record_id"]])
        if record["record_id"] in labels
        else record
        for record in enriched
    ]


def _reapply_organisation_corrections(
    conn: Connection, enriched: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A new run's records with reviewers' organisation corrections put back, oldest first,
    where the organisation at that position still prints the name the reviewer saw."""
    ids = [record["record_id"] for record in enriched]
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows += conn.execute(
            sa.select(organisation_corrections)
            .where(organisation_corrections.c.record_id.in_(ids[start : start + 500]))
        ).all()
    if not rows:
        return list(enriched)
    by_record: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        by_record.setdefault(row.record_id, []).append(row)
    out = []
    for record in enriched:
        fixes = by_record.get(record["record_id"])
        if fixes:
            record = json.loads(json.dumps(record))  # the caller's record stays as it was
            orgs = (record.get("entities") or {}).get("organisations") or []
            for fix in fixes:
                if fix.position < len(orgs) and (orgs[fix.position].get("text") or "")[:500] == fix.printed:
                    orgs[fix.position][fix.field] = fix.new_value
                    orgs[fix.position]["needs_review"] = False
        out.append(record)
    return out


def _finished_active_job(again: bool) -> sa.ColumnElement[bool]:
    """With ``again``, a document whose job is done may be claimed by a new job."""
    if not again:
        return sa.false()
    done = sa.select(jobs.c.id).where(
        jobs.c.id == documents.c.active_job_id, jobs.c.state == "done"
    )
    return sa.exists(done)


def _figures(query: sa.Select[Any], where: RecordFilter) -> sa.Select[Any]:
    """``query`` over the records ``where`` selects, read by a scan of
    ``ix_records_figures``, which holds every column a filter reads (rowid included).
    Left to itself, SQLite looks each row a term or a search names up in the table, whose
    rows hold KBs of JSON: 20-40 ms for a word most rows hold, against ~3 ms for the scan."""
    return query.where(*_conditions(where, scan=True))


def _filtered(where: RecordFilter) -> sa.Select[Any]:
    query = sa.select(records.c.seq, records.c.body).order_by(records.c.seq)
    return query.where(*_conditions(where))


def _conditions(where: RecordFilter, scan: bool = False) -> list[sa.ColumnElement[bool]]:
    """One condition per given field of ``workers.fields.FIELDS``, by its kind. With
    ``scan``, terms and searches are tested on an index scan (``_figures``), not looked up."""
    if _has_nul(*(v for v in where.given.values() if isinstance(v, str))):
        return [sa.false()]
    conditions: list[sa.ColumnElement[bool]] = []
    if where.latest_only:
        document = _Unindexed(records.c.document_sha256) if scan else records.c.document_sha256
        conditions.append(document.not_in(_superseded()))
    for name, value in where.given.items():
        field = indexed.BY_NAME[name]
        if field.kind == "term":
            matching = sa.select(record_terms.c.record_id).where(
                record_terms.c.kind == name, record_terms.c.value == value
            )
            record_id = _Unindexed(records.c.record_id) if scan else records.c.record_id
            conditions.append(record_id.in_(matching))
        elif field.kind == "text":
            conditions.append(_search(value, scan))
        else:
            column = records.c[str(field.column)]
            conditions.append(
                column >= value if field.kind == "from"
                else column <= value if field.kind == "to"
                else column == value
            )
    return conditions


def _superseded() -> sa.Select[Any]:
    """The documents a later snapshot of their register lists again (migration 0008)."""
    return sa.select(editions.c.sha256).where(editions.c.superseded_by.is_not(None))


def _superseded_records() -> sa.Select[Any]:
    return sa.select(records.c.record_id).where(records.c.document_sha256.in_(_superseded()))


class _Matches(sa.sql.functions.FunctionElement[bool]):
    """Full-text match of ``records.search_text``, compiled per database: FTS5 (SQLite) and
    a tsvector expression index (PostgreSQL), both built by migration 0006."""

    name = "drr_matches"
    type = sa.types.NullType()  # type: ignore[assignment]  # no "= 1" after it on SQLite
    inherit_cache = True


class _ScanMatches(_Matches):
    name = "drr_scan_matches"
    inherit_cache = True


@compiles(_Matches, "sqlite")
def _matches_sqlite(element: _Matches, compiler: Any, **kw: Any) -> str:
    words = compiler.process(element.clauses, **kw)
    seq = "+records.seq" if isinstance(element, _ScanMatches) else "records.seq"
    return f"{seq} IN (SELECT rowid FROM records_fts WHERE records_fts MATCH {words})"


class _Unindexed(sa.sql.expression.ColumnElement[Any]):
    """A column no index may serve (SQLite's unary +), so that the planner scans the
    covering ``ix_records_figures`` instead of looking rows up one by one."""

    inherit_cache = True
    _traverse_internals: ClassVar[Any] = [  # type: ignore[misc]
        ("column", sa.sql.visitors.InternalTraversal.dp_clauseelement)
    ]

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Unindexed)
def _unindexed(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _unindexed_sqlite(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


@compiles(_Matches, "postgresql")
@compiles(_ScanMatches, "postgresql")
def _matches_postgresql(element: _Matches, compiler: Any, **kw: Any) -> str:
    words = compiler.process(element.clauses, **kw)
    return (
        f"to_tsvector('english', coalesce(records.search_text, '')) "
        f"@@ plainto_tsquery('english', {words})"
    )


def search_words(text: str) -> list[str]:
    """The words of a search, without the operators of either database's query syntax."""
    return re.findall(r"\w+", text)[:32]


def _search(text: str, scan: bool = False) -> sa.ColumnElement[bool]:
    """Records whose search text holds every word of ``text``, stemmed; no word: none."""
    words = search_words(text)
    if not words:
        return sa.false()
    # FTS5: quoted words, implicitly ANDed; plainto_tsquery ANDs plain words itself.
    query = " ".join(f'"{w}"' for w in words)
    kind = _ScanMatches if scan else _Matches
    match = kind(sa.bindparam(None, query, type_=sa.String, unique=True))
    return match.self_group()  # type: ignore[return-value]


def _replace_records(
    conn: Connection, insert: Any, sha: str, enriched: Sequence[dict[str, Any]]
) -> None:
    """Upsert by (document, row) and drop rows a previous run had beyond this run's last.
    Reviewers' corrections outlive the run: each record's latest one is applied again,
    read under the document's lock so that none made meanwhile is overwritten."""
    _lock_document(conn, sha)
    enriched = _reapply_corrections(conn, sha, enriched)
    enriched = _reapply_organisation_corrections(conn, enriched)
    rows = [_record_row(sha, record) for record in enriched]
    previous = sa.select(records.c.record_id).where(records.c.document_sha256 == sha)
    conn.execute(record_terms.delete().where(record_terms.c.record_id.in_(previous)))
    conn.execute(
        records.delete().where(records.c.document_sha256 == sha, records.c.row_index >= len(rows))
    )
    if not rows:
        return
    upsert = insert(records)
    kept = {"record_id", "seq", "document_sha256", "row_index"}
    upsert = upsert.on_conflict_do_update(
        index_elements=["record_id"],
        set_={c.name: upsert.excluded[c.name] for c in records.columns if c.name not in kept},
    )
    for start in range(0, len(rows), 500):
        conn.execute(upsert, rows[start : start + 500])
    terms = [term for record in enriched for term in _record_terms(record)]
    for start in range(0, len(terms), 1000):
        conn.execute(insert(record_terms).on_conflict_do_nothing(), terms[start : start + 1000])


def _record_row(sha: str, record: dict[str, Any]) -> dict[str, Any]:
    purpose = record.get("purpose") or {}
    scores = purpose.get("scores") or {}
    return {
        "record_id": record["record_id"],
        "document_sha256": sha,
        "row_index": int(record["source"]["row_index"]),
        **indexed.column_values(record),
        "purpose_source": purpose.get("source"),
        "purpose_score": max(scores.values()) if scores else None,
        "purpose_needs_review": bool(purpose.get("needs_review")) if purpose else None,
        "search_text": indexed.search_text(record) or None,
        # The exact line ``drr process`` writes for this record.
        "body": dumps(record),
        "updated_at": now(),
    }


def _record_terms(record: dict[str, Any]) -> Iterator[dict[str, str]]:
    for kind, value, printed in indexed.printed_terms(record):
        yield {"kind": kind, "value": value, "record_id": record["record_id"], "printed": printed}


# engines and migrations


def open_store(database_url: str, migrate: bool = True) -> Store:
    """Engines for one process (build once, pass in), the schema brought up to date first."""
    # SQLite readers emit no BEGIN: every read is one statement, consistent by itself, and
    # a BEGIN/COMMIT pair would double the cost of the small reads the API lives on.
    store = Store(_engine(database_url, "BEGIN IMMEDIATE"), _engine(database_url, None))
    if migrate:
        upgrade(store.writer)
    return store


def _engine(url: str, begin: str | None) -> Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    _make_parent(url)
    engine = sa.create_engine(url, connect_args={"timeout": 60})
    sa.event.listen(engine, "connect", _sqlite_connect)
    # The sqlite3 module's own transaction handling skips BEGIN for SELECT and DDL; emit it
    # ourselves. Writers take the write lock up front (IMMEDIATE), so two writers queue on
    # the busy timeout instead of failing with "database is locked" half-way.
    if begin:
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "busy_timeout=60000",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _make_parent(url: str) -> None:
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def kept_by_migrations_only(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's ``include_name``: False for the full-text index migration 0006 builds by
    hand (FTS5's table and its shadow tables, PostgreSQL's expression index), which has no
    place in ``metadata`` and so must not read as a difference from it."""
    return not (name or "").startswith(("records_fts", "ix_records_search"))


def upgrade(engine: Engine) -> None:
    """Run the Alembic migrations to head, one process at a time."""
    import logging

    from alembic import command

    # Alembic says "Context impl ..." at INFO on every start; a worker's log has better uses.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = alembic_config()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATE_LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def alembic_config() -> Any:
    from alembic.config import Config

    here = Path(__file__).resolve().parent
    config = Config(str(here / "alembic.ini"))
    config.set_main_option("script_location", str(here / "migrations"))
    return config
