"""``curator sources suggest-rules`` on a real database: the proposal read from the editors'
decisions, taken into sources.yaml as printed, then catches the candidate still waiting
(``apply-rules``) and is not proposed again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.records import Rule
from curator.store.schema import items
from tests.support.factories import add_item
from tests.support.feeds import write_sources

pytestmark = pytest.mark.storage

GOVUK = "https://www.gov.uk/government"
DHSC: dict[str, object] = {
    "id": "dhsc",
    "publisher": "Department of Health and Social Care",
    "url": f"{GOVUK}/organisations/department-of-health-and-social-care.atom",
}


def _history(engine: Engine) -> int:
    """Ten speeches rejected and a report accepted this month, a speech of last year's rejected
    and another source's speeches rejected; one speech still waits. Returns its id."""
    recent = datetime.now(UTC) - timedelta(days=3)
    for n in range(10):
        add_item(
            engine,
            title=f"Speech: the future of care {n}",
            url=f"{GOVUK}/speeches/future-of-care-{n}",
            canonical_url=f"https://gov.uk/government/speeches/future-of-care-{n}",
            document_type="Speech",
            status="rejected",
            first_seen_at=recent,
        )
    add_item(engine, status="accepted", first_seen_at=recent, document_type="Independent report")
    add_item(engine, status="rejected", first_seen_at=recent - timedelta(days=400))
    for n in range(10):
        add_item(
            engine,
            source_id="ofsted",
            publisher="Ofsted",
            title=f"Speech: inspection {n}",
            url=f"{GOVUK}/speeches/inspection-{n}",
            canonical_url=f"https://gov.uk/government/speeches/inspection-{n}",
            status="rejected",
            first_seen_at=recent,
        )
    return add_item(
        engine,
        title="Speech: care reform",
        url=f"{GOVUK}/speeches/care-reform",
        canonical_url="https://gov.uk/government/speeches/care-reform",
        document_type="Speech",
        first_seen_at=recent,
    )


def test_a_proposal_taken_into_sources_yaml_catches_what_waits(
    engine: Engine, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = _history(engine)
    ofsted: dict[str, object] = {
        "id": "ofsted",
        "publisher": "Ofsted",
        "url": "https://example.org/ofsted.atom",
    }
    path = write_sources(tmp_path / "sources.yaml", [DHSC, ofsted])
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    runner = CliRunner()

    result = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["days"], data["min_rejected"]) == (90, 10)
    by_source = {s["source_id"]: s for s in data["suggestions"]}
    assert set(by_source) == {"dhsc", "ofsted"}
    dhsc = by_source["dhsc"]
    assert (dhsc["field"], dhsc["pattern"]) == ("url", r"www\.gov\.uk/government/speeches/")
    assert (dhsc["rejected"], dhsc["waiting"]) == (10, 1)

    text = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--source", "dhsc"])
    assert text.exit_code == 0, text.output
    line = r"    - url: 'www\.gov\.uk/government/speeches/'   # rejected 10, taken 0 in 90 days"
    assert line + "; 1 more wait" in text.stdout
    assert "#   e.g. Speech: the future of care 0" in text.stdout
    assert "ofsted" not in text.stdout
    assert "1 rule to consider" in text.stdout

    # taken into the file as printed, it catches the speech still waiting ...
    write_sources(path, [{**DHSC, "skip": [{dhsc["field"]: dhsc["pattern"]}]}, ofsted])
    dry = runner.invoke(cli, ["sources", "apply-rules", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert [i["id"] for i in json.loads(dry.stdout)["items"]] == [waiting]
    # ... and is not proposed again; over a shorter window nor is anything else
    again = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--source", "dhsc"])
    assert again.exit_code == 0 and again.stdout.startswith("No rule to suggest")
    short = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--days", "1", "--json"])
    assert json.loads(short.stdout)["suggestions"] == []


def test_bad_input(
    engine: Engine, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_sources(tmp_path / "sources.yaml", [DHSC])
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    runner = CliRunner()
    unknown = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--source", "nope"])
    assert unknown.exit_code == 2 and "no source with id 'nope'" in unknown.output
    typo = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--source", "dhcs"])
    assert typo.exit_code == 2 and "(did you mean 'dhsc'?)" in typo.output
    assert f"`curator sources status {path}` lists them" in typo.output
    low = runner.invoke(cli, ["sources", "suggest-rules", str(path), "--min-rejected", "1"])
    assert low.exit_code == 2 and "--min-rejected" in low.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: Bad Id\n")
    broken = runner.invoke(cli, ["sources", "suggest-rules", str(bad)])
    assert broken.exit_code == 2 and str(bad) in broken.output


def test_the_weekly_report_lists_the_rules_to_consider_from_real_decisions(
    engine: Engine, tmp_path: Path
) -> None:
    from curator.jobs import weekly_report
    from curator.records import SourceConfig
    from curator.store.decisions import Actor, decide
    from curator.store.promote import make_card

    editor = Actor("U0EDITOR", "Ed", via="slack")
    now = datetime(2026, 12, 7, 8, tzinfo=UTC)
    dhsc = SourceConfig(id="dhsc", publisher="DHSC", kind="feed", url=str(DHSC["url"]))
    speeches = [
        add_item(
            engine,
            title=f"Speech: care {n}",
            url=f"{GOVUK}/speeches/care-{n}",
            canonical_url=f"https://gov.uk/government/speeches/care-{n}",
            document_type="Speech",
            first_seen_at=now - timedelta(days=10),
            lane="digest",
        )
        for n in range(12)
    ]
    for item_id in speeches[:10]:
        decide(engine, item_id, "reject", editor, now=now - timedelta(days=5))
    report = weekly_report(engine, [dhsc], now)
    assert report is not None
    assert "*Rules to consider*" in report
    assert (
        r"• `dhsc` (DHSC): skip `url ~ 'www\.gov\.uk/government/speeches/'`: 10 rejected, "
        "2 waiting; an admin adds it with "
        r"`/pulse sources skip dhsc url www\.gov\.uk/government/speeches/`" in report
    )
    # the command as the report prints it, sent as Slack sends it, adds exactly that rule
    from curator.slack.pulse import skip_rule
    from curator.sources import load_sources

    command = report.split("`/pulse sources skip ", 1)[1].split("`", 1)[0].split()
    path = write_sources(tmp_path / "sources.yaml", [DHSC])
    skip_rule(engine, path, command[0], command[1], command[2:], None)
    assert load_sources(path)[0].skip == (Rule("url", r"www\.gov\.uk/government/speeches/"),)
    with engine.connect() as conn:
        waiting = conn.execute(
            select(items.c.status).where(items.c.id.in_(speeches[10:]))
        ).scalars()
        assert list(waiting) == ["new", "new"]  # the two that waited were moved
    # an editor makes a card of one of them: the editors want some speeches, so no rule
    with engine.begin() as conn:
        assert make_card(conn, speeches[10], "U0EDITOR", now, None).carded_by == "U0EDITOR"
    next_week = weekly_report(engine, [dhsc], now + timedelta(days=7))
    assert next_week is not None and "*Rules to consider*" not in next_week


def test_the_window_is_read_by_its_date_index_for_some_sources_too(engine: Engine) -> None:
    # With an IN list of sources SQLite had read every item of those sources (by
    # ix_items_source_dated) instead of the window: 1.3 s against 0.18 s at a million items.
    from curator.store.suggest import recent_decisions
    from tests.test_lanes_store import _plans

    add_item(engine, status="rejected", first_seen_at=datetime.now(UTC))

    def read() -> None:
        with engine.connect() as conn:
            assert len(recent_decisions(conn, datetime.now(UTC) - timedelta(days=1), ["dhsc"]))

    (plan,) = _plans(engine, read)
    assert "ix_items_seen_source" in plan, plan
