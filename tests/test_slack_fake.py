"""The fake Slack itself answers like Slack (so the other tests can trust it)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from curator.config import Settings
from curator.errors import SlackError
from curator.slack.socket import start_socket_mode
from tests.support.fake_slack import FakeSlack


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as info:
        call()  # type: ignore[operator]
    return str(info.value.response["error"])


def test_limits_and_token_are_enforced(slack: FakeSlack) -> None:
    client = WebClient(token=slack.token, base_url=slack.base_url)
    divider = {"type": "divider"}
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    button = {
        "type": "button",
        "action_id": "a",
        "value": "v" * 2001,
        "text": {"type": "plain_text", "text": "b"},
    }
    long_id = {**button, "value": "1", "action_id": "a" * 256}
    for bad in (
        [divider] * 51,
        [section],
        [{"type": "actions", "elements": [button]}],
        [{"type": "actions", "elements": [long_id]}],
    ):
        assert error_of(
            lambda b=bad: client.chat_postMessage(channel="C1", text="t", blocks=b)
        ) == ("invalid_blocks")
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t"},
        "blocks": [divider] * 101,
    }
    assert error_of(lambda: client.views_open(trigger_id="t", view=modal)) == "invalid_blocks"
    assert client.chat_postMessage(channel="C1", text="t", blocks=[divider] * 50)["ok"]
    wrong = WebClient(token="xoxb-wrong", base_url=slack.base_url)
    assert error_of(lambda: wrong.auth_test()) == "invalid_auth"
    assert all(c.headers["Authorization"].startswith("Bearer ") for c in slack.requests)


def test_history_hides_metadata_unless_asked(slack: FakeSlack) -> None:
    client = WebClient(token=slack.token, base_url=slack.base_url)
    meta = {"event_type": "pulse_candidate", "event_payload": {"item_id": 1}}
    client.chat_postMessage(channel="C1", text="hi", metadata=meta)
    plain = client.conversations_history(channel="C1")["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"][0]
    assert full["metadata"] == meta


def test_socket_mode_needs_an_app_token() -> None:
    with pytest.raises(SlackError, match="SLACK_APP_TOKEN"):
        start_socket_mode(object(), Settings(slack_bot_token="xoxb-x"))  # type: ignore[arg-type]
