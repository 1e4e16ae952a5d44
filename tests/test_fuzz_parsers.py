"""Fuzzing, a little: every parser that reads what a publisher's server sends is fed mutated
captured documents (tests/fixtures/feeds, pages, api, and enrich for the publication readers)
and must give an entry list (a document and its proposal) or a named error, never a crash; text
that comes out can always be stored and written as XML.

The examples are the same on every run (``derandomize``) so CI stays deterministic. To fuzz
longer with fresh random examples: ``CURATOR_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q
tests/test_fuzz_parsers.py``.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.enrich.errors import EnrichError, PageUnreadable, PdfMalformed, ReportUnreadable
from curator.enrich.govuk import parent_url, read_content_item
from curator.enrich.htmlpage import read_html
from curator.enrich.pdf import read_pdf
from curator.enrich.pdflines import Line, blocks_from_lines
from curator.enrich.propose import propose
from curator.enrich.records import Document
from curator.errors import ParseError
from curator.fetch.decode import TooLarge, Undecodable, read_capped
from curator.fetch.headers import parse_max_age, parse_retry_after
from curator.fetch.robots import rules_from_response
from curator.normalise import canonical_url, clean_text, parse_date
from curator.parse import parse_document
from curator.parse.discover import discover_feeds, looks_like_feed, looks_like_html
from curator.records import Entry, PageSelectors, ParsedFeed, SourceConfig
from tests.conftest import FIXTURES

_EXAMPLES = os.environ.get("CURATOR_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_EXAMPLES or 120),
    deadline=timedelta(seconds=5),  # one document, even mutated, parses in well under a second
    derandomize=_EXAMPLES is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Documents up to this size (larger ones cost seconds each through feedparser).
MAX_DOCUMENT = 70_000
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _documents(folder: str, pattern: str) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted((FIXTURES / folder).glob(pattern))
        if not p.name.endswith(".json") or folder == "api"
        if p.stat().st_size <= MAX_DOCUMENT
    }


FEEDS = {**_documents("feeds", "*"), **_documents("api", "*.json")}
PAGES = _documents("pages", "*.html")
EVERYTHING = {**FEEDS, **PAGES}
#: Pieces that have broken parsers before, or that parsers treat specially.
TOKENS = [
    b'<!DOCTYPE rss [<!ENTITY a "AAAAAAAAAAAAAAAA">]>',
    b"<!ENTITY b '&a;&a;&a;&a;'>",
    b"&a;&b;",
    b"<!-- <a -->",
    b"<![CDATA[",
    b"]]>",
    b"&#xD800;",
    b"&#x110000;",
    b"&#0;",
    b"&#99999999999999999999;",
    b"\xef\xbf\xbf",  # U+FFFF
    b"\xed\xa0\x80",  # a surrogate, as invalid UTF-8
    b"\x00",
    b"\xff\xfe",
    b'"\\ud800"',
    b"\\u0000",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b"<?xml version='1.0' encoding='unicode_escape'?>",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b"<item><title>",
    b"</title><link>javascript:alert(1)</link></item>",
    b"<entry xml:base='//evil.example/'><link href='../x'/></entry>",
    b"<link rel='alternate' type='application/rss+xml' href='[/]",
    b"<base href='http://[::1]/'>",
    b"<time datetime='9999-99-99'>",
    b"\r",
    b"<",
    b">",
    b"&",
]


class Mutated:
    """A captured document after a few edits; its repr names the document and the edits (the
    bytes would make hypothesis print tens of kilobytes)."""

    def __init__(self, name: str, data: bytes, edits: list[str]) -> None:
        self.name, self.data, self.edits = name, data, edits

    def __repr__(self) -> str:
        return f"Mutated({self.name!r}, edits={self.edits})"


@st.composite
def mutated(draw: st.DrawFn, documents: dict[str, bytes]) -> Mutated:
    """A captured document with a few random edits: bytes changed, cut, repeated or inserted."""
    name = draw(st.sampled_from(sorted(documents)))
    data = bytearray(documents[name])
    edits: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        size = draw(st.integers(1, 64))
        edit = draw(st.sampled_from(["token", "bytes", "delete", "repeat", "truncate", "flip"]))
        if edit == "token":
            piece = draw(st.sampled_from(TOKENS))
            data[at:at] = piece
            edits.append(f"insert {piece!r} at {at}")
        elif edit == "bytes":
            piece = draw(st.binary(min_size=1, max_size=size))
            data[at:at] = piece
            edits.append(f"insert {piece!r} at {at}")
        elif edit == "delete":
            del data[at : at + size]
            edits.append(f"delete {size} at {at}")
        elif edit == "repeat":
            times = draw(st.integers(2, 50))
            data[at:at] = data[at : at + size] * times
            edits.append(f"repeat {size} at {at} x{times}")
        elif edit == "truncate":
            del data[at:]
            edits.append(f"truncate at {at}")
        elif at < len(data):
            bit = draw(st.integers(0, 7))
            data[at] ^= 1 << bit
            edits.append(f"flip bit {bit} at {at}")
    return Mutated(name, bytes(data), edits)


HEADERS = st.sampled_from(
    [
        {},
        {"Content-Type": "application/rss+xml; charset=utf-8"},
        {"Content-Type": "text/xml"},
        {"Content-Type": "text/html; charset=windows-1252"},
        {"Content-Type": "application/atom+xml; charset=utf-16"},
        {"Content-Type": "application/feed+json"},
    ]
)


def assert_storable(parsed: ParsedFeed) -> None:
    """What a parser gives can be stored (UTF-8) and written into the DOCX edition (XML)."""
    assert isinstance(parsed.entries, list)
    for entry in parsed.entries:
        assert isinstance(entry, Entry)
        for text in (entry.title, entry.summary, entry.url, entry.original_url, entry.guid or ""):
            text.encode("utf-8")
            assert not NOT_XML.search(text), text
        assert entry.title and entry.url.startswith("https://")
    for warning in parsed.warnings:
        warning.encode("utf-8")
    if parsed.title:
        assert not NOT_XML.search(parsed.title)


FEED_SOURCE = SourceConfig(
    id="fuzz", publisher="Fuzz", kind="feed", url="https://publisher.example/feed"
)


@FUZZ
@given(document=mutated(FEEDS), headers=HEADERS)
def test_feeds_give_entries_or_a_named_error(document: Mutated, headers: dict[str, str]) -> None:
    try:
        parsed = parse_document(
            document.data, source=FEED_SOURCE, url=FEED_SOURCE.url, headers=headers, now=NOW
        )
    except ParseError as exc:
        assert str(exc).startswith("fuzz: ")
        return
    assert_storable(parsed)


def _page_sources() -> dict[str, SourceConfig]:
    found = {}
    for path in sorted((FIXTURES / "pages").glob("*.expected.json")):
        given_ = json.loads(path.read_text(encoding="utf-8"))["input"]
        found[path.name.removesuffix(".expected.json")] = SourceConfig(
            id="fuzz",
            publisher="Fuzz",
            kind="page",
            url=given_["url"],
            selectors=PageSelectors(**given_["source"]["selectors"]),
        )
    return found


PAGE_SOURCES = _page_sources()


@FUZZ
@given(document=mutated(PAGES), headers=HEADERS)
def test_pages_give_entries_or_a_named_error(document: Mutated, headers: dict[str, str]) -> None:
    source = PAGE_SOURCES[document.name]
    try:
        parsed = parse_document(
            document.data, source=source, url=source.url, headers=headers, now=NOW
        )
    except ParseError as exc:
        assert str(exc).startswith("fuzz: ")
        return
    assert_storable(parsed)


@FUZZ
@given(document=mutated(EVERYTHING), content_type=st.sampled_from([None, "text/html", "text/xml"]))
def test_feed_discovery_never_crashes(document: Mutated, content_type: str | None) -> None:
    content = document.data
    for feed in discover_feeds(content, "https://publisher.example/page"):
        assert feed.url.startswith(("http://", "https://"))
    assert isinstance(looks_like_html(content), bool)
    assert isinstance(looks_like_feed(content, content_type), bool)


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _compress(data: bytes, coding: str) -> bytes:
    import gzip

    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    return bytes(brotli.compress(data))


@FUZZ
@given(
    document=mutated(FEEDS),
    stack=st.lists(st.sampled_from(["gzip", "deflate", "br"]), min_size=1, max_size=3),
    damage=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=3),
    chunk=st.integers(1, 9000),
)
def test_decoding_damaged_compressed_bodies_gives_bytes_or_a_named_error(
    document: Mutated,
    stack: list[str],
    damage: list[tuple[float, int]],
    chunk: int,
) -> None:
    wire = bytearray(document.data)
    for coding in stack:
        wire = bytearray(_compress(bytes(wire), coding))
    for where, value in damage:
        wire[min(int(where * len(wire)), len(wire) - 1)] = value
    limit = 4 * len(document.data) + 1
    try:
        body = asyncio.run(read_capped(_chunks(bytes(wire), chunk), ", ".join(stack), limit))
    except (TooLarge, Undecodable):
        return
    assert len(body) <= limit


ROBOTS = b"User-agent: *\nDisallow: /private\nAllow: /private/ok\nCrawl-delay: 5\n"


@FUZZ
@given(document=mutated({"robots.txt": ROBOTS, **PAGES}), path=st.text(max_size=40))
def test_robots_rules_never_crash(document: Mutated, path: str) -> None:
    rules = rules_from_response("https://publisher.example/robots.txt", 200, document.data)
    assert isinstance(rules.allows(f"https://publisher.example/{path}", "PulseCurator/0.1"), bool)


@FUZZ
@given(value=st.text(max_size=80) | st.sampled_from(["Wed, 21 Oct 99999 07:28:00 GMT", "9" * 400]))
def test_server_hints_are_a_number_or_nothing(value: str) -> None:
    for parsed in (parse_retry_after(value, NOW), parse_max_age(value)):
        assert parsed is None or parsed >= 0


@FUZZ
@given(text=st.text(max_size=300))
def test_text_urls_and_dates_from_documents_never_crash(text: str) -> None:
    cleaned = clean_text(text, max_chars=200)
    assert not NOT_XML.search(cleaned) and len(cleaned) <= 200
    canonical_url(text, "https://publisher.example/feed")
    when = parse_date(text)
    assert when is None or when.tzinfo is not None


def test_the_fuzz_corpus_is_what_it_says() -> None:
    assert len(FEEDS) > 30 and len(PAGES) == 3
    assert all(len(d) <= MAX_DOCUMENT for d in EVERYTHING.values())
    assert Path(__file__).name == "test_fuzz_parsers.py"


# -- what the fuzzing found, kept as plain regression tests ---------------------------------------

XHTML_ATOM = "awkward-atom-wrapped-in-xhtml-document.xml"


@pytest.mark.parametrize("damage", [b"\xf5", b"\x00"])
def test_a_damaged_encoding_name_in_the_xml_declaration_is_a_named_error(damage: bytes) -> None:
    # feedparser raised UnicodeDecodeError / ValueError ("embedded null character") itself
    document = EVERYTHING[XHTML_ATOM].replace(
        b'encoding="utf-8"', b'encoding="u' + damage + b'tf-8"'
    )
    with pytest.raises(ParseError, match=r"^fuzz: the feed parser could not read the document"):
        parse_document(document, source=FEED_SOURCE, url=FEED_SOURCE.url, headers={}, now=NOW)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_nul_in_the_declared_charset_of_a_page_does_not_crash_lxml(name: str) -> None:
    # bs4 handed lxml the <meta charset> name, and lxml raised ValueError on the NUL in it
    document = b'<meta charset="ut\x00f-8">' + EVERYTHING[name]
    assert isinstance(discover_feeds(document, "https://publisher.example/"), list)
    source = PAGE_SOURCES[name]
    try:
        parsed = parse_document(document, source=source, url=source.url, headers={}, now=NOW)
    except ParseError as exc:  # a named error is fine (the page reads differently), a crash not
        assert str(exc).startswith("fuzz: ")
        return
    assert_storable(parsed)


def test_a_stray_end_tag_feedparser_trips_over_is_a_named_error() -> None:
    # feedparser's lenient parser passed the missing value of a </height> to int(): TypeError
    document = b'<rss version="2.0"><channel></height><item><title>a</title></item></channel></rss>'
    with pytest.raises(ParseError, match=r"^fuzz: the feed parser could not read the document"):
        parse_document(document, source=FEED_SOURCE, url=FEED_SOURCE.url, headers={}, now=NOW)


def test_a_link_that_is_not_a_url_skips_its_entry_only() -> None:
    # urljoin raised ValueError ("Invalid IPv6 URL") and the whole document failed
    items = "".join(
        f"<item><title>{t}</title><link>{link}</link></item>"
        for t, link in (("One", "https://x.example/1"), ("Two", "http://[::1/x"), ("Three", "/3"))
    )
    document = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    parsed = parse_document(document, source=FEED_SOURCE, url=FEED_SOURCE.url, headers={}, now=NOW)
    assert [e.title for e in parsed.entries] == ["One", "Three"]
    assert parsed.warnings == (
        "fuzz: entry 2 ('Two') has a link that is not a valid URL ('http://[::1/x'); skipped",
    )


def test_a_page_with_a_broken_base_or_link_is_read_around_it() -> None:
    source = PAGE_SOURCES["howardleague-blog-listing-built.html"]
    page = EVERYTHING["howardleague-blog-listing-built.html"]
    broken = page.replace(b"<head>", b"<head><base href='http://[::1/'>", 1)
    assert broken != page
    parsed = parse_document(broken, source=source, url=source.url, headers={}, now=NOW)
    assert len(parsed.entries) == 3  # the broken <base> is ignored: links resolve against the URL
    assert discover_feeds(broken, source.url) == discover_feeds(page, source.url)


# -- publication readers (curator/enrich): pages, GOV.UK Content API items, report PDFs -----------

ENRICH = FIXTURES / "enrich"
ENRICH_PAGES = {p.name: p.read_bytes() for p in sorted(ENRICH.glob("*/*.html"))}
ENRICH_ITEMS = {p.name: p.read_bytes() for p in sorted((ENRICH / "govuk").glob("*.json"))}
ENRICH_PDFS = {p.name: p.read_bytes() for p in sorted((ENRICH / "pdfs").glob("*.pdf"))}
_FLATE = re.compile(rb"/Filter /FlateDecode\n/Length (\d+)\n>>\nstream\n")


def _inflated(pdf: bytes) -> bytes:
    """``pdf`` with its page contents uncompressed (fpdf2 deflates them), so that edits reach the
    text operators and not only zlib's bytes. The offsets in its cross-reference table go stale,
    which PDFium repairs, as it does for many PDFs found on the web."""
    out, end = bytearray(), 0
    for match in _FLATE.finditer(pdf):
        start, length = match.end(), int(match.group(1))
        try:
            raw = zlib.decompress(pdf[start : start + length])
        except zlib.error:  # encrypted: left as it is
            continue
        out += pdf[end : match.start()] + b"/Length %d\n>>\nstream\n" % len(raw) + raw
        end = start + length
    return bytes(out + pdf[end:])


ENRICH_PDFS.update({f"{name} (inflated)": _inflated(pdf) for name, pdf in ENRICH_PDFS.items()})
ENRICH_URL = "https://publisher.example/publications/report"
#: Pieces that readers of pages, Content API items and PDFs treat specially.
ENRICH_TOKENS = [
    b"<h2>Key findings</h2><ul><li>",
    b"<ol><li><ul><li>",
    b'<script type="application/ld+json">{"@graph": [{"@type": ["Report", 1], "publisher": [',
    b'<meta name="govuk:first-published-at" content="9999-99-99T99:99">',
    b'<meta property="article:published_time" content="-0001-01-01">',
    b'<meta name="description" content="\xef\xbf\xbf\x01">',
    b'<base href="http://[::1/">',
    b'<a href="http://[::1/report.pdf">Download the full report (PDF)</a>',
    b'<a href="javascript:alert(1)">Read the report</a>',
    b"<time datetime='9999-99-99'>",
    b'"details": {"body": "<h2>Findings</h2><ul><li>\\u0000\\ud800</li></ul>", "attachments": ',
    b'"links": {"parent": [{"api_url": 7, "document_type": []}], "organisations": ',
    b'"first_published_at": "2024-13-45T25:61:00Z",',
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"/Encrypt << /Filter /Standard /V 2 /R 3 >>",
    b"/Count 2147483647",
    b"/Length 999999999",
    b"/Kids [3 0 R 3 0 R 3 0 R]",
    b"/Filter /FlateDecode",
    b"%PDF-1.7\n",
    b"endobj",
    b"stream\n",
    b"BT /F1 24 Tf 0 0 Td (Key findings) Tj ET",
    b"BT /F1 1e308 Tf 1e308 -1e308 Td (\\377\\376\\000) Tj ET",
    b"1e308 0 0 -1e308 0 0 cm",
    b"0 0 0 0 0 0 cm",
    b"/F9 0 Tf",
    b"(\\",
    b"<FEFF D800>Tj",
    b"\x00",
    b"\xff\xfe",
    b"\r",
    b"<",
    b"&",
]


@st.composite
def mutated_enrich(draw: st.DrawFn, documents: dict[str, bytes]) -> Mutated:
    """A captured document with a few edits, the readers' special pieces among them."""
    document = draw(mutated(documents))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(document.data)))
        piece = draw(st.sampled_from(ENRICH_TOKENS))
        data = document.data[:at] + piece + document.data[at:]
        return Mutated(document.name, data, [*document.edits, f"insert {piece!r} at {at}"])
    return document


def _json_containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["", " ", "html", "file", "application/pdf", "x.pdf", "2024-06-13"]),
    _json_containers,
    max_leaves=8,
)


@st.composite
def reshaped_item(draw: st.DrawFn) -> Mutated:
    """A Content API item with one value anywhere in it replaced by any JSON value: the shapes
    a byte edit seldom reaches (a list where an object was, a number where a list was)."""
    name = draw(st.sampled_from(sorted(ENRICH_ITEMS)))
    item = json.loads(ENRICH_ITEMS[name])
    node, path = item, []
    while isinstance(node, dict | list) and node and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        if not isinstance(node[key], dict | list):
            break
        path.append(key)
        node = node[key]
    value = draw(JSON_VALUES)
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        node[key] = value
        path.append(key)
    elif isinstance(node, list) and node:
        index = draw(st.integers(0, len(node) - 1))
        node[index] = value
        path.append(index)
    data = json.dumps(item).encode()
    return Mutated(name, data, [f"set {path} to {value!r}"])


def assert_readable(document: Document) -> None:
    """A document the reader gives can be proposed from, stored (UTF-8) and written into the
    DOCX edition (XML)."""
    assert isinstance(document, Document)
    proposal = propose([document], publisher="Fuzz")
    texts = [
        document.url,
        document.title or "",
        document.publisher or "",
        document.site_name or "",
        document.document_type or "",
        document.description or "",
        *(block.text for block in document.blocks),
        *(link.url for link in document.report_links),
        *(link.text for link in document.report_links),
        *document.warnings,
        proposal.summary or "",
        *proposal.key_findings,
        proposal.lead_in or "",
    ]
    for text in texts:
        text.encode("utf-8")
        assert not NOT_XML.search(text), text
    for link in document.report_links:
        assert link.url.startswith(("http://", "https://")), link


@FUZZ
@given(document=mutated_enrich(ENRICH_PAGES))
def test_publication_pages_give_a_document_or_a_named_error(document: Mutated) -> None:
    try:
        read = read_html(document.data, ENRICH_URL)
    except EnrichError as exc:
        assert str(exc).startswith(ENRICH_URL)
        return
    assert_readable(read)


@FUZZ
@given(document=mutated_enrich(ENRICH_ITEMS) | reshaped_item())
def test_content_api_items_give_a_document_or_a_named_error(document: Mutated) -> None:
    try:
        read = read_content_item(document.data, ENRICH_URL)
    except EnrichError as exc:
        assert str(exc).startswith(ENRICH_URL)
        return
    assert_readable(read)
    parent = parent_url(document.data)
    assert parent is None or isinstance(parent, str)


@settings(FUZZ, deadline=timedelta(seconds=2))  # a damaged PDF is refused, or read, at once
@given(document=mutated_enrich(ENRICH_PDFS))
def test_report_pdfs_give_a_document_or_a_named_error(document: Mutated) -> None:
    # In production this runs in the parser process, under CURATOR_PARSE_TIMEOUT; here the
    # reading function itself is called, so a crash shows as an exception and not a dead worker.
    try:
        read = read_pdf(document.data, ENRICH_URL)
    except ReportUnreadable as exc:
        assert str(exc).startswith(ENRICH_URL)
        return
    assert_readable(read)


# -- what fuzzing the publication readers found, kept as plain regression tests -------------------

LGA_PDF = ENRICH_PDFS["lga-care-act-10-years-on.pdf"]
START_FOR_LIFE = ENRICH_ITEMS["start-for-life-publication.json"]


@pytest.mark.parametrize(
    ("where", "broken"),
    [
        (b"<head>", b'<head><base href="http://[::1/">'),
        (b"</body>", b'<a href="http://[::1/report.pdf">Download the report (PDF)</a></body>'),
    ],
)
def test_a_page_with_a_broken_base_or_link_keeps_its_other_report_links(
    where: bytes, broken: bytes
) -> None:
    # urljoin raised ValueError ("Invalid IPv6 URL") and the page could not be read at all
    page = ENRICH_PAGES["drupal-lga-care-act-10-years-on.html"]
    damaged = page.replace(where, broken, 1)
    assert damaged != page
    document = read_html(damaged, ENRICH_URL)
    assert document.report_links == read_html(page, ENRICH_URL).report_links != ()
    assert_readable(document)


@pytest.mark.parametrize("key", ["attachments", "featured_attachments"])
@pytest.mark.parametrize("value", [True, 7])
def test_a_content_api_item_of_an_unexpected_shape_is_read_around_it(
    key: str, value: object
) -> None:
    # "for a in details.get('attachments') or []" raised TypeError on true or a number
    item = json.loads(START_FOR_LIFE)
    item["details"][key] = value
    item["links"]["organisations"] = value
    document = read_content_item(json.dumps(item).encode(), ENRICH_URL)
    assert document.title == "Start for Life services: thematic review"
    assert_readable(document)


@pytest.mark.parametrize(
    "content", [b"", b"{", b"<!DOCTYPE html>", b"\xff\xfe{\x00}", b"[" * 100_000]
)
def test_an_answer_that_is_not_json_is_a_named_error(content: bytes) -> None:
    # json.loads raised ValueError (which only the parser process named), or RecursionError
    with pytest.raises(PageUnreadable, match=r"the GOV.UK Content API sent invalid JSON"):
        read_content_item(content, ENRICH_URL)


def test_text_a_content_api_item_escapes_into_a_lone_surrogate_is_dropped() -> None:
    # json.loads gives "\ud800" (and "\uffff") as such: it cannot be stored, or written as XML
    item = json.loads(START_FOR_LIFE)
    item["title"] = "Start for Life\ud800\uffff"
    item["details"]["attachments"][0]["title"] = "\x01Start for Life"
    item["links"]["organisations"][0]["title"] = "\ud800"
    document = read_content_item(json.dumps(item).encode(), ENRICH_URL)
    assert document.title == "Start for Life"
    assert_readable(document)


def test_a_parent_url_that_does_not_parse_is_no_parent() -> None:
    # the service called urlsplit on it in the caller's process: ValueError ("Invalid IPv6 URL")
    item = json.loads(ENRICH_ITEMS["start-for-life-html-publication.json"])
    item["links"]["parent"][0]["api_url"] = "https://[::1/api/content/x"
    assert parent_url(json.dumps(item).encode()) is None


def test_a_damaged_page_of_a_pdf_is_skipped_and_said() -> None:
    # pypdfium2 raised PdfiumError ("Failed to load page.") and the whole report was lost
    two_pages = LGA_PDF.replace(b"/Count 1\n/Kids [3 0 R]", b"/Count 2\n/Kids [3 0 R 99 0 R]")
    document = read_pdf(two_pages, ENRICH_URL)
    assert document.blocks == read_pdf(LGA_PDF, ENRICH_URL).blocks
    assert document.warnings == (
        f"{ENRICH_URL}: page 2 is damaged and could not be read; the rest was read",
    )


def test_a_pdf_whose_pages_cannot_be_loaded_is_a_named_error() -> None:
    damaged = LGA_PDF.replace(b"/Kids [3 0 R]", b"/Kids [99 0 R]")
    with pytest.raises(PdfMalformed, match=r"no page of the PDF can be read"):
        read_pdf(damaged, ENRICH_URL)


def test_a_line_placed_far_off_the_page_does_not_break_the_reading() -> None:
    # a baseline of 7.7e35 points: PDFium gives inf, inf - inf is NaN, and round(NaN) raised
    pdf = _inflated(ENRICH_PDFS["yjb-pre-sentence-reports.pdf"])
    far = pdf.replace(b"BT 59.53 756.39 Td", b"BT 59.53 " + b"7" * 37 + b"56.39 Td", 1)
    assert far != pdf
    document = read_pdf(far, ENRICH_URL)
    assert document.title and document.blocks
    assert_readable(document)
    lines = [Line("Title", 0, 20, True, math.inf), Line("Body text here.", 0, 11, False, math.inf)]
    assert [b.kind for b in blocks_from_lines(lines)] == ["heading", "paragraph"]
