"""Keys the YAML loader met but could not keep (a key written twice in one mapping, or a list or
mapping used as a key), turned into problems naming the source and the key they belong to (pure:
no I/O, stdlib only).

The loader (:mod:`curator.sources.load`) records each such key instead of stopping at the first,
keeps the first value of a duplicate, and reads on, so the rest of the file is validated too and
every problem is reported at once; the file is still refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyProblem:
    """A key the loader left out of the mapping whose ``id()`` is ``mapping``. ``first_line`` is
    the line of the value kept, for a duplicate; None for a key that is not text."""

    mapping: int
    line: int | None
    key: str | None
    first_line: int | None


def _places(data: Any) -> dict[int, tuple[str | None, str]]:
    """The ``id()`` of every mapping in ``data`` to the source it is in (None outside the
    ``sources:`` list) and the label of its keys, e.g. ``"selectors."`` or ``"skip[2]."``."""
    places: dict[int, tuple[str | None, str]] = {}
    seen: set[int] = set()

    def walk(node: Any, source_id: str | None, prefix: str) -> None:
        if not isinstance(node, Mapping | list) or id(node) in seen:
            return  # a scalar, or a node met before through an alias
        seen.add(id(node))
        if isinstance(node, list):
            for index, item in enumerate(node, start=1):
                walk(item, source_id, f"{prefix.removesuffix('.')}[{index}].")
            return
        places[id(node)] = (source_id, prefix)
        for key, value in node.items():
            if node is data and key == "sources" and isinstance(value, list):
                seen.add(id(value))
                for entry in value:
                    raw = entry.get("id") if isinstance(entry, Mapping) else None
                    walk(entry, str(raw) if raw is not None else None, "")
            else:
                walk(value, source_id, f"{prefix}{key}.")

    walk(data, None, "")
    return places


def key_problems(
    data: Any, found: Iterable[KeyProblem]
) -> list[tuple[int | None, str | None, str | None, str]]:
    """(line, source id, key, message) for each key in ``found``, placed in ``data``."""
    found = list(found)
    if not found:
        return []
    places = _places(data)
    problems: list[tuple[int | None, str | None, str | None, str]] = []
    for item in found:
        source_id, prefix = places.get(item.mapping, (None, ""))
        if item.key is None:
            problems.append(
                (
                    item.line,
                    source_id,
                    prefix.removesuffix(".") or None,
                    "a key here is a list or mapping, not text ('? ' starts such a key in YAML); "
                    "write the key as plain text",
                )
            )
            continue
        first = f"line {item.first_line}" if item.first_line is not None else "the first one"
        problems.append(
            (
                item.line,
                source_id,
                f"{prefix}{item.key}",
                f"duplicate key: also set on {first} in the same mapping; the rest of the file "
                f"was checked with the value on {first}, and this one ignored: keep only one",
            )
        )
    return problems
