"""A proposal older than an editor's own text is superseded: Use this (from Slack, a script, any
front end: the refusal is the store's) writes nothing over that text and names who saved it and
when. Reading the publication again makes a proposal that can be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from curator.store.decisions import Actor, ProposalSuperseded, decide
from curator.store.proposals import NewProposal, get_proposal, save_proposal
from curator.store.schema import decisions, items
from tests.support.factories import add_item

pytestmark = pytest.mark.storage
ANA = Actor("U1", "ana", "slack")
BEN = Actor("ben", "ben", "cli")
PROPOSED_AT = datetime(2024, 6, 14, 10, tzinfo=UTC)
LATER = PROPOSED_AT + timedelta(minutes=30)


def _propose(engine: Engine, item_id: int, at: datetime) -> None:
    proposal = NewProposal(url="https://x", summary="Proposed.", key_findings=("One.",))
    with engine.begin() as conn:
        save_proposal(conn, item_id, proposal, at)


def _text(engine: Engine, item_id: int) -> tuple[str | None, list[str] | None]:
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
    return row["edited_summary"], row["key_findings"]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(decisions)).scalar_one())


@pytest.mark.parametrize(
    "edits",
    [{"summary": "Ben's own."}, {"key_findings": ["Ben's finding."]}, {"lead_in": "Ben says:"}],
)
def test_use_this_after_an_editors_own_text_writes_nothing(
    engine: Engine, edits: dict[str, object]
) -> None:
    item_id = add_item(engine)
    _propose(engine, item_id, PROPOSED_AT)
    decide(engine, item_id, "edit", BEN, edits=edits, now=LATER)
    before = _text(engine, item_id)

    with pytest.raises(ProposalSuperseded) as refused:
        decide(engine, item_id, "use_proposal", ANA, now=LATER + timedelta(minutes=1))
    assert str(refused.value) == (
        f"item {item_id}'s proposal is older than the text ben saved on 2024-06-14 10:30 UTC, "
        f"which it would write over; read the publication again (curator item propose "
        f"{item_id}) for a proposal to use"
    )
    assert (refused.value.saved.user_id, refused.value.saved.at) == ("ben", LATER)
    assert _text(engine, item_id) == before
    assert _count(engine) == 1  # the edit only
    with engine.connect() as conn:
        proposal = get_proposal(conn, item_id)
    assert proposal is not None and proposal.used_at is None


def test_the_modal_text_saved_with_an_accept_supersedes_it_too(engine: Engine) -> None:
    item_id = add_item(engine)
    _propose(engine, item_id, PROPOSED_AT)
    decide(engine, item_id, "accept", BEN, edits={"summary": "Ben's own."}, now=LATER)
    with pytest.raises(ProposalSuperseded, match="the text ben saved"):
        decide(engine, item_id, "use_proposal", ANA, now=LATER)
    assert _text(engine, item_id)[0] == "Ben's own."


def test_edits_that_leave_the_text_alone_or_came_before_it_do_not(engine: Engine) -> None:
    item_id = add_item(engine)
    decide(engine, item_id, "edit", BEN, edits={"summary": "Before."}, now=PROPOSED_AT)
    _propose(engine, item_id, LATER)  # read after that edit: it is the newer
    decide(engine, item_id, "edit", BEN, edits={"title": "A better title"}, now=LATER)
    decide(engine, item_id, "relabel", BEN, category="reports", now=LATER)
    out = decide(engine, item_id, "use_proposal", ANA, now=LATER)
    assert out.result == "recorded"
    assert _text(engine, item_id) == ("Proposed.", ["One."])


def test_a_proposal_read_again_after_the_edit_can_be_used(engine: Engine) -> None:
    item_id = add_item(engine)
    _propose(engine, item_id, PROPOSED_AT)
    decide(engine, item_id, "edit", BEN, edits={"summary": "Ben's own."}, now=LATER)
    with pytest.raises(ProposalSuperseded):
        decide(engine, item_id, "use_proposal", ANA, now=LATER)

    _propose(engine, item_id, LATER + timedelta(seconds=1))  # curator item propose ID
    assert decide(engine, item_id, "use_proposal", ANA, now=LATER).result == "recorded"
    assert _text(engine, item_id)[0] == "Proposed."
