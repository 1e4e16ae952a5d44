"""Check sources: fetch every enabled source once, parse what came back and judge it (the work
behind ``curator sources check``), and the JSON document that command prints.

:func:`judge` is pure (a fetch outcome in, a :class:`SourceCheck` out); :func:`run_checks` does
the fetching, through the fetcher and its caps. The fetcher and the parsers are imported inside
the functions, so loading this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from curator.sources.model import MAX_DISCOVERED, Problem

if TYPE_CHECKING:
    from curator.errors import FetchError
    from curator.records import FetchResult, ParsedFeed, SourceConfig


@dataclass
class SourceCheck:
    """What one live check of a source found."""

    source: SourceConfig
    # "ok", "HTTP 404", "blocked", "error", "not a feed", "empty", "parse error", "no items",
    # "disabled", "not checked"
    status: str
    ok: bool
    http_status: int | None = None
    items: int | None = None
    newest: datetime | None = None
    latency: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Of ``items``, how many the source's skip/keep rules would keep quiet (None: no rules).
    ruled_quiet: int | None = None
    #: Entries of the document skipped as unusable (each warning says why), not in ``items``.
    skipped: int = 0
    #: Where the URL's permanent redirects led (its warning says so too), if anywhere.
    moved_to: str | None = None
    #: A ``kind: page`` source's page advertises feeds (its warning names them).
    advertises_feeds: bool = False

    def as_json(self) -> dict[str, object]:
        s = self.source
        return {
            "id": s.id,
            "publisher": s.publisher,
            "kind": s.kind,
            "url": s.url,
            "enabled": s.enabled,
            "verified": s.verified,
            "status": self.status,
            "ok": self.ok,
            "http_status": self.http_status,
            "items": self.items,
            "newest": self.newest.isoformat() if self.newest else None,
            "latency": round(self.latency, 3) if self.latency is not None else None,
            "error": self.error,
            "warnings": list(self.warnings),
            "kept_quiet_by_rules": self.ruled_quiet,
        }


def not_checked(configs: Sequence[SourceConfig]) -> list[SourceCheck]:
    """The rows of an offline check: the file is valid, nothing was fetched."""
    return [SourceCheck(c, "not checked", True) for c in configs]


def _parse(result: FetchResult, source: SourceConfig, now: datetime) -> ParsedFeed:
    from curator.parse import parse_document

    return parse_document(
        result.content, source=source, url=result.url, headers=result.headers, now=now
    )


def _advertised_feeds(source: SourceConfig, page: FetchResult) -> list[str]:
    """For a ``kind: page`` source: the feeds its page advertises, as a hint (a feed is sturdier
    than selectors, which break with every redesign)."""
    if source.kind != "page" or not page.content:
        return []
    from curator.parse.discover import discover_feeds

    feeds = discover_feeds(page.content, page.url)[:MAX_DISCOVERED]
    if not feeds:
        return []
    listed = ", ".join(f"{f.url} ({f.title})" if f.title else f.url for f in feeds)
    return [
        f"{source.id}: the page advertises {'a feed' if len(feeds) == 1 else 'feeds'}: {listed}; "
        "if one lists these publications, kind: feed with its URL is sturdier than selectors"
    ]


def judge(source: SourceConfig, outcome: FetchResult | FetchError, now: datetime) -> SourceCheck:
    """Turn one fetch outcome into a check row: parse what came back, name what went wrong."""
    from curator.errors import FetchError as BaseFetchError
    from curator.errors import ParseError
    from curator.fetch import BlockedBySite, HTTPStatusError
    from curator.parse.errors import EmptyDocument, NotAFeed

    if isinstance(outcome, BaseFetchError):
        if isinstance(outcome, BlockedBySite):
            return SourceCheck(source, "blocked", False, outcome.status, error=str(outcome))
        if isinstance(outcome, HTTPStatusError):
            return SourceCheck(
                source, f"HTTP {outcome.status}", False, outcome.status, error=str(outcome)
            )
        return SourceCheck(source, "error", False, error=str(outcome))
    check = SourceCheck(source, "ok", True, outcome.status, latency=outcome.elapsed)
    moved = outcome.moved_warning(source.url)
    feeds = _advertised_feeds(source, outcome)
    hints = ([moved] if moved else []) + feeds
    check.moved_to, check.advertises_feeds = outcome.moved_to, bool(feeds)
    try:
        parsed = _parse(outcome, source, now)
    except NotAFeed as exc:
        check.status, check.ok, check.error = "not a feed", False, str(exc)
        return check
    except EmptyDocument as exc:
        check.status, check.ok, check.error = "empty", False, str(exc)
        return check
    except ParseError as exc:
        check.status, check.ok, check.error = "parse error", False, str(exc)
        check.warnings = hints
        return check
    check.items = len(parsed.entries)
    check.skipped = parsed.skipped
    if source.skip or source.keep:
        from curator.rules import kept_quiet_by

        check.ruled_quiet = sum(
            1 for e in parsed.entries if kept_quiet_by(e, source.skip, source.keep) is not None
        )
    dates = [e.published_at for e in parsed.entries if e.published_at is not None]
    check.newest = max(dates) if dates else None
    check.warnings = [*parsed.warnings, *hints]
    if not parsed.entries:
        check.status, check.ok = "no items", False
        check.error = _nothing_usable(source, parsed.skipped)
    return check


def _nothing_usable(source: SourceConfig, skipped: int) -> str:
    """Why a document gave no items: it had none, or every one it had was skipped (the
    warnings that follow say why)."""
    page = source.kind == "page"
    if not skipped:
        return "the selectors matched nothing" if page else "the feed has no entries"
    what = "item the selectors matched" if page else "entry of the feed"
    if skipped == 1:
        return f"the only {what} was skipped, so there is nothing to store"
    return f"every {what} was skipped ({skipped} of {skipped}), so there is nothing to store"


def run_checks(
    configs: Sequence[SourceConfig],
    *,
    on_progress: Callable[[SourceCheck], None] | None = None,
    now: datetime | None = None,
) -> list[SourceCheck]:
    """Fetch every enabled source once (concurrently, under the fetcher's caps) and parse it."""
    from curator.config import get_settings
    from curator.fetch import FetchRequest, FetchSettings, fetch_many

    when = now or datetime.now(UTC)
    by_id: dict[str, SourceCheck] = {}

    def done(req: FetchRequest, outcome: FetchResult | FetchError) -> None:
        row = judge(req.source, outcome, when)
        by_id[req.source.id] = row
        if on_progress is not None:
            on_progress(row)

    enabled = [c for c in configs if c.enabled]
    fetch_many(
        [FetchRequest(c) for c in enabled],
        FetchSettings.from_settings(get_settings()),
        on_result=done,
    )
    return [
        by_id.get(c.id) or SourceCheck(c, "disabled" if not c.enabled else "error", not c.enabled)
        for c in configs
    ]


def checks_json(path: Path, rows: Sequence[SourceCheck]) -> dict[str, object]:
    """``curator sources check --json`` for a valid file."""
    return {
        "file": str(path),
        "valid": True,
        "ok": all(r.ok for r in rows),
        "problems": [],
        "sources": [r.as_json() for r in rows],
    }


def problems_json(path: Path, problems: Sequence[Problem]) -> dict[str, object]:
    """``curator sources check --json`` for an invalid file (nothing was fetched)."""
    return {
        "file": str(path),
        "valid": False,
        "ok": False,
        "problems": [p.as_json() for p in problems],
        "sources": [],
    }
