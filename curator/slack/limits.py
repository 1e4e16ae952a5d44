"""Slack's documented limits for what we send (https://docs.slack.dev/reference/block-kit).

Pure: :func:`message_problems` and :func:`modal_problems` say what is wrong with a payload before
it is sent, so a card Slack would refuse (``invalid_blocks``) is caught in tests, not in
the channel.
The fake Slack in ``tests/support/fake_slack.py`` enforces the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_SELECT_OPTIONS = 100
MAX_MESSAGE_TEXT = 40000
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


def _block_problems(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    for i, block in enumerate(blocks):
        kind = block.get("type")
        where = f"block {i} ({kind})"
        if kind == "section":
            text = (block.get("text") or {}).get("text") or ""
            if len(text) > MAX_SECTION_TEXT:
                problems.append(
                    f"{where}: text has {len(text)} characters (max {MAX_SECTION_TEXT})"
                )
        if kind == "context" and len(block.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"{where}: more than {MAX_CONTEXT_ELEMENTS} elements")
        if kind == "actions" and len(block.get("elements") or []) > MAX_ACTIONS_ELEMENTS:
            problems.append(f"{where}: more than {MAX_ACTIONS_ELEMENTS} elements")
        if len(str(block.get("block_id") or "")) > MAX_BLOCK_ID:
            problems.append(f"{where}: block_id longer than {MAX_BLOCK_ID}")
        for node in _walk(block):
            action_id = node.get("action_id")
            if action_id is not None and len(str(action_id)) > MAX_ACTION_ID:
                problems.append(f"{where}: action_id longer than {MAX_ACTION_ID}")
            if node.get("type") == "button":
                if len(str(node.get("value") or "")) > MAX_BUTTON_VALUE:
                    problems.append(f"{where}: button value longer than {MAX_BUTTON_VALUE}")
                label = (node.get("text") or {}).get("text") or ""
                if len(label) > MAX_BUTTON_TEXT:
                    problems.append(f"{where}: button text longer than {MAX_BUTTON_TEXT}")
            if node.get("type") == "static_select":
                options = node.get("options") or []
                if len(options) > MAX_SELECT_OPTIONS:
                    problems.append(f"{where}: more than {MAX_SELECT_OPTIONS} options")
                for option in options:
                    if len((option.get("text") or {}).get("text") or "") > MAX_OPTION_TEXT:
                        problems.append(f"{where}: option text longer than {MAX_OPTION_TEXT}")
                    if len(str(option.get("value") or "")) > MAX_OPTION_VALUE:
                        problems.append(f"{where}: option value longer than {MAX_OPTION_VALUE}")
    return problems


def message_problems(blocks: Sequence[Mapping[str, Any]], text: str = "") -> list[str]:
    """What Slack would refuse in a message with these blocks (empty list: nothing)."""
    problems = []
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks in one message (max {MAX_MESSAGE_BLOCKS})")
    if len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"message text has {len(text)} characters (max {MAX_MESSAGE_TEXT})")
    return problems + _block_problems(blocks)


def modal_problems(view: Mapping[str, Any]) -> list[str]:
    """What Slack would refuse in a modal view (empty list: nothing)."""
    blocks = view.get("blocks") or []
    problems = []
    if len(blocks) > MAX_MODAL_BLOCKS:
        problems.append(f"{len(blocks)} blocks in one modal (max {MAX_MODAL_BLOCKS})")
    title = (view.get("title") or {}).get("text") or ""
    if len(title) > MAX_MODAL_TITLE:
        problems.append(f"modal title longer than {MAX_MODAL_TITLE}")
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        problems.append(f"private_metadata longer than {MAX_PRIVATE_METADATA}")
    return problems + _block_problems(blocks)
