"""Who may act from Slack, where /pulse answers, `/pulse sources add` taking the same path as
`curator sources add`, and every /pulse answered even when it fails: signed requests to the real
server (curator/web.py) with the fake Slack Web API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from curator.slack import blocks
from tests.conftest import FIXTURES
from tests.support.fake_slack import block_actions, form, view_submission
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer
from tests.test_slack_app import CHANNEL, Env, pulse_reply, slack_env

pytestmark = pytest.mark.storage
EDITOR, ADMIN, OUTSIDER = "UEDITOR", "UADMIN", "U1"


@pytest.fixture
def editors_env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path, editors=EDITOR, admins=ADMIN) as env:
        yield env


@pytest.fixture
def open_env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    """CURATOR_EDITORS empty: everyone who can see SLACK_CHANNEL may act."""
    with slack_env(engine, tmp_path) as env:
        yield env


def _refusals(env: Env, user: str) -> list[str]:
    env.fake.wait_for("chat.postEphemeral")
    return [e["text"] for e in env.fake.ephemerals if e["user"] == user]


def _click(env: Env, item_id: int, action_id: str, user: str, **kw: Any) -> None:
    payload = block_actions(
        action_id=action_id,
        value=str(item_id),
        channel=kw.pop("channel", CHANNEL),
        ts=env.card_ts(item_id),
        user=user,
        name=user.lower(),
        **kw,
    )
    assert env.send(form(payload)).status_code == 200


@pytest.mark.parametrize("action_id", [blocks.ACCEPT, blocks.REJECT, blocks.EDIT])
def test_clicks_of_someone_not_an_editor_are_refused_and_record_nothing(
    editors_env: Env, action_id: str
) -> None:
    env = editors_env
    item_id = env.post_card()
    _click(env, item_id, action_id, OUTSIDER)
    (refusal,) = _refusals(env, OUTSIDER)
    assert "only the digest's editors" in refusal and "CURATOR_EDITORS" in refusal
    time.sleep(0.2)
    assert env.decisions(item_id) == []
    assert env.fake.calls("chat.update") == [] and env.fake.calls("views.open") == []


def test_selects_undo_and_edits_of_someone_not_an_editor_are_refused(editors_env: Env) -> None:
    env = editors_env
    item_id = env.post_card()
    _click(env, item_id, blocks.ACCEPT, EDITOR)
    env.fake.wait_for("chat.update")
    payload = block_actions(
        action_id=blocks.CATEGORY,
        selected=f"{item_id}:tools_guidance",
        channel=CHANNEL,
        ts=env.card_ts(item_id),
        user=OUTSIDER,
    )
    env.send(form(payload))
    _click(env, item_id, blocks.UNDO, OUTSIDER)
    _click(env, item_id, blocks.EDIT, EDITOR)  # a modal opened, then submitted by another
    env.fake.wait_for("views.open")
    submission = view_submission(view=env.fake.views[0], values={}, user=OUTSIDER)
    answer = env.send(form(submission))
    assert answer.status_code == 200 and answer.text == ""  # the modal closes
    env.fake.wait_for("chat.postEphemeral", 3)
    assert len(_refusals(env, OUTSIDER)) == 3
    assert [d["action"] for d in env.decisions(item_id)] == ["accept"]  # the editor's only
    assert env.item(item_id)["category"] == "reports"


@pytest.mark.parametrize("who", [EDITOR, ADMIN])
def test_editors_and_admins_may_act(editors_env: Env, who: str) -> None:
    env = editors_env
    item_id = env.post_card()
    _click(env, item_id, blocks.REJECT, who)
    env.fake.wait_for("chat.update")
    assert [(d["action"], d["user_id"]) for d in env.decisions(item_id)] == [("reject", who)]
    assert env.fake.calls("chat.postEphemeral") == []


def test_without_editors_listed_clicks_count_only_from_the_channel(open_env: Env) -> None:
    env = open_env
    item_id = env.post_card()
    _click(env, item_id, blocks.REJECT, OUTSIDER, channel="COTHER")  # a card shared elsewhere
    (refusal,) = _refusals(env, OUTSIDER)
    assert "editors' channel" in refusal
    assert env.decisions(item_id) == []
    _click(env, item_id, blocks.REJECT, OUTSIDER)
    env.fake.wait_for("chat.update")
    assert [d["action"] for d in env.decisions(item_id)] == ["reject"]


def test_pulse_answers_only_in_the_channel_and_in_editors_direct_messages(
    editors_env: Env,
) -> None:
    env = editors_env
    elsewhere = pulse_reply(env, "draft", EDITOR, channel="CRANDOM")
    assert f"<#{CHANNEL}>" in elsewhere["text"] and "direct message" in elsewhere["text"]
    assert env.fake.calls("files.getUploadURLExternal") == []  # nothing uploaded there
    in_dm = pulse_reply(env, "status", EDITOR, channel="D0EDITOR", channel_name="directmessage")
    assert "*Queue*" in in_dm["text"]
    admin_dm = pulse_reply(env, "status", ADMIN, channel="D0ADMIN", channel_name="directmessage")
    assert "*Queue*" in admin_dm["text"]
    outsider_dm = pulse_reply(env, "status", OUTSIDER, channel="D0U1", channel_name="directmessage")
    assert "*Queue*" not in outsider_dm["text"] and f"<#{CHANNEL}>" in outsider_dm["text"]
    outsider_here = pulse_reply(env, "status", OUTSIDER)
    assert "only the digest's editors" in outsider_here["text"]
    assert "*Queue*" in pulse_reply(env, "status", EDITOR)["text"]
    assert all(r["response_type"] == "ephemeral" for r in env.fake.responses)


def test_without_editors_listed_pulse_answers_everyone_in_the_channel(open_env: Env) -> None:
    assert "*Queue*" in pulse_reply(open_env, "status", OUTSIDER)["text"]
    assert "*Queue*" not in pulse_reply(open_env, "status", OUTSIDER, channel="CRANDOM")["text"]


# --- /pulse sources add: the same path as `curator sources add` --------------------------------


def test_pulse_sources_add_goes_through_the_fetcher_and_its_guard(
    engine: Engine, tmp_path: Path, server: LocalServer
) -> None:
    feed = server.add("/feed.atom", atom([FeedItem("Guidance: A toolkit", "https://e.org/t")]))
    with slack_env(engine, tmp_path, allow_private_networks=False) as env:
        sources = tmp_path / "sources.yaml"
        before = sources.read_text(encoding="utf-8")
        answer = pulse_reply(env, f"sources add <{feed}>", ADMIN)
        assert answer["text"].startswith("Nothing added: could not fetch")
        assert "private" in answer["text"] or "loopback" in answer["text"], answer["text"]
        assert sources.read_text(encoding="utf-8") == before  # was: written without a fetch
        assert server.requests == []


def test_pulse_sources_add_finds_the_feed_a_page_advertises(
    engine: Engine, tmp_path: Path, server: LocalServer
) -> None:
    feed = server.add(
        "/alerts.atom",
        atom(
            [FeedItem("Guidance: A toolkit", "https://e.org/t")],
            title="Alerts - Activity on GOV.UK",
        ),
        headers={"Content-Type": "application/atom+xml"},
    )
    page = server.add(
        "/publications",
        '<html><head><link rel="alternate" type="application/atom+xml" href="/alerts.atom">'
        "</head><body>Publications</body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    with slack_env(engine, tmp_path) as env:
        text = pulse_reply(env, f"sources add {page}", ADMIN)["text"]
        assert text.startswith("Added source `") and f"for {feed} (the feed {page}" in text
        from curator.sources import load_sources

        new = load_sources(tmp_path / "sources.yaml")[-1]
        assert (new.url, new.publisher, new.verified) == (feed, "Alerts", False)
        assert new.notes is not None and f"by {ADMIN}" in new.notes
        again = pulse_reply(env, f"sources add {feed}", ADMIN)["text"]
        assert again.startswith("Nothing added:") and "already watched" in again


def test_pulse_sources_add_reads_a_page_without_a_feed_and_shows_what_it_found(
    engine: Engine, tmp_path: Path, server: LocalServer
) -> None:
    listing = FIXTURES / "pages" / "listings" / "definition-list-criminal-justice-alliance.html"
    page = server.add("/publications/", listing.read_bytes(), headers={"Content-Type": "text/html"})
    with slack_env(engine, tmp_path) as env:
        text = pulse_reply(env, f"sources add <{page}>", ADMIN)["text"]
        assert text.startswith("Added source `") and "read without selectors" in text, text
        first = [line for line in text.splitlines() if line.startswith("• ")]
        assert len(first) == 5
        assert first[0].startswith("• June 2024: Stop and search in 2023: a monitoring report (")
        assert "/pulse sources disable" in text
        from curator.sources import load_sources

        new = load_sources(tmp_path / "sources.yaml")[-1]
        assert (new.url, new.kind, new.selectors) == (page, "page", None)
        assert (new.publisher, new.verified) == ("Criminal Justice Alliance", False)


# --- every /pulse is answered ------------------------------------------------------------------


def test_pulse_draft_is_answered_when_the_upload_fails(open_env: Env) -> None:
    env = open_env
    item_id = env.post_card()
    env.click(item_id, blocks.ACCEPT)
    env.fake.wait_for("chat.update")
    env.fake.fail("upload", status=500, times=4)  # Slack's file store answers 500
    answer = pulse_reply(env, "draft")
    assert "Sorry, `/pulse draft` failed" in answer["text"], answer["text"]
    assert "500" in answer["text"] and answer["response_type"] == "ephemeral"
