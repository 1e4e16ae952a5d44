"""``record_success`` in each of its shapes (200 or 304, with or without a feed title, new items
or none, releasing a claim or not): the statement is built once per shape and reused, so every
shape is checked here against the state it must leave, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from curator.records import Listing, SourceConfig
from curator.store import source_state as state_store
from curator.store.schema import source_state

pytestmark = pytest.mark.storage

T0 = datetime(2024, 6, 1, 12, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
NEXT = NOW + timedelta(hours=1)
LEASE = NOW + timedelta(minutes=10)


def _source(engine: Engine, *, claimed_by: str | None = "me:1") -> None:
    src = SourceConfig(id="s1", publisher="P", kind="feed", url="https://example.org/feed")
    with engine.begin() as conn:
        state_store.sync_sources(conn, [src])
        conn.execute(
            update(source_state)
            .where(source_state.c.source_id == "s1")
            .values(
                etag='"old"',
                last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
                feed_title="Old title",
                items_seen=5,
                consecutive_failures=3,
                last_error="boom",
                last_new_item_at=T0,
                claimed_by=claimed_by,
                claimed_until=LEASE if claimed_by else None,
            )
        )


def _record(engine: Engine, **kw: object) -> state_store.SourceState:
    args: dict[str, object] = {
        "now": NOW,
        "next_check_at": NEXT,
        "status": 200,
        "etag": '"new"',
        "last_modified": None,
        "new_items": 0,
    }
    args.update(kw)
    with engine.begin() as conn:
        state_store.record_success(conn, "s1", **args)  # type: ignore[arg-type]
    with engine.connect() as conn:
        return state_store.load_states(conn)["s1"]


def _claim(engine: Engine) -> tuple[str | None, datetime | None]:
    with engine.connect() as conn:
        row = conn.execute(source_state.select().where(source_state.c.source_id == "s1")).one()
    return row.claimed_by, row.claimed_until


def test_a_200_with_new_items_stores_validators_title_and_counts(engine: Engine) -> None:
    _source(engine)
    state = _record(engine, new_items=4, feed_title="New title", release_from="me:1")
    assert state.etag == '"new"' and state.last_modified is None  # a 200 replaces both
    assert state.feed_title == "New title"
    assert state.items_seen == 9 and state.last_new_item_at == NOW
    assert state.next_check_at == NEXT and state.last_checked_at == NOW == state.last_ok_at
    assert state.consecutive_failures == 0 and state.last_error is None
    assert state.last_status == 200
    assert _claim(engine) == (None, None)


def test_a_200_without_a_title_or_new_items_keeps_them(engine: Engine) -> None:
    _source(engine)
    state = _record(engine, etag=None, last_modified="Tue, 02 Jan 2024 00:00:00 GMT")
    assert state.etag is None and state.last_modified == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert state.feed_title == "Old title"
    assert state.items_seen == 5 and state.last_new_item_at == T0
    assert _claim(engine) == ("me:1", LEASE)  # no release asked for


def test_a_304_keeps_validators_and_title(engine: Engine) -> None:
    _source(engine)
    state = _record(engine, status=304, not_modified=True, feed_title="Ignored", etag=None)
    assert state.etag == '"old"' and state.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert state.feed_title == "Old title"
    assert state.last_status == 304 and state.last_ok_at == NOW
    assert state.consecutive_failures == 0 and state.last_error is None


def test_release_gives_up_only_this_workers_claim(engine: Engine) -> None:
    _source(engine, claimed_by="other:2")
    _record(engine, release_from="me:1")
    assert _claim(engine) == ("other:2", LEASE)
    _record(engine, release_from="other:2")
    assert _claim(engine) == (None, None)


def test_every_shape_in_turn_on_one_connection(engine: Engine) -> None:
    """The statements of several shapes are used one after another (as a poll does)."""
    _source(engine)
    seen = 5
    for new_items, title, not_modified in [(1, "A", False), (0, None, True), (2, None, False)]:
        seen += new_items
        state = _record(
            engine,
            new_items=new_items,
            feed_title=title,
            not_modified=not_modified,
            release_from="me:1",
        )
        assert state.items_seen == seen
    assert state.feed_title == "A" and state.etag == '"new"'


def test_a_parsed_documents_listing_is_recorded_and_kept_until_the_next_parse(
    engine: Engine,
) -> None:
    """What a parse listed (entries, those stored first by other sources, and which) stays
    through 304s and unchanged documents (no ``listing``), and a changed URL drops it."""
    _source(engine)
    listed = Listing.of(12, {"dhsc-news": 9, "added-by-link": 1, "dfe": 2})
    assert listed == Listing(12, 12, ("dhsc-news", "dfe", "added-by-link"))
    state = _record(engine, read=(None, False), listing=listed)
    assert (state.entries_listed, state.entries_stored_elsewhere) == (12, 12)
    assert state.stored_first_by == "dhsc-news,dfe,added-by-link"
    state = _record(engine, status=304, not_modified=True, release_from="me:1")
    assert (state.entries_listed, state.stored_first_by) == (12, "dhsc-news,dfe,added-by-link")
    state = _record(engine, read=(None, False), listing=Listing(3))
    assert (state.entries_listed, state.entries_stored_elsewhere) == (3, 0)
    assert state.stored_first_by is None

    moved = SourceConfig(id="s1", publisher="P", kind="feed", url="https://example.org/new")
    with engine.begin() as conn:
        state_store.sync_sources(conn, [moved])
        state = state_store.load_states(conn)["s1"]
    assert (state.entries_listed, state.entries_stored_elsewhere) == (None, None)
    assert state.stored_first_by is None


def test_a_listing_names_at_most_five_other_sources_most_entries_first() -> None:
    many = {f"s{n}": n for n in range(1, 9)}
    assert Listing.of(40, many) == Listing(40, 36, ("s8", "s7", "s6", "s5", "s4"))
