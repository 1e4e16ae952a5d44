"""Small slips an editor makes. A second click on their own decision (a double-click, or a
click on a card Slack had not redrawn yet) is quiet: the card is redrawn, nobody is told
"already accepted by you"; another editor's late click is still told who decided. A mistyped
/pulse is named before the help. An Undo that finds nothing to undo names the publication
and who undid it. Signed requests over HTTP, fake Slack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from curator.slack import blocks
from tests.support.fake_slack import block_actions, form
from tests.test_slack_app import CHANNEL, Env, pulse_reply, slack_env, wait_until

pytestmark = pytest.mark.storage


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


@pytest.mark.parametrize("action_id", [blocks.ACCEPT, blocks.REJECT])
def test_a_double_click_is_recorded_once_and_says_nothing(env: Env, action_id: str) -> None:
    item_id = env.post_card()
    env.click(item_id, action_id, action_ts="1717405200.000100")
    env.click(item_id, action_id, action_ts="1717405200.000200")  # two clicks, two action_ts
    env.fake.wait_for("chat.update", 2)
    assert len(env.decisions(item_id)) == 1
    assert env.fake.calls("chat.postEphemeral") == []
    assert blocks.UNDO in env.card_text(item_id)


def test_the_other_decision_by_the_same_editor_is_still_explained(env: Env) -> None:
    # Accept, then Reject on a card not redrawn yet: not what they asked for, so they are told.
    item_id = env.post_card()
    env.click(item_id, blocks.ACCEPT)
    wait_until(lambda: env.item(item_id)["status"] == "accepted")  # recorded, not yet redrawn
    env.click(item_id, blocks.REJECT)
    (told,) = [c.params for c in env.fake.wait_for("chat.postEphemeral")]
    assert "already accepted by <@U1>" in told["text"]
    assert env.item(item_id)["status"] == "accepted"


def test_a_double_click_on_undo_says_already_undone_by_the_title(env: Env) -> None:
    # It said "Nothing changed: item 7 has no decision to undo": an id editors never see.
    item_id = env.post_card(title="Care homes & staffing")
    env.click(item_id, blocks.ACCEPT)
    # Clicks are handled after Slack's ack, each on its own: the Undo button is on the card
    # only once the accept is recorded, and the second click follows the first's undo.
    wait_until(lambda: env.item(item_id)["status"] == "accepted")
    env.click(item_id, blocks.UNDO, action_ts="1717405200.000100")
    wait_until(lambda: env.item(item_id)["status"] == "queued")
    env.click(item_id, blocks.UNDO, action_ts="1717405200.000200")
    (told,) = [c.params["text"] for c in env.fake.wait_for("chat.postEphemeral")]
    assert told == "Already undone: “Care homes &amp; staffing” is undecided again."
    assert f"item {item_id}" not in told
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "undo"]
    assert blocks.ACCEPT in env.card_text(item_id)


def test_an_undo_after_another_editors_undo_names_them(env: Env) -> None:
    item_id = env.post_card(title="Kinship care")
    env.click(item_id, blocks.REJECT)
    wait_until(lambda: env.item(item_id)["status"] == "rejected")
    env.click(item_id, blocks.UNDO, user="U2", name="bob")
    wait_until(lambda: env.item(item_id)["status"] == "queued")
    env.click(item_id, blocks.UNDO)
    (told,) = [c.params["text"] for c in env.fake.wait_for("chat.postEphemeral")]
    assert told == "Already undone by <@U2>: “Kinship care” is undecided again."


def test_a_mistyped_pulse_command_is_named_before_the_help(env: Env) -> None:
    # "/pulse fnd care homes" answered with the list of commands alone, as if asked for help.
    mistyped = pulse_reply(env, "fnd care homes")["text"]
    assert mistyped.startswith("`/pulse fnd` is not a command I know.\n")
    assert "`/pulse find WORDS`" in mistyped
    assert pulse_reply(env, "help")["text"].startswith("*/pulse* commands:")
    assert pulse_reply(env, "")["text"].startswith("*/pulse* commands:")


@pytest.mark.parametrize(
    "action_id", [blocks.ACCEPT, blocks.REJECT, blocks.EDIT, blocks.SECTOR, blocks.USE_PROPOSAL]
)
@pytest.mark.parametrize("value", ["abc", "1e3", "", "²"])
def test_a_click_whose_value_names_no_item_is_ignored(
    env: Env, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    # Only a forged or garbled payload sends one (our buttons carry the item id): it raised
    # ValueError inside Bolt's listener, logged as an error with its traceback, and Slack got
    # a 404 "unhandled request". Now it is acknowledged, logged as a warning, and ignored.
    item_id = env.post_card()
    payload = block_actions(
        action_id=action_id, value=value, channel=CHANNEL, ts=env.card_ts(item_id)
    )
    assert env.send(form(payload)).status_code == 200
    wait_until(lambda: any("names no item" in r.getMessage() for r in caplog.records))
    assert env.decisions(item_id) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_edit_on_a_card_rejected_in_the_terminal_redraws_it_with_undo(env: Env) -> None:
    # The card still showed Accept/Reject/Edit; Edit said "Undo first to edit it" and left it
    # so, with no Undo button anywhere to click.
    from curator.store.decisions import Actor, decide

    item_id = env.post_card(title="Kinship care")
    decide(env.engine, item_id, "reject", Actor("bob", "bob", "cli"))
    env.click(item_id, blocks.EDIT)
    (told,) = [c.params["text"] for c in env.fake.wait_for("chat.postEphemeral")]
    assert told == "This item was rejected; Undo first to edit it."
    env.fake.wait_for("chat.update")
    text = env.card_text(item_id)
    assert "Rejected by @bob" in text
    assert blocks.UNDO in text and blocks.ACCEPT not in text
    assert env.fake.views == []


def test_edit_on_a_proposal_of_an_item_rejected_in_the_terminal_redraws_its_card(
    env: Env,
) -> None:
    from curator.store.decisions import Actor, decide

    item_id = env.post_card(title="Kinship care")
    proposal_ts = env.propose(item_id)
    decide(env.engine, item_id, "reject", Actor("bob", "bob", "cli"))
    env.click_proposal(item_id, blocks.EDIT_PROPOSAL, proposal_ts)
    (told,) = [c.params["text"] for c in env.fake.wait_for("chat.postEphemeral")]
    assert told == "This item was rejected; Undo first."
    env.fake.wait_for("chat.update")
    assert blocks.UNDO in env.card_text(item_id) and blocks.ACCEPT not in env.card_text(item_id)


def test_use_this_once_used_records_nothing_and_keeps_the_text_edited_since(env: Env) -> None:
    # Each click of a Use this not redrawn yet (a double-click, another editor's stale view)
    # was a new use_proposal: recorded again, and writing the proposal over the summary an
    # editor had written since.
    from curator.store.decisions import Actor, decide

    item_id = env.post_card(title="Kinship care")
    proposal_ts = env.propose(item_id)

    def use(user: str, name: str, action_ts: str) -> None:
        env.click_proposal(
            item_id, blocks.USE_PROPOSAL, proposal_ts, user=user, name=name, action_ts=action_ts
        )

    use("U1", "alice", "1717405200.000100")
    wait_until(lambda: env.item(item_id)["edited_summary"] == "Proposed.")
    decide(env.engine, item_id, "edit", Actor("U1", "alice"), edits={"summary": "Mine."})
    use("U1", "alice", "1717405200.000200")  # a double-click: quiet
    use("U2", "bob", "1717405200.000300")
    (told,) = [c.params for c in env.fake.wait_for("chat.postEphemeral")]
    assert (told["user"], told["text"]) == (
        "U2",
        "Already used by @alice: the draft prints it. Edit the card to change it.",
    )
    assert [d["action"] for d in env.decisions(item_id)] == ["use_proposal", "edit"]
    assert env.item(item_id)["edited_summary"] == "Mine."


def test_use_this_on_a_rejected_item_names_its_title_and_redraws_its_card(env: Env) -> None:
    # It said "Nothing changed: item 2 was rejected; Undo first to use its proposal.": an id
    # editors never see, and the card (rejected in the terminal) still showed no Undo.
    from curator.store.decisions import Actor, decide

    item_id = env.post_card(title="Care <homes>")
    proposal_ts = env.propose(item_id)
    decide(env.engine, item_id, "reject", Actor("bob", "bob", "cli"))
    env.click_proposal(item_id, blocks.USE_PROPOSAL, proposal_ts)
    (told,) = [c.params["text"] for c in env.fake.wait_for("chat.postEphemeral")]
    assert told == (
        "Nothing changed: “Care &lt;homes&gt;” was rejected; Undo on its card to use this."
    )
    env.fake.wait_for("chat.update")
    assert blocks.UNDO in env.card_text(item_id) and blocks.ACCEPT not in env.card_text(item_id)
    assert [d["action"] for d in env.decisions(item_id)] == ["reject"]
