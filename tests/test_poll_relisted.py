"""A publication one source's rules kept quiet, listed by another source whose rules let it
through (curator/pipeline/relisted.py): a real loopback server, the real fetcher and database,
feeds in the shape of GOV.UK's (tests/support/feeds.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from curator.pipeline import PollReport
from curator.records import SourceConfig
from curator.sources import parse_sources_text
from curator.store.schema import items
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer
from tests.support.polling import Pollers

pytestmark = pytest.mark.storage
GOV = "https://www.gov.uk/government/publications"
JOINT = FeedItem("Care workforce report", f"{GOV}/care-workforce", summary="Findings")
OLD = FeedItem(
    "Workforce pay report", f"{GOV}/pay", updated="2024-03-01T09:30:00Z", summary="Findings"
)
#: The department's own page of the report: another link, a near-identical title.
OWN_PAGE = FeedItem("Care Workforce Report.", "https://dhsc.example/care-workforce", summary="x")

SOURCES = """\
sources:
  - id: finder
    publisher: Department of Health and Social Care
    kind: feed
    url: {finder}
    skip:
      - title: 'workforce'
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: {dhsc}
{dhsc_rules}"""


def poll(
    pollers: Pollers, server: LocalServer, only: str | None, dhsc_rules: str = ""
) -> PollReport:
    text = SOURCES.format(
        finder=server.url("/finder.atom"), dhsc=server.url("/dhsc.atom"), dhsc_rules=dhsc_rules
    )
    sources = [s for s in parse_sources_text(text) if only is None or s.id == only]
    return pollers(parse_workers=0).poll(sources, force=True)


def listed_after_the_finder(
    pollers: Pollers, server: LocalServer, dhsc: list[FeedItem]
) -> PollReport:
    """The finder polled, then dhsc listing ``dhsc``: dhsc's report."""
    serve(server, dhsc=dhsc)
    poll(pollers, server, "finder")
    return poll(pollers, server, "dhsc")


def serve(server: LocalServer, *, dhsc: list[FeedItem]) -> None:
    headers = {"Content-Type": "application/atom+xml"}
    server.add("/finder.atom", atom([JOINT, OLD]), headers=headers)
    server.add("/dhsc.atom", atom(dhsc), headers=headers)


def store_in_one_transaction(
    engine: Engine, pollers: Pollers, finder_items: list[FeedItem], dhsc_items: list[FeedItem]
) -> PollReport:
    """The finder's and dhsc's documents stored in one transaction, the finder's first."""
    from curator.fetch import FetchRequest
    from curator.pipeline.records import Arrival
    from curator.records import FetchResult
    from curator.store import source_state

    text = SOURCES.format(
        finder="https://x.test/f.atom", dhsc="https://x.test/d.atom", dhsc_rules=""
    )
    finder, dhsc = parse_sources_text(text)
    with engine.begin() as conn:
        source_state.sync_sources(conn, [finder, dhsc])
    with engine.connect() as conn:
        states = source_state.load_states(conn)
    report = PollReport(sources=2)
    store = pollers(parse_workers=0).source_store(report, states)

    def arrival(src: SourceConfig, items: list[FeedItem]) -> Arrival:
        headers = {"Content-Type": "application/atom+xml"}
        result = FetchResult(src.id, src.url, 200, headers, atom(items), 0.0)
        return Arrival(FetchRequest(src), result)

    outcomes = list(store.store_group([arrival(finder, finder_items), arrival(dhsc, dhsc_items)]))
    assert len(outcomes) == 2 and report.ok == 2
    return report


def stored(engine: Engine) -> dict[str, tuple[str, str, str | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(items)).all()
    return {r.url.rsplit("/", 1)[-1]: (r.lane, r.status, r.quiet_rule, r.source_id) for r in rows}


def test_another_sources_listing_puts_a_ruled_out_item_in_its_lane(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server, dhsc=[JOINT, FeedItem("Other report", f"{GOV}/other", summary="x")])
    first = poll(pollers, server, "finder")
    rule = "skip rule title ~ 'workforce'"
    assert first.as_json()["reopened"] == 0
    assert stored(engine)["care-workforce"] == ("quiet", "new", rule, "finder")

    # dhsc has no rule: the report gets the lane it would have had from dhsc first (the fake
    # model scores "report" 0.9, over the card point), and is counted apart from the new items
    second = poll(pollers, server, "dhsc")
    assert (second.new_items, second.cards, second.duplicates, second.reopened) == (1, 1, 1, 1)
    assert second.as_json()["reopened"] == 1
    assert stored(engine)["care-workforce"] == ("card", "queued", None, "finder")
    assert len(second.candidate_ids) == 2  # both queued this pass: both are logged

    # weighed once: listed again, nothing moves
    assert poll(pollers, server, "dhsc").reopened == 0


def test_a_near_identical_title_under_another_link_reopens_it_too(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    # The department's feed links its own page, titled a little differently, where the finder
    # linked the publication: the same publisher, a near-identical title within 14 days is the
    # same publication (curator/dedupe.py), so it is weighed as the finder's listing would be.
    report = listed_after_the_finder(pollers, server, [OWN_PAGE])
    assert (report.new_items, report.duplicates, report.reopened) == (0, 1, 1)
    assert stored(engine)["care-workforce"] == ("card", "queued", None, "finder")
    assert "care-workforce" in stored(engine) and len(stored(engine)) == 2  # nothing new stored


def test_a_listing_whose_own_rules_catch_it_leaves_it_quiet(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server, dhsc=[JOINT])
    poll(pollers, server, "finder")
    report = poll(pollers, server, "dhsc", dhsc_rules="    skip:\n      - title: 'care'\n")
    assert report.reopened == 0
    assert stored(engine)["care-workforce"] == (
        "quiet",
        "new",
        "skip rule title ~ 'workforce'",
        "finder",
    )


def test_an_old_item_stays_quiet_but_is_weighed_once(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    report = listed_after_the_finder(pollers, server, [OLD])
    # published 103 days before the poll's clock (tests/support/polling.py), past the 45 days of
    # the backfill window: quiet as a new item of that date would be
    assert report.reopened == 0
    assert stored(engine)["pay"] == ("quiet", "new", None, "finder")


def test_both_sources_in_one_pass_give_the_same_lane_whichever_stores_first(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    serve(server, dhsc=[JOINT])
    poll(pollers, server, None)
    lane, status, rule, _ = stored(engine)["care-workforce"]
    assert (lane, status, rule) == ("card", "queued", None)


def test_a_candidate_apply_rules_took_back_stays_quiet(
    engine: Engine, server: LocalServer, pollers: Pollers
) -> None:
    from curator.slack.ruled import apply_rules

    serve(server, dhsc=[JOINT])
    text = SOURCES.format(
        finder=server.url("/finder.atom"), dhsc=server.url("/dhsc.atom"), dhsc_rules=""
    )
    finder, _ = parse_sources_text(text)
    unruled = parse_sources_text(text.replace("    skip:\n      - title: 'workforce'\n", ""))
    # the finder had no rule when it listed the report: a card for the editors
    pollers(parse_workers=0).poll([unruled[0]], force=True)
    assert stored(engine)["care-workforce"] == ("card", "queued", None, "finder")
    # the admin adds the rule and takes the waiting candidate back; dhsc's listing leaves it
    assert apply_rules(engine, [finder]).moved == 1
    assert poll(pollers, server, "dhsc").reopened == 0
    assert stored(engine)["care-workforce"][:2] == ("quiet", "new")


def test_in_one_transaction_the_ruled_source_stored_first_does_not_win(
    engine: Engine, pollers: Pollers
) -> None:
    # Both documents stored in one transaction, the finder's first: the dhsc listing finds the
    # report before its lane is chosen, so which one wins is read once the batch is classified.
    report = store_in_one_transaction(engine, pollers, [JOINT], [JOINT])
    assert (report.new_items, report.ruled_quiet, report.reopened) == (1, 1, 1)
    assert stored(engine)["care-workforce"] == ("card", "queued", None, "finder")


def test_in_one_transaction_a_near_identical_title_stored_just_before_is_found_by_its_id(
    engine: Engine, pollers: Pollers
) -> None:
    # The finder's document stored first in the transaction: the title it just stored is held
    # for the pass as not stored yet, and must name its row once it is, or the department's
    # listing under another link would find it and reopen nothing.
    report = store_in_one_transaction(engine, pollers, [JOINT], [OWN_PAGE])
    assert (report.new_items, report.duplicates, report.reopened) == (1, 1, 1)
    assert stored(engine)["care-workforce"] == ("card", "queued", None, "finder")


def test_a_concurrent_poller_that_finds_the_ruled_item_on_insert_still_reopens_it(
    engine: Engine, server: LocalServer, pollers: Pollers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two workers at once: the finder's poll has stored the report quiet by its rule and not
    # committed yet, so dhsc's poll does not see it when it looks and meets it only when its
    # INSERT hits the finder's row (PostgreSQL waits for that commit, then skips the row).
    import threading

    from curator.pipeline.classify import Classify

    serve(server, dhsc=[JOINT])
    held, go = threading.Event(), threading.Event()
    original = Classify.__call__

    def hold_the_finders_commit(self: Classify, conn: Any, new: Any, now: Any) -> Any:
        laned = original(self, conn, new, now)
        if any(n.source.id == "finder" for n in new):
            held.set()
            assert go.wait(30)
        return laned

    monkeypatch.setattr(Classify, "__call__", hold_the_finders_commit)
    reports: dict[str, PollReport] = {}

    def run(only: str) -> None:
        reports[only] = poll(pollers, server, only)

    finder = threading.Thread(target=run, args=("finder",))
    finder.start()
    assert held.wait(30)
    dhsc = threading.Thread(target=run, args=("dhsc",))
    dhsc.start()
    dhsc.join(1.5)  # blocked on the finder's uncommitted row (or, on SQLite, its write lock)
    go.set()
    finder.join(30)
    dhsc.join(30)
    assert reports["finder"].ruled_quiet == 2  # the report and the old pay report
    assert reports["dhsc"].reopened == 1
    lane, status, rule, _ = stored(engine)["care-workforce"]
    assert (lane, status, rule) == ("card", "queued", None)


def test_an_editors_decision_made_while_the_listing_reopens_the_item_stands(
    engine: Engine, server: LocalServer, pollers: Pollers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An editor accepts the quiet report (found with /pulse find) while dhsc's poll is between
    # reading that it is still quiet by a rule and queueing it: the accept must not be undone.
    import threading

    from curator.store.decisions import Actor, DecisionOutcome, decide
    from curator.store.predictions import latest_predictions

    serve(server, dhsc=[JOINT])
    poll(pollers, server, "finder")
    with engine.connect() as conn:
        (item_id,) = conn.execute(
            select(items.c.id).where(items.c.url.endswith("/care-workforce"))
        ).scalars()
    held, go = threading.Event(), threading.Event()

    def hold_between_read_and_write(conn: Any, ids: Any) -> Any:
        found = latest_predictions(conn, ids)
        held.set()
        assert go.wait(30)
        return found

    monkeypatch.setattr("curator.pipeline.relisted.latest_predictions", hold_between_read_and_write)
    reports: list[PollReport] = []
    dhsc = threading.Thread(target=lambda: reports.append(poll(pollers, server, "dhsc")))
    dhsc.start()
    assert held.wait(30)
    outcomes: list[DecisionOutcome] = []
    editor = threading.Thread(
        target=lambda: outcomes.append(
            decide(
                engine,
                item_id,
                "accept",
                Actor("U1", "ed", "slack"),
                sector="adult_social_care_health",
                category="reports",
            )
        )
    )
    editor.start()
    editor.join(1.5)  # waits for the poll's lock, or (without one) decides at once
    go.set()
    dhsc.join(30)
    editor.join(30)
    assert [o.result for o in outcomes] == ["recorded"]
    assert stored(engine)["care-workforce"][1] == "accepted"
