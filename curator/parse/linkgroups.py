"""The links of a page, grouped by layout, and the item element around each.

Part of reading a listing without selectors (:mod:`curator.parse.listing`). Pure: no I/O.

A candidate link is any ``<a href>`` outside site chrome (:mod:`curator.parse.layout`) pointing
to an http(s) page. Links that repeat one template (the same tags from ``<body>`` down, the same
stable classes on the link, its parent and grandparent) form a :class:`Group`; for each member,
:func:`locate_items` finds its item (the largest element around it that holds no other member)
and the region read for its date and summary.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from bs4 import Tag

from curator.parse.layout import (
    ASIDE_WORDS,
    CONTENT_TAGS,
    is_chrome,
    is_hidden,
    stable_classes,
    visible_text,
    words,
)
from curator.parse.textdates import find_date

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
#: Link texts that name an action, not a publication ("Read more", "Download the report").
GENERIC = re.compile(
    r"^(read|continue reading|find out|learn more|see (more|all)|view|download|more|"
    r"full report|click here|here)\b",
    re.IGNORECASE,
)
#: Fewer distinct links than this is not a list (two is accepted when nothing else is found).
MIN_ITEMS = 3
#: Query parameters that choose a view of a listing (its page, order, filters), not an item:
#: ``news.aspx?page=2`` is the listing again, ``news.aspx?id=123`` is a publication.
VIEW_PARAMS = frozenset(
    {
        "page",
        "p",
        "paged",
        "pg",
        "start",
        "offset",
        "limit",
        "sort",
        "order",
        "orderby",
        "dir",
        "type",
        "topic",
        "category",
        "tag",
        "filter",
        "year",
        "month",
        "q",
        "query",
        "keywords",
        "search",
        "s",
        "view",
        "format",
        "lang",
    }
)


@dataclass
class Link:
    """A candidate link: where it points, its title, and where it sits."""

    el: Tag
    url: str
    title: str
    title_el: Tag
    chain: tuple[Tag, ...]  # ancestors from <body> down to the link's parent
    key: tuple[object, ...]
    in_main: bool
    aside: bool
    same_page: bool
    #: The link says "Read more"; its title is the heading of its item.
    titled_by_heading: bool = False

    @property
    def generic(self) -> bool:
        return bool(GENERIC.match(self.title))


@dataclass
class Group:
    """Links that repeat one template, and (once located) the item around each."""

    links: list[Link]
    containers: dict[int, Tag] = field(default_factory=dict)  # id(link.el) -> item element
    regions: dict[int, list[Tag]] = field(default_factory=dict)
    dates: dict[int, tuple[datetime | None, bool]] = field(default_factory=dict)
    score: float = 0.0


def _link_counts(body: Tag) -> Counter[int]:
    counts: Counter[int] = Counter()
    for a in body.find_all("a", href=True):
        for parent in a.parents:
            counts[id(parent)] += 1
    return counts


def _keeps_content(el: Tag, counts: Counter[int], total: int) -> bool:
    """An element whose class words say "chrome" but which wraps the page's content (a
    ``<div id="mainNav">`` holds a menu; a ``<div class="nav-wrapper">`` around everything
    does not): it holds the ``<main>`` element or most of the page's links."""
    if el.name in ("html", "body", "main", "article") or str(el.get("role")) == "main":
        return True
    return counts[id(el)] * 2 >= total or el.find("main") is not None


def candidate_links(body: Tag, base: str, page_url: str) -> list[Link]:
    counts = _link_counts(body)
    total = counts[id(body)] or 1
    page = urlsplit(page_url)
    page_key = (page.netloc.lower(), page.path.rstrip("/"), VIEW_PARAMS | _query_keys(page.query))
    found: list[Link] = []
    # (element, ancestors above it, inside content?, inside <main>?, under an aside-like part?)
    stack: list[tuple[Tag, tuple[Tag, ...], bool, bool, bool]] = [(body, (), False, False, False)]
    while stack:
        el, chain, in_content, in_main, aside = stack.pop()
        for child in reversed([c for c in el.children if isinstance(c, Tag)]):
            if child.name == "a":
                if child.has_attr("href") and not is_hidden(child):
                    link = _make_link(child, (*chain, el), base, page_key, in_main, aside)
                    if link is not None:
                        found.append(link)
                continue
            if is_chrome(child, in_content) and not (
                child.name not in ("nav", "aside", "header", "footer")
                and not is_hidden(child)
                and _keeps_content(child, counts, total)
            ):
                continue
            stack.append(
                (
                    child,
                    (*chain, el),
                    in_content or child.name in CONTENT_TAGS,
                    in_main or child.name == "main" or str(child.get("role")) == "main",
                    aside or bool(words(child) & ASIDE_WORDS),
                )
            )
    order = {id(a): i for i, a in enumerate(body.find_all("a", href=True))}
    found.sort(key=lambda link: order[id(link.el)])
    return found


def _query_keys(query: str) -> frozenset[str]:
    return frozenset(key.lower() for key, _ in parse_qsl(query, keep_blank_values=True))


def _make_link(
    a: Tag,
    chain: tuple[Tag, ...],
    base: str,
    page_key: tuple[str, str, frozenset[str]],
    in_main: bool,
    aside: bool,
) -> Link | None:
    href = str(a["href"]).strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    heading = next((d for d in a.descendants if isinstance(d, Tag) and d.name in HEADINGS), None)
    title_el = heading or a
    title = visible_text(title_el)
    if not title:
        img = a.find("img", alt=True)
        title = " ".join(str(img["alt"]).split()) if isinstance(img, Tag) else ""
    parent = chain[-1] if chain else a
    grandparent = chain[-2] if len(chain) > 1 else parent
    key = (
        tuple(el.name for el in chain),
        stable_classes(a),
        stable_classes(parent),
        stable_classes(grandparent),
    )
    host, path, views = page_key
    same_page = (parts.netloc.lower(), parts.path.rstrip("/")) == (host, path) and (
        _query_keys(parts.query) <= views
    )
    return Link(a, url, title, title_el, chain, key, in_main, aside, same_page)


def group_links(links: Sequence[Link]) -> list[Group]:
    by_key: dict[tuple[object, ...], list[Link]] = defaultdict(list)
    for link in links:
        by_key[link.key].append(link)
    groups = [Group(members) for members in by_key.values()]
    several = [g for g in groups if len({link.url for link in g.links}) >= MIN_ITEMS]
    return several or [g for g in groups if len({link.url for link in g.links}) >= 2]


def locate_items(group: Group) -> None:
    """Each member's item element, and the region (item plus following siblings) read for its
    date and summary."""
    owners: dict[int, set[str]] = defaultdict(set)
    for link in group.links:
        owners[id(link.el)].add(link.url)
        for anc in link.chain:
            owners[id(anc)].add(link.url)
    for link in group.links:
        container = link.el
        for anc in reversed(link.chain):
            if owners[id(anc)] != {link.url} or anc.name in ("body", "main"):
                break
            container = anc
        group.containers[id(link.el)] = container
        group.regions[id(link.el)] = _region(container, link, owners)
        if link.generic:
            # "Read more" under a plain (unlinked) heading: the heading is the title.
            head = container.find(HEADINGS)
            if isinstance(head, Tag) and not head.find("a") and visible_text(head):
                link.title, link.titled_by_heading = visible_text(head), True


def _region(container: Tag, link: Link, owners: dict[int, set[str]]) -> list[Tag]:
    """The item, plus, when it is only a heading or a title (a flat run of headings and
    paragraphs, a ``<dt>`` and its ``<dd>``s), the siblings after it up to the next item."""
    if visible_text(container, skip=link.title_el) and container.name not in (*HEADINGS, "dt"):
        return [container]
    region = [container]
    shape = (container.name, stable_classes(container))
    before = container.find_previous_sibling()
    if isinstance(before, Tag) and id(before) not in owners and _is_date_line(before):
        region.insert(0, before)  # "14 May 2024" written above the title
    for sib in container.find_next_siblings(limit=6):
        if id(sib) in owners or (sib.name, stable_classes(sib)) == shape:
            break
        if sib.name in HEADINGS and container.name in HEADINGS:
            break
        region.append(sib)
    return region


def _is_date_line(el: Tag) -> bool:
    """A short element that is mostly a date ("Published 14 May 2024")."""
    if el.name in HEADINGS or el.find("a") is not None:
        return False
    text = visible_text(el)
    return len(text.split()) <= 6 and find_date(text) is not None
