"""One entry holding a character that cannot exist (a lone surrogate in JSON Feed, ``&#xD800;``
in XML) is skipped with a warning naming it; the rest of the document is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from curator.config import Settings
from curator.fetch import FetchSettings
from curator.parse import parse_document
from curator.pipeline import Poller
from curator.records import ParsedFeed, SourceConfig
from curator.store.schema import items, source_state
from tests.support.httpserver import LocalServer

BLOG = SourceConfig(id="blog", publisher="A Blog", kind="feed", url="https://blog.example/feed")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def parse(content: bytes) -> ParsedFeed:
    return parse_document(content, source=BLOG, url=BLOG.url, headers={}, now=NOW)


def json_feed(*titles: str, bad_field: str = "title") -> bytes:
    """A JSON Feed whose item titled "BAD" carries a lone surrogate in ``bad_field``."""
    items_ = []
    for i, title in enumerate(titles, start=1):
        item = {"id": f"id-{i}", "url": f"https://blog.example/{i}", "title": title}
        if title == "BAD":
            item[bad_field] = item[bad_field] + "\ud800"
        items_.append(item)
    text = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items_})
    assert "\\ud800" in text  # the JSON spells the surrogate as an escape, as a server would
    return text.encode("ascii")


def rss(*titles: str) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>https://blog.example/rss/{i}</link></item>"
        for i, t in enumerate(titles, start=1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'
    ).encode()


@pytest.mark.parametrize("field", ["title", "url", "id"])
def test_a_json_feed_item_with_a_lone_surrogate_is_skipped_and_named(field: str) -> None:
    parsed = parse(json_feed("One", "BAD", "Three", bad_field=field))
    assert [e.title for e in parsed.entries] == ["One", "Three"]
    assert len(parsed.warnings) == 1
    warning = parsed.warnings[0]
    assert warning.startswith("blog: entry 2 (")
    assert "not valid Unicode" in warning and warning.endswith("skipped")
    for entry in parsed.entries:
        entry.title.encode("utf-8")  # nothing left that cannot be stored


@pytest.mark.parametrize("ref", ["&#xD800;", "&#55296;", "&#x110000;", "&#99999999999;"])
def test_an_xml_entry_referring_to_a_character_that_cannot_exist_is_skipped_and_named(
    ref: str,
) -> None:
    parsed = parse(rss("One", f"Two {ref} halves", "Three"))
    assert [e.title for e in parsed.entries] == ["One", "Three"]
    assert parsed.warnings[-1] == (
        "blog: entry 2 ('Two halves') refers to a character that does not exist; skipped"
    )


@pytest.mark.storage
def test_a_poll_keeps_the_other_entries_and_reports_the_skip_as_a_warning(
    engine: Engine, server: LocalServer
) -> None:
    server.add("/feed.json", json_feed("One", "BAD", "Three"))
    server.add("/feed.xml", rss("Four", "Five &#xDFFF;"))
    sources = [
        SourceConfig(
            id=sid,
            publisher="A Blog",
            kind="feed",
            url=server.url(path),
            every=timedelta(hours=1),
        )
        for sid, path in (("json", "/feed.json"), ("xml", "/feed.xml"))
    ]
    fast = FetchSettings(allow_private_networks=True, total_timeout=5)
    poller = Poller(engine, Settings(), clock=lambda: NOW, fetch_settings=fast)
    try:
        report = poller.poll(sources)
    finally:
        poller.close()
    assert (report.ok, report.failed, report.new_items) == (2, 0, 3)
    assert {(w["id"], "skipped" in w["warning"]) for w in report.warnings} == {
        ("json", True),
        ("xml", True),
    }
    with engine.connect() as conn:
        titles = set(conn.execute(select(items.c.title)).scalars())
        errors = set(conn.execute(select(source_state.c.last_error)).scalars())
    assert titles == {"One", "Three", "Four"}
    assert errors == {None}
