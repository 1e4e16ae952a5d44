"""The README's Slack section and the app manifest are part of the product (datasette style)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML

from curator.slack import blocks
from curator.slack.blocks import Card
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
SLACK = README.split("\n## Slack\n", 1)[1].split("\n## ", 1)[0]


def _ids(node: Any, key: str) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if key in node:
            found.add(str(node[key]))
        for v in node.values():
            found |= _ids(v, key)
    elif isinstance(node, list):
        for v in node:
            found |= _ids(v, key)
    return found


def every_rendering() -> list[Any]:
    base = Card(
        item_id=1,
        title="t",
        url="https://x.example/",
        publisher="p",
        source_id="s",
        predicted_sector="criminal_justice",
        predicted_category="reports",
    )
    out: list[Any] = []
    for status in ("queued", "accepted", "rejected"):
        c = Card(**{**base.__dict__, "status": status})
        out.append(blocks.as_dicts(blocks.card_blocks(c)))
        out.append(blocks.edit_modal(c, channel="C1", message_ts="1.0").to_dict())
    return out


def test_the_slack_section_comes_before_development() -> None:
    assert README.index("\n## Slack\n") < README.index("\n## Development\n")


def test_every_action_id_is_documented() -> None:
    used = _ids(every_rendering(), "action_id")
    source = (REPO / "curator" / "slack" / "blocks.py").read_text(encoding="utf-8")
    declared = set(re.findall(r'^[A-Z_]+ = "(pulse_[a-z_]+)"$', source, re.M))
    assert used and used <= declared
    for action_id in declared:
        assert f"`{action_id}`" in SLACK, (
            f"action_id {action_id} is not in the README's Slack section"
        )


def test_commands_and_pulse_subcommands_are_documented() -> None:
    for text in (
        "curator slack serve [--port P]",
        "curator slack post",
        "curator review [--limit N]",
        "curator decisions export [--format csv|jsonl] [--out FILE]",
        "/pulse status",
        "/pulse draft",
        "/pulse sources add URL",
        "/pulse sources disable ID",
        "slack-app-manifest.yaml",
    ):
        assert text in SLACK, text


def test_manifest_creates_the_app_we_need() -> None:
    manifest = YAML(typ="safe").load((REPO / "slack-app-manifest.yaml").read_text("utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "commands",
        "files:write",
        "channels:history",
        "groups:history",
        "users:read",
    } <= scopes
    for scope in scopes:
        assert f"`{scope}`" in SLACK
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/pulse"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
