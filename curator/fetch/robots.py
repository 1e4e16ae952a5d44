"""robots.txt rules for ``kind: page`` sources (RFC 9309), parsed with protego.

Pure: the client fetches ``/robots.txt`` and hands the outcome to :func:`rules_from_response` or
:func:`rules_unreachable`; the rules are cached per scheme://host:port for one Fetcher's lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from protego import Protego

#: RFC 9309 §2.5: parsers must read at least 500 KiB; more than this is not read.
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class RobotsRules:
    """What one host's robots.txt allows. ``blocked_reason`` set means everything is disallowed."""

    robots_url: str
    parser: Protego | None = None
    blocked_reason: str | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        if self.blocked_reason is not None:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))


def robots_key(url: httpx.URL) -> str:
    """The cache key and origin of a URL: scheme://host:port."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{url.host}:{port}"


def robots_url(url: httpx.URL) -> str:
    return str(url.copy_with(path="/robots.txt", query=None, fragment=None))


def rules_from_response(robots: str, status: int, body: bytes) -> RobotsRules:
    """RFC 9309 §2.3.1: 2xx is parsed; 4xx ("unavailable") allows everything; 5xx
    ("unreachable") disallows everything until it can be fetched again."""
    if 200 <= status < 300:
        return RobotsRules(robots, parser=Protego.parse(body.decode("utf-8", errors="replace")))
    if 400 <= status < 500:
        return RobotsRules(robots)
    return RobotsRules(robots, blocked_reason=f"robots.txt answered HTTP {status}")


def rules_unreachable(robots: str, reason: str) -> RobotsRules:
    """A robots.txt that could not be fetched at all (network error, timeout): disallow all."""
    return RobotsRules(robots, blocked_reason=f"robots.txt could not be fetched ({reason})")
