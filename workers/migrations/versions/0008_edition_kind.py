"""editions counted once: snapshot and period registers; filter lists as printed (issue 13)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

``editions`` gains ``kind``: "snapshot" when an edition repeats most of its register's
previous edition's agreements (it lists the whole register again), "period" when it
repeats few (one month's or year's releases), by ``workers.fields.edition_kind``; None for
a register's first edition. A snapshot supersedes the register's earlier editions
(``superseded_by``): the explorer and ``drr report --from-store`` leave their records out,
which counted a register's rows once per edition kept.

``record_terms`` gains ``printed`` (the value as the record prints it, for lists of
choices) and is rebuilt from every record's JSON: an approval reference that is the row's
own reference (or a NIC agreement number) is no longer a term, as ``drr report`` counts.
Terms are derived data: rebuilding them loses nothing. Editions stored before are given
their kind here, oldest first, from their stored records.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("editions", sa.Column("kind", sa.String(16)))
    op.add_column("editions", sa.Column("superseded_by", sa.String(64)))
    op.add_column("record_terms", sa.Column("printed", sa.String(500)))
    _fill_terms()
    op.create_index("ix_record_terms_printed", "record_terms", ["kind", "value", "printed"])
    _fill_kinds()


def _fill_terms() -> None:
    from workers.fields import printed_terms

    records = sa.table("records", sa.column("seq"), sa.column("record_id"), sa.column("body"))
    terms = sa.table("record_terms", sa.column("kind"), sa.column("value"),
                     sa.column("record_id"), sa.column("printed"))
    conn = op.get_bind()
    conn.execute(terms.delete())
    after = 0
    while batch := conn.execute(
        sa.select(records.c.seq, records.c.record_id, records.c.body)
        .where(records.c.seq > after).order_by(records.c.seq).limit(1000)
    ).all():
        rows = [{"kind": k, "value": v, "record_id": record_id, "printed": p}
                for _, record_id, body in batch for k, v, p in printed_terms(json.loads(body))]
        if rows:
            conn.execute(terms.insert(), rows)
        after = batch[-1][0]


def _fill_kinds() -> None:
    from workers.fields import agreement_of, edition_kind

    editions = sa.table("editions", sa.column("sha256"), sa.column("register"),
                        sa.column("previous_sha256"), sa.column("recorded_at"),
                        sa.column("kind"), sa.column("superseded_by"))
    records = sa.table("records", sa.column("document_sha256"), sa.column("body"))
    conn = op.get_bind()

    def agreements(sha: str) -> set[str]:
        bodies = conn.execute(sa.select(records.c.body)
                              .where(records.c.document_sha256 == sha)).scalars()
        return {a for a in (agreement_of(json.loads(b)) for b in bodies) if a}

    rows = conn.execute(sa.select(editions.c.sha256, editions.c.register,
                                  editions.c.previous_sha256)
                        .order_by(editions.c.recorded_at, editions.c.sha256)).all()
    for at, (sha, register, previous) in enumerate(rows):
        if not previous:
            continue
        kind = edition_kind(agreements(previous), agreements(sha))
        conn.execute(editions.update().where(editions.c.sha256 == sha).values(kind=kind))
        if kind == "snapshot":  # the register's editions before it, not yet superseded
            earlier = [row[0] for row in rows[:at] if row[1] == register]
            conn.execute(editions.update().where(
                editions.c.sha256.in_(earlier), editions.c.superseded_by.is_(None),
            ).values(superseded_by=sha))


def downgrade() -> None:
    op.drop_index("ix_record_terms_printed", "record_terms")
    with op.batch_alter_table("record_terms") as batch:  # SQLite drops columns by copying
        batch.drop_column("printed")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("superseded_by")
        batch.drop_column("kind")
