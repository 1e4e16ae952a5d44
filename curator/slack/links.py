"""The web links in a Slack message (pure): what the **Add to Pulse** shortcut adds.

Slack writes a link in a message's ``text`` as ``<https://…>`` or ``<https://…|label>``, with
``&``, ``<`` and ``>`` escaped; a message written in the composer also carries them as ``link``
elements of its ``rich_text`` blocks. Both are read, in the order they appear, each publication
once (by canonical URL), leaving out links to Slack itself, and at most :data:`MAX_LINKS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from curator.normalise import canonical_url, is_http_url

#: Links added from one message: a newsletter pasted whole is not a reading list.
MAX_LINKS = 5
_WRAPPED = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>")
_BARE = re.compile(r"https?://[^\s<>|]+")


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<`` and ``>`` (in message text and command text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


#: A link Slack made of text the user typed: ``<https://www.gov.uk/x|www.gov.uk/x>``, or
#: ``<mailto:a@b.org|a@b.org>``; the label is what was typed.
_LABELLED = re.compile(r"<(?:https?|mailto):[^>|\s]*\|([^>]*)>")


def link_text(text: str) -> str:
    """The links Slack made of typed text (``<url|label>``, or ``<url>``) back to that text;
    for command text (already :func:`unescape`-d) that a command reads as words, not links."""
    return _WRAPPED.sub(r"\1", _LABELLED.sub(r"\1", text))


def _from_blocks(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        if node.get("type") == "link" and isinstance(node.get("url"), str):
            yield node["url"]
        for value in node.values():
            yield from _from_blocks(value)
    elif isinstance(node, list):
        for value in node:
            yield from _from_blocks(value)


def _from_text(text: str) -> list[str]:
    wrapped = [unescape(m) for m in _WRAPPED.findall(text)]
    if wrapped:
        return wrapped
    return [unescape(m).rstrip(".,;:)") for m in _BARE.findall(text)]


def links_in_message(message: Mapping[str, Any]) -> tuple[list[str], int]:
    """The links to add from ``message`` (at most :data:`MAX_LINKS`) and how many it holds."""
    found: list[str] = []
    seen: set[str] = set()
    candidates = [*_from_text(str(message.get("text") or "")), *_from_blocks(message.get("blocks"))]
    for url in candidates:
        url = url.strip()
        host = (urlsplit(url).hostname or "").lower() if is_http_url(url) else ""
        if not host or host == "slack.com" or host.endswith(".slack.com"):
            continue
        key = canonical_url(url)
        if key not in seen:
            seen.add(key)
            found.append(url)
    return found[:MAX_LINKS], len(found)
