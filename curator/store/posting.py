"""The life of a message to post, shared by the outbox's cards and the roll-up's messages:
``pending``, leased to one worker at a time (``claimed_by``/``claimed_until``, attempts counted
before the post), then ``posted`` (with its ``message_ts``) or ``failed``, or pending again
later. :class:`Posting` holds those queries once, for any table with the columns both tables
take from ``_posting_columns`` in :mod:`curator.store.schema`.

Every query of pending rows names the condition with a literal (``status = 'pending'``), so the
planner can prove it implies a partial index's (a bound parameter would leave PostgreSQL's
generic plans on a full scan).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    func,
    literal,
    or_,
    select,
    update,
)


class Posting:
    """The claim-and-finish queries of one table of messages to post."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.pending: ColumnElement[bool] = table.c.status == literal(
            "pending", literal_execute=True
        )

    def free(self, now: datetime) -> ColumnElement[bool]:
        """Claimed by nobody, or the lease ran out."""
        c = self.table.c
        return or_(c.claimed_until.is_(None), c.claimed_until < now)

    def due(self, now: datetime) -> ColumnElement[bool]:
        """Pending, free and due (no retry planned later than ``now``)."""
        c = self.table.c
        return and_(
            self.pending, self.free(now), or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now)
        )

    def claim(
        self,
        conn: Connection,
        row_id: int,
        attempts: int,
        worker: str,
        now: datetime,
        until: datetime,
    ) -> bool:
        """Lease row ``row_id`` to ``worker`` until ``until`` and count the attempt; False when
        another worker took it (or it was posted) since it was read with ``attempts``."""
        c = self.table.c
        taken = conn.execute(
            update(self.table)
            .where(c.id == row_id, self.pending, self.free(now))
            .values(claimed_by=worker, claimed_until=until, attempts=attempts + 1)
        ).rowcount
        return bool(taken == 1)

    def _finish(self, conn: Connection, row_id: int, worker: str, **values: object) -> None:
        c = self.table.c
        conn.execute(
            update(self.table)
            .where(c.id == row_id, c.claimed_by == worker)
            .values(claimed_by=None, claimed_until=None, **values)
        )

    def mark_posted(
        self, conn: Connection, row_id: int, worker: str, ts: str, at: datetime
    ) -> None:
        """The message is in the channel as ``ts`` (posted now, or found there)."""
        self._finish(
            conn, row_id, worker, status="posted", message_ts=ts, posted_at=at, last_error=None
        )

    def mark_failed(self, conn: Connection, row_id: int, worker: str, error: str) -> None:
        """Never to be posted: Slack refused it for good, or what it shows went."""
        self._finish(conn, row_id, worker, status="failed", last_error=error)

    def retry_later(
        self, conn: Connection, row_id: int, worker: str, error: str, at: datetime
    ) -> None:
        """Still pending: try again at ``at``."""
        self._finish(conn, row_id, worker, last_error=error, next_attempt_at=at)

    def pending_count(self, conn: Connection, channel: str | None = None) -> int:
        """Rows waiting to be posted (to ``channel``, or to any channel)."""
        stmt = select(func.count()).select_from(self.table).where(self.pending)
        if channel is not None:
            stmt = stmt.where(self.table.c.channel == channel)
        return int(conn.execute(stmt).scalar_one())
