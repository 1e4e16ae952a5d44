"""The store side of the lanes: the digest lane's roll-up plan, Make a card, expiry, the counts,
and the indexes each query reads (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update

from curator.store.digest import backlog_count, lines_of, message_at, plan_messages
from curator.store.expiry import expire_candidates, posted_cards
from curator.store.lanes import new_by_lane, queued_by_lane
from curator.store.outbox import enqueue, mark_posted
from curator.store.promote import make_card
from curator.store.schema import digest_messages, items, outbox
from tests.support.factories import add_item, add_prediction

pytestmark = pytest.mark.storage
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)
#: When the expiry job of these tests runs: its cutoff plus CURATOR_CANDIDATE_DAYS.
NOW_EXPIRY = T0 + timedelta(days=60)
CHANNEL = "C0PULSE"


def item(engine: Engine, item_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(items).where(items.c.id == item_id)).mappings().one())


def outbox_row(engine: Engine, item_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.item_id == item_id)).mappings().first()
    return None if row is None else dict(row)


def test_the_roll_up_plan_lists_each_waiting_digest_item_once(engine: Engine) -> None:
    waiting = [add_item(engine, lane="digest") for _ in range(5)]
    add_item(engine, lane="digest", status="accepted")
    add_item(engine, lane="card")
    add_item(engine, lane="quiet", status="new")
    add_item(engine, lane="digest", digest_listed_at=T0)
    with engine.connect() as conn:
        assert backlog_count(conn) == 5
    with engine.begin() as conn:
        row_ids = plan_messages(conn, CHANNEL, T0, per_message=2)
    with engine.begin() as conn:
        assert plan_messages(conn, CHANNEL, T0) == []
        planned = conn.execute(
            select(digest_messages.c.item_ids, digest_messages.c.part, digest_messages.c.parts)
            .where(digest_messages.c.id.in_(row_ids))
            .order_by(digest_messages.c.id)
        ).all()
        assert backlog_count(conn) == 0
    assert [(list(r.item_ids), r.part, r.parts) for r in planned] == [
        (waiting[0:2], 1, 3),
        (waiting[2:4], 2, 3),
        (waiting[4:], 3, 3),
    ]
    assert all(item(engine, i)["digest_listed_at"] == T0 for i in waiting)


def test_two_planners_at_once_list_each_item_once(engine: Engine) -> None:
    """Another process lists an item while this one plans: the item stays in the other's
    message (on PostgreSQL this planner sees it changed under it and plans again; on SQLite it
    waits for the other's transaction)."""
    from curator.slack.digest import plan

    waiting = [add_item(engine, lane="digest") for _ in range(3)]
    errors: list[BaseException] = []
    with engine.connect() as other:
        held = other.begin()
        other.execute(update(items).where(items.c.id == waiting[0]).values(digest_listed_at=T0))

        def run() -> None:
            try:
                plan(engine, CHANNEL, T0 + timedelta(minutes=1))
            except BaseException as exc:  # reported below
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)  # the planner is now waiting on the row (or the database) we hold
        held.commit()
        worker.join(30)
    assert not worker.is_alive() and errors == []
    with engine.connect() as conn:
        planned = [list(ids) for ids in conn.execute(select(digest_messages.c.item_ids)).scalars()]
    assert planned == [waiting[1:]]


def test_a_roll_up_message_is_found_by_its_channel_and_ts(engine: Engine) -> None:
    listed = [add_item(engine, lane="digest") for _ in range(2)]
    add_prediction(engine, listed[0], sector="criminal_justice")
    with engine.begin() as conn:
        (row_id,) = plan_messages(conn, CHANNEL, T0)
        conn.execute(update(digest_messages).values(message_ts="1.5", status="posted"))
    with engine.connect() as conn:
        message = message_at(conn, CHANNEL, "1.5")
        assert message is not None and message.id == row_id
        assert message.item_ids == tuple(listed)
        assert message_at(conn, "COTHER", "1.5") is None
        shown = lines_of(conn, [listed[1], listed[0], 999_999])
    assert [line.item_id for line in shown] == [listed[1], listed[0]]
    assert (shown[1].predicted_sector, shown[0].predicted_sector) == ("criminal_justice", None)
    assert all(line.promotable for line in shown)


@pytest.mark.parametrize(
    ("values", "result"),
    [
        ({"lane": "digest"}, "carded"),
        ({"lane": "quiet", "status": "new"}, "carded"),
        ({"lane": None, "status": "new"}, "carded"),
        ({"lane": "card"}, "already"),
        ({"lane": None}, "already"),  # queued by code that chose no lane: a card
        ({"lane": "digest", "status": "accepted"}, "already"),
        ({"lane": "quiet", "status": "rejected"}, "already"),
    ],
)
def test_make_card_changes_only_an_undecided_item_that_is_not_a_card(
    engine: Engine, values: dict[str, Any], result: str
) -> None:
    item_id = add_item(engine, **values)
    before = item(engine, item_id)
    with engine.begin() as conn:
        promotion = make_card(conn, item_id, "U1", T0, CHANNEL)
    assert promotion.result == result
    after = item(engine, item_id)
    if result == "carded":
        assert (after["lane"], after["status"], after["carded_by"]) == ("card", "queued", "U1")
        assert after["carded_at"] == T0 and after["version"] == before["version"] + 1
        row = outbox_row(engine, item_id)
        assert row is not None and (row["status"], row["attempts"]) == ("pending", 0)
    else:
        assert after == before and outbox_row(engine, item_id) is None
    with engine.begin() as conn:
        again = make_card(conn, item_id, "U2", T0, CHANNEL)
    assert again.result == "already"
    assert item(engine, item_id)["carded_by"] == ("U1" if result == "carded" else None)
    with engine.begin() as conn:
        assert make_card(conn, 999_999, "U1", T0, CHANNEL).result == "missing"


def test_making_an_expired_card_again_posts_it_anew(engine: Engine) -> None:
    item_id = add_item(engine, lane="card")
    with engine.begin() as conn:
        enqueue(conn, item_id, CHANNEL, T0)
        conn.execute(update(outbox).values(claimed_by="w", status="pending"))
        row_id = conn.execute(select(outbox.c.id)).scalar_one()
        mark_posted(conn, row_id, "w", "1.000100", T0)
        assert expire_candidates(conn, T0 + timedelta(days=61), now=T0 + timedelta(days=91)) == [
            item_id
        ]
        assert posted_cards(conn, [item_id])[0].ts == "1.000100"
    later = T0 + timedelta(days=70)
    assert item(engine, item_id)["expired_at"] == T0 + timedelta(days=91)
    with engine.begin() as conn:
        assert make_card(conn, item_id, "U1", later, CHANNEL).result == "carded"
    assert item(engine, item_id)["expired_at"] is None  # a card again, not an expired one
    row = outbox_row(engine, item_id)
    assert row is not None
    assert (row["status"], row["attempts"], row["message_ts"], row["created_at"]) == (
        "pending",
        0,
        None,
        later,
    )


def test_expiry_moves_old_undecided_candidates_to_quiet_in_bounded_batches(
    engine: Engine,
) -> None:
    old = [add_item(engine, first_seen_at=T0 + timedelta(minutes=n)) for n in range(3)]
    old_digest = add_item(engine, lane="digest", first_seen_at=T0)
    recent = add_item(engine, first_seen_at=T0 + timedelta(days=50))
    carded_lately = add_item(
        engine, lane="card", first_seen_at=T0, carded_at=T0 + timedelta(days=40), carded_by="U1"
    )
    decided = add_item(engine, status="accepted", first_seen_at=T0)
    quiet = add_item(engine, status="new", lane="quiet", first_seen_at=T0)
    with engine.begin() as conn:
        enqueue(conn, old[0], CHANNEL, T0)  # a card never posted (Slack down all along)
    cutoff = T0 + timedelta(days=30)
    with engine.begin() as conn:
        first = expire_candidates(conn, cutoff, now=NOW_EXPIRY, limit=2)
        rest = expire_candidates(conn, cutoff, now=NOW_EXPIRY, limit=2)
        assert expire_candidates(conn, cutoff, now=NOW_EXPIRY, limit=2) == []
    assert first == [old[0], old_digest] or first == [old_digest, old[0]]
    assert sorted(first + rest) == sorted([*old, old_digest])
    for item_id in (*old, old_digest):
        got = item(engine, item_id)
        assert (got["status"], got["lane"], got["version"]) == ("new", "quiet", 2)
        assert got["expired_at"] == NOW_EXPIRY
    for item_id, status in ((recent, "queued"), (carded_lately, "queued"), (decided, "accepted")):
        assert item(engine, item_id)["status"] == status
    assert (item(engine, quiet)["version"], item(engine, quiet)["expired_at"]) == (1, None)
    row = outbox_row(engine, old[0])
    assert row is not None and row["status"] == "failed" and "expired" in row["last_error"]


def test_lane_counts(engine: Engine) -> None:
    now = T0 + timedelta(days=1)
    for lane, status, seen in (
        ("card", "queued", now),
        ("card", "accepted", now),
        (None, "queued", now),
        ("digest", "queued", now),
        ("digest", "queued", T0 - timedelta(days=2)),
        ("quiet", "new", now),
        ("quiet", "new", T0 - timedelta(days=5)),
    ):
        add_item(engine, lane=lane, status=status, first_seen_at=seen)
    with engine.connect() as conn:
        assert new_by_lane(conn, now - timedelta(hours=24)) == {
            "card": 2,
            "digest": 1,
            "quiet": 1,
            None: 1,
        }
        assert queued_by_lane(conn) == {"card": 1, "digest": 2, "quiet": 0, None: 1}


def _plans(engine: Engine, call: Callable[[], object]) -> list[str]:
    """The query plans of the SELECT and UPDATE statements ``call`` runs (on PostgreSQL with
    sequential scans discouraged, so a usable index shows even on a tiny table)."""
    seen: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    out = []
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        for statement, parameters in seen:
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            cursor.execute(prefix + statement, parameters)
            out.append(" | ".join(str(row[-1]) for row in cursor.fetchall()))
        cursor.close()
    return out


def test_the_lanes_queries_read_their_indexes(engine: Engine) -> None:
    for n in range(3):
        add_item(engine, lane="digest", first_seen_at=T0 + timedelta(minutes=n))
    add_item(engine, lane="quiet", status="new")

    def expire() -> None:
        with engine.begin() as conn:
            expire_candidates(conn, T0 - timedelta(days=1), now=T0 + timedelta(days=29))

    def backlog() -> None:
        with engine.connect() as conn:
            backlog_count(conn)

    def recent() -> None:
        with engine.connect() as conn:
            new_by_lane(conn, T0)

    (expiry_plan,) = _plans(engine, expire)
    assert "ix_items_queued_seen" in expiry_plan, expiry_plan
    (backlog_plan,) = _plans(engine, backlog)
    assert "ix_items_digest_backlog" in backlog_plan, backlog_plan
    for plan in _plans(engine, recent):
        assert "ix_items_lane_seen" in plan, plan
