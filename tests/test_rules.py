"""A source's skip and keep rules: what they match, and what a bad one is told (pure)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curator.records import Entry, Rule
from curator.rules import MAX_PATTERN, kept_quiet_by, matches, pattern_problem, reads_summary

ITEM = Entry(
    source_id="dhsc",
    publisher="Department of Health and Social Care",
    url="https://www.gov.uk/government/news/minister-visits-care-home",
    original_url="https://www.gov.uk/government/news/minister-visits-care-home?utm=x",
    title="Minister visits care home in Leeds",
    summary="The minister met residents and staff.",
    document_type="Press release",
)


def test_each_field_is_searched_case_aside() -> None:
    assert matches(Rule("title", "MINISTER visits"), ITEM)
    assert matches(Rule("summary", "residents"), ITEM)
    assert matches(Rule("url", "/news/"), ITEM)
    assert matches(Rule("url", "utm=x"), ITEM)  # the link as published
    assert matches(Rule("type", "^press release$|speech"), ITEM)
    assert not matches(Rule("type", "research"), ITEM)
    assert not matches(Rule("type", "."), replace(ITEM, document_type=None))
    assert not matches(Rule("title", "residents"), ITEM)


def test_skip_and_keep() -> None:
    skip = (Rule("type", "speech"), Rule("type", "press release"))
    assert kept_quiet_by(ITEM, skip, ()) == "skip rule type ~ 'press release'"
    assert kept_quiet_by(ITEM, (), (Rule("title", "report"),)) == "no keep rule matched"
    assert kept_quiet_by(ITEM, (), (Rule("title", "report"), Rule("title", "care home"))) is None
    assert kept_quiet_by(ITEM, (Rule("title", "nothing here"),), ()) is None
    assert kept_quiet_by(ITEM, (), ()) is None
    assert reads_summary((), (Rule("summary", "x"),)) and not reads_summary(skip, ())


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("(minutes", "not a regular expression RE2 can read: missing )"),
        (r"(\w+) \1", "no backreferences or lookarounds"),
        ("report(?=s)", "not a regular expression RE2 can read"),
        ("", "an empty pattern would match every item"),
        ("  ", "an empty pattern would match every item"),
        ("x" * (MAX_PATTERN + 1), f"at most {MAX_PATTERN}"),
        ("(i?)minutes", "'(i?)' is an optional 'i', not '(?i)'"),
    ],
)
def test_a_bad_pattern_is_told_what_is_wrong(pattern: str, says: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and says in problem


def test_the_missing_features_are_named_only_when_used() -> None:
    assert "backreferences" not in (pattern_problem("(minutes") or "")
    assert "backreferences" in (pattern_problem("(?<=a)b") or "")


def test_a_good_pattern_has_no_problem() -> None:
    assert pattern_problem("(?i)board (meeting|minutes)") is None
    assert pattern_problem(r"^Consultation outcome\b") is None


def test_a_pattern_that_would_backtrack_for_ever_takes_linear_time() -> None:
    # (a+)+$ against 'aaaa…b' takes exponential time in a backtracking engine; RE2 cannot
    title = "a" * 5000 + "b"
    assert not matches(Rule("title", "(a+)+$"), replace(ITEM, title=title))
