"""Render an assembled edition to DOCX with python-docx, ready for the editors to finish in Word.

Real heading styles (Title, Heading 1/2/3) so Word's navigation pane shows the edition's tree, and
real hyperlinks (``w:hyperlink`` pointing at an external relationship), never field codes.
Feed text goes in as plain runs: python-docx escapes it, so markup in a summary stays text.

A DOCX file is XML, and lxml refuses a character XML 1.0 forbids (U+FFFF, a C0 control...): such
characters are stripped from every piece of text here, whatever reached the edition (rows stored
before normalisation stripped them, editors' edits). And one item never sinks the edition: an
item that still cannot be written is replaced by a highlighted note naming it, and a warning
says so.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from curator.edition.assemble import Block, Edition, EntryView
from curator.normalise import xml_safe

LINK_COLOUR = "0563C1"
#: Who the comments marking proposed text are from, as Word shows them.
COMMENT_AUTHOR = "Pulse Curator"
COMMENT_INITIALS = "PC"
log = logging.getLogger(__name__)


def _add_hyperlink(paragraph: Any, url: str, text: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(xml_safe(url), RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), LINK_COLOUR)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(colour)
    props.append(underline)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = xml_safe(text)
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _placeholder(document: Any, text: str) -> None:
    from docx.enum.text import WD_COLOR_INDEX

    run = document.add_paragraph().add_run(xml_safe(text))
    run.italic = True
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _add_entry(document: Any, entry: EntryView, level: int) -> None:
    heading = document.add_heading(level=level)
    if entry.link:
        _add_hyperlink(heading, entry.link, entry.heading)
    else:
        heading.add_run(xml_safe(entry.heading))
    proposed: list[Any] = []  # the runs of text quoted from the publication, not yet checked
    for block in entry.body:
        runs = _add_block(document, entry, block)
        if block.proposed:
            proposed += runs
    if proposed and entry.proposed_note:
        # A Word comment over the proposed text: the editors see where it came from in the
        # margin, and nothing is added to the text itself.
        document.add_comment(
            [proposed[0], proposed[-1]],
            text=xml_safe(entry.proposed_note),
            author=COMMENT_AUTHOR,
            initials=COMMENT_INITIALS,
        )


def _add_block(document: Any, entry: EntryView, block: Block) -> list[Any]:
    """Write one block; returns the runs it wrote."""
    paragraphs = []
    if block.kind == "bullets":
        for line in block.lines:
            paragraphs.append(document.add_paragraph(xml_safe(line), style="List Bullet"))
    elif block.kind == "note" or (entry.summary_missing and block is entry.body[0]):
        _placeholder(document, block.lines[0])
    else:
        paragraphs.append(document.add_paragraph(xml_safe(block.lines[0])))
    return [run for paragraph in paragraphs for run in paragraph.runs]


def _add_entry_or_flag(
    document: Any, entry: EntryView, level: int, warnings: list[str] | None
) -> None:
    """``_add_entry``, or, when it fails, a highlighted note in its place and a warning."""
    body = document.element.body
    before = set(body)  # holding them keeps lxml's proxies, so membership is by identity
    try:
        _add_entry(document, entry, level)
    except Exception as exc:  # whatever it is, the other items and the file must still be written
        for element in [e for e in body if e not in before]:  # what this item added
            body.remove(element)
        name = f"item {entry.item.item_id} ({xml_safe(entry.heading)[:80]!r})"
        why = f"{type(exc).__name__}: {exc}"
        _placeholder(
            document,
            f"[ITEM {entry.item.item_id} COULD NOT BE RENDERED: {entry.heading} — copy it from "
            "the Markdown or HTML draft]",
        )
        message = (
            f"{name} could not be rendered in the DOCX edition ({why}); it is flagged there: "
            "copy it from the Markdown or HTML draft"
        )
        log.warning("%s", message)
        if warnings is not None:
            warnings.append(message)


def render_docx(edition: Edition, warnings: list[str] | None = None) -> bytes:
    """The edition as a .docx file; problems with single items are appended to ``warnings``
    (and logged)."""
    from docx import Document

    document = Document()
    document.core_properties.title = xml_safe(f"{edition.publication} {edition.title}")
    document.add_heading(xml_safe(edition.publication), level=0)
    document.add_paragraph(xml_safe(edition.title), style="Subtitle")
    _placeholder(document, edition.letter_placeholder)
    document.add_heading(xml_safe(edition.news_heading), level=1)
    _placeholder(document, edition.news_placeholder)
    for section in edition.sections:
        document.add_heading(xml_safe(section.heading), level=1)
        for block in section.categories:
            if block.heading:
                document.add_heading(xml_safe(block.heading), level=2)
            for entry in block.entries:
                _add_entry_or_flag(document, entry, 3 if block.heading else 2, warnings)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
