"""Alembic environment: runs on the connection handed over by ``interviewer.store.db.upgrade``.

When run from the ``alembic`` command line instead, it connects to ``sqlalchemy.url`` or, if set,
``INTERVIEWER_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from interviewer.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from interviewer.settings import Settings
    from interviewer.store.db import create_db_engine

    url = Settings().database_url or config.get_main_option("sqlalchemy.url") or ""
    engine = create_db_engine(url)
    with engine.begin() as conn:
        _run(conn)


_run_online()
