"""A line of the day's roll-up follows its item wherever the item changes: made a card from
`/pulse find`, decided on its card, decided in `curator review`. Each used to keep its **Make a
card** button until someone clicked it. A redraw Slack refuses loses nothing. Signed requests
over HTTP, fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from curator.slack import blocks
from curator.slack.digest import post_digest
from curator.slack.outbox import refresh_posted_cards
from curator.store.decisions import Actor, decide
from tests.support.fake_slack import block_actions, form
from tests.test_lanes_slack import button, cards, client_for, digest_item, lines, roll_ups
from tests.test_slack_app import CHANNEL, Env, slack_env, wait_until

pytestmark = pytest.mark.storage


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def line_of(env: Env, item_id: int) -> dict[str, Any]:
    (roll_up,) = roll_ups(env.fake)
    return lines(roll_up)[item_id]


def make_a_card_from_find(env: Env, item_id: int) -> None:
    """**Make a card** on a `/pulse find` result (an ephemeral message, not the roll-up)."""
    payload = block_actions(
        action_id=blocks.PROMOTE, value=str(item_id), channel=CHANNEL, ts="1700000000.000009"
    )
    payload["container"]["is_ephemeral"] = True
    assert env.send(form(payload)).status_code == 200


def test_a_line_made_a_card_from_find_then_accepted_on_its_card_is_redrawn(env: Env) -> None:
    listed = digest_item(env.engine, title="Kinship carers' allowance")
    other = digest_item(env.engine, title="Youth justice plans")
    post_digest(env.engine, client_for(env.fake), CHANNEL)
    assert button(line_of(env, listed)) is not None

    make_a_card_from_find(env, listed)
    wait_until(lambda: button(line_of(env, listed)) is None)
    assert cards(env.fake) == [listed]
    assert "Made a card by <@U1>" in line_of(env, listed)["text"]["text"]
    assert button(line_of(env, other)) is not None  # the other line is as it was

    env.click(listed, blocks.ACCEPT)
    wait_until(lambda: "Accepted by @alice" in line_of(env, listed)["text"]["text"])
    assert env.item(listed)["status"] == "accepted"
    env.click(listed, blocks.UNDO)
    wait_until(lambda: "Made a card by <@U1>" in line_of(env, listed)["text"]["text"])


def test_a_line_decided_in_the_terminal_is_redrawn(env: Env) -> None:
    # `curator review` offers digest items too; it redraws what Slack shows of them.
    listed = digest_item(env.engine, title="Youth justice plans")
    post_digest(env.engine, client_for(env.fake), CHANNEL)
    decide(env.engine, listed, "reject", Actor("maria", "maria", via="cli"))
    refresh_posted_cards(env.engine, client_for(env.fake), listed)
    line = line_of(env, listed)
    assert button(line) is None and "Rejected by @maria" in line["text"]["text"]


def test_a_redraw_slack_refuses_loses_no_decision(env: Env) -> None:
    listed = digest_item(env.engine)
    post_digest(env.engine, client_for(env.fake), CHANNEL)
    make_a_card_from_find(env, listed)
    wait_until(lambda: button(line_of(env, listed)) is None)
    updates = len(env.fake.calls("chat.update"))
    env.fake.fail("chat.update", error="message_not_found", times=5)
    assert env.click(listed, blocks.ACCEPT).status_code == 200
    env.fake.wait_for("chat.update", updates + 2)  # the card's, then the roll-up's
    wait_until(lambda: env.item(listed)["status"] == "accepted")
    assert [d["action"] for d in env.decisions(listed)] == ["accept"]
    assert "Accepted" not in line_of(env, listed)["text"]["text"]  # catches up at the next change


def test_lines_that_expire_together_redraw_their_roll_up_once(env: Env) -> None:
    from datetime import UTC, datetime, timedelta

    from curator.slack.expiry import expire

    first_seen = datetime.now(UTC) - timedelta(days=61)
    gone = [digest_item(env.engine, title=f"Old {n}", first_seen_at=first_seen) for n in (1, 2)]
    fresh = digest_item(env.engine, title="Fresh", first_seen_at=datetime.now(UTC))
    post_digest(env.engine, client_for(env.fake), CHANNEL)
    card = env.post_card(title="An old card", first_seen_at=first_seen)
    updates = len(env.fake.calls("chat.update"))
    pauses: list[float] = []
    report = expire(env.engine, datetime.now(UTC), 60, client_for(env.fake), sleep=pauses.append)
    assert (report.expired, report.roll_ups, report.redrawn) == (3, 1, 1)
    # one roll-up message, not one per line, then the card: a second apart, as Slack asks
    assert len(env.fake.calls("chat.update")) == updates + 2
    assert pauses == [1.0]
    assert "Expired after 60 days" in env.card_text(card)
    for item_id in gone:
        line = line_of(env, item_id)
        assert "Expired without a decision" in line["text"]["text"]
        assert button(line) is not None  # it may still be made a card
    assert "Expired" not in line_of(env, fresh)["text"]["text"]
