"""A publication's HTML page → :class:`Document`. Pure (bytes in, record out).

trafilatura finds the main text (keeping headings and lists, which the section finder needs)
and the page's metadata; htmldate finds its publication date. The publisher comes from GOV.UK's
``govuk:`` meta tags when present; the site's own name (``og:site_name``, a JSON-LD publisher,
the "Title | Publisher" end of its ``<title>``) is kept apart as ``site_name``, since the source
an admin named is a better publisher than it.
Links that may lead to the main report are collected for the caller to follow.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from curator.enrich.blocks import blocks_from_tree
from curator.enrich.links import absolute_url
from curator.enrich.records import Block, Document, ReportLink
from curator.enrich.text import clean

_REPORT_TEXT = re.compile(
    r"\b(?:download|read|view|access|open|see)\b.{0,40}\b(?:report|publication|review|"
    r"evaluation|study|research|briefing|paper|document|summary|pdf)\b|\bfull report\b|\(pdf\b"
    r"|\bpdf\b",
    re.IGNORECASE,
)


def read_html(content: bytes, url: str) -> Document:
    """Read a landing page or an article page fetched from ``url`` (the final URL)."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(content)
    if tree is None:
        return Document(url=url, warnings=(f"{url}: the page has no HTML to read",))
    metas = _metas(tree)
    ld = _json_ld(tree)
    extracted = trafilatura.bare_extraction(
        copy.deepcopy(tree),
        url=url,
        with_metadata=True,
        include_formatting=True,
        include_tables=False,
        favor_recall=True,
        deduplicate=False,
    )
    warnings: list[str] = []
    blocks = []
    title = description = site_name = None
    if extracted is None or isinstance(extracted, dict):
        warnings.append(f"{url}: no main text found on the page")
    else:
        if extracted.body is not None:
            blocks = blocks_from_tree(extracted.body)
        title, description, site_name = extracted.title, extracted.description, extracted.sitename
    title = metas.get("govuk:title") or metas.get("og:title") or title
    site_name = (
        metas.get("og:site_name")
        or _ld_publisher(ld)
        or _title_suffix(tree)
        or _not_the_host(site_name, url)
    )
    if title and site_name and title.endswith(f" | {site_name}"):
        title = title[: -len(site_name) - 3]
    links = tuple(report_links(tree, url))
    # a thin landing page that links its report is read through the report, not a script shell
    scripted = not links and _built_by_scripts(tree, blocks)
    if scripted:
        warnings.append(
            f"{url}: the page has almost no text without JavaScript, which the bot does not run "
            "(its text is put in by scripts in the browser); read it in a browser"
        )
    return Document(
        url=url,
        blocks=tuple(blocks),
        title=clean(title) if title else None,
        publisher=metas.get("govuk:primary-publishing-organisation"),
        site_name=clean(site_name) if site_name else None,
        published_at=_published(tree, metas),
        document_type=metas.get("govuk:format") or _ld_type(ld),
        description=clean(metas.get("description") or metas.get("og:description") or "")
        or (clean(description) if description else None),
        report_links=links,
        warnings=tuple(warnings),
        scripted=scripted,
    )


#: Below this many words of main text (cookie banners and notices aside), a page with scripts
#: is taken to be built in the browser.
MIN_WORDS_WITHOUT_SCRIPTS = 25
_SCRIPT_NOTICE = re.compile(r"\b(?:javascript|cookies?)\b", re.IGNORECASE)


def _built_by_scripts(tree: Any, blocks: Sequence[Block]) -> bool:
    """Does the page show almost nothing but scripts: a JavaScript application's shell ("You
    need to enable JavaScript to run this app", an empty ``<div id="root">``), or a cookie
    banner over nothing?"""
    if not any(True for _ in tree.iter("script")):
        return False
    text = [b.text for b in blocks if not _SCRIPT_NOTICE.search(b.text)]
    return sum(len(t.split()) for t in text) < MIN_WORDS_WITHOUT_SCRIPTS


#: "Publication title | Publisher": the page's <title> ends with the site's name after a bar.
_TITLE_SUFFIX = re.compile(r"\s\|\s+([^|]+?)\s*$")


def _title_suffix(tree: Any) -> str | None:
    """The publisher a page's ``<title>`` names after its last ``|`` ("Prison education
    review | Ministry of Justice"), when it reads as a name (a capital first, a few words)."""
    head_title = tree.find(".//head/title")
    text = " ".join((head_title.text_content() if head_title is not None else "").split())
    match = _TITLE_SUFFIX.search(text)
    if match is None or match.start() == 0:
        return None
    name = match[1]
    return name if name[0].isupper() and len(name.split()) <= 8 else None


def _not_the_host(site_name: str | None, url: str) -> str | None:
    """trafilatura's site name, unless it is only the URL's host name, its guess when the
    page names no site: then the page does not name its publisher, and the caller says so."""
    parts = urlsplit(url)
    hosts = {(parts.hostname or "").removeprefix("www."), parts.netloc.lower().removeprefix("www.")}
    if site_name and site_name.lower().removeprefix("www.") in hosts:
        return None
    return site_name


def _metas(tree: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` members included."""
    found: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if isinstance(obj, dict):
                found.append(obj)
                graph = obj.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return found


def _types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type")
    return [kind] if isinstance(kind, str) else [k for k in kind or [] if isinstance(k, str)]


def _ld_publisher(objects: list[dict[str, Any]]) -> str | None:
    """The page's publisher in JSON-LD: an explicit ``publisher`` name, else the Organization."""
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, list) and publisher:
            publisher = publisher[0]
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return str(publisher["name"])
    for obj in objects:
        if "Organization" in _types(obj) and isinstance(obj.get("name"), str):
            return str(obj["name"])
    return None


_PAGE_TYPES = frozenset({"WebPage", "WebSite", "Organization", "BreadcrumbList", "ImageObject",
                         "Person", "SearchAction", "ReadAction", "ItemPage"})  # fmt: skip


def _ld_type(objects: list[dict[str, Any]]) -> str | None:
    for obj in objects:
        for kind in _types(obj):
            if kind not in _PAGE_TYPES:
                return re.sub(
                    r"(?<!^)(?=[A-Z])", "_", kind
                ).lower()  # ScholarlyArticle → scholarly_article
    return None


def _published(tree: Any, metas: dict[str, str]) -> datetime | None:
    """GOV.UK's first-published date when the page has one, else htmldate's original date."""
    for key in ("govuk:first-published-at", "article:published_time"):
        if key in metas:
            try:
                when = dateparser.isoparse(metas[key])
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    from htmldate import find_date

    found = find_date(tree, original_date=True, extensive_search=False)
    if not found:
        return None
    return datetime.fromisoformat(found).replace(tzinfo=UTC)


def report_links(tree: Any, url: str) -> list[ReportLink]:
    """Links that look like the way to the main report: a PDF, or "Read the full report"."""
    base = url
    for el in tree.iter("base"):
        if el.get("href"):
            base = absolute_url(el.get("href"), url) or url  # a broken <base> is ignored
            break
    seen: set[str] = set()
    out: list[ReportLink] = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href.startswith("#"):
            continue
        target = absolute_url(href, base)
        if target is None or target in seen:
            continue
        text = clean(anchor.text_content())
        is_pdf = urlsplit(target).path.lower().endswith(".pdf")
        if is_pdf or _REPORT_TEXT.search(text):
            seen.add(target)
            out.append(ReportLink(target, text, is_pdf))
    return out
