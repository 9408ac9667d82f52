"""editions of a register kept apart (issue 13: drr diff, GET /changes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

Reserved so that three changes made side by side chain in one line; filled in by the
change it names.
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
