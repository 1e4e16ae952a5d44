from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from curator.health import SourceFacts, assess, report_text
from curator.records import SourceConfig

NOW = datetime(2024, 6, 30, tzinfo=UTC)
SRC = SourceConfig(
    id="kf",
    publisher="The King's Fund",
    kind="feed",
    url="https://www.kingsfund.org.uk/rss",
    quiet_after=timedelta(days=30),
)
OK = SourceFacts(last_checked_at=NOW, last_ok_at=NOW, newest_item_at=NOW - timedelta(days=3))


@pytest.mark.parametrize(
    ("facts", "source", "status"),
    [
        (OK, SRC, "ok"),
        (replace(OK, newest_item_at=NOW - timedelta(days=45)), SRC, "quiet"),
        (replace(OK, consecutive_failures=3, last_error="kf: HTTP 503"), SRC, "failing"),
        (replace(OK, consecutive_failures=1, last_error="kf: HTTP 503"), SRC, "ok"),
        # never fetched successfully: failing from its first failure
        (replace(OK, last_ok_at=None, consecutive_failures=1, last_error="kf: x"), SRC, "failing"),
        (replace(OK, feed_title="This feed has ended"), SRC, "ended"),
        (SourceFacts(), SRC, "never polled"),
        (OK, replace(SRC, enabled=False), "disabled"),
        (replace(OK, newest_item_at=None), SRC, "quiet"),
        (
            replace(OK, consecutive_failures=3, consecutive_blocks=3, last_error="kf: 403"),
            SRC,
            "blocked",
        ),
        (
            replace(OK, consecutive_failures=2, consecutive_blocks=2, last_error="kf: 403"),
            SRC,
            "failing",
        ),
        (
            replace(OK, consecutive_failures=5, consecutive_blocks=5),
            replace(SRC, enabled=False),
            "disabled",
        ),
        (replace(OK, degraded=True), SRC, "degraded"),
        (replace(OK, degraded=True, newest_item_at=NOW - timedelta(days=45)), SRC, "degraded"),
        (replace(OK, degraded=True, consecutive_failures=3, last_error="kf: x"), SRC, "failing"),
        (replace(OK, parse_warning="kf: no element matches date selector 'time'"), SRC, "ok"),
    ],
)
def test_status(facts: SourceFacts, source: SourceConfig, status: str) -> None:
    assert assess(source, facts, NOW).status == status


def test_quiet_says_how_long_and_what_to_do() -> None:
    health = assess(SRC, replace(OK, newest_item_at=NOW - timedelta(days=45)), NOW)
    assert "45 days" in health.detail and "moved" in health.detail


def test_acceptance_rate() -> None:
    health = assess(SRC, replace(OK, accepted=3, rejected=1), NOW)
    assert health.acceptance_rate == 0.75
    assert assess(SRC, OK, NOW).acceptance_rate is None


def test_blocked_says_why_how_often_and_what_to_do() -> None:
    error = "kf: HTTP 403 from https://www.kingsfund.org.uk/rss: access forbidden"
    facts = replace(OK, consecutive_failures=4, consecutive_blocks=4, last_error=error)
    health = assess(SRC, facts, NOW)
    assert health.status == "blocked" and health.url == SRC.url
    assert health.detail == (
        "refused automated clients 4 polls in a row (HTTP 403 from https://www.kingsfund.org.uk/"
        "rss: access forbidden); checked once every day until it answers: check it by hand"
    )
    # the fetcher's own advice is not repeated inside the detail
    fetched = replace(
        facts, last_error=f"{error}; the site refuses automated clients (check it by hand)"
    )
    assert assess(SRC, fetched, NOW).detail == health.detail
    weekly = assess(replace(SRC, every=timedelta(weeks=1)), facts, NOW)
    assert "checked once every 7 days" in weekly.detail
    assert health.as_json()["status"] == "blocked"
    assert health.as_json()["url"] == SRC.url and health.as_json()["consecutive_blocks"] == 4


def test_report_lists_blocked_sources_to_check_by_hand() -> None:
    blocked = assess(SRC, replace(OK, consecutive_failures=3, consecutive_blocks=3), NOW)
    fine = assess(replace(SRC, id="ok"), OK, NOW)
    text = report_text([blocked, fine])
    assert text.splitlines() == [
        "*Weekly source health*",
        "*Check by hand* (these sites refuse automated clients; each is checked once a day and "
        "comes back by itself when it answers):",
        f"• `kf` (The King's Fund): {SRC.url}",
        "2 sources: 1 blocked, 1 ok.",
    ]
    assert report_text([fine]).splitlines()[1] == "All sources are polling fine and publishing."


def test_degraded_says_which_selector_broke() -> None:
    warning = "kf: no element matches item selector 'li.post' on the page: fix the selectors"
    health = assess(SRC, replace(OK, degraded=True, parse_warning=warning), NOW)
    assert (health.status, health.detail) == ("degraded", warning)


def test_a_source_warning_shows_on_a_healthy_source() -> None:
    warning = "kf: no element matches date selector 'time' inside any item ('li') on the page"
    health = assess(SRC, replace(OK, parse_warning=warning), NOW)
    assert (health.status, health.detail) == ("ok", warning)


@pytest.mark.parametrize(
    "facts",
    [
        replace(OK, newest_item_at=NOW - timedelta(days=45)),  # quiet
        replace(OK, degraded=True, parse_warning="kf: no element matches item selector 'li'"),
        replace(OK, newest_item_at=None),  # quiet: nothing found yet
        OK,
    ],
)
def test_one_failure_shows_whatever_the_status(facts: SourceFacts) -> None:
    # One failure is not "failing" yet; a quiet or degraded source once said only that, so the
    # admin did not see that its feed had turned into a web page until the next poll failed too.
    failed = replace(facts, consecutive_failures=1, last_error="kf: not a feed")
    health = assess(SRC, failed, NOW)
    assert health.status == assess(SRC, facts, NOW).status
    # named once: "kf (quiet): …; last attempt failed: not a feed", not "…failed: kf: not a feed"
    assert health.detail.endswith("last attempt failed: not a feed")
    assert "polled fine" not in health.detail


def test_a_source_whose_items_come_without_summaries_is_told_so() -> None:
    bare = replace(OK, items_last_30_days=10, items_without_summary_30_days=6)
    health = assess(SRC, bare, NOW)
    assert health.status == "ok"
    assert health.detail.startswith("6 of its 10 items in 30 days came without a summary")
    assert "`summary` selector" in health.detail
    assert health.as_json()["items_without_summary_30_days"] == 6
    # a few, or fewer than half, are nothing to act on
    for few in (
        replace(OK, items_last_30_days=4, items_without_summary_30_days=4),
        replace(OK, items_last_30_days=12, items_without_summary_30_days=5),
    ):
        assert assess(SRC, few, NOW).detail == ""
    text = report_text([health, assess(replace(SRC, id="fine"), OK, NOW)])
    assert "*Without summaries*" in text and "• `kf` (The King's Fund): 6 of 10 items" in text
    assert "All sources are polling fine" not in text


def test_a_source_whose_items_the_editors_mostly_reject_is_pointed_to_rules() -> None:
    health = assess(SRC, replace(OK, accepted=2, rejected=10), NOW)
    assert health.status == "ok" and health.items_decided == 12
    assert health.detail.startswith("the editors rejected 10 of its 12 items they decided")
    assert "`skip`/`keep` rules" in health.detail
    assert health.as_json()["items_decided"] == 12
    # too few decisions, or more than one in five taken, is nothing to act on
    for fine in (replace(OK, accepted=1, rejected=8), replace(OK, accepted=3, rejected=9)):
        assert assess(SRC, fine, NOW).detail == ""
    text = report_text([health, assess(replace(SRC, id="fine"), OK, NOW)])
    assert "*Mostly rejected*" in text and "• `kf` (The King's Fund): 2 of 12 accepted" in text
    assert "All sources are polling fine" not in text


def test_the_items_a_sources_rules_kept_quiet_are_counted_for_the_admin() -> None:
    ruled = replace(OK, items_last_30_days=40, items_kept_quiet_by_rules_30_days=14)
    health = assess(SRC, ruled, NOW)
    assert (health.status, health.detail) == ("ok", "")  # a rule doing its job is no problem
    assert health.as_json()["items_kept_quiet_by_rules_30_days"] == 14
    text = report_text([health, assess(replace(SRC, id="fine"), OK, NOW)])
    assert "*Kept quiet by rules*" in text and "• `kf` (The King's Fund): 14 of 40 items" in text
    assert "*Kept quiet by rules*" not in report_text([assess(SRC, OK, NOW)])


def test_rules_that_caught_what_the_editors_wanted_are_pointed_out() -> None:
    facts = replace(
        OK,
        items_last_30_days=40,
        items_kept_quiet_by_rules_30_days=14,
        ruled_items_wanted_30_days=2,
    )
    health = assess(SRC, facts, NOW)
    assert health.detail == (
        "the editors made a card of or accepted 2 of the 14 items its rules kept quiet in 30 "
        "days: check its skip/keep rules"
    )
    assert health.as_json()["ruled_items_wanted_30_days"] == 2
    text = report_text([health])
    assert "14 of 40 items; the editors made a card of or accepted 2 of them all the same" in text


def test_a_source_that_never_worked_says_so() -> None:
    facts = replace(
        OK, last_ok_at=None, newest_item_at=None, consecutive_failures=1, last_error="kf: DNS"
    )
    health = assess(SRC, facts, NOW)
    assert (health.status, health.detail) == (
        "failing",
        "never fetched successfully (1 attempt): DNS",
    )
    failing = replace(facts, last_ok_at=NOW, consecutive_failures=2, last_error="kf: HTTP 404")
    assert assess(SRC, failing, NOW).detail == "2 failures in a row: HTTP 404"
    # refusals count towards "blocked" (three in a row), as for a source that once worked
    refused = replace(facts, consecutive_failures=1, consecutive_blocks=1, last_error="kf: 403")
    assert assess(SRC, refused, NOW).status == "ok"
    refused = replace(refused, consecutive_failures=3, consecutive_blocks=3)
    assert assess(SRC, refused, NOW).status == "blocked"


def test_the_rules_to_consider_are_listed_fifteen_at_most() -> None:
    from curator.health import suggestion_lines
    from curator.records import Rule
    from curator.rules_suggest import Suggestion

    many = [
        Suggestion(f"s{n:02d}", Rule("type", "^Speech$"), 12, 0, ("Speech: x",)) for n in range(18)
    ]
    lines = suggestion_lines(many, {"s00": "Zero"})
    assert lines[1] == (
        "• `s00` (Zero): skip `type ~ '^Speech$'`: 12 rejected; an admin adds it with "
        "`/pulse sources skip s00 type ^Speech$`"
    )
    assert len(lines) == 1 + 15 + 1
    assert lines[-1] == "• … and 3 more: `curator sources suggest-rules` lists them all"
    assert suggestion_lines(many[:15], {})[-1].startswith("• `s14` (s14)")
    assert suggestion_lines([], {}) == []
