"""reviewer corrections, and the review queue's columns on records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

``corrections`` is the audit trail of reviewers' purpose labels (who, when, old and new).
It has no foreign key to ``records``: a record a re-run no longer yields is deleted, but
what a reviewer said about it stays on the record.

``records`` gains ``purpose_source`` and ``purpose_score`` (the top purpose score), so the
review queue (model-labelled records that need review, least confident first) is one
index range instead of a scan of every record's JSON. Existing rows are filled from their
JSON here.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("records", sa.Column("purpose_source", sa.String(16)))
    op.add_column("records", sa.Column("purpose_score", sa.Float))
    _fill_queue_columns()
    op.create_index("ix_records_queue", "records",
                    ["needs_review", "purpose_source", "purpose_score", "seq"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(32)),
        sa.Column("new_value", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("token_id", sa.String(16)),
        sa.Column("at", TZ, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_corrections_record", "corrections", ["record_id", "id"])
    op.create_index("ix_corrections_document", "corrections", ["document_sha256", "id"])


def _fill_queue_columns() -> None:
    records = sa.table("records", sa.column("seq"), sa.column("body"),
                       sa.column("purpose_source"), sa.column("purpose_score"))
    conn = op.get_bind()
    after = 0
    while batch := conn.execute(
        sa.select(records.c.seq, records.c.body).where(records.c.seq > after)
        .order_by(records.c.seq).limit(1000)
    ).all():
        for seq, body in batch:
            purpose = json.loads(body).get("purpose") or {}
            scores = purpose.get("scores") or {}
            conn.execute(
                records.update().where(records.c.seq == seq).values(
                    purpose_source=purpose.get("source") if purpose else None,
                    purpose_score=max(scores.values()) if scores else None,
                )
            )
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_table("corrections")
    op.drop_index("ix_records_queue", "records")
    with op.batch_alter_table("records") as batch:  # SQLite drops columns by copying
        batch.drop_column("purpose_score")
        batch.drop_column("purpose_source")
