"""The database handles that code outside the store names in its annotations.

Only ``curator/store/`` imports SQLAlchemy. Front ends still hold an ``Engine`` (to open a
transaction: ``with engine.begin() as conn:``) and pass a ``Connection`` to the store's
functions, so the two types are re-exported here for their signatures.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

__all__ = ["Connection", "Engine"]
