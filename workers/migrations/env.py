"""Alembic environment: runs on the connection the store hands over (``workers.store.upgrade``).

From the command line (``alembic -c workers/alembic.ini ...``) it opens ``DRR_DATABASE_URL``
through the settings module, the one place the environment is read.
"""

from alembic import context
from sqlalchemy import create_engine

from workers.store import kept_by_migrations_only, metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    from workers.settings import Settings

    engine = create_engine(Settings.from_env().database_url)
    with engine.begin() as conn:
        _run_on(conn)


def _run_on(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=kept_by_migrations_only,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("drr migrations run online only: pass a database connection")
run_migrations()
