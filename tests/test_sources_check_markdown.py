"""``curator sources check --markdown``: a table an admin can paste into a ticket, against a real
loopback server; and `verified` stays the admin's to set (checking never writes the file)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from curator.cli import cli
from tests.conftest import FIXTURES, REPO
from tests.support.httpserver import LocalServer

FEEDS = FIXTURES / "feeds"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HEAD = "| id | publisher | url | status | problem | what to do |"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _file(tmp_path: Path, server: LocalServer) -> Path:
    feed = (FEEDS / "uk-guardian-rss-media-rss.xml").read_bytes()
    server.add("/fine.rss", feed, headers=RSS)
    server.add("/checked.rss", feed, headers=RSS)
    server.add("/blocked.rss", b"", status=403)
    server.add("/page", b"<html><main><p>No list here</p></main></html>")
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""\
sources:
  - id: fine
    publisher: The Guardian | Media
    kind: feed
    url: {server.url("/fine.rss")}
  - id: checked
    publisher: Checked
    kind: feed
    url: {server.url("/checked.rss")}
    verified: true
  - id: gone
    publisher: Gone
    kind: feed
    url: {server.url("/gone.rss")}
  - id: lga
    publisher: Local Government Association
    kind: feed
    url: {server.url("/blocked.rss")}
  - id: listing
    publisher: A Charity
    kind: page
    url: {server.url("/page")}
    selectors:
      item: main article
      title: h2
      link: a[href]
  - id: off
    publisher: Off
    kind: feed
    url: {server.url("/off.rss")}
    enabled: false
""",
        encoding="utf-8",
    )
    return path


def _rows(markdown: str) -> dict[str, list[str]]:
    lines = markdown.splitlines()
    start = lines.index(HEAD)
    assert lines[start + 1] == "|---|---|---|---|---|---|"
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        # split on pipes that are not escaped
        cells = [c.strip().replace("\\|", "|") for c in _split(line)]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def _split(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |")
    out, current, escaped = [], "", False
    for ch in line[2:-2]:
        if ch == "|" and not escaped:
            out.append(current)
            current = ""
        else:
            current += ch
        escaped = ch == "\\" and not escaped
    out.append(current)
    assert len(out) == 6, line
    return out


def test_markdown_lists_what_an_admin_must_do_and_never_touches_the_file(
    tmp_path: Path, server: LocalServer
) -> None:
    path = _file(tmp_path, server)
    before = path.read_bytes()
    result = run("sources", "check", str(path), "--markdown")
    assert result.exit_code == 1  # some sources failed
    assert path.read_bytes() == before  # checking never sets `verified` (or anything else)
    out = result.stdout
    assert out.startswith(f"## Sources to look at: `{path}`\n")
    assert "2 of 5 enabled sources fetched and parsed; 3 failed (1 blocked by the site); " in out
    rows = _rows(out)
    # the blocked one first, then the other failures, then the ones to verify; the verified
    # working source and the disabled one need nothing
    assert list(rows) == ["lga", "gone", "listing", "fine"]
    publisher, url, status, problem, todo = rows["lga"]
    assert (publisher, url, status) == (
        "Local Government Association",
        server.url("/blocked.rss"),
        "blocked",
    )
    assert problem.startswith(f"HTTP 403 from {server.url('/blocked.rss')}: access forbidden")
    assert "by hand" in todo and "Never set a browser User-Agent" in todo
    assert rows["gone"][2] == "HTTP 404" and "The URL is gone" in rows["gone"][4]
    assert rows["listing"][2] == "parse error" and "update `selectors`" in rows["listing"][4]
    assert "no element matches item selector 'main article'" in rows["listing"][3]
    fine = rows["fine"]
    assert fine[0] == "The Guardian | Media"  # the pipe is escaped in the table, read back whole
    assert fine[2:4] == ["ok", "not verified yet"]
    assert fine[4] == (
        "Compare the 55 items (newest 2018-01-31) with the publisher's site; if they are its "
        "publications, set `verified: true`."
    )


def test_markdown_offline_lists_the_sources_still_to_verify(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: a, publisher: A, kind: feed, url: 'https://example.org/a.xml'}\n"
        "  - {id: b, publisher: B, kind: feed, url: 'https://example.org/b.xml', verified: true}\n",
        encoding="utf-8",
    )
    result = run("sources", "check", str(path), "--offline", "--markdown")
    assert result.exit_code == 0, result.output
    assert "Nothing was fetched (`--offline`); 1 enabled sources are not verified yet." in (
        result.stdout
    )
    rows = _rows(result.stdout)
    assert list(rows) == ["a"] and rows["a"][2] == "not checked"
    assert (
        f"Run `curator sources check {path}` where the publishers can be reached" in (rows["a"][4])
    )


def test_markdown_of_an_invalid_file_tables_its_problems() -> None:
    bad = FIXTURES / "sources" / "unknown-keys.yaml"
    result = run("sources", "check", str(bad), "--offline", "--markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"## `{bad}` is not valid: 3 problems"
    assert lines[2] == (
        f"Nothing was fetched. Fix each line, then run `curator sources check {bad} --offline`."
    )
    assert lines[4:6] == ["| line | source | key | problem |", "|---|---|---|---|"]
    assert lines[6].startswith("| 4 |  | default | ")
    assert len(lines) == 9


def test_json_and_markdown_together_is_a_usage_error() -> None:
    result = run("sources", "check", str(REPO / "sources.yaml"), "--json", "--markdown")
    assert result.exit_code == 2
    assert "pick one" in result.output


def test_the_shipped_file_offline_as_markdown() -> None:
    result = run("sources", "check", str(REPO / "sources.yaml"), "--offline", "--markdown")
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert rows and all(r[2] == "not checked" for r in rows.values())


def test_no_code_writes_verified_true() -> None:
    """`verified: true` is an admin's word after a live check: no code path may set it (the
    behaviour above covers `check`; this catches a new writer anywhere in the package)."""
    import re

    writes = re.compile(r"""["']verified["']\s*[\]:]?\s*=?\s*True|verified\s*=\s*True""")
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / "curator").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if writes.search(line)
    ]
    assert offenders == []


def test_what_to_do_follows_the_warning_a_source_has(tmp_path: Path, server: LocalServer) -> None:
    # A feed that moved was told only to be compared and verified, the move said in the problem
    # alone; a page whose date selector broke was told to consider "the feed the page
    # advertises" though it advertises none.
    feed = (FEEDS / "uk-guardian-rss-media-rss.xml").read_bytes()
    server.add("/new.rss", feed, headers=RSS)
    server.add("/old.rss", b"", status=301, headers={"Location": server.url("/new.rss")})
    server.add(
        "/list",
        b"<html><body><main>"
        + b"".join(
            b'<article><h2><a href="/p/%d">Report number %d on prisons</a></h2></article>' % (n, n)
            for n in range(3)
        )
        + b"</main></body></html>",
    )
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""\
sources:
  - id: moved
    publisher: Moved
    kind: feed
    url: {server.url("/old.rss")}
  - id: listing
    publisher: A Charity
    kind: page
    url: {server.url("/list")}
    selectors:
      item: main article
      title: h2
      link: a[href]
      date: time
""",
        encoding="utf-8",
    )
    rows = _rows(run("sources", "check", str(path), "--markdown").stdout)
    assert "has moved permanently" in rows["moved"][3]
    assert rows["moved"][4].startswith(
        f"Set `url` to {server.url('/new.rss')} (it has moved for good). Compare the 55 items"
    )
    assert "no element matches date selector 'time'" in rows["listing"][3]
    assert rows["listing"][4].startswith("Compare the 3 items with the publisher's site")
