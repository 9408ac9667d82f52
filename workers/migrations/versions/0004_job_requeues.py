"""jobs know when their message was sent and how often they were put back on the queue

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

A job whose message was lost (a broker restarted without its data, an API process that
ran jobs on a thread and stopped) stayed ``queued`` or ``running`` for ever. The reaper
(``workers.jobs.reap``) finds them by ``enqueued_at`` and ``started_at``, and bounds how
often one job is put back on the queue by ``requeues``; the guarded update on
``requeues`` is also what lets only one of several reapers put a job back.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("enqueued_at", sa.DateTime(timezone=True)))
    op.add_column("jobs", sa.Column("requeues", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:  # SQLite drops columns by copying
        batch.drop_column("requeues")
        batch.drop_column("enqueued_at")
