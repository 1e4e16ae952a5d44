"""A source's skip and keep rules: which new items an admin wants kept quiet whatever the model
says. Pure (no I/O).

An admin knows things about a source the model has to guess: that DHSC's press releases and
speeches are never digest material, that a council's feed carries its committee agendas, that only
a finder feed's research items matter. ``sources.yaml`` says so with rules, as Miniflux's block
and keep rules do (``docs: rules``), and a new item a rule catches is stored quiet: searchable,
never posted, never lost::

    skip:
      - 'board (meeting|minutes|papers)'      # a bare pattern is matched against the title
      - type: 'press release|speech|news story'
      - url: '/news/'
    keep:
      - summary: 'report|evaluation|review'

A rule is a regular expression in RE2 syntax (google-re2: matching takes linear time, so no
pattern an admin writes can hang the poller; there are no backreferences or lookarounds), searched
anywhere in the field, case aside. The fields: ``title``; ``summary``; ``url`` (the link as
published); ``type``, the GOV.UK document type taken from a title's prefix ("Press release",
"Research and analysis"…), empty elsewhere. An item is kept quiet when any ``skip`` rule matches
it, or when the source has ``keep`` rules and none matches. The rules of ``defaults:`` apply to
every source, before its own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import re2

from curator.records import Entry, Rule

#: What a rule can be matched against.
RULE_FIELDS: tuple[str, ...] = ("title", "summary", "url", "type")
#: A pattern longer than this is refused (RE2 compiles it into memory once per pattern).
MAX_PATTERN = 500


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a bad pattern is reported by pattern_problem, not on stderr
    return options


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, options=_options())


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable rule, in words an admin can act on; None when it is."""
    if not pattern.strip():
        return "an empty pattern would match every item; write what to match, e.g. 'minutes'"
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN}"
    hint = ""
    if pattern.startswith("(i?)"):
        # Miniflux#3881: '(i?)' for '(?i)' matches an optional 'i', not case-insensitively
        hint = " ('(i?)' is an optional 'i', not '(?i)'; rules ignore case anyway: drop it)"
    try:
        _compiled(pattern)
    except re2.error as exc:
        message = exc.args[0] if exc.args else exc
        text = message.decode() if isinstance(message, bytes) else str(message)
        why = ""
        if "perl operator" in text or "escape sequence" in text:
            why = "; RE2 has no backreferences or lookarounds"
        return (
            f"'{pattern}' is not a regular expression RE2 can read: {text}{why} "
            "(https://github.com/google/re2/wiki/Syntax)"
        )
    if hint:
        return f"'{pattern}' starts with '(i?)'{hint}"
    return None


def _field(entry: Entry, field: str) -> str:
    if field == "title":
        return entry.title
    if field == "summary":
        return entry.summary
    if field == "url":
        return entry.original_url
    return entry.document_type or ""


def stored_entry(
    source_id: str, title: str, url: str, summary: str = "", document_type: str | None = None
) -> Entry:
    """A stored item as the rules read it (``url`` is its link as published)."""
    return Entry(
        source_id=source_id,
        publisher="",
        url=url,
        original_url=url,
        title=title,
        summary=summary,
        document_type=document_type,
    )


def matches(rule: Rule, entry: Entry) -> bool:
    """Whether ``rule``'s pattern is found in its field of ``entry``."""
    return _compiled(rule.pattern).search(_field(entry, rule.field)) is not None


def kept_quiet_by(entry: Entry, skip: Sequence[Rule], keep: Sequence[Rule]) -> str | None:
    """Why the rules keep ``entry`` quiet (the skip rule that matched, or that no keep rule
    did), or None when they let it through."""
    for rule in skip:
        if matches(rule, entry):
            return f"skip rule {rule}"
    if keep and not any(matches(rule, entry) for rule in keep):
        return "no keep rule matched"
    return None


def reads_summary(skip: Sequence[Rule], keep: Sequence[Rule]) -> bool:
    """Whether any of the rules reads the summary (so a verdict on an item without one may
    change once its page's description is known)."""
    return any(rule.field == "summary" for rule in (*skip, *keep))
