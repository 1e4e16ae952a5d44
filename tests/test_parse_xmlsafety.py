"""XML entity declarations are removed from what feedparser will actually read, found by a real
XML tokenizer (expat) rather than by patterns that a comment, a quoted ``>`` or a declared
encoding can fool."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from curator.parse import parse_document
from curator.parse.errors import UnparseableFeed
from curator.records import ParsedFeed, SourceConfig
from tests.conftest import FIXTURES

BLOG = SourceConfig(id="blog", publisher="A Blog", kind="feed", url="https://blog.example/feed")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOSTILE = [
    "hostile-billion-laughs.xml",
    "hostile-quadratic-blowup.xml",
    "hostile-external-entity.xml",
]
#: What comes between the XML declaration and the DOCTYPE in the bypasses tried.
BEFORE_DOCTYPE = [
    b"<!-- <a -->",
    b"<?pi <a ?>",
    b"<!-- ]> -->",
    b'\n<!--\n<!ENTITY lol "lol">\n-->\n',
]


def parse(content: bytes, headers: dict[str, str] | None = None) -> ParsedFeed:
    return parse_document(content, source=BLOG, url=BLOG.url, headers=headers or {}, now=NOW)


def fixture(name: str) -> bytes:
    return (FIXTURES / "feeds" / name).read_bytes()


def assert_not_expanded(parsed: ParsedFeed, started: float) -> None:
    text = json.dumps([(e.title, e.summary) for e in parsed.entries] + [parsed.title])
    assert "lollol" not in text
    assert "AAAAAAAAAA" not in text
    assert "root:" not in text  # /etc/passwd never read
    assert time.perf_counter() - started < 2.0
    assert any("removed, not expanded" in w for w in parsed.warnings)


@pytest.mark.parametrize("before", BEFORE_DOCTYPE)
@pytest.mark.parametrize("name", HOSTILE)
def test_a_comment_or_instruction_before_the_doctype_does_not_hide_the_entities(
    name: str, before: bytes
) -> None:
    declaration, sep, rest = fixture(name).partition(b"?>")
    assert sep and rest.lstrip().startswith(b"<!DOCTYPE")
    started = time.perf_counter()
    assert_not_expanded(parse(declaration + sep + before + rest), started)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_declared_encoding_does_not_hide_the_entities(name: str) -> None:
    # feedparser decodes with the encoding the document (or the server) declares, whatever it
    # is; in unicode_escape "<!ENTITY" can be spelled without a single "<" byte
    text = fixture(name).decode("utf-8")
    declaration, _, rest = text.partition("?>")
    escaped = rest.replace("<", "\\u003c").replace("&", "\\u0026")
    document = (declaration + ' encoding="unicode_escape"?>' + escaped).encode("ascii")
    assert b"<!ENTITY" not in document
    started = time.perf_counter()
    assert_not_expanded(parse(document), started)
    # the same through the HTTP charset, with UTF-16 and no byte order mark
    started = time.perf_counter()
    wide = text.encode("utf-16-be")
    parsed = parse(wide, {"Content-Type": "application/rss+xml; charset=utf-16be"})
    assert_not_expanded(parsed, started)


def test_quoted_markup_inside_a_declaration_is_read_as_a_value() -> None:
    feed = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "]> <!ENTITY b \'x\'> AAAAAAAAAAAA">\n'
        b'<!ENTITY copy "&#169;">\n]>\n<rss version="2.0"><channel><title>t</title>'
        b"<item><title>A &copy; B</title><link>https://x.example/a</link>"
        b"<description>&a;</description></item></channel></rss>"
    )
    started = time.perf_counter()
    parsed = parse(feed)
    assert_not_expanded(parsed, started)
    assert parsed.entries[0].title.startswith("A ")


def test_single_character_entities_still_work_behind_a_comment() -> None:
    feed = (
        b'<?xml version="1.0"?>\n<!-- <a --><!DOCTYPE rss [<!ENTITY copy "&#169;">'
        b'<!ENTITY nbsp "&#xA0;">]>\n<rss version="2.0"><channel><title>t</title><item>'
        b"<title>A&nbsp;&copy; B</title><link>https://x.example/a</link></item></channel></rss>"
    )
    parsed = parse(feed)
    assert parsed.entries[0].title == "A © B"
    assert parsed.warnings == ()


def test_entity_text_after_a_root_feedparser_cannot_see_is_refused_not_expanded() -> None:
    # feedparser's own prolog ends at the first "<" + ASCII letter: with a non-ASCII root name
    # it would read on into the document and take declarations from a CDATA section
    feed = (
        '<?xml version="1.0"?>\n<!DOCTYPE é [<!ENTITY copy "&#169;">]>\n<é><![CDATA[\n'
        '<!ENTITY a "AAAAAAAAAAAA">\n]]><rss version="2.0"><channel><title>&a;</title>'
        "</channel></rss></é>"
    ).encode()
    with pytest.raises(UnparseableFeed, match=r"^blog: refused: .*entit"):
        parse(feed)


def test_a_prolog_that_cannot_be_read_with_entities_in_it_is_refused() -> None:
    feed = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "AAAA" <!ENTITY b "x">]>\n<rss/>'
    with pytest.raises(UnparseableFeed, match=r"^blog: refused: .*entit"):
        parse(feed)
