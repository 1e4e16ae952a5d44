"""Shared fixtures: a database per test (SQLite, or PostgreSQL when CURATOR_TEST_DATABASE_URL is
set, as .ci/run does for the storage tests), a loopback HTTP server, the fake Slack Web API, and a
clean environment."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.support.fake_slack import FakeSlack
from tests.support.httpserver import LocalServer
from tests.support.polling import Pollers

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's Slack tokens or database, and may reach loopback."""
    for key in list(os.environ):
        if key.startswith(("CURATOR_", "SLACK_")) and key != "CURATOR_TEST_DATABASE_URL":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CURATOR_ALLOW_PRIVATE_NETWORKS", "true")
    from curator.config import get_settings

    get_settings.cache_clear()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new schema on the test PostgreSQL."""
    pg = os.environ.get("CURATOR_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'curator.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from curator.store.db import open_engine

    eng = open_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API (``tests/support/fake_slack.py``) on a loopback port."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def pollers(engine: Engine) -> Iterator[Pollers]:
    """Pollers on the test's database with the fake model (``tests/support/polling.py``); their
    parser processes are stopped after the test."""
    made = Pollers(engine)
    yield made
    made.close()


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of a `curator` command run in-process: the test's database, no model
    (every recent item is shown), parsing in-process."""
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "0")
