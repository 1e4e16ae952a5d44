"""A publication's own page → its description. Pure (bytes in, text out).

An item that comes without a summary (a page listing without a summary element, a feed of titles
and links) is read at much lower lane points (``curator.classify.lanes``), and most of the duds
it lets through would be told apart by one sentence about the publication. Nearly every
publisher's page carries that sentence for search engines and link previews: ``<meta
name="description">``, Open Graph's ``og:description``, Twitter's card. GOV.UK's is the same text
its feeds give as the summary. :func:`page_description` reads it from the page's ``<head>``
only, so a large page costs little; it runs in a parser process
(:meth:`curator.parse.pool.ParsePool.call`) like any other document from the web.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from curator.normalise import clean_text, html_soup, http_charset
from curator.records import SUMMARY_MAX_CHARS

#: The meta tags read, best first (``name`` or ``property``, case aside).
DESCRIPTION_TAGS = ("description", "og:description", "twitter:description", "dc.description")

#: Only the start of a page is read: the ``<head>`` is there, and a hostile or huge page costs
#: no more than this.
HEAD_BYTES = 256 * 1024

_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class DescribeJob:
    """A fetched page, for a parser process: its bytes and its HTTP headers (the charset)."""

    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def page_description(job: DescribeJob) -> str | None:
    """The page's description as plain text (the first of :data:`DESCRIPTION_TAGS` that is not
    empty once cleaned), or None when it has none."""
    head = job.content[:HEAD_BYTES]
    end = _HEAD_END.search(head)
    if end is not None:
        head = head[: end.start()]
    soup = html_soup(head, encoding=http_charset(job.headers))
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or "").strip().lower()
        if key in DESCRIPTION_TAGS and key not in found:
            text = clean_text(str(meta.get("content") or ""), max_chars=SUMMARY_MAX_CHARS)
            if text:
                found[key] = text
    return next((found[tag] for tag in DESCRIPTION_TAGS if tag in found), None)
