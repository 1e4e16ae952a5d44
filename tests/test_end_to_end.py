"""The whole loop on loopback: a feed → `curator run` → a Slack card → an editor's click → the
draft edition: cards arrive, decisions land in the draft."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from curator.config import Settings
from curator.edition.service import draft_files
from curator.runner import Runner
from curator.slack import blocks
from curator.slack.app import build_app
from curator.web import SLACK_PATH, WebServer
from curator.web import build_app as build_web_app
from tests.support.fake_slack import FakeSlack, block_actions, form, sign
from tests.test_runner import CHANNEL, _env, _sources

pytestmark = pytest.mark.storage
SECRET = "e2e-signing-secret"


def test_feed_to_card_to_click_to_draft(
    tmp_path: Path, server: object, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = FakeSlack().start()
    slack.users["U1"] = {"id": "U1", "name": "alice", "profile": {"display_name": "Alice"}}
    sources = _sources(tmp_path, server, 1)  # type: ignore[arg-type]
    for key, value in _env(tmp_path, db_url, slack).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    settings = Settings()
    runner = Runner(settings, sources)
    http = WebServer(build_web_app(slack=build_app(runner.engine, settings, sources_file=sources)))
    http.start()
    runner.start()
    try:
        posts = slack.wait_for("chat.postMessage", 2, timeout=60)
        cards = slack.channel_messages(CHANNEL)
        assert len(cards) == 2
        card = cards[0]
        item_id = blocks.item_id_from_metadata(card)
        assert item_id is not None and posts

        # No model here, so nothing is preselected: the editor picks both labels on the card.
        def chosen(key: str) -> dict[str, object]:
            return {"type": "static_select", "selected_option": {"value": f"{item_id}:{key}"}}

        state = {
            blocks.TRIAGE_BLOCK: {
                blocks.SECTOR: chosen("criminal_justice"),
                blocks.CATEGORY: chosen("briefings"),
            }
        }
        body = form(
            block_actions(
                action_id=blocks.ACCEPT,
                value=str(item_id),
                channel=CHANNEL,
                ts=card["ts"],
                state=state,
            )
        )
        answer = httpx.post(
            http.url(SLACK_PATH), content=body, headers=sign(body, SECRET), timeout=5
        )
        assert answer.status_code == 200
        slack.wait_for("chat.update", 1, timeout=60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            files = dict(draft_files(runner.engine, None, formats=("md",)))
            (name, md) = next(iter(files.items()))
            if b"s0 report" in md:
                break
            time.sleep(0.1)
        text = md.decode()
        assert "s0 report" in text, text
        assert (
            text.index("## Criminal Justice")
            < text.index("### Briefings")
            < text.index("s0 report")
        )
        assert name.startswith("pulse-") and name.endswith(".md")
    finally:
        runner.stop()
        http.stop()
        runner.engine.dispose()
        slack.stop()
