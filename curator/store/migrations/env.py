"""Alembic environment: run against the connection ``curator.store.db.migrate`` hands in,
or against ``CURATOR_DATABASE_URL`` when called from the ``alembic`` command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from curator.store.schema import is_search_object, metadata

config = context.config


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    # The full-text search objects are made by hand-written SQL in a migration; autogenerate
    # must not propose to drop them.
    return not is_search_object(name, type_)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from curator.config import get_settings
    from curator.store.db import create_store_engine

    engine = create_store_engine(get_settings().database_url)
    with engine.begin() as conn:
        _run(conn)
