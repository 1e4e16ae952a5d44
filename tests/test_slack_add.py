"""Adding by link and proposals in Slack: `/pulse add URL`, the Add to Pulse message shortcut,
the proposal read after Accept and posted in the card's thread, Use this and Edit. Signed
requests to the real server (curator/web.py), the fake Slack Web API, publications on a
loopback server read by the real fetcher and parser."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from curator.edition.service import build_edition, render
from curator.enrich import ReaderSettings
from curator.records import ADDED_BY_LINK
from curator.slack import blocks
from curator.slack.expiry import expire
from curator.slack.outbox import make_client
from curator.store.schema import item_proposals, items
from tests.support.enrich import ENRICH, load_case, serve
from tests.support.factories import add_item
from tests.support.fake_slack import block_actions, form, message_shortcut, view_submission
from tests.support.httpserver import LocalServer
from tests.test_slack_app import CHANNEL, T0, Env, slack_env, wait_until

pytestmark = pytest.mark.storage
EDITOR, OUTSIDER = "UEDITOR", "U1"
SLOW = 20.0  # seconds a background read may take on a busy machine


def text_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def govuk(server: LocalServer) -> ReaderSettings:
    """Read the loopback server as GOV.UK (its Content API answers under /api/content)."""
    return ReaderSettings(govuk_hosts=frozenset({urlsplit(server.base_url).netloc}))


def case_url(server: LocalServer, name: str) -> str:
    return serve(server, load_case(ENRICH / "cases" / f"{name}.json"))


@pytest.fixture
def env(engine: Engine, tmp_path: Path, server: LocalServer) -> Iterator[Env]:
    with slack_env(engine, tmp_path, govuk(server), parse_workers=0) as started:
        yield started


def answers(env: Env, count: int) -> list[str]:
    """The texts of the first ``count`` answers the app sent to response URLs."""
    wait_until(lambda: len(env.fake.responses) >= count, SLOW)
    assert all(r["response_type"] == "ephemeral" for r in env.fake.responses)
    return [str(r["text"]) for r in env.fake.responses[:count]]


def send_pulse(env: Env, text: str, user: str = "U1", channel: str = CHANNEL) -> None:
    from tests.support.fake_slack import slash_command

    url = env.fake.response_url(f"r{time.time_ns()}")
    command = slash_command(text, response_url=url, user=user, channel=channel)
    assert env.send(command).status_code == 200


def thread(env: Env, card_ts: str) -> list[dict[str, Any]]:
    return [m for m in env.fake.channel_messages(CHANNEL) if m.get("thread_ts") == card_ts]


def item_row(env: Env) -> dict[str, Any]:
    with env.engine.connect() as conn:
        return dict(conn.execute(select(items)).mappings().one())


def test_pulse_add_reads_the_link_posts_its_card_and_the_proposal_in_its_thread(
    engine: Engine, tmp_path: Path, server: LocalServer
) -> None:
    url = case_url(server, "govuk-html-publication-recommendations")
    # the parser process, as in production
    with slack_env(engine, tmp_path, govuk(server)) as env:
        send_pulse(env, f"add <{url}>")
        first, done = answers(env, 2)
        assert first.startswith("Reading ")
        row = item_row(env)
        assert (row["source_id"], row["status"]) == (ADDED_BY_LINK, "queued")
        assert row["publisher"] == "Ofsted and Care Quality Commission"  # GOV.UK organisations
        assert f"Added *Ofsted and Care Quality Commission. {row['title']}* as item" in done
        assert f"in <#{CHANNEL}> with a summary and 6 key findings proposed in its thread" in done
        card_ts = env.card_ts(row["id"])
        (reply,) = thread(env, card_ts)
        text = text_of(reply["blocks"])
        assert "Ofsted and Care Quality Commission recommend:" in text
        assert "The Start for Life programme be made available" in text
        assert blocks.USE_PROPOSAL in text and blocks.EDIT_PROPOSAL in text
        assert "2. Recommendations" in text  # where it came from

        send_pulse(env, f"add {url}?utm_campaign=x")
        again = answers(env, 4)[3]
        assert f"Already in Pulse: *Ofsted and Care Quality Commission. {row['title']}*" in again
        assert f"(item {row['id']}, queued)" in again
        assert len(env.fake.channel_messages(CHANNEL)) == 2  # no second card


def test_pulse_add_answers_what_went_wrong(env: Env, server: LocalServer) -> None:
    send_pulse(env, "add")
    assert "Use `/pulse add URL`" in answers(env, 1)[0]
    send_pulse(env, f"add {server.url('/gone')}")
    last = answers(env, 3)[2]
    assert "Not added, the page could not be read" in last and "HTTP 404" in last
    with env.engine.connect() as conn:
        assert conn.execute(select(items)).all() == []


def test_use_this_records_a_decision_and_the_draft_prints_it_unmarked(
    env: Env, server: LocalServer
) -> None:
    url = case_url(server, "govuk-html-publication-recommendations")
    send_pulse(env, f"add {url}")
    answers(env, 2)
    item_id = item_row(env)["id"]
    card_ts = env.card_ts(item_id)
    env.click(item_id, blocks.ACCEPT)
    env.fake.wait_for("chat.update")
    assert "[PROPOSED: " in _html(env)  # accepted, the proposal not used yet: marked

    (reply,) = thread(env, card_ts)
    click = block_actions(
        action_id=blocks.USE_PROPOSAL,
        value=str(item_id),
        channel=CHANNEL,
        ts=reply["ts"],
        thread_ts=card_ts,
        block_id="pulse_proposal",
    )
    assert env.send(form(click)).status_code == 200
    env.fake.wait_for("chat.update", 3)  # the proposal, then the card
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "use_proposal"]
    used = env.decisions(item_id)[1]
    assert (used["user_id"], used["via"]) == ("U1", "slack")
    assert used["edits"]["lead_in"] == "Ofsted and Care Quality Commission recommend:"
    (reply,) = thread(env, card_ts)
    assert "Used by <@U1>" in text_of(reply["blocks"])
    assert blocks.USE_PROPOSAL not in text_of(reply["blocks"])
    card = env.card_text(item_id)
    assert "Ofsted and Care Quality Commission recommend:" in card
    assert "The Start for Life programme be made available" in card

    html = _html(env)
    assert "PROPOSED" not in html
    assert "Ofsted and Care Quality Commission recommend:" in html
    assert "The Start for Life programme be made available" in html


def _html(env: Env) -> str:
    edition = item_row(env)["edition"]
    return render(build_edition(env.engine, edition), "html").decode()


def test_edit_opens_the_modal_filled_with_the_proposal(env: Env, server: LocalServer) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    send_pulse(env, f"add {url}")
    answers(env, 2)
    item_id = item_row(env)["id"]
    card_ts = env.card_ts(item_id)
    (reply,) = thread(env, card_ts)
    click = block_actions(
        action_id=blocks.EDIT_PROPOSAL,
        value=str(item_id),
        channel=CHANNEL,
        ts=reply["ts"],
        thread_ts=card_ts,
        block_id="pulse_proposal",
    )
    env.send(form(click))
    env.fake.wait_for("views.open")
    view = env.fake.views[0]
    fields = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    with env.engine.connect() as conn:
        proposed = conn.execute(select(item_proposals)).mappings().one()
    assert fields[blocks.EDIT_SUMMARY] == proposed["summary"]
    assert fields[blocks.EDIT_FINDINGS] == "\n".join(proposed["key_findings"])
    assert fields[blocks.EDIT_LEAD_IN] == "Key findings include:"
    meta = json.loads(view["private_metadata"])
    assert (meta["ts"], meta["proposal_ts"]) == (card_ts, reply["ts"])

    def text(action_id: str, value: str) -> dict[str, Any]:
        return {action_id: {action_id: {"type": "plain_text_input", "value": value}}}

    def chosen(action_id: str, key: str) -> dict[str, Any]:
        option = {"value": f"{item_id}:{key}"}
        return {action_id: {action_id: {"type": "static_select", "selected_option": option}}}

    values = {
        **text(blocks.EDIT_TITLE, "Care Act 2014: ten years on"),
        **text(blocks.EDIT_SUMMARY, "A survey of lead members for adult social care."),
        **text(blocks.EDIT_FINDINGS, fields[blocks.EDIT_FINDINGS].split("\n")[0]),
        **text(blocks.EDIT_LEAD_IN, "The LGA found:"),
        **chosen(blocks.EDIT_SECTOR, "adult_social_care_health"),
        **chosen(blocks.EDIT_CATEGORY, "reports"),
    }
    assert env.send(form(view_submission(view=view, values=values))).status_code == 200
    env.fake.wait_for("chat.update", 2)
    assert [d["action"] for d in env.decisions(item_id)] == ["edit", "accept"]
    row = item_row(env)
    assert (row["edited_lead_in"], row["status"]) == ("The LGA found:", "accepted")
    (reply,) = thread(env, card_ts)
    assert "Edited by <@U1>" in text_of(reply["blocks"])
    html = _html(env)
    assert "The LGA found:" in html and "PROPOSED" not in html


def test_the_message_shortcut_adds_each_link_of_the_message(env: Env, server: LocalServer) -> None:
    one = case_url(server, "drupal-landing-page-to-pdf")
    two = case_url(server, "wordpress-findings-on-page")
    message = {
        "text": f"Two for the digest: <{one}|the LGA report> and <{two}>, "
        "thread at <https://fake.slack.com/archives/C1/p1>",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "link", "url": two, "text": "again"}],
                    }
                ],
            }
        ],
    }
    shortcut = message_shortcut(
        callback_id=blocks.ADD_LINK,
        message=message,
        response_url=env.fake.response_url("shortcut"),
        channel=CHANNEL,
    )
    started = time.monotonic()
    assert env.send(form(shortcut)).status_code == 200
    assert time.monotonic() - started < 2.0  # answered before the pages were read
    first, done = answers(env, 2)
    assert first.startswith("Reading 2 links from that message")
    lines = done.splitlines()
    assert len(lines) == 2 and all(line.startswith("• Added *") for line in lines)
    with env.engine.connect() as conn:
        stored = conn.execute(select(items.c.url, items.c.source_id)).all()
    assert sorted(stored) == sorted([(one, ADDED_BY_LINK), (two, ADDED_BY_LINK)])
    cards = [m for m in env.fake.channel_messages(CHANNEL) if blocks.item_id_from_metadata(m)]
    assert len(cards) == 2


def test_the_shortcut_on_a_message_without_a_link(env: Env) -> None:
    shortcut = message_shortcut(
        callback_id=blocks.ADD_LINK,
        message={"text": "no link here"},
        response_url=env.fake.response_url("shortcut"),
        channel=CHANNEL,
    )
    env.send(form(shortcut))
    assert "holds no web link" in answers(env, 1)[0]


def test_only_editors_may_add(engine: Engine, tmp_path: Path, server: LocalServer) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    with slack_env(engine, tmp_path, editors=EDITOR, parse_workers=0) as env:
        send_pulse(env, f"add {url}", user=OUTSIDER)
        shortcut = message_shortcut(
            callback_id=blocks.ADD_LINK,
            message={"text": f"<{url}>"},
            response_url=env.fake.response_url("shortcut"),
            user=OUTSIDER,
            channel="CELSEWHERE",
        )
        env.send(form(shortcut))
        refusals = answers(env, 2)
        assert all("only the digest's editors" in text for text in refusals), refusals
        time.sleep(0.3)
        assert server.requests == []  # nothing was fetched
        with env.engine.connect() as conn:
            assert conn.execute(select(items)).all() == []
        # an editor's shortcut works from any channel
        shortcut["user"] = {"id": EDITOR, "username": "ed", "name": "ed"}
        env.send(form(shortcut))
        assert answers(env, 4)[3].startswith("• Added *")


def test_without_editors_the_shortcut_works_in_the_channel_only(
    env: Env, server: LocalServer
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    shortcut = message_shortcut(
        callback_id=blocks.ADD_LINK,
        message={"text": f"<{url}>"},
        response_url=env.fake.response_url("shortcut"),
        channel="COTHER",
    )
    env.send(form(shortcut))
    assert f"from <#{CHANNEL}> only" in answers(env, 1)[0]
    assert server.requests == []


# --- a polled card: the proposal is read after Accept ---------------------------------------


def test_accept_reads_the_publication_after_the_ack_and_posts_the_proposal(
    env: Env, server: LocalServer
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    page = server.routes[urlsplit(url).path]

    def slow(req: Any) -> None:
        time.sleep(1.5)  # a slow publisher: the click must not wait for it
        req.send_response(200)
        for k, v in page.headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(page.body)))
        req.end_headers()
        req.wfile.write(page.body)

    server.add(urlsplit(url).path, handler=slow)
    item_id = env.post_card(url=url, canonical_url=url.replace("http://", "https://"))
    card_ts = env.card_ts(item_id)
    assert thread(env, card_ts) == []  # a polled item is not read until it is accepted
    started = time.monotonic()
    assert env.click(item_id, blocks.ACCEPT).status_code == 200
    assert time.monotonic() - started < 1.0  # acked before the page was read
    wait_until(lambda: len(thread(env, card_ts)) == 1, SLOW)
    (reply,) = thread(env, card_ts)
    text = text_of(reply["blocks"])
    assert "care-act-2014-10-years-on.pdf § Key findings" in text  # from the report PDF
    with env.engine.connect() as conn:
        assert conn.execute(select(item_proposals.c.item_id)).scalar_one() == item_id


def test_a_hostile_pdf_fails_only_its_own_item(env: Env, server: LocalServer) -> None:
    locked = server.add(
        "/locked.pdf",
        (ENRICH / "pdfs" / "hostile-encrypted.pdf").read_bytes(),
        headers={"Content-Type": "application/pdf"},
    )
    good = case_url(server, "wordpress-findings-on-page")
    bad_id = env.post_card(url=locked, canonical_url=locked.replace("http://", "https://"))
    good_id = env.post_card(url=good, canonical_url=good.replace("http://", "https://"))
    for item_id in (bad_id, good_id):
        env.click(item_id, blocks.ACCEPT)
    wait_until(lambda: all(thread(env, env.card_ts(i)) for i in (bad_id, good_id)), SLOW)
    (bad,) = thread(env, env.card_ts(bad_id))
    assert "Nothing proposed" in bad["text"] or "Nothing proposed" in text_of(bad["blocks"])
    # In plain words: what happened and what to do, not the exception's name nor the link again.
    said = text_of(bad["blocks"])
    assert (
        ":information_source: Nothing proposed: the publication could not be read: the PDF is "
        "encrypted and needs a password to open; ask the publisher for an open copy or summarise "
        "it by hand. The feed's summary stays; Edit the card to write one."
    ) in said
    assert "PdfEncrypted" not in said and "locked.pdf" not in said
    (ok,) = thread(env, env.card_ts(good_id))
    assert blocks.USE_PROPOSAL in text_of(ok["blocks"])
    # the draft renders both, the feed's summary kept for the one that could not be read
    edition = item_row_of(env, good_id)["edition"]
    for fmt in ("md", "html", "docx"):
        assert render(build_edition(env.engine, edition), fmt)
    md = render(build_edition(env.engine, edition), "md").decode()
    assert "A report on prevention." in md and md.count("[PROPOSED: ") == 1


def item_row_of(env: Env, item_id: int) -> dict[str, Any]:
    with env.engine.connect() as conn:
        return dict(conn.execute(select(items).where(items.c.id == item_id)).mappings().one())


def test_pulse_add_answers_with_the_link_not_slacks_wrapping(env: Env, server: LocalServer) -> None:
    # Slack sends a typed link as <url> or <url|text>: the answer said "Reading <http://…|…>…".
    url = server.url("/gone")
    send_pulse(env, f"add <{url}|{url[7:]}>")
    first, done = answers(env, 2)
    assert first == f"Reading {url}… I will say here what was added."
    assert f"{url}: the server answered HTTP 404" in done
    send_pulse(env, "add care-homes")  # not a link: said at once, nothing is read
    assert answers(env, 3)[2].startswith("Not added: 'care-homes' is not a web link")


def _cards_of(env: Env, item_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in env.fake.channel_messages(CHANNEL)
        if blocks.item_id_from_metadata(m) == item_id and not m.get("thread_ts")
    ]


def test_pulse_add_of_an_expired_card_posts_it_again(env: Env) -> None:
    # It said "its card is in #pulse", but that card said "Expired" and had no buttons, and no
    # new one was posted: the item waited with no card to click.
    item_id = env.post_card()
    expire(env.engine, T0 + timedelta(days=61), 60, make_client(env.settings), sleep=lambda s: None)
    assert env.item(item_id)["lane"] == "quiet"
    send_pulse(env, f"add {env.item(item_id)['url']}")
    done = answers(env, 2)[1]
    assert "Already in Pulse" in done and f"its card is in <#{CHANNEL}>" in done
    old, new = _cards_of(env, item_id)
    assert "Expired after 60 days" in text_of(old["blocks"])
    assert blocks.ACCEPT in text_of(new["blocks"])
    assert (env.item(item_id)["status"], env.item(item_id)["lane"]) == ("queued", "card")


def test_pulse_add_of_a_line_of_the_roll_up_makes_it_a_card(env: Env) -> None:
    # It said "nothing added" and left the item in the roll-up, with no card to accept it on.
    item_id = add_item(env.engine, lane="digest", status="queued")
    send_pulse(env, f"add {env.item(item_id)['url']}")
    done = answers(env, 2)[1]
    assert f"its card is in <#{CHANNEL}>" in done
    (card,) = _cards_of(env, item_id)
    assert blocks.ACCEPT in text_of(card["blocks"])
    assert env.item(item_id)["lane"] == "card"
