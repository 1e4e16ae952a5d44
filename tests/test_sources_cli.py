"""``curator sources check`` and ``curator sources add`` against a real loopback server serving
real captured documents (tests/fixtures/feeds and pages; see tests/fixtures/feeds/PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli
from curator.config import get_settings
from tests.conftest import FIXTURES, REPO
from tests.support.httpserver import LocalServer

FEEDS = FIXTURES / "feeds"
ATOM = {"Content-Type": "application/atom+xml"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}

HEADER = """\
# Test sources: the comments and layout must survive `sources add`.
defaults:
  every: 1h

sources:
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def publish(server: LocalServer) -> dict[str, str]:
    """Real documents at loopback URLs."""
    return {
        "guardian": server.add(
            "/guardian.rss", (FEEDS / "uk-guardian-rss-media-rss.xml").read_bytes(), headers=RSS
        ),
        "finder": server.add(
            "/finder.atom",
            (FEEDS / "govuk-finder-atom-drug-device-alerts-alphagov-example.atom").read_bytes(),
            headers=ATOM,
        ),
        "empty": server.add(
            "/empty.atom", (FEEDS / "awkward-reader-empty.atom").read_bytes(), headers=ATOM
        ),
        "html": server.add(
            "/not-a-feed", (FEEDS / "awkward-not-a-feed-html.html").read_bytes(), headers=HTML
        ),
        "missing": server.url("/gone.rss"),
        "listing": server.add(
            "/releases",
            (FIXTURES / "pages" / "other-sqlite-releases-listing.html").read_bytes(),
            headers=HTML,
        ),
    }


def sources_file(tmp_path: Path, entries: list[tuple[str, str, str]], extra: str = "") -> Path:
    body = "".join(
        f"  - id: {sid}\n    publisher: {pub}\n    kind: feed\n    url: {url}\n"
        for sid, pub, url in entries
    )
    path = tmp_path / "sources.yaml"
    path.write_text(HEADER + body + extra, encoding="utf-8")
    return path


# --- check ---------------------------------------------------------------------------------------


def test_check_offline_accepts_the_shipped_file() -> None:
    result = run("sources", "check", str(REPO / "sources.yaml"), "--offline")
    assert result.exit_code == 0, result.output
    n = len(
        [ln for ln in (REPO / "sources.yaml").read_text().splitlines() if ln.startswith("  - id: ")]
    )
    assert f"{n} sources valid" in result.stderr


def test_check_offline_reports_every_problem_on_stderr() -> None:
    bad = FIXTURES / "sources" / "bad-values.yaml"
    result = run("sources", "check", str(bad), "--offline")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{bad}:15: source 'dhsc', key 'every': '1 hour' is not an interval" in lines[0]
    assert "11 problems found" in lines[-1]
    assert result.stdout == ""


def test_check_json_lists_problems(tmp_path: Path) -> None:
    bad = FIXTURES / "sources" / "unknown-keys.yaml"
    result = run("sources", "check", str(bad), "--offline", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["ok"] is False
    assert [(p["line"], p["key"]) for p in doc["problems"]] == [
        (4, "default"),
        (11, "evry"),
        (18, "selectors.titel"),
    ]


def test_check_missing_file_uses_the_env_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURATOR_SOURCES_FILE", str(tmp_path / "elsewhere.yaml"))
    get_settings.cache_clear()
    result = run("sources", "check", "--offline")
    assert result.exit_code == 1
    assert f"{tmp_path / 'elsewhere.yaml'}: file not found" in result.stderr


def test_check_fetches_and_parses_every_enabled_source(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(
        tmp_path,
        [("guardian", "The Guardian", urls["guardian"]), ("finder", "GOV.UK", urls["finder"])],
        extra=f"  - id: off\n    publisher: Off\n    kind: feed\n    url: {urls['missing']}\n"
        "    enabled: false\n",
    )
    result = run("sources", "check", str(path), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["valid"] and doc["ok"]
    rows = {r["id"]: r for r in doc["sources"]}
    assert rows["guardian"]["status"] == "ok" and rows["guardian"]["items"] == 55
    assert rows["guardian"]["newest"].startswith("2018-01-31")
    assert rows["guardian"]["latency"] >= 0 and rows["guardian"]["http_status"] == 200
    assert rows["finder"]["items"] == 2 and rows["finder"]["newest"].startswith("2016-02-01")
    assert rows["off"]["status"] == "disabled" and rows["off"]["ok"]
    assert [r[1] for r in server.requests].count("/gone.rss") == 0  # disabled: not fetched


def test_check_reports_each_failure_and_exits_1(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(
        tmp_path,
        [
            ("guardian", "The Guardian", urls["guardian"]),
            ("gone", "Gone", urls["missing"]),
            ("html", "Moved", urls["html"]),
            ("empty", "Empty", urls["empty"]),
        ],
    )
    result = run("sources", "check", str(path), "--json")
    assert result.exit_code == 1
    rows = {r["id"]: r for r in json.loads(result.stdout)["sources"]}
    assert rows["guardian"]["ok"]
    assert rows["gone"]["status"] == "HTTP 404" and rows["gone"]["http_status"] == 404
    assert rows["html"]["status"] == "not a feed" and "not a feed" in rows["html"]["error"]
    assert rows["empty"]["status"] == "no items" and rows["empty"]["items"] == 0
    assert "1 fetched and parsed, 3 failed" in result.stderr


def test_check_says_every_entry_was_skipped_not_that_there_were_none(
    server: LocalServer, tmp_path: Path
) -> None:
    # "the feed has no entries; entry 1 … skipped": a feed that had one, which was skipped
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<link>https://example.org/</link><description>d</description>%s</channel></rss>"
    )
    only = server.add(
        "/only.rss",
        rss % b"<item><title>Only entry</title><link>ftp://x/1</link></item>",
        headers=RSS,
    )
    two = server.add(
        "/two.rss",
        rss % (b"<item><link>https://example.org/a</link></item>" * 2),
        headers=RSS,
    )
    surrogates = server.add(
        "/feed.json",
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": '
        b'[{"id": "1", "url": "https://example.org/j", "title": "Bad \\ud800 text"}]}',
        headers={"Content-Type": "application/feed+json"},
    )
    none = server.add("/none.rss", rss % b"", headers=RSS)
    path = sources_file(
        tmp_path,
        [
            ("only", "Only", only),
            ("two", "Two", two),
            ("json", "Json", surrogates),
            ("none", "None", none),
        ],
    )
    result = run("sources", "check", str(path), "--json")
    assert result.exit_code == 1
    rows = {r["id"]: r for r in json.loads(result.stdout)["sources"]}
    assert {r["status"] for r in rows.values()} == {"no items"}
    assert rows["only"]["error"] == (
        "the only entry of the feed was skipped, so there is nothing to store"
    )
    assert rows["only"]["warnings"] == ["only: entry 1 ('Only entry') has no http(s) link; skipped"]
    assert rows["two"]["error"] == (
        "every entry of the feed was skipped (2 of 2), so there is nothing to store"
    )
    assert rows["json"]["error"].startswith("the only entry of the feed was skipped")
    assert "not valid Unicode" in rows["json"]["warnings"][0]
    assert (rows["none"]["error"], rows["none"]["warnings"]) == ("the feed has no entries", [])

    report = run("sources", "check", str(path), "--markdown").stdout
    assert report.count("Every entry was skipped (the problem says why)") == 3
    assert report.count("The feed has no entries: check the publisher") == 1  # only `none`


def test_check_points_a_page_source_to_the_feed_its_page_advertises(
    server: LocalServer, tmp_path: Path
) -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" title="Our research" '
        b'href="/research/feed/"></head><body><main><article><h2><a href="/research/one">One '
        b"report</a></h2></article></main></body></html>"
    )
    url = server.add("/research/", page, headers={"Content-Type": "text/html"})
    path = sources_file(
        tmp_path,
        [],
        extra=f"  - id: charity\n    publisher: A Charity\n    kind: page\n    url: {url}\n"
        "    selectors:\n      item: main article\n      title: h2\n      link: a[href]\n",
    )
    result = run("sources", "check", str(path), "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["sources"]
    assert row["status"] == "ok" and row["items"] == 1
    assert row["warnings"] == [
        f"charity: the page advertises a feed: {server.url('/research/feed/')} (Our research); "
        "if one lists these publications, kind: feed with its URL is sturdier than selectors"
    ]


def test_check_prints_a_table(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(
        tmp_path,
        [("guardian", "The Guardian", urls["guardian"]), ("gone", "Gone", urls["missing"])],
    )
    result = run("sources", "check", str(path))
    assert result.exit_code == 1
    table = result.stdout
    guardian = next(ln for ln in table.splitlines() if "guardian" in ln)
    assert "ok" in guardian and "55" in guardian and "2018-01-31" in guardian and " ms" in guardian
    gone = next(ln for ln in table.splitlines() if "gone" in ln)
    assert "HTTP 404" in gone


# --- add -----------------------------------------------------------------------------------------


def test_add_a_feed_keeps_the_file_and_marks_it_unverified(
    server: LocalServer, tmp_path: Path
) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("finder", "GOV.UK", urls["finder"])])
    before = path.read_text(encoding="utf-8")
    result = run(
        "sources",
        "add",
        urls["guardian"],
        "--file",
        str(path),
        "--every",
        "6h",
        "--sector-hint",
        "children_young_people",
    )
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "The Guardian" in result.stdout and "55" in result.stdout  # title and entry count shown
    from curator.sources import load_sources

    new = load_sources(path)[-1]
    assert new.url == urls["guardian"] and new.publisher == "The Guardian"  # from the feed title
    assert new.kind == "feed" and not new.verified and new.every.total_seconds() == 6 * 3600
    assert new.sector_hint == "children_young_people"
    assert f"Added source '{new.id}'" in result.stdout and "verified: false" in result.stdout
    assert "\n    verified: false\n" in after[len(before) :]


def test_add_discovers_feeds_on_a_page(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    # Hand-made page (no real publisher page advertising a feed is stored): it links a feed that
    # is gone, then a real one, as a site with a stale <link> would.
    server.add(
        "/publications",
        "<!DOCTYPE html><html><head><title>Publications</title>"
        '<link rel="alternate" type="application/rss+xml" title="Old" href="/gone.rss">'
        '<link rel="alternate" type="application/atom+xml" title="Alerts" href="finder.atom">'
        "</head><body><h1>Publications</h1></body></html>",
        headers=HTML,
    )
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    result = run(
        "sources",
        "add",
        server.url("/publications"),
        "--file",
        str(path),
        "--id",
        "mhra",
        "--publisher",
        "Medicines and Healthcare products Regulatory Agency",
    )
    assert result.exit_code == 0, result.output
    assert "404" in result.stdout and "Alerts and recalls" in result.stdout
    from curator.sources import load_sources

    new = load_sources(path)[-1]
    assert (new.id, new.url) == ("mhra", urls["finder"])
    assert new.publisher == "Medicines and Healthcare products Regulatory Agency"


def test_add_refuses_a_duplicate(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    before = path.read_text(encoding="utf-8")
    spelt_differently = urls["guardian"].replace("/guardian.rss", "/guardian.rss/#top")
    result = run("sources", "add", spelt_differently, "--file", str(path))
    assert result.exit_code == 1
    assert "already watched by source 'guardian'" in result.stderr
    assert path.read_text(encoding="utf-8") == before
    assert not server.requests  # refused before fetching anything


def test_add_refuses_a_taken_id(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    result = run("sources", "add", urls["finder"], "--file", str(path), "--id", "guardian")
    assert result.exit_code == 1 and "id 'guardian' is already used" in result.stderr


def test_add_page_without_feeds_explains_what_to_do(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    before = path.read_text(encoding="utf-8")
    result = run("sources", "add", urls["html"], "--file", str(path))
    assert result.exit_code == 1
    assert (
        "advertises no feed" in result.stderr and "--kind page --selector item=CSS" in result.stderr
    )
    assert path.read_text(encoding="utf-8") == before


def test_add_with_an_invalid_id_is_a_usage_error_before_any_fetch(
    server: LocalServer, tmp_path: Path
) -> None:
    # It fetched the URL, then named a line of a file that was never written ("sources.yaml:12:
    # source 'MOJ2', key 'id': …") and exited 1.
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    before = path.read_text(encoding="utf-8")
    result = run("sources", "add", urls["finder"], "--file", str(path), "--id", "MOJ2")
    assert result.exit_code == 2
    assert "Invalid value for --id: 'MOJ2' is not a valid id" in result.stderr
    assert "(e.g. 'moj2')" in result.stderr
    assert server.requests == [] and path.read_text(encoding="utf-8") == before


def test_add_unreachable_url(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    result = run("sources", "add", urls["missing"], "--file", str(path), "--publisher", "X")
    assert result.exit_code == 1 and "could not fetch" in result.stderr and "404" in result.stderr
    assert ": new: " not in result.stderr  # the placeholder id of a source not added yet


def test_add_a_page_source_with_selectors(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    args = [
        "sources",
        "add",
        urls["listing"],
        "--file",
        str(path),
        "--kind",
        "page",
        "--publisher",
        "SQLite",
    ]
    bad = run(
        *args, "--selector", "item=div.release", "--selector", "title=h3", "--selector", "link=a"
    )
    assert bad.exit_code == 1 and "no element matches item selector" in bad.stdout + bad.stderr
    good = run(
        *args,
        "--selector",
        "item=p:has(a[href])",
        "--selector",
        "title=:scope",
        "--selector",
        "link=a[href]",
    )
    assert good.exit_code == 0, good.output
    from curator.sources import load_sources

    new = load_sources(path)[-1]
    assert (
        new.kind == "page" and new.selectors is not None and new.selectors.item == "p:has(a[href])"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "page"], "--selector item=CSS"),
        (["--every", "1 hour"], "is not an interval"),
        (["--selector", "item=a"], "only applies with --kind page"),
        (["--sector-hint", "health"], "health"),
    ],
)
def test_add_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = sources_file(tmp_path, [("a", "A", "https://a.example/feed/")])
    result = run("sources", "add", "https://b.example/feed/", "--file", str(path), *args)
    assert result.exit_code == 2 and message in result.stderr


def test_add_search_all_is_refused(tmp_path: Path) -> None:
    path = sources_file(tmp_path, [("a", "A", "https://a.example/feed/")])
    result = run("sources", "add", "https://www.gov.uk/search/all.atom", "--file", str(path))
    assert result.exit_code == 2 and "robots.txt" in result.stderr


TWO_FEEDS_PAGE = (
    # Hand-made page (see test_add_discovers_feeds_on_a_page) advertising two real feeds.
    "<!DOCTYPE html><html><head><title>News</title>"
    '<link rel="alternate" type="application/rss+xml" title="News" href="/guardian.rss">'
    '<link rel="alternate" type="application/atom+xml" href="/finder.atom">'
    "</head><body></body></html>"
)


def test_add_on_a_terminal_asks_which_feed_publisher_and_confirmation(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = publish(server)
    server.add("/news", TWO_FEEDS_PAGE, headers=HTML)
    path = sources_file(tmp_path, [("a", "A", "https://a.example/feed/")])
    monkeypatch.setattr("curator.commands.sources._interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["sources", "add", server.url("/news"), "--file", str(path)], input="2\n\ny\n"
    )
    assert result.exit_code == 0, result.output
    assert "Which feed?" in result.output and "Publisher" in result.output
    from curator.sources import load_sources

    new = load_sources(path)[-1]
    assert new.url == urls["finder"]
    assert new.publisher == "Alerts and recalls for drugs and medical devices"  # default accepted


def test_add_on_a_terminal_can_be_declined(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = publish(server)
    path = sources_file(tmp_path, [("a", "A", "https://a.example/feed/")])
    before = path.read_text(encoding="utf-8")
    monkeypatch.setattr("curator.commands.sources._interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["sources", "add", urls["guardian"], "--file", str(path)], input="Guardian\nn\n"
    )
    assert result.exit_code == 1 and "nothing added" in result.output
    assert path.read_text(encoding="utf-8") == before


def test_add_skips_discovered_feeds_already_watched(server: LocalServer, tmp_path: Path) -> None:
    urls = publish(server)
    server.add("/news", TWO_FEEDS_PAGE, headers=HTML)
    path = sources_file(tmp_path, [("guardian", "The Guardian", urls["guardian"])])
    result = run("sources", "add", server.url("/news"), "--file", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert "already watched by source 'guardian'" in result.stdout  # shown in the table
    from curator.sources import load_sources

    assert load_sources(path)[-1].url == urls["finder"]
    before = path.read_text(encoding="utf-8")
    again = run("sources", "add", server.url("/news"), "--file", str(path), "--yes")
    assert again.exit_code == 1 and "already watched by source" in again.stderr
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("title", "publisher"),
    [
        ("Ofsted - Activity on GOV.UK", "Ofsted"),
        ("The Sutton Trust", "The Sutton Trust"),
        ("Howard League for Penal Reform » Feed", "Howard League for Penal Reform"),
        ("NHS England | News", "NHS England"),
        ("", None),
    ],
)
def test_publisher_from_feed_title(title: str, publisher: str | None) -> None:
    from curator.sources.probe import clean_publisher

    assert clean_publisher(title) == publisher
