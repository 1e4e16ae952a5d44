"""Read one publication from its link: metadata, sections and an extractive proposal of its
summary and key findings (quoted from it, never written).

    async with Fetcher(settings) as fetcher, ParsePool(1) as pool:
        publication = await read_publication(fetcher, url, pool=pool, publisher="Ofsted")

Pure modules (``blocks``, ``sections``, ``text``, ``propose``, ``links``, ``govuk``,
``htmlpage``, ``pdflines``, ``pdf``) read bytes into records; :mod:`curator.enrich.service`
fetches (through :mod:`curator.fetch`) and runs the reading in the parser process.
"""

from __future__ import annotations

from curator.enrich.errors import (
    EnrichError,
    PageUnreadable,
    PdfEncrypted,
    PdfMalformed,
    PdfNoText,
    PdfTooLarge,
    ReaderCrashed,
    ReportTimeout,
    ReportUnreadable,
)
from curator.enrich.records import Document, Proposal, Publication
from curator.enrich.service import ReaderSettings, read_publication, read_publication_sync

__all__ = [
    "Document",
    "EnrichError",
    "PageUnreadable",
    "PdfEncrypted",
    "PdfMalformed",
    "PdfNoText",
    "PdfTooLarge",
    "Proposal",
    "Publication",
    "ReaderCrashed",
    "ReaderSettings",
    "ReportTimeout",
    "ReportUnreadable",
    "read_publication",
    "read_publication_sync",
]
