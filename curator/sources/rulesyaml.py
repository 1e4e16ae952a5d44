"""A ``skip:`` or ``keep:`` list of ``sources.yaml`` read into rules (:mod:`curator.rules`),
each problem with its line (pure: no I/O).

Each rule is a pattern (matched against the title) or a mapping of one field to a pattern::

    skip:
      - 'board (meeting|minutes)'
      - type: 'press release|speech'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from curator.records import Rule
from curator.rules import RULE_FIELDS, pattern_problem
from curator.sources.model import line_of


@dataclass(frozen=True)
class RuleProblem:
    """What is wrong with one rule (or the list), where, under which key."""

    line: int | None
    key: str
    message: str


def _item_line(node: Any, index: int) -> int | None:
    lc = getattr(node, "lc", None)
    try:
        return int(lc.item(index)[0]) + 1 if lc is not None else None
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def read_rules(
    parent: Any, key: str, label: str | None = None
) -> tuple[tuple[Rule, ...], list[RuleProblem]]:
    """The rules under ``parent[key]`` and what is wrong with them (``label`` names the key in
    messages, e.g. ``defaults.skip``)."""
    label = label or key
    node = parent.get(key)
    if node is None:
        return (), []
    if not isinstance(node, list):
        return (), [
            RuleProblem(
                line_of(parent, key),
                label,
                "must be a list of rules: patterns (matched against the title) or one-key "
                f"mappings of {', '.join(RULE_FIELDS)} to a pattern, e.g. - type: 'press release'",
            )
        ]
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    for index, item in enumerate(node):
        line = _item_line(node, index) or line_of(parent, key)
        where = f"{label}[{index + 1}]"
        if isinstance(item, str):
            field, pattern = "title", item
        elif isinstance(item, Mapping) and len(item) == 1:
            field, pattern = next(iter(item.items()))
            if field not in RULE_FIELDS:
                problems.append(
                    RuleProblem(
                        line,
                        where,
                        f"'{field}' is not a field a rule can match; use one of "
                        f"{', '.join(RULE_FIELDS)}",
                    )
                )
                continue
            if not isinstance(pattern, str):
                problems.append(RuleProblem(line, where, f"the {field} pattern must be text"))
                continue
        else:
            problems.append(
                RuleProblem(
                    line,
                    where,
                    "must be a pattern (matched against the title) or one field and its "
                    f"pattern, e.g. - summary: 'evaluation'; the fields: {', '.join(RULE_FIELDS)}",
                )
            )
            continue
        problem = pattern_problem(pattern)
        if problem is not None:
            problems.append(RuleProblem(line, where, problem))
        else:
            rules.append(Rule(str(field), pattern))
    return tuple(rules), problems
