"""Is the SQLite file this process opened still the file at its path?

A process keeps writing to a database file deleted (or replaced) under it: SQLite holds it open,
every write succeeds, and all of it is lost when the process ends, while ``/healthz`` says ok.
Every SQLite engine refuses to begin a transaction once its file is gone
(:meth:`DatabaseFile.refuse_if_gone`, called by ``curator.store.db`` when a transaction
begins: one ``stat`` each), so no write path (a tick, a Slack click, a daily job) can store
anything there; the runner also asks before each tick, to pause and say so once
(``curator.runner``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from curator.errors import DatabaseGone

Gone = Literal["deleted", "replaced"]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def gone_message(path: Path, how: Gone, pid: int) -> str:
    """Why a transaction was refused, and what to do, for the log and the admin."""
    if how == "deleted":
        todo = (
            "Put the file back (while this process runs, Linux keeps the one it holds readable "
            f"under /proc/{pid}/fd/) and restart it; restarted without the file, curator "
            "starts a new, empty database"
        )
    else:
        todo = (
            "If the file now at that path is the one to keep (a backup put back, say, not an "
            "empty database a command created there since), restart it; if not, put back the "
            f"one this process holds (readable under /proc/{pid}/fd/ while it runs) and "
            "restart it"
        )
    return (
        f"the database file {path} was {how} while this process (pid {pid}) was running: "
        "nothing more is stored, since it would go to the file this process still holds open "
        f"and be lost when it stops. {todo}"
    )


@dataclass(frozen=True)
class DatabaseFile:
    """The SQLite file of a database as it was when opened (no path: another backend, or a
    database in memory)."""

    path: Path | None
    identity: tuple[int, int] | None

    @classmethod
    def opened(cls, path: Path | None) -> DatabaseFile:
        """The file at ``path`` (``curator.store.db.sqlite_file`` of the URL), which exists
        already (call it once the engine has created it)."""
        return cls(path, _identity(path) if path is not None else None)

    def gone(self) -> Gone | None:
        """How the path stopped naming the file opened, or None while it still does. An
        unreadable directory is not judged (the database itself will say)."""
        if self.path is None or self.identity is None:
            return None
        try:
            now = _identity(self.path)
        except OSError:
            return None
        if now is None:
            return "deleted"
        return "replaced" if now != self.identity else None

    def problem(self) -> str | None:
        """What a refused transaction says (:func:`gone_message`: the file, what happened, what
        to do) when the file is gone, else None: one ``stat``. ``curator slack serve``'s
        ``/healthz`` reports it."""
        how = self.gone()
        if how is None or self.path is None:
            return None
        return gone_message(self.path, how, os.getpid())

    def refuse_if_gone(self) -> None:
        """Raise :class:`~curator.errors.DatabaseGone` (naming the file and what to do) when
        the file is gone: one ``stat``."""
        how = self.gone()
        if how is not None and self.path is not None:
            message = gone_message(self.path, how, os.getpid())
            raise DatabaseGone(message, path=str(self.path), how=how)
