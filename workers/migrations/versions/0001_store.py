"""documents, jobs, records with their filter terms, tokens

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("format", sa.String(16)),
        sa.Column("active_job_id", sa.String(32)),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "document_sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False
        ),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("deliveries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("record_count", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
    )
    op.create_index("ix_jobs_document", "jobs", ["document_sha256"])
    op.create_index("ix_jobs_state_created", "jobs", ["state", "created_at"])
    op.create_table(
        "records",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
        ),
        sa.Column("record_id", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "document_sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False
        ),
        sa.Column("row_index", sa.Integer, nullable=False),
        sa.Column("purpose_label", sa.String(32)),
        sa.Column("needs_review", sa.Boolean, nullable=False),
        sa.Column("record_date", sa.String(10)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("document_sha256", "row_index", name="uq_records_document_row"),
    )
    op.create_index("ix_records_purpose", "records", ["purpose_label", "seq"])
    op.create_index("ix_records_review", "records", ["needs_review", "seq"])
    op.create_index("ix_records_date", "records", ["record_date"])
    op.create_table(
        "record_terms",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(500), primary_key=True),
        sa.Column("record_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_record_terms_record", "record_terms", ["record_id"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )


def downgrade() -> None:
    for table in ("tokens", "record_terms", "records", "jobs", "documents"):
        op.drop_table(table)
