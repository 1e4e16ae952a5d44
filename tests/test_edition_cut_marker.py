"""A summary the feed cut off is marked for the editors in every format of the draft, and listed
by `curator draft`; the editors' text and proposals are never marked."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from curator.commands.edition import cut_summaries
from curator.edition.assemble import DraftItem, Edition, assemble
from curator.edition.cutoff import (
    STORED_CUT_REASON,
    SUMMARY_CUT_NOTE,
    SUMMARY_SHORTENED_NOTE,
    cut_off_reason,
)
from curator.edition.proposed import ProposalText, item_text
from curator.edition.service import load_draft_items, render
from curator.normalise.text import clean_text
from curator.records import SUMMARY_MAX_CHARS
from curator.store.decisions import Actor, decide
from curator.store.proposals import NewProposal, save_proposal
from tests.support.cli import Run, in_process_cli
from tests.support.factories import add_item

#: The trial's example: a GOV.UK description the feed cut with "…" (the built DHSC fixture).
CUT = (
    "Guidance for NHS trusts and local authorities on supporting unpaid carers' involvement in "
    "discharge decisions and the role of the care transfer hub…"
)
WHOLE = "Annual survey of care workers on recruitment, retention, pay and wellbeing."
EDITOR = Actor("U_ED", "editor", via="cli")


def draft_item(n: int, summary: str, *, from_feed: bool = True, **kw: object) -> DraftItem:
    values: dict[str, object] = {
        "item_id": n,
        "publisher": "Department of Health and Social Care",
        "title": f"Publication {n}",
        "url": f"https://www.gov.uk/government/publications/{n}",
        "summary": summary,
        "key_findings": (),
        "sector": "adult_social_care_health",
        "category": "reports",
        "position": n,
        "accepted_at": datetime(2024, 6, 1, tzinfo=UTC),
        "summary_from_feed": from_feed,
    }
    values.update(kw)
    return DraftItem(**values)  # type: ignore[arg-type]


def edition() -> Edition:
    return assemble(
        "2024-06",
        [
            draft_item(1, CUT, key_findings=("Delays fell",)),
            draft_item(2, WHOLE),
            draft_item(3, CUT, from_feed=False),  # the editors' (or a proposal's) text
            draft_item(4, ""),  # no summary: "[Summary to write]", not a cut
        ],
    )


# --- assembling --------------------------------------------------------------------------------


def test_the_note_follows_the_summary_and_precedes_the_key_findings() -> None:
    built = edition()
    entries = built.sections[0].categories[0].entries
    first = entries[0]
    assert first.summary_cut == "it ends with an ellipsis"
    assert [(b.kind, b.lines) for b in first.body] == [
        ("paragraph", (CUT,)),  # the text itself is unchanged
        ("note", (SUMMARY_CUT_NOTE,)),
        ("paragraph", ("Key findings include:",)),
        ("bullets", ("Delays fell",)),
    ]
    assert [e.summary_cut for e in entries[1:]] == [None, None, None]
    assert all(b.kind != "note" for e in entries[1:] for b in e.body)
    assert [v.item.item_id for v in built.summaries_cut] == [1]
    assert built.summaries_to_write == 1


@pytest.mark.parametrize(
    ("edited", "proposal", "from_feed"),
    [
        (None, None, True),  # the feed's summary as it came
        ("Written by an editor…", None, False),
        # an unused proposal's summary prints (marked as proposed, never as cut)
        (None, ProposalText("Proposed…", (), None), False),
        # a used proposal was copied into the editors' text
        ("Proposed…", ProposalText("Proposed…", (), None, used_at=datetime(2024, 6, 2)), False),
        # a proposal of key findings only: the summary is still the feed's
        (None, ProposalText(None, ("A finding",), "Ofsted recommend:"), True),
    ],
)
def test_only_the_feeds_own_summary_is_checked(
    edited: str | None, proposal: ProposalText | None, from_feed: bool
) -> None:
    text = item_text(
        summary=CUT,
        edited_summary=edited,
        key_findings=None,
        edited_lead_in=None,
        proposal=proposal,
    )
    assert text.summary_from_feed is from_feed


def test_no_feed_summary_is_not_from_the_feed() -> None:
    text = item_text(
        summary=None, edited_summary=None, key_findings=None, edited_lead_in=None, proposal=None
    )
    assert not text.summary_from_feed


# --- rendering ---------------------------------------------------------------------------------


def test_markdown_marks_the_cut_summary_like_the_editors_other_notes() -> None:
    md = render(edition(), "md").decode("utf-8")
    note = "*\\[Summary cut off by the feed: complete it before publishing\\]*"
    assert md.count(note) == 1
    item = md.split("Publication 1.")[1].split("Publication 2.")[0]
    assert f"role of the care transfer hub…\n\n{note}\n\nKey findings include:" in item


def test_html_marks_the_cut_summary_as_a_highlighted_placeholder() -> None:
    from bs4 import BeautifulSoup, Tag

    from curator.edition.render_html import STYLES

    soup = BeautifulSoup(render(edition(), "html"), "lxml")
    notes = [p for p in soup.find_all("p") if p.get_text() == SUMMARY_CUT_NOTE]
    assert len(notes) == 1
    note = notes[0]
    assert note.get("style") == STYLES["todo"]  # as "[Summary to write]" is
    summary = note.find_previous_sibling("p")
    assert isinstance(summary, Tag) and summary.get_text() == CUT
    assert summary.get("style") != STYLES["todo"]
    to_write = [p for p in soup.find_all("p") if p.get_text() == "[Summary to write]"]
    assert [p.get("style") for p in to_write] == [STYLES["todo"]]


def test_docx_marks_the_cut_summary_as_a_highlighted_placeholder() -> None:
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX

    document = Document(io.BytesIO(render(edition(), "docx")))
    texts = [p.text for p in document.paragraphs]
    at = texts.index(SUMMARY_CUT_NOTE)
    assert texts.count(SUMMARY_CUT_NOTE) == 1
    assert texts[at - 1] == CUT and texts[at + 1] == "Key findings include:"
    [run] = document.paragraphs[at].runs
    assert run.italic and run.font.highlight_color == WD_COLOR_INDEX.YELLOW
    # ... as "[Summary to write]" is
    [placeholder] = document.paragraphs[texts.index("[Summary to write]")].runs
    assert placeholder.italic and placeholder.font.highlight_color == WD_COLOR_INDEX.YELLOW


# --- through the database and `curator draft` ----------------------------------------------------


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    return in_process_cli(monkeypatch, tmp_path, CURATOR_DATABASE_URL=db_url)


def accept(engine: Engine, item_id: int) -> None:
    decide(
        engine,
        item_id,
        "accept",
        EDITOR,
        sector="adult_social_care_health",
        category="reports",
        now=datetime(2024, 6, 3, tzinfo=UTC),
    )


@pytest.mark.storage
def test_draft_lists_the_cut_summaries_until_an_editor_completes_them(
    cli: Run, engine: Engine
) -> None:
    cut = add_item(engine, publisher="DHSC", title="Hospital discharge", summary=CUT)
    whole = add_item(engine, publisher="DHSC", title="Care workforce survey", summary=WHOLE)
    for item_id in (cut, whole):
        accept(engine, item_id)

    md = cli("draft", "--edition", "2024-06")
    assert md.exit_code == 0
    assert md.stdout.count("Summary cut off by the feed") == 1
    assert "edition 2024-06: 2 items, 1 with a summary cut off by the feed" in md.stderr
    assert (
        f"to check: item {cut} ('DHSC. Hospital discharge.'): its summary was cut off by the "
        f'feed (it ends with an ellipsis); complete it: curator edition edit {cut} --summary "…"'
    ) in md.stderr
    assert f"item {whole} " not in md.stderr

    decide(engine, cut, "edit", EDITOR, edits={"summary": CUT[:-1] + "."})
    again = cli("draft", "--edition", "2024-06")
    assert "Summary cut off" not in again.stdout
    assert "cut off" not in again.stderr and "to check" not in again.stderr


@pytest.mark.storage
def test_a_proposed_summary_is_never_marked_as_cut(engine: Engine) -> None:
    item_id = add_item(engine, title="Hospital discharge", summary=CUT)
    accept(engine, item_id)
    [before] = load_draft_items(engine, "2024-06")
    assert before.summary_from_feed
    with engine.begin() as conn:
        proposal = NewProposal(url="https://www.gov.uk/x", summary="Proposed, and whole…")
        save_proposal(conn, item_id, proposal, datetime(2024, 6, 4, tzinfo=UTC))
    [proposed] = load_draft_items(engine, "2024-06")
    assert proposed.summary == "Proposed, and whole…" and not proposed.summary_from_feed
    assert assemble("2024-06", [proposed]).summaries_cut == ()
    decide(engine, item_id, "use_proposal", EDITOR)
    [used] = load_draft_items(engine, "2024-06")
    assert used.summary == "Proposed, and whole…" and not used.summary_from_feed


def test_a_summary_the_bot_shortened_when_storing_it_is_not_blamed_on_the_feed() -> None:
    """A feed that sends a whole article as its description: the summary is stored cut at
    ``SUMMARY_MAX_CHARS`` with "…" by ``clean_text``; the note says so, and tells the editor to
    complete it all the same."""
    article = " ".join(
        f"Sentence {n} of a long article about adult social care." for n in range(600)
    )
    stored = clean_text(article, max_chars=SUMMARY_MAX_CHARS)
    assert stored.endswith("…") and len(stored) <= SUMMARY_MAX_CHARS
    assert cut_off_reason(stored) == STORED_CUT_REASON
    assert cut_off_reason(CUT) == "it ends with an ellipsis"  # a teaser is still the feed's
    # a long link across the limit moves the cut back to the space before it
    linked = "Read it at " * 445 + "https://assets.publishing.service.gov.uk/" + "x" * 150
    assert len(clean_text(linked, max_chars=SUMMARY_MAX_CHARS)) < SUMMARY_MAX_CHARS - 100
    assert cut_off_reason(clean_text(linked, max_chars=SUMMARY_MAX_CHARS)) == STORED_CUT_REASON
    built = assemble("2024-06", [draft_item(1, stored), draft_item(2, CUT)])
    notes = [
        b.lines for e in built.sections[0].categories[0].entries for b in e.body if b.kind == "note"
    ]
    assert notes == [(SUMMARY_SHORTENED_NOTE,), (SUMMARY_CUT_NOTE,)]
    assert SUMMARY_SHORTENED_NOTE == (
        "[Summary shortened to 5,000 characters when stored: complete it before publishing]"
    )
    assert built.to_finish() == [
        "1 with a summary cut off by the feed",
        "1 with a summary shortened when stored",
    ]
    assert cut_summaries(built)[0] == (
        "to check: item 1 ('Department of Health and Social Care. Publication 1.'): its summary "
        "was shortened when stored (the bot kept its first 5,000 characters); complete it: "
        'curator edition edit 1 --summary "…"'
    )
