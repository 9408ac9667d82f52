"""the organisation registry and its audited corrections (issue 12)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

``organisation_corrections`` is the audit trail of reviewers' corrections to
organisations (who, when, old and new), never updated or deleted, like ``corrections`` for
purposes. A row either corrects a registry entry (``record_id`` null: its sector or name)
or one organisation of one record (``record_id`` and ``position``: which registry entry it
is, or its sector). ``drr organisations corrections apply`` writes them into the committed
registry, where they land with the reviewer's name and note.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_corrections",
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
    )
    op.create_index("ix_org_corrections_org", "organisation_corrections", ["organisation_id", "id"])
    op.create_index("ix_org_corrections_record", "organisation_corrections", ["record_id", "id"])


def downgrade() -> None:
    op.drop_table("organisation_corrections")
