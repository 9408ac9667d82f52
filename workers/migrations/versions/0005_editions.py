"""editions of a register kept apart (issue 13: drr diff, GET /changes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

A document whose job finishes becomes an edition of its register (the layout profile its
rows matched). ``changes`` keeps what ``workers.diff.diff_editions`` found between it and
the register's previous edition, one row per agreement, never updated: ``GET /changes``
and the report's "since the last edition" read it without diffing again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editions",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), primary_key=True),
        sa.Column("register", sa.String(200), nullable=False),
        sa.Column("previous_sha256", sa.String(64)),
        sa.Column("change_count", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_editions_register", "editions", ["register", "recorded_at"])
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("edition_sha256", sa.String(64), nullable=False),
        sa.Column("previous_sha256", sa.String(64), nullable=False),
        sa.Column("register", sa.String(200), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("agreement", sa.String(500), nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_changes_at", "changes", ["at", "id"])
    op.create_index("ix_changes_agreement", "changes", ["agreement", "id"])
    op.create_index("ix_changes_edition", "changes", ["edition_sha256", "id"])


def downgrade() -> None:
    op.drop_table("changes")
    op.drop_table("editions")
