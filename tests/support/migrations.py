"""Move a test database to a given Alembic revision: the schema an older deployment has, for
tests of what an upgrade (or a downgrade) does to the rows it holds."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from curator.store.db import MIGRATIONS, open_engine


def migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade ``engine``'s database to ``revision`` (or downgrade it, with ``down``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def engine_at(db_url: str, revision: str) -> Engine:
    """An engine on ``db_url``'s database, migrated only as far as ``revision``."""
    engine = open_engine(db_url, upgrade=False)
    migrate_to(engine, revision)
    return engine
