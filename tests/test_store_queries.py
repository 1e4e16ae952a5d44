"""The store's read queries: the same answers as before, a page at a time, on the indexes made
for them (checked with the database's own query plan, on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert, select, text, update

from curator.audit import FIELDS
from curator.slack.cards import PAGE, load_card, queued_cards
from curator.store.decisions import Actor, decide, last_deciders
from curator.store.item_reads import (
    get_item,
    items_by_id,
    newest_queued_id,
    queued_count,
    queued_page,
)
from curator.store.outbox import (
    claim,
    enqueue,
    mark_posted,
    oldest_due,
    pending_count,
    posted_messages,
)
from curator.store.predictions import CHUNK, latest_predictions
from curator.store.schema import decisions, items, predictions
from curator.store.trail import HISTORY_BATCH, decision_history
from tests.support.factories import add_item, add_prediction

pytestmark = pytest.mark.storage
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


def bulk_items(engine: Engine, n: int, **overrides: Any) -> list[int]:
    """``n`` items in one statement (the factory's one transaction per item is slow for
    hundreds)."""
    start = datetime.now(UTC).timestamp()
    rows = [
        {
            "source_id": "dhsc",
            "publisher": "Department of Health and Social Care",
            "title": f"Bulk item {start} {i}",
            "title_key": f"bulk item {start} {i}",
            "url": f"https://www.gov.uk/bulk/{start}/{i}",
            "canonical_url": f"https://gov.uk/bulk/{start}/{i}",
            "summary": "",
            "first_seen_at": T0,
            "status": "queued",
            "version": 1,
            **overrides,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(items), rows)
        return [int(i) for i in conn.execute(select(items.c.id).order_by(items.c.id)).scalars()][
            -n:
        ]


def bulk_predictions(engine: Engine, rows: list[dict[str, Any]]) -> None:
    base = {
        "model_version": "m1",
        "relevant": True,
        "relevance": 0.9,
        "sector": "criminal_justice",
        "sector_confidence": 0.8,
        "category": "reports",
        "category_confidence": 0.7,
        "uncertain": False,
        "created_at": T0,
    }
    with engine.begin() as conn:
        conn.execute(insert(predictions), [{**base, **r} for r in rows])


@contextmanager
def statements(target: Any) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement ``target`` (an engine, or the Engine class: every engine) sends."""
    seen: list[tuple[str, Any]] = []

    def grab(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        seen.append((statement, parameters))

    event.listen(target, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", grab)


def plans(engine: Engine, run: Callable[[Connection], object]) -> list[str]:
    """The query plans of the SELECTs ``run`` sends on a connection of its own. On PostgreSQL
    sequential scans are priced out, so a plan shows whether the index can serve the query at
    all, whatever the (tiny) table's size."""
    with statements(engine) as seen, engine.connect() as conn:
        run(conn)
    out = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        for statement, params in seen:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = conn.exec_driver_sql(prefix + statement, params).all()
                out.append("\n".join(str(r[-1]) for r in rows))
    return out


def full_scan_of(plan: str, table: str) -> bool:
    """Whether ``plan`` reads every row of ``table`` (not a search through an index)."""
    lines = plan.splitlines()
    return any(
        line.strip() == f"SCAN {table}"  # SQLite, no index
        or f"Seq Scan on {table}" in line  # PostgreSQL
        for line in lines
    )


# -- latest predictions ------------------------------------------------------------------------


def test_latest_predictions_are_the_newest_row_of_each_item_asked_for(engine: Engine) -> None:
    a, b, c, d = bulk_items(engine, 4)
    bulk_predictions(
        engine,
        [
            {"item_id": a, "model_version": "m1", "sector": "criminal_justice"},
            {"item_id": b, "model_version": "m1", "uncertain": True},
            {"item_id": a, "model_version": "m2", "sector": "children_young_people"},
            {"item_id": c, "model_version": "m1", "category": "briefings"},
        ],
    )
    with engine.connect() as conn:
        got = latest_predictions(conn, [a, b, d])
        assert latest_predictions(conn, []) == {}
    assert set(got) == {a, b}  # c was not asked for, d has no prediction
    assert (got[a].model_version, got[a].sector) == ("m2", "children_young_people")
    assert got[b].uncertain is True and got[b].relevant is True
    assert got[a].created_at == T0


def test_latest_predictions_agree_with_a_scan_of_every_prediction(engine: Engine) -> None:
    """More ids than one statement takes, with several model versions per item: the answer is
    the one a read of the whole table gives."""
    ids = bulk_items(engine, CHUNK + 30)
    rows = [
        {"item_id": item_id, "model_version": f"m{v}", "relevance": (item_id * 7 + v) % 10 / 10}
        for v in range(3)
        for item_id in ids
        if (item_id + v) % 4  # some items have fewer predictions, in varying order
    ]
    bulk_predictions(engine, rows)
    with engine.connect() as conn:
        newest: dict[int, tuple[int, float]] = {}
        for pid, item_id, relevance in conn.execute(
            select(predictions.c.id, predictions.c.item_id, predictions.c.relevance)
        ):
            if item_id not in newest or pid > newest[item_id][0]:
                newest[item_id] = (pid, relevance)
        got = latest_predictions(conn, ids)
    assert {k: v.relevance for k, v in got.items()} == {k: v[1] for k, v in newest.items()}


def test_latest_predictions_read_the_index_not_the_table(engine: Engine) -> None:
    ids = bulk_items(engine, 20)
    bulk_predictions(engine, [{"item_id": i} for i in ids])
    (plan,) = plans(engine, lambda conn: latest_predictions(conn, ids[:3]))
    assert "ix_predictions_item_newest" in plan
    assert not full_scan_of(plan, "predictions")


# -- the queue, a page at a time ---------------------------------------------------------------


def test_queued_pages_by_keyset_cover_the_queue_once_in_order(engine: Engine) -> None:
    ids = bulk_items(engine, 12)
    with engine.begin() as conn:
        conn.execute(update(items).where(items.c.id.in_(ids[3:5])).values(status="accepted"))
        conn.execute(update(items).where(items.c.id == ids[7]).values(status="new"))
    queued = [i for i in ids if i not in (ids[3], ids[4], ids[7])]
    with engine.connect() as conn:
        assert queued_count(conn) == len(queued)
        assert newest_queued_id(conn) == queued[-1]
        seen: list[int] = []
        after = None
        while page := queued_page(conn, after_id=after, limit=4):
            assert len(page) <= 4
            seen += [i.id for i in page]
            after = page[-1].id
        assert seen == queued
        bounded = queued_page(conn, after_id=queued[1], upto_id=queued[4], limit=10)
        assert [i.id for i in bounded] == queued[2:5]


def test_an_empty_queue(engine: Engine) -> None:
    with engine.connect() as conn:
        assert (queued_count(conn), newest_queued_id(conn)) == (0, None)
        assert queued_page(conn, limit=5) == [] and queued_cards(conn) == []


def test_a_page_of_cards_reads_predictions_in_one_query(engine: Engine) -> None:
    ids = bulk_items(engine, PAGE + 5)
    bulk_predictions(engine, [{"item_id": i, "uncertain": i % 2 == 0} for i in ids])
    with engine.connect() as conn, statements(engine) as seen:
        cards = queued_cards(conn)
    assert [c.item_id for c in cards] == ids[:PAGE]
    assert all(c.uncertain == (c.item_id % 2 == 0) for c in cards)
    assert all(c.predicted_sector == "criminal_justice" for c in cards)
    reads = [s for s, _ in seen if "FROM predictions" in s]
    assert len(reads) == 1  # not one per card


def test_the_queue_is_read_on_its_index(engine: Engine) -> None:
    bulk_items(engine, 30)
    count_plan, page_plan = plans(
        engine, lambda conn: (queued_count(conn), queued_page(conn, after_id=5, limit=10))
    )
    for plan in (count_plan, page_plan):
        assert not full_scan_of(plan, "items")
    assert "ix_items_status_id" in page_plan
    # The count may read either index of the queue: the partial one holds the queue alone.
    assert "ix_items_status_id" in count_plan or "ix_items_queued_seen" in count_plan


def test_a_decided_card_names_who_decided(engine: Engine) -> None:
    a = add_item(engine)
    b = add_item(engine)
    add_prediction(engine, a)
    decide(engine, a, "reject", Actor("U1", "alice", "slack"), now=T0)
    decide(engine, a, "undo", Actor("U2", "bob", "slack"), now=T0)
    carol = Actor("U3", "carol", "slack")
    decide(engine, a, "accept", carol, sector="criminal_justice", category="reports", now=T0)
    decide(engine, a, "edit", Actor("U4", "dan", "cli"), edits={"summary": "x"}, now=T0)
    with engine.connect() as conn:
        card = load_card(conn, a)
        assert card is not None
        assert (card.decided_by_id, card.decided_by_name, card.decided_via) == (
            "U3",
            "carol",
            "slack",
        )
        assert card.predicted_sector == "criminal_justice"
        undecided = load_card(conn, b)
        assert undecided is not None and undecided.decided_by_id is None
        assert undecided.predicted_sector is None and undecided.uncertain is False
        assert load_card(conn, 10**6) is None
        assert set(last_deciders(conn, [a, b])) == {a}


def test_items_by_id_and_get_item(engine: Engine) -> None:
    ids = bulk_items(engine, CHUNK + 3)
    with engine.connect() as conn:
        got = items_by_id(conn, [*reversed(ids), 10**6])
        assert [i.id for i in got] == ids
        one = get_item(conn, ids[0])
        assert one is not None and one.status == "queued" and one.first_seen_at == T0
        assert get_item(conn, 10**6) is None


# -- the outbox --------------------------------------------------------------------------------


def test_posted_rows_stay_out_of_the_claim_and_the_pending_count(engine: Engine) -> None:
    ids = bulk_items(engine, 6)
    with engine.begin() as conn:
        for item_id in ids:
            enqueue(conn, item_id, "C1", T0)
        enqueue(conn, ids[0], "C2", T0)
    now = T0 + timedelta(minutes=1)
    for _ in range(4):  # post the four oldest
        with engine.begin() as conn:
            row = oldest_due(conn, "C1", now)
            assert row is not None and claim(conn, row, "w:1", now, now + timedelta(minutes=2))
            mark_posted(conn, row.id, "w:1", f"ts{row.item_id}", now)
    with engine.connect() as conn:
        assert (pending_count(conn), pending_count(conn, "C1"), pending_count(conn, "C2")) == (
            3,
            2,
            1,
        )
        row = oldest_due(conn, "C1", now)
        assert row is not None and row.item_id == ids[4]
        assert posted_messages(conn, ids[0]) == [("C1", f"ts{ids[0]}")]
        assert posted_messages(conn, ids[5]) == []
    claim_and_counts = plans(
        engine,
        lambda conn: (
            oldest_due(conn, "C1", now),
            pending_count(conn),
            pending_count(conn, "C1"),
        ),
    )
    assert len(claim_and_counts) == 3
    for plan in claim_and_counts:
        assert "ix_outbox_pending" in plan and not full_scan_of(plan, "outbox")


def test_a_row_another_worker_claimed_is_not_claimed_again(engine: Engine) -> None:
    (item_id,) = bulk_items(engine, 1)
    with engine.begin() as conn:
        enqueue(conn, item_id, "C1", T0)
    with engine.begin() as conn:
        row = oldest_due(conn, "C1", T0)
        assert row is not None and row.attempts == 0
        assert claim(conn, row, "w:1", T0, T0 + timedelta(minutes=2))
        assert not claim(conn, row, "w:2", T0, T0 + timedelta(minutes=2))
        assert oldest_due(conn, "C1", T0) is None  # leased
        later = T0 + timedelta(minutes=3)
        again = oldest_due(conn, "C1", later)  # the lease ran out: the attempt was counted
        assert again is not None and again.attempts == 1


# -- the audit trail, streamed -----------------------------------------------------------------


def test_decision_history_streams_every_decision_in_order(engine: Engine) -> None:
    ids = bulk_items(engine, 5)
    n = HISTORY_BATCH * 2 + 17  # several batches
    rows = [
        {
            "item_id": ids[i % 5],
            "action": "edit",
            "user_id": f"U{i}",
            "via": "cli",
            "created_at": T0 + timedelta(seconds=i),
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(decisions), rows)
    with engine.connect() as conn:
        got = list(decision_history(conn))
    assert len(got) == n
    col = {name: i for i, name in enumerate(FIELDS)}
    assert [r[col["user_id"]] for r in got] == [f"U{i}" for i in range(n)]
    assert got[0][col["item_title"]].startswith("Bulk item") and got[0][col["publisher"]]


def test_decision_history_uses_a_server_side_cursor_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite steps through rows as they are read; no cursor to check")
    ids = bulk_items(engine, 1)
    row = {"item_id": ids[0], "action": "edit", "user_id": "U", "via": "cli", "created_at": T0}
    with engine.begin() as conn:
        conn.execute(insert(decisions), [row] * 3)
    with engine.connect() as conn:
        rows = decision_history(conn)
        next(rows)
        open_cursors = conn.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one()
        assert open_cursors == 1  # the rows come from a cursor on the server, not a buffer
        assert len(list(rows)) == 2
