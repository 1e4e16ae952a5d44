"""The limits a fetch runs under, and what to fetch: plain records, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from curator.records import SourceConfig

if TYPE_CHECKING:
    from curator.config import Settings


@dataclass(frozen=True)
class FetchSettings:
    """Politeness and safety limits for fetching (the defaults are the product's)."""

    global_limit: int = 16
    per_host_limit: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "PulseCurator/0.1 (+https://github.com/pulse-curator/pulse-curator)"
    allow_private_networks: bool = False
    respect_robots: bool = True
    #: Networks let through even while the guard is on (CIDR strings). Not a deployment setting:
    #: tests allow ``127.0.0.0/8`` here to reach their loopback server and still see the guard
    #: refuse 10.0.0.0/8 or 169.254.169.254.
    allowed_networks: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchSettings:
        return cls(
            user_agent=settings.effective_user_agent,
            allow_private_networks=settings.allow_private_networks,
        )


@dataclass(frozen=True)
class FetchRequest:
    """One source to fetch, with the validators stored from its last successful fetch."""

    source: SourceConfig
    etag: str | None = None
    last_modified: str | None = None
