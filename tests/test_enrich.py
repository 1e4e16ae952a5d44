"""Reading a publication (curator.enrich): the acceptance cases through the real fetcher,
loopback server and parser process, hostile PDFs, and the pure pieces on their own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import TypeVar

import lxml.html
import pytest

from curator.enrich import (
    EnrichError,
    PageUnreadable,
    PdfEncrypted,
    PdfNoText,
    PdfTooLarge,
    ReaderCrashed,
    ReportTimeout,
)
from curator.enrich.blocks import blocks_from_tree
from curator.enrich.govuk import content_api_url, organisations
from curator.enrich.links import choose_report
from curator.enrich.pdflines import Line, blocks_from_lines
from curator.enrich.propose import propose
from curator.enrich.reader import ReadJob, read_job
from curator.enrich.records import Block, Document, ReportLink
from curator.enrich.sections import heading_kind
from curator.enrich.service import MAX_REPORT_BYTES, _parse
from curator.enrich.text import cut, sentences
from curator.fetch import BodyTooLarge, Fetcher
from curator.parse.pool import ParsePool
from tests.support.enrich import CASES, ENRICH, dense_pdf, load_case, run_case
from tests.support.fetching import LOOPBACK_ONLY
from tests.support.httpserver import LocalServer

A = TypeVar("A")
R = TypeVar("R")

PDFS = ENRICH / "pdfs"


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    with ParsePool(1, timeout=30) as p:
        yield p


def case(name: str) -> dict[str, object]:
    return load_case(next(p for p in CASES if p.stem == name))


def test_govuk_html_publication_gives_its_recommendations_in_order(
    server: LocalServer, pool: ParsePool
) -> None:
    got = run_case(server, pool, case("govuk-html-publication-recommendations"))
    item = json.loads((ENRICH / "govuk" / "start-for-life-html-publication.json").read_text())
    body = lxml.html.fromstring(item["details"]["body"])
    points = [" ".join(li.text_content().split()) for li in body.iter("li")]
    assert got["title"] == "Start for Life services: thematic review"
    assert got["publisher"] == "Ofsted and Care Quality Commission"
    assert got["lead_in"] == "Ofsted and Care Quality Commission recommend:"
    findings = got["key_findings"]
    # each proposed point is its recommendation, whole or cut at a sentence boundary, in order
    matched = [i for i, p in enumerate(points) if any(p.startswith(f) for f in findings)]
    assert len(matched) >= 0.9 * len(points)
    assert [next(f for f in findings if points[i].startswith(f)) for i in matched] == findings
    assert got["provenance"]["key_findings"].endswith("§ 2. Recommendations")


def test_a_landing_page_gets_its_findings_from_the_report_pdf(
    server: LocalServer, pool: ParsePool
) -> None:
    got = run_case(server, pool, case("drupal-landing-page-to-pdf"))
    pdf_path = "/sites/default/files/documents/care-act-2014-10-years-on.pdf"
    assert any(path == pdf_path for _m, path, _h in server.requests)
    assert got["report_url"] == "{base}" + pdf_path
    assert got["provenance"]["key_findings"] == "{base}" + pdf_path + " § Key findings"
    spec = json.loads((ENRICH / "pdf-text.json").read_text(encoding="utf-8"))
    lga = next(s for s in spec["pdfs"] if s["file"] == "lga-care-act-10-years-on.pdf")
    assert got["key_findings"] == [text for kind, text in lga["blocks"] if kind == "bullet"]
    assert got["lead_in"] == "Key findings include:"
    assert got["publisher"] == "Local Government Association"


def test_a_page_with_its_own_findings_does_not_fetch_the_report(
    server: LocalServer, pool: ParsePool
) -> None:
    got = run_case(server, pool, case("wordpress-findings-on-page"))
    assert len(got["key_findings"]) == 7
    assert not any(path.endswith(".pdf") for _m, path, _h in server.requests)


def _read(server: LocalServer, pool: ParsePool, path: str) -> object:
    async def go() -> object:
        async with Fetcher(LOOPBACK_ONLY) as fetcher:
            from curator.enrich import read_publication

            try:
                return await read_publication(fetcher, server.url(path), pool=pool)
            except EnrichError as exc:
                return exc

    return asyncio.run(go())


def test_a_hostile_pdf_fails_only_its_own_item(server: LocalServer, pool: ParsePool) -> None:
    good = (PDFS / "lga-care-act-10-years-on.pdf").read_bytes()
    server.add("/good.pdf", good, headers={"Content-Type": "application/pdf"})
    for name in ("encrypted", "image-only"):
        server.add(f"/{name}.pdf", (PDFS / f"hostile-{name}.pdf").read_bytes())
    results = [_read(server, pool, p) for p in ("/good.pdf", "/encrypted.pdf", "/good.pdf",
                                                "/image-only.pdf", "/good.pdf")]  # fmt: skip
    assert isinstance(results[1], PdfEncrypted)
    assert "needs a password" in str(results[1])
    assert isinstance(results[3], PdfNoText)
    for ok in results[0::2]:
        assert not isinstance(ok, Exception)
        assert len(getattr(ok, "key_findings", ())) == 6


def test_a_pdf_over_the_size_cap_is_not_read(server: LocalServer, pool: ParsePool) -> None:
    # made here, not committed: a PDF header and 50 MB and a bit of stream data
    huge = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * MAX_REPORT_BYTES
    server.add("/huge.pdf", huge, headers={"Content-Type": "application/pdf"})
    got = _read(server, pool, "/huge.pdf")
    assert isinstance(got, PdfTooLarge)
    assert "larger than the 50 MB cap" in str(got)
    # the same file as the report of a landing page: the page is still read
    page = (ENRICH / "pages" / "drupal-lga-care-act-10-years-on.html").read_bytes()
    page = page.replace(
        b"/sites/default/files/documents/care-act-2014-10-years-on.pdf", b"/huge.pdf"
    )
    server.add("/landing", page, headers={"Content-Type": "text/html"})
    landing = _read(server, pool, "/landing")
    assert getattr(landing, "title", None) == "Care Act 2014: 10 Years On"
    assert any(w.startswith("PdfTooLarge: ") for w in getattr(landing, "warnings", ()))


def test_a_pdf_that_takes_longer_than_the_parse_timeout_is_stopped() -> None:
    # one page of 40,000 lines: a couple of seconds of reading, stopped after half a second
    job = ReadJob("pdf", dense_pdf(40_000), "https://example.org/r.pdf")
    with ParsePool(1, timeout=0.5) as slow:
        slow.start()
        with pytest.raises(ReportTimeout, match=r"longer than 0.5 s.*CURATOR_PARSE_TIMEOUT"):
            asyncio.run(_parse(slow, job))
        # the pool goes on with a fresh worker
        small = ReadJob("pdf", (PDFS / "lga-care-act-10-years-on.pdf").read_bytes(), "u")
        assert asyncio.run(_parse(slow, small)).title == "Care Act 2014: 10 Years On"


def test_fetch_url_takes_a_larger_body_cap_for_one_call(server: LocalServer) -> None:
    server.add("/big", b"x" * 2048)
    small = LOOPBACK_ONLY.__class__(allowed_networks=("127.0.0.0/8",), max_bytes=1024)

    async def go() -> tuple[int, BaseException | None]:
        async with Fetcher(small) as fetcher:
            got = await fetcher.fetch_url(server.url("/big"), max_bytes=4096)
            try:
                await fetcher.fetch_url(server.url("/big"))
            except BodyTooLarge as exc:
                return len(got.content), exc
            return len(got.content), None

    size, refused = asyncio.run(go())
    assert size == 2048
    assert isinstance(refused, BodyTooLarge)


# -- pure pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Key findings", "findings"),
        ("2. Main findings", "findings"),
        ("Summary of findings", "findings"),
        ("Key messages", "findings"),
        ("Recommendations", "recommendations"),
        ("Conclusions and recommendations", "recommendations"),
        ("Conclusions", "conclusions"),
        ("1 Executive Summary", "executive_summary"),
        ("Summary", "summary"),
        ("Introduction", None),
        ("Methodology", None),
    ],
)
def test_heading_kinds(heading: str, kind: str | None) -> None:
    assert heading_kind(heading) == kind


def test_sentences_are_cut_out_of_the_text_whole() -> None:
    text = "Dr. Smith found it (e.g. in Hull). The rate rose 3.5 per cent! “Was it?” Yes."
    parts = sentences(text)
    assert parts == ["Dr. Smith found it (e.g. in Hull).", "The rate rose 3.5 per cent!",
                     "“Was it?”", "Yes."]  # fmt: skip
    assert all(p in text for p in parts)
    assert cut("One two three. Four five six seven. Eight.", 5) == "One two three."
    assert cut("A point made in a list; and", 70) == "A point made in a list"


def test_pdf_lines_without_font_hints() -> None:
    """Same font throughout: numbered headings, bullets and wrapped lines by position alone."""
    rows = [
        ("2. Key findings", 700), ("• Most councils said the", 676), ("duty was hard", 662),
        ("to meet.", 648), ("• Few had new money.", 624),
        ("Councils also reported long waits for", 600), ("assessments in", 586), ("2024.", 572),
    ]  # fmt: skip
    lines = [Line(text, 0, 11.0, False, y) for text, y in rows]
    assert blocks_from_lines(lines) == [
        Block("heading", "2. Key findings", 1),
        Block("item", "Most councils said the duty was hard to meet."),
        Block("item", "Few had new money."),
        Block("paragraph", "Councils also reported long waits for assessments in 2024."),
    ]


def test_nested_lists_keep_their_parent_point() -> None:
    html = (
        "<div><h2>Key findings</h2><ol><li><p>Main point.</p><ul><li>sub</li></ul></li></ol></div>"
    )
    blocks = blocks_from_tree(lxml.html.fragment_fromstring(html))
    assert blocks == [Block("heading", "Key findings", 2), Block("item", "Main point."),
                      Block("item", "sub", 1)]  # fmt: skip


def test_nothing_found_says_why() -> None:
    doc = Document(url="https://example.org/p", blocks=(Block("paragraph", "Too short."),))
    proposal = propose([doc], publisher=None)
    assert proposal.summary is None and not proposal.key_findings
    assert "fewer than the 40" in proposal.missing["summary"]
    assert "no Key findings" in proposal.missing["key_findings"]


def test_recommendations_without_a_publisher_have_a_plain_lead_in() -> None:
    blocks = (Block("heading", "Recommendations", 2), Block("item", "The government act now."),
              Block("item", "Councils share their data."))  # fmt: skip
    proposal = propose([Document(url="u", blocks=blocks)], publisher=None)
    assert proposal.lead_in == "Recommendations include:"


def test_govuk_helpers() -> None:
    assert content_api_url("https://www.gov.uk/government/publications/x/") == (
        "https://www.gov.uk/api/content/government/publications/x"
    )
    assert content_api_url("https://example.org/government/publications/x") is None
    links = {"organisations": [{"title": "Ofsted"}, {"title": "Care Quality Commission"}]}
    assert organisations(links) == "Ofsted and Care Quality Commission"


def test_choose_report_skips_easy_read_and_welsh_versions() -> None:
    links = [ReportLink("https://x/easy.pdf", "Easy read version", True),
             ReportLink("https://x/cy.pdf", "Welsh version (Cymraeg)", True),
             ReportLink("https://x/report.pdf", "Full report", True)]  # fmt: skip
    chosen = choose_report(links)
    assert chosen is not None and chosen.url == "https://x/report.pdf"


def test_a_content_api_answer_that_is_not_an_item_is_a_named_error() -> None:
    with pytest.raises(PageUnreadable, match=r"^https://x/p: the GOV.UK Content API sent JSON"):
        read_job(ReadJob("govuk", b"[1, 2]", "https://x/p"))


@pytest.mark.parametrize(
    ("title", "site_name"),
    [
        ("Prison education | Ministry of Justice", "Ministry of Justice"),
        ("Prison education | Reports | Ministry of Justice", "Ministry of Justice"),
        ("Prison education | annual figures", None),  # not a name
        ("| Ministry of Justice", None),  # nothing before the bar: no suffix
        ("Prison education - Ministry of Justice", None),  # a dash is too often the title's own
        ("Prison education", None),  # and never the host name, trafilatura's guess
    ],
)
def test_a_page_s_title_suffix_names_its_site(title: str, site_name: str | None) -> None:
    from curator.enrich.htmlpage import read_html

    html = (
        f"<html><head><title>{title}</title></head><body><svg><title>a | Not This</title></svg>"
        "<main><p>A review of education in prisons, what inspectors found and recommend.</p>"
        "</main></body></html>"
    )
    document = read_html(html.encode(), "https://www.justice.gov.uk/reports/prison-education")
    assert (document.site_name, document.publisher) == (site_name, None)


def test_a_publication_needing_more_memory_than_the_cap_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # read_job's catch-all turned the worker's MemoryError into a RuntimeError, which no caller
    # names: `item add` died with a traceback instead of naming CURATOR_PARSE_MEMORY_MB.
    import curator.enrich.htmlpage

    def greedy(content: bytes, url: str) -> Document:
        raise MemoryError

    monkeypatch.setattr(curator.enrich.htmlpage, "read_html", greedy)
    with pytest.raises(MemoryError):
        read_job(ReadJob("html", b"<html></html>", "https://x/p"))
    job = ReadJob("html", b"<html></html>", "https://x/p")
    # in-process (CURATOR_PARSE_WORKERS=0) no cap applies: the error is not blamed on one
    with ParsePool(0, memory_mb=256) as in_process, pytest.raises(MemoryError):
        asyncio.run(_parse(in_process, job))

    class Worker(ParsePool):
        """A pool whose worker process hit its cap: the MemoryError comes back as it is."""

        def call(self, function: Callable[[A], R], arg: A) -> Future[R]:
            done: Future[R] = Future()
            done.set_exception(MemoryError())
            return done

    named = r"more than the 256 MB.*CURATOR_PARSE_MEMORY_MB"
    with Worker(1, memory_mb=256) as capped, pytest.raises(ReaderCrashed, match=named):
        asyncio.run(_parse(capped, job))
