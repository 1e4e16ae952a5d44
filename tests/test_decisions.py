from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from curator.store.decisions import Actor, DecisionError, decide
from curator.store.schema import decisions, editions, items
from tests.support.factories import add_item

pytestmark = pytest.mark.storage
ANA = Actor("U1", "ana", "slack")
BEN = Actor("U2", "ben", "slack")
JUNE = datetime(2024, 6, 14, 10, tzinfo=UTC)


def _item(engine: Engine, item_id: int) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(items).where(items.c.id == item_id)).mappings().one())


def test_accept_puts_the_item_in_this_months_edition(engine: Engine) -> None:
    item_id = add_item(engine)
    out = decide(
        engine,
        item_id,
        "accept",
        ANA,
        sector="adult_social_care_health",
        category="reports",
        now=JUNE,
    )
    assert (out.result, out.status, out.edition) == ("recorded", "accepted", "2024-06")
    row = _item(engine, item_id)
    assert row["sector"] == "adult_social_care_health" and row["decided_by"] == "ana"


def test_first_decision_stands_and_second_editor_is_told_who(engine: Engine) -> None:
    item_id = add_item(engine)
    decide(engine, item_id, "reject", ANA, now=JUNE)
    out = decide(engine, item_id, "accept", BEN, sector="criminal_justice", now=JUNE)
    assert out.result == "conflict" and out.decided_by == "ana" and out.status == "rejected"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar() == 1


def test_simultaneous_clicks_record_exactly_one_decision(engine: Engine) -> None:
    item_id = add_item(engine)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def click(actor: Actor) -> None:
        barrier.wait()
        results.append(decide(engine, item_id, "accept", actor, now=JUNE).result)

    threads = [threading.Thread(target=click, args=(a,)) for a in (ANA, BEN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "recorded"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar() == 1


def test_the_same_request_twice_is_applied_once(engine: Engine) -> None:
    item_id = add_item(engine)
    first = decide(engine, item_id, "accept", ANA, idempotency_key="k1", now=JUNE)
    again = decide(engine, item_id, "accept", ANA, idempotency_key="k1", now=JUNE)
    assert first.result == "recorded" and again.result == "duplicate"
    assert again.decision_id == first.decision_id


def test_undo_restores_the_previous_state_and_keeps_the_trail(engine: Engine) -> None:
    item_id = add_item(engine)
    decide(engine, item_id, "accept", ANA, sector="criminal_justice", now=JUNE)
    out = decide(engine, item_id, "undo", ANA, now=JUNE)
    assert out.status == "queued" and out.edition is None and out.sector is None
    with engine.connect() as conn:
        actions = conn.execute(select(decisions.c.action).order_by(decisions.c.id)).scalars().all()
    assert actions == ["accept", "undo"]
    assert decide(engine, item_id, "accept", BEN, now=JUNE).result == "recorded"


def test_accepting_after_the_edition_closed_goes_to_the_next(engine: Engine) -> None:
    item_id = add_item(engine)
    with engine.begin() as conn:
        conn.execute(editions.insert().values(id="2024-06", status="closed", opened_at=JUNE))
    assert decide(engine, item_id, "accept", ANA, now=JUNE).edition == "2024-07"


def test_hold_puts_the_item_in_next_months_edition(engine: Engine) -> None:
    item_id = add_item(engine)
    assert decide(engine, item_id, "hold", ANA, now=JUNE).edition == "2024-07"


def test_edits_are_applied_and_audited(engine: Engine) -> None:
    item_id = add_item(engine)
    decide(engine, item_id, "edit", ANA, edits={"summary": " Better. ", "key_findings": ["a", ""]})
    row = _item(engine, item_id)
    assert row["edited_summary"] == "Better." and row["key_findings"] == ["a"]
    with engine.connect() as conn:
        edits = conn.execute(select(decisions.c.edits)).scalar_one()
    assert edits == {"summary": "Better.", "key_findings": ["a"]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "accept", "sector": "health"}, "unknown sector"),
        ({"action": "launch"}, "unknown action"),
        ({"action": "undo"}, "no decision to undo"),
        ({"action": "edit", "edits": {"colour": "red"}}, "cannot edit 'colour'"),
    ],
)
def test_bad_decisions_are_refused_clearly(
    engine: Engine, kwargs: dict[str, object], message: str
) -> None:
    item_id = add_item(engine)
    action = str(kwargs.pop("action"))
    with pytest.raises(DecisionError, match=message):
        decide(engine, item_id, action, ANA, **kwargs)  # type: ignore[arg-type]
