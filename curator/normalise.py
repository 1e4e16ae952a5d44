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
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from dateutil import parser as date_parser
from lxml import etree
from lxml import html as lxml_html
from w3lib.url import canonicalize_url

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
# C0/C1 control characters (except whitespace) and zero-width characters: never readable text.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


def html_soup(markup: str | bytes, *, encoding: str | None = None) -> BeautifulSoup:
    """``BeautifulSoup(markup, "lxml")`` without bs4's "looks like a URL/XML" warnings. Bytes are
    decoded with ``encoding`` (the HTTP charset) when given and known, else detected from the
    BOM, ``<meta charset>`` or the content."""
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            encoding = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        if isinstance(markup, bytes) and encoding:
            return BeautifulSoup(markup, "lxml", from_encoding=encoding)
        return BeautifulSoup(markup, "lxml")


def _html_text(markup: str) -> str:
    """The text of an HTML fragment. lxml directly: bs4 costs ~10× more per summary, and a poll
    cleans thousands of them."""
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
        text = _html_text(text)
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
