"""RSS / Atom / RSS 1.0 (with feedparser, from bytes) and JSON Feed → :class:`ParsedFeed`.

feedparser is given the bytes and the response headers plus ``content-location`` (the feed's
URL), so relative links resolve against the feed URL and ``xml:base``; its own fetching is never
used (DESIGN §3).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from curator.normalise import parse_date
from curator.parse.discover import discover_feeds, looks_like_html
from curator.parse.entries import RawEntry, build_feed
from curator.parse.errors import EmptyDocument, FeedEnded, NotAFeed, UnparseableFeed
from curator.parse.xmlsafety import UnsafeXML, defuse_entities
from curator.records import ParsedFeed, SourceConfig

#: The title of the single entry GOV.UK serves in place of a retired finder feed.
FEED_ENDED_TITLE = "This feed has ended"


def parse_feed(
    content: bytes,
    *,
    source: SourceConfig,
    url: str,
    headers: Mapping[str, str],
    now: datetime,
) -> ParsedFeed:
    """Entries of a feed document. Recoverable problems (not well-formed XML, wrong declared
    encoding, odd entries) become ``ParsedFeed.warnings``; see :mod:`curator.parse.errors` for
    what is raised."""
    if not content.strip():
        raise EmptyDocument(source.id)
    lowered = {k.lower(): v for k, v in headers.items()}
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return _parse_json_feed(content, source=source, url=url, now=now)

    # Summaries become plain text (normalise.clean_text), so feedparser's HTML sanitiser and its
    # rewriting of relative links inside HTML would be work thrown away. Entry links are resolved
    # against the feed URL by build_entry. feedparser is told the feed URL (as Content-Location)
    # only when the document uses xml:base, which may itself be relative: given a base, it
    # resolves one on every element start, a third of its time on a plain feed.
    given = {k: v for k, v in lowered.items() if k != "content-location"}
    notes: list[str] = []
    try:
        safe = defuse_entities(content, given)
    except UnsafeXML as exc:
        raise UnparseableFeed(source.id, f"refused: {exc} (entity expansion risk)") from exc
    content, given = safe.content, dict(safe.headers)
    if safe.encoding_note is not None:
        note = _bozo_note(safe.encoding_note, source.id, lowered)
        if note:
            notes.append(note)
    if safe.removed:
        notes.append(
            f"{source.id}: the document declares its own XML entities; "
            "they were removed, not expanded"
        )
    if b"xml:base" in content:
        given["content-location"] = url
    parsed = feedparser.parse(
        content,
        response_headers=given,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries and (parsed.get("bozo") or not version) and looks_like_html(content):
        raise NotAFeed(source.id, [feed.url for feed in discover_feeds(content, url)])
    if parsed.get("bozo"):
        note = _bozo_note(parsed.get("bozo_exception"), source.id, lowered)
        if note:
            notes.append(note)
    if not version and not entries:
        reason = _describe_exception(parsed.get("bozo_exception"))
        raise UnparseableFeed(
            source.id, f"could not read the document as RSS or Atom ({reason or 'unknown format'})"
        )
    raws = [_raw_from_feedparser(i, e) for i, e in enumerate(entries, start=1)]
    if raws and all((r.title or "").strip() == FEED_ENDED_TITLE for r in raws):
        raise FeedEnded(source.id, raws[0].link)
    feed_title = (parsed.get("feed") or {}).get("title")
    return build_feed(raws, source=source, base_url=url, now=now, title=feed_title, warnings=notes)


def _describe_exception(exc: object) -> str:
    if exc is None:
        return ""
    text = str(exc).strip()
    if text.startswith("<unknown>:"):
        # SAXParseException: "<unknown>:5:40: undefined entity" -> "line 5: undefined entity"
        parts = text.split(":", 3)
        if len(parts) == 4 and parts[1].isdigit():
            text = f"line {parts[1]}: {parts[3].strip()}"
    return text


def _bozo_note(exc: object, source_id: str, headers: Mapping[str, str]) -> str | None:
    name = type(exc).__name__
    if name == "NonXMLContentType":
        ctype = headers.get("content-type")
        if not ctype:
            return None  # nothing to report: the caller passed no Content-Type at all
        return f"{source_id}: served as {ctype!r}, not an XML media type"
    if name == "CharacterEncodingOverride":
        text = _describe_exception(exc)
        ctype = headers.get("content-type", "").lower()
        if "declared as us-ascii" in text and "charset" not in ctype:
            # RFC 3023 reads a bare "text/xml" as US-ASCII; nearly every server means the
            # document's own declaration, which feedparser then follows. Not worth a warning.
            return None
        return f"{source_id}: {text}"
    return (
        f"{source_id}: the feed is not well-formed ({_describe_exception(exc)}); "
        "kept what could be read"
    )


def _struct_to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_date(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published", "updated", "created"):
        when = _struct_to_datetime(entry.get(f"{key}_parsed"))
        if when is None:
            when = parse_date(entry.get(key))
        if when is not None:
            return when
    return None


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    # FeedBurner rewrites <link> to a feedproxy redirect; origLink is the publisher's own URL.
    for candidate in (entry.get("feedburner_origlink"), entry.get("link")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    for link in entry.get("links") or []:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _tags(entry: Mapping[str, Any]) -> Iterator[str]:
    for tag in entry.get("tags") or []:
        value = tag.get("label") or tag.get("term")
        if value:
            yield str(value)


def _raw_from_feedparser(position: int, entry: Mapping[str, Any]) -> RawEntry:
    summary = entry.get("summary")
    if not summary:
        contents = entry.get("content") or []
        summary = contents[0].get("value") if contents else None
    return RawEntry(
        position=position,
        link=_entry_link(entry),
        title=entry.get("title"),
        summary=summary,
        published_at=_entry_date(entry),
        guid=entry.get("id"),
        categories=tuple(_tags(entry)),
    )


# JSON Feed (https://jsonfeed.org/version/1.1): feedparser 6 does not read it, and
# discover_feeds reports application/feed+json links, so the few fields we need are read here.


def _parse_json_feed(
    content: bytes, *, source: SourceConfig, url: str, now: datetime
) -> ParsedFeed:
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise UnparseableFeed(source.id, f"the JSON is not valid ({exc})") from exc
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise UnparseableFeed(source.id, "JSON that is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise UnparseableFeed(source.id, "a JSON Feed without an items list")
    raws = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        tags = item.get("tags")
        raws.append(
            RawEntry(
                position=position,
                link=_str(item.get("url")) or _str(item.get("external_url")),
                title=_str(item.get("title")),
                summary=_str(item.get("summary"))
                or _str(item.get("content_html"))
                or _str(item.get("content_text")),
                published_at=parse_date(_str(item.get("date_published")))
                or parse_date(_str(item.get("date_modified"))),
                guid=_str(item.get("id")),
                categories=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            )
        )
    return build_feed(raws, source=source, base_url=url, now=now, title=_str(data.get("title")))


def _str(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None
