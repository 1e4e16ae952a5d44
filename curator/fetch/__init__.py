"""Fetching: polite, bounded, SSRF-guarded HTTP.

from curator.fetch import FetchRequest, FetchSettings, fetch_many
results = fetch_many([FetchRequest(source, etag=..., last_modified=...)], FetchSettings())
"""

from __future__ import annotations

from curator.errors import (
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
from curator.fetch.client import Fetcher, fetch_many
from curator.fetch.settings import FetchRequest, FetchSettings

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
