"""``kind: page`` sources: a publication listing page read with the source's CSS selectors
(beautifulsoup4 + lxml, soupsieve for CSS).

Selectors from ``sources.yaml`` (``curator.records.PageSelectors``): ``item`` is matched on the
page; ``title``, ``link``, ``date`` and ``summary`` are matched inside each item, and ``:scope``
means the item element itself. The link is the matched element's ``href`` (or that of the
first ``<a href>`` inside it); the date is its ``datetime`` or ``content`` attribute, else its
text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.message import Message

import soupsieve
from bs4 import Tag

from curator.errors import ParseError
from curator.normalise import html_soup, parse_date
from curator.parse.entries import RawEntry, build_feed, join_url
from curator.parse.errors import EmptyDocument
from curator.records import PageSelectors, ParsedFeed, SourceConfig

SCOPE = ":scope"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date inside other words ("Published 3rd November 2026", "2021-01-20 (3.34.1)").
_DATE_IN_TEXT = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}(?:[T ][\d:.]+(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}})\b",
    re.I,
)


def validate_selector(css: str) -> str | None:
    """``None`` when ``css`` is a valid CSS selector, else a one-line message saying why not
    (the sources.yaml validator shows it with the file and line)."""
    if not css or not css.strip():
        return "the selector is empty"
    if css.strip() == SCOPE:
        return None
    try:
        soupsieve.compile(css)
    except soupsieve.SelectorSyntaxError as exc:
        reason = str(exc).splitlines()[0]
        return f"invalid CSS selector {css!r}: {reason}"
    return None


def _charset(headers: Mapping[str, str]) -> str | None:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if not ctype:
        return None
    msg = Message()
    msg["content-type"] = ctype
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None


def _pick(item: Tag, css: str) -> Tag | None:
    if css.strip() == SCOPE:
        return item
    found = item.select_one(css)
    return found if isinstance(found, Tag) else None


def _href(element: Tag) -> str | None:
    href = element.get("href")
    if not href:
        inner = element.find("a", href=True)
        href = inner.get("href") if isinstance(inner, Tag) else None
    return str(href).strip() if href else None


def _date(element: Tag) -> datetime | None:
    for attr in ("datetime", "content"):
        value = element.get(attr)
        if value:
            when = parse_date(str(value))
            if when is not None:
                return when
    text = element.get_text(" ")
    when = parse_date(text)
    if when is None and (m := _DATE_IN_TEXT.search(text)):
        when = parse_date(m.group(1))
    return when


def _selectors(source: SourceConfig) -> PageSelectors:
    selectors = source.selectors
    if selectors is None:
        raise ParseError(f"{source.id}: a page source needs selectors (item, title, link)")
    for name in ("item", "title", "link", "date", "summary"):
        css = getattr(selectors, name)
        if css is None:
            continue
        problem = validate_selector(css)
        if problem:
            raise ParseError(f"{source.id}: {name} selector: {problem}")
    return selectors


def parse_page(
    content: bytes,
    *,
    source: SourceConfig,
    url: str,
    headers: Mapping[str, str],
    now: datetime,
) -> ParsedFeed:
    """Entries of a listing page, one per ``item`` match. A selector that matches nothing
    anywhere on the page raises :class:`curator.errors.ParseError` naming it."""
    if not content.strip():
        raise EmptyDocument(source.id)
    selectors = _selectors(source)
    soup = html_soup(content, encoding=_charset(headers))
    base_tag = soup.find("base", href=True)
    base = join_url(url, str(base_tag["href"])) or url if isinstance(base_tag, Tag) else url

    items = [tag for tag in soup.select(selectors.item) if isinstance(tag, Tag)]
    if not items:
        raise ParseError(
            f"{source.id}: no element matches item selector {selectors.item!r} on the page: "
            "the site may have been redesigned"
        )

    optional = {"date": selectors.date, "summary": selectors.summary}
    wanted = {"title": selectors.title, "link": selectors.link}
    wanted.update({name: css for name, css in optional.items() if css})
    matched = dict.fromkeys(wanted, False)
    raws: list[RawEntry] = []
    for position, item in enumerate(items, start=1):
        found = {name: _pick(item, css) for name, css in wanted.items() if css}
        for name, element in found.items():
            matched[name] = matched[name] or element is not None
        title_el, link_el = found.get("title"), found.get("link")
        date_el, summary_el = found.get("date"), found.get("summary")
        link = _href(link_el) if link_el is not None else None
        raws.append(
            RawEntry(
                position=position,
                link=(join_url(base, link) or link) if link else None,
                title=str(title_el) if title_el is not None else None,
                summary=str(summary_el) if summary_el is not None else None,
                published_at=_date(date_el) if date_el is not None else None,
            )
        )
    for name, ok in matched.items():
        if not ok:
            raise ParseError(
                f"{source.id}: no element matches {name} selector {wanted[name]!r} inside any "
                f"item ({selectors.item!r}) on the page: the site may have been redesigned"
            )
    title = soup.title.get_text(" ") if soup.title is not None else None
    return build_feed(raws, source=source, base_url=base, now=now, title=title)
