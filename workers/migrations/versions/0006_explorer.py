"""full-text search and the indexed fields of the explorer (issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

``records`` gains ``statement_key`` (the review page's groups: one purpose statement of
one recipient, ``workers.fields.statement_key``, indexed with the queue's columns) and
``search_text`` (the text full-text search reads, ``SEARCH_FIELDS`` of
``workers.fields``), indexed per database:

- SQLite: an FTS5 table ``records_fts`` over it (external content: the text is kept once,
  in ``records``), kept in step by three triggers, porter-stemmed;
- PostgreSQL: a GIN index on ``to_tsvector('english', search_text)``, the expression the
  store's query repeats.

``record_terms`` is rebuilt from every record's JSON as ``workers.fields`` now declares
it: new kinds (mentions, organisation_id, legal_basis, commercial, agreement), and
``organisation`` / ``sector`` now the recipient's only. Terms are derived data: rebuilding
them loses nothing.

A later SQLite migration that copies ``records`` (``batch_alter_table`` with a rebuild)
drops its triggers with the old table: it must create them again (``TRIGGERS`` below).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TRIGGERS = (
    """CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
         INSERT INTO records_fts(rowid, search_text) VALUES (new.seq, new.search_text);
       END""",
    """CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
         INSERT INTO records_fts(records_fts, rowid, search_text)
         VALUES ('delete', old.seq, old.search_text);
       END""",
    """CREATE TRIGGER records_fts_update AFTER UPDATE OF search_text ON records BEGIN
         INSERT INTO records_fts(records_fts, rowid, search_text)
         VALUES ('delete', old.seq, old.search_text);
         INSERT INTO records_fts(rowid, search_text) VALUES (new.seq, new.search_text);
       END""",
)


def upgrade() -> None:
    op.add_column("records", sa.Column("search_text", sa.Text))
    op.add_column("records", sa.Column("statement_key", sa.String(64)))
    _fill()
    op.create_index("ix_records_statement", "records",
                    ["statement_key", "purpose_needs_review", "purpose_source"])
    op.create_index("ix_records_figures", "records", ["purpose_label", "record_date",
                                                      "needs_review", "document_sha256",
                                                      "record_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE records_fts USING fts5(search_text, content='records', "
            "content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')"
        )
        for trigger in TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_records_search ON records "
            "USING gin (to_tsvector('english', coalesce(search_text, '')))"
        )


def _fill() -> None:
    from workers.fields import record_terms, search_text, statement_key

    records = sa.table("records", sa.column("seq"), sa.column("record_id"), sa.column("body"),
                       sa.column("search_text"), sa.column("statement_key"))
    terms = sa.table("record_terms", sa.column("kind"), sa.column("value"),
                     sa.column("record_id"))
    conn = op.get_bind()
    conn.execute(terms.delete())
    after = 0
    while batch := conn.execute(
        sa.select(records.c.seq, records.c.record_id, records.c.body)
        .where(records.c.seq > after).order_by(records.c.seq).limit(1000)
    ).all():
        rows = []
        for seq, record_id, body in batch:
            record = json.loads(body)
            conn.execute(records.update().where(records.c.seq == seq)
                         .values(search_text=search_text(record) or None,
                                 statement_key=statement_key(record)))
            rows += [{"kind": k, "value": v, "record_id": record_id}
                     for k, v in record_terms(record)]
        if rows:
            conn.execute(terms.insert(), rows)
        after = batch[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER records_fts_{name}")
        op.execute("DROP TABLE records_fts")
    else:
        op.drop_index("ix_records_search", "records")
    op.drop_index("ix_records_figures", "records")
    op.drop_index("ix_records_statement", "records")
    with op.batch_alter_table("records") as batch:  # SQLite drops columns by copying
        batch.drop_column("statement_key")
        batch.drop_column("search_text")
