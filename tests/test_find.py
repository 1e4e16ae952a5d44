"""`curator find` and the store's full-text search, on SQLite and (with -m storage and
CURATOR_TEST_DATABASE_URL) on PostgreSQL: the same tests, the same answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select, update

from curator.cli import cli
from curator.config import get_settings
from curator.records import Entry
from curator.store.db import safe_url
from curator.store.items import store_entries
from curator.store.lanes import LaneError, check_lane, lane_of, lanes_of, set_lane
from curator.store.schema import items
from curator.store.search import FoundItem, search_items
from tests.support.factories import add_item, add_prediction

pytestmark = pytest.mark.storage
NOW = datetime(2024, 6, 20, 9, tzinfo=UTC)

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "care*",
    "-care",
    "care -homes",
    "NEAR",
    "NEAR(care homes)",
    "care AND homes",
    "care OR homes",
    "NOT care",
    "care & homes | !x",
    "care:*",
    "title:care",
    "{title summary}: care",
    "^care",
    "(care",
    "care)",
    "' OR 1=1 --",
    "'; DROP TABLE items; --",
    "x\x00y",
    "\\",
    "%_%",
    "<->",
    "care <2> homes",
    "a" * 3000,
    "💥 care",
    "ｃａｒｅ",
]


def entry(title: str, n: int, *, summary: str = "", published: datetime | None = None) -> Entry:
    url = f"https://www.example.org/publications/{n}"
    return Entry(
        source_id="cqc",
        publisher="Care Quality Commission",
        url=url,
        original_url=url,
        title=title,
        summary=summary,
        published_at=published,
    )


@pytest.fixture
def find(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``curator find ARGS`` against the test database."""
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")  # rich's width off a terminal: no wrapped links
    get_settings.cache_clear()

    def _run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["find", *args])

    return _run


def found_json(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


def titles(engine: Engine, query: str, **kw: Any) -> list[str]:
    with engine.connect() as conn:
        return [f.title for f in search_items(conn, query, **kw)]


def test_finds_a_quiet_item_by_a_word_of_its_title(engine: Engine, find: Any) -> None:
    with engine.begin() as conn:
        stored = store_entries(
            conn,
            [entry("Out of sight: restraint and seclusion in hospitals", 1)],
            NOW,
            lane="quiet",
        )
        store_entries(conn, [entry("Monitoring the Mental Health Act", 2)], NOW, lane="card")
    (item_id,) = stored.new_ids

    rows = found_json(find("seclusion", "--json"))
    assert rows == [
        {
            "id": item_id,
            "title": "Out of sight: restraint and seclusion in hospitals",
            "url": "https://www.example.org/publications/1",
            "publisher": "Care Quality Commission",
            "published_at": None,
            "lane": "quiet",
            "status": "new",
            "sector": None,
            "category": None,
            "relevance": None,
            "quiet_rule": None,  # quiet, but no source rule put it there
        }
    ]
    table = find("Seclusion")
    assert table.exit_code == 0, table.output
    assert "seclusion" in table.stdout and "quiet" in table.stdout
    assert "https://www.example.org/publications/1" in table.stdout
    assert "Monitoring" not in table.stdout
    assert "1 found, newest first." in table.stdout
    # The status in an editor's words ("new" is the stored word, kept in --json).
    assert re.search(r"│ not decided\s*│", table.stdout), table.stdout
    assert not re.search(r"│ new\s*│", table.stdout)


def test_every_word_must_match_and_the_last_may_be_a_prefix(engine: Engine) -> None:
    with engine.begin() as conn:
        store_entries(
            conn,
            [
                entry("Care homes: infection prevention", 1),
                entry("Home care workforce", 2),
                entry("Youth custody inspection", 3, summary="Findings on care leavers."),
            ],
            NOW,
        )
    assert sorted(titles(engine, "care homes")) == [
        "Care homes: infection prevention",
        "Home care workforce",  # "homes" and "home" are the same word to both stemmers
    ]
    assert titles(engine, "infect") == ["Care homes: infection prevention"]  # prefix
    assert titles(engine, "leavers custody") == ["Youth custody inspection"]  # summary too
    assert titles(engine, "commission youth") == ["Youth custody inspection"]  # publisher too
    assert titles(engine, "care homes youth") == []


def test_a_changed_title_or_summary_is_what_is_found(engine: Engine) -> None:
    with engine.begin() as conn:
        (item_id,) = store_entries(conn, [entry("Draft guidance on visiting", 1)], NOW).new_ids
    assert titles(engine, "draft") == ["Draft guidance on visiting"]
    with engine.begin() as conn:
        conn.execute(
            update(items)
            .where(items.c.id == item_id)
            .values(title="Final guidance on care home visits", summary="Now in force.")
        )
    assert titles(engine, "draft") == []
    assert titles(engine, "final guidance") == ["Final guidance on care home visits"]
    assert titles(engine, "force") == ["Final guidance on care home visits"]
    # Other updates (a decision sets the status on every click) leave the index as it was.
    with engine.begin() as conn:
        conn.execute(update(items).where(items.c.id == item_id).values(status="rejected"))
    assert titles(engine, "final guidance") == ["Final guidance on care home visits"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_plain_words(engine: Engine, query: str) -> None:
    with engine.begin() as conn:
        store_entries(conn, [entry("Care homes and NEAR misses", 1)], NOW)
    with engine.connect() as conn:
        results = search_items(conn, query)
    assert all(isinstance(r, FoundItem) for r in results)
    if query in ("care*", "-care", "NOT care", "^care", "(care", "care)", "ｃａｒｅ"):
        assert [r.title for r in results] == ["Care homes and NEAR misses"]


def test_hostile_queries_through_the_command(engine: Engine, find: Any) -> None:
    with engine.begin() as conn:
        store_entries(conn, [entry("Care homes and NEAR misses", 1)], NOW)
    for query in HOSTILE:
        result = find("--json", "--", query)
        assert result.exit_code in (0, 1, 2), (query, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), query
        if result.exit_code != 2:
            assert isinstance(json.loads(result.stdout), list)


def test_a_word_may_start_with_a_dash(engine: Engine, find: Any) -> None:
    # "No such option: -c" for `curator find -care`, though `-` is not syntax in a query
    with engine.begin() as conn:
        store_entries(conn, [entry("Care homes and NEAR misses", 1)], NOW, lane="quiet")
    for args in (["-care", "--json"], ["--json", "-care", "homes"], ["homes", "-car", "--json"]):
        rows = found_json(find(*args))
        assert [r["title"] for r in rows] == ["Care homes and NEAR misses"], args
    assert "Care homes" in find("-care", "--lane", "quiet").stdout
    assert find("--lane=card", "-care").exit_code == 1
    # the options still work, and a mistyped one is still told
    assert "Search every stored item" in find("-h").stdout
    assert "Search every stored item" in find("care", "--help").stdout
    typo = find("--sinec", "2024-06-01", "care")
    assert typo.exit_code == 2 and "No such option '--sinec'" in typo.output
    assert "requires an argument" in find("care", "--since").output
    # after `--`, a word may start with `--` too; "Nothing found" says how to type it again
    assert found_json(find("--json", "--", "--care"))[0]["id"]
    nothing = find("--lane", "card", "--", "--care")
    assert "(without them: `curator find -- --care`)" in nothing.stderr


def test_any_text_is_a_valid_search(engine: Engine) -> None:
    with engine.begin() as conn:
        store_entries(conn, [entry("Care homes and NEAR misses", 1)], NOW)

    with engine.connect() as conn:

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(st.text(max_size=80))
        def search(text: str) -> None:
            search_items(conn, text)

        search()


def test_since_and_lane_filter(engine: Engine, find: Any) -> None:
    day = timedelta(days=1)
    with engine.begin() as conn:
        old = store_entries(
            conn, [entry("Prison education review", 1, published=NOW - 40 * day)], NOW
        ).new_ids
        new = store_entries(
            conn, [entry("Prison healthcare review", 2, published=NOW - day)], NOW
        ).new_ids
        undated = store_entries(conn, [entry("Prison libraries review", 3)], NOW).new_ids
        set_lane(conn, old, "quiet")
        set_lane(conn, new, "digest")
        set_lane(conn, undated, "card")

    newest_first = [r["title"] for r in found_json(find("prison", "--json"))]
    # undated: dated by when it was first seen (NOW), so newest
    assert newest_first == [
        "Prison libraries review",
        "Prison healthcare review",
        "Prison education review",
    ]
    since = (NOW - 5 * day).date().isoformat()
    assert [r["title"] for r in found_json(find("prison", "--since", since, "--json"))] == [
        "Prison libraries review",
        "Prison healthcare review",
    ]
    assert [r["lane"] for r in found_json(find("review", "--lane", "quiet", "--json"))] == ["quiet"]
    got = found_json(find("review", "--lane", "DIGEST", "--since", since, "--json"))
    assert [r["title"] for r in got] == ["Prison healthcare review"]
    nothing = find("review", "--lane", "quiet", "--since", since, "--json")
    assert (nothing.exit_code, json.loads(nothing.stdout)) == (1, [])


def test_since_is_the_start_of_the_editors_day(engine: Engine) -> None:
    # 23:30 UTC on 31 May is 00:30 on 1 June in London (summer time)
    with engine.begin() as conn:
        store_entries(
            conn,
            [entry("Late night release", 1, published=datetime(2024, 5, 31, 23, 30, tzinfo=UTC))],
            NOW,
        )
    from curator.commands.common import day_start

    start = day_start("2024-06-01", "Europe/London")
    assert start == datetime(2024, 5, 31, 23, 0, tzinfo=UTC)
    assert titles(engine, "release", since=start) == ["Late night release"]
    assert titles(engine, "release", since=start + timedelta(hours=1)) == []


def test_bad_date_lane_or_query_is_a_clear_error(engine: Engine, find: Any) -> None:
    bad_date = find("care", "--since", "1 June")
    assert bad_date.exit_code == 2
    assert "'1 June' is not a date; use YYYY-MM-DD" in bad_date.output
    bad_lane = find("care", "--lane", "loud")
    assert bad_lane.exit_code == 2 and "'loud' is not one of 'card', 'digest', 'quiet'" in (
        bad_lane.output
    )
    no_words = find("the", "of", "*")
    assert no_words.exit_code == 2 and "nothing to search for" in no_words.output


def test_nothing_found_exits_1(engine: Engine, find: Any) -> None:
    add_item(engine, title="Making prevention everyone's business")
    result = find("zeppelin")
    assert result.exit_code == 1
    assert result.stdout == "" and "Nothing found for 'zeppelin'." in result.output


def test_nothing_found_in_a_database_never_polled_says_so(
    engine: Engine, find: Any, db_url: str
) -> None:
    # A database `curator run` has not polled yet (PostgreSQL's, migrated on first use, or
    # another SQLite file than the job's) answered as if the search had missed.
    result = find("prevention", "--lane", "card")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "Nothing found for 'prevention': the database holds no items yet (`curator poll "
        f"--all` fetches them; CURATOR_DATABASE_URL={safe_url(db_url)}).\n"
    )


def test_nothing_found_echoes_the_query_readably_and_short(engine: Engine, find: Any) -> None:
    add_item(engine, title="Making prevention everyone's business")
    # Python's repr ('care\\\\homes', '\\udcff') of the whole query, 100,000 characters of it
    assert find("zeppelin\\airship").stderr == "Nothing found for 'zeppelin\\airship'.\n"
    assert find("zeppelin\udcff").stderr == "Nothing found for 'zeppelin\ufffd'.\n"
    assert find("zeppelin\nairship").stderr == "Nothing found for 'zeppelin airship'.\n"
    long = find("zeppelin" * 12_500, "--lane", "card")
    assert long.exit_code == 1
    assert long.stderr == (
        f"Nothing found for '{('zeppelin' * 10)[:79]}…' (100,000 characters) in the card lane "
        "(nor without them).\n"
    )
    # (one word this long is found by SQLite's index but not PostgreSQL's, which skips words of
    # more than 2,047 characters: so many short words, which both keep)
    add_item(engine, title="Zeppelin airships", lane="quiet")
    found_elsewhere = find("zeppelin " * 11_112, "--lane", "card")
    assert found_elsewhere.stderr.endswith(
        "in the card lane (without them: the same search without them).\n"
    )
    words = find("the", "\\", "*" * 99_994)
    assert words.exit_code == 2
    assert "nothing to search for in 'the \\ ****" in words.output
    assert "…' (100,000 characters): type a word" in words.output


def test_nothing_found_names_the_filters_that_left_nothing(engine: Engine, find: Any) -> None:
    # "Nothing found for 'prevention'." for an item that is there, in another lane or older,
    # read as a lost item.
    add_item(engine, title="Making prevention everyone's business", lane="quiet")
    result = find("prevention", "--lane", "card", "--since", "2024-07-01")
    assert result.exit_code == 1
    assert (
        "Nothing found for 'prevention' in the card lane and dated on or after 2024-07-01 "
        "(without them: `curator find prevention`)." in result.stderr
    )
    assert find("prevention").exit_code == 0
    # Filters that are not why nothing was found are not offered as the way to find it: the
    # command suggested would find nothing either.
    nowhere = find("prevention", "zeppelin", "--lane", "card")
    assert nowhere.exit_code == 1
    assert nowhere.stderr == (
        "Nothing found for 'prevention zeppelin' in the card lane (nor without them).\n"
    )


def test_results_carry_the_latest_prediction_in_one_query(engine: Engine) -> None:
    ids = [add_item(engine, title=f"Knife crime prevention {n}") for n in range(5)]
    add_prediction(engine, ids[0], model_version="m1", sector="criminal_justice", relevance=0.4)
    add_prediction(
        engine, ids[0], model_version="m2", sector="children_young_people", relevance=0.7
    )
    add_prediction(engine, ids[3], model_version="m1", category="briefings", relevance=0.2)

    statements: list[str] = []

    def count(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # SQLite's transaction, not a query
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.connect() as conn:
            results = search_items(conn, "knife crime")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1  # no query per result
    by_id = {r.id: r for r in results}
    assert [r.id for r in results] == sorted(ids, reverse=True)  # same date: newest stored first
    assert (by_id[ids[0]].sector, by_id[ids[0]].relevance) == ("children_young_people", 0.7)
    assert (by_id[ids[3]].category, by_id[ids[3]].relevance) == ("briefings", 0.2)
    assert (by_id[ids[1]].sector, by_id[ids[1]].category, by_id[ids[1]].relevance) == (
        None,
        None,
        None,
    )


def test_pages(engine: Engine) -> None:
    for n in range(7):
        add_item(engine, title=f"Adoption statistics {n}")
    with engine.connect() as conn:
        first = search_items(conn, "adoption", limit=3)
        second = search_items(conn, "adoption", limit=3, offset=3)
        rest = search_items(conn, "adoption", limit=3, offset=6)
    seen = [r.title for r in first + second + rest]
    assert seen == [f"Adoption statistics {n}" for n in range(6, -1, -1)]


def test_lanes_are_set_and_read(engine: Engine) -> None:
    a, b = add_item(engine), add_item(engine)
    with engine.begin() as conn:
        assert lanes_of(conn, [a, b, 999]) == {a: None, b: None}
        assert set_lane(conn, [a, a, b], "digest") == 2
        assert set_lane(conn, [b], "card") == 1
        assert set_lane(conn, [], "card") == 0
        assert (lane_of(conn, a), lane_of(conn, b), lane_of(conn, 999)) == ("digest", "card", None)
        with pytest.raises(LaneError, match="unknown lane 'loud'; use one of card, digest, quiet"):
            set_lane(conn, [a], "loud")  # type: ignore[arg-type]
    assert check_lane("quiet") == "quiet"


def test_the_database_refuses_an_unknown_lane(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        add_item(engine, lane="loud")


@pytest.fixture
def old_database(db_url: str) -> Iterator[Engine]:
    """A database at migration 0005 (before lanes and search)."""
    from tests.support.migrations import engine_at

    old = engine_at(db_url, "0005")
    yield old
    old.dispose()


def test_upgrading_gives_old_items_their_lane_and_indexes_them(
    old_database: Engine, db_url: str
) -> None:
    from curator.store.db import open_engine

    rows = [("new", "Archive item on fostering"), ("queued", "Fostering sufficiency")]
    rows += [(s, f"Fostering decision {s}") for s in ("accepted", "rejected", "held")]
    with old_database.begin() as conn:
        for n, (status, title) in enumerate(rows):
            conn.exec_driver_sql(
                "INSERT INTO items (source_id, publisher, title, title_key, url, canonical_url,"
                " summary, first_seen_at, status, version) VALUES "
                f"('ofsted', 'Ofsted', '{title}', '{title.lower()}', 'u{n}', 'u{n}', '',"
                f" '2024-06-0{n + 1} 09:00:00', '{status}', 1)"
            )
    eng = open_engine(db_url)
    try:
        with eng.connect() as conn:
            lanes = {r.status: r.lane for r in conn.execute(select(items.c.status, items.c.lane))}
            found = {f.title: f.lane for f in search_items(conn, "fostering")}
    finally:
        eng.dispose()
    assert lanes == {
        "new": "quiet",
        "queued": "card",
        "accepted": "card",
        "rejected": "card",
        "held": "card",
    }
    assert found == {title: lanes[status] for status, title in rows}


def test_downgrading_keeps_the_items_and_upgrading_again_indexes_them(db_url: str) -> None:
    from curator.store.db import open_engine
    from tests.support.migrations import migrate_to

    eng = open_engine(db_url)
    add_item(eng, title="Kinship care strategy")
    migrate_to(eng, "0005", down=True)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("SELECT title FROM items").scalars().all() == [
            "Kinship care strategy"
        ]
    eng.dispose()
    eng = open_engine(db_url)
    try:
        assert titles(eng, "kinship") == ["Kinship care strategy"]
    finally:
        eng.dispose()


def test_sqlite_refuses_a_row_it_cannot_key_for_search(engine: Engine) -> None:
    """The SQLite index is keyed by date and id: a row past either is refused, not misfiled."""
    from sqlalchemy.exc import DatabaseError

    if engine.dialect.name != "sqlite":
        pytest.skip("the key is SQLite's")
    with pytest.raises(DatabaseError, match=r"items.id reached 2\*\*28"):
        add_item(engine, id=1 << 28)
    item_id = add_item(engine, title="Kept")
    with pytest.raises(DatabaseError, match="not a date SQLite can read"), engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE items SET first_seen_at = 'soon' WHERE id = {item_id}")
    assert titles(engine, "kept") == ["Kept"]
