"""The fetch room: polite, bounded, SSRF-guarded HTTP (issue 2, item 4).

from curator.fetch import FetchRequest, FetchSettings, fetch_many
results = fetch_many([FetchRequest(source, etag=..., last_modified=...)], FetchSettings())
"""

from __future__ import annotations

from curator.fetch.client import Fetcher, FetchRequest, FetchSettings, fetch_many
from curator.fetch.errors import (
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
