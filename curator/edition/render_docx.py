"""Render an assembled edition to DOCX with python-docx, ready for the editors to finish in Word.

Real heading styles (Title, Heading 1/2/3) so Word's navigation pane shows the edition's tree, and
real hyperlinks (``w:hyperlink`` pointing at an external relationship), never field codes.
Feed text goes in as plain runs: python-docx escapes it, so markup in a summary stays text.
"""

from __future__ import annotations

import io
from typing import Any

from curator.edition.assemble import Block, Edition, EntryView

LINK_COLOUR = "0563C1"


def _add_hyperlink(paragraph: Any, url: str, text: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
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
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _placeholder(document: Any, text: str) -> None:
    from docx.enum.text import WD_COLOR_INDEX

    run = document.add_paragraph().add_run(text)
    run.italic = True
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _add_entry(document: Any, entry: EntryView, level: int) -> None:
    heading = document.add_heading(level=level)
    if entry.link:
        _add_hyperlink(heading, entry.link, entry.heading)
    else:
        heading.add_run(entry.heading)
    for block in entry.body:
        _add_block(document, entry, block)


def _add_block(document: Any, entry: EntryView, block: Block) -> None:
    if block.kind == "bullets":
        for line in block.lines:
            document.add_paragraph(line, style="List Bullet")
    elif entry.summary_missing and block is entry.body[0]:
        _placeholder(document, block.lines[0])
    else:
        document.add_paragraph(block.lines[0])


def render_docx(edition: Edition) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = f"{edition.publication} {edition.title}"
    document.add_heading(edition.publication, level=0)
    document.add_paragraph(edition.title, style="Subtitle")
    _placeholder(document, edition.letter_placeholder)
    document.add_heading(edition.news_heading, level=1)
    _placeholder(document, edition.news_placeholder)
    for section in edition.sections:
        document.add_heading(section.heading, level=1)
        for block in section.categories:
            if block.heading:
                document.add_heading(block.heading, level=2)
            for entry in block.entries:
                _add_entry(document, entry, level=3 if block.heading else 2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
