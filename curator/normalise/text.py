"""Plain text from what publishers send: HTML fragments to readable text, characters XML
forbids removed, and the one way this project builds a BeautifulSoup. Pure: no I/O.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Mapping
from email.message import Message
from typing import TYPE_CHECKING

from curator.normalise.simplehtml import simple_html_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# bs4 and lxml are imported where HTML is parsed, not here: the poller's own process uses this
# module for URLs, dates and plain-text summaries only, and loading the HTML parsers there (with
# feedparser) cost it ~5 MB of peak PSS for nothing (146 -> 141 MB, benchmarks/compare.sh).

_DROP_TAGS = ("script", "style", "template", "noscript", "iframe", "object", "svg", "head")
_BLOCK_TAGS = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
]
_WS = re.compile(r"\s+")
# C0/C1 control characters (except whitespace), zero-width characters, and what XML 1.0 forbids
# (lone surrogates, U+FFFE, U+FFFF): never readable text, and one of them in a title would make
# the DOCX edition (XML inside) impossible to write.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\ud800-\udfff\ufffe\uffff]"
)
#: Characters XML 1.0 does not allow anywhere in a document.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def counted(count: int, noun: str) -> str:
    """``"1 source"``, ``"2 sources"``: a count and its noun, for a message."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def relevance_shown(relevance: float) -> str:
    """A relevance as an editor reads it: two decimals, and four under 0.01 (``"0.0001"``,
    ``"<0.0001"``), where the digest lane starts: "0.00" beside lane digest read as a mistake."""
    if relevance >= 0.01 or relevance <= 0:
        return f"{relevance:.2f}"
    return f"{relevance:.4f}" if relevance >= 0.0001 else "<0.0001"


def trim(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters, with an
    ellipsis (a Slack block's limit, a heading quoted in a message)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (for links and ids, which are not
    otherwise cleaned: the DOCX edition is XML, and so are Slack-bound exports)."""
    return _NOT_XML_CHAR.sub("", text)


def content_type(headers: Mapping[str, str]) -> str:
    """A response's ``Content-Type`` header as sent ("" when it has none); ``headers`` may use
    any letter case."""
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def http_charset(headers: Mapping[str, str]) -> str | None:
    """The ``charset`` of a response's ``Content-Type`` header, if it names one."""
    ctype = content_type(headers)
    if not ctype:
        return None
    msg = Message()
    msg["content-type"] = ctype
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None


def html_soup(markup: str | bytes, *, encoding: str | None = None) -> BeautifulSoup:
    """``BeautifulSoup(markup, "lxml")`` without bs4's "looks like a URL/XML" warnings. Bytes are
    decoded with ``encoding`` (the HTTP charset) when given and known, else detected from the
    BOM, ``<meta charset>`` or the content."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            encoding = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        try:
            if isinstance(markup, bytes) and encoding:
                return BeautifulSoup(markup, "lxml", from_encoding=encoding)
            return BeautifulSoup(markup, "lxml")
        except (ValueError, LookupError):
            if not isinstance(markup, bytes):
                raise
            # A <meta charset> lxml cannot take (a NUL in its name makes it raise, found by
            # tests/test_fuzz_parsers.py): read the bytes as UTF-8 (or the HTTP charset) instead.
            return BeautifulSoup(markup.decode(encoding or "utf-8", "replace"), "lxml")


def _html_text(markup: str) -> str:
    """The text of an HTML fragment. lxml directly: bs4 costs ~10× more per summary, and a poll
    cleans thousands of them."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(_INVISIBLE.sub("", markup), create_parent="div")
    except (etree.ParserError, ValueError):
        soup = html_soup(markup)
        for tag in soup.find_all(_DROP_TAGS):
            tag.decompose()
        return str(soup.get_text(" "))
    for el in [e for e in root.iter(*_DROP_TAGS)]:
        el.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.text = " " + (el.text or "")
        el.tail = " " + (el.tail or "")
    return str(root.text_content())


def clean_text(html_or_text: str, *, max_chars: int | None = None) -> str:
    """Plain, readable text: tags stripped (script/style dropped), entities decoded, control
    characters removed, whitespace collapsed; cut at a word boundary with "…" past
    ``max_chars``."""
    text = html_or_text or ""
    if "<" in text or "&" in text:
        simple = simple_html_text(_INVISIBLE.sub("", text))
        text = _html_text(text) if simple is None else simple
    text = _WS.sub(" ", _INVISIBLE.sub("", text)).strip()
    if max_chars is not None and len(text) > max_chars:
        cut = text[: max(max_chars - 1, 0)]
        if " " in cut[len(cut) // 2 :]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:.-") + "…"
    return text


#: Longer than a site's name: whatever follows, it is not the line below.
_FOOTER_SITE_MAX = 300


def drop_feed_footer(text: str, title: str) -> str:
    """Plain ``text`` without the line WordPress's Yoast SEO adds by default to every feed item
    after its own words, "The post <its title> appeared first on <the site>." (its `rssafter`
    setting, "The post %%POSTLINK%% appeared first on %%BLOGLINK%%."): nothing of the
    publication. Only that line, naming the item's own ``title``, at the end; the title is
    compared as words (case, quotes, dashes and punctuation aside: the post's link may render
    "Children’s" where the feed's title has "Children's")."""
    if not title:
        return text
    # The line is at the end: looked for only where it can start (bounded work on long text).
    start = max(0, len(text) - 2 * len(title) - _FOOTER_SITE_MAX - 64)
    at = text.rfind(_FOOTER_OPENS, start)
    words = _title_words(title) if at >= 0 else []
    while at >= 0:
        if not at or text[at - 1] in " \n":
            named, sep, site = text[at + len(_FOOTER_OPENS) :].rpartition(_FOOTER_CLOSES)
            # a title without words (punctuation, emoji) as it is: as words, all are equal
            same = _title_words(named) == words if words else named.strip() == title
            if sep and len(site) <= _FOOTER_SITE_MAX and same:
                return text[:at].rstrip()
        at = text.rfind(_FOOTER_OPENS, start, at)
    return text


_FOOTER_OPENS = "The post "
_FOOTER_CLOSES = " appeared first on "
_TITLE_WORDS = re.compile(r"\w+")


def _title_words(title: str) -> list[str]:
    return _TITLE_WORDS.findall(title.casefold())


_WORDS = re.compile(r"[a-z0-9]+")


def says_more_than(summary: str, title: str) -> bool:
    """Whether plain-text ``summary`` has a word that ``title`` does not (case aside): a feed
    that repeats the title as its description, or gives none, says nothing more."""
    words = set(_WORDS.findall(summary.lower()))
    return bool(words) and not words <= set(_WORDS.findall(title.lower()))
