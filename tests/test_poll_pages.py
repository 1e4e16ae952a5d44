"""Page sources through the real poll path: a loopback publisher serving listing pages, a real
database, the ``curator`` commands. Optional selectors that match nothing, pages read without
selectors, and selectors that broke (the source keeps working, ``degraded``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.config import Settings
from curator.runner import Runner
from curator.store.schema import items
from tests.conftest import FIXTURES
from tests.support.feeds import write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
LISTINGS = FIXTURES / "pages" / "listings"
HTML = {"Content-Type": "text/html; charset=utf-8"}
NUFFIELD = {
    "item": "div.views-row",
    "title": "h3",
    "link": "h3 a",
    "date": "time",  # the page writes its dates as plain text: this matches nothing
    "summary": "div.views-field-field-summary",
}
DATE_WARNING = (
    "nuffield: no element matches date selector 'time' inside any item ('div.views-row') on the "
    "page; the items were kept without dates: check the selector"
)
#: The WordPress theme's selectors before a redesign: none of them matches the page now.
OLD_THEME = {"item": "li.post", "title": ".post-title", "link": ".post-title a"}
NEW_THEME = {
    "item": "article.post",
    "title": "h2.entry-title",
    "link": "h2.entry-title a",
    "date": "time.entry-date",
}


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "0")


def _page_source(
    tmp_path: Path, server: LocalServer, sid: str, fixture: str, selectors: Any = None
) -> Path:
    server.add(f"/{sid}", (LISTINGS / fixture).read_bytes(), headers=HTML)
    entry: dict[str, object] = {
        "id": sid,
        "publisher": sid.replace("-", " ").title(),
        "kind": "page",
        "url": server.url(f"/{sid}"),
        "quiet_after": "1000w",  # the fixtures' publications are from 2024: not quiet
    }
    if selectors is not None:
        entry["selectors"] = selectors
    return write_sources(tmp_path / "sources.yaml", [entry])


def _poll(sources: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _status(sources: Path, *flags: str) -> Result:
    return CliRunner().invoke(cli, ["sources", "status", str(sources), *flags])


def _health(sources: Path, sid: str) -> dict[str, Any]:
    result = _status(sources, "--json")
    assert result.exit_code == 0, result.output
    row: dict[str, Any] = {r["id"]: r for r in json.loads(result.stdout)}[sid]
    return row


def _warnings(report: dict[str, Any], sid: str) -> list[str]:
    return [w["warning"] for w in report["warnings"] if w["id"] == sid]


def _expected(fixture: str) -> list[dict[str, str]]:
    doc = json.loads((LISTINGS / fixture.replace(".html", ".expected.json")).read_text())
    publications: list[dict[str, str]] = doc["publications"]
    return publications


@pytest.mark.usefixtures("env")
def test_a_date_selector_matching_nothing_polls_fine_with_a_warning(
    tmp_path: Path, server: LocalServer, engine: Engine
) -> None:
    sources = _page_source(
        tmp_path, server, "nuffield", "drupal-view-nuffield-trust.html", NUFFIELD
    )
    report = _poll(sources)
    assert (report["ok"], report["failed"], report["new_items"]) == (1, 0, 12)
    assert _warnings(report, "nuffield") == [DATE_WARNING]
    with engine.connect() as conn:
        rows = conn.execute(
            select(items.c.title, items.c.summary, items.c.published_at).order_by(items.c.id)
        ).all()
    assert [r.title for r in rows] == [
        p["title"] for p in _expected("drupal-view-nuffield-trust.html")
    ]
    assert all(r.summary for r in rows) and not any(r.published_at for r in rows)
    health = _health(sources, "nuffield")
    assert (health["status"], health["detail"]) == ("ok", DATE_WARNING)


@pytest.mark.usefixtures("env")
def test_the_warning_names_its_source_once_without_json(
    tmp_path: Path, server: LocalServer
) -> None:
    sources = _page_source(
        tmp_path, server, "nuffield", "drupal-view-nuffield-trust.html", NUFFIELD
    )
    result = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert f"warning: {DATE_WARNING}\n" in result.stderr  # was "warning: nuffield: nuffield: …"


def test_every_warning_line_names_its_source_once() -> None:
    from curator.pipeline import PollReport
    from curator.pipeline.decide import flood_warning

    report = PollReport()
    report.warnings += [
        {"id": "nuffield", "warning": DATE_WARNING},
        {"id": "dhsc", "warning": flood_warning(60)},  # the log of curator run said not whose
        {"id": "-", "warning": "no model in models/: every item is carded"},
    ]
    assert report.warning_lines() == [
        DATE_WARNING,
        f"dhsc: {flood_warning(60)}",
        "no model in models/: every item is carded",
    ]


@pytest.mark.usefixtures("env")
def test_the_warning_reaches_the_log_of_curator_run(
    tmp_path: Path, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    sources = _page_source(
        tmp_path, server, "nuffield", "drupal-view-nuffield-trust.html", NUFFIELD
    )
    runner = Runner(Settings(), sources)
    try:
        with caplog.at_level(logging.WARNING, logger="curator.runner"):
            report = runner.tick()
    finally:
        runner.poller.close()
        runner.engine.dispose()
    assert report is not None and report.ok == 1
    logged = [r for r in caplog.records if r.getMessage() == f"source warning: {DATE_WARNING}"]
    assert [getattr(r, "source", None) for r in logged] == ["nuffield"]


@pytest.mark.usefixtures("env")
def test_a_page_source_without_selectors_finds_its_publications(
    tmp_path: Path, server: LocalServer, engine: Engine
) -> None:
    fixture = "carousel-pagination-childrens-commissioner.html"
    sources = _page_source(tmp_path, server, "childrens-commissioner", fixture)
    report = _poll(sources)
    assert (report["ok"], report["failed"], report["new_items"]) == (1, 0, 10)
    assert _warnings(report, "childrens-commissioner") == []
    with engine.connect() as conn:
        rows = conn.execute(
            select(items.c.url, items.c.title, items.c.published_at).order_by(items.c.id)
        ).all()
    want = _expected(fixture)
    assert [r.url for r in rows] == [p["url"] for p in want]
    assert [r.title for r in rows] == [p["title"] for p in want]
    assert [r.published_at.date().isoformat() for r in rows] == [p["date"] for p in want]
    assert _health(sources, "childrens-commissioner")["status"] == "ok"


def test_broken_selectors_keep_the_source_working_as_degraded(
    tmp_path: Path,
    server: LocalServer,
    engine: Engine,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "1")  # the default: parsed in a child process
    fixture = "wordpress-archive-centre-for-mental-health.html"
    sources = _page_source(tmp_path, server, "cmh", fixture, OLD_THEME)

    report = _poll(sources)
    assert (report["ok"], report["failed"], report["new_items"]) == (1, 0, 10)
    (warning,) = _warnings(report, "cmh")
    assert warning.startswith(
        "cmh: no element matches item selector 'li.post' on the page: the site may have been "
        "redesigned; read the page without selectors instead (10 items at "
    )
    health = _health(sources, "cmh")
    assert (health["status"], health["detail"]) == ("degraded", warning)
    problems = _status(sources, "--problems")
    assert problems.exit_code == 0 and "degraded" in problems.stdout

    # The same page again is not parsed again, and the source stays degraded meanwhile.
    again = _poll(sources)
    assert (again["not_modified"], _warnings(again, "cmh")) == (1, [])
    assert _health(sources, "cmh")["status"] == "degraded"

    # An admin fixes the selectors: read with them again, healthy, nothing stored twice.
    sources = _page_source(tmp_path, server, "cmh", fixture, NEW_THEME)
    fixed = _poll(sources)
    assert (fixed["ok"], fixed["new_items"], _warnings(fixed, "cmh")) == (1, 0, [])
    assert (_health(sources, "cmh")["status"], _health(sources, "cmh")["detail"]) == ("ok", "")
    with engine.connect() as conn:
        assert len(conn.execute(select(items.c.id)).all()) == 10
