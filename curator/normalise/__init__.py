"""Pure normalisation of what publishers send: canonical URLs, GOV.UK paths and document types,
plain text and dates. No I/O here.

Every function is total: bad input gives a sensible value (``None``, the input unchanged), never
an exception, because one odd entry must not stop a whole feed.

One module a job: :mod:`.urls` (canonical links, GOV.UK paths), :mod:`.doctypes` (GOV.UK
document types), :mod:`.text` (HTML to plain text, XML-safe text, the soup builder) with its
parser-free fast path :mod:`.simplehtml`, and :mod:`.dates`. The names below are the package's
interface; import them from ``curator.normalise``.
"""

from __future__ import annotations

from curator.normalise.dates import parse_date
from curator.normalise.doctypes import (
    GOVUK_DOCUMENT_TYPE_LABELS,
    document_type_from_govuk_api,
    document_type_label,
    split_document_type,
)
from curator.normalise.text import (
    clean_text,
    content_type,
    drop_feed_footer,
    html_soup,
    http_charset,
    says_more_than,
    xml_safe,
)
from curator.normalise.urls import (
    TRACKING_PARAMS,
    TRACKING_PREFIXES,
    canonical_url,
    govuk_path,
    is_http_url,
    is_plain_url,
)

__all__ = [
    "GOVUK_DOCUMENT_TYPE_LABELS",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonical_url",
    "clean_text",
    "content_type",
    "document_type_from_govuk_api",
    "document_type_label",
    "drop_feed_footer",
    "govuk_path",
    "html_soup",
    "http_charset",
    "is_http_url",
    "is_plain_url",
    "parse_date",
    "says_more_than",
    "split_document_type",
    "xml_safe",
]
