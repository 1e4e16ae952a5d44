"""Which link on a landing page leads to the main report. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from curator.enrich.records import ReportLink
from curator.normalise import xml_safe

# Versions of a report that are not the report itself.
_NOT_THE_REPORT = re.compile(
    r"\b(?:easy[ -]read|welsh|cymraeg|annex(?:es)?|appendix|appendices|technical|data tables?|"
    r"methodology|accessible|large print|braille|audio|infographic|summary for (?:children|young)|"
    r"privacy|cookies?|terms)\b",
    re.IGNORECASE,
)
_REPORT_WORDS = re.compile(r"\b(?:full )?report\b|\bevaluation\b|\breview\b", re.IGNORECASE)


def choose_report(links: Sequence[ReportLink]) -> ReportLink | None:
    """The link most likely to be the main report: not an easy-read, Welsh or annex version;
    a link saying "report" before others; otherwise the first, in page order."""
    candidates = [link for link in links if not _NOT_THE_REPORT.search(link.text)]
    if not candidates:
        return None
    named = [link for link in candidates if _REPORT_WORDS.search(link.text)]
    return (named or candidates)[0]


def absolute_url(href: object, base: str) -> str | None:
    """``href`` resolved against ``base``, without its fragment, when that is an http(s) URL;
    ``None`` for anything else: a ``mailto:`` link, a number where GOV.UK has a URL, or a URL
    that does not parse (``http://[::1/``, on which ``urljoin`` raises)."""
    if not isinstance(href, str) or not href.strip():
        return None
    try:
        target = urljoin(base, xml_safe(href.strip())).split("#", 1)[0]
        scheme = urlsplit(target).scheme
    except ValueError:
        return None
    return target if scheme in {"http", "https"} else None
