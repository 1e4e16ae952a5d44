"""The one exception hierarchy of Pulse Curator (httpx style: catch ``CuratorError``)."""

from __future__ import annotations


class CuratorError(Exception):
    """Base class: every error the project raises on purpose."""


class ConfigError(CuratorError):
    """Bad configuration: ``sources.yaml``, environment variables, files."""


class FetchError(CuratorError):
    """A source could not be fetched. ``source_id`` names it when known."""

    def __init__(self, message: str, *, source_id: str | None = None, url: str | None = None):
        super().__init__(message)
        self.source_id = source_id
        self.url = url


class ParseError(CuratorError):
    """A fetched document could not be turned into entries."""


class StoreError(CuratorError):
    """The database refused or could not do something."""


class ModelError(CuratorError):
    """The classifier model is missing, corrupt or incompatible."""


class SlackError(CuratorError):
    """Slack refused a call or is not configured."""
