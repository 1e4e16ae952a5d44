"""Which link on a landing page leads to the main report. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.enrich.records import ReportLink

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
