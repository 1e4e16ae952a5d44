"""What an editor would not keep must not be proposed: a page's furniture (cookie banners,
contents pages, captions, running footers), a sentence cut at a page's end, a footnote mark glued
to a word, a word left broken by a PDF line end. Found in the editors' trial of the proposals;
the whole-document case is tests/fixtures/enrich/cases/pdf-typeset-report.json."""

from __future__ import annotations

from collections.abc import Sequence

import lxml.html
import pytest

from curator.enrich.blocks import blocks_from_tree
from curator.enrich.htmlpage import read_html
from curator.enrich.pdflines import Line, blocks_from_lines
from curator.enrich.propose import furniture, propose
from curator.enrich.records import Block, Document
from curator.enrich.text import complete

OPENING = (
    "In March and April 2024, the LGA sent an online survey to lead members for adult social "
    "care at English single-tier and county councils, to gather their insights on the impact "
    "of the 2014 Care Act a decade after receiving royal assent, and to provide their thoughts "
    "on the current status of the adult social care sector."
)


def _paragraph(rows: Sequence[tuple[str, float]], page: int = 0) -> list[Line]:
    return [Line(text, page, 11.0, False, y) for text, y in rows]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        # the document spells the word whole elsewhere: the hyphen was the line end's
        (["other coun-", "cils said so.", "Most councils agreed."], "other councils said so."),
        # the document spells it with its hyphen elsewhere
        (
            ["English single-", "tier councils.", "All single-tier councils."],
            "English single-tier councils.",
        ),
        # no spelling elsewhere: two words it uses on their own keep their hyphen
        (
            ["English single-", "tier councils.", "A single council in each tier."],
            "English single-tier councils.",
        ),
        (["their well-", "being matters."], "their well-being matters."),  # a prefix
        (["Covid-", "19 cases rose."], "Covid-19 cases rose."),  # a figure after the hyphen
        (["reforms to imple-", "ment soon."], "reforms to implement soon."),  # hyphenation
        (["stretched -", "more than half."], "stretched - more than half."),  # a dash
    ],
)
def test_a_word_broken_at_a_line_end_is_joined_as_the_document_spells_it(
    lines: list[str], joined: str
) -> None:
    rows = [(text, 700 - 14 * i) for i, text in enumerate(lines[:2])]
    rows += [(text, 600 - 14 * i) for i, text in enumerate(lines[2:])]  # another paragraph
    blocks = blocks_from_lines(_paragraph(rows))
    assert blocks[0] == Block("paragraph", joined)


def test_the_rest_of_a_line_after_a_footnote_mark_stays_in_its_paragraph() -> None:
    """PDFium ends a line at a raised footnote mark; the rest of the line has the same
    baseline: it runs on, not a new paragraph (nor a new column)."""
    rows = [
        ("In March and April 2024, the LGA sent an online survey to lead members for adult", 700),
        (
            "social care at English single-tier and county councils, to gather their insights on",
            686,
        ),
        ("the impact of the 2014 Care Act a decade after receiving royal assent,", 672),
        ("and to provide their thoughts on the", 672),
        ("current status of the adult social care sector.", 658),
    ]
    assert blocks_from_lines(_paragraph(rows)) == [Block("paragraph", OPENING)]


def test_a_running_footer_with_its_page_number_is_not_text() -> None:
    lines = []
    for page in range(5):
        lines += [
            Line(f"Findings set out on page {page + 1} of the report are summarised.", page,
                 11.0, False, 700),
            Line(f"Local Government Association {page + 1}", page, 8.0, False, 40),
        ]  # fmt: skip
    texts = [b.text for b in blocks_from_lines(lines)]
    assert not [t for t in texts if "Local Government Association" in t]
    assert len(texts) == 5


@pytest.mark.parametrize(
    "text",
    [
        "Figure 1: Confidence that the council will meet its statutory duties in 2025/26 (n=49) "
        "Very confident 12% 6 Fairly confident 57% 28",
        "Table 3. Councils by region and type, 2024 (number of respondents in each)",
        "Source: LGA survey of lead members, 2024, weighted by council type.",
        "Summary ............ 3 Key findings ............ 3 Methodology ............ 4",
        "We use cookies to make this website work and to understand how you use it.",
        "You need to enable JavaScript to run this app.",
        "We'd like to set additional cookies to understand how you use the site.",
        "This website uses cookies to improve your experience.",
        "JavaScript is disabled in your browser, so parts of this page will not work.",
    ],
)
def test_furniture_is_not_quoted(text: str) -> None:
    assert furniture(text)
    blocks = (Block("heading", "Summary", 2), Block("paragraph", text),
              Block("heading", "Key findings", 2), Block("item", text),
              Block("item", text))  # fmt: skip
    proposal = propose([Document(url="u", blocks=blocks)], publisher=None)
    assert proposal.summary is None and not proposal.key_findings


def test_a_finding_about_a_table_is_not_furniture() -> None:
    assert not furniture("Tables in every council showed waits rising by 12 per cent.")
    assert not furniture(OPENING)


@pytest.mark.parametrize(
    "text",
    [
        "Sugar in biscuits, cakes and cookies sold in supermarkets fell by 5 per cent by 2020.",
        "Nine in ten of the apps children used most set tracking cookies without asking them.",
        "Schools taught pupils to write JavaScript in 40 per cent of computing lessons observed.",
    ],
)
def test_a_finding_that_names_cookies_or_javascript_is_not_furniture(text: str) -> None:
    # Only a banner or a notice is furniture: a report's own finding about biscuits or online
    # tracking was dropped from the summary and the key findings for the word alone.
    assert not furniture(text)
    blocks = (Block("heading", "Key findings", 2), Block("item", text))
    assert propose([Document(url="u", blocks=blocks)], publisher=None).key_findings == (text,)


@pytest.mark.parametrize(
    ("sentence", "whole"),
    [
        (OPENING, True),
        ("“Was it worth it?”", True),
        ("2024 was the hardest year yet.", True),
        ("and to provide their thoughts on the current status of the sector.", False),
        ("a decade after receiving royal assent,", False),
        ("The councils were asked to:", False),
        ("The report sets out what councils found …", False),
    ],
)
def test_only_whole_sentences_are_quoted_in_a_summary(sentence: str, whole: bool) -> None:
    assert complete(sentence) is whole


def test_a_summary_never_ends_on_a_sentence_cut_at_a_page_end() -> None:
    cut = (
        "In March and April 2024, the LGA sent an online survey to lead members for adult "
        "social care at English single-tier and county councils, to gather their insights on "
        "the impact of the 2014 Care Act a decade after receiving royal assent,1"
    )
    rest = (
        "and to provide their thoughts on the current status of the adult social care sector. "
        "A total of 49 responded – a response rate of 32 per cent, and every region answered."
    )
    blocks = (Block("heading", "Summary", 2), Block("paragraph", cut), Block("paragraph", rest))
    proposal = propose([Document(url="u", blocks=blocks)], publisher=None)
    assert proposal.summary is None  # too little left that reads whole: the feed's stays
    assert "royal assent" not in (proposal.summary or "")


@pytest.mark.parametrize(
    "mark",
    [
        "<sup>1</sup>",
        '<sup><a href="#fn1">12</a></sup>',
        "<sup>[3]</sup>",
        "<sup>4,5</sup>",
        "<sup>*</sup>",
        '<hi rend="#sup">1</hi>',  # as trafilatura writes it
    ],
)
def test_a_footnote_mark_is_not_glued_to_the_word_before(mark: str) -> None:
    html = f"<div><p>It explored community champions during the pandemic.{mark} It drew.</p></div>"
    blocks = blocks_from_tree(lxml.html.fragment_fromstring(html))
    assert blocks == [
        Block("paragraph", "It explored community champions during the pandemic. It drew.")
    ]


def test_a_superscript_that_is_not_a_footnote_mark_is_kept() -> None:
    html = "<div><p>It was the 1<sup>st</sup> ward to open, in the 21<sup>st</sup> year.</p></div>"
    blocks = blocks_from_tree(lxml.html.fragment_fromstring(html))
    assert blocks[0].text == "It was the 1st ward to open, in the 21st year."


SHELL = (
    b'<!doctype html><html lang="en"><head><title>Loading</title>'
    b'<script src="/static/js/main.js" defer></script></head><body>'
    b'<div class="cookie-notice"><p>We use some essential cookies to make this website work. '
    b"We'd like to set additional cookies to understand how you use the site.</p></div>"
    b"<noscript>You need to enable JavaScript to run this app.</noscript>"
    b'<div id="root"></div></body></html>'
)


def test_a_page_built_by_javascript_says_so_instead_of_quoting_its_cookie_banner() -> None:
    document = read_html(SHELL, "https://example.org/report/")
    assert document.scripted
    assert any("almost no text without JavaScript" in w for w in document.warnings)
    proposal = propose([document], publisher=None)
    assert proposal.summary is None
    assert proposal.missing["summary"] == (
        "https://example.org/report/ has almost no text without JavaScript (it is built in the "
        "browser, and the bot runs no scripts): read it in a browser and write the summary by "
        "hand"
    )


def test_a_thin_landing_page_that_links_its_report_is_not_taken_for_a_script_shell() -> None:
    page = (
        b"<html><head><title>Care Act 2014: 10 Years On</title><script src='/ga.js'></script>"
        b"</head><body><main><h1>Care Act 2014: 10 Years On</h1>"
        b"<p><a href='/files/care-act.pdf'>Download the report (PDF)</a></p></main></body></html>"
    )
    document = read_html(page, "https://example.org/care-act/")
    assert not document.scripted and document.report_links
    assert not [w for w in document.warnings if "JavaScript" in w]
