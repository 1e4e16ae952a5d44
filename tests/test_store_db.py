"""Opening the database: a password in CURATOR_DATABASE_URL never appears in an error message."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from curator.errors import StoreError
from curator.store.db import create_store_engine, open_engine, safe_url

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://curator:{SECRET}@127.0.0.1:1/db",  # nothing listens on port 1
        f"postgres://curator:{SECRET}@127.0.0.1:1/db",
        f"postgresql+psycopg://curator:{SECRET}@127.0.0.1:notaport/db",  # not even a URL
        f"mysql://curator:{SECRET}@127.0.0.1/db",
    ],
)
def test_no_error_opening_the_database_shows_the_password(url: str) -> None:
    with pytest.raises(StoreError) as info:
        open_engine(url)
    message = str(info.value)
    assert SECRET not in message
    assert "curator:***@127.0.0.1" in message or "unsupported database" in message


def test_safe_url_hides_only_the_password() -> None:
    assert (
        safe_url(f"postgresql+psycopg://u:{SECRET}@h:5432/db")
        == "postgresql+psycopg://u:***@h:5432/db"
    )
    assert safe_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert safe_url("sqlite:///./data/curator.db") == "sqlite:///./data/curator.db"
    assert safe_url(f"postgresql://u:{SECRET}@h:port/db") == "postgresql://u:***@h:port/db"
    assert safe_url(f"postgresql://u:{SECRET}@h/db?password={SECRET}") == (
        "postgresql://u:***@h/db?password=***"
    )


def test_the_engine_url_itself_prints_without_the_password() -> None:
    engine = create_store_engine(f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db")
    try:
        assert SECRET not in str(engine.url) and SECRET not in repr(engine)
    finally:
        engine.dispose()


def test_a_command_that_cannot_open_the_database_does_not_print_the_password() -> None:
    env = {"CURATOR_DATABASE_URL": f"postgresql+psycopg://curator:{SECRET}@127.0.0.1:1/db"}
    done = subprocess.run(
        [sys.executable, "-m", "curator", "edition", "list"],
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "could not open or migrate the database" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "data" / "curator.db"
    old = os.umask(0o022)  # the usual umask, which gives 644 to what it creates
    try:
        engine = open_engine(f"sqlite:///{db}")
        try:
            with engine.begin() as conn:  # a write, so the WAL files exist
                conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            names = sorted(p.name for p in db.parent.iterdir())
            assert names == ["curator.db", "curator.db-shm", "curator.db-wal"]
            assert {name: _mode(db.parent / name) for name in names} == dict.fromkeys(names, 0o600)
        finally:
            engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_sqlite_database_keeps_its_mode(tmp_path: Path) -> None:
    db = tmp_path / "curator.db"
    open_engine(f"sqlite:///{db}").dispose()
    db.chmod(0o640)  # an admin's choice, e.g. a backup job in the group
    engine = open_engine(f"sqlite:///{db}")
    engine.dispose()
    assert _mode(db) == 0o640
