"""An editor's own text saved while the publication is still being read (a large report PDF
takes seconds) is newer than what that reading proposes: Use this on the proposal is refused
rather than writing over the text. The real reader (fetcher, parser) reads a loopback server
whose report PDF is answered only once the edit is saved. Read again, the proposal can be used;
a reading again that proposes nothing keeps the earlier proposal, still superseded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from curator.items.propose import Reader, propose_for_item
from curator.parse.pool import ParsePool
from curator.slack import blocks
from curator.store.decisions import Actor, ProposalSuperseded, decide
from curator.store.schema import decisions, items
from tests.support.enrich import ENRICH, load_case, serve
from tests.support.factories import add_item
from tests.support.fetching import LOOPBACK_ONLY
from tests.support.httpserver import LocalServer, Route
from tests.test_slack_add import govuk, thread
from tests.test_slack_app import Env, slack_env, wait_until
from tests.test_slack_keeps_text import submit_modal

pytestmark = pytest.mark.storage
BEN = Actor("ben", "ben", "cli")
ANA = Actor("U1", "ana", "slack")
OWN = "The summary Ben wrote."
SLOW = 20.0  # seconds a reading may take on a busy machine
PDF = "/sites/default/files/documents/care-act-2014-10-years-on.pdf"


def serve_report(server: LocalServer) -> str:
    """A landing page leading to its report PDF (served as is); the page's URL."""
    return serve(server, load_case(ENRICH / "cases" / "drupal-landing-page-to-pdf.json"))


def report(server: LocalServer, engine: Engine) -> int:
    """An accepted item for the report :func:`serve_report` serves."""
    url = serve_report(server)
    item_id = add_item(engine, url=url, canonical_url=url.replace("http://", "https://"))
    decide(engine, item_id, "accept", BEN, sector="adult_social_care_health")
    return item_id


def answer(req: Any, route: Route) -> None:
    req.send_response(200)
    for k, v in route.headers.items():
        req.send_header(k, v)
    req.send_header("Content-Length", str(len(route.body)))
    req.end_headers()
    req.wfile.write(route.body)


def summary_of(engine: Engine, item_id: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(items.c.edited_summary).where(items.c.id == item_id)).scalar()


def edited_at(engine: Engine, item_id: int) -> datetime:
    with engine.connect() as conn:
        at: datetime = conn.execute(
            select(decisions.c.created_at).where(
                decisions.c.item_id == item_id, decisions.c.action == "edit"
            )
        ).scalar_one()
    return at


@pytest.fixture
def reader() -> Iterator[Reader]:
    with ParsePool(1, timeout=30) as pool:
        yield Reader(LOOPBACK_ONLY, pool)


def test_an_edit_saved_while_the_report_was_read_supersedes_its_proposal(
    server: LocalServer, engine: Engine, reader: Reader
) -> None:
    item_id = report(server, engine)
    pdf = server.routes[PDF]

    def edit_then_answer(req: Any) -> None:
        # the landing page was read; the PDF is still coming when Ben saves his summary
        decide(engine, item_id, "edit", BEN, edits={"summary": OWN})
        answer(req, pdf)

    server.add(PDF, handler=edit_then_answer)
    started = datetime.now(UTC)
    reading = propose_for_item(engine, reader, item_id)
    saved = datetime.now(UTC)
    stored = reading.stored
    assert reading.not_kept is None and stored.summary and len(stored.key_findings) == 6

    with pytest.raises(ProposalSuperseded, match="older than the text ben saved"):
        decide(engine, item_id, "use_proposal", ANA)
    assert summary_of(engine, item_id) == OWN
    assert started <= stored.created_at < edited_at(engine, item_id) < saved

    # read again, and the page has broken since: the earlier proposal is kept, still refused
    server.add(PDF, "gone", status=404)
    server.add(urlsplit(stored.url).path, "gone", status=404)
    again = propose_for_item(engine, reader, item_id)
    assert again.not_kept and "HTTP 404" in again.not_kept
    assert again.stored == stored
    with pytest.raises(ProposalSuperseded):
        decide(engine, item_id, "use_proposal", ANA)
    assert summary_of(engine, item_id) == OWN

    # curator item propose ID once the page is back: read after the edit, it can be used
    assert serve_report(server) == stored.url
    fresh = propose_for_item(engine, reader, item_id).stored
    assert fresh.created_at > edited_at(engine, item_id)
    assert decide(engine, item_id, "use_proposal", ANA).result == "recorded"
    assert summary_of(engine, item_id) == fresh.summary != OWN


def test_an_edit_saved_before_the_reading_began_does_not(
    server: LocalServer, engine: Engine, reader: Reader
) -> None:
    item_id = report(server, engine)
    decide(engine, item_id, "edit", BEN, edits={"summary": OWN})
    stored = propose_for_item(engine, reader, item_id).stored
    assert decide(engine, item_id, "use_proposal", ANA).result == "recorded"
    assert summary_of(engine, item_id) == stored.summary


# --- in Slack: the proposal read after Accept, an Edit saved while it was read ----------------


@pytest.fixture
def env(engine: Engine, tmp_path: Path, server: LocalServer) -> Iterator[Env]:
    with slack_env(engine, tmp_path, govuk(server), parse_workers=0) as started:
        yield started


def test_in_slack_use_this_on_a_proposal_read_while_an_editor_edited_writes_nothing(
    env: Env, server: LocalServer
) -> None:
    url = serve_report(server)
    pdf = server.routes[PDF]
    reading, edited = threading.Event(), threading.Event()

    def held(req: Any) -> None:  # a large PDF: still downloading until the edit is saved
        reading.set()
        edited.wait(SLOW)
        answer(req, pdf)

    server.add(PDF, handler=held)
    item_id = env.post_card(
        title="Care Act 10 years on", url=url, canonical_url=url.replace("http://", "https://")
    )
    card_ts = env.card_ts(item_id)
    env.click(item_id, blocks.ACCEPT)
    assert reading.wait(SLOW)
    submit_modal(env, item_id, **{blocks.EDIT_SUMMARY: OWN})  # alice, from the card
    edited.set()
    wait_until(lambda: len(thread(env, card_ts)) == 1, SLOW)
    (proposal,) = thread(env, card_ts)
    assert blocks.USE_PROPOSAL in str(proposal["blocks"])

    env.click_proposal(item_id, blocks.USE_PROPOSAL, proposal["ts"], user="U2", name="bob")
    told = env.fake.wait_for("chat.postEphemeral")[-1].params
    assert told["user"] == "U2"
    assert str(told["text"]).startswith(
        "Nothing changed: <@U1> saved their own text for “Care Act 10 years on” on "
    )
    assert "while or after this was read from the publication" in str(told["text"])
    assert env.item(item_id)["edited_summary"] == OWN
    assert [d["action"] for d in env.decisions(item_id)] == ["accept", "edit"]
