"""Build small Atom documents for pipeline tests that need a feed to change between polls.

These are made by the test, not captured: the real-world shapes are covered by the captured
fixtures in tests/fixtures/feeds/. The shape follows GOV.UK's organisation feeds (see
tests/fixtures/PROVENANCE.md): tag-URI ids, a document-type prefix in the title, <updated> only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    updated: str = "2024-06-10T09:30:00+01:00"
    summary: str = ""


def atom(
    items: list[FeedItem], title: str = "Department of Health and Social Care - Activity on GOV.UK"
) -> bytes:
    entries = "".join(
        f"""  <entry>
    <id>tag:www.gov.uk,2005:/{escape(i.link.split("gov.uk", 1)[-1])}/{n}</id>
    <updated>{i.updated}</updated>
    <link rel="alternate" type="text/html" href="{escape(i.link)}"/>
    <title>{escape(i.title)}</title>
    <summary type="html">{escape(i.summary)}</summary>
  </entry>
"""
        for n, i in enumerate(items)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>tag:www.gov.uk,2005:/government/organisations/department-of-health-and-social-care</id>
  <title>{escape(title)}</title>
  <updated>2024-06-10T09:30:00+01:00</updated>
  <author><name>HM Government</name></author>
{entries}</feed>
""".encode()


def write_sources(path: Path, sources: list[dict[str, object]]) -> Path:
    """A sources.yaml (JSON is YAML) with the given sources; kind feed and 1h by default."""
    full = [{"kind": "feed", "every": "1h", **s} for s in sources]
    path.write_text(json.dumps({"sources": full}, indent=2), encoding="utf-8")
    return path
