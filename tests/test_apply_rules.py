"""``curator sources apply-rules``: a source's rules applied to the candidates already waiting,
on a real database, with their cards redrawn in the fake Slack Web API (tests/support/fake_slack.py)
over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.records import Rule, SourceConfig
from curator.slack.outbox import make_client
from curator.slack.ruled import apply_rules
from curator.store.outbox import enqueue
from curator.store.schema import outbox
from tests.support.factories import add_item
from tests.support.feeds import write_sources
from tests.test_slack_app import CHANNEL, T0, Env, pulse_reply, slack_env

pytestmark = pytest.mark.storage

DHSC = SourceConfig(
    id="dhsc",
    publisher="Department of Health and Social Care",
    kind="feed",
    url="https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom",
    skip=(Rule("type", "press release|speech"),),
)


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def test_waiting_candidates_a_rule_catches_leave_the_queue_and_their_cards_say_why(
    env: Env,
) -> None:
    release = env.post_card(title="Minister visits care home", document_type="Press release")
    report = env.post_card(
        title="Care homes: quality review", document_type="Research and analysis"
    )
    other = env.post_card(source_id="ofsted", document_type="Press release")  # no rules
    unposted = add_item(env.engine, title="Speech on care", document_type="Speech")
    with env.engine.begin() as conn:
        enqueue(conn, unposted, CHANNEL, T0)  # its card is still in the outbox
    client = make_client(env.settings)

    dry = apply_rules(env.engine, [DHSC], client, dry_run=True)
    assert ({c.item_id for c in dry.caught}, dry.moved) == ({release, unposted}, 0)
    assert env.item(release)["status"] == "queued"

    done = apply_rules(env.engine, [DHSC], client, sleep=lambda s: None)
    assert (done.moved, done.redrawn, done.failed) == (2, 1, 0)
    assert done.by_source() == {"dhsc": 2}
    for item_id in (release, unposted):
        item = env.item(item_id)
        assert (item["status"], item["lane"]) == ("new", "quiet")
        assert item["quiet_rule"] == "skip rule type ~ 'press release|speech'"
    assert env.item(report)["status"] == "queued" and env.item(other)["status"] == "queued"
    with env.engine.connect() as conn:
        (row,) = conn.execute(select(outbox).where(outbox.c.item_id == unposted)).mappings()
    assert row["status"] == "failed" and "kept quiet by its source's rules" in row["last_error"]
    text = env.card_text(release)
    assert "Kept quiet by its source's rules (`skip rule type ~ 'press release|speech'`)" in text
    assert "actions" not in [b["type"] for b in env.card(release)["blocks"]]
    # found again, with the rule, and nothing more to move
    reply = json.dumps(pulse_reply(env, "find minister visits"))
    assert "its source's rules: `skip rule type ~ 'press release|speech'`" in reply
    assert apply_rules(env.engine, [DHSC], client).moved == 0


def test_the_command(
    engine: Engine, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught = add_item(engine, title="Speech: care reform", document_type="Speech")
    kept = add_item(engine, title="Care homes: quality review")
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "dhsc",
                "publisher": "Department of Health and Social Care",
                "url": DHSC.url,
                "skip": [{"type": "speech"}],
            },
            {"id": "ofsted", "publisher": "Ofsted", "url": "https://example.org/ofsted.atom"},
        ],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    runner = CliRunner()
    dry = runner.invoke(cli, ["sources", "apply-rules", str(sources), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"dhsc: #{caught} Speech: care reform (skip rule type ~ 'speech')" in dry.stdout
    assert "1 waiting candidates the rules would keep quiet (dhsc 1); nothing moved" in dry.stdout
    result = runner.invoke(cli, ["sources", "apply-rules", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["caught"], data["moved"], data["by_source"], data["dry_run"]) == (
        1,
        1,
        {"dhsc": 1},
        False,
    )
    assert data["items"] == [
        {
            "id": caught,
            "source_id": "dhsc",
            "title": "Speech: care reform",
            "rule": "skip rule type ~ 'speech'",
        }
    ]
    again = runner.invoke(cli, ["sources", "apply-rules", str(sources), "--source", "dhsc"])
    assert again.exit_code == 0 and "Moved 0 waiting candidates" in again.stdout
    unknown = runner.invoke(cli, ["sources", "apply-rules", str(sources), "--source", "nope"])
    assert unknown.exit_code == 2 and "no source with id 'nope'" in unknown.output
    with engine.connect() as conn:
        from curator.store.schema import items

        statuses = dict(conn.execute(select(items.c.id, items.c.status)).all())
    assert statuses == {caught: "new", kept: "queued"}


def test_pulse_sources_skip_adds_the_rule_and_quiets_what_waits(env: Env, tmp_path: Path) -> None:
    from curator.sources import load_sources

    speech = env.post_card(title="Speech: care reform", document_type="Speech")
    report = env.post_card(title="Care homes: review", document_type="Research and analysis")
    sources = tmp_path / "sources.yaml"
    before = sources.read_text(encoding="utf-8")
    refused = pulse_reply(env, "sources skip dhsc type ^Speech$", user="U1")["text"]
    assert "only admins" in refused and sources.read_text(encoding="utf-8") == before

    reply = pulse_reply(env, "sources skip dhsc type '^Speech$'", "UADMIN")["text"]
    assert reply.startswith("Added `skip rule type ~ '^Speech$'` to `dhsc` in ")
    assert reply.endswith("Moved 1 waiting candidate to the quiet lane; redrew 1 cards in Slack.")
    assert load_sources(sources)[0].skip == (Rule("type", "^Speech$"),)
    assert env.item(speech)["quiet_rule"] == "skip rule type ~ '^Speech$'"
    assert env.item(report)["status"] == "queued"
    assert "Kept quiet by its source's rules (`skip rule type ~ '^Speech$'`)" in (
        env.card_text(speech)
    )
    again = pulse_reply(env, "sources skip dhsc type ^Speech$", "UADMIN")["text"]
    assert "`dhsc` has `skip rule type ~ '^Speech$'` already" in again

    bad = pulse_reply(env, "sources skip dhsc title (minutes", "UADMIN")["text"]
    assert "not a regular expression RE2 can read" in bad and "nothing was written" in bad
    field = pulse_reply(env, "sources skip dhsc author x", "UADMIN")["text"]
    assert "'author' is not a field rules can match; use one of title, summary, url, type" in field
    short = pulse_reply(env, "sources skip dhsc type", "UADMIN")["text"]
    assert "`/pulse sources skip ID FIELD PATTERN`" in short
    # Slack escapes &, < and > in a command's text: the rule is what the admin typed
    pulse_reply(env, "sources skip dhsc title Q&amp;A &lt;draft&gt;", "UADMIN")
    # and a link Slack made of what was typed is the text typed
    url = "<http://www.gov.uk/government/news/|www.gov.uk/government/news/>"
    pulse_reply(env, f"sources skip dhsc url {url}", "UADMIN")
    pulse_reply(env, "sources skip dhsc url <https://x.org/jobs/>", "UADMIN")
    assert load_sources(sources)[0].skip == (
        Rule("type", "^Speech$"),
        Rule("title", "Q&A <draft>"),
        Rule("url", "www.gov.uk/government/news/"),
        Rule("url", "https://x.org/jobs/"),
    )


def test_curator_sources_skip(
    engine: Engine, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.sources import load_sources

    caught = add_item(engine, title="Speech: care reform", document_type="Speech")
    kept = add_item(engine, title="Care homes: quality review")
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "dhsc", "publisher": "Department of Health and Social Care", "url": DHSC.url}],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    runner = CliRunner()
    args = ["sources", "skip", "dhsc", "type", "^speech$", "--sources", str(sources)]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "source_id": "dhsc",
        "rule": "skip rule type ~ '^speech$'",
        "added": True,
        "moved": 1,
        "redrawn": 0,
        "failed": 0,
    }
    assert load_sources(sources)[0].skip == (Rule("type", "^speech$"),)
    with engine.connect() as conn:
        from curator.store.schema import items

        statuses = dict(conn.execute(select(items.c.id, items.c.status)).all())
    assert statuses == {caught: "new", kept: "queued"}
    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and "has skip rule type ~ '^speech$' already" in again.stdout
    # --no-apply leaves what waits, and needs no database (this one answers nothing)
    other = add_item(engine, title="Board minutes: May")
    from curator.config import get_settings

    monkeypatch.setenv("CURATOR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    get_settings.cache_clear()
    added = runner.invoke(cli, ["sources", "skip", "dhsc", "title", "^board minutes", "--sources",
                                str(sources), "--no-apply"])  # fmt: skip
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    get_settings.cache_clear()
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("Added skip rule title ~ '^board minutes' to dhsc in ")
    with engine.connect() as conn:
        assert conn.execute(select(items.c.status).where(items.c.id == other)).scalar() == "queued"
    before = sources.read_text(encoding="utf-8")
    for bad, why in (
        (["dhsc", "title", "(minutes"], "not a regular expression RE2 can read"),
        (["dhcs", "title", "minutes"], "did you mean 'dhsc'"),
        (["dhsc", "author", "x"], "'author' is not one of"),
    ):
        refused = runner.invoke(cli, ["sources", "skip", *bad, "--sources", str(sources)])
        assert refused.exit_code == 2 and why in refused.output, refused.output
        # checked before the edit: no line of a file that was never written is named
        assert bad[2] != "(minutes" or f"{sources}: source 'dhsc', key 'skip': " in refused.output
    assert sources.read_text(encoding="utf-8") == before
