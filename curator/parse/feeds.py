"""RSS / Atom / RSS 1.0 (with feedparser, from bytes) and JSON Feed → :class:`ParsedFeed`.

feedparser is given the bytes and the response headers plus ``content-location`` (the feed's
URL), so relative links resolve against the feed URL and ``xml:base``; its own fetching is never
used: the fetcher (curator.fetch) is the only HTTP client, with its caps and SSRF guard.
"""

from __future__ import annotations

import calendar
import json
import re
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
    except MemoryError:  # past CURATOR_PARSE_MEMORY_MB: the pool names the setting
        raise
    except _FEEDPARSER_FAILURES as exc:  # feedparser's own decoding, which it would do next
        raise _unreadable(source, exc) from exc
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
    try:
        parsed = _feedparser(content, given)
    except MemoryError:
        raise
    except _FEEDPARSER_FAILURES as exc:
        # feedparser's lenient parser turns a reference to a character that cannot exist
        # (&#xD800;, past U+10FFFF) into an exception that sinks the whole document: mark
        # such references instead, and skip the entries that hold one (below).
        marked, count = _mark_impossible_references(content)
        if not count:
            raise _unreadable(source, exc) from exc
        try:
            parsed = _feedparser(marked, given)
        except MemoryError:
            raise
        except _FEEDPARSER_FAILURES as again:
            raise _unreadable(source, again) from again
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
    raws = []
    skipped: list[str] = []
    for position, entry in enumerate(entries, start=1):
        raw = _raw_from_feedparser(position, entry)
        if _holds_impossible_character(raw):
            skipped.append(
                f"{source.id}: entry {position} ({_without_mark(raw.title)!r}) refers to a "
                "character that does not exist; skipped"
            )
        else:
            raws.append(raw)
    if raws and all((r.title or "").strip() == FEED_ENDED_TITLE for r in raws):
        raise FeedEnded(source.id, raws[0].link)
    feed_title = _without_mark((parsed.get("feed") or {}).get("title"))
    return build_feed(
        raws,
        source=source,
        base_url=url,
        now=now,
        title=feed_title,
        warnings=notes,
        skipped=skipped,
    )


#: What feedparser (6.0.14) lets escape on a damaged document instead of reporting it, found by
#: tests/test_fuzz_parsers.py: an encoding name it cannot decode (UnicodeDecodeError) or look up
#: (ValueError for a NUL in it), a character reference it cannot encode, an empty <height> its
#: lenient parser passes to int() (TypeError)... Whatever it raises, the document could not be
#: read: a named error for this source, never a crash.
_FEEDPARSER_FAILURES = (Exception,)


def _unreadable(source: SourceConfig, exc: Exception) -> UnparseableFeed:
    return UnparseableFeed(
        source.id, f"the feed parser could not read the document ({type(exc).__name__}: {exc})"
    )


def _feedparser(content: bytes, headers: dict[str, str]) -> Any:
    return feedparser.parse(
        content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


#: Put in place of a reference to a character that cannot exist: a noncharacter, which Unicode
#: sets aside for a program's own use, so an entry holding one had such a reference.
IMPOSSIBLE = "\ufdd0"
_NUMERIC_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _mark_impossible_references(content: bytes) -> tuple[bytes, int]:
    """``content`` with every reference to a surrogate or to a code point past U+10FFFF replaced
    by one to :data:`IMPOSSIBLE`, and how many there were."""
    count = 0

    def mark(m: re.Match[bytes]) -> bytes:
        nonlocal count
        digits = m[1] or m[2]
        code = int(digits, 16 if m[1] else 10) if len(digits) <= 8 else -1
        if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return m[0]
        count += 1
        return b"&#xFDD0;"

    return _NUMERIC_REFERENCE.sub(mark, content), count


def _holds_impossible_character(raw: RawEntry) -> bool:
    fields = (raw.title, raw.summary, raw.link, raw.guid, *raw.categories)
    return any(IMPOSSIBLE in f for f in fields if f)


def _without_mark(text: str | None) -> str | None:
    return " ".join(text.replace(IMPOSSIBLE, " ").split()) if text else text


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
    notes: list[str] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        if _has_surrogate(item):
            # a "\ud800" escape with no partner: text that cannot be stored or shown
            what = _str(item.get("title")) or _str(item.get("id")) or ""
            notes.append(
                f"{source.id}: entry {position} ({_without_surrogates(what)[:80]!r}) holds text "
                "that is not valid Unicode (a lone surrogate); skipped"
            )
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
    title = _str(data.get("title"))
    return build_feed(
        raws,
        source=source,
        base_url=url,
        now=now,
        title=_without_surrogates(title) if title else None,
        skipped=notes,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _without_surrogates(text: str) -> str:
    return _SURROGATE.sub("", text)


def _str(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None
