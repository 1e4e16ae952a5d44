"""Read one publication from its link: metadata, sections and an extractive proposal of its
summary and key findings (quoted from it, never written).

    async with Fetcher(settings) as fetcher, ParsePool(1) as pool:
        publication = await read_publication(fetcher, url, pool=pool, publisher="Ofsted")

Pure modules (``blocks``, ``sections``, ``text``, ``propose``, ``links``, ``govuk``,
``htmlpage``, ``pdflines``, ``pdf``) read bytes into records; :mod:`curator.enrich.service`
fetches (through :mod:`curator.fetch`) and runs the reading in the parser process.
"""

from __future__ import annotations

from curator.enrich import errors
from curator.enrich.errors import *  # noqa: F403  (its __all__: every way reading fails)
from curator.enrich.records import Document, Proposal, Publication
from curator.enrich.service import ReaderSettings, read_publication, read_publication_sync

__all__ = [
    "Document",
    "Proposal",
    "Publication",
    "ReaderSettings",
    "read_publication",
    "read_publication_sync",
]
__all__ += errors.__all__
