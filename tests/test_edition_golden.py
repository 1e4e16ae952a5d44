"""Golden test: the reference edition's items, accepted into edition 2024-06 through
the database, draft to the reference edition's order of sectors, categories and items in every
format."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from curator.records import CATEGORIES, SECTORS
from curator.store.decisions import Actor, decide
from tests.conftest import FIXTURES
from tests.support.factories import add_item

pytestmark = pytest.mark.storage

REFERENCE = FIXTURES / "reference"
SECTOR_HEADINGS = set(SECTORS.values())
CATEGORY_HEADINGS = set(CATEGORIES.values())
#: A heading tree: [(sector, [(category or None, [item headings])])]
Tree = list[tuple[str, list[tuple[str | None, list[str]]]]]


def normalise(heading: str) -> str:
    heading = re.sub(r"\[(.*?)\]\([^)]*\)", r"\1", heading)  # [text](url) -> text
    heading = re.sub(r"\\(.)", r"\1", heading)  # Markdown escapes
    heading = heading.replace("**", "").strip()
    return re.sub(r"\s+", " ", heading).rstrip(". ").strip()


def tree_by_text(headings: list[str]) -> Tree:
    """The reference's tree: its heading levels are messy, so sectors and categories are told
    apart by their text, and everything else is an item."""
    tree: Tree = []
    for text in headings:
        if text in SECTOR_HEADINGS:
            tree.append((text, []))
        elif not tree:
            continue  # title, letter, firm's news: before the first sector
        elif text in CATEGORY_HEADINGS:
            tree[-1][1].append((text, []))
        else:
            if not tree[-1][1]:
                tree[-1][1].append((None, []))
            tree[-1][1][-1][1].append(text)
    return tree


def tree_by_level(headings: list[tuple[int, str]]) -> Tree:
    """A rendered draft's tree, from its heading levels: sector, then category one level down,
    then items; items one level below a sector sit directly under it (no category)."""
    start = next(i for i, (_, text) in enumerate(headings) if text in SECTOR_HEADINGS)
    base = headings[start][0]
    tree: Tree = []
    for level, text in headings[start:]:
        if level == base:
            tree.append((text, []))
        elif level == base + 1 and text in CATEGORY_HEADINGS:
            tree[-1][1].append((text, []))
        elif level == base + 1:
            blocks = tree[-1][1]
            assert not blocks or blocks[-1][0] is None, f"{text!r} printed after a category"
            if not blocks:
                blocks.append((None, []))
            blocks[-1][1].append(text)
        elif level == base + 2:
            assert tree[-1][1] and tree[-1][1][-1][0] is not None, f"{text!r} has no category"
            tree[-1][1][-1][1].append(text)
        else:
            raise AssertionError(f"heading {text!r} at unexpected level {level}")
    return tree


def flat(tree: Tree) -> list[str]:
    out: list[str] = []
    for sector, blocks in tree:
        out.append(sector)
        for category, titles in blocks:
            out.extend([category] if category else [])
            out.extend(titles)
    return out


@pytest.fixture(scope="module")
def expected() -> Tree:
    text = (REFERENCE / "pulse-2024-06.md").read_text(encoding="utf-8")
    headings = [normalise(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)]
    return tree_by_text(headings)


def load_reference(engine: Engine) -> list[dict[str, Any]]:
    rows = [
        json.loads(line)
        for line in (REFERENCE / "pulse-2024-06-items.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    rows = [r for r in rows if r["sector"] != "cordis_news"]
    editor = Actor(user_id="U_EDITOR", user_name="editor", via="cli")
    # Accepted in reverse file order, so only the positions (file order) can give the right order.
    for position, row in reversed(list(enumerate(rows))):
        item_id = add_item(
            engine,
            publisher=row["publisher"],
            title=row["title"],
            title_key=row["title"].lower(),
            summary=row["summary"],
            url=f"https://example.org/pulse-2024-06/{position}",
            canonical_url=f"https://example.org/pulse-2024-06/{position}",
        )
        outcome = decide(
            engine,
            item_id,
            "accept",
            editor,
            sector=row["sector"],
            category=row["category"],
            edition="2024-06",
            position=position,
            now=datetime(2024, 6, 20, tzinfo=UTC) - timedelta(minutes=position),
        )
        assert outcome.result == "recorded"
    return rows


@pytest.fixture
def drafts(engine: Engine) -> dict[str, bytes]:
    from curator.edition.service import draft_files

    load_reference(engine)
    files = draft_files(engine, "2024-06", ("md", "html", "docx"))
    assert [name for name, _ in files] == [
        "pulse-2024-06.md",
        "pulse-2024-06.html",
        "pulse-2024-06.docx",
    ]
    return {name.rsplit(".", 1)[1]: content for name, content in files}


def test_reference_has_what_the_golden_test_expects(expected: Tree) -> None:
    # Guards the extraction itself: 3 sectors, Criminal Justice with no categories, 33 items.
    assert [s for s, _ in expected] == list(SECTORS.values())
    assert [c for c, _ in expected[2][1]] == [None]
    assert sum(len(titles) for _, blocks in expected for _, titles in blocks) == 33
    assert (
        "Department for Health and Social Care. Prevent duty: guidance for healthcare professional"
        in flat(expected)
    )


def test_markdown_matches_reference_order(drafts: dict[str, bytes], expected: Tree) -> None:
    md = drafts["md"].decode("utf-8")
    headings = [
        (len(m.group(1)), normalise(m.group(2))) for m in re.finditer(r"^(#+)\s+(.*)$", md, re.M)
    ]
    assert flat(tree_by_level(headings)) == flat(expected)
    assert tree_by_level(headings) == expected
    # House style: every item heading is "**Publisher. Title.**", linked to the publication.
    assert (
        "#### **[Department of Health and Social Care. Making prevention everyone's business.](https://example.org/pulse-2024-06/0)**"
        in md
    )
    assert "business..**" not in md


def test_docx_has_the_same_heading_tree(drafts: dict[str, bytes], expected: Tree) -> None:
    from docx import Document

    document = Document(io.BytesIO(drafts["docx"]))
    headings = [
        (int(p.style.name.split()[-1]), normalise(p.text))
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading ")
    ]
    assert tree_by_level(headings) == expected
    # Real hyperlinks (w:hyperlink + relationship) on the item headings.
    links = [h.address for p in document.paragraphs for h in p.hyperlinks]
    assert len(links) == 33
    assert links[0] == "https://example.org/pulse-2024-06/0"


def test_html_has_the_same_order(drafts: dict[str, bytes], expected: Tree) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(drafts["html"], "lxml")
    headings = [
        (int(tag.name[1]), normalise(tag.get_text()))
        for tag in soup.find_all(["h1", "h2", "h3", "h4"])
    ]
    assert tree_by_level(headings) == expected
    assert not soup.find_all("table")
    assert soup.body is not None
    assert all(tag.get("style") for tag in soup.body.find_all(["h2", "h3", "h4", "p"]))


def test_only_the_summary_the_file_cut_off_is_marked(drafts: dict[str, bytes]) -> None:
    """The reference items' summaries are loaded as the feed's. One of them stops mid-sentence
    where the reference file cut it at 4,000 characters ("…identify appropriate interventions
    for"); the edition itself goes on. That one, and only that one, carries the editors' note,
    after its text, in every format; the 32 whole summaries (lists ending without a full stop
    among them) carry none."""
    from bs4 import BeautifulSoup
    from docx import Document

    from curator.edition.cutoff import SUMMARY_CUT_NOTE

    cut_item = "HMI Prison and Probation Service and Ministry of Justice. Thematic review"
    md = drafts["md"].decode("utf-8")
    assert md.count("Summary cut off by the feed") == 1
    marked = md[: md.index("Summary cut off by the feed")]
    assert marked.rindex(cut_item) > marked.rindex("####")
    assert marked.rstrip().endswith("appropriate interventions for\n\n*\\[")

    soup = BeautifulSoup(drafts["html"], "lxml")
    notes = [p for p in soup.find_all("p") if p.get_text() == SUMMARY_CUT_NOTE]
    assert len(notes) == 1
    heading = notes[0].find_previous(["h3", "h4"])
    assert heading is not None and cut_item in heading.get_text()

    paragraphs = Document(io.BytesIO(drafts["docx"])).paragraphs
    texts = [p.text for p in paragraphs]
    assert texts.count(SUMMARY_CUT_NOTE) == 1
    at = texts.index(SUMMARY_CUT_NOTE)
    assert texts[at - 1].endswith("appropriate interventions for")
    headings = [p.text for p in paragraphs[:at] if p.style and p.style.name.startswith("Heading")]
    assert cut_item in headings[-1]
