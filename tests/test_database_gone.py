"""A SQLite file deleted (or replaced) under a running process: every transaction of its engine
is refused, with the file and what to do, instead of going to the deleted file SQLite still
holds open (lost when the process ends). SQLite only: no PostgreSQL run (no file to lose)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ResourceClosedError

from curator.errors import DatabaseGone, StoreError
from curator.store.db import open_engine
from tests.test_web import serving_slack


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    db = tmp_path / "gone.db"
    engine = open_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine, db
    engine.dispose()


def _delete(db: Path) -> None:
    for path in db.parent.glob(f"{db.name}*"):  # and its -wal and -shm
        path.unlink()


def test_every_transaction_is_refused_once_the_file_is_deleted(
    sqlite: tuple[Engine, Path],
) -> None:
    engine, db = sqlite
    with engine.begin() as conn:  # while it is there, nothing changes
        conn.execute(text("INSERT INTO t VALUES (1)"))
    _delete(db)
    with pytest.raises(DatabaseGone) as refused, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    message = str(refused.value)
    assert message.startswith(f"the database file {db} was deleted while this process (pid ")
    assert "nothing more is stored" in message
    assert "Put the file back" in message and "/proc/" in message and "restart it" in message
    assert (refused.value.path, refused.value.how) == (str(db), "deleted")
    assert isinstance(refused.value, StoreError)  # callers that catch store errors catch it
    with pytest.raises(DatabaseGone), engine.connect() as conn:  # a statement's own begin too
        conn.execute(text("SELECT count(*) FROM t"))
    assert not db.exists()  # refused before SQLite could create a new one


def test_a_new_connection_is_refused_and_creates_no_new_file(
    sqlite: tuple[Engine, Path],
) -> None:
    # sqlite3 creates the file it connects to: a connection opened after the deletion (the pool
    # grows when threads work at once) left a new, empty database at the path, which the next
    # check took for a file "replaced" there, and a restart would have used.
    engine, db = sqlite
    _delete(db)
    engine.dispose()  # the pooled connections closed: the next one is new
    with pytest.raises(DatabaseGone) as refused:
        engine.connect()
    assert refused.value.how == "deleted"
    assert not db.exists()


def test_a_refused_connection_can_run_nothing_more(sqlite: tuple[Engine, Path]) -> None:
    # SQLAlchemy leaves a connection whose begin failed half-begun: caught and used again, its
    # next statement ran without BEGIN and autocommitted into the deleted file.
    engine, db = sqlite
    _delete(db)
    with engine.connect() as conn:
        with pytest.raises(DatabaseGone):
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(ResourceClosedError):
            conn.execute(text("INSERT INTO t VALUES (2)"))


def test_a_file_replaced_under_it_is_refused_too(sqlite: tuple[Engine, Path]) -> None:
    engine, db = sqlite
    _delete(db)
    db.write_bytes(b"")  # a restored copy: another file than the one held open
    with pytest.raises(DatabaseGone) as refused, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert f"the database file {db} was replaced" in str(refused.value)
    assert "If the file now at that path is the one to keep" in str(refused.value)


def test_a_database_in_memory_is_never_judged() -> None:
    engine = open_engine("sqlite://")
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_slack_serve_healthz_fails_once_its_file_is_deleted(tmp_path: Path) -> None:
    # It answered ok while every click was refused: a monitor watching it saw nothing wrong.
    db = tmp_path / "serve.db"
    with serving_slack(f"sqlite:///{db}", tmp_path) as (proc, port):
        url = f"http://127.0.0.1:{port}/healthz"
        ok = httpx.get(url, timeout=5)
        assert (ok.status_code, ok.json()) == (200, {"status": "ok", "database_error": None})
        _delete(db)
        failing = httpx.get(url, timeout=5)
        assert failing.status_code == 503
        body = failing.json()
        assert set(body) == {"status", "database_error"}
        assert body["status"] == "failing"  # as curator run's /healthz says it
        assert body["database_error"].startswith(
            f"the database file {db} was deleted while this process (pid {proc.pid}) was running"
        )
        assert "Put the file back" in body["database_error"]
        db.write_bytes(b"")  # an empty file put there: still not the one it holds
        replaced = httpx.get(url, timeout=5)
        assert replaced.status_code == 503
        assert f"the database file {db} was replaced" in replaced.json()["database_error"]
