"""A source's skip and keep rules on the poll path: a real loopback server, the real fetcher,
parser processes and database, and the sources file as an admin writes it.

The feed is built by the test in the shape of a GOV.UK organisation feed (tests/support/feeds.py),
its document-type prefixes included; the item page is tests/fixtures/enrich/pages/ (see that
folder's PROVENANCE.md).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from curator.pipeline import PollReport
from curator.records import FetchResult
from curator.slack.find import find_reply
from curator.sources import parse_sources_text
from curator.sources.check import judge
from curator.store.health import source_facts
from curator.store.promote import make_card
from curator.store.schema import items
from curator.store.search import search_items
from tests.conftest import FIXTURES
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer
from tests.support.polling import NOW, Pollers

pytestmark = pytest.mark.storage
PAGE = FIXTURES / "enrich" / "pages" / "drupal-lga-care-act-10-years-on.html"

SOURCES = """\
defaults:
  skip:
    - 'board (meeting|minutes)'
sources:
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: {url}
    skip:
      - type: 'press release|speech'
"""


def feed(server: LocalServer) -> list[FeedItem]:
    """GOV.UK's items (their title prefix is their document type), with summaries, so their
    pages are not read; one item elsewhere without a summary, whose page the server has."""
    gov = "https://www.gov.uk/government"
    return [
        FeedItem("Press release: Minister visits care home", f"{gov}/news/visit", summary="x y"),
        FeedItem("Speech: Care reform", f"{gov}/speeches/speech", summary="Speech text"),
        FeedItem("Minutes of the board meeting", server.url("/p/board"), summary="Agreed"),
        FeedItem("Care Act 2014: 10 years on", server.url("/p/lga")),
        FeedItem("Guidance: Care home visiting", f"{gov}/guidance/guide", summary="How to"),
    ]


def poll(pollers: Pollers, text: str) -> PollReport:
    return pollers(parse_workers=0).poll(parse_sources_text(text), force=True)


def lanes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.url, items.c.lane)).all()
    return {r.url.rsplit("/", 1)[-1]: r.lane for r in rows}


def serve(server: LocalServer) -> None:
    server.add("/dhsc.atom", atom(feed(server)), headers={"Content-Type": "application/atom+xml"})
    server.add("/p/lga", PAGE.read_bytes(), headers={"Content-Type": "text/html"})


def test_skip_rules_keep_matching_items_quiet(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server)
    report = poll(pollers, SOURCES.format(url=server.url("/dhsc.atom")))
    # the fake scores 0.1 without "report" in the title: with a summary quiet by the model,
    # without one carded at the lower points; the rules' items are quiet whatever it says
    assert (report.new_items, report.ruled_quiet, report.failed) == (5, 3, 0)
    assert report.as_json()["kept_quiet_by_rules"] == 3
    assert lanes(engine) == {
        "visit": "quiet",  # type: Press release
        "speech": "quiet",  # type: Speech
        "board": "quiet",  # the defaults' title rule
        "lga": "quiet",  # given its page's description, then 0.1: the model's quiet
        "guide": "quiet",
    }
    assert report.described == 1


def test_keep_rules_let_only_matching_items_through_and_a_title_rule_saves_a_page(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server)
    text = SOURCES.format(url=server.url("/dhsc.atom")).replace(
        "    skip:\n      - type: 'press release|speech'\n",
        "    keep:\n      - title: 'minister'\n      - type: 'guidance'\n",
    )
    report = poll(pollers, text)
    # kept: the minister's visit (0.1 with a summary: quiet by the model) and the guidance;
    # the board's minutes match a skip rule of defaults, whatever keep says
    assert (report.new_items, report.ruled_quiet) == (5, 3)
    # the Care Act item has no summary, but no keep rule reads the summary: its page is not read
    assert report.described == 0
    assert not [p for _, p, _ in server.requests if p.startswith("/p/")]


def test_a_summary_rule_reads_the_page_first(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server)
    text = SOURCES.format(url=server.url("/dhsc.atom")).replace(
        "    skip:\n      - type: 'press release|speech'\n",
        "    keep:\n      - summary: 'survey'\n",  # the LGA page's description has it
    )
    report = poll(pollers, text)
    # read, and then let through by the keep rule (the model, scoring 0.1, keeps it quiet)
    assert (report.described, report.ruled_quiet) == (1, 4)


def test_sources_check_counts_what_the_rules_would_keep_quiet(server: LocalServer) -> None:
    (source,) = parse_sources_text(SOURCES.format(url="https://example.org/dhsc.atom"))
    body = atom(feed(server))
    result = FetchResult(
        source_id="dhsc",
        url=source.url,
        status=200,
        headers={"Content-Type": "application/atom+xml"},
        content=body,
        elapsed=0.1,
    )
    check = judge(source, result, NOW + timedelta(days=1))
    assert (check.items, check.ruled_quiet) == (5, 3)
    assert check.as_json()["kept_quiet_by_rules"] == 3
    plain = replace(source, skip=(), keep=())
    assert judge(plain, result, NOW).ruled_quiet is None


def test_why_a_rule_kept_an_item_quiet_is_kept_and_shown(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server)
    poll(pollers, SOURCES.format(url=server.url("/dhsc.atom")))
    with engine.connect() as conn:
        rules = {r.url.rsplit("/", 1)[-1]: r.quiet_rule for r in conn.execute(select(items))}
        found = {f.title: f for f in search_items(conn, "minister")}
        facts = source_facts(conn, NOW)["dhsc"]
    assert rules == {
        "visit": "skip rule type ~ 'press release|speech'",
        "speech": "skip rule type ~ 'press release|speech'",
        "board": "skip rule title ~ 'board (meeting|minutes)'",
        "lga": None,  # quiet by the model, not by a rule
        "guide": None,
    }
    (visit,) = found.values()
    assert visit.as_json()["quiet_rule"] == "skip rule type ~ 'press release|speech'"
    assert (facts.items_last_30_days, facts.items_kept_quiet_by_rules_30_days) == (5, 3)
    reply = json.dumps(find_reply(engine, "minister"))
    assert "its source's rules: `skip rule type ~ 'press release|speech'`" in reply
    # an editor makes a card of one all the same: the source's health says its rules over-catch
    with engine.begin() as conn:
        make_card(conn, visit.id, "UEDITOR", NOW, None)
    with engine.connect() as conn:
        after = source_facts(conn, NOW)["dhsc"]
        shown = {f.title: f for f in search_items(conn, "minister")}
    assert (after.items_kept_quiet_by_rules_30_days, after.ruled_items_wanted_30_days) == (3, 1)
    (carded,) = shown.values()
    assert carded.lane == "card" and "its source's rules" not in json.dumps(
        find_reply(engine, "minister")
    )
