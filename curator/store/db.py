"""Open the database and bring its schema up to date with Alembic.

SQLite (WAL, foreign keys on, busy timeout) is the embedded default; PostgreSQL via
``CURATOR_DATABASE_URL`` (``postgresql+psycopg://user@host/db``) is the scale-out store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from curator.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _normalise_url(url: str) -> str:
    # Accept the plain libpq-style URL admins paste; psycopg 3 is the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas and pool settings each backend needs."""
    url = _normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"CURATOR_DATABASE_URL {url!r} is not a database URL: {exc}. "
            "Use sqlite:///path/to/curator.db or postgresql+psycopg://user@host:5432/db"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", 30)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling is turned off so that we can BEGIN IMMEDIATE:
            # a read-then-write transaction in WAL mode would otherwise fail with "database is
            # locked" (SQLITE_BUSY_SNAPSHOT) instead of waiting when another writer got there first.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r} in CURATOR_DATABASE_URL; "
        "use sqlite or postgresql"
    )


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_engine(url: str | None = None, *, upgrade: bool = True, **kwargs: Any) -> Engine:
    """The engine for the configured database, migrated to the newest schema."""
    if url is None:
        from curator.config import get_settings

        url = get_settings().database_url
    engine = create_store_engine(url, **kwargs)
    if upgrade:
        try:
            migrate(engine)
        except Exception as exc:  # OperationalError, permission problems...
            raise StoreError(f"could not open or migrate the database at {url}: {exc}") from exc
    return engine
