"""Read a publication from its link: fetch, follow to the report, read, propose.

This is the one entry point for callers (the coming ``curator item add``, ``/pulse add`` and
the Slack shortcut, and accepting a card): give it a URL and, when the link belongs to a
watched source, that source's publisher; get back a :class:`Publication`, or a named
:class:`EnrichError` saying why the link could not be read.

Fetching goes through the project's :class:`~curator.fetch.Fetcher` (polite, SSRF-guarded,
capped); reading happens in the parser process (:mod:`curator.enrich.reader`); proposing is
pure (:mod:`curator.enrich.propose`). A report that cannot be read (encrypted, scanned, too
large, damaged) does not fail the publication it belongs to: its landing page is still read,
and the reason is in ``warnings``. A link that is itself such a PDF fails with that reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from curator.enrich.errors import (
    EnrichError,
    PageUnreadable,
    PdfTooLarge,
    ReaderCrashed,
    ReportTimeout,
)
from curator.enrich.govuk import GOVUK_HOSTS, content_api_url, page_url, parent_url
from curator.enrich.links import choose_report
from curator.enrich.pdf import MAX_PAGES
from curator.enrich.propose import propose
from curator.enrich.reader import DocumentKind, ReadJob, read_job
from curator.enrich.records import Document, Publication
from curator.enrich.sections import find_sections
from curator.fetch import BodyTooLarge, Fetcher, FetchError, FetchSettings, HTTPStatusError
from curator.normalise import content_type as content_type_of
from curator.parse.discover import looks_like_feed
from curator.parse.pool import ParsePool

#: A report PDF may be this large (the fetcher's own cap for pages stays lower).
MAX_REPORT_BYTES = 50 * 1024 * 1024
_ID = "enrich"


@dataclass(frozen=True)
class ReaderSettings:
    max_report_bytes: int = MAX_REPORT_BYTES
    max_pages: int = MAX_PAGES
    #: Hosts read through the GOV.UK Content API (tests add their loopback server).
    govuk_hosts: frozenset[str] = field(default=GOVUK_HOSTS)


@dataclass(frozen=True)
class _Read:
    document: Document
    kind: DocumentKind


async def read_publication(
    fetcher: Fetcher,
    url: str,
    *,
    pool: ParsePool,
    publisher: str | None = None,
    settings: ReaderSettings | None = None,
) -> Publication:
    """Read the publication at ``url``. ``publisher`` is the watched source's publisher, used
    unless GOV.UK names the organisations itself. Raises :class:`EnrichError` subclasses."""
    settings = settings or ReaderSettings()
    landing = await _read_url(fetcher, pool, url, settings)
    warnings = list(landing.document.warnings)
    report: Document | None = None
    if landing.kind != "pdf" and not _has_points(landing.document):
        link = choose_report(landing.document.report_links)
        if link is not None:
            try:
                report = (
                    await _read_url(fetcher, pool, link.url, settings, is_pdf=link.is_pdf)
                ).document
                warnings.extend(report.warnings)
            except EnrichError as exc:
                warnings.append(f"{type(exc).__name__}: {exc}")
    page = landing.document
    name = page.publisher or publisher or page.site_name
    documents = [report, page] if report is not None else [page]
    proposal = propose(documents, publisher=name)
    return Publication(
        url=url,
        title=page.title or (report.title if report else None),
        publisher=name,
        published_at=page.published_at,
        document_type=page.document_type,
        description=page.description,
        summary=proposal.summary,
        key_findings=proposal.key_findings,
        lead_in=proposal.lead_in,
        provenance=proposal.provenance,
        missing=proposal.missing,
        report_url=report.url if report is not None else None,
        warnings=tuple(warnings),
    )


def read_publication_sync(
    url: str,
    *,
    fetcher_settings: FetchSettings,
    pool: ParsePool,
    publisher: str | None = None,
    settings: ReaderSettings | None = None,
) -> Publication:
    """:func:`read_publication` for synchronous callers (commands): its own fetcher."""

    async def run() -> Publication:
        async with Fetcher(fetcher_settings) as fetcher:
            return await read_publication(
                fetcher, url, pool=pool, publisher=publisher, settings=settings
            )

    return asyncio.run(run())


def _has_points(document: Document) -> bool:
    """Does the page itself list findings or recommendations (so no report needs reading)?"""
    return any(
        s.kind in {"findings", "recommendations"} and s.items
        for s in find_sections(document.blocks)
    )


async def _read_url(
    fetcher: Fetcher, pool: ParsePool, url: str, settings: ReaderSettings, *, is_pdf: bool = False
) -> _Read:
    api = None if is_pdf else content_api_url(url, settings.govuk_hosts)
    if api is not None:
        try:
            return await _read_govuk(fetcher, pool, api, settings)
        except PageUnreadable as exc:
            fallback = f"read the page instead of the GOV.UK Content API: {exc}"
        plain = replace(settings, govuk_hosts=frozenset())
        read = await _read_url(fetcher, pool, url, plain, is_pdf=is_pdf)
        return _Read(_warn(read.document, fallback), read.kind)
    content, content_type, final = await _fetch(fetcher, url, settings, is_pdf=is_pdf)
    kind: DocumentKind
    if "pdf" in content_type or content[:1024].lstrip().startswith(b"%PDF-"):
        kind = "pdf"
    elif looks_like_feed(content, content_type):
        # A feed's own link is not a publication: read as a page it would become a card
        # titled with its URL.
        raise PageUnreadable(
            f"{url}: this is a feed (RSS, Atom or JSON Feed), not a publication; to watch it, "
            f"add it as a source (`curator sources add {url}`, or `/pulse sources add {url}` "
            "in Slack); to add one of its publications, give that publication's own link"
        )
    elif "html" in content_type or "xml" in content_type or content.lstrip()[:1] == b"<":
        kind = "html"
        if len(content) > fetcher.settings.max_bytes:
            raise PageUnreadable(
                f"{url}: the page is larger than {fetcher.settings.max_bytes} bytes; not reading it"
            )
    else:
        raise PageUnreadable(
            f"{url}: neither a web page nor a PDF (Content-Type {content_type or 'missing'})"
        )
    document = await _parse(pool, ReadJob(kind, content, final, settings.max_pages))
    return _Read(document, kind)


async def _read_govuk(
    fetcher: Fetcher, pool: ParsePool, api: str, settings: ReaderSettings
) -> _Read:
    content, _type, _final = await _fetch(fetcher, api, settings)
    document = await _parse(pool, ReadJob("govuk", content, page_url(api)))
    parent = parent_url(content)
    if parent and urlsplit(parent).netloc.lower() not in settings.govuk_hosts:
        parent = None
    if parent and not document.description:
        # an HTML publication has no description of its own: its parent publication has it
        try:
            data, _t, _f = await _fetch(fetcher, parent, settings)
            up = await _parse(pool, ReadJob("govuk", data, page_url(parent)))
        except EnrichError as exc:
            return _Read(
                _warn(document, f"no description from the parent publication: {exc}"), "govuk"
            )
        document = replace(
            document,
            description=up.description,
            publisher=document.publisher or up.publisher,
            report_links=document.report_links or up.report_links,
        )
    return _Read(document, "govuk")


async def _fetch(
    fetcher: Fetcher, url: str, settings: ReaderSettings, *, is_pdf: bool = False
) -> tuple[bytes, str, str]:
    try:
        result = await fetcher.fetch_url(url, source_id=_ID, max_bytes=settings.max_report_bytes)
    except BodyTooLarge as exc:
        mb = settings.max_report_bytes / 1024 / 1024
        cls = (
            PdfTooLarge if is_pdf or urlsplit(url).path.lower().endswith(".pdf") else PageUnreadable
        )
        raise cls(f"{url}: larger than the {mb:g} MB cap, so not read") from exc
    except HTTPStatusError as exc:
        raise PageUnreadable(
            f"{url}: the server answered HTTP {exc.status}; check the link"
        ) from exc
    except FetchError as exc:
        raise PageUnreadable(f"{url}: could not fetch it: {exc}") from exc
    return result.content, content_type_of(result.headers).lower(), result.url


def _warn(document: Document, warning: str) -> Document:
    return replace(document, warnings=(*document.warnings, warning))


async def _parse(pool: ParsePool, job: ReadJob) -> Document:
    future = pool.call(read_job, job)
    try:
        return await asyncio.wrap_future(future)
    except EnrichError:
        raise
    except BaseException as exc:
        failure = pool.failure(
            exc, job.url, "other publications were not affected", size=len(job.content)
        )
        if failure is None:
            raise
        if isinstance(exc, TimeoutError):
            raise ReportTimeout(str(failure)) from None
        raise ReaderCrashed(str(failure)) from None
