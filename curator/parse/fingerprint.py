"""The fingerprint of a fetched document together with everything that decides how it is parsed.

Many servers send no ``ETag`` or ``Last-Modified``, or ignore them, and answer every poll with
``200`` and the same bytes. A document whose fingerprint equals the one stored for its source
(``source_state.body_hash``, saved only once a parse was stored whole) would give the same
entries, all of them already stored, so the poller records it like a ``304`` and does not parse
it. Pure: no I/O.

What goes in, besides the body: this version of the parsers (a new release reads every
document once more), the source's kind and page selectors, the final URL (the base of relative
links) and the ``Content-Type`` header (its charset decides how the bytes are decoded). A change
to any of them makes the next document parse again, even with the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict

from curator import __version__
from curator.normalise import content_type
from curator.records import SourceConfig

#: Raise when the parsers read the same document differently (without a release).
#: 2: a page's optional date and summary selectors matching nothing keep the items (with a
#: warning); a page without selectors, or whose selectors broke, is read automatically.
#: 3: characters XML forbids are stripped from titles, summaries, links and ids; entity
#: declarations are found with expat; entries with impossible characters are skipped.
#: 4: the line WordPress's Yoast SEO appends to every feed item ("The post … appeared first on
#: ….") is dropped from summaries.
#: 5: that line is dropped when it names the title in other quotes, case or punctuation too.
PARSE_FORMAT = 5


def fingerprint(source: SourceConfig, url: str, headers: Mapping[str, str], body: bytes) -> str:
    """SHA-256 (hex) of ``body`` and how ``source`` parses it."""
    ctype = content_type(headers)
    settings = json.dumps(
        [
            __version__,
            PARSE_FORMAT,
            source.kind,
            asdict(source.selectors) if source.selectors else None,
            url,
            ctype,
        ]
    ).encode()
    digest = hashlib.sha256(settings)
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()
