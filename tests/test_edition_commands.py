"""Editions in the database and the `curator edition` / `curator draft` commands."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from curator.calendar import current_edition, next_edition
from curator.edition.service import load_draft_items
from curator.store.decisions import Actor, decide
from curator.store.editions import close_edition, list_editions, open_edition
from curator.store.proposals import NewProposal, save_proposal
from curator.store.schema import decisions, items
from tests.support.cli import Run, in_process_cli
from tests.support.factories import add_item

pytestmark = pytest.mark.storage

EDITOR = Actor("U_ED", "editor", via="slack")


def accept(engine: Engine, item_id: int, when: datetime, **kw: object) -> str | None:
    outcome = decide(
        engine,
        item_id,
        "accept",
        EDITOR,
        sector="criminal_justice",
        now=when,
        **kw,  # type: ignore[arg-type]
    )
    return outcome.edition


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    return in_process_cli(monkeypatch, tmp_path, CURATOR_DATABASE_URL=db_url, USER="alice")


def test_month_boundary_is_london_time(engine: Engine) -> None:
    # 23:30 UTC on 31 March 2024 is 00:30 BST on 1 April.
    late_march = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    item_id = add_item(engine)
    assert accept(engine, item_id, late_march) == "2024-04"
    assert [i.item_id for i in load_draft_items(engine, "2024-04")] == [item_id]
    assert load_draft_items(engine, "2024-03") == []
    # ...and 23:30 UTC on 31 December is still December (GMT).
    other = add_item(engine)
    assert accept(engine, other, datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == "2024-12"


def test_closed_edition_sends_new_items_to_the_next_one(engine: Engine) -> None:
    when = datetime(2024, 7, 10, tzinfo=UTC)
    with engine.begin() as conn:
        open_edition(conn, "2024-07", when)
        info, changed = close_edition(conn, "2024-07", when)
    assert (info.status, changed) == ("closed", True)
    assert accept(engine, add_item(engine), when) == "2024-08"
    held = decide(engine, add_item(engine), "hold", EDITOR, sector="criminal_justice", now=when)
    assert held.edition == "2024-09"  # held for the month after the open one
    with engine.begin() as conn:
        listed = {e.id: (e.status, e.items) for e in list_editions(conn, when)}
    assert listed == {"2024-07": ("closed", 0), "2024-08": ("open", 1), "2024-09": ("open", 1)}


def test_edited_title_and_summary_override_the_feed(engine: Engine) -> None:
    item_id = add_item(engine, title="Feed title", summary="Feed summary")
    accept(engine, item_id, datetime(2024, 6, 3, tzinfo=UTC))
    decide(engine, item_id, "edit", EDITOR, edits={"title": "Better", "summary": "Shorter"})
    [draft] = load_draft_items(engine, "2024-06")
    assert (draft.title, draft.summary, draft.sector) == ("Better", "Shorter", "criminal_justice")


def test_edition_list_opens_the_current_month(cli: Run, engine: Engine) -> None:
    item_id = add_item(engine)
    accept(engine, item_id, datetime.now(UTC))
    result = cli("edition", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["edition", "status", "items"]
    assert lines[1].split() == [current_edition(), "open", "1"]


def test_open_close_and_bad_ids(cli: Run) -> None:
    assert "edition 2024-08 opened" in cli("edition", "open", "2024-08").output
    assert "was already open" in cli("edition", "open", "2024-08").output
    assert "edition 2024-08 closed" in cli("edition", "close", "2024-08").output
    assert "opened" in cli("edition", "open", "2024-08").output  # reopened
    assert current_edition() in cli("edition", "open").output
    bad = cli("edition", "open", "2024-13")
    assert bad.exit_code == 1 and "'2024-13' is not a month like 2024-07" in bad.output
    unknown = cli("edition", "close", "2031-01")
    assert unknown.exit_code == 1 and "no edition 2031-01" in unknown.output


def test_move_and_edit_go_through_the_audit_trail(cli: Run, engine: Engine) -> None:
    item_id = add_item(engine)
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    moved = cli("edition", "move", str(item_id), "--to", "2024-08")
    assert moved.exit_code == 0 and f"item {item_id} moved to edition 2024-08" in moved.output
    edited = cli(
        "edition",
        "edit",
        str(item_id),
        "--title",
        "New title",
        "--finding",
        "One",
        "--finding",
        "Two £",
        "--position",
        "3",
    )
    assert edited.exit_code == 0, edited.output
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
        trail = conn.execute(
            select(decisions.c.action, decisions.c.edits, decisions.c.user_id, decisions.c.via)
            .where(decisions.c.item_id == item_id)
            .order_by(decisions.c.id)
        ).all()
    assert (row["edition"], row["edited_title"], row["key_findings"], row["position"]) == (
        "2024-08",
        "New title",
        ["One", "Two £"],
        3,
    )
    assert [(t.action, t.user_id, t.via) for t in trail] == [
        ("accept", "U_ED", "slack"),
        ("move", "alice", "cli"),
        ("edit", "alice", "cli"),
    ]
    assert trail[2].edits == {"title": "New title", "key_findings": ["One", "Two £"], "position": 3}


def test_a_blank_title_or_summary_is_refused_and_reset_says_what_prints(
    cli: Run, engine: Engine
) -> None:
    # `--title ""` said "edited (title)" and the draft printed the feed's title again; a blank
    # --summary dropped an earlier edit the same way
    from curator.store.proposals import NewProposal, save_proposal

    item_id = add_item(engine, title="Feed title", summary="Feed summary.")
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    ok = cli("edition", "edit", str(item_id), "--title", "Mine", "--summary", "My summary.")
    assert ok.exit_code == 0 and ok.output == f"item {item_id} edited (title, summary)\n"
    for part in ("title", "summary"):
        blank = cli("edition", "edit", str(item_id), f"--{part}", "  ")
        assert blank.exit_code == 2
        assert (
            f"--{part} is empty: give the {part} to print, or `--reset {part}` to print the "
            f"feed's {part} again"
        ) in blank.output
        both = cli("edition", "edit", str(item_id), f"--{part}", "x", "--reset", part)
        assert both.exit_code == 2 and f"give --{part} or --reset {part}, not both" in both.output
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
    assert (row["edited_title"], row["edited_summary"]) == ("Mine", "My summary.")  # kept

    reset = cli("edition", "edit", str(item_id), "--reset", "title", "--position", "2")
    assert reset.exit_code == 0
    assert reset.output == (
        f"item {item_id} edited (position); title reset to the feed's: 'Feed title'\n"
    )
    assert cli("edition", "edit", str(item_id), "--reset", "summary").output == (
        f"item {item_id}: summary reset to the feed's\n"
    )
    with engine.begin() as conn:
        save_proposal(
            conn, item_id, NewProposal(url="https://x", summary="Proposed."), datetime.now(UTC)
        )
    assert cli("edition", "edit", str(item_id), "--reset", "summary").output == (
        f"item {item_id}: summary reset to the one proposed from the publication\n"
    )
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
        trail = conn.execute(
            select(decisions.c.edits).where(decisions.c.item_id == item_id).order_by(decisions.c.id)
        ).all()
    assert (row["edited_title"], row["edited_summary"]) == (None, None)
    # every edit, the ones reset included, stays in the audit trail
    assert [t.edits for t in trail[1:]] == [
        {"title": "Mine", "summary": "My summary."},
        {"title": None, "position": 2},
        {"summary": None},
        {"summary": None},
    ]
    (draft,) = load_draft_items(engine, "2024-07")
    assert (draft.title, draft.summary) == ("Feed title", "Proposed.")


@pytest.mark.parametrize(
    ("status", "what"),
    [("queued", "waiting for an editor"), ("new", "not decided"), ("rejected", "rejected")],
)
def test_edit_and_move_refuse_an_item_not_accepted_alike(
    status: str, what: str, cli: Run, engine: Engine
) -> None:
    # `edition edit` changed a queued or quiet item's text while `edition move` refused it
    url = f"https://www.gov.uk/government/publications/{status}-report"
    item_id = add_item(engine, status=status, url=url, lane="quiet" if status == "new" else None)
    cure = (
        "Undo on its card in Slack, then accept it"
        if status == "rejected"
        else f"accept it first: `curator item add {url} --accept`, or Accept on its card in "
        "Slack (its Edit modal edits and accepts it at once)"
    )
    for verb, args in (("edit", ["--title", "Mine"]), ("move", ["--to", "2024-08"])):
        refused = cli("edition", verb, str(item_id), *args)
        assert refused.exit_code == 1, refused.output
        assert refused.output == (
            f"Error: item {item_id} is {what}, not accepted into an edition: nothing to {verb}; "
            f"{cure}\n"
        )
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
        trail = conn.execute(select(decisions).where(decisions.c.item_id == item_id)).all()
    assert (row["edited_title"], row["status"], trail) == (None, status, [])


def test_clear_errors_for_items_and_closed_editions(cli: Run, engine: Engine) -> None:
    item_id = add_item(engine)
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    missing = cli("edition", "edit", "9999", "--title", "x")
    assert missing.exit_code == 1 and "no item with id 9999" in missing.output
    cli("edition", "open", "2024-09")
    cli("edition", "close", "2024-09")
    to_closed = cli("edition", "move", str(item_id), "--to", "2024-09")
    assert to_closed.exit_code == 1 and "edition 2024-09 is closed" in to_closed.output
    assert cli("edition", "move", str(item_id), "--to", "July").exit_code == 1
    cli("edition", "close", "2024-07")
    in_closed = cli("edition", "edit", str(item_id), "--summary", "x")
    assert in_closed.exit_code == 1 and "curator edition open 2024-07" in in_closed.output
    nothing = cli("edition", "edit", str(item_id))
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    with engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
    assert (row["edition"], row["edited_summary"]) == ("2024-07", None)  # nothing lost


def test_draft_in_every_format(cli: Run, engine: Engine, tmp_path: Path) -> None:
    from docx import Document

    first = add_item(engine, publisher="Ministry of Justice", title="Female Offender strategy")
    second = add_item(engine, publisher="Revolving Doors", title="Building bridges", summary="")
    accept(engine, second, datetime(2024, 7, 1, tzinfo=UTC))
    accept(engine, first, datetime(2024, 7, 2, tzinfo=UTC), position=1)

    md = cli("draft", "--edition", "2024-07")
    assert md.exit_code == 0
    assert md.stdout.index("Ministry of Justice. Female Offender strategy.") < md.stdout.index(
        "Revolving Doors. Building bridges."
    )
    assert "\\[Summary to write\\]" in md.stdout
    assert "edition 2024-07: 2 items, 1 with a summary to write" in md.stderr

    html = cli("draft", "--edition", "2024-07", "--format", "html", "--out", "d.html")
    assert html.exit_code == 0 and "wrote" in html.stderr
    assert "<h2" in (tmp_path / "d.html").read_text(encoding="utf-8")

    docx = cli("draft", "--edition", "2024-07", "--format", "docx")
    assert docx.exit_code == 0 and "pulse-2024-07.docx" in docx.stderr
    document = Document(io.BytesIO((tmp_path / "pulse-2024-07.docx").read_bytes()))
    sectors = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 1"]
    assert sectors[-1] == "Criminal Justice"

    # No --edition: the current open edition (opened if need be).
    current = cli("draft")
    assert current.exit_code == 0 and f"edition {current_edition()}: 0 items" in current.stderr
    unknown = cli("draft", "--edition", "2019-01")
    assert unknown.exit_code == 1 and "no edition 2019-01" in unknown.output
    assert next_edition("2024-07") == "2024-08"


def test_edit_moves_an_accepted_item_to_another_sector_and_category(
    cli: Run, engine: Engine
) -> None:
    """An editor at the terminal could not move an accepted item between sectors (only an
    undocumented `item add URL --sector … --accept` did, warning "not accepted again")."""
    item_id = add_item(engine)
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC), category="reports")
    edited = cli(
        "edition",
        "edit",
        str(item_id),
        "--sector",
        "children_young_people",
        "--category",
        "briefings",
        "--position",
        "2",
    )
    assert edited.exit_code == 0, edited.output
    assert (
        f"item {item_id} edited (position, sector: Children and Young People's Services, "
        "category: Briefings)" in edited.output
    )
    (drafted,) = load_draft_items(engine, "2024-07")
    assert (drafted.sector, drafted.category, drafted.position) == (
        "children_young_people",
        "briefings",
        2,
    )
    with engine.connect() as conn:
        trail = conn.execute(
            select(decisions.c.action, decisions.c.sector, decisions.c.category, decisions.c.via)
            .where(decisions.c.item_id == item_id)
            .order_by(decisions.c.id)
        ).all()
    assert [tuple(t) for t in trail] == [
        ("accept", "criminal_justice", "reports", "slack"),
        ("relabel", "children_young_people", "briefings", "cli"),
        ("edit", "children_young_people", "briefings", "cli"),
    ]
    sector_only = cli("edition", "edit", str(item_id), "--sector", "criminal_justice")
    assert sector_only.exit_code == 0, sector_only.output
    assert f"item {item_id} edited (sector: Criminal Justice)" in sector_only.output
    unknown = cli("edition", "edit", str(item_id), "--sector", "cordis_news")
    assert unknown.exit_code == 2


def test_draft_lists_items_published_in_another_month(cli: Run, engine: Engine) -> None:
    """A report from two years ago, added by its link at month end, joined the edition with
    nothing said; one published late in the month before (after that edition went out) is
    expected and not listed."""
    old = add_item(
        engine,
        publisher="Local Government Association",
        title="Care Act 2014: 10 Years On",
        published_at=datetime(2022, 6, 4, 8, tzinfo=UTC),
    )
    late = add_item(engine, published_at=datetime(2024, 6, 30, 23, 30, tzinfo=UTC))  # 1 July
    accept(engine, old, datetime(2024, 7, 2, tzinfo=UTC))
    accept(engine, late, datetime(2024, 7, 2, tzinfo=UTC))
    drafted = cli("draft", "--edition", "2024-07")
    assert drafted.exit_code == 0
    assert (
        f"to check: item {old} ('Local Government Association. Care Act 2014: 10 Years On.'): "
        "published 4 Jun 2022, not in July 2024 or the month before; check it belongs in this "
        "edition" in drafted.stderr
    )
    assert f"item {late} " not in drafted.stderr
    assert "2 items, 1 not published in July 2024 or the month before" in drafted.stderr


def test_draft_names_publications_not_read_and_never_read(cli: Run, engine: Engine) -> None:
    """An accepted item whose report link died printed the feed's summary with nothing said,
    and items accepted at the terminal (never read) had no word of `curator item propose`."""
    dead = add_item(engine, publisher="NSPCC", title="How safe are our children?")
    own = add_item(engine, title="Written by the editors")
    never = add_item(engine, title="Accepted in curator review")
    for item_id in (dead, own, never):
        accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    gone = NewProposal(url="https://x.org", error="PageUnreadable: the server answered HTTP 404")
    with engine.begin() as conn:
        for item_id in (dead, own):
            save_proposal(conn, item_id, gone, datetime(2024, 7, 2, tzinfo=UTC))
    assert cli("edition", "edit", str(own), "--summary", "Our own words.").exit_code == 0
    drafted = cli("draft", "--edition", "2024-07")
    assert drafted.exit_code == 0
    checks = [x for x in drafted.stderr.splitlines() if x.startswith(("to check:", "note:"))]
    assert checks == [
        f"to check: item {dead} ('NSPCC. How safe are our children?'): its publication could "
        "not be read (PageUnreadable: the server answered HTTP 404); the summary is the feed's. "
        f"Read it again: curator item propose {dead}",
        "note: 1 item was accepted without its publication being read (at the terminal, or "
        "while Slack's reading had not ended): curator item propose --edition 2024-07 proposes "
        "its summary and key findings",
    ]


def test_the_terminal_records_one_person_one_way_without_user(
    cli: Run, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under cron or in a container $USER is often unset: `curator review` recorded the login
    name while `edition` and `item add` recorded "cli", so one person showed two ways."""
    import getpass

    monkeypatch.delenv("USER")
    item_id = add_item(engine)
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    assert cli("edition", "edit", str(item_id), "--title", "Better").exit_code == 0
    with engine.connect() as conn:
        who = conn.execute(
            select(decisions.c.user_id, decisions.c.via).where(decisions.c.action == "edit")
        ).one()
    assert tuple(who) == (getpass.getuser(), "cli")


def test_a_one_item_draft_says_item_and_a_long_heading_is_cut_between_words(
    cli: Run, engine: Engine
) -> None:
    long_title = "A very long report title " + "about adult social care " * 6
    item_id = add_item(engine, title=long_title, published_at=datetime(2022, 6, 4, 8, tzinfo=UTC))
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    drafted = cli("draft", "--edition", "2024-07")
    assert "edition 2024-07: 1 item, 1 not published" in drafted.stderr
    [line] = [x for x in drafted.stderr.splitlines() if x.startswith("to check:")]
    quoted = line.split("(", 1)[1].split("): published", 1)[0]
    assert quoted.endswith("…'") and len(quoted) <= 82  # 80 and its quotes
    assert quoted[1:-2].split()[-1] in ("about", "adult", "social", "care")  # a whole word


def test_an_empty_current_draft_points_to_last_months_items(cli: Run, engine: Engine) -> None:
    """In the first days of a month `curator draft` drafted the new, empty edition with nothing
    said, while the items the editors meant were in last month's."""
    from curator.calendar import previous_edition

    earlier = previous_edition(current_edition())
    year, month = map(int, earlier.split("-"))
    accept(engine, add_item(engine), datetime(year, month, 15, tzinfo=UTC))
    drafted = cli("draft")
    assert drafted.exit_code == 0
    assert (
        f"note: edition {current_edition()} has no items yet; {earlier} has 1 "
        f"(`curator draft --edition {earlier}`)"
    ) in drafted.stderr
    # asked for by name, an empty edition is what was asked for: no note
    assert "note:" not in cli("draft", "--edition", current_edition()).stderr


def test_the_publisher_is_edited_for_the_edition_and_reset_to_the_feeds(
    cli: Run, engine: Engine
) -> None:
    """The reference edition names joint publications ("NSPCC and Baringa") where a feed names
    one body; the publisher could not be changed anywhere."""
    item_id = add_item(engine, publisher="NSPCC Learning", title="Recruiting foster carers")
    accept(engine, item_id, datetime(2024, 7, 2, tzinfo=UTC))
    done = cli("edition", "edit", str(item_id), "--publisher", "NSPCC and Baringa")
    assert done.output == f"item {item_id} edited (publisher)\n"
    (draft,) = load_draft_items(engine, "2024-07")
    assert draft.publisher == "NSPCC and Baringa"
    md = cli("draft", "--edition", "2024-07").stdout
    assert "NSPCC and Baringa. Recruiting foster carers." in md
    assert cli("edition", "edit", str(item_id), "--publisher", " ").exit_code == 2
    reset = cli("edition", "edit", str(item_id), "--reset", "publisher")
    assert reset.output == f"item {item_id}: publisher reset to the feed's: 'NSPCC Learning'\n"
    (draft,) = load_draft_items(engine, "2024-07")
    assert draft.publisher == "NSPCC Learning"
    with engine.connect() as conn:
        trail = conn.execute(
            select(decisions.c.edits)
            .where(decisions.c.item_id == item_id, decisions.c.action == "edit")
            .order_by(decisions.c.id)
        ).all()
        searched = conn.execute(select(items.c.publisher).where(items.c.id == item_id)).one()
    assert [t.edits for t in trail] == [{"publisher": "NSPCC and Baringa"}, {"publisher": None}]
    assert searched.publisher == "NSPCC Learning"  # the feed's, which search reads, is kept
