"""Pure normalisation of what publishers send: canonical URLs, GOV.UK paths and document types,
plain text and dates. No I/O here (issue 2).

Every function is total: bad input gives a sensible value (``None``, the input unchanged), never
an exception, because one odd entry must not stop a whole feed.
"""

from __future__ import annotations

import codecs
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from html import entities as html_entities
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from dateutil import parser as date_parser
from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# bs4 and lxml are imported where HTML is parsed, not here: the poller's own process uses this
# module for URLs, dates and plain-text summaries only, and loading the HTML parsers there (with
# feedparser) cost it ~5 MB of peak PSS for nothing (146 -> 141 MB, benchmarks/compare.sh).

# --------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------

#: Query parameters that only say where a click came from; two links differing only in these
#: are the same publication.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "_ga",
        "_gl",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "__s",
    }
)
#: Prefixes of tracking parameters (Google Analytics ``utm_*``, AT Internet ``at_*``, …).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "at_", "pk_", "mtm_")

_HTTP_SCHEMES = ("http", "https")

#: A link that is canonical already but for its scheme, a leading ``www.`` and a trailing slash
#: (most links in feeds): lower-case host of letter, digit and single-hyphen labels whose last
#: label starts with a letter (so never an IP address), no user, port, query or fragment, and
#: path segments of unreserved characters not starting with a dot (so no dot segments and
#: nothing to percent-encode). ``canonical_url`` of such a link is ``https://`` + host + path
#: (``/`` when empty), with no w3lib pass; ``tests/test_fast_paths.py`` checks that
#: against the full path.
_PLAIN_URL = re.compile(
    r"https?://(?:www\.)?(?!www\.)"
    r"((?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z][a-z0-9]*(?:-[a-z0-9]+)*)"
    r"((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*)/?"
)


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _drop_tracking(query: str) -> str:
    kept = [part for part in query.split("&") if part and not _is_tracking(part.split("=", 1)[0])]
    return "&".join(kept)


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a link that dedupe compares.

    Resolves ``url`` against ``base``; lower-cases scheme and host; folds ``http``/``https`` and a
    leading ``www.`` (canonical form: ``https``, no ``www``); drops the fragment, tracking
    parameters and default ports; sorts the remaining query parameters; normalises
    percent-encoding; removes a trailing slash except on the root path. Idempotent. Links that
    are not http(s) (``urn:``, ``mailto:``) come back stripped but otherwise unchanged.
    """
    raw = url.strip()
    if base:
        try:
            raw = urljoin(base.strip(), raw).strip()
        except ValueError:
            return raw
    plain = _PLAIN_URL.fullmatch(raw)
    if plain is not None:
        return f"https://{plain[1]}{plain[2] or '/'}"
    return _canonical_fixed_point(raw)


def _canonical_fixed_point(raw: str) -> str:
    """The full path of :func:`canonical_url`, for any (stripped, absolute) link."""
    # w3lib reads ";params" and odd encodings in a way that can take a second pass to settle;
    # iterate to a fixed point so the result is idempotent.
    for _ in range(4):
        again = _canonical_once(raw)
        if again == raw:
            break
        raw = again
    return raw


def _canonical_once(raw: str) -> str:
    """One pass; anything that is not a well-formed http(s) URL comes back unchanged."""
    try:
        parts = urlsplit(raw)
        if parts.scheme.lower() not in _HTTP_SCHEMES or not parts.hostname:
            return raw
        rebuilt = urlunsplit(("https", parts.netloc, parts.path, _drop_tracking(parts.query), ""))
        parts = urlsplit(canonicalize_url(rebuilt, keep_fragments=False))
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return raw
    if not host:
        return raw
    if host.startswith("www."):
        host = host[4:]
    netloc = f"[{host}]" if ":" in host else host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port not in (80, 443):
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    return urlunsplit(("https", netloc, path, parts.query, ""))


def is_plain_url(url: str) -> bool:
    """True for an absolute http(s) link simple enough to need no parsing: see ``_PLAIN_URL``.
    Such a link is an http(s) URL with a host, and ``urljoin`` gives it back unchanged."""
    return _PLAIN_URL.fullmatch(url) is not None


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _HTTP_SCHEMES and bool(parts.hostname)


def govuk_path(url: str, *, canonical: bool = False) -> str | None:
    """``"/government/publications/x"`` for a GOV.UK page URL (any http/https/www variant,
    query and fragment ignored), else ``None``. GOV.UK org-feed ids change on every update, so
    this path is the stable key (sources catalogue §1.2). ``canonical=True`` says ``url`` came
    from :func:`canonical_url` already, which saves doing it twice per entry."""
    canon = url if canonical else canonical_url(url)
    plain = _PLAIN_URL.fullmatch(canon)
    if plain is not None and plain[1] != "gov.uk":
        return None  # a plain link whose host is not gov.uk (nor www.gov.uk): no need to parse
    try:
        parts = urlsplit(canon)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname != "gov.uk" or parts.port is not None:
        return None
    return parts.path or "/"


# --------------------------------------------------------------------------------------------
# GOV.UK document types
# --------------------------------------------------------------------------------------------

#: GOV.UK ``document_type`` → the human label GOV.UK prints as ``display_type`` in organisation
#: feed titles ("Research and analysis: …") and ``<category>`` elements. From alphagov/collections
#: ``config/locales/en/shared.yml`` as quoted in research/sources_catalogue.md §1.4.
GOVUK_DOCUMENT_TYPE_LABELS: dict[str, str] = {
    "research": "Research and analysis",
    "independent_report": "Independent report",
    "official_statistics": "Official Statistics",
    "national_statistics": "Accredited official statistics",
    "statistical_data_set": "Statistical data set",
    "statistics_announcement": "Statistics release announcement",
    "official_statistics_announcement": "Statistics release announcement",
    "national_statistics_announcement": "Statistics release announcement",
    "policy_paper": "Policy paper",
    "impact_assessment": "Impact assessment",
    "open_consultation": "Open consultation",
    "closed_consultation": "Closed consultation",
    "consultation_outcome": "Consultation outcome",
    "open_call_for_evidence": "Open call for evidence",
    "closed_call_for_evidence": "Closed call for evidence",
    "call_for_evidence_outcome": "Call for evidence outcome",
    "government_response": "Government response",
    "written_statement": "Written statement to Parliament",
    "oral_statement": "Oral statement to Parliament",
    "case_study": "Case study",
    "international_treaty": "International treaty",
    "guidance": "Guidance",
    "detailed_guide": "Guidance",
    "statutory_guidance": "Statutory guidance",
    "form": "Form",
    "notice": "Notice",
    "regulation": "Regulation",
    "promotional": "Promotional material",
    "standard": "Standard",
    "corporate_report": "Corporate report",
    "transparency": "Transparency data",
    "foi_release": "FOI release",
    "correspondence": "Correspondence",
    "news_story": "News story",
    "press_release": "Press release",
    "world_news_story": "World news story",
    "fatality_notice": "Fatality notice",
    "speech": "Speech",
    "authored_article": "Authored article",
    "document_collection": "Collection",
    "map": "Map",
}

#: Other spellings of a label seen in titles; "National Statistics" was renamed "Accredited
#: official statistics" in 2023 and both mean the same type (catalogue §1.4).
_LABEL_ALIASES: dict[str, str] = {"national statistics": "Accredited official statistics"}

#: Lower-cased title prefix → canonical label.
_KNOWN_PREFIXES: dict[str, str] = {
    **{label.lower(): label for label in GOVUK_DOCUMENT_TYPE_LABELS.values()},
    **_LABEL_ALIASES,
}


def document_type_label(label: str | None) -> str | None:
    """The canonical spelling of a known GOV.UK display type, or ``None`` if it is not one."""
    if not label:
        return None
    return _KNOWN_PREFIXES.get(" ".join(label.split()).lower())


def split_document_type(title: str) -> tuple[str | None, str]:
    """``"Research and analysis: Foo"`` → ``("Research and analysis", "Foo")``.

    Only the GOV.UK display-type labels above are split off, on the first ``": "``; an ordinary
    colon title ("Care Act 2014: 10 Years On", "Domperidone: risks") comes back whole.
    """
    head, sep, rest = title.partition(":")
    label = document_type_label(head) if sep else None
    rest = rest.strip()
    if label is None or not rest:
        return None, title.strip()
    return label, rest


def document_type_from_govuk_api(data: dict[str, Any]) -> str | None:
    """The display label for a GOV.UK Content/Search API item (``document_type`` or
    ``content_store_document_type``), e.g. ``"research"`` → ``"Research and analysis"``."""
    for key in ("document_type", "content_store_document_type"):
        value = data.get(key)
        if isinstance(value, str) and value in GOVUK_DOCUMENT_TYPE_LABELS:
            return GOVUK_DOCUMENT_TYPE_LABELS[value]
    display = data.get("display_type")
    return document_type_label(display) if isinstance(display, str) else None


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

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


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (for links and ids, which are not
    otherwise cleaned: the DOCX edition is XML, and so are Slack-bound exports)."""
    return _NOT_XML_CHAR.sub("", text)


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


# The fast path of clean_text: most summaries are a few paragraphs of text with a little inline
# markup ("<p>The report&#39;s findings</p>"), whose text needs no HTML parser. A fragment is
# read here only when it is made of nothing but text, character references and attribute-less
# tags from the short lists below, nested so that lxml's HTML parser builds the same tree the
# source spells (no element it would close early or move): then its text is the text pieces
# and references in order, with a space for each block tag, exactly what ``_html_text`` gives
# once whitespace is collapsed. Anything else (attributes, comments, other tags, a stray "<",
# an unknown or unusual reference) goes to lxml. ``tests/test_fast_paths.py`` checks
# both ways agree, on generated fragments and on every summary of the fixtures.

#: Tags that add no space; they may hold text, ``br`` and each other.
_SIMPLE_INLINE = frozenset(
    {"b", "i", "em", "strong", "u", "span", "small", "sub", "sup", "code", "cite", "abbr"}
)
_SIMPLE_HEADINGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})
_SIMPLE_LISTS = frozenset({"ul", "ol"})
_SIMPLE_BOXES = frozenset({"div", "blockquote"})
_PHRASING = _SIMPLE_INLINE | {"br"}
_FLOW = _PHRASING | _SIMPLE_HEADINGS | _SIMPLE_LISTS | _SIMPLE_BOXES
#: What each element may hold here: (child tags, whether text may stand in it). ``None`` is the
#: fragment itself.
_SIMPLE_CONTENT: dict[str | None, tuple[frozenset[str], bool]] = {
    None: (_FLOW, True),
    **dict.fromkeys(_SIMPLE_INLINE, (_PHRASING, True)),
    **dict.fromkeys(_SIMPLE_HEADINGS, (_PHRASING, True)),
    **dict.fromkeys(_SIMPLE_BOXES, (_FLOW, True)),
    **dict.fromkeys(_SIMPLE_LISTS, (frozenset({"li"}), False)),
    "li": (_PHRASING | _SIMPLE_LISTS, True),
}
_SIMPLE_MAX_DEPTH = 16
#: Named references read here (HTML's values); any other goes to lxml.
_SIMPLE_ENTITIES: dict[str, str] = {
    name: html_entities.html5[name + ";"]
    for name in [
        "amp",
        "lt",
        "gt",
        "quot",
        "apos",
        "nbsp",
        "hellip",
        "mdash",
        "ndash",
        "lsquo",
        "rsquo",
        "ldquo",
        "rdquo",
        "pound",
        "euro",
        "copy",
        "reg",
        "trade",
        "bull",
        "middot",
    ]
}
_SIMPLE_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)[ \t\n\r]*(/?)>"  # a tag without attributes
    r"|&(?:#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});|([A-Za-z][A-Za-z0-9]*);)?"  # a reference
)
#: Characters lxml refuses in text (after ``_INVISIBLE``), and what may not follow a bare "&".
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_REFERENCE_START = re.compile(r"[A-Za-z0-9#]")


def _plain_char(code: int) -> str | None:
    """The character of a numeric reference when it is an ordinary one (no control character,
    no C1 code point that HTML remaps, no surrogate or non-character), else ``None``."""
    ordinary = (
        code in (9, 10)
        or 0x20 <= code < 0x7F
        or 0xA0 <= code < 0xD800
        or 0xE000 <= code < 0xFDD0
        or 0xFDF0 <= code < 0xFFFE
        or (0x10000 <= code <= 0x10FFFF and code & 0xFFFE != 0xFFFE)
    )
    return chr(code) if ordinary else None


def _simple_html_text(markup: str) -> str | None:
    """The text ``_html_text`` gives for ``markup`` (up to whitespace), when ``markup`` is
    simple enough to read without a parser; ``None`` otherwise."""
    if _NOT_XML.search(markup):
        return None
    pieces: list[str] = []
    stack: list[str | None] = [None]
    pos = 0
    for m in _SIMPLE_TOKEN.finditer(markup):
        text = markup[pos : m.start()]
        pos = m.end()
        if text and not _simple_text(text, stack[-1], pieces):
            return None
        if m[0][0] == "&":
            char = _reference(m, markup, pos)
            if char is None or not _SIMPLE_CONTENT[stack[-1]][1]:
                return None
            pieces.append(char)
        elif not _simple_tag(m[2].lower(), bool(m[1]), bool(m[3]), stack, pieces):
            return None
    text = markup[pos:]
    if text and not _simple_text(text, stack[-1], pieces):
        return None
    return "".join(pieces) if stack == [None] else None


def _simple_text(text: str, parent: str | None, pieces: list[str]) -> bool:
    if "<" in text:
        return False
    if not _SIMPLE_CONTENT[parent][1] and text.strip(" \t\n\r"):
        return False  # only HTML white space between the items of a list
    pieces.append(text)
    return True


def _reference(m: re.Match[str], markup: str, end: int) -> str | None:
    """The character a matched ``&…`` stands for, or ``None`` if it is not a plain one."""
    if m[4] is not None:
        return _plain_char(int(m[4]))
    if m[5] is not None:
        return _plain_char(int(m[5], 16))
    if m[6] is not None:
        return _SIMPLE_ENTITIES.get(m[6])
    # a bare "&": literal text, unless it could start a reference lxml would read
    return None if _REFERENCE_START.match(markup, end) else "&"


def _simple_tag(
    name: str, closing: bool, self_closing: bool, stack: list[str | None], pieces: list[str]
) -> bool:
    """Follow one tag; ``False`` when it makes the fragment not simple."""
    if closing:
        if self_closing or stack[-1] != name:
            return False
        stack.pop()
    else:
        if name not in _SIMPLE_CONTENT[stack[-1]][0]:
            return False
        if name != "br":
            if self_closing or len(stack) > _SIMPLE_MAX_DEPTH:
                return False
            stack.append(name)
    if name not in _SIMPLE_INLINE:
        pieces.append(" ")
    return True


def clean_text(html_or_text: str, *, max_chars: int | None = None) -> str:
    """Plain, readable text: tags stripped (script/style dropped), entities decoded, control
    characters removed, whitespace collapsed; cut at a word boundary with "…" past
    ``max_chars``."""
    text = html_or_text or ""
    if "<" in text or "&" in text:
        simple = _simple_html_text(_INVISIBLE.sub("", text))
        text = _html_text(text) if simple is None else simple
    text = _WS.sub(" ", _INVISIBLE.sub("", text)).strip()
    if max_chars is not None and len(text) > max_chars:
        cut = text[: max(max_chars - 1, 0)]
        if " " in cut[len(cut) // 2 :]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:.-") + "…"
    return text


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

#: Zone abbreviations seen in real feeds ("Tue, 01 Oct 2019 14:30:00 PST"); dateutil does not
#: know them and would warn (an error under this project's test settings).
_TZINFOS: dict[str, tzinfo] = {
    "UTC": UTC,
    "UT": UTC,
    "GMT": UTC,
    "Z": UTC,
    "BST": timezone(timedelta(hours=1)),
    "IST": timezone(timedelta(hours=1)),
    "CET": timezone(timedelta(hours=1)),
    "CEST": timezone(timedelta(hours=2)),
    "EST": timezone(timedelta(hours=-5)),
    "EDT": timezone(timedelta(hours=-4)),
    "CST": timezone(timedelta(hours=-6)),
    "CDT": timezone(timedelta(hours=-5)),
    "MST": timezone(timedelta(hours=-7)),
    "MDT": timezone(timedelta(hours=-6)),
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
}
_DIGITS = re.compile(r"^\d+$")


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a date as publishers write it, or ``None``.

    ISO 8601 first; then free text read day-first, as UK publishers write ``01/02/2024``
    (1 February). Naive times are taken as UTC. Bare numbers (Unix epochs in ``dc:date``) are
    not dates.
    """
    if value is None:
        return None
    text = " ".join(value.split())
    if not text or len(text) > 100:
        return None
    if _DIGITS.match(text) and len(text) != 8:
        return None
    try:
        return _aware_utc(date_parser.isoparse(text))
    except (ValueError, OverflowError):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = date_parser.parse(text, dayfirst=True, tzinfos=_TZINFOS)
        except (ValueError, OverflowError, TypeError, LookupError):
            return None
    try:
        return _aware_utc(parsed)
    except (ValueError, OverflowError):
        return None
