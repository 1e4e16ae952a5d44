"""``kind: page`` sources: a publication listing page read with the source's CSS selectors
(beautifulsoup4 + lxml, soupsieve for CSS), or without them.

Selectors from ``sources.yaml`` (``curator.records.PageSelectors``): ``item`` is matched on the
page; ``title``, ``link``, ``date`` and ``summary`` are matched inside each item, and ``:scope``
means the item element itself. The link is the matched element's ``href`` (or that of the
first ``<a href>`` inside it); the date is its ``datetime`` or ``content`` attribute, else its
text.

``date`` and ``summary`` are optional: one that matches nothing keeps the items, without dates
or summaries, and a warning names the selector. When ``item``, ``title`` or ``link`` matches
nothing, the page is read without selectors (:mod:`curator.parse.listing`): the source keeps
working, ``degraded``, with a warning naming the selector that broke; if that finds nothing
either, the parse fails naming the selector. A source without ``selectors`` is always read that
way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

import soupsieve
from bs4 import BeautifulSoup, Tag

from curator.errors import ParseError
from curator.normalise import html_soup, http_charset, parse_date
from curator.parse.entries import RawEntry, build_feed, join_url
from curator.parse.errors import EmptyDocument
from curator.parse.listing import read_listing
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


def _selectors(source: SourceConfig) -> PageSelectors | None:
    selectors = source.selectors
    if selectors is None:
        return None
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
    """Entries of a listing page, one per ``item`` match, or read without selectors when the
    source has none. An ``item``, ``title`` or ``link`` selector that matches nothing anywhere
    on the page falls back to reading without selectors (``ParsedFeed.degraded``); when that
    finds nothing either, :class:`curator.errors.ParseError` names the selector."""
    if not content.strip():
        raise EmptyDocument(source.id)
    selectors = _selectors(source)
    soup = html_soup(content, encoding=http_charset(headers))
    base_tag = soup.find("base", href=True)
    base = join_url(url, str(base_tag["href"])) or url if isinstance(base_tag, Tag) else url
    page_title = soup.title.get_text(" ") if soup.title is not None else None
    page = _Page(soup, source, url, base, now, page_title)
    if selectors is None:
        return page.read_automatically()

    items = [tag for tag in soup.select(selectors.item) if isinstance(tag, Tag)]
    if not items:
        return page.fall_back(f"item selector {selectors.item!r}", "on the page")

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
    inside = f"inside any item ({selectors.item!r}) on the page"
    for name in ("title", "link"):
        if not matched[name]:
            return page.fall_back(f"{name} selector {wanted[name]!r}", inside)
    notes = [
        f"{source.id}: no element matches {name} selector {wanted[name]!r} {inside}; the items "
        f"were kept without {'dates' if name == 'date' else 'summaries'}: check the selector"
        for name in ("date", "summary")
        if name in matched and not matched[name]
    ]
    feed = build_feed(raws, source=source, base_url=base, now=now, title=page_title)
    if not notes:
        return feed
    return replace(feed, warnings=(*notes, *feed.warnings), source_warnings=tuple(notes))


class _Page:
    """A parsed page of one source, for reading it without selectors."""

    def __init__(
        self,
        soup: BeautifulSoup,
        source: SourceConfig,
        url: str,
        base: str,
        now: datetime,
        title: str | None,
    ) -> None:
        self.soup, self.source, self.url, self.base = soup, source, url, base
        self.now, self.title = now, title

    def _entries(self) -> tuple[list[RawEntry], str]:
        listing = read_listing(self.soup, self.url)
        raws = [
            RawEntry(
                position=position,
                link=item.url,
                title=item.title,
                summary=item.summary,
                published_at=item.published_at,
            )
            for position, item in enumerate(listing.items, start=1)
        ]
        return raws, listing.where

    def read_automatically(self) -> ParsedFeed:
        raws, _ = self._entries()
        if not raws:
            raise ParseError(
                f"{self.source.id}: no list of publications found on the page (read without "
                "selectors): give the source selectors (item, title, link)"
            )
        return build_feed(
            raws, source=self.source, base_url=self.base, now=self.now, title=self.title
        )

    def fall_back(self, selector: str, where: str) -> ParsedFeed:
        """The page read without selectors because ``selector`` matches nothing ``where``."""
        broken = f"{self.source.id}: no element matches {selector} {where}"
        raws, found_at = self._entries()
        if not raws:
            raise ParseError(
                f"{broken}: the site may have been redesigned (reading the page without "
                "selectors found no list of publications either)"
            )
        note = (
            f"{broken}: the site may have been redesigned; read the page without selectors "
            f"instead ({len(raws)} items at {found_at!r}): fix the selectors"
        )
        feed = build_feed(
            raws,
            source=self.source,
            base_url=self.base,
            now=self.now,
            title=self.title,
            warnings=[note],
        )
        return replace(feed, source_warnings=(note,), degraded=True)
