"""Skip rules proposed from the editors' decisions (pure): what is proposed, what is not, and
that a proposal reads back from sources.yaml as the rule it claims to be."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curator.records import Rule, SourceConfig
from curator.rules import pattern_problem
from curator.rules_suggest import MIN_REJECTED as DEFAULT_MIN
from curator.rules_suggest import (
    Decided,
    Suggestion,
    candidates,
    escape,
    let_through,
    suggest,
    suggest_for_source,
    title_label,
)
from curator.sources.load import parse_sources_text

GOVUK = "https://www.gov.uk/government"


def item(n: int, outcome: str = "rejected", **kw: object) -> Decided:
    base = Decided(
        source_id="dhsc",
        title=f"Minister visits care home {n}",
        url=f"{GOVUK}/news/minister-visits-{n}",
        document_type="Press release",
        outcome=outcome,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def report(n: int, outcome: str = "accepted") -> Decided:
    return Decided(
        source_id="dhsc",
        title=f"Adult social care: workforce review {n}",
        url=f"{GOVUK}/publications/workforce-review-{n}",
        document_type="Research and analysis",
        outcome=outcome,
    )


def propose(items: list[Decided], min_rejected: int = 5, per_source: int = 3) -> list[Suggestion]:
    """The proposals at a bar of 5 rejections, so that the tests stay short."""
    return suggest_for_source(items, min_rejected=min_rejected, per_source=per_source)


def rules(got: list[Suggestion]) -> list[str]:
    return [str(s.rule) for s in got]


def test_a_type_every_decided_item_of_was_rejected_is_proposed_with_its_figures() -> None:
    items = [item(n) for n in range(6)] + [report(n) for n in range(4)]
    items += [item(9, outcome="waiting"), report(9, outcome="waiting")]
    (only,) = propose(items)
    # the type and the /news/ section catch the same six: the narrower pattern is proposed once
    assert str(only.rule) == r"url ~ 'www\.gov\.uk/government/news/'"
    assert (only.rejected, only.waiting) == (6, 1)
    assert only.examples == tuple(f"Minister visits care home {n}" for n in range(3))
    assert only.as_json() == {
        "source_id": "dhsc",
        "field": "url",
        "pattern": r"www\.gov\.uk/government/news/",
        "rule": r"skip rule url ~ 'www\.gov\.uk/government/news/'",
        "rejected": 6,
        "waiting": 1,
        "examples": [f"Minister visits care home {n}" for n in range(3)],
    }


def test_nothing_the_editors_took_is_caught() -> None:
    # one press release accepted: the type is no longer proposed, only the section it is not in
    items = [item(n, url=f"{GOVUK}/speeches/s-{n}") for n in range(6)]
    items.append(item(7, outcome="accepted", url=f"{GOVUK}/news/wanted"))
    assert rules(propose(items)) == [r"url ~ 'www\.gov\.uk/government/speeches/'"]
    # nor anything that matches an item an editor made a card of and then rejected
    carded = item(8, url=f"{GOVUK}/speeches/carded", carded_by_editor=True)
    assert propose([*items, carded]) == []
    # the whole site is never proposed while the editors took some of it
    assert r"url ~ 'www\.gov\.uk/government/'" not in rules(propose([*items, report(1)]))


def test_too_few_rejections_propose_nothing() -> None:
    assert propose([item(n) for n in range(4)]) == []
    assert rules(propose([item(n) for n in range(4)], min_rejected=4))
    # the shipped bar (benchmarks/experiments/SUGGEST_RULES.md)
    assert suggest_for_source([item(n) for n in range(DEFAULT_MIN - 1)]) == []
    assert rules(suggest_for_source([item(n) for n in range(DEFAULT_MIN)]))


def test_title_labels() -> None:
    assert title_label("Speech: the future of care") == ("Speech", ": ")
    assert title_label("Board minutes | 12 May 2025") == ("Board minutes", " | ")
    assert title_label("Written statement to Parliament - care") == (
        "Written statement to Parliament",
        " - ",
    )
    assert title_label("A long label that has far too many words: x") is None
    assert title_label("No label here") is None
    assert title_label("2025: a year") is None  # no letters: a date, not a kind of page
    labelled = [
        Decided("lga", f"Board minutes | {d} May", f"https://lga.gov.uk/b/{d}", None, "rejected")
        for d in range(1, 6)
    ]
    assert rules(propose(labelled)) == [r"title ~ '^Board minutes \|'"]


def test_one_proposal_per_group_of_rejections_and_at_most_three() -> None:
    kinds = ["Speech", "Press release", "News story", "Oral statement", "Consultation"]
    items = [
        item(n + 10 * k, document_type=kind, url=f"https://example.org/{k}/x-{n}")
        for k, kind in enumerate(kinds)
        for n in range(5)
    ]
    got = propose(items)
    assert len(got) == 3 and all(s.rejected == 5 for s in got)
    assert len(propose(items, per_source=10)) == 5


def test_a_link_with_a_port_keeps_it() -> None:
    local = [item(n, url=f"http://127.0.0.1:8080/news/item-{n}/") for n in range(5)]
    assert r"url ~ '127\.0\.0\.1:8080/news/'" in rules(propose(local))


def test_special_characters_are_escaped_so_the_pattern_matches_literally() -> None:
    assert escape("a.b (c)|d*") == r"a\.b \(c\)\|d\*"
    (rule,) = [r for r in candidates(item(1, document_type="Q&A (update)")) if r.field == "type"]
    assert rule == Rule("type", r"^Q&A \(update\)$")
    assert pattern_problem(rule.pattern) is None


@pytest.mark.parametrize(
    "decided",
    [
        item(1, document_type="It's (a) type"),
        item(1, title="Ministers' Q&A: care", url="https://x.org/a.b/c+d/e"),
    ],
)
def test_every_candidate_reads_back_from_sources_yaml_as_the_same_rule(decided: Decided) -> None:
    for rule in candidates(decided):
        got = replace(
            propose([replace(decided, title=decided.title + str(n)) for n in range(5)])[0],
            rule=rule,
        )
        text = (
            "sources:\n  - id: dhsc\n    publisher: DHSC\n    kind: feed\n"
            "    url: https://example.org/feed\n    skip:\n      " + got.yaml_line() + "\n"
        )
        (source,) = parse_sources_text(text, "sources.yaml")
        assert source.skip == (rule,)


def test_what_the_rules_already_keep_quiet_is_left_out() -> None:
    dhsc = SourceConfig(
        id="dhsc", publisher="DHSC", kind="feed", url="https://x.org", skip=(Rule("type", "press"),)
    )
    items = [item(n) for n in range(6)] + [report(1), replace(report(2), source_id="gone")]
    assert let_through(items, [dhsc]) == [report(1)]
    open_ = replace(dhsc, skip=())
    assert let_through(items, [open_]) == items[:7]
    assert suggest(let_through(items, [dhsc])) == []


def test_an_item_the_editors_wanted_blocks_a_rule_even_when_an_old_rule_catches_it() -> None:
    # speeches and oral statements share GOV.UK's /speeches/ folder; the speeches are skipped by
    # a rule added after the editors took one
    statements = [
        item(n, document_type="Oral statement to Parliament", url=f"{GOVUK}/speeches/o-{n}")
        for n in range(10)
    ]
    taken = item(20, outcome="accepted", document_type="Speech", url=f"{GOVUK}/speeches/s")
    dhsc = SourceConfig(
        id="dhsc",
        publisher="DHSC",
        kind="feed",
        url="https://x.org",
        skip=(Rule("type", "^Speech$"),),
    )
    got = suggest(let_through([*statements, taken], [dhsc]))
    assert rules(got) == ["type ~ '^Oral statement to Parliament$'"]  # not the whole folder
    carded = replace(taken, outcome="rejected", carded_by_editor=True)
    assert rules(suggest(let_through([*statements, carded], [dhsc]))) == rules(got)
