"""Is the SQLite file ``curator run`` opened still the file at its path?

A process keeps writing to a database file deleted (or replaced) under it: SQLite holds it open,
every write succeeds, and all of it is lost when the process ends, while ``/healthz`` says ok.
The runner asks before each tick and stops writing instead (``curator.runner``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from curator.store.db import sqlite_file

Gone = Literal["deleted", "replaced"]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


@dataclass(frozen=True)
class DatabaseFile:
    """The SQLite file of a database URL as it was when opened (no path: another backend)."""

    path: Path | None
    identity: tuple[int, int] | None

    @classmethod
    def opened(cls, url: str) -> DatabaseFile:
        """The file of ``url``, opened already (call it after the engine's first connection)."""
        path = sqlite_file(url)
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
