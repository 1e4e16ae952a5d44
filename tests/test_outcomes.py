"""What became of the items the editors decided, by how each reached them: the weekly report's
section, the ``/pulse status`` line and the ``curator_decided_last_week`` gauge, from real
decisions, "Make a card" and an item added by its link on the test database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from curator.health import report_text
from curator.jobs import weekly_report
from curator.metrics import Metrics
from curator.outcomes import Outcomes, origin_of, outcome_lines, outcome_summary
from curator.slack.pulse import status_text
from curator.store.added import set_editor_lane
from curator.store.decisions import Actor, decide
from curator.store.outcomes import decided_since
from curator.store.promote import make_card
from tests.support.factories import add_item

NOW = datetime(2026, 12, 7, 8, tzinfo=UTC)
EDITOR = Actor("U0EDITOR", "Ed", via="slack")


def test_origin_reads_the_lane_and_the_editors_card() -> None:
    assert origin_of("card", False) == "card"
    assert origin_of(None, False) == "card"  # stored with no lane: it was a card
    assert origin_of("digest", False) == "digest"
    assert origin_of("quiet", False) == "quiet"
    assert origin_of("quiet", True) == origin_of("digest", True) == "editor"


def test_lines_say_the_dud_rate_and_what_the_cards_missed() -> None:
    outcomes = Outcomes(
        {("card", "accepted"): 17, ("card", "rejected"): 3, ("editor", "accepted"): 2,
         ("editor", "rejected"): 1, ("digest", "accepted"): 1}
    )  # fmt: skip
    assert outcomes.dud_rate() == pytest.approx(0.15)
    assert outcomes.missed() == 3
    lines = outcome_lines(outcomes)
    assert lines[0] == "*What the editors decided* (last 7 days):"
    assert "20 decided, 17 accepted, 3 rejected (15% were not for the digest)" in lines[1]
    assert lines[2] == (
        "• Accepted though the model did not card them: 2 made a card by an editor (Make a "
        "card, or added by its link); 1 from the digest lane, without a card."
    )
    assert len(lines) == 3  # nothing came from the quiet lane, no card came without a summary
    bare = Outcomes(outcomes.counts, {"accepted": 1, "rejected": 2})
    assert outcome_lines(bare)[2] == (
        "• Of those, 3 came without a summary (carded at the lower points of such items): 2 "
        "rejected."
    )
    summary = outcome_summary(outcomes)
    assert summary.endswith(
        "20 of the model's cards, 15% rejected · 3 accepted that the model had not carded"
    )


def test_nothing_decided_says_so() -> None:
    assert outcome_lines(Outcomes({})) == ["*What the editors decided* (last 7 days): nothing yet."]
    assert outcome_summary(Outcomes({})).endswith("nothing yet")
    only_editors = outcome_lines(Outcomes({("editor", "accepted"): 1}))
    assert "The model's cards: none decided." in only_editors[1]
    report = report_text([], Outcomes({})).splitlines()
    assert report[-2:] == [
        "No sources are watched.",
        "*What the editors decided* (last 7 days): nothing yet.",
    ]


@pytest.mark.storage
def test_decisions_are_counted_by_how_each_item_reached_the_editors(engine: Engine) -> None:
    card_ok, card_old, undone = (add_item(engine, lane="card") for _ in range(3))
    card_dud = add_item(engine, lane="card", summary="")  # laned at the points of such items
    digest_item = add_item(engine, lane="digest")
    promoted = add_item(engine, lane="digest")
    by_link = add_item(engine, lane="quiet", status="new")
    waiting = add_item(engine, lane="card")  # never decided
    week_ago = NOW - timedelta(days=7)
    decide(engine, card_old, "accept", EDITOR, now=week_ago - timedelta(hours=1))  # too old
    for item_id, action in ((card_ok, "accept"), (card_dud, "reject"), (undone, "accept")):
        decide(engine, item_id, action, EDITOR, now=NOW - timedelta(days=1))
    decide(engine, undone, "undo", EDITOR, now=NOW - timedelta(hours=2))
    decide(engine, digest_item, "accept", EDITOR, now=NOW - timedelta(hours=3))
    with engine.begin() as conn:
        assert make_card(conn, promoted, "U0EDITOR", NOW - timedelta(days=2), None).result == (
            "carded"
        )
        set_editor_lane(conn, by_link, NOW - timedelta(days=2))
    decide(engine, promoted, "accept", EDITOR, now=NOW - timedelta(days=1))
    decide(engine, by_link, "reject", EDITOR, now=NOW - timedelta(days=1))
    assert waiting

    with engine.connect() as conn:
        got = decided_since(conn, week_ago)
    assert dict(got.counts) == {
        ("card", "accepted"): 1,
        ("card", "rejected"): 1,
        ("digest", "accepted"): 1,
        ("editor", "accepted"): 1,
        ("editor", "rejected"): 1,
    }
    assert got.dud_rate() == 0.5 and got.missed() == 2
    assert got.cards_without_summary == {"rejected": 1}

    report = weekly_report(engine, [], NOW)
    assert report is not None
    assert "• The model's cards: 2 decided, 1 accepted, 1 rejected (50% were not" in report
    assert "• Of those, 1 came without a summary (carded at the lower points" in report
    assert "1 made a card by an editor (Make a card, or added by its link); 1 from the digest" in (
        report
    )
    assert "2 of the model's cards, 50% rejected · 2 accepted that" in status_text(engine, NOW)

    from curator.daily import refresh_gauges

    metrics = Metrics()
    with engine.connect() as conn:
        refresh_gauges(conn, metrics, NOW)
    text = metrics.render().decode()
    assert 'curator_decided_last_week{decision="rejected",origin="card"} 1.0' in text
    assert 'curator_decided_last_week{decision="accepted",origin="editor"} 1.0' in text
    assert 'curator_decided_last_week{decision="accepted",origin="quiet"} 0.0' in text
