"""full-text search and the indexed fields of the explorer (issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

Reserved so that three changes made side by side chain in one line; filled in by the
change it names.
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
