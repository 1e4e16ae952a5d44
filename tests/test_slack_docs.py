"""The README's Slack section and the app manifest are part of the product (datasette style)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ruamel.yaml import YAML

from curator.slack import blocks, modal
from curator.slack.blocks import Card
from curator.slack.proposal_blocks import proposal_blocks
from curator.store.proposals import StoredProposal
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


def _proposal(**kw: Any) -> StoredProposal:
    base: dict[str, Any] = {
        "item_id": 1,
        "url": "https://x.example/",
        "summary": "A summary.",
        "key_findings": ("One.",),
        "lead_in": "Key findings include:",
        "provenance": {"summary": "https://x.example/ § Summary"},
        "missing": {},
        "report_url": None,
        "warnings": (),
        "error": None,
        "created_at": datetime(2024, 6, 1, tzinfo=UTC),
        "used_at": None,
        "used_by": None,
    }
    return StoredProposal(**{**base, **kw})


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
        out.append(modal.edit_modal(c, channel="C1", message_ts="1.0").to_dict())
    out.append(blocks.as_dicts(proposal_blocks(_proposal())))
    out.append(blocks.as_dicts(proposal_blocks(_proposal(), used_by="<@U1>")))
    out.append(blocks.as_dicts(proposal_blocks(_proposal(summary=None, key_findings=()))))
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
        "/pulse add URL",
        "Add to Pulse",
        "/pulse sources add URL",
        "/pulse sources disable ID",
        "/pulse sources enable ID",
        "/pulse sources skip ID FIELD PATTERN",
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
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", blocks.ADD_LINK)
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80
    assert manifest["settings"]["socket_mode_enabled"] is True
