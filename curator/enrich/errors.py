"""Why a publication could not be read. Each class names one way it fails; every message
starts with the URL and says what to do, so a Slack reply or a CLI line needs nothing else.

The report errors are raised inside the parser process and cross back to the caller: they keep
the one-argument constructor that pickling needs.
"""

from __future__ import annotations

from curator.errors import CuratorError


class EnrichError(CuratorError):
    """A publication could not be read (base class)."""


class PageUnreadable(EnrichError):
    """The link could not be fetched, or what it returned is not a page or a PDF."""


class ReportUnreadable(EnrichError):
    """A report PDF could not be read (base class of the PDF errors)."""


class PdfTooLarge(ReportUnreadable):
    """The PDF is larger than the size cap (50 MB)."""


class PdfEncrypted(ReportUnreadable):
    """The PDF needs a password to open."""


class PdfNoText(ReportUnreadable):
    """The PDF has no text layer (scanned pages, images of text)."""


class PdfMalformed(ReportUnreadable):
    """The file is not a PDF, or is damaged or cut short."""


class ReportTimeout(ReportUnreadable):
    """Reading the PDF took longer than the parse timeout (CURATOR_PARSE_TIMEOUT)."""


class ReaderCrashed(ReportUnreadable):
    """The parser process died while reading the PDF."""


__all__ = [
    "EnrichError",
    "PageUnreadable",
    "PdfEncrypted",
    "PdfMalformed",
    "PdfNoText",
    "PdfTooLarge",
    "ReaderCrashed",
    "ReportTimeout",
    "ReportUnreadable",
]
