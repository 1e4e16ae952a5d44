"""What a page's markup says about its parts: site chrome (navigation, header, footer, cookie
banners, pagination, share links…), the stable classes of an element, visible text.

Pure helpers for :mod:`curator.parse.listing`, which reads publication listings without
selectors. "Chrome" is decided from the markup's own words: HTML5 elements (``nav``, ``aside``,
a page-level ``header``/``footer``), ARIA roles, ``hidden``, and class or id words such as
``breadcrumb``, ``cookie`` or ``pagination``. A class like ``has-main-navigation`` on ``<body>``
describes the page, not the element, so words after ``has``/``with``/``no`` are not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from bs4 import Tag
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction

#: Elements that are never part of a listing's content.
CHROME_TAGS = frozenset({"nav", "aside", "dialog", "template", "select", "button", "menu"})
#: Header and footer elements are chrome at page level only; inside these they belong to an
#: article or item (WordPress puts each post's title in ``<header class="entry-header">``).
CONTENT_TAGS = frozenset({"article", "main", "section", "li", "td", "dd", "tr"})
CHROME_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "dialog",
        "alertdialog",
        "menu",
        "menubar",
        "tablist",
        "toolbar",
    }
)
#: Class and id words that mark an element as chrome wherever it is.
CHROME_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "menus",
        "submenu",
        "megamenu",
        "breadcrumb",
        "breadcrumbs",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "onetrust",
        "pagination",
        "pager",
        "paginator",
        "share",
        "sharing",
        "sharebar",
        "social",
        "tagcloud",
        "carousel",
        "slider",
        "slick",
        "skip",
        "filter",
        "filters",
        "facet",
        "facets",
        "toolbar",
        "masthead",
        "colophon",
    }
)
#: Class and id words of page parts that hold links to publications which are not the listing
#: ("Most popular", promotions, a sidebar): links under them count for less.
ASIDE_WORDS = frozenset(
    {
        "sidebar",
        "widget",
        "widgets",
        "promo",
        "promos",
        "promotion",
        "banner",
        "hero",
        "newsletter",
        "signup",
        "subscribe",
        "related",
        "popular",
        "trending",
        "featured",
        "spotlight",
        "highlight",
        "alert",
    }
)
#: Classes that carry a state or an id, not a layout (``current-menu-item``, ``post-5187``,
#: ``views-row-odd``): left out of an element's layout signature.
_STATE_WORDS = frozenset(
    {
        "active",
        "current",
        "selected",
        "odd",
        "even",
        "first",
        "last",
        "alt",
        "open",
        "closed",
        "expanded",
        "collapsed",
        "visible",
        "show",
        "hidden",
    }
)
_VARYING_PREFIXES = (
    "is-",
    "has-",
    "js-",
    "tag-",
    "category-",
    "format-",
    "status-",
    "type-",
    "post-",
    "page-",
    "menu-item-",
)
_HIDDEN_TEXT_CLASSES = frozenset(
    {
        "screen-reader-text",
        "sr-only",
        "visually-hidden",
        "govuk-visually-hidden",
        "element-invisible",
        "visuallyhidden",
        "u-hidden",
        "hidden",
    }
)
_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "select", "option"})


def _classes(el: Tag) -> list[str]:
    value = el.get("class")
    if isinstance(value, str):
        return value.split()
    return list(value) if value else []


def words(el: Tag) -> set[str]:
    """The words of an element's classes and id (``cookieNotice`` → cookie, notice), without
    those that describe the page rather than the element (``has-main-navigation``)."""
    found: set[str] = set()
    tokens = _classes(el)
    ident = el.get("id")
    if isinstance(ident, str):
        tokens.append(ident)
    for token in tokens:
        for word in _SPLIT.split(_CAMEL.sub(r"\1 \2", token).lower()):
            if word in ("has", "with", "no", "without"):
                break
            if word:
                found.add(word)
    return found


def stable_classes(el: Tag) -> tuple[str, ...]:
    """The element's classes that describe its layout: no state (``is-active``, ``alt``), no
    ids (``post-5187``), no BEM modifiers (``card--report``), no taxonomy (``tag-poverty``)."""
    kept = []
    for token in _classes(el):
        low = token.lower()
        if (
            any(ch.isdigit() for ch in low)
            or "--" in low
            or low in _STATE_WORDS
            or low.endswith(("-odd", "-even", "-first", "-last", "-active", "-current"))
            or low.startswith(_VARYING_PREFIXES)
        ):
            continue
        kept.append(low)
    return tuple(sorted(set(kept)))


def describe(el: Tag) -> str:
    """``tag.class1.class2`` with the element's stable classes (for messages)."""
    return ".".join([el.name, *stable_classes(el)])


def is_hidden(el: Tag) -> bool:
    if el.has_attr("hidden") or str(el.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(el.get("style", "")).replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def is_chrome(el: Tag, in_content: bool) -> bool:
    """Whether ``el`` (not its ancestors) is site chrome. ``in_content``: ``el`` sits inside an
    article, list item, table cell or other content element."""
    name = el.name
    if name in CHROME_TAGS or is_hidden(el):
        return True
    if name in ("header", "footer") and not in_content:
        return True
    role = str(el.get("role", "")).lower()
    if role in CHROME_ROLES:
        return True
    label = str(el.get("aria-label", "")).lower()
    if str(el.get("aria-roledescription", "")).lower() in ("carousel", "slide") or any(
        w in label for w in ("cookie", "breadcrumb", "pagination")
    ):
        return True
    return bool(words(el) & CHROME_WORDS)


def _is_hidden_text(el: Tag) -> bool:
    return el.name in _SKIP_TEXT_TAGS or bool(set(_classes(el)) & _HIDDEN_TEXT_CLASSES)


def _strings(el: Tag, skip: Tag | None) -> Iterator[str]:
    for child in el.children:
        if isinstance(child, Tag):
            if child is skip or _is_hidden_text(child):
                continue
            yield from _strings(child, skip)
        elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
            yield str(child)


def visible_text(el: Tag, *, skip: Tag | None = None) -> str:
    """The text a reader sees in ``el`` (not scripts, styles or screen-reader-only text),
    whitespace collapsed; ``skip`` leaves out one descendant."""
    if _is_hidden_text(el):
        return ""
    return " ".join(" ".join(_strings(el, skip)).split())


def texts(elements: Iterable[Tag], *, skip: Tag | None = None) -> str:
    return " ".join(t for t in (visible_text(e, skip=skip) for e in elements) if t)
