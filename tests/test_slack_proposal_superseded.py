"""Use this on a proposal an editor's own text was saved after (its message not redrawn yet in
another editor's Slack) writes nothing over that text: the editor who clicked is told who saved
it and when, and the proposal is redrawn without its buttons, saying it was superseded. Read
again (`curator item propose ID`), it can be used. Signed requests over HTTP, fake Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from curator.slack import blocks
from curator.store.decisions import Actor, decide
from tests.test_slack_app import CHANNEL, Env, slack_env, wait_until
from tests.test_slack_keeps_text import save_as_shown, submit_modal

pytestmark = pytest.mark.storage
OWN = "The summary Alice wrote."


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def proposal_text(env: Env, ts: str) -> str:
    (message,) = [m for m in env.fake.channel_messages(CHANNEL) if m["ts"] == ts]
    return json.dumps(message["blocks"], ensure_ascii=False)


def use(env: Env, item_id: int, ts: str, user: str = "U2", name: str = "bob") -> None:
    env.click_proposal(item_id, blocks.USE_PROPOSAL, ts, user=user, name=name)


def told(env: Env, count: int = 1) -> dict[str, Any]:
    return dict(env.fake.wait_for("chat.postEphemeral", count)[-1].params)


def edit_from_the_proposal(env: Env, item_id: int, ts: str) -> None:
    opened = len(env.fake.views)
    env.click_proposal(item_id, blocks.EDIT_PROPOSAL, ts)
    env.fake.wait_for("views.open", opened + 1)
    save_as_shown(env, env.fake.views[-1], **{blocks.EDIT_SUMMARY: OWN})


@pytest.mark.parametrize("edited_from", ["the card", "the proposal"])
def test_use_this_after_another_editors_edit_writes_nothing_and_says_who(
    env: Env, edited_from: str
) -> None:
    item_id = env.post_card(title="Kinship care")
    proposal_ts = env.propose(item_id)
    if edited_from == "the card":  # the proposal in the thread still offers Use this
        submit_modal(env, item_id, **{blocks.EDIT_SUMMARY: OWN})
        assert blocks.USE_PROPOSAL in proposal_text(env, proposal_ts)
    else:
        edit_from_the_proposal(env, item_id, proposal_ts)
    recorded = [d["action"] for d in env.decisions(item_id)]
    (edit,) = [d for d in env.decisions(item_id) if d["action"] == "edit"]

    use(env, item_id, proposal_ts)  # bob's Slack still showed Use this
    message = told(env)
    local = edit["created_at"].astimezone(ZoneInfo("Europe/London"))
    when = f"{local.day} {local:%b %Y} at {local:%H:%M}"
    assert (message["user"], message["text"]) == (
        "U2",
        f"Nothing changed: <@U1> saved their own text for “Kinship care” on {when}, while or "
        "after this was read from the publication, and the draft prints it. Edit the card to "
        "change it.",
    )
    wait_until(lambda: "Superseded" in proposal_text(env, proposal_ts))
    shown = proposal_text(env, proposal_ts)
    assert f"Superseded by <@U1>'s edit of {when}: the draft prints their text" in shown
    assert blocks.USE_PROPOSAL not in shown
    assert [d["action"] for d in env.decisions(item_id)] == recorded  # nothing recorded
    assert env.item(item_id)["edited_summary"] == OWN


def test_a_terminal_edit_is_named_and_the_proposal_read_again_can_be_used(env: Env) -> None:
    item_id = env.post_card(title="Kinship care")
    read_at = datetime(2024, 6, 3, 9, tzinfo=UTC)
    stale_ts = env.propose(item_id, at=read_at)
    edits = {"key_findings": ["Bob's finding."]}
    decide(
        env.engine,
        item_id,
        "edit",
        Actor("bob", "bob"),
        edits=edits,
        now=read_at.replace(minute=15),
    )

    use(env, item_id, stale_ts, user="U1", name="alice")
    assert told(env)["text"] == (
        "Nothing changed: @bob saved their own text for “Kinship care” on 3 Jun 2024 at 10:15, "
        "while or after this was read from the publication, and the draft prints it. Edit the "
        "card to change it."
    )
    wait_until(
        lambda: "Superseded by @bob's edit of 3 Jun 2024 at 10:15" in proposal_text(env, stale_ts)
    )
    assert env.item(item_id)["key_findings"] == ["Bob's finding."]

    fresh_ts = env.propose(item_id)  # curator item propose ID: read after the edit
    use(env, item_id, fresh_ts, user="U1", name="alice")
    wait_until(lambda: env.item(item_id)["edited_summary"] == "Proposed.")
    assert [d["action"] for d in env.decisions(item_id)] == ["edit", "use_proposal"]
    wait_until(lambda: "Used by <@U1>" in proposal_text(env, fresh_ts))


def test_their_own_edit_is_theirs(env: Env) -> None:
    item_id = env.post_card(title="Kinship care")
    proposal_ts = env.propose(item_id)
    submit_modal(env, item_id, **{blocks.EDIT_SUMMARY: OWN})
    use(env, item_id, proposal_ts, user="U1", name="alice")
    assert told(env)["text"].startswith("Nothing changed: you saved your own text for “Kinship")
    assert env.item(item_id)["edited_summary"] == OWN
