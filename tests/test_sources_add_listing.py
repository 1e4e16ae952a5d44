"""``curator sources add URL`` on a page that advertises no feed: the page is read without
selectors, the first publications found are shown, and it is added as ``kind: page`` without
selectors when accepted (on a terminal, or with ``--without-selectors``). Real listing fixtures
(tests/fixtures/pages/listings, expected publications beside each) on a loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli
from curator.sources import load_sources
from tests.conftest import FIXTURES
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer

LISTINGS = FIXTURES / "pages" / "listings"
HTML = {"Content-Type": "text/html; charset=utf-8"}
HEADER = """\
# Test sources: the comments and layout must survive `sources add`.
sources:
  - id: existing
    publisher: Existing
    kind: feed
    url: https://existing.example/feed/
"""


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def expected(name: str) -> list[dict[str, str]]:
    doc = json.loads((LISTINGS / f"{name}.expected.json").read_text(encoding="utf-8"))
    publications: list[dict[str, str]] = doc["publications"]
    return publications


def serve(server: LocalServer, name: str, path: str) -> str:
    return server.add(path, (LISTINGS / f"{name}.html").read_bytes(), headers=HTML)


@pytest.fixture
def sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(HEADER, encoding="utf-8")
    return path


PRT = "headings-paragraphs-prison-reform-trust"


def test_without_a_terminal_it_shows_the_first_items_and_adds_nothing(
    server: LocalServer, sources_file: Path
) -> None:
    url = serve(server, PRT, "/our-publications/")
    before = sources_file.read_text(encoding="utf-8")
    result = run("sources", "add", url, "--file", str(sources_file))
    assert result.exit_code == 1, result.output
    shown = " ".join(result.stdout.split())
    first, sixth = expected(PRT)[:5], expected(PRT)[5]
    for publication in first:
        assert publication["title"][:20] in shown, publication["title"]
        assert publication["date"] in shown
    assert sixth["title"][:20] not in shown  # the first five only
    assert f"{len(expected(PRT))} publications found" in shown
    assert "advertises no feed" in result.stderr
    # the commands it suggests are the ones to paste: the URL in them, not "URL"
    said = " ".join(result.stderr.split())
    assert f"To watch it that way: curator sources add {url} --without-selectors;" in said
    assert f"to give it selectors: curator sources add {url} --kind page --selector" in said
    assert sources_file.read_text(encoding="utf-8") == before


def test_the_sources_file_is_given_as_in_the_other_commands(
    server: LocalServer, sources_file: Path
) -> None:
    # `poll`, `run` and `sources skip` take `--sources FILE`: an admin who wrote the same here
    # was told "No such option: --sources".
    url = serve(server, PRT, "/our-publications/")
    result = run("sources", "add", url, "--sources", str(sources_file), "--without-selectors")
    assert result.exit_code == 0, result.output
    assert [s.url for s in load_sources(sources_file)][1] == url


def test_without_selectors_adds_it_as_a_page_read_automatically(
    server: LocalServer, sources_file: Path
) -> None:
    url = serve(server, PRT, "/our-publications/")
    before = sources_file.read_text(encoding="utf-8")
    result = run("sources", "add", url, "--file", str(sources_file), "--without-selectors")
    assert result.exit_code == 0, result.output
    assert "Bromley Briefings Prison Factfile" in result.stdout and "2024-06-20" in result.stdout
    assert "(a page read without selectors)" in result.stdout
    after = sources_file.read_text(encoding="utf-8")
    assert after.startswith(before) and "selectors" not in after[len(before) :]
    new = load_sources(sources_file)[-1]
    assert (new.kind, new.url, new.selectors, new.verified) == ("page", url, None, False)
    assert new.publisher == "Prison Reform Trust"  # from "Our publications | Prison Reform Trust"
    # The poller reads it as the add did: every expected publication, nothing else.
    check = run("sources", "check", str(sources_file), "--json")
    rows = {r["id"]: r for r in json.loads(check.stdout)["sources"]}
    assert rows[new.id]["status"] == "ok" and rows[new.id]["items"] == len(expected(PRT))


def test_on_a_terminal_it_asks_and_month_only_dates_show_as_months(
    server: LocalServer, sources_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "definition-list-criminal-justice-alliance"
    url = serve(server, name, "/publications/")
    monkeypatch.setattr("curator.commands.sources._interactive", lambda: True)
    result = run("sources", "add", url, "--file", str(sources_file), input="y\n\ny\n")
    assert result.exit_code == 0, result.output
    assert "Watch it read without selectors" in result.output
    assert "June 2024" in result.output and "Stop and search in 2023" in result.output
    new = load_sources(sources_file)[-1]
    assert (new.kind, new.selectors, new.publisher) == ("page", None, "Criminal Justice Alliance")


def test_on_a_terminal_it_can_be_declined(
    server: LocalServer, sources_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = serve(server, PRT, "/our-publications/")
    before = sources_file.read_text(encoding="utf-8")
    monkeypatch.setattr("curator.commands.sources._interactive", lambda: True)
    result = run("sources", "add", url, "--file", str(sources_file), input="n\n")
    assert result.exit_code == 1 and "nothing added" in result.output
    assert sources_file.read_text(encoding="utf-8") == before


def test_a_page_with_no_list_of_publications_is_refused_with_what_to_do(
    server: LocalServer, sources_file: Path
) -> None:
    url = server.add(
        "/about", (FIXTURES / "feeds" / "awkward-not-a-feed-html.html").read_bytes(), headers=HTML
    )
    before = sources_file.read_text(encoding="utf-8")
    result = run("sources", "add", url, "--file", str(sources_file), "--without-selectors")
    assert result.exit_code == 1
    assert "advertises no feed" in result.stderr and "gives nothing to watch" in result.stderr
    assert f"curator sources add {url} --kind page --selector item=CSS" in result.stderr
    assert sources_file.read_text(encoding="utf-8") == before


def test_kind_page_without_selectors_reads_a_page_that_advertises_feeds(
    server: LocalServer, sources_file: Path
) -> None:
    name = "wordpress-archive-centre-for-mental-health"
    feed = server.add(
        "/category/publications/feed/", atom([FeedItem("Briefing 62", "https://e.org/b")])
    )
    # The page on the loopback server: its feed links (and the rest) point there too.
    page = (LISTINGS / f"{name}.html").read_bytes()
    page = page.replace(b"https://www.centreformentalhealth.org.uk/", server.url("/").encode())
    url = server.add("/category/publications/", page, headers=HTML)
    args = ["sources", "add", url, "--file", str(sources_file)]
    result = run(*args, "--kind", "page", "--without-selectors")
    assert result.exit_code == 0, result.output
    assert [path for _, path, _ in server.requests] == ["/category/publications/"]
    new = load_sources(sources_file)[-1]
    assert (new.kind, new.url, new.selectors) == ("page", url, None)
    assert new.publisher == "Centre for Mental Health"
    # Without --kind page, the feed the page advertises is preferred.
    sources_file.write_text(HEADER, encoding="utf-8")
    assert run(*args, "--without-selectors").exit_code == 0
    assert load_sources(sources_file)[-1].url == feed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "page", "--without-selectors", "--selector", "item=a"], "contradict"),
        (["--kind", "feed", "--without-selectors"], "is for pages"),
        (["--kind", "page"], "or --without-selectors"),
    ],
)
def test_usage_errors_exit_2(sources_file: Path, args: list[str], message: str) -> None:
    result = run("sources", "add", "https://b.example/list/", "--file", str(sources_file), *args)
    assert result.exit_code == 2 and message in result.stderr
