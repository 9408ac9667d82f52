"""the review queue holds records whose purpose the model is unsure of

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

0002 queued records by the record's ``needs_review``, which is extraction's flag OR the
purpose's: a confident label on a row extraction flagged, or a purpose the register's
commercial flag settled, were queued for purpose review. ``records`` gains
``purpose_needs_review`` (the purpose's own flag, out of the JSON; filled here for
existing rows) and the queue's index is rebuilt on it.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("records", sa.Column("purpose_needs_review", sa.Boolean))
    _fill_purpose_needs_review()
    op.drop_index("ix_records_queue", "records")
    op.create_index("ix_records_queue", "records",
                    ["purpose_needs_review", "purpose_source", "purpose_score", "seq"])


def _fill_purpose_needs_review() -> None:
    records = sa.table("records", sa.column("seq"), sa.column("body"),
                       sa.column("purpose_needs_review", sa.Boolean))
    conn = op.get_bind()
    after = 0
    while batch := conn.execute(
        sa.select(records.c.seq, records.c.body).where(records.c.seq > after)
        .order_by(records.c.seq).limit(1000)
    ).all():
        for seq, body in batch:
            purpose = json.loads(body).get("purpose") or {}
            flag = bool(purpose.get("needs_review")) if purpose else None
            conn.execute(
                records.update().where(records.c.seq == seq).values(purpose_needs_review=flag)
            )
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_index("ix_records_queue", "records")
    op.create_index("ix_records_queue", "records",
                    ["needs_review", "purpose_source", "purpose_score", "seq"])
    with op.batch_alter_table("records") as batch:  # SQLite drops columns by copying
        batch.drop_column("purpose_needs_review")
