"""What to tell an admin about a key that is not valid where it stands: a key of another block
(a selector beside ``url:``, ``every:`` at the top level) is told where it belongs; any other
is matched against the valid keys for a "did you mean" (pure: no I/O, stdlib only).
"""

from __future__ import annotations

import difflib

from curator.sources.model import DEFAULTS_KEYS, SELECTOR_KEYS


def unknown(key: object, choices: tuple[str, ...], what: str = "unknown key") -> str:
    """``key`` is none of ``choices``: the closest one when it looks like a typo, and the list."""
    near = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"{what}; {hint}valid keys: {', '.join(choices)}"


def selector_at_source_level(key: str, kind: object, selectors_line: int | None) -> str | None:
    """The message for a selector key (``item``, ``title``, …) written among a source's own keys,
    or None when ``key`` is not a selector key."""
    if key not in SELECTOR_KEYS:
        return None
    if selectors_line is not None:
        where = f"belongs under 'selectors:' (line {selectors_line})"
        fix = "indent it there, in line with the other selectors"
    else:
        where = "belongs under 'selectors:'"
        fix = (
            "add a 'selectors:' line to the source and indent it under that, with item, title "
            "and link"
        )
    if kind != "page":
        return (
            f"a CSS selector: it {where}, and only a 'kind: page' source takes selectors; "
            f"remove it, or set kind: page and {fix}"
        )
    return f"a CSS selector: it {where}, not among the source's own keys; {fix}"


def default_at_top_level(key: str, defaults_line: int | None) -> str | None:
    """The message for a ``defaults:`` key (``every``, ``skip``, …) written at the top level of
    the file, or None when ``key`` is not one."""
    if key not in DEFAULTS_KEYS:
        return None
    if defaults_line is not None:
        where, fix = f"belongs under 'defaults:' (line {defaults_line})", "indent it there"
    else:
        where, fix = "belongs under 'defaults:'", "add a 'defaults:' line and indent it under that"
    return (
        f"a default for every source: it {where}, not at the top level; {fix}, or move it into "
        "a source to change only that source"
    )


def empty_defaults() -> str:
    """The message for a ``defaults:`` line with nothing under it."""
    return (
        f"is empty; indent the defaults under it ({', '.join(DEFAULTS_KEYS)}), or remove the "
        "line to keep the built-in defaults"
    )


def not_a_boolean(key: str, value: object) -> str:
    """Why a flag's value is refused; YAML 1.2 reads yes/no/on/off as text, unlike YAML 1.1."""
    word = str(value).strip().lower()
    meant = {"yes": "true", "y": "true", "on": "true", "no": "false", "n": "false", "off": "false"}
    if word in meant:
        return f"'{value}' is text here, not true or false; write {key}: {meant[word]}"
    return f"'{value}' is not true or false; write {key}: true or {key}: false"
