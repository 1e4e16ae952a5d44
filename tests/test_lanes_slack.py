"""The lanes in Slack, over HTTP with signed requests and the fake Slack Web API: the digest lane's
daily roll-up (`curator slack post --digest`), Make a card, `/pulse find`, expiry of candidates
nobody decided, and who may make a card."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from curator.cli import cli
from curator.config import Settings, get_settings
from curator.slack import blocks
from curator.slack.digest import post_digest
from curator.slack.expiry import expire
from curator.slack.outbox import make_client
from curator.slack.rollup import item_ids_from_metadata
from curator.store.item_reads import queued_count
from curator.store.schema import digest_messages, items, outbox
from tests.support.factories import add_item, add_prediction
from tests.support.fake_slack import FakeSlack, block_actions, form
from tests.test_slack_app import CHANNEL, T0, Env, pulse_reply, slack_env, wait_until

pytestmark = pytest.mark.storage
EDITOR, OUTSIDER = "UEDITOR", "U1"


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> Iterator[Env]:
    with slack_env(engine, tmp_path) as started:
        yield started


def client_for(slack: FakeSlack, **kw: Any) -> Any:
    return make_client(Settings(slack_bot_token=slack.token, slack_api_url=slack.base_url), **kw)


def digest_item(engine: Engine, **kw: Any) -> int:
    """An item the poll put in the digest lane: queued for the editors, no card in the outbox."""
    item_id = add_item(engine, **{"lane": "digest", "status": "queued", **kw})
    add_prediction(engine, item_id, sector="children_young_people", sector_confidence=0.6)
    return item_id


def roll_ups(slack: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in slack.channel_messages(CHANNEL) if item_ids_from_metadata(m) is not None]


def cards(slack: FakeSlack) -> list[int | None]:
    return [
        blocks.item_id_from_metadata(m)
        for m in slack.channel_messages(CHANNEL)
        if blocks.item_id_from_metadata(m) is not None
    ]


def lines(message: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The roll-up's item lines by item id (the heading left out)."""
    out = {}
    for block in message["blocks"]:
        if block["block_id"].startswith("pulse_line_"):
            out[int(block["block_id"].rsplit("_", 1)[1])] = block
    return out


def button(block: dict[str, Any]) -> dict[str, Any] | None:
    accessory = block.get("accessory")
    return accessory if accessory and accessory.get("type") == "button" else None


def post_digest_command(db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in {
        "CURATOR_DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": slack.base_url,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["slack", "post", "--digest"])
    assert result.exit_code == 0, result.output
    return result.output


def click_promote(
    env: Env, item_id: int, ts: str, user: str = "U1", *, channel: str = CHANNEL
) -> None:
    payload = block_actions(
        action_id=blocks.PROMOTE,
        value=str(item_id),
        channel=channel,
        ts=ts,
        user=user,
        name=user.lower(),
    )
    assert env.send(form(payload)).status_code == 200


def test_slack_post_digest_posts_one_roll_up_whose_make_a_card_posts_the_card_once(
    env: Env, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)  # first seen today: "Also published today"
    listed = [
        digest_item(env.engine, title=f"Early years funding {n}", first_seen_at=now)
        for n in range(3)
    ]
    add_item(env.engine)  # a card: never in the roll-up
    add_item(env.engine, lane="quiet", status="new")  # quiet: never posted
    out = post_digest_command(db_url, env.fake, monkeypatch)
    assert "roll-up: posted 1 message listing 3 items, failed 0" in out

    (message,) = env.fake.channel_messages(CHANNEL)
    assert message["metadata"] == {
        "event_type": "pulse_digest",
        "event_payload": {"item_ids": listed},
    }
    assert message["text"] == "Also published today: 3 publications"
    assert message["blocks"][0]["text"]["text"].startswith("*Also published today* (3 ")
    shown = lines(message)
    assert list(shown) == listed
    for item_id, block in shown.items():
        text = block["text"]["text"]
        assert f"|Early years funding {listed.index(item_id)}>*" in text  # linked title
        assert "Department of Health and Social Care" in text
        assert "Children and Young People's Services" in text  # the predicted sector
        assert button(block) == {
            "type": "button",
            "action_id": "pulse_promote",
            "text": {"type": "plain_text", "text": "Make a card", "emoji": True},
            "value": str(item_id),
        }

    chosen = listed[1]
    click_promote(env, chosen, message["ts"])
    env.fake.wait_for("chat.postMessage", 2)
    env.fake.wait_for("chat.update")
    assert cards(env.fake) == [chosen]
    card = env.card(chosen)
    assert card["metadata"]["event_type"] == "pulse_candidate"
    assert blocks.ACCEPT in json.dumps(card["blocks"])
    item = env.item(chosen)
    assert (item["lane"], item["status"], item["carded_by"]) == ("card", "queued", "U1")
    with env.engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.item_id == chosen)).mappings().one()
    assert (row["status"], row["message_ts"]) == ("posted", card["ts"])
    redrawn = lines(roll_ups(env.fake)[0])
    assert "Made a card by <@U1>" in redrawn[chosen]["text"]["text"]
    assert button(redrawn[chosen]) is None
    assert all(button(redrawn[i]) for i in listed if i != chosen)

    # A second click (or a redelivery) posts nothing again; the line still says who made it.
    click_promote(env, chosen, message["ts"])
    env.fake.wait_for("chat.update", 2)
    time.sleep(0.2)
    assert len(env.fake.calls("chat.postMessage")) == 2
    assert "Made a card by <@U1>" in json.dumps(roll_ups(env.fake)[0]["blocks"])
    # Nothing is listed twice: the next roll-up has nothing to list and posts nothing.
    assert post_digest_command(db_url, env.fake, monkeypatch) == (
        "roll-up: no digest item waiting to be listed; nothing posted\n"
    )
    assert len(env.fake.calls("chat.postMessage")) == 2


def test_forty_one_digest_items_give_two_messages_each_listing_every_item_once(
    engine: Engine, slack: FakeSlack
) -> None:
    listed = [digest_item(engine) for _ in range(41)]
    report = post_digest(engine, client_for(slack), CHANNEL, sleep=lambda s: None)
    assert (report.messages, report.items, report.remaining) == (2, 41, 0)
    first, second = slack.channel_messages(CHANNEL)
    assert item_ids_from_metadata(first) == listed[:40]
    assert item_ids_from_metadata(second) == listed[40:]
    assert len(first["blocks"]) == 41 and len(second["blocks"]) == 2
    assert "part 1 of 2" in first["blocks"][0]["text"]["text"]
    assert "part 2 of 2" in second["blocks"][0]["text"]["text"]
    with engine.connect() as conn:
        unlisted = conn.execute(
            select(func.count()).where(items.c.digest_listed_at.is_(None))
        ).scalar_one()
    assert unlisted == 0


def test_nothing_to_list_posts_nothing(engine: Engine, slack: FakeSlack) -> None:
    add_item(engine)  # a card
    add_item(engine, lane="quiet", status="new")
    digest_item(engine, status="rejected")  # decided before the roll-up
    digest_item(engine, digest_listed_at=T0)  # listed already
    report = post_digest(engine, client_for(slack), CHANNEL)
    assert (report.messages, report.items) == (0, 0)
    assert slack.calls("chat.postMessage") == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digest_messages)).scalar_one() == 0


def test_a_roll_up_posted_before_a_crash_is_found_and_not_posted_again(
    engine: Engine, slack: FakeSlack
) -> None:
    listed = [digest_item(engine) for _ in range(2)]
    # Slack takes the message, but its answer never arrives in time (the process dies waiting).
    slack.fail("chat.postMessage", hang=2, after=True)
    now = datetime.now(UTC)
    report = post_digest(
        engine, client_for(slack, timeout=1, retries=0), CHANNEL, now_fn=lambda: now
    )
    assert (report.messages, report.failed, report.remaining) == (0, 1, 1)
    assert len(slack.channel_messages(CHANNEL)) == 1  # it was posted all the same
    slack.heal()
    later = now + timedelta(minutes=5)
    report = post_digest(engine, client_for(slack), CHANNEL, now_fn=lambda: later)
    assert (report.messages, report.skipped, report.remaining) == (0, 1, 0)
    (message,) = slack.channel_messages(CHANNEL)
    assert item_ids_from_metadata(message) == listed
    assert len(slack.calls("chat.postMessage")) == 1
    with engine.connect() as conn:
        row = conn.execute(select(digest_messages)).mappings().one()
    assert (row["status"], row["message_ts"], row["attempts"]) == ("posted", message["ts"], 2)


def test_only_editors_may_make_a_card(engine: Engine, tmp_path: Path) -> None:
    item_id = digest_item(engine)
    with slack_env(engine, tmp_path, editors=EDITOR) as env:
        post_digest(engine, client_for(env.fake), CHANNEL)
        ts = roll_ups(env.fake)[0]["ts"]
        click_promote(env, item_id, ts, OUTSIDER)
        env.fake.wait_for("chat.postEphemeral")
        (refusal,) = [e["text"] for e in env.fake.ephemerals if e["user"] == OUTSIDER]
        assert "only the digest's editors" in refusal
        time.sleep(0.2)
        assert env.item(item_id)["lane"] == "digest" and cards(env.fake) == []
        assert env.fake.calls("chat.update") == []
        click_promote(env, item_id, ts, EDITOR)
        wait_until(lambda: cards(env.fake) == [item_id])
        assert env.item(item_id)["carded_by"] == EDITOR


def test_pulse_find_returns_a_quiet_item_by_a_word_of_its_title_with_make_a_card(
    env: Env,
) -> None:
    quiet = add_item(env.engine, title="Restraint in secure settings", lane="quiet", status="new")
    add_prediction(env.engine, quiet, relevance=0.31, category="briefings")
    carded = add_item(env.engine, title="Restraint reduction network", lane="card")
    accepted = add_item(
        env.engine, title="Restraint review", lane="card", status="accepted", decided_by="maria"
    )
    reply = pulse_reply(env, "find restraint")
    assert reply["response_type"] == "ephemeral"
    found = {int(b["block_id"].rsplit("_", 1)[1]): b for b in reply["blocks"][1:]}
    assert set(found) == {quiet, carded, accepted}
    text = found[quiet]["text"]["text"]
    assert "Restraint in secure settings" in text and "lane `quiet` · not decided" in text
    assert "· new" not in text  # the stored status, not an editor's word
    assert "Expired" not in text  # quiet from the start: the editors never saw it to let it go
    assert "lane `card` · waiting for an editor" in found[carded]["text"]["text"]
    assert "Briefings" in text and "relevance 0.31" in text
    make = button(found[quiet])
    assert make is not None and make["value"] == str(quiet)
    assert button(found[carded]) is None and "Posted as a card" in found[carded]["text"]["text"]
    assert button(found[accepted]) is None and "Accepted by @maria" in json.dumps(found[accepted])
    assert "3 found" in reply["blocks"][0]["text"]["text"]

    # Make a card from the results: the card is posted, and the editor is told where.
    payload = block_actions(
        action_id=blocks.PROMOTE, value=str(quiet), channel=CHANNEL, ts="1700000000.000009"
    )
    payload["container"]["is_ephemeral"] = True
    assert env.send(form(payload)).status_code == 200
    wait_until(lambda: cards(env.fake) == [quiet])
    env.fake.wait_for("chat.postEphemeral")
    assert f"it is in <#{CHANNEL}> now" in env.fake.ephemerals[-1]["text"]
    assert (env.item(quiet)["lane"], env.item(quiet)["status"]) == ("card", "queued")


def test_pulse_find_shows_ten_and_says_how_many_more(env: Env) -> None:
    for n in range(13):
        add_item(env.engine, title=f"Kinship care guidance {n}", lane="quiet", status="new")
    reply = pulse_reply(env, "find kinship")
    assert "13 found" in reply["blocks"][0]["text"]["text"]
    assert len([b for b in reply["blocks"] if b["block_id"].startswith("pulse_line_")]) == 10
    more = reply["blocks"][-1]["elements"][0]["text"]
    assert "… and 3 more" in more and "`curator find kinship`" in more
    assert "Nothing found" in pulse_reply(env, "find zebra")["text"]
    assert "/pulse find WORDS" in pulse_reply(env, "find")["text"]
    # what Slack sends for "kinship & care" and for a link it made of typed text: the words
    # typed are searched, not "amp" or "http"
    assert "13 found" in pulse_reply(env, "find kinship &amp; care")["blocks"][0]["text"]["text"]
    linked = pulse_reply(env, "find <http://kinship.care|kinship.care> guidance")
    assert "13 found" in linked["blocks"][0]["text"]["text"]
    # The command offered lists the same matches when pasted in a shell: it offered
    # `curator find kinship & care` (a job in the background, then `care`) and
    # `curator find kinship's` (an unclosed quote).
    for typed, command in [
        ("find kinship &amp; care", "`curator find 'kinship &amp; care'`"),
        ("find kinship's guidance", "`curator find 'kinship'\"'\"'s guidance'`"),
        ("find --kinship", "`curator find -- --kinship`"),
        ("find kinship `care`", "`curator find` with the same words"),
    ]:
        more = pulse_reply(env, typed)["blocks"][-1]["elements"][0]["text"]
        assert f"… and 3 more: {command} lists them all" in more, (typed, more)


def test_an_old_undecided_card_expires_to_quiet_and_its_card_says_so(env: Env) -> None:
    old = env.post_card(title="Care leavers' housing")
    fresh = env.post_card(first_seen_at=T0 + timedelta(days=30))
    decided = env.post_card()
    env.click(decided, blocks.REJECT)
    wait_until(lambda: env.item(decided)["status"] == "rejected")
    client = make_client(env.settings)
    now = T0 + timedelta(days=61)
    report = expire(env.engine, now, 60, client, sleep=lambda s: None)
    assert (report.expired, report.redrawn, report.failed) == (1, 1, 0)
    item = env.item(old)
    assert (item["status"], item["lane"]) == ("new", "quiet")
    assert env.item(fresh)["status"] == "queued" and env.item(decided)["status"] == "rejected"
    with env.engine.connect() as conn:
        assert queued_count(conn) == 1
    card = env.card(old)
    text = json.dumps(card["blocks"])
    assert "Expired after 60 days without a decision; find it with /pulse find" in text
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert blocks.ACCEPT in env.card_text(fresh)
    # Nothing more expires the same day; find brings it back as a new card.
    assert expire(env.engine, now, 60, client).expired == 0
    reply = pulse_reply(env, "find leavers")
    (line,) = [b for b in reply["blocks"] if b["block_id"] == f"pulse_line_{old}"]
    assert button(line) is not None and "Expired without a decision" in line["text"]["text"]
    assert "· not decided" in line["text"]["text"] and "· new" not in line["text"]["text"]
    click_promote(env, old, "1700000000.000009")
    wait_until(lambda: cards(env.fake).count(old) == 2)
    assert (env.item(old)["status"], env.item(old)["lane"]) == ("queued", "card")
    # Its age counts from when it was made a card again, not from when it was first seen.
    expire(env.engine, datetime.now(UTC) + timedelta(days=59), 60, client)
    assert env.item(old)["status"] == "queued" and env.item(fresh)["status"] == "new"
    expire(env.engine, datetime.now(UTC) + timedelta(days=61), 60, client)
    assert env.item(old)["status"] == "new"


def test_pulse_status_counts_the_lanes(env: Env) -> None:
    now = datetime.now(UTC)
    add_item(env.engine, lane="card", first_seen_at=now)
    add_item(env.engine, first_seen_at=now)  # queued with no lane: a card
    digest_item(env.engine, first_seen_at=now)
    digest_item(env.engine, first_seen_at=now, digest_listed_at=now)
    add_item(env.engine, lane="quiet", status="new", first_seen_at=now)
    add_item(env.engine, lane="quiet", status="new", first_seen_at=now - timedelta(days=3))
    text = pulse_reply(env, "status")["text"]
    assert (
        "*Lanes*: waiting for an editor: 2 cards, 2 in the digest (1 for the next roll-up) · "
        "first seen in the last 24 hours: 1 card · 2 digest · 1 quiet · 1 with no lane"
    ) in text
    assert "/pulse find" in pulse_reply(env, "help")["text"]


def test_the_new_action_id_and_message_metadata_are_documented() -> None:
    from tests.test_slack_docs import SLACK

    assert "`pulse_promote`" in SLACK and "`pulse_digest`" in SLACK
    for text in ("curator slack post --digest", "/pulse find", "Make a card"):
        assert text in SLACK, text


def test_pulse_find_shows_a_digest_items_small_relevance_and_an_item_without_a_lane(
    env: Env,
) -> None:
    # The digest lane starts near 0.0001: "relevance 0.00" beside lane digest read as a mistake,
    # and "lane `none`" as a lane called none.
    digest = add_item(env.engine, title="Restraint audit", lane="digest", status="new")
    add_prediction(env.engine, digest, relevance=0.00031, category="briefings")
    older = add_item(env.engine, title="Restraint guidance", lane=None, status="new")
    reply = pulse_reply(env, "find restraint")
    found = {int(b["block_id"].rsplit("_", 1)[1]): b for b in reply["blocks"][1:]}
    assert "lane `digest`" in found[digest]["text"]["text"]
    assert "relevance 0.0003" in found[digest]["text"]["text"]
    older_text = found[older]["text"]["text"]
    assert "no lane" in older_text and "`none`" not in older_text
    assert reply["text"].startswith("2 results for")
