"""Rendering: hostile feed text stays inert and Unicode survives, in every format."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from curator.edition.assemble import DraftItem, Edition, assemble
from curator.edition.service import render

HOSTILE_SUMMARY = (
    "Before <script>alert('s')</script> middle <img src=x onerror=alert('i')> "
    "<a href=\"javascript:alert('a')\">click me</a> [md](javascript:alert(1)) after"
)
UNICODE = "Gwasanaeth Gwarcheidiaeth ŵ ŷ – costs £5m, “curly” ‘quotes’ and café"


def hostile_edition() -> Edition:
    return assemble(
        "2024-06",
        [
            DraftItem(
                item_id=1,
                publisher='Evil <b onmouseover="alert(1)">Corp</b>',
                title="<script>alert('t')</script>",
                url="javascript:alert('u')",
                summary=HOSTILE_SUMMARY,
                key_findings=("<iframe src='https://evil.example'></iframe>",),
                sector="criminal_justice",
                category=None,
                position=None,
                accepted_at=None,
            ),
            DraftItem(
                2,
                "Safe",
                "Linked",
                "https://example.org/ok",
                "Fine.",
                (),
                "criminal_justice",
                None,
                None,
                None,
            ),
        ],
    )


def test_html_is_inert() -> None:
    from bs4 import BeautifulSoup

    html = render(hostile_edition(), "html").decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all(["script", "img", "iframe", "b"])
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.org/ok"]
    assert "javascript:" not in " ".join(str(a) for a in soup.find_all("a"))
    # The text is kept, as text: editors see what the feed said.
    text = soup.get_text()
    assert "<script>alert('s')</script>" in text
    assert "<img src=x onerror=alert('i')>" in text


def test_docx_is_inert() -> None:
    from docx import Document

    data = render(hostile_edition(), "docx")
    document = Document(io.BytesIO(data))
    links = [h.address for p in document.paragraphs for h in p.hyperlinks]
    assert links == ["https://example.org/ok"]
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").decode()
    assert "javascript" not in rels.lower()
    text = "\n".join(p.text for p in document.paragraphs)
    assert "<script>alert('s')</script>" in text  # literal text in a run, not markup
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_markdown_escapes_markup() -> None:
    md = render(hostile_edition(), "md").decode("utf-8")
    assert re.search(r"(?<!\\)<", md) is None  # every "<" from the feed is escaped
    assert re.search(r"(?<!\\)\]\(javascript:", md) is None  # no live Markdown link
    assert r"\<img src=x onerror=alert('i')\>" in md
    assert re.search(r"^### \*\*\[Safe\. Linked\.\]\(https://example\.org/ok\)\*\*$", md, re.M)


def test_control_characters_do_not_break_docx() -> None:
    from docx import Document

    edition = assemble(
        "2024-06",
        [
            DraftItem(
                1,
                "P\x0b",
                "T\x00itle",
                "https://e.org",
                "Sum\x1fmary",
                (),
                "criminal_justice",
                None,
                None,
                None,
            )
        ],
    )
    document = Document(io.BytesIO(render(edition, "docx")))
    assert "Summary" in [p.text for p in document.paragraphs]


@pytest.mark.storage
def test_unicode_survives_every_format(engine: Engine) -> None:
    from bs4 import BeautifulSoup
    from docx import Document

    from curator.edition.service import draft_files
    from curator.store.decisions import Actor, decide
    from tests.support.factories import add_item

    item_id = add_item(engine, publisher=UNICODE, title=UNICODE, summary=UNICODE)
    decide(
        engine,
        item_id,
        "accept",
        Actor("U1"),
        sector="children_young_people",
        category="reports",
        edits={"key_findings": [UNICODE]},
        now=datetime(2024, 6, 5, tzinfo=UTC),
    )
    files = dict(draft_files(engine, "2024-06", ("md", "html", "docx")))
    md = files["pulse-2024-06.md"].decode("utf-8")
    assert md.count(UNICODE) == 4  # heading (publisher, title), summary, key finding
    html_text = BeautifulSoup(files["pulse-2024-06.html"], "lxml").get_text()
    assert html_text.count(UNICODE) == 4
    document = Document(io.BytesIO(files["pulse-2024-06.docx"]))
    assert "\n".join(p.text for p in document.paragraphs).count(UNICODE) == 4
