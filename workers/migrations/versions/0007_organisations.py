"""the organisation registry and its audited corrections (issue 12)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

Reserved so that three changes made side by side chain in one line; filled in by the
change it names.
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
