"""Read one fetched document into a :class:`Document`, in a parser process.

:func:`read_job` is what :class:`curator.parse.pool.ParsePool` runs: a hostile page or PDF that
hangs or kills its process costs that one publication, and the caller's process never loads
trafilatura or PDFium. Errors cross the process boundary as the named
:class:`curator.enrich.errors.EnrichError` they are.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Literal

from curator.enrich.errors import EnrichError
from curator.enrich.pdf import MAX_PAGES
from curator.enrich.records import Document

DocumentKind = Literal["html", "pdf", "govuk"]


@dataclass(frozen=True)
class ReadJob:
    kind: DocumentKind
    content: bytes
    url: str  # the page or file the content is (a Content API item: the page it describes)
    max_pages: int = MAX_PAGES


def read_job(job: ReadJob) -> Document:
    try:
        if job.kind == "pdf":
            from curator.enrich.pdf import read_pdf

            return read_pdf(job.content, job.url, max_pages=job.max_pages)
        if job.kind == "govuk":
            from curator.enrich.govuk import read_content_item

            return read_content_item(job.content, job.url)
        from curator.enrich.htmlpage import read_html

        return read_html(job.content, job.url)
    except EnrichError as exc:
        raise type(exc)(str(exc)) from None  # without the chain: it must pickle
    except MemoryError:  # past CURATOR_PARSE_MEMORY_MB: ParsePool.failure names the setting
        raise
    except Exception as exc:  # a bug must reach the caller as a failure, not kill the worker
        raise RuntimeError(f"{job.url}: {exc!r}\n{traceback.format_exc()}") from None
