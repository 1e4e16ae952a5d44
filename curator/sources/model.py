"""What a ``sources.yaml`` can hold: its keys, kinds, defaults and limits, and the problem and
error types every part of :mod:`curator.sources` reports with (pure: no I/O, stdlib only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from curator.errors import ConfigError

#: Keys of the top level of the file.
TOP_LEVEL_KEYS: tuple[str, ...] = ("defaults", "sources")
#: Keys of the ``defaults:`` block (each is also a per-source key that overrides it).
DEFAULTS_KEYS: tuple[str, ...] = ("every", "quiet_after", "jitter", "skip", "keep")
#: The rule lists (per source, and in ``defaults:`` for every source): :mod:`curator.rules`.
RULE_KEYS: tuple[str, ...] = ("skip", "keep")
#: Keys of one source.
SOURCE_KEYS: tuple[str, ...] = (
    "id",
    "publisher",
    "kind",
    "url",
    "every",
    "sector_hint",
    "enabled",
    "verified",
    "selectors",
    "quiet_after",
    "jitter",
    "notes",
    "skip",
    "keep",
)
REQUIRED_SOURCE_KEYS: tuple[str, ...] = ("id", "publisher", "kind", "url")
#: Keys of a page source's ``selectors:`` block.
SELECTOR_KEYS: tuple[str, ...] = ("item", "title", "link", "date", "summary")
REQUIRED_SELECTOR_KEYS: tuple[str, ...] = ("item", "title", "link")
KINDS: tuple[str, ...] = ("feed", "page")

BUILTIN_DEFAULTS: dict[str, object] = {"every": "1h", "quiet_after": "60d", "jitter": 0.1}
MIN_INTERVAL = timedelta(minutes=1)
MAX_JITTER = 0.5
#: A source id: a lower-case slug of at most 64 characters.
ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
#: At most this many feeds advertised by one page are fetched or named (``sources add`` shows
#: what each holds; ``sources check`` names them as a hint).
MAX_DISCOVERED = 5
_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sources file, with enough context to fix it."""

    file: str
    line: int | None
    source_id: str | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        context = []
        if self.source_id is not None:
            context.append(f"source '{self.source_id}'")
        if self.key is not None:
            context.append(f"key '{self.key}'")
        prefix = f"{', '.join(context)}: " if context else ""
        return f"{where}: {prefix}{self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "source_id": self.source_id,
            "key": self.key,
            "message": self.message,
        }


class SourcesError(ConfigError):
    """``sources.yaml`` is missing or invalid; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def file_error(path: Path, message: str) -> SourcesError:
    """A problem with the file as a whole (no line, source or key to name)."""
    return SourcesError([Problem(str(path), None, None, None, message)])


def item_line(seq: Any, position: int) -> int | None:
    """1-based line of the ``position``-th item of a list, when ruamel knows it (a text or
    empty item has no line of its own, only its place in the list)."""
    try:
        return int(seq.lc.item(position)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def line_of(node: Any, key: object = None) -> int | None:
    """1-based line of ``node`` (or of ``key`` in it), when ruamel knows it."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            return int(lc.key(key)[0]) + 1
        return int(lc.line) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def parse_interval(value: str) -> timedelta:
    """``"30m"``, ``"1h"``, ``"2d"``, ``"1w"`` → timedelta; at least 1 minute."""
    text = str(value)
    m = _INTERVAL_RE.match(text)
    if not m:
        raise ValueError(f"'{text}' is not an interval; use e.g. 30m, 1h, 1d")
    delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if delta < MIN_INTERVAL:
        raise ValueError(
            f"'{text}' is too short; the minimum is 1m (under 15m is impolite to a real publisher)"
        )
    return delta


def format_interval(delta: timedelta) -> str:
    """An interval as sources.yaml writes it: ``timedelta(days=1)`` → ``"1d"`` (the largest
    unit that divides it; minutes otherwise)."""
    minutes = int(delta.total_seconds() // 60)
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes and minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def without_id(message: str, source_id: str) -> str:
    """``message`` without the ``"<source id>: "`` it starts with (errors name their source for
    the logs; a table or a reply about that source already does)."""
    prefix = f"{source_id}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


__all__ = [
    "BUILTIN_DEFAULTS",
    "DEFAULTS_KEYS",
    "ID_RE",
    "KINDS",
    "MAX_DISCOVERED",
    "MAX_JITTER",
    "MIN_INTERVAL",
    "REQUIRED_SELECTOR_KEYS",
    "REQUIRED_SOURCE_KEYS",
    "RULE_KEYS",
    "SELECTOR_KEYS",
    "SOURCE_KEYS",
    "TOP_LEVEL_KEYS",
    "Problem",
    "SourcesError",
    "file_error",
    "format_interval",
    "line_of",
    "parse_interval",
    "without_id",
]
