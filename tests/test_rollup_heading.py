"""The roll-up's heading says "today" only when it is true (every item first seen in the 24
hours before it): it lists every digest item not listed yet, which after an outage, a day the
job did not run, or items queued before Slack was configured includes items first seen days
before. A roll-up in parts counts each part against the whole. Posted to the fake Slack Web API
on loopback, redrawn as a click or `curator review` redraws it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from curator.config import get_settings
from curator.slack.digest import post_digest
from curator.slack.outbox import refresh_posted_cards
from curator.slack.rollup import item_ids_from_metadata
from curator.store.decisions import Actor, decide
from tests.support.fake_slack import FakeSlack
from tests.test_lanes_slack import client_for, digest_item, roll_ups
from tests.test_slack_app import CHANNEL

pytestmark = pytest.mark.storage
WINTER = datetime(2024, 12, 4, 16, tzinfo=UTC)  # 16:00 GMT, the roll-up's time
SUMMER = datetime(2024, 6, 4, 15, tzinfo=UTC)  # 16:00 BST


def post(engine: Engine, slack: FakeSlack, now: datetime) -> None:
    report = post_digest(
        engine, client_for(slack), CHANNEL, now_fn=lambda: now, sleep=lambda s: None
    )
    assert report.failed == 0


def heading(message: dict[str, Any]) -> str:
    block = message["blocks"][0]
    assert block["block_id"] == "pulse_digest_heading"
    return str(block["text"]["text"]).split(": not carded")[0]


def test_items_all_first_seen_since_yesterdays_roll_up_keep_also_published_today(
    engine: Engine, slack: FakeSlack
) -> None:
    # A day's roll-up lists what came since the day before's, at the same time of day: "today"
    # is the roll-up's day, not the calendar day each item was first seen.
    digest_item(engine, first_seen_at=WINTER - timedelta(hours=23))  # 17:00 GMT yesterday
    digest_item(engine, first_seen_at=WINTER.replace(hour=0, minute=1))  # 00:01 GMT today
    digest_item(engine, first_seen_at=WINTER - timedelta(minutes=5))
    post(engine, slack, WINTER)
    (message,) = roll_ups(slack)
    assert heading(message) == "*Also published today* (3 publications)"
    assert message["text"] == "Also published today: 3 publications"


def test_items_that_waited_more_than_a_day_say_since_the_earliest_day(
    engine: Engine, slack: FakeSlack
) -> None:
    # The job did not run for two days: the roll-up lists what waited since then.
    digest_item(engine, first_seen_at=datetime(2024, 12, 2, 23, 59, tzinfo=UTC))
    digest_item(engine, first_seen_at=WINTER - timedelta(hours=1))
    post(engine, slack, WINTER)
    (message,) = roll_ups(slack)
    assert heading(message) == "*Also published since 2 Dec* (2 publications)"
    assert message["text"] == "Also published since 2 Dec: 2 publications"


def test_a_day_of_another_year_says_its_year(engine: Engine, slack: FakeSlack) -> None:
    # Queued before Slack was configured, at the end of last year.
    digest_item(engine, first_seen_at=datetime(2023, 12, 28, 12, tzinfo=UTC))
    post(engine, slack, WINTER)
    (message,) = roll_ups(slack)
    assert heading(message) == "*Also published since 28 Dec 2023* (1 publication)"


@pytest.mark.parametrize(
    ("timezone", "first_seen", "expected"),
    [
        # After yesterday's roll-up (16:00 BST on 3 June): what a day's roll-up lists.
        (None, SUMMER - timedelta(hours=23), "*Also published today*"),
        (None, SUMMER - timedelta(days=1), "*Also published today*"),
        # Before it: it waited for more than a day, and the day is the editors'.
        # 23:30 UTC on 2 June is 00:30 BST on 3 June.
        (None, datetime(2024, 6, 2, 23, 30, tzinfo=UTC), "*Also published since 3 Jun*"),
        # 22:59 UTC is 23:59 BST on 2 June.
        (None, datetime(2024, 6, 2, 22, 59, tzinfo=UTC), "*Also published since 2 Jun*"),
        # Another CURATOR_TIMEZONE moves the day's boundary with it.
        ("UTC", datetime(2024, 6, 2, 23, 30, tzinfo=UTC), "*Also published since 2 Jun*"),
    ],
)
def test_today_is_the_editors_day_in_curator_timezone(
    engine: Engine,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    timezone: str | None,
    first_seen: datetime,
    expected: str,
) -> None:
    if timezone is not None:
        monkeypatch.setenv("CURATOR_TIMEZONE", timezone)
        get_settings.cache_clear()
    digest_item(engine, first_seen_at=first_seen)
    post(engine, slack, SUMMER)
    (message,) = roll_ups(slack)
    assert heading(message) == f"{expected} (1 publication)"


def test_a_roll_up_in_parts_counts_each_part_against_the_whole(
    engine: Engine, slack: FakeSlack
) -> None:
    # Only the first item waited more than a day: both parts say since then, since the whole
    # roll-up (not only part 1) lists older items.
    listed = [digest_item(engine, first_seen_at=WINTER - timedelta(days=1, hours=1))]
    listed += [digest_item(engine, first_seen_at=WINTER - timedelta(hours=2)) for _ in range(74)]
    post(engine, slack, WINTER)
    first, second = roll_ups(slack)
    assert item_ids_from_metadata(first) == listed[:40]
    assert heading(first) == "*Also published since 3 Dec* (40 of 75 publications, part 1 of 2)"
    assert heading(second) == "*Also published since 3 Dec* (35 of 75 publications, part 2 of 2)"
    assert first["text"] == "Also published since 3 Dec: 40 of 75 publications, part 1 of 2"
    assert second["text"] == "Also published since 3 Dec: 35 of 75 publications, part 2 of 2"

    # The next day's roll-up is counted on its own, not with the parts planned before it.
    digest_item(engine, first_seen_at=WINTER + timedelta(hours=20))
    post(engine, slack, WINTER + timedelta(days=1))
    assert heading(roll_ups(slack)[2]) == "*Also published today* (1 publication)"


def test_a_redraw_days_later_keeps_the_heading_of_the_day_it_was_posted(
    engine: Engine, slack: FakeSlack
) -> None:
    # Redrawn today (the real clock, months after WINTER) when an editor decides a line in
    # `curator review`: still "today" of the day it was posted, and still its part's count.
    listed = [digest_item(engine, first_seen_at=WINTER - timedelta(hours=3)) for _ in range(41)]
    post(engine, slack, WINTER)
    before = [(heading(m), m["text"]) for m in roll_ups(slack)]
    assert before[1] == (
        "*Also published today* (1 of 41 publications, part 2 of 2)",
        "Also published today: 1 of 41 publications, part 2 of 2",
    )
    updates = len(slack.calls("chat.update"))
    for item_id in (listed[0], listed[40]):
        decide(engine, item_id, "reject", Actor("maria", "maria", via="cli"))
        refresh_posted_cards(engine, client_for(slack), item_id)
    assert len(slack.calls("chat.update")) == updates + 2  # both parts were redrawn
    first, second = roll_ups(slack)
    assert "Rejected by @maria" in first["blocks"][1]["text"]["text"]
    assert "Rejected by @maria" in second["blocks"][1]["text"]["text"]
    assert [(heading(m), m["text"]) for m in (first, second)] == before
