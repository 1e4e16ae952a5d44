"""The rules of a ``sources.yaml``, applied to its parsed YAML: every key known, every value
valid, ids and URLs unique. Every problem names the file, the line, the source and the key, and
says what would be valid; all of them are collected, not only the first (pure: no I/O).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from curator.records import ADDED_BY_LINK, SECTORS, PageSelectors, Rule, SourceConfig
from curator.sources.keys import (
    default_at_top_level,
    empty_defaults,
    not_a_boolean,
    selector_at_source_level,
    unknown,
)
from curator.sources.model import (
    BUILTIN_DEFAULTS,
    DEFAULTS_KEYS,
    ID_RE,
    KINDS,
    MAX_JITTER,
    REQUIRED_SELECTOR_KEYS,
    REQUIRED_SOURCE_KEYS,
    RULE_KEYS,
    SELECTOR_KEYS,
    SOURCE_KEYS,
    TOP_LEVEL_KEYS,
    Problem,
    format_interval,
    item_line,
    line_of,
    parse_interval,
)
from curator.sources.rulesyaml import read_rules
from curator.sources.urls import same_url_key, slug, suggest_id, url_problem


def _unknown_key(
    out: Collector,
    node: Any,
    key: object,
    source_id: str | None,
    choices: tuple[str, ...],
    *,
    block: str = "",
    what: str = "unknown key",
) -> None:
    """Report ``key`` of ``node`` (in ``block``, e.g. ``"selectors."``) as none of ``choices``,
    with the closest one when it looks like a typo."""
    out.add(line_of(node, key), source_id, f"{block}{key}", unknown(key, choices, what))


class Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, line: int | None, source_id: str | None, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.filename, line, source_id, key, message))


def _interval(
    out: Collector,
    node: Any,
    key: str,
    value: object,
    source_id: str | None,
    label: str | None = None,
) -> timedelta | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        out.add(
            line_of(node, key),
            source_id,
            label or key,
            f"'{value}' is not an interval; use e.g. 30m, 1h, 1d",
        )
        return None
    try:
        return parse_interval(str(value))
    except ValueError as exc:
        out.add(line_of(node, key), source_id, label or key, str(exc))
        return None


def _jitter(
    out: Collector, node: Any, value: object, source_id: str | None, label: str = "jitter"
) -> float | None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= float(value) <= MAX_JITTER)
    ):
        out.add(
            line_of(node, "jitter"),
            source_id,
            label,
            f"'{value}' is not a jitter fraction; use a number from 0 to {MAX_JITTER}, "
            "e.g. 0.1 (±10% of the interval)",
        )
        return None
    return float(value)


def _defaults(out: Collector, node: Any) -> dict[str, object]:
    values: dict[str, object] = {
        "every": parse_interval(str(BUILTIN_DEFAULTS["every"])),
        "quiet_after": parse_interval(str(BUILTIN_DEFAULTS["quiet_after"])),
        "jitter": BUILTIN_DEFAULTS["jitter"],
        "skip": (),
        "keep": (),
    }
    if node is None:
        return values
    if not isinstance(node, Mapping):
        out.add(
            line_of(node),
            None,
            "defaults",
            f"'defaults' must be a mapping of {', '.join(DEFAULTS_KEYS)}",
        )
        return values
    for key, value in node.items():
        if key not in DEFAULTS_KEYS:
            _unknown_key(out, node, key, None, DEFAULTS_KEYS, block="defaults.")
        elif key == "jitter":
            j = _jitter(out, node, value, None, "defaults.jitter")
            if j is not None:
                values["jitter"] = j
        elif key in RULE_KEYS:
            values[key] = _rules(out, node, key, None, f"defaults.{key}")
        else:
            d = _interval(out, node, key, value, None, f"defaults.{key}")
            if d is not None:
                values[key] = d
    _quiet_before_every(out, node, None, values["every"], values["quiet_after"], in_defaults=True)
    return values


def _quiet_before_every(
    out: Collector,
    node: Any,
    source_id: str | None,
    every: object,
    quiet_after: object,
    *,
    in_defaults: bool = False,
) -> None:
    """``quiet_after`` shorter than ``every``: said on the line of the one ``node`` sets
    (``quiet_after`` if both), naming the one it inherits."""
    if not (isinstance(every, timedelta) and isinstance(quiet_after, timedelta)) or (
        quiet_after >= every
    ):
        return
    key = "quiet_after" if "quiet_after" in node else "every"
    inherited = " (the default)" if in_defaults else " (from defaults)"
    said = {k: "" if k in node else inherited for k in ("every", "quiet_after")}
    out.add(
        line_of(node, key),
        source_id,
        f"defaults.{key}" if in_defaults else key,
        f"quiet_after {format_interval(quiet_after)}{said['quiet_after']} is shorter than every "
        f"{format_interval(every)}{said['every']}: a source cannot be overdue before it is "
        f"checked; set quiet_after to {format_interval(every)} or more, or every shorter",
    )


def _rules(
    out: Collector, node: Any, key: str, source_id: str | None, label: str | None = None
) -> tuple[Rule, ...]:
    rules, problems = read_rules(node, key, label)
    for problem in problems:
        out.add(problem.line, source_id, problem.key, problem.message)
    return rules


def _selectors(out: Collector, entry: Any, source_id: str | None) -> PageSelectors | None:
    node = entry.get("selectors")
    line = line_of(entry, "selectors")
    if not isinstance(node, Mapping):
        out.add(
            line,
            source_id,
            "selectors",
            "must be a mapping of CSS selectors: item, title, link (and optional date, "
            "summary); or leave it out to have the page read without selectors",
        )
        return None
    from curator.parse.pages import validate_selector

    ok = True
    for key, css in node.items():
        if key not in SELECTOR_KEYS:
            _unknown_key(out, node, key, source_id, SELECTOR_KEYS, block="selectors.")
            ok = False
        elif not isinstance(css, str) or not css.strip():
            out.add(
                line_of(node, key),
                source_id,
                f"selectors.{key}",
                "must be a non-empty CSS selector, e.g. 'article h3 a'",
            )
            ok = False
        else:
            err = validate_selector(css)
            if err:
                out.add(
                    line_of(node, key),
                    source_id,
                    f"selectors.{key}",
                    f"{err}; see https://facelessuser.github.io/soupsieve/ for the syntax",
                )
                ok = False
    for key in REQUIRED_SELECTOR_KEYS:
        if key not in node:
            out.add(
                line,
                source_id,
                f"selectors.{key}",
                f"missing; a page source needs {', '.join(REQUIRED_SELECTOR_KEYS)} selectors",
            )
            ok = False
    if not ok:
        return None
    return PageSelectors(
        item=str(node["item"]),
        title=str(node["title"]),
        link=str(node["link"]),
        date=str(node["date"]) if node.get("date") else None,
        summary=str(node["summary"]) if node.get("summary") else None,
    )


def _source(
    out: Collector, entry: Any, index: int, defaults: Mapping[str, object], listed_at: int | None
) -> SourceConfig | None:
    line = line_of(entry)
    if not isinstance(entry, Mapping):
        found = "empty" if entry is None else f"{str(entry)!r}, not a mapping"
        keys = ", ".join(REQUIRED_SOURCE_KEYS)
        why = f"a source is keys {keys}, each on its own line, indented under its '- '"
        out.add(line or listed_at, None, None, f"source #{index} is {found}; {why}")
        return None
    before = len(out.problems)
    raw_id = entry.get("id")
    source_id = str(raw_id) if raw_id is not None else None
    if source_id is None:
        out.add(
            line,
            None,
            "id",
            f"source #{index} has no 'id'; add a unique slug, e.g. "
            f"'{suggest_id(str(entry.get('url', '')), set())}'",
        )
    elif not isinstance(raw_id, str) or not ID_RE.match(raw_id):
        out.add(
            line_of(entry, "id"),
            source_id,
            "id",
            f"'{raw_id}' is not a valid id; use lower-case letters, digits, '-' and '_' "
            f"(e.g. '{slug(str(raw_id)) or 'my-source'}')",
        )
    for key in entry:
        misplaced = selector_at_source_level(
            key, entry.get("kind"), line_of(entry, "selectors") if "selectors" in entry else None
        )
        if misplaced is not None:
            out.add(line_of(entry, key), source_id, key, misplaced)
        elif key not in SOURCE_KEYS:
            _unknown_key(out, entry, key, source_id, SOURCE_KEYS)
    for key in REQUIRED_SOURCE_KEYS:
        if key != "id" and key not in entry:
            out.add(
                line,
                source_id,
                key,
                f"missing; every source needs {', '.join(REQUIRED_SOURCE_KEYS)}",
            )

    publisher = entry.get("publisher")
    if "publisher" in entry and (not isinstance(publisher, str) or not publisher.strip()):
        out.add(
            line_of(entry, "publisher"),
            source_id,
            "publisher",
            "must be the publisher's name as the digest prints it, e.g. 'Ofsted'",
        )
    kind = entry.get("kind")
    if "kind" in entry and kind not in KINDS:
        out.add(
            line_of(entry, "kind"),
            source_id,
            "kind",
            f"'{kind}' is not a kind; use 'feed' (RSS/Atom) or 'page' (an HTML listing page)",
        )
    url = entry.get("url")
    if "url" in entry:
        err = url_problem(url) if isinstance(url, str) else f"'{url}' is not a URL"
        if err:
            out.add(line_of(entry, "url"), source_id, "url", err)

    every = defaults["every"]
    if "every" in entry:
        every = _interval(out, entry, "every", entry["every"], source_id)
    quiet_after = defaults["quiet_after"]
    if "quiet_after" in entry:
        quiet_after = _interval(out, entry, "quiet_after", entry["quiet_after"], source_id)
    if "every" in entry or "quiet_after" in entry:  # both from defaults: said there, once
        _quiet_before_every(out, entry, source_id, every, quiet_after)
    jitter = defaults["jitter"]
    if "jitter" in entry:
        jitter = _jitter(out, entry, entry["jitter"], source_id)

    sector_hint = entry.get("sector_hint")
    if sector_hint is not None and sector_hint not in SECTORS:
        near = difflib.get_close_matches(str(sector_hint), list(SECTORS), n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        out.add(
            line_of(entry, "sector_hint"),
            source_id,
            "sector_hint",
            f"'{sector_hint}' is not a sector; {hint}use one of {', '.join(SECTORS)}",
        )
    for key in ("enabled", "verified"):
        if key in entry and not isinstance(entry[key], bool):
            out.add(line_of(entry, key), source_id, key, not_a_boolean(key, entry[key]))
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        out.add(line_of(entry, "notes"), source_id, "notes", "must be text")

    skip = cast(tuple[Rule, ...], defaults["skip"]) + _rules(out, entry, "skip", source_id)
    keep = cast(tuple[Rule, ...], defaults["keep"]) + _rules(out, entry, "keep", source_id)

    selectors: PageSelectors | None = None
    # A page source without selectors is read automatically (curator.parse.listing).
    if kind == "page" and "selectors" in entry:
        selectors = _selectors(out, entry, source_id)
    elif "selectors" in entry and kind == "feed":
        out.add(
            line_of(entry, "selectors"),
            source_id,
            "selectors",
            "only 'kind: page' sources take selectors; remove them or set kind: page",
        )

    if len(out.problems) > before:
        return None
    return SourceConfig(
        id=str(raw_id),
        publisher=str(publisher).strip(),
        kind=cast(Any, kind),
        url=str(url).strip(),
        every=cast(timedelta, every),
        sector_hint=cast(str | None, sector_hint),
        enabled=bool(entry.get("enabled", True)),
        verified=bool(entry.get("verified", False)),
        selectors=selectors,
        quiet_after=cast(timedelta, quiet_after),
        jitter=float(cast(float, jitter)),
        line=line,
        notes=cast(str | None, notes),
        skip=skip,
        keep=keep,
    )


def validate(data: Any, out: Collector) -> list[SourceConfig]:
    if data is None:
        out.add(1, None, None, "the file is empty; it needs a 'sources:' list (see the README)")
        return []
    if not isinstance(data, Mapping):
        out.add(
            line_of(data) or 1,
            None,
            None,
            "the file must be a mapping with a 'sources:' list (and optional 'defaults:')",
        )
        return []
    defaults_line = line_of(data, "defaults") if "defaults" in data else None
    for key in data:
        misplaced = default_at_top_level(key, defaults_line)
        if misplaced is not None:
            out.add(line_of(data, key), None, key, misplaced)
        elif key not in TOP_LEVEL_KEYS:
            _unknown_key(out, data, key, None, TOP_LEVEL_KEYS, what="unknown top-level key")
    if "defaults" in data and data["defaults"] is None:
        out.add(defaults_line, None, "defaults", empty_defaults())
    defaults = _defaults(out, data.get("defaults"))
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        out.add(
            line_of(data, "sources") or 1,
            None,
            "sources",
            "must be a non-empty list of sources (see the README's 'sources.yaml' section)",
        )
        return []
    configs: list[SourceConfig] = []
    ids: dict[str, int | None] = {}
    urls: dict[str, tuple[str | None, int | None, str]] = {}
    for index, entry in enumerate(entries, start=1):
        config = _source(out, entry, index, defaults, item_line(entries, index - 1))
        if not isinstance(entry, Mapping):
            continue
        sid = entry.get("id")
        sid_s = str(sid) if sid is not None else None
        if isinstance(sid, str):
            if sid == ADDED_BY_LINK:
                out.add(
                    line_of(entry, "id"),
                    sid,
                    "id",
                    f"'{ADDED_BY_LINK}' is reserved for the items editors add by their link "
                    "(`curator item add`, /pulse add): choose another id",
                )
                config = None
            elif sid in ids:
                out.add(
                    line_of(entry, "id"),
                    sid,
                    "id",
                    f"duplicate id; also used on line {ids[sid]}; ids must be unique",
                )
                config = None
            else:
                ids[sid] = line_of(entry)
        url = entry.get("url")
        if isinstance(url, str) and url_problem(url) is None:
            key = same_url_key(url)
            if key in urls:
                other, other_line, other_url = urls[key]
                out.add(
                    line_of(entry, "url"),
                    sid_s,
                    "url",
                    f"duplicate URL; source '{other}' (line {other_line}) already watches "
                    f"the same page ({other_url})",
                )
                config = None
            else:
                urls[key] = (sid_s, line_of(entry), url)
        if config is not None:
            configs.append(config)
    return configs
