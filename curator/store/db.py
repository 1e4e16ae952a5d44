"""Open the database and bring its schema up to date with Alembic.

SQLite (WAL, foreign keys on, busy timeout) is the embedded default; PostgreSQL via
``CURATOR_DATABASE_URL`` (``postgresql+psycopg://user@host/db``) is the scale-out store.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from curator.errors import DatabaseGone, StoreError
from curator.store.dbfile import DatabaseFile

MIGRATIONS = Path(__file__).parent / "migrations"


def _normalise_url(url: str) -> str:
    # Accept the plain libpq-style URL admins paste; psycopg 3 is the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: ``scheme://user:PASSWORD@`` and ``password=PASSWORD`` in a URL that SQLAlchemy cannot parse.
_USERINFO_PASSWORD = re.compile(r"(://[^/:@?#]*:)[^/@?#]*@")
_QUERY_PASSWORD = re.compile(r"((?:^|[?&;])password=)[^&;#]*", re.I)


def safe_url(url: str) -> str:
    """``url`` fit to print or log: its password (in the user info or a ``password=`` query
    parameter) shown as ``***``, even when the URL does not parse."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        shown = _USERINFO_PASSWORD.sub(r"\1***@", url)
    return _QUERY_PASSWORD.sub(r"\1***", shown)


def _without_password(text: str, url: str) -> str:
    """``text`` (a driver's error, say) with the password of ``url`` masked wherever it shows."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    text = text.replace(url, safe_url(url))
    if password and len(password) > 1:  # one character would mask half the message
        text = text.replace(password, "***")
    return text


#: Execution option of a connection that only reads (``conn.execution_options(**{READ_ONLY:
#: True})`` before its first statement): on SQLite its transaction takes no write lock, so it
#: neither waits for a writer nor makes one wait (the audit export reads for seconds).
READ_ONLY = "curator_read_only"


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas and pool settings each backend needs."""
    url = _normalise_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"CURATOR_DATABASE_URL {safe_url(url)!r} is not a database URL: "
            f"{_without_password(str(exc), url)}. "
            "Use sqlite:///path/to/curator.db or postgresql+psycopg://user@host:5432/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            _create_private(path)
        watched = DatabaseFile.opened(path)
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

        @event.listens_for(engine, "do_connect")
        def _sqlite_connect(_dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
            # Connecting to a path whose file was deleted would create a new, empty one there.
            watched.refuse_if_gone()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            try:
                watched.refuse_if_gone()  # deleted under us: whatever it stored would be lost
            except DatabaseGone:
                # SQLAlchemy leaves a connection whose begin failed half-begun (a statement
                # run on it later would skip BEGIN and autocommit): closed, it can run nothing.
                conn.close()
                raise
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")  # takes no write lock: readers run side by side
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise StoreError(
        f"unsupported database {parsed.get_backend_name()!r} in CURATOR_DATABASE_URL; "
        "use sqlite or postgresql"
    )


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url`` (``None`` for an in-memory or ``file:`` URI database, or
    another backend)."""
    try:
        parsed = make_url(_normalise_url(url))
    except (ArgumentError, ValueError):
        return None  # create_store_engine says what is wrong with it
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url`` that does not exist yet (``None`` for one that does, an
    in-memory or ``file:`` URI database, or another backend): opening it would create it, which
    only a command that writes should do."""
    path = sqlite_file(url)
    return None if path is None or path.exists() else path


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600) if it does not exist yet: it
    holds editors' names and decisions. SQLite gives the -wal and -shm files it creates the
    database file's mode, so they are private too. An existing file keeps its mode: an admin may
    have chosen it (``chmod 600 data/curator.db*`` tightens an older one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # an empty file is a valid, empty SQLite database; an existing one is left alone
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


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
            # the driver's own message may quote the connection string: masked too, and not
            # chained, so no traceback a log prints carries it either
            raise StoreError(
                f"could not open or migrate the database at {safe_url(url)}: "
                f"{_without_password(str(exc), url)}"
            ) from None
    return engine
