"""GOV.UK Content API items → :class:`Document`. Pure.

On ``www.gov.uk`` the Content API (``/api/content/<path>``) says plainly what scraping would
guess: the description, the document type, the organisations, the first published date, the
attachments (PDF files and HTML publications) and, for an HTML publication, its body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import lxml.html

from curator.enrich.blocks import blocks_from_tree
from curator.enrich.errors import PageUnreadable
from curator.enrich.links import absolute_url
from curator.enrich.records import Block, Document, ReportLink
from curator.enrich.text import clean

#: Hosts whose pages have a Content API item (tests add their loopback server).
GOVUK_HOSTS = frozenset({"www.gov.uk"})


def content_api_url(url: str, hosts: frozenset[str] = GOVUK_HOSTS) -> str | None:
    """``https://www.gov.uk/api/content/<path>`` for a GOV.UK page, else ``None``."""
    parts = urlsplit(url)
    if parts.netloc.lower() not in hosts or parts.path.startswith("/api/"):
        return None
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, "/api/content" + path, "", ""))


def page_url(api_url: str) -> str:
    """The page a Content API URL describes (the reverse of :func:`content_api_url`)."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.removeprefix("/api/content"), "", ""))


def read_content_item(content: bytes, url: str) -> Document:
    """Read a Content API item; ``url`` is the page it describes (quoted in provenance).
    :class:`PageUnreadable` when the answer is not a Content API item."""
    try:
        item = json.loads(content)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
        raise PageUnreadable(f"{url}: the GOV.UK Content API sent invalid JSON ({exc})") from None
    if not isinstance(item, dict):
        raise PageUnreadable(f"{url}: the GOV.UK Content API sent JSON that is not an object")
    details: dict[str, Any] = item["details"] if isinstance(item.get("details"), dict) else {}
    links: dict[str, Any] = item["links"] if isinstance(item.get("links"), dict) else {}
    body = details.get("body")
    blocks: list[Block] = []
    if isinstance(body, str) and body.strip():
        blocks = blocks_from_tree(lxml.html.fragment_fromstring(body, create_parent="div"))
    document_type = _str(item.get("document_type"))
    parent = _first(links.get("parent"))
    if document_type == "html_publication" and parent and _str(parent.get("document_type")):
        document_type = _str(parent.get("document_type"))  # "independent_report", not the format
    description = _str(item.get("description"))
    return Document(
        url=url,
        blocks=tuple(blocks),
        title=_str(item.get("title")),
        publisher=organisations(links),
        published_at=_date(
            item.get("first_published_at")
            or details.get("first_public_at")
            or item.get("public_updated_at")
        ),
        document_type=document_type,
        description=clean(description) if description else None,
        report_links=tuple(_attachments(details, url)),
    )


def parent_url(content: bytes) -> str | None:
    """The Content API URL of an HTML publication's parent publication (its landing page)."""
    try:
        item = json.loads(content)
        parent = _first(item.get("links", {}).get("parent"))
    except (ValueError, AttributeError):
        return None
    return absolute_url(parent.get("api_url"), "") if parent else None


def organisations(links: Mapping[str, Any]) -> str | None:
    """The organisations as the edition names them: "Ofsted and Care Quality Commission",
    the primary publishing organisation first."""
    names: list[str] = []
    for key in ("primary_publishing_organisation", "organisations"):
        for org in _list(links.get(key)):
            name = _str(org.get("title")) if isinstance(org, dict) else None
            if name and name not in names:
                names.append(name)
    if not names:
        return None
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _attachments(details: Mapping[str, Any], page: str) -> list[ReportLink]:
    """HTML publications first, then PDFs, each in the order GOV.UK lists them (featured
    attachments first); an attachment whose ``url`` is not an http(s) URL is left out."""
    raw = [
        (a, link)
        for a in _list(details.get("attachments"))
        if isinstance(a, dict) and (link := absolute_url(a.get("url"), page))
    ]
    featured = [f for f in _list(details.get("featured_attachments")) if isinstance(f, str)]
    raw.sort(
        key=lambda r: featured.index(r[0]["id"]) if r[0].get("id") in featured else len(featured)
    )
    html = [
        ReportLink(link, clean(str(a.get("title") or "")), False)
        for a, link in raw
        if a.get("attachment_type") == "html"
    ]
    pdf = [
        ReportLink(link, clean(str(a.get("title") or "")), True)
        for a, link in raw
        if a.get("attachment_type") == "file"
        and (a.get("content_type") == "application/pdf" or link.lower().endswith(".pdf"))
    ]
    return html + pdf


def _list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else nothing (an item is read whatever shape it has)."""
    return value if isinstance(value, list) else []


def _first(value: Any) -> dict[str, Any] | None:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def _str(value: Any) -> str | None:
    """A text field as the edition can hold it (see :func:`clean`), or ``None`` when empty."""
    return (clean(value) or None) if isinstance(value, str) else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
