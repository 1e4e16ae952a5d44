"""Fetching: polite, bounded, SSRF-guarded HTTP.

from curator.fetch import FetchRequest, FetchSettings, fetch_many
results = fetch_many([FetchRequest(source, etag=..., last_modified=...)], FetchSettings())
"""

from __future__ import annotations

import sys

# httpx's __init__ imports its command-line client (httpx._main, and with it click, rich and
# pygments: ~5 MB of every process that fetches) whenever those are installed, as they are for
# curator's own CLI. Nothing here runs httpx's CLI, so its module is marked as not importable
# before httpx is first imported; httpx then puts a stub in its place (its `main` says the CLI's
# dependencies are missing). benchmarks/RESULTS.md, "Poll benchmark: the model's vocabularies
# as arrays"; encode/httpx#3547 would have httpx import its CLI only when run.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from curator.errors import (  # noqa: E402
    BadResponse,
    BlockedAddress,
    BlockedBySite,
    BodyTooLarge,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
)
from curator.fetch.client import Fetcher, fetch_many  # noqa: E402
from curator.fetch.settings import FetchRequest, FetchSettings  # noqa: E402

__all__ = [
    "BadResponse",
    "BlockedAddress",
    "BlockedBySite",
    "BodyTooLarge",
    "ConnectFailed",
    "FetchError",
    "FetchRequest",
    "FetchSettings",
    "FetchTimeout",
    "Fetcher",
    "HTTPStatusError",
    "RobotsDisallowed",
    "TooManyRedirects",
    "fetch_many",
]
