"""Plain words for the YAML syntax errors an admin meets in ``sources.yaml`` (pure: no I/O, stdlib
only). The parser says what it expected ("expected <block end>, but found '?'"); this says what
it saw in the file: a line that lines up with none around it, a key that starts in the column of
a list's ``-``, a value read on into the next line, a second ``: `` on a line, a tab, a quote
never closed. Each hint states only what the text shows, never a guess at what was meant, and
the caller keeps the parser's own message beside it. An error it has no words for gets None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The line breaks ruamel.yaml counts lines by (its marks are 0-based lines of these).
_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_KEY = re.compile(r"""[^\s#'"\-\[{][^#]*?:(?:\s|$)""")
_FOUND = "expected <block end>, but found "


@dataclass(frozen=True)
class Mark:
    """Where the parser stopped or started something: 0-based, as ruamel.yaml's marks."""

    line: int
    column: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_column(line: str) -> int:
    """The column of a line's first key or value: past its indent and any ``- `` before it."""
    col = _indent(line)
    while line.startswith("- ", col) or line.startswith("-\t", col):
        col += 2
        while col < len(line) and line[col] == " ":
            col += 1
    return col


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _is_dash(line: str) -> bool:
    rest = line[_indent(line) :]
    return rest == "-" or rest.startswith(("- ", "-\t"))


def _previous(lines: list[str], index: int) -> int | None:
    """The index of the last line before ``index`` holding more than blanks or a comment."""
    for j in range(min(index, len(lines)) - 1, -1, -1):
        if _is_content(lines[j]):
            return j
    return None


def _compare_with(lines: list[str], index: int, column: int, dash: bool) -> tuple[int, int] | None:
    """A line above ``index`` of the same kind (a ``- `` item, or a ``key:``) whose column is
    the nearest to ``column`` without being it, as (index, column); the closest line wins a tie.
    """
    best: tuple[int, int, int] | None = None
    for j in range(min(index, len(lines)) - 1, -1, -1):
        line = lines[j]
        if not _is_content(line):
            continue
        if dash:
            if not _is_dash(line):
                continue
            col = _indent(line)
        else:
            col = _content_column(line)
            if not _KEY.match(line, col):
                continue
        if col != column and (best is None or abs(col - column) < best[0]):
            best = (abs(col - column), j, col)
    return (best[1], best[2]) if best is not None else None


def _compare_text(lines: list[str], index: int, column: int, dash: bool) -> str:
    """`` (compare with line N, …)`` naming a line above to set this one against, or ``""``."""
    other = _compare_with(lines, index, column, dash)
    if other is not None:
        what = "whose '-' is" if dash else "whose key starts"
        return f" (compare with line {other[0] + 1}, {what} in column {other[1] + 1})"
    above = _previous(lines, index)
    if above is None or _indent(lines[above]) == column:
        return ""
    return f" (compare with line {above + 1}, which starts in column {_indent(lines[above]) + 1})"


def _block_end(lines: list[str], problem: str, at: Mark, started: Mark | None) -> str | None:
    """``expected <block end>, but found …``: a line in a column that fits no open block."""
    found = problem[len(_FOUND) :]
    line = lines[at.line]
    if started is None or at.column != _indent(line):
        return None  # the token is not where its line starts: not an indentation problem
    if found in ("'<block mapping start>'", "'<block sequence start>'"):
        compare = _compare_text(lines, at.line, at.column, _is_dash(line))
        return (
            f"this line is indented differently from the lines around it{compare}; the keys of "
            "one mapping, and the '- ' items of one list, must each start in the same column"
        )
    if found == "'?'" and at.column == started.column:
        compare = _compare_text(lines, at.line, at.column, dash=False)
        return (
            f"this key starts in the same column as the '-' of the list that begins on line "
            f"{started.line + 1}, where YAML expects the next '- ' item{compare}; indent it in "
            "line with the keys of its item, or start a new item with '- '"
        )
    if found == "'-'" and at.column == started.column:
        compare = _compare_text(lines, at.line, at.column, dash=True)
        return (
            "this '- ' item starts in the same column as the keys of the mapping that begins on "
            f"line {started.line + 1}, where YAML expects another key{compare}; line it up with "
            "the other items of its list"
        )
    return None


def _mapping_value(lines: list[str], at: Mark) -> str | None:
    """``mapping values are not allowed here``: a ``: `` where a plain value cannot hold one."""
    line = lines[at.line]
    start = _content_column(line)
    first = line.find(": ", start)
    if 0 <= first < at.column:
        key, value = line[start:first], line[first + 2 :].strip()
        example = ""
        if value and " #" not in value and "'" not in value:
            example = f", e.g. {key}: '{value}'"
        return (
            "this line has ': ' (a colon and a space) after its key and again in its value; "
            f"a value that holds ': ' must be in quotes{example}"
        )
    above = _previous(lines, at.line)
    if above is None:
        return None
    key_column = _content_column(lines[above])
    if _indent(line) > key_column and _KEY.match(lines[above], key_column):
        n = above + 1
        return (
            f"this line starts in column {_indent(line) + 1}, right of the key of line {n} "
            f"above it (column {key_column + 1}), so YAML reads it as more of line {n}'s value "
            "and then cannot read its ': '; the keys of one mapping must start in the same "
            f"column; if this line is text, put line {n}'s whole value in quotes"
        )
    return None


def _after_value(lines: list[str], at: Mark) -> str | None:
    """``found '<scalar>'`` in the middle of a line: text after a quoted or bracketed value."""
    line = lines[at.line]
    start = _content_column(line)
    colon = line.find(": ", start)
    value_at = colon + 2 if 0 <= colon < at.column else start
    while value_at < len(line) and line[value_at] == " ":
        value_at += 1
    if at.column <= value_at or value_at >= len(line):
        return None
    opener = line[value_at]
    if opener in "'\"":
        return (
            f"the value starts with a quote ({opener}), so YAML ends it at the next {opener} and "
            "cannot read the text after that; put the whole value in quotes, and inside '…' "
            "write an apostrophe as two ('The King''s Fund')"
        )
    if opener in "[{":
        kind = "list" if opener == "[" else "mapping"
        return (
            f"a value that starts with '{opener}' is a YAML {kind}, which ends at its closing "
            "bracket, and text follows that; if the value is text, put it all in quotes"
        )
    return None


def _unclosed_quote(lines: list[str], started: Mark | None) -> str:
    """``found unexpected end of stream`` in a quoted value: its quote is never closed."""
    if started is None or not 0 <= started.line < len(lines):
        return "a quote is never closed, so YAML reads the rest of the file as its text; close it"
    line = lines[started.line]
    quote = line[started.column] if started.column < len(line) else ""
    tip = (
        " (inside '…' an apostrophe is written as two: 'The King''s Fund')" if quote == "'" else ""
    )
    return (
        f"the quote that opens on line {started.line + 1} (column {started.column + 1}) is never "
        f"closed, so YAML reads the rest of the file as its text; close it{tip}"
    )


def explain(
    text: str,
    problem: str | None,
    at: Mark | None,
    context: str | None = None,
    started: Mark | None = None,
) -> str | None:
    """Plain words for the parser's ``problem`` at ``at`` (in ``context``, which began at
    ``started``), or None when there are none for it."""
    if problem is None or at is None:
        return None
    lines = _BREAK.split(text)
    if not 0 <= at.line < len(lines):
        return None
    context = context or ""
    if problem.startswith("found character '\\t'"):
        return (
            f"this line has a tab character in column {at.column + 1}, where YAML allows only "
            "spaces; replace it with spaces"
        )
    if problem == _FOUND + "'<scalar>'":
        return _after_value(lines, at)
    if problem.startswith(_FOUND):
        return _block_end(lines, problem, at, started)
    if problem == "mapping values are not allowed here":
        return _mapping_value(lines, at)
    if problem.startswith("found unexpected end of stream") and "quoted scalar" in context:
        return _unclosed_quote(lines, started)
    if problem.startswith("expected ',' or ']'") or problem.startswith("expected ',' or '}'"):
        bracket, kind = (
            ("[", "list") if problem.startswith("expected ',' or ']'") else ("{", "mapping")
        )
        where = f" on line {started.line + 1}" if started is not None else ""
        return (
            f"the '{bracket}'{where} begins a YAML {kind}, "
            "which needs its closing bracket and commas between its items; close it, or if the "
            "value is text, put it in quotes"
        )
    if problem.startswith("found undefined alias"):
        return (
            "a value that starts with '*' names an anchor (&name) in YAML; if it is text, put it "
            "in quotes"
        )
    if context in ("while scanning an anchor", "while scanning an alias"):
        sign, what = ("&", "an anchor") if "anchor" in context else ("*", "an alias")
        return (
            f"a value that starts with '{sign}' is {what} in YAML; if it is text, put it in quotes"
        )
    if problem.startswith("could not find expected ':'") and started is not None:
        return (
            f"YAML expected a key and its ': ' on line {started.line + 1} and found none; write "
            "it as key: value, with a space after the colon"
        )
    return None
