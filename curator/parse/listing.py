"""A publication listing read without selectors: which links on a page are its publications.

Pure: a page's HTML and URL in, the publications found out (:func:`read_listing`); no network.
Used for ``kind: page`` sources that give no ``selectors``, as the fallback when a source's
selectors stop matching (:mod:`curator.parse.pages`), and by :func:`first_items` for anything
that wants to show what a page would give.

How it reads a page:

1. **Main content only**: links inside site chrome are never candidates (navigation, page
   header and footer, asides, cookie banners, breadcrumbs, pagination, share and social
   links, carousels, filters; see :mod:`curator.parse.layout`).
2. **Group links by layout**: links whose path from ``<body>`` has the same tags, and whose own,
   parent and grandparent elements have the same stable classes, repeat one template: the
   title links of a list of publications are one such group, a tag cloud or a footer column
   another.
3. **Keep the group that looks like a list of publications**: several distinct links, titles of
   several words, a date near each link, URLs of one pattern (same first path segment, or same
   depth), not "Read more", not category or tag pages, not other views of this same page
   (pagination and filters), in the page's ``<main>`` when it has one.
4. **Each publication**: its item is the largest element around the link that holds no other
   publication; for a flat run of headings and paragraphs it is the heading and what follows
   it up to the next. The title is the heading inside the link, else the link text; the date
   is a ``<time datetime>`` in the item, else the first date written in its text; the summary
   is the first paragraph of eight words or more.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from curator.normalise import html_soup
from curator.parse.layout import describe, stable_classes, texts, visible_text
from curator.parse.linkgroups import (
    HEADINGS,
    MIN_ITEMS,
    Group,
    Link,
    candidate_links,
    group_links,
    locate_items,
)
from curator.parse.textdates import find_date, machine_date

#: Path segments of pages that list or describe things rather than publish them.
_INDEX_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "category",
        "categories",
        "topic",
        "topics",
        "author",
        "authors",
        "people",
        "page",
        "search",
        "login",
        "browse",
        "email",
        "feed",
    }
)
_WORD = re.compile(r"[^\W_]+")
_TRAILING_ACTION = re.compile(r"\s*\b(continue reading|read more)\b\W*$", re.IGNORECASE)
#: A group scoring below this is not taken for a list of publications.
MIN_SCORE = 0.5
_SUMMARY_TAGS = ("p", "dd", "div", "span")
_BLOCKS = ("p", "div", "ul", "ol", "dl", "table", "section", "article", "h1", "h2", "h3", "h4")


@dataclass(frozen=True)
class ListedItem:
    """One publication found on a listing page."""

    title: str
    url: str
    published_at: datetime | None = None
    summary: str | None = None
    #: The page gave only a month ("June 2024"): ``published_at`` is the first of it.
    month_only: bool = False


@dataclass(frozen=True)
class Listing:
    """What :func:`read_listing` found: the publications, in page order, and where they were
    (a CSS-like path such as ``ul.report-list > li.report-list__item > a``), or no items."""

    items: tuple[ListedItem, ...] = ()
    where: str = ""
    score: float = 0.0


def read_listing(
    page: bytes | str | BeautifulSoup, url: str, *, encoding: str | None = None
) -> Listing:
    """The publications listed on ``page`` (HTML), whose address is ``url`` (the base for
    relative links; ``<base href>`` is honoured). An empty :class:`Listing` when nothing on
    the page looks like a list of publications."""
    soup = page if isinstance(page, BeautifulSoup) else html_soup(page, encoding=encoding)
    base_tag = soup.find("base", href=True)
    base = urljoin(url, str(base_tag["href"])) if isinstance(base_tag, Tag) else url
    body = soup.body if isinstance(soup.body, Tag) else soup
    links = candidate_links(body, base, url)
    groups = group_links(links)
    best: Group | None = None
    for group in groups:
        locate_items(group)
        group.score = _score(group, has_main=any(link.in_main for link in links))
        if best is None or group.score > best.score:
            best = group
    if best is None or best.score < MIN_SCORE:
        return Listing()
    items = _items(best, links)
    return Listing(items=tuple(items), where=_where(best), score=round(best.score, 3))


def first_items(url: str, html: bytes | str, *, limit: int = 5) -> list[ListedItem]:
    """The first ``limit`` publications the automatic reading finds on a page (for commands
    that offer it, e.g. when a page has no feed)."""
    return list(read_listing(html, url).items[:limit])


# -- the date and summary of an item ---------------------------------------------------------


def _date_of(region: list[Tag], skip: Tag) -> tuple[datetime | None, bool]:
    for el in region:
        for tagged in (el, *el.descendants):
            if isinstance(tagged, Tag) and (when := machine_date(tagged)) is not None:
                return when, False
    found = find_date(texts(region, skip=skip))
    return (found.when, found.month_only) if found else (None, False)


def _summary_of(region: list[Tag], title_el: Tag) -> str | None:
    for el in region:
        for block in [el, *el.find_all(_SUMMARY_TAGS)]:
            if block is title_el or title_el in block.parents or block in title_el.parents:
                continue
            if block.name in ("div", "span") and block.find(_BLOCKS) is not None:
                continue
            text = _TRAILING_ACTION.sub("", visible_text(block))
            if len(_WORD.findall(text)) < 8:
                continue
            found = find_date(text)
            if found and len(_WORD.findall(text[: found.start] + text[found.end :])) < 8:
                continue  # a meta line ("Report · 14 May 2024 · 20 min read"), not a summary
            return text
    return None


# -- which group is the listing ----------------------------------------------------------


def _pattern_share(urls: Sequence[str]) -> float:
    """How far the URLs follow one pattern: the largest share with the same host and first
    path segment, or the same host and number of segments."""
    firsts: Counter[tuple[str, str]] = Counter()
    depths: Counter[tuple[str, int]] = Counter()
    for u in urls:
        parts = urlsplit(u)
        segments = [s for s in parts.path.split("/") if s]
        host = parts.netloc.lower()
        if len(segments) > 1:
            firsts[(host, segments[0].lower())] += 1
        depths[(host, len(segments))] += 1
    top = max([*firsts.values(), *depths.values(), 0])
    return top / len(urls) if urls else 0.0


def _looks_like_index(u: str) -> bool:
    segments = [s.lower() for s in urlsplit(u).path.split("/") if s]
    return bool(set(segments) & _INDEX_SEGMENTS) or not segments


def _slug_words(u: str) -> int:
    segments = [s for s in urlsplit(u).path.split("/") if s]
    if not segments:
        return 0
    last = segments[-1].rsplit(".", 1)[0]
    return len([w for w in re.split(r"[-_+]", last) if w])


def _score(group: Group, *, has_main: bool) -> float:
    firsts: dict[str, Link] = {}
    for link in group.links:
        firsts.setdefault(link.url, link)
    unique = list(firsts.values())
    n = len(unique)

    def share(pred: Callable[[Link], bool]) -> float:
        return sum(1 for link in unique if pred(link)) / n

    def dated(link: Link) -> bool:
        found = _date_of(group.regions[id(link.el)], link.title_el)
        group.dates[id(link.el)] = found  # read again for the items of the group kept
        return found[0] is not None

    title_words = sum(min(len(_WORD.findall(link.title)), 10) for link in unique) / n
    score = math.log2(1 + n)
    score *= min(max(title_words / 7, 0.05), 1.0)
    score *= 0.3 + 0.7 * share(dated)
    score *= 0.4 + 0.6 * _pattern_share([link.url for link in unique])
    score *= 1 - 0.9 * share(lambda link: link.generic)
    score *= 0.6 + 0.4 * share(lambda link: _slug_words(link.url) >= 3)
    score *= 1 - 0.8 * share(lambda link: _looks_like_index(link.url))
    score *= math.sqrt(n / len(group.links))  # the same few links again and again: authors, tags
    if share(lambda link: link.same_page) > 0.5:
        score *= 0.2  # other views of this page: pagination, filters, sort orders
    if share(lambda link: link.aside) > 0.5:
        score *= 0.5
    if has_main and share(lambda link: link.in_main) < 0.5:
        score *= 0.5
    if share(lambda link: link.titled_by_heading) > 0.5:
        score *= 0.9  # the same items' title links, where there are any, are the better reading
    return score


# -- the publications ---------------------------------------------------------------------


def _items(group: Group, links: Sequence[Link]) -> list[ListedItem]:
    found: list[tuple[Tag, ListedItem]] = []
    seen: set[str] = set()
    for link in group.links:
        if link.url in seen:
            continue
        seen.add(link.url)
        region = group.regions[id(link.el)]
        when, month_only = group.dates.get(id(link.el)) or _date_of(region, link.title_el)
        title = link.title
        if link.generic:
            head = _heading_before(group.containers[id(link.el)])
            title = visible_text(head) if head is not None else title
        item = ListedItem(title, link.url, when, _summary_of(region, link.title_el), month_only)
        found.append((link.el, item))
    found += _unlinked_heads(group, links, seen)
    order = {id(a): i for i, a in enumerate(link.el for link in links)}
    found.sort(key=lambda pair: order.get(id(pair[0]), 0))
    return [item for _, item in found]


def _heading_before(el: Tag) -> Tag | None:
    head = el.find(HEADINGS)
    if isinstance(head, Tag):
        return head
    prev = el.find_previous(HEADINGS)
    return prev if isinstance(prev, Tag) else None


def _unlinked_heads(
    group: Group, links: Sequence[Link], seen: set[str]
) -> list[tuple[Tag, ListedItem]]:
    """In a flat run of headings, a heading of the same shape as the others but without a link:
    its publication is the link after it (before the next heading) whose URL follows the
    group's pattern ("Read the report")."""
    heads = [c for c in group.containers.values() if c.name in (*HEADINGS, "dt")]
    if len(heads) < MIN_ITEMS or heads[0].parent is None:
        return []
    shape = (heads[0].name, stable_classes(heads[0]))
    prefixes = Counter(_prefix(link.url) for link in group.links)
    prefix = prefixes.most_common(1)[0][0]
    taken = {id(h) for h in heads}
    candidates = {id(link.el): link for link in links}
    out: list[tuple[Tag, ListedItem]] = []
    for head in heads[0].parent.find_all(shape[0], recursive=False):
        if id(head) in taken or stable_classes(head) != shape[1] or head.find("a") is not None:
            continue
        region = [head]
        for sib in head.find_next_siblings(limit=6):
            if sib.name == head.name:
                break
            region.append(sib)
            for a in sib.find_all("a", href=True):
                link = candidates.get(id(a))
                if link and link.url not in seen and _prefix(link.url) == prefix:
                    seen.add(link.url)
                    when, month_only = _date_of(region, a)
                    title = visible_text(head)
                    out.append((a, ListedItem(title, link.url, when, None, month_only)))
                    break
            else:
                continue
            break
    return out


def _prefix(u: str) -> tuple[str, str]:
    parts = urlsplit(u)
    segments = [s for s in parts.path.split("/") if s]
    return parts.netloc.lower(), segments[0].lower() if len(segments) > 1 else ""


def _where(group: Group) -> str:
    link = group.links[0]
    path = [describe(el) for el in link.chain[-3:]]
    return " > ".join([*path, describe(link.el)])
