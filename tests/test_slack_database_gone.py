"""Slack while the SQLite file was deleted under the process: the handlers went on recording
clicks, edits and proposals used into the deleted file SQLite keeps open, the card said
"Accepted by", and all of it was lost when the process ended. Now the click is refused, the
editor is told (only them) that it was NOT saved and why, and nothing claims success. The real
Bolt app behind curator/web.py, signed requests, the fake Slack Web API; SQLite only."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.slack import blocks
from curator.store.db import open_engine
from tests.support.fake_slack import form, view_submission
from tests.test_slack_app import CHANNEL, Env, modal_values, pulse_reply, slack_env, wait_until

NOT_SAVED = (
    "*Not saved:* Pulse recorded nothing of that. Pulse's database file was deleted on the "
    "server while curator was running, and anything recorded now would be lost. Ask an admin "
    "to restore the file and restart curator (its log says how), then try again."
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    engine = open_engine(f"sqlite:///{tmp_path / 'curator.db'}")
    try:
        with slack_env(engine, tmp_path) as started:
            yield started
    finally:
        engine.dispose()


def _delete_database(tmp_path: Path) -> None:
    for path in tmp_path.glob("curator.db*"):  # and its -wal and -shm
        path.unlink()


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


@pytest.mark.parametrize("action_id", [blocks.ACCEPT, blocks.REJECT, blocks.EDIT])
def test_a_click_is_refused_and_the_editor_told_it_was_not_saved(
    env: Env, tmp_path: Path, caplog: pytest.LogCaptureFixture, action_id: str
) -> None:
    item_id = env.post_card(title="Care homes & staffing")
    card_before = env.card_text(item_id)
    _delete_database(tmp_path)
    assert env.click(item_id, action_id).status_code == 200  # acknowledged, as Slack wants
    (told,) = env.fake.wait_for("chat.postEphemeral")
    assert (told.params["user"], told.params["channel"]) == ("U1", CHANNEL)
    assert told.params["text"] == NOT_SAVED
    # nothing says it was done: the card is not redrawn, no modal opens
    assert env.fake.calls("chat.update") == [] and env.fake.calls("views.open") == []
    assert env.card_text(item_id) == card_before
    refused = [r.getMessage() for r in caplog.records if "nothing saved" in r.getMessage()]
    assert len(refused) == 1 and f"the database file {tmp_path / 'curator.db'}" in refused[0]
    _no_traceback(caplog)


def test_use_this_on_a_proposal_is_refused_and_the_proposal_not_marked_used(
    env: Env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    item_id = env.post_card()
    proposal_ts = env.propose(item_id)
    thread_before = env.fake.channel_messages(CHANNEL)[-1]
    _delete_database(tmp_path)
    env.click_proposal(item_id, blocks.USE_PROPOSAL, proposal_ts)
    (told,) = env.fake.wait_for("chat.postEphemeral")
    assert told.params["text"] == NOT_SAVED
    assert env.fake.calls("chat.update") == []  # neither "Used by" nor the card redrawn
    assert env.fake.channel_messages(CHANNEL)[-1] == thread_before
    _no_traceback(caplog)


def test_every_listener_of_the_app_answers_a_database_gone_itself(env: Env) -> None:
    # A listener registered without `refusing` would let it reach Bolt: a traceback, and a
    # click answered with a 500 or not at all.
    from curator.slack.app import build_app, close_app
    from curator.slack.database_gone import refusing

    app = build_app(env.engine, env.settings)
    try:
        wrapped = refusing(lambda: None).__code__
        listeners = app._listeners
        assert len(listeners) == 12
        assert all(listener.ack_function.__code__ is wrapped for listener in listeners)
    finally:
        close_app(app)


def test_a_modal_saved_after_the_file_is_gone_stays_open_with_the_text(
    env: Env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    _delete_database(tmp_path)
    texts = {blocks.EDIT_TITLE: "Better title", blocks.EDIT_SUMMARY: "My careful summary."}
    values = modal_values(item_id, texts)
    resp = env.send(form(view_submission(view=env.fake.views[0], values=values)))
    assert resp.status_code == 200
    answer = resp.json()
    assert answer["response_action"] == "errors"  # the modal stays open, the text in it
    (said,) = answer["errors"].values()
    assert list(answer["errors"]) == [blocks.EDIT_SUMMARY]
    assert said.startswith("Not saved: Pulse's database file was deleted on the server")
    assert said.endswith("Keep this open, or copy your text, and Save again once curator is back.")
    assert env.fake.calls("chat.update") == [] and env.fake.calls("chat.postEphemeral") == []
    _no_traceback(caplog)


def test_pulse_says_why_it_did_not_work(env: Env, tmp_path: Path) -> None:
    _delete_database(tmp_path)
    reply = pulse_reply(env, "status")
    assert reply["text"].startswith(
        "Sorry, that did not work: Pulse's database file was deleted on the server"
    )
    assert "/proc/" not in reply["text"]  # the admin's details stay in the log


def test_other_errors_still_reach_the_log_with_their_traceback(
    env: Env, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app's error handler replaces Bolt's own: every other error is logged as it was.
    from curator.slack.app import Handlers

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Handlers, "decide", broken)
    item_id = env.post_card()
    env.click(item_id, blocks.REJECT)
    wait_until(lambda: any("a bug" in r.getMessage() for r in caplog.records))
    (failed,) = [r for r in caplog.records if "a bug" in r.getMessage()]
    assert failed.levelno == logging.ERROR and failed.exc_info is not None
    assert env.fake.calls("chat.postEphemeral") == []


def test_an_add_by_link_says_it_was_not_added(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'curator.db'}")
    try:
        with slack_env(engine, tmp_path, parse_workers=0) as env:
            _delete_database(tmp_path)
            pulse_reply(env, "add https://www.gov.uk/government/publications/care-homes")
            wait_until(lambda: len(env.fake.responses) >= 2, 20)
            done = env.fake.responses[1]["text"]
    finally:
        engine.dispose()
    assert done.startswith(
        "• Not added, https://www.gov.uk/government/publications/care-homes: Pulse's database "
        "file was deleted on the server while curator was running"
    )
    assert done.endswith("then add it again.")
    assert env.fake.calls("chat.postMessage") == []  # no card
    _no_traceback(caplog)
