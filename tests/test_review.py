"""`curator review`: terminal triage through the same decide() as Slack, driven by stdin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.config import get_settings
from curator.store.schema import decisions, items
from tests.support.factories import add_item, add_prediction

pytestmark = pytest.mark.storage
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


@pytest.fixture
def run(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("USER", "maria")
    get_settings.cache_clear()

    def _run(keys: str, *args: str) -> str:
        result = CliRunner().invoke(cli, ["review", *args], input=keys)
        assert result.exit_code == 0, result.output
        return result.output

    return _run


def candidate(engine: Engine, uncertain: bool = False, **kw: Any) -> int:
    item_id = add_item(engine, **kw)
    add_prediction(
        engine, item_id, sector_confidence=0.7, category_confidence=0.6, uncertain=uncertain
    )
    return item_id


def state(engine: Engine, item_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(items).where(items.c.id == item_id)).mappings().one())


def audit(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        q = select(decisions.c.item_id, decisions.c.action, decisions.c.user_id, decisions.c.via)
        return [tuple(r) for r in conn.execute(q.order_by(decisions.c.id))]


def test_accept_and_reject_from_the_terminal(engine: Engine, run: Any) -> None:
    a = candidate(engine, title="Youth justice statistics", uncertain=True)
    b = candidate(engine)
    out = run("a\nr\n")
    assert "Youth justice statistics" in out and "needs a look" in out
    assert "Criminal Justice (70%)" in out
    assert audit(engine) == [(a, "accept", "maria", "cli"), (b, "reject", "maria", "cli")]
    assert (state(engine, a)["status"], state(engine, a)["sector"]) == (
        "accepted",
        "criminal_justice",
    )
    assert state(engine, b)["status"] == "rejected"
    assert "1 accepted, 1 rejected" in out


def test_change_labels_edit_summary_skip_and_quit(engine: Engine, run: Any) -> None:
    a = candidate(engine)
    b = candidate(engine)
    c = candidate(engine)
    # a: sector 2, category 3, new summary, accept; b: skip; c: quit.
    out = run("s\n2\nc\n3\ne\nShorter summary.\na\nn\nq\n")
    item = state(engine, a)
    assert (item["sector"], item["category"]) == ("children_young_people", "tools_guidance")
    assert item["edited_summary"] == "Shorter summary."
    assert [x[1] for x in audit(engine)] == ["edit", "accept"]
    assert state(engine, b)["status"] == state(engine, c)["status"] == "queued"
    assert "1 accepted, 1 skipped" in out


def test_limit_and_end_of_input(engine: Engine, run: Any) -> None:
    for _ in range(3):
        candidate(engine)
    out = run("a\n", "--limit", "2")  # input ends at the second candidate: treated as quit
    assert "[1/2]" in out and "[3/" not in out
    assert [x[1] for x in audit(engine)] == ["accept"]
    # a limit under 1 is refused, not read as "nothing to review"
    for bad in ("0", "-1"):
        refused = CliRunner().invoke(cli, ["review", "--limit", bad])
        assert refused.exit_code == 2 and "--limit" in refused.output, refused.output


def test_decided_in_slack_while_on_screen(engine: Engine, run: Any) -> None:
    from curator.commands.review import _triage
    from curator.slack.cards import queued_cards
    from curator.store.decisions import Actor, decide

    item_id = candidate(engine)
    with engine.connect() as conn:
        (card,) = queued_cards(conn)
    # Someone rejects it in Slack while the card is on the terminal screen.
    decide(engine, item_id, "reject", Actor("U1", "alice", "slack"))
    runner = CliRunner()
    with runner.isolation(input="a\n") as (out, _err, *_rest):
        outcome = _triage(engine, card, Actor("maria", "maria", "cli"), "Europe/London", 1, 1)
    assert outcome == "skipped"
    assert "already rejected by alice" in out.getvalue().decode()
    assert [x[1] for x in audit(engine)] == ["reject"]


def test_nothing_to_review(engine: Engine, run: Any) -> None:
    assert "Nothing to review" in run("")


def test_cards_already_in_slack_show_the_terminal_decision(
    engine: Engine, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.config import Settings
    from curator.slack import blocks
    from curator.slack.outbox import drain, make_client
    from curator.store.outbox import enqueue
    from tests.support.fake_slack import FakeSlack

    fake = FakeSlack().start()
    try:
        item_id = candidate(engine)
        with engine.begin() as conn:
            enqueue(conn, item_id, "C1", T0)
        client = make_client(Settings(slack_bot_token=fake.token, slack_api_url=fake.base_url))
        drain(engine, client, "C1")
        monkeypatch.setenv("SLACK_BOT_TOKEN", fake.token)
        monkeypatch.setenv("SLACK_API_URL", fake.base_url)
        get_settings.cache_clear()
        run("r\n")
        (update,) = fake.calls("chat.update")
        assert update.params["ts"] == fake.channel_messages("C1")[0]["ts"]
        assert "Rejected by @maria" in str(fake.channel_messages("C1")[0]["blocks"])
        assert blocks.REJECT not in str(fake.channel_messages("C1")[0]["blocks"])
    finally:
        fake.stop()


def test_review_goes_on_past_the_first_page(engine: Engine, run: Any) -> None:
    from curator.slack.cards import PAGE

    ids = [candidate(engine) for _ in range(PAGE + 2)]
    out = run("n\n" * PAGE + "a\nq\n")  # skip the first page, accept the next card, quit
    assert f"[{PAGE + 1}/{PAGE + 2}] #{ids[PAGE]} " in out
    assert audit(engine) == [(ids[PAGE], "accept", "maria", "cli")]
    assert f"1 accepted, {PAGE} skipped" in out


def test_review_reads_the_queue_a_page_at_a_time(engine: Engine, run: Any) -> None:
    """Quitting at the first card of a long queue read one page: its predictions in one
    query, not one query per queued candidate."""
    from sqlalchemy import event

    from curator.slack.cards import PAGE

    for _ in range(2 * PAGE + 5):
        candidate(engine)
    seen: list[str] = []

    def grab(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", grab)
    try:
        out = run("q\n")
    finally:
        event.remove(Engine, "before_cursor_execute", grab)
    assert f"[1/{2 * PAGE + 5}]" in out
    assert len([s for s in seen if "FROM predictions" in s]) == 1


def test_a_review_covers_the_queue_as_it_was_when_it_started(engine: Engine) -> None:
    """Candidates queued during a review wait for the next; those decided elsewhere before
    their page is read are not shown."""
    from curator.commands.review import _queue
    from curator.slack.cards import PAGE
    from curator.store.decisions import Actor, decide

    ids = [candidate(engine) for _ in range(PAGE + 2)]
    total, cards = _queue(engine, None)
    assert total == PAGE + 2
    assert next(cards).item_id == ids[0]
    decide(engine, ids[PAGE], "reject", Actor("U1", "alice", "slack"))  # in Slack, meanwhile
    candidate(engine)  # queued by a poll, meanwhile
    assert [card.item_id for card in cards] == [*ids[1:PAGE], ids[PAGE + 1]]
    assert _queue(engine, 2)[0] == 2 and _queue(engine, 0)[0] == 0
