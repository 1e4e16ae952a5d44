"""Signed Slack requests over a real socket to `curator slack serve`'s server (HTTP mode: uvicorn,
curator/web.py), with the fake Slack Web API answering the app's calls."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from curator.config import Settings
from curator.enrich import ReaderSettings
from curator.slack import blocks
from curator.slack.app import build_app, close_app
from curator.slack.outbox import drain, make_client
from curator.store.outbox import enqueue
from curator.store.schema import decisions, items, outbox, source_state
from curator.web import SLACK_PATH, WebServer
from curator.web import build_app as build_web_app
from tests.support.factories import add_item, add_prediction
from tests.support.fake_slack import (
    FakeSlack,
    block_actions,
    form,
    sign,
    slash_command,
    view_submission,
)
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
CHANNEL = "C0PULSE"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


@dataclass
class Env:
    engine: Engine
    fake: FakeSlack
    server: WebServer
    settings: Settings

    @property
    def url(self) -> str:
        return self.server.url(SLACK_PATH)

    def send(
        self, body: str, *, timestamp: int | None = None, secret: str = SECRET
    ) -> httpx.Response:
        headers = sign(body, secret, timestamp)
        return httpx.post(self.url, content=body, headers=headers, timeout=5)

    def click(self, item_id: int, action_id: str, **kw: Any) -> httpx.Response:
        ts = self.card_ts(item_id)
        payload = block_actions(
            action_id=action_id, value=str(item_id), channel=CHANNEL, ts=ts, **kw
        )
        return self.send(form(payload))

    def propose(self, item_id: int, proposal: Any = None, at: datetime | None = None) -> str:
        """Store ``proposal`` (a ``NewProposal``; default a one-line summary) as the item's, read
        ``at`` (default now), and post it in its card's thread, as after Accept; the ts of that
        thread message."""
        from curator.slack.outbox import make_client
        from curator.slack.threads import post_proposal
        from curator.store.proposals import NewProposal, save_proposal

        proposal = proposal or NewProposal(url="x", summary="Proposed.")
        with self.engine.begin() as conn:
            save_proposal(conn, item_id, proposal, at or datetime.now(UTC))
        post_proposal(
            make_client(self.settings), self.engine, CHANNEL, self.card_ts(item_id), item_id
        )
        return str(self.fake.channel_messages(CHANNEL)[-1]["ts"])

    def click_proposal(self, item_id: int, action_id: str, ts: str, **kw: Any) -> httpx.Response:
        """Click ``action_id`` (Use this, Edit) on the proposal at ``ts`` in the card's thread."""
        payload = block_actions(
            action_id=action_id,
            value=str(item_id),
            channel=CHANNEL,
            ts=ts,
            thread_ts=self.card_ts(item_id),
            block_id="pulse_proposal",
            **kw,
        )
        return self.send(form(payload))

    def card_ts(self, item_id: int) -> str:
        for msg in self.fake.channel_messages(CHANNEL):
            if blocks.item_id_from_metadata(msg) == item_id:
                return str(msg["ts"])
        raise AssertionError(f"no card for item {item_id}")

    def card(self, item_id: int) -> dict[str, Any]:
        ts = self.card_ts(item_id)
        return next(m for m in self.fake.channel_messages(CHANNEL) if m["ts"] == ts)

    def card_text(self, item_id: int) -> str:
        return json.dumps(self.card(item_id)["blocks"], ensure_ascii=False)

    def decisions(self, item_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(decisions).where(decisions.c.item_id == item_id).order_by(decisions.c.id)
            return [dict(r) for r in conn.execute(q).mappings()]

    def item(self, item_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(items).where(items.c.id == item_id)).mappings().one())

    def post_card(self, **overrides: Any) -> int:
        item_id = add_item(self.engine, **overrides)
        add_prediction(
            self.engine,
            item_id,
            sector="adult_social_care_health",
            sector_confidence=0.91,
            category_confidence=0.55,
            uncertain=True,
        )
        with self.engine.begin() as conn:
            enqueue(conn, item_id, CHANNEL, T0)
        client = make_client(self.settings)
        assert drain(self.engine, client, CHANNEL, sleep=lambda s: None).posted == 1
        return item_id


@contextmanager
def slack_env(
    engine: Engine, tmp_path: Path, reader_settings: ReaderSettings | None = None, **settings: Any
) -> Iterator[Env]:
    """The Slack app behind curator/web.py on a free port, with the fake Slack; ``settings``
    override the Settings (editors, admins, allow_private_networks...); ``reader_settings``:
    how publications are read (a local GOV.UK Content API)."""
    fake = FakeSlack().start()
    fake.users["U1"] = {"id": "U1", "name": "alice", "profile": {"display_name": "Alice"}}
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - id: dhsc\n    publisher: Department of Health and Social Care\n"
        "    kind: feed\n    url: https://www.gov.uk/government/organisations/dhsc.atom\n",
        encoding="utf-8",
    )
    config = Settings(
        **{
            "slack_bot_token": fake.token,
            "slack_signing_secret": SECRET,
            "slack_channel": CHANNEL,
            "slack_api_url": fake.base_url,
            "admins": "UADMIN",
            **settings,
        }
    )
    bolt = build_app(engine, config, sources_file=sources, reader_settings=reader_settings)
    server = WebServer(build_web_app(slack=bolt))
    server.start()
    try:
        yield Env(engine, fake, server, config)
    finally:
        server.stop()
        close_app(bolt)
        fake.stop()


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def wait_until(check: Any, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_card_shows_what_editors_need(env: Env) -> None:
    item_id = env.post_card(title="Care <home> & you", summary="Word " * 1000)
    card = env.card(item_id)
    text = json.dumps(card["blocks"])
    assert "Care &lt;home&gt; &amp; you" in text
    assert "Department of Health and Social Care" in text
    assert "Needs a look" in text and "91%" in text and "55%" in text
    assert card["metadata"]["event_payload"] == {"item_id": item_id}
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    buttons = {e["action_id"]: e for e in actions["elements"] if e["type"] == "button"}
    assert buttons[blocks.ACCEPT]["style"] == "primary"
    assert {e.get("value") for e in buttons.values()} == {str(item_id)}
    selects = [e for e in actions["elements"] if e["type"] == "static_select"]
    assert [s["initial_option"]["value"] for s in selects] == [
        f"{item_id}:adult_social_care_health",
        f"{item_id}:reports",
    ]


def test_accept_records_and_updates_the_card(env: Env) -> None:
    item_id = env.post_card()
    resp = env.click(item_id, blocks.ACCEPT)
    assert resp.status_code == 200
    env.fake.wait_for("chat.update")
    (decision,) = env.decisions(item_id)
    assert (decision["action"], decision["user_id"], decision["user_name"], decision["via"]) == (
        "accept",
        "U1",
        "alice",
        "slack",
    )
    assert decision["sector"] == "adult_social_care_health"
    item = env.item(item_id)
    assert item["status"] == "accepted" and item["edition"]
    text = env.card_text(item_id)
    assert f"Accepted by <@U1> into {item['edition']}" in text
    assert "Adult Social Care and Health · Reports" in text
    assert blocks.UNDO in text and blocks.ACCEPT not in text


def test_accept_uses_the_selects_chosen_on_the_card(env: Env) -> None:
    item_id = env.post_card()
    state = {
        blocks.TRIAGE_BLOCK: {
            blocks.SECTOR: {
                "type": "static_select",
                "selected_option": {"value": f"{item_id}:criminal_justice"},
            },
            blocks.CATEGORY: {
                "type": "static_select",
                "selected_option": {"value": f"{item_id}:briefings"},
            },
        }
    }
    # Changing a select on an undecided card records nothing...
    env.send(
        form(
            block_actions(
                action_id=blocks.SECTOR,
                selected=f"{item_id}:criminal_justice",
                channel=CHANNEL,
                ts=env.card_ts(item_id),
            )
        )
    )
    assert env.decisions(item_id) == []
    # ...Accept reads the chosen values from the card's state: one click.
    env.click(item_id, blocks.ACCEPT, state=state)
    env.fake.wait_for("chat.update")
    item = env.item(item_id)
    assert (item["sector"], item["category"]) == ("criminal_justice", "briefings")
    assert "Criminal Justice · Briefings" in env.card_text(item_id)


def test_relabel_on_an_accepted_card(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.ACCEPT)
    env.fake.wait_for("chat.update")
    env.send(
        form(
            block_actions(
                action_id=blocks.CATEGORY,
                selected=f"{item_id}:tools_guidance",
                channel=CHANNEL,
                ts=env.card_ts(item_id),
            )
        )
    )
    env.fake.wait_for("chat.update", 2)
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "relabel"]
    assert env.item(item_id)["category"] == "tools_guidance"
    assert "Tools and Guidance" in env.card_text(item_id)


def test_two_editors_at_once_first_decision_stands(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.ACCEPT, user="U1", name="alice")
    env.fake.wait_for("chat.update")
    env.click(item_id, blocks.REJECT, user="U2", name="bob")
    (ephemeral,) = [c.params for c in env.fake.wait_for("chat.postEphemeral")]
    assert ephemeral["user"] == "U2" and ephemeral["channel"] == CHANNEL
    assert "accepted by <@U1>" in ephemeral["text"]
    assert [d["action"] for d in env.decisions(item_id)] == ["accept"]
    assert env.item(item_id)["status"] == "accepted"


def test_same_click_delivered_twice_is_recorded_once(env: Env) -> None:
    item_id = env.post_card()
    payload = block_actions(
        action_id=blocks.REJECT,
        value=str(item_id),
        channel=CHANNEL,
        ts=env.card_ts(item_id),
        action_ts="1717405200.000100",
    )
    env.send(form(payload))
    env.send(form(payload))  # Slack retries when it did not see our answer in time
    env.fake.wait_for("chat.update", 2)
    assert [d["action"] for d in env.decisions(item_id)] == ["reject"]
    assert env.fake.calls("chat.postEphemeral") == []
    assert "Rejected by <@U1>" in env.card_text(item_id)


def test_undo_restores_the_card(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.REJECT)
    env.fake.wait_for("chat.update")
    env.click(item_id, blocks.UNDO)
    env.fake.wait_for("chat.update", 2)
    assert [d["action"] for d in env.decisions(item_id)] == ["reject", "undo"]
    assert env.item(item_id)["status"] == "queued"
    text = env.card_text(item_id)
    assert blocks.ACCEPT in text and "Rejected" not in text


def test_edit_modal_records_edit_then_accept(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.EDIT)
    (opened,) = env.fake.wait_for("views.open")
    assert opened.params["trigger_id"].startswith("trigger-")
    view = env.fake.views[0]
    assert view["callback_id"] == blocks.EDIT_MODAL
    assert json.loads(view["private_metadata"])["item_id"] == item_id

    def text(action_id: str, value: str) -> dict[str, Any]:
        return {action_id: {action_id: {"type": "plain_text_input", "value": value}}}

    def chosen(action_id: str, key: str) -> dict[str, Any]:
        option = {"value": f"{item_id}:{key}"}
        return {action_id: {action_id: {"type": "static_select", "selected_option": option}}}

    values = {
        **text(blocks.EDIT_TITLE, "Better title"),
        **text(blocks.EDIT_SUMMARY, "A shorter summary."),
        **text(blocks.EDIT_FINDINGS, "First finding\n\n• Second finding"),
        **chosen(blocks.EDIT_SECTOR, "children_young_people"),
        **chosen(blocks.EDIT_CATEGORY, "briefings"),
    }
    resp = env.send(form(view_submission(view=view, values=values)))
    assert resp.status_code == 200
    env.fake.wait_for("chat.update")
    assert [d["action"] for d in env.decisions(item_id)] == ["edit", "accept"]
    item = env.item(item_id)
    assert item["edited_title"] == "Better title"
    assert item["key_findings"] == ["First finding", "Second finding"]
    assert (item["status"], item["sector"]) == ("accepted", "children_young_people")
    assert "Better title" in env.card_text(item_id)


def test_edit_modal_without_title_is_refused_in_the_modal(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    resp = env.send(form(view_submission(view=env.fake.views[0], values={})))
    assert resp.status_code == 200
    answer = resp.json()
    assert answer["response_action"] == "errors" and blocks.EDIT_TITLE in answer["errors"]
    assert env.decisions(item_id) == []


def modal_values(
    item_id: int,
    texts: dict[str, str],
    sector: str = "children_young_people",
    category: str = "reports",
) -> dict[str, Any]:
    """An Edit modal's ``state.values`` as Slack submits them: ``texts`` by input action id,
    and the sector and category selects."""
    values: dict[str, Any] = {
        action: {action: {"type": "plain_text_input", "value": value}}
        for action, value in texts.items()
    }
    for action_id, key in ((blocks.EDIT_SECTOR, sector), (blocks.EDIT_CATEGORY, category)):
        option = {"value": f"{item_id}:{key}"}
        values[action_id] = {action_id: {"type": "static_select", "selected_option": option}}
    return values


def test_the_edit_modal_changes_the_publisher_the_edition_prints(env: Env) -> None:
    item_id = env.post_card(publisher="NSPCC Learning")
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    view = env.fake.views[0]
    [field] = [b for b in view["blocks"] if b["block_id"] == blocks.EDIT_PUBLISHER]
    assert field["element"]["initial_value"] == "NSPCC Learning"

    def submit(publisher: str) -> dict[str, Any]:
        texts = {
            blocks.EDIT_TITLE: "A title",
            blocks.EDIT_PUBLISHER: publisher,
            blocks.EDIT_SUMMARY: "A summary.",
        }
        values = modal_values(item_id, texts)
        resp = env.send(form(view_submission(view=view, values=values)))
        return resp.json() if resp.content else {}

    refused = submit("  ")
    assert refused["errors"] == {blocks.EDIT_PUBLISHER: "An item needs a publisher."}
    assert submit("NSPCC and Baringa") == {}
    env.fake.wait_for("chat.update")
    assert env.item(item_id)["edited_publisher"] == "NSPCC and Baringa"
    assert env.item(item_id)["publisher"] == "NSPCC Learning"
    assert env.decisions(item_id)[0]["edits"]["publisher"] == "NSPCC and Baringa"
    assert "NSPCC and Baringa" in env.card_text(item_id)


def test_edit_modal_with_a_blank_summary_is_refused_in_the_modal(env: Env) -> None:
    # Slack's required field takes white space; saved, it brought the feed's summary back
    item_id = env.post_card()
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    values = modal_values(
        item_id, {blocks.EDIT_TITLE: "A title", blocks.EDIT_SUMMARY: " \n "}, "criminal_justice"
    )
    resp = env.send(form(view_submission(view=env.fake.views[0], values=values)))
    answer = resp.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [blocks.EDIT_SUMMARY]  # title, sector, category are fine
    assert env.decisions(item_id) == []


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned"])
def test_bad_signatures_are_refused_and_nothing_is_recorded(env: Env, how: str) -> None:
    item_id = env.post_card()
    body = form(
        block_actions(
            action_id=blocks.ACCEPT, value=str(item_id), channel=CHANNEL, ts=env.card_ts(item_id)
        )
    )
    if how == "forged":
        resp = env.send(body, secret="not-the-secret")
    elif how == "stale":
        resp = env.send(body, timestamp=int(time.time()) - 6 * 60)
    else:
        resp = httpx.post(
            env.url,
            content=body,
            timeout=5,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert resp.status_code == 401
    time.sleep(0.2)
    assert env.decisions(item_id) == []
    assert env.fake.calls("chat.update") == []


def pulse_reply(
    env: Env, text: str, user: str = "U1", *, channel: str = CHANNEL, channel_name: str = "pulse"
) -> dict[str, Any]:
    """Send ``/pulse text`` and return what the app sent to the response_url."""
    before = len(env.fake.responses)
    url = env.fake.response_url(f"r{time.time_ns()}")
    command = slash_command(
        text, response_url=url, user=user, channel=channel, channel_name=channel_name
    )
    resp = env.send(command)
    assert resp.status_code == 200
    wait_until(lambda: len(env.fake.responses) > before)
    return env.fake.responses[-1]


def test_pulse_status(env: Env, tmp_path: Path) -> None:
    add_item(env.engine)
    env.post_card()
    now = datetime.now(UTC)
    stuck = add_item(env.engine)
    # What sources.yaml watches now: "paused" was disabled and "dropped" removed after they
    # broke; their state stays in the database, and /pulse status no longer lists them.
    write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": i,
                "publisher": i,
                "url": f"https://{i}.example/",
                "enabled": i != "paused",
                # expected to publish every week: 10 days without is quiet
                **({"quiet_after": "7d"} if i == "weekly" else {}),
            }
            for i in ("ok", "broken", "sleepy", "weekly", "blip", "refused", "paused")
        ],
    )
    with env.engine.begin() as conn:
        for source_id, failures, blocks, error in (
            ("ok", 0, 0, None),
            ("broken", 4, 0, "HTTP 503 from b.example\nmore"),
            ("sleepy", 0, 0, None),
            ("weekly", 0, 0, None),
            ("blip", 1, 0, "HTTP 502 from blip.example"),
            ("refused", 3, 3, "HTTP 403 from r.example"),
            ("paused", 5, 0, "HTTP 404 from p.example"),
            ("dropped", 6, 0, "HTTP 410 from d.example"),
        ):
            conn.execute(
                source_state.insert().values(
                    source_id=source_id,
                    url=f"https://{source_id}.example/",
                    consecutive_failures=failures,
                    consecutive_blocks=blocks,
                    last_error=error,
                    last_checked_at=now - timedelta(hours=1),
                    last_ok_at=now - timedelta(hours=2),
                    # first seen lately, which /pulse status once judged by: not quiet then
                    last_new_item_at=now - timedelta(days=1),
                )
            )
        conn.execute(
            outbox.insert().values(
                item_id=stuck,
                channel=CHANNEL,
                status="pending",
                attempts=3,
                last_error="not_in_channel",
                created_at=now,
                next_attempt_at=now + timedelta(hours=1),
            )
        )
    # Their publications, first seen yesterday: "sleepy"'s newest was published 90 days ago.
    for source_id, age in (("ok", 3), ("sleepy", 90), ("weekly", 10), ("blip", 3), ("paused", 90)):
        add_item(
            env.engine,
            source_id=source_id,
            status="new",
            lane="quiet",
            first_seen_at=now - timedelta(days=1),
            published_at=now - timedelta(days=age),
        )
    answer = pulse_reply(env, "status")
    text = answer["text"]
    assert "1 card waiting to be posted" in text
    assert "3 candidates waiting for an editor" in text
    assert "0 decisions this month" in text
    # curator sources status's judgement, and its words: quiet by the newest publication
    # against quiet_after; failing after 2 failures in a row (one is not news); blocked
    assert "*Source problems* (1 failing, 1 blocked, 2 quiet, of 6 watched; details: " in text
    assert "• `broken` (failing): 4 failures in a row: HTTP 503 from b.example\n" in text
    assert "more" not in text.split("`broken`")[1].split("\n")[0]
    assert "• `refused` (blocked): refused automated clients 3 polls in a row" in text
    assert (
        "• `sleepy` (quiet): nothing new for 90 days (expected within 60 days): check the "
        "site has not moved\n" in text
    )
    assert "• `weekly` (quiet): nothing new for 10 days (expected within 7 days)" in text
    assert "`ok`" not in text and "`blip`" not in text
    assert "`paused`" not in text and "`dropped`" not in text
    assert f"item {stuck} after 3 attempts: `not_in_channel`" in text
    assert answer["response_type"] == "ephemeral"


def test_pulse_sources_list_and_admin_only_changes(
    env: Env, tmp_path: Path, server: LocalServer
) -> None:
    sources = tmp_path / "sources.yaml"
    before = sources.read_text(encoding="utf-8")
    assert "`dhsc`" in pulse_reply(env, "sources")["text"]

    assert "only admins" in pulse_reply(env, "sources disable dhsc", user="U1")["text"]
    assert sources.read_text(encoding="utf-8") == before

    feed = server.add("/feed/", atom([FeedItem("Research: A report", "https://e.org/r")]))
    added = pulse_reply(env, f"sources add {feed} Example Trust", "UADMIN")
    assert "Added source" in added["text"]
    text = sources.read_text(encoding="utf-8")
    assert feed in text and "Example Trust" in text

    # as Slack sends them: a link's & escaped, a publisher's too
    other = server.add("/other/", atom([FeedItem("Research: B report", "https://e.org/b")]))
    added = pulse_reply(env, f"sources add <{other}?a=1&amp;b=2> Kin &amp; Care Trust", "UADMIN")
    assert "Added source" in added["text"], added["text"]
    text = sources.read_text(encoding="utf-8")
    assert f"{other}?a=1&b=2" in text and "Kin & Care Trust" in text and "&amp;" not in text

    refused = pulse_reply(env, "sources add https://www.gov.uk/search/all.atom", "UADMIN")
    assert "robots.txt" in refused["text"]

    disabled = pulse_reply(env, "sources disable dhsc", "UADMIN")["text"]
    assert disabled == (  # curator sources disable's words (one curator.sources.toggle)
        f"Disabled 'dhsc' in {sources}: it is not checked from the next poll (a running "
        "curator run reloads the file by itself); its items and history are kept."
    )
    assert "enabled: false" in sources.read_text(encoding="utf-8")
    # and on again (it took an edit by hand): only admins, as curator sources enable says it
    assert "only admins" in pulse_reply(env, "sources enable dhsc", user="U1")["text"]
    enabled = pulse_reply(env, "sources enable dhsc", "UADMIN")["text"]
    assert enabled.startswith(f"Enabled 'dhsc' in {sources}: its next poll reads it afresh")
    assert "enabled: true" in sources.read_text(encoding="utf-8")


def test_pulse_draft_uploads_the_files_and_says_what_is_left_to_do(env: Env) -> None:
    from curator.store.decisions import Actor, decide

    editor = Actor("U1", "alice")
    when = datetime(2024, 6, 3, tzinfo=UTC)
    whole = add_item(env.engine, title="Female Offender strategy", summary="A full summary.")
    empty = add_item(env.engine, title="Building bridges", summary="")
    cut = add_item(
        env.engine,
        title="Hospital discharge",
        summary="The review found delays. It looks at the role of the care transfer hub…",
    )
    for item_id in (whole, empty, cut):
        decide(env.engine, item_id, "accept", editor, sector="criminal_justice", now=when)

    answer = pulse_reply(env, "draft 2024-06")["text"]
    assert answer == (
        "Uploaded the draft of edition 2024-06 (3 items); marked in it, to finish before "
        "publishing: 1 with a summary to write, 1 with a summary cut off by the feed."
    )
    uploads = env.fake.uploads.values()
    assert sorted(len(u) > 0 for u in uploads) == [True, True]
    html = next(u for u in uploads if u.lstrip().startswith(b"<"))
    assert b"Summary cut off by the feed" in html and b"Female Offender strategy" in html
    (complete,) = env.fake.calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == CHANNEL

    # a report from two years before, added by its link: said apart, as nothing marks it
    old = add_item(
        env.engine, title="Care Act 2014", published_at=datetime(2022, 6, 4, 8, tzinfo=UTC)
    )
    decide(env.engine, old, "accept", editor, sector="criminal_justice", now=when)
    answer = pulse_reply(env, "draft 2024-06")["text"]
    assert "marked in it, to finish before publishing: 1 with a summary to write" in answer
    assert answer.endswith(
        "\nTo check: 'Department of Health and Social Care. Care Act 2014.': published "
        "4 Jun 2022, not in June 2024 or the month before."
    )

    assert pulse_reply(env, "draft 2024-09")["text"].startswith(
        "Sorry, that did not work: no edition 2024-09"
    )
    assert len(env.fake.calls("files.completeUploadExternal")) == 2


def test_pulse_draft_says_what_the_draft_warns_of(env: Env) -> None:
    from sqlalchemy import update

    from curator.store.decisions import Actor, decide
    from curator.store.schema import items

    when = datetime(2024, 6, 3, tzinfo=UTC)
    item_id = add_item(env.engine, title="Kinship care", summary="A full summary.")
    decide(env.engine, item_id, "accept", Actor("U1", "alice"), sector="criminal_justice", now=when)
    with env.engine.begin() as conn:  # a sector no release knows (a hand edit, an old value)
        conn.execute(update(items).where(items.c.id == item_id).values(sector="youth_work"))
    answer = pulse_reply(env, "draft 2024-06")["text"]
    assert answer.startswith("Uploaded the draft of edition 2024-06 (1 item).")
    assert f"\nTo check: item {item_id} has no known sector ('youth_work')." in answer


def test_pulse_draft_names_a_publication_that_could_not_be_read(env: Env) -> None:
    from curator.store.decisions import Actor, decide
    from curator.store.proposals import NewProposal, save_proposal

    when = datetime(2024, 6, 3, tzinfo=UTC)
    item_id = add_item(env.engine, title="Kinship care", summary="The feed's summary.")
    decide(env.engine, item_id, "accept", Actor("U1", "alice"), sector="criminal_justice", now=when)
    with env.engine.begin() as conn:
        save_proposal(conn, item_id, NewProposal(url="x", error="PdfNoText: scanned"), when)
    answer = pulse_reply(env, "draft 2024-06")["text"]
    assert answer.endswith(
        "\nTo check: 'Department of Health and Social Care. Kinship care.': its publication "
        "could not be read (PdfNoText: scanned)."
    )


def test_pulse_draft_of_an_edition_without_items_uploads_nothing(env: Env) -> None:
    answer = pulse_reply(env, "draft")["text"]
    assert answer.startswith("Nothing to draft: no accepted items in edition ")
    assert env.fake.calls("files.getUploadURLExternal") == []


def test_pulse_help(env: Env) -> None:
    text = pulse_reply(env, "")["text"]
    assert "/pulse status" in text and "/pulse sources add" in text


def test_two_editors_clicking_at_the_same_moment(env: Env) -> None:
    item_id = env.post_card()
    ts = env.card_ts(item_id)
    bodies = [
        form(
            block_actions(
                action_id=action, value=str(item_id), channel=CHANNEL, ts=ts, user=user, name=name
            )
        )
        for action, user, name in ((blocks.ACCEPT, "U1", "alice"), (blocks.REJECT, "U2", "bob"))
    ]
    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(lambda b: env.send(b).status_code, bodies))
    assert codes == [200, 200]
    env.fake.wait_for("chat.postEphemeral")
    env.fake.wait_for("chat.update", 2)
    (decision,) = env.decisions(item_id)
    (ephemeral,) = [c.params for c in env.fake.calls("chat.postEphemeral")]
    loser = "U2" if decision["user_id"] == "U1" else "U1"
    assert ephemeral["user"] == loser
    assert f"by <@{decision['user_id']}>" in ephemeral["text"]


def test_decisions_recorded_from_slack_are_counted(env: Env) -> None:
    item_id = env.post_card()
    env.click(item_id, blocks.ACCEPT)
    env.fake.wait_for("chat.update")
    with env.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar_one() == 1


def test_editor_name_comes_from_users_info_when_the_payload_has_none(env: Env) -> None:
    item_id = env.post_card()
    payload = block_actions(
        action_id=blocks.REJECT, value=str(item_id), channel=CHANNEL, ts=env.card_ts(item_id)
    )
    payload["user"] = {"id": "U1", "team_id": "T0FAKE"}
    env.send(form(payload))
    env.fake.wait_for("chat.update")
    assert env.fake.calls("users.info")[0].params["user"] == "U1"
    assert env.decisions(item_id)[0]["user_name"] == "Alice"


def test_ack_comes_before_the_slow_work(env: Env) -> None:
    item_id = env.post_card()
    env.fake.delay("chat.update", 1.5)  # Slack is slow to update the card
    started = time.monotonic()
    resp = env.click(item_id, blocks.ACCEPT)
    assert resp.status_code == 200
    assert time.monotonic() - started < 1.0  # answered before the work was done
    wait_until(lambda: len(env.decisions(item_id)) == 1)
    time.sleep(max(0.0, started + 1.7 - time.monotonic()))  # let the slow update finish


def test_a_proposal_modal_opened_before_the_publisher_field_keeps_the_edited_publisher(
    env: Env,
) -> None:
    # An Edit modal from a proposal, opened before the Publisher field shipped, has no such
    # block: saving it must not read the missing field as "reset the editors' publisher"
    from curator.store.decisions import Actor, decide

    item_id = env.post_card(publisher="NSPCC Learning")
    decide(env.engine, item_id, "accept", Actor("U1", "alice", "slack"))
    decide(env.engine, item_id, "edit", Actor("U1", "alice", "slack"), edits={"publisher": "J"})
    env.click(item_id, blocks.EDIT)
    env.fake.wait_for("views.open")
    view = dict(env.fake.views[0])
    view["blocks"] = [b for b in view["blocks"] if b["block_id"] != blocks.EDIT_PUBLISHER]
    meta = json.loads(view["private_metadata"])
    view["private_metadata"] = json.dumps({**meta, "proposal_ts": "1.000001"})
    values = modal_values(item_id, {blocks.EDIT_TITLE: "A title", blocks.EDIT_SUMMARY: "New."})
    resp = env.send(form(view_submission(view=view, values=values)))
    assert not resp.content or "errors" not in resp.json()
    wait_until(lambda: len(env.decisions(item_id)) == 4, 10)
    assert env.item(item_id)["edited_summary"] == "New."
    assert env.item(item_id)["edited_publisher"] == "J"
    assert "publisher" not in env.decisions(item_id)[-2]["edits"]
