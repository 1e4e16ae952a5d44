"""A character XML 1.0 forbids (U+FFFF, U+FFFE, C0 controls but tab/LF/CR, lone surrogates) never
sinks the DOCX edition: it is stripped when an entry is normalised, the DOCX renderer strips it
again from whatever reaches it (rows stored before, editors' edits), and an item that still
cannot be rendered is flagged in place while the rest of the edition renders."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from sqlalchemy import Engine

from curator.edition.assemble import Block, DraftItem, Edition, assemble
from curator.edition.service import render
from curator.normalise import clean_text, xml_safe
from curator.parse import parse_document
from curator.records import SourceConfig
from curator.store.decisions import Actor, decide
from tests.support.factories import add_item

FORBIDDEN = ["\uffff", "\ufffe", "\x01", "\x0b", "\x1f", "\ud800", "\udfff"]
BLOG = SourceConfig(id="blog", publisher="A Blog", kind="feed", url="https://blog.example/feed")


def _item(item_id: int, title: str, url: str = "https://example.org/a") -> DraftItem:
    return DraftItem(
        item_id=item_id,
        publisher="Publisher",
        title=title,
        url=url,
        summary=f"Summary of {title}",
        key_findings=(f"finding{FORBIDDEN[0]}",),
        sector="criminal_justice",
        category="reports",
        position=None,
        accepted_at=None,
    )


def _texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


@pytest.mark.parametrize("char", FORBIDDEN)
def test_normalising_strips_what_xml_forbids(char: str) -> None:
    assert clean_text(f"Annual{char} report") == "Annual report"
    assert clean_text(f"<p>Annual{char} <b>report</b></p>") == "Annual report"
    assert xml_safe(f"https://x.example/a{char}b") == "https://x.example/ab"
    assert xml_safe("tab\tnew\nline\r ok é €") == "tab\tnew\nline\r ok é €"


def test_a_feed_title_with_uffff_reads_without_it() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Feed\uffff",
        "items": [
            {"id": "a\ufffe", "url": "https://blog.example/a\uffff", "title": "Annual\uffff report"}
        ],
    }
    parsed = parse_document(
        json.dumps(feed).encode(),
        source=BLOG,
        url=BLOG.url,
        headers={},
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    entry = parsed.entries[0]
    assert (parsed.title, entry.title, entry.guid) == ("Feed", "Annual report", "a")
    assert "\uffff" not in entry.original_url and "\uffff" not in entry.url


@pytest.mark.parametrize("char", FORBIDDEN)
def test_docx_renders_text_holding_what_xml_forbids(char: str) -> None:
    edition = assemble(
        "2024-06",
        [_item(1, f"Bad{char} title", url=f"https://example.org/a{char}"), _item(2, "Fine")],
    )
    texts = _texts(render(edition, "docx"))
    assert "Publisher. Bad title." in texts and "Publisher. Fine." in texts


def test_one_item_that_cannot_be_rendered_is_flagged_and_the_rest_render() -> None:
    good = assemble("2024-06", [_item(1, "First"), _item(2, "Broken"), _item(3, "Third")])
    # an item the renderer cannot handle, whatever the reason (here: a paragraph with no text)
    block = good.sections[0].categories[0]
    broken = block.entries[1]
    block.entries[1] = type(broken)(
        broken.item, broken.heading, broken.link, (Block("paragraph", ()),), False
    )
    warnings: list[str] = []
    texts = _texts(render(good, "docx", warnings=warnings))
    assert "Publisher. First." in texts and "Publisher. Third." in texts
    assert "Publisher. Broken." not in texts
    flagged = [t for t in texts if t.startswith("[ITEM 2 COULD NOT BE RENDERED")]
    assert len(flagged) == 1 and "Publisher. Broken." in flagged[0]
    assert warnings == [
        "item 2 ('Publisher. Broken.') could not be rendered in the DOCX edition "
        "(IndexError: tuple index out of range); it is flagged there: "
        "copy it from the Markdown or HTML draft"
    ]


@pytest.mark.storage
def test_curator_draft_docx_with_a_uffff_title_writes_the_edition(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from curator.cli import cli
    from curator.config import get_settings

    bad = add_item(engine, publisher="Ministry of Justice", title="Female\uffff Offender strategy")
    good = add_item(engine, publisher="Revolving Doors", title="Building bridges")
    for item_id in (bad, good):
        decide(
            engine,
            item_id,
            "accept",
            Actor("U_ED", "editor", via="slack"),
            sector="criminal_justice",
            now=datetime(2024, 7, 1, tzinfo=UTC),
        )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["draft", "--edition", "2024-07", "--format", "docx"])
    assert result.exit_code == 0, result.output
    texts = _texts((tmp_path / "pulse-2024-07.docx").read_bytes())
    assert "Ministry of Justice. Female Offender strategy." in texts
    assert "Revolving Doors. Building bridges." in texts


def test_every_renderer_survives_the_same_edition() -> None:
    edition: Edition = assemble("2024-06", [_item(1, "Bad\uffff\x01 title")])
    for fmt in ("md", "html", "docx"):
        assert render(edition, fmt)
